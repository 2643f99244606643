# einjit_add_kernel: compiles a contraction ahead of time with `einjit compile` at build time and
# adds the object and the directory of its header to a target. The linked program needs no LLVM.
#
#   einjit_add_kernel(TARGET NAME EXPR expr SHAPES shapes [DTYPE dtype] [CPU cpu]
#                     [BATCH_DOT current|legacy] [OUTPUT_DTYPE f32] [SINGLE_THREADED])
#
# NAME is the C entry point and the header's name (#include "NAME.h"). BATCH_DOT and OUTPUT_DTYPE
# are `einjit compile`'s --batch-dot and --output-dtype (which Keras reading of K.batch_dot and
# the Dot layer; an f32 output for bf16 or f16 inputs). By default the entry
# points take a last `int threads` argument and a kernel with enough work splits across
# einjit_rt's thread pool, so the target links einjit::rt (a static library: a kernel that never
# splits pulls nothing from it). SINGLE_THREADED compiles without threads and links nothing but
# the object. The einjit tool is the EINJIT_EXECUTABLE variable when set (the installed package
# sets it), else the `einjit` target of this build.
function(einjit_add_kernel target name)
  cmake_parse_arguments(PARSE_ARGV 2 EINJIT_KERNEL "SINGLE_THREADED"
                        "EXPR;SHAPES;DTYPE;CPU;BATCH_DOT;OUTPUT_DTYPE" "")
  if(EINJIT_KERNEL_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "einjit_add_kernel(${name}): unexpected arguments "
                        "${EINJIT_KERNEL_UNPARSED_ARGUMENTS}")
  endif()
  if(NOT EINJIT_KERNEL_EXPR OR NOT EINJIT_KERNEL_SHAPES)
    message(FATAL_ERROR "einjit_add_kernel(${name}): EXPR and SHAPES are required")
  endif()
  if(NOT EINJIT_KERNEL_DTYPE)
    set(EINJIT_KERNEL_DTYPE f32)
  endif()
  if(EINJIT_EXECUTABLE)
    set(tool ${EINJIT_EXECUTABLE})
    set(tool_dependency ${EINJIT_EXECUTABLE})
  elseif(TARGET einjit)
    set(tool $<TARGET_FILE:einjit>)
    set(tool_dependency einjit)
  else()
    message(FATAL_ERROR "einjit_add_kernel(${name}): set EINJIT_EXECUTABLE to the einjit tool")
  endif()
  set(options)
  if(EINJIT_KERNEL_CPU)
    list(APPEND options --target ${EINJIT_KERNEL_CPU})
  endif()
  if(EINJIT_KERNEL_BATCH_DOT)
    list(APPEND options --batch-dot=${EINJIT_KERNEL_BATCH_DOT})
  endif()
  if(EINJIT_KERNEL_OUTPUT_DTYPE)
    list(APPEND options --output-dtype ${EINJIT_KERNEL_OUTPUT_DTYPE})
  endif()
  if(EINJIT_KERNEL_SINGLE_THREADED)
    list(APPEND options --single-threaded)
  elseif(NOT TARGET einjit::rt)
    message(FATAL_ERROR "einjit_add_kernel(${name}): a threaded kernel links einjit::rt: "
                        "find_package(einjit CONFIG) first, or add SINGLE_THREADED")
  endif()
  set(directory ${CMAKE_CURRENT_BINARY_DIR}/einjit_aot/${name})
  add_custom_command(
    OUTPUT ${directory}/${name}.o ${directory}/${name}.h
    COMMAND ${tool} compile ${EINJIT_KERNEL_EXPR} --shapes ${EINJIT_KERNEL_SHAPES}
            --dtype ${EINJIT_KERNEL_DTYPE} --name ${name} -o ${directory} ${options}
    DEPENDS ${tool_dependency}
    COMMENT "einjit compile ${name}: ${EINJIT_KERNEL_EXPR}"
    VERBATIM)
  set_source_files_properties(${directory}/${name}.o PROPERTIES EXTERNAL_OBJECT TRUE
                                                                 GENERATED TRUE)
  target_sources(${target} PRIVATE ${directory}/${name}.o ${directory}/${name}.h)
  target_include_directories(${target} PRIVATE ${directory})
  if(NOT EINJIT_KERNEL_SINGLE_THREADED)
    target_link_libraries(${target} PRIVATE einjit::rt)
  endif()
  # On CPUs without FMA instructions LLVM calls libm's fma.
  if(UNIX AND NOT APPLE)
    target_link_libraries(${target} PRIVATE m)
  endif()
endfunction()
