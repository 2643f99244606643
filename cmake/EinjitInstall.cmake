# `cmake --install BUILD --prefix P`: the public headers, libeinjit (one shared library holding
# every compiler layer and the runtime, linking the shared LLVM), libeinjit_rt (the static
# runtime ahead-of-time kernels link), the einjit tool, cmake/EinjitAot.cmake, a CMake package
# (find_package(einjit CONFIG): einjit::einjit, einjit::rt, einjit_add_kernel) and pkg-config
# files (einjit.pc, einjit_rt.pc). Included from the top CMakeLists.txt after the libraries and
# the tool are defined. The tests keep linking the component static libraries.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

# Every layer, in dependency order; a new library under compiler/ joins this list.
set(EINJIT_LIBRARY_COMPONENTS
  einjit_rt einjit_support einjit_ir einjit_frontend einjit_reference einjit_passes
  einjit_codegen einjit_jit einjit_driver einjit_engine)

# libeinjit: the components' own object files linked once into a shared library, so they are
# compiled position-independent (for the static libraries too: one compile serves both).
add_library(einjit_library SHARED)
foreach(component IN LISTS EINJIT_LIBRARY_COMPONENTS)
  set_target_properties(${component} PROPERTIES POSITION_INDEPENDENT_CODE ON)
  target_sources(einjit_library PRIVATE $<TARGET_OBJECTS:${component}>)
  add_dependencies(einjit_library ${component})
endforeach()
find_package(Threads REQUIRED)
target_link_libraries(einjit_library PRIVATE einjit::llvm Threads::Threads)
# A component missing from the list above fails here, not in a user's link. (Sanitized shared
# objects leave the sanitizer runtime's symbols to the executable.)
if(NOT EINJIT_SANITIZE AND CMAKE_SYSTEM_NAME STREQUAL "Linux")
  target_link_options(einjit_library PRIVATE LINKER:--no-undefined)
endif()
target_include_directories(einjit_library
  INTERFACE $<BUILD_INTERFACE:${PROJECT_SOURCE_DIR}/include>
            $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>)
target_compile_features(einjit_library INTERFACE cxx_std_20)
set_target_properties(einjit_library PROPERTIES
  OUTPUT_NAME einjit
  EXPORT_NAME einjit
  LINKER_LANGUAGE CXX
  VERSION ${PROJECT_VERSION}
  SOVERSION ${PROJECT_VERSION_MAJOR}.${PROJECT_VERSION_MINOR}
  # Where this build found libLLVM, so the installed library finds it too.
  INSTALL_RPATH_USE_LINK_PATH ON)
add_library(einjit::einjit ALIAS einjit_library)
set_target_properties(einjit_rt PROPERTIES EXPORT_NAME rt)
set_target_properties(einjit PROPERTIES INSTALL_RPATH_USE_LINK_PATH ON)

install(TARGETS einjit_library einjit_rt EXPORT einjitTargets
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(TARGETS einjit RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/einjit
  DESTINATION ${CMAKE_INSTALL_INCLUDEDIR} FILES_MATCHING PATTERN "*.h")

set(EINJIT_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/einjit)
install(EXPORT einjitTargets NAMESPACE einjit:: DESTINATION ${EINJIT_CMAKE_DIR})
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/einjitConfig.cmake.in
  ${PROJECT_BINARY_DIR}/einjitConfig.cmake
  INSTALL_DESTINATION ${EINJIT_CMAKE_DIR}
  PATH_VARS CMAKE_INSTALL_BINDIR)
write_basic_package_version_file(${PROJECT_BINARY_DIR}/einjitConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/einjitConfig.cmake ${PROJECT_BINARY_DIR}/einjitConfigVersion.cmake
  ${PROJECT_SOURCE_DIR}/cmake/EinjitAot.cmake
  DESTINATION ${EINJIT_CMAKE_DIR})

# pkg-config files find the prefix from their own place (${pcfiledir}), so they stay right
# whatever --prefix `cmake --install` is given.
file(RELATIVE_PATH EINJIT_PC_PREFIX /prefix/${CMAKE_INSTALL_LIBDIR}/pkgconfig /prefix)
foreach(package einjit einjit_rt)
  configure_file(${PROJECT_SOURCE_DIR}/cmake/${package}.pc.in
    ${PROJECT_BINARY_DIR}/pkgconfig/${package}.pc @ONLY)
  install(FILES ${PROJECT_BINARY_DIR}/pkgconfig/${package}.pc
    DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
endforeach()
