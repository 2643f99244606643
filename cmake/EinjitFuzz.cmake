# The fuzzing build (scripts/fuzz.sh, its own build directory): EINJIT_FUZZ (clang only)
# instruments every library for libFuzzer's coverage and checks it with AddressSanitizer + UBSan;
# the build then holds the fuzz targets of tests/fuzz and nothing else of the tests.
option(EINJIT_FUZZ "Build the libFuzzer targets (clang): coverage, ASan and UBSan everywhere" OFF)

if(EINJIT_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    message(FATAL_ERROR "EINJIT_FUZZ needs clang (libFuzzer): configure with "
                        "-DCMAKE_CXX_COMPILER=clang++-19 -DCMAKE_C_COMPILER=clang-19")
  endif()
  if(EINJIT_SANITIZE OR EINJIT_TSAN)
    message(FATAL_ERROR "EINJIT_FUZZ brings its own sanitizers: leave EINJIT_SANITIZE and "
                        "EINJIT_TSAN off")
  endif()
  # The executables link -fsanitize=fuzzer themselves (tests/fuzz/CMakeLists.txt); the
  # libraries get the coverage instrumentation without libFuzzer's main.
  # -fsanitize=function checks a signature word just before a called function's address: JIT
  # kernels have none (a kernel at the start of a page faults on the read), so it is off.
  add_compile_options(-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize=function
    -fno-sanitize-recover=all -fno-omit-frame-pointer
    # clang warns about the deprecated std::get_temporary_buffer inside GCC 12's own
    # std::stable_sort: not einjit's code.
    -Wno-deprecated-declarations)
  add_link_options(-fsanitize=address,undefined)
endif()
