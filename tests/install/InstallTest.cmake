# The install test, run by ctest as `cmake -P`: installs the build into a fresh prefix, then
# builds tests/install/project — an outside project using find_package(einjit CONFIG), the JIT
# and einjit_add_kernel — against it and runs its programs; then builds the JIT program again
# with nothing but `pkg-config --cflags --libs einjit`, and the AOT program with the generated
# object and `pkg-config --libs einjit_rt`, and runs those.
#
# Variables: BUILD_DIR (the einjit build), WORK_DIR (scratch, emptied first), PROJECT_DIR,
# C_COMPILER, CXX_COMPILER, GENERATOR, PKG_CONFIG, and optionally LAUNCHER (e.g. ccache).
cmake_minimum_required(VERSION 3.25)

function(run what)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE status OUTPUT_VARIABLE output
                  ERROR_VARIABLE output)
  if(NOT status EQUAL 0)
    message(FATAL_ERROR "install test: ${what} failed (${status}):\n${output}")
  endif()
  message(STATUS "install test: ${what}: ok")
  set(run_output "${output}" PARENT_SCOPE)
endfunction()

# A program built against the installed einjit must run and print "NAME: ok".
function(check_program program)
  run("${program}" ${program})
  if(NOT run_output MATCHES ": ok")
    message(FATAL_ERROR "install test: ${program} printed:\n${run_output}")
  endif()
endfunction()

# An ahead-of-time program needs neither LLVM nor an einjit shared library.
function(check_no_llvm program)
  run("readelf -d ${program}" readelf -d ${program})
  if(run_output MATCHES "NEEDED[^\n]*(LLVM|einjit)")
    message(FATAL_ERROR "install test: ${program} needs LLVM or an einjit library:\n${run_output}")
  endif()
endfunction()

set(prefix ${WORK_DIR}/prefix)
set(project_build ${WORK_DIR}/project)
file(REMOVE_RECURSE ${WORK_DIR})
file(MAKE_DIRECTORY ${WORK_DIR})

run("cmake --install" ${CMAKE_COMMAND} --install ${BUILD_DIR} --prefix ${prefix})

set(launcher)
if(LAUNCHER)
  set(launcher -DCMAKE_C_COMPILER_LAUNCHER=${LAUNCHER} -DCMAKE_CXX_COMPILER_LAUNCHER=${LAUNCHER})
endif()
run("configure the outside project" ${CMAKE_COMMAND} -S ${PROJECT_DIR} -B ${project_build}
    -G ${GENERATOR} -DCMAKE_BUILD_TYPE=Release -DCMAKE_PREFIX_PATH=${prefix}
    -DCMAKE_C_COMPILER=${C_COMPILER} -DCMAKE_CXX_COMPILER=${CXX_COMPILER} ${launcher})
# Its kernel must be compiled by the installed tool, not by the build tree's.
if(NOT run_output MATCHES "einjit tool: ${prefix}/bin/einjit")
  message(FATAL_ERROR "install test: the outside project did not use the installed einjit tool:\n"
                      "${run_output}")
endif()
run("build the outside project" ${CMAKE_COMMAND} --build ${project_build} -j 2)
check_program(${project_build}/jit_einsum)
check_program(${project_build}/aot_matmul)
check_no_llvm(${project_build}/aot_matmul)

# pkg-config alone, the way a Makefile would use it.
set(ENV{PKG_CONFIG_PATH} ${prefix}/lib/pkgconfig)
run("pkg-config einjit" ${PKG_CONFIG} --cflags --libs einjit)
separate_arguments(einjit_flags UNIX_COMMAND "${run_output}")
run("compile with pkg-config einjit" ${CXX_COMPILER} -std=c++20 ${PROJECT_DIR}/jit_einsum.cpp
    ${einjit_flags} -Wl,-rpath,${prefix}/lib -o ${WORK_DIR}/jit_einsum_pkgconfig)
check_program(${WORK_DIR}/jit_einsum_pkgconfig)
run("pkg-config einjit_rt" ${PKG_CONFIG} --cflags --libs einjit_rt)
separate_arguments(runtime_flags UNIX_COMMAND "${run_output}")
set(kernel_dir ${project_build}/einjit_aot/matmul)
run("compile with pkg-config einjit_rt" ${C_COMPILER} ${PROJECT_DIR}/aot_matmul.c -I${kernel_dir}
    ${kernel_dir}/matmul.o ${runtime_flags} -o ${WORK_DIR}/aot_matmul_pkgconfig)
check_program(${WORK_DIR}/aot_matmul_pkgconfig)
check_no_llvm(${WORK_DIR}/aot_matmul_pkgconfig)
