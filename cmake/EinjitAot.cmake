# einjit_add_kernel: compiles a contraction ahead of time with `einjit compile` at build time and
# adds the object and the directory of its header to a target. The linked program needs no LLVM
# and no einjit library.
#
#   einjit_add_kernel(TARGET NAME EXPR expr SHAPES shapes [DTYPE dtype] [CPU cpu])
#
# NAME is the C entry point and the header's name (#include "NAME.h"). The einjit tool is the
# EINJIT_EXECUTABLE variable when set, else the `einjit` target of this build.
function(einjit_add_kernel target name)
  cmake_parse_arguments(PARSE_ARGV 2 EINJIT_KERNEL "" "EXPR;SHAPES;DTYPE;CPU" "")
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
  set(cpu_option)
  if(EINJIT_KERNEL_CPU)
    set(cpu_option --target ${EINJIT_KERNEL_CPU})
  endif()
  set(directory ${CMAKE_CURRENT_BINARY_DIR}/einjit_aot/${name})
  add_custom_command(
    OUTPUT ${directory}/${name}.o ${directory}/${name}.h
    COMMAND ${tool} compile ${EINJIT_KERNEL_EXPR} --shapes ${EINJIT_KERNEL_SHAPES}
            --dtype ${EINJIT_KERNEL_DTYPE} --name ${name} -o ${directory} ${cpu_option}
    DEPENDS ${tool_dependency}
    COMMENT "einjit compile ${name}: ${EINJIT_KERNEL_EXPR}"
    VERBATIM)
  set_source_files_properties(${directory}/${name}.o PROPERTIES EXTERNAL_OBJECT TRUE
                                                                 GENERATED TRUE)
  target_sources(${target} PRIVATE ${directory}/${name}.o ${directory}/${name}.h)
  target_include_directories(${target} PRIVATE ${directory})
  # On CPUs without FMA instructions LLVM calls libm's fma.
  if(UNIX AND NOT APPLE)
    target_link_libraries(${target} PRIVATE m)
  endif()
endfunction()
