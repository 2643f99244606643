# The install test (InstallTest.cmake): `cmake --install` into a scratch prefix, then an outside
# project (project/) built against it with find_package(einjit CONFIG) and with pkg-config.
# Included from tests/CMakeLists.txt outside the sanitizer build: it builds a project of its own
# (about 30 s on 2 cores) and installs this build, whatever its flags.
find_program(EINJIT_PKG_CONFIG NAMES pkg-config pkgconf REQUIRED)
set(einjit_install_launcher)
if(CMAKE_CXX_COMPILER_LAUNCHER)
  set(einjit_install_launcher -DLAUNCHER=${CMAKE_CXX_COMPILER_LAUNCHER})
endif()
add_test(NAME install
  COMMAND ${CMAKE_COMMAND}
    -DBUILD_DIR=${PROJECT_BINARY_DIR}
    -DWORK_DIR=${CMAKE_CURRENT_BINARY_DIR}/install-test
    -DPROJECT_DIR=${CMAKE_CURRENT_SOURCE_DIR}/install/project
    -DC_COMPILER=${CMAKE_C_COMPILER}
    -DCXX_COMPILER=${CMAKE_CXX_COMPILER}
    -DGENERATOR=${CMAKE_GENERATOR}
    -DPKG_CONFIG=${EINJIT_PKG_CONFIG}
    ${einjit_install_launcher}
    -P ${CMAKE_CURRENT_SOURCE_DIR}/install/InstallTest.cmake)
set_tests_properties(install PROPERTIES
  TIMEOUT 300
  # The JIT program's persistent kernel cache stays in the scratch directory.
  ENVIRONMENT "EINJIT_CACHE_DIR=${CMAKE_CURRENT_BINARY_DIR}/install-test/cache")
