# The ThreadSanitizer build (scripts/tsan.sh, its own build directory): EINJIT_TSAN instruments
# everything with -fsanitize=thread; tests/CMakeLists.txt then adds the concurrency tests'
# executable (concurrency_tests, tests/unit/jit/JitTests.cmake). libLLVM stays uninstrumented
# (tests/unit/jit/tsan.supp).
option(EINJIT_TSAN "Build the concurrency tests with ThreadSanitizer" OFF)

if(EINJIT_TSAN)
  if(EINJIT_SANITIZE)
    message(FATAL_ERROR "ThreadSanitizer cannot be combined with AddressSanitizer: leave "
                        "EINJIT_SANITIZE off")
  endif()
  add_compile_options(-fsanitize=thread -fno-omit-frame-pointer)
  add_link_options(-fsanitize=thread)
endif()
