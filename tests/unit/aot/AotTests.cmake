# Ahead-of-time kernels: the example programs of examples/aot (built as part of the main build)
# are run and compared with the reference interpreter; their objects and executables are checked
# for LLVM and einjit dependencies; the driver's lowering and codegen's objects are tested alone,
# and 16-bit paths against the Engine.
# Included from tests/CMakeLists.txt.
einjit_test(aot_tests unit/aot/AotDriverTest.cpp unit/aot/AotExampleTest.cpp
  unit/aot/AotHalfPathTest.cpp unit/aot/AotObjectTest.cpp)
# The Engine too: bf16 and f16 entry points must equal the JIT's results bit for bit.
target_link_libraries(aot_tests PRIVATE einjit_driver einjit_passes einjit_codegen einjit_engine)
add_dependencies(aot_tests einjit_aot_example_c einjit_aot_example_cpp einjit_aot_example_threaded
  einjit_aot_example_path)
target_compile_definitions(aot_tests PRIVATE
  EINJIT_AOT_EXAMPLE_C="$<TARGET_FILE:einjit_aot_example_c>"
  EINJIT_AOT_EXAMPLE_CPP="$<TARGET_FILE:einjit_aot_example_cpp>"
  EINJIT_AOT_EXAMPLE_THREADED="$<TARGET_FILE:einjit_aot_example_threaded>"
  EINJIT_AOT_EXAMPLE_PATH="$<TARGET_FILE:einjit_aot_example_path>"
  EINJIT_AOT_OBJECT_DIR="${PROJECT_BINARY_DIR}/examples/aot/einjit_aot")
