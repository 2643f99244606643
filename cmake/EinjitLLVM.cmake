# Finds LLVM 19 once and wraps it as one imported target, einjit::llvm, linking the shared
# libLLVM (static LLVM costs minutes per link). LLVM's package version file matches major.minor.
find_package(LLVM 19.1 REQUIRED CONFIG)
message(STATUS "einjit: LLVM ${LLVM_PACKAGE_VERSION} from ${LLVM_DIR}")

if(NOT TARGET einjit::llvm)
  add_library(einjit_llvm INTERFACE)
  add_library(einjit::llvm ALIAS einjit_llvm)
  separate_arguments(EINJIT_LLVM_DEFINITIONS NATIVE_COMMAND "${LLVM_DEFINITIONS}")
  target_include_directories(einjit_llvm SYSTEM INTERFACE ${LLVM_INCLUDE_DIRS})
  target_compile_definitions(einjit_llvm INTERFACE ${EINJIT_LLVM_DEFINITIONS})
  target_link_libraries(einjit_llvm INTERFACE LLVM)
endif()

# lit and FileCheck for the golden tests (Debian's llvm-19-tools).
find_program(EINJIT_FILECHECK NAMES FileCheck FileCheck-19 HINTS ${LLVM_TOOLS_BINARY_DIR} REQUIRED)
find_program(EINJIT_LIT NAMES lit.py lit llvm-lit
  HINTS ${LLVM_TOOLS_BINARY_DIR}/../build/utils/lit ${LLVM_TOOLS_BINARY_DIR} REQUIRED)
