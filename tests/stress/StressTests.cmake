# Stress tests, included from tests/CMakeLists.txt: bounded (a fixed number of processes and
# kills, well under a minute on two cores) and run by ctest on their own (RUN_SERIAL), since they
# start processes of their own.
add_executable(disk_cache_stress stress/DiskCacheStress.cpp)
target_link_libraries(disk_cache_stress PRIVATE einjit_engine einjit_warnings)
add_test(NAME disk_cache_stress
  COMMAND disk_cache_stress ${CMAKE_CURRENT_BINARY_DIR}/stress-kernel-cache)
set_tests_properties(disk_cache_stress PROPERTIES RUN_SERIAL TRUE TIMEOUT 300)
