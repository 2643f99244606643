# Warnings as errors for every einjit target, and the optional sanitizer build.
add_library(einjit_warnings INTERFACE)
target_compile_options(einjit_warnings INTERFACE -Wall -Wextra -Wpedantic
  -Wnon-virtual-dtor -Wimplicit-fallthrough -Werror
  # GCC 12 reports false -Wrestrict positives inside std::string concatenation at -O2.
  $<$<CXX_COMPILER_ID:GNU>:-Wno-restrict>)

option(EINJIT_SANITIZE "Build everything with AddressSanitizer and UndefinedBehaviorSanitizer" OFF)
if(EINJIT_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-sanitize-recover=all
    -fno-omit-frame-pointer)
  add_link_options(-fsanitize=address,undefined)
endif()
