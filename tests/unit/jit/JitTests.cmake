# The JIT's tests, included from the end of tests/CMakeLists.txt.
einjit_test(jit_tests
  unit/jit/CallReadingTest.cpp
  unit/jit/CodegenTest.cpp
  unit/jit/ComplexKernelTest.cpp
  unit/jit/ComplexVectorTest.cpp
  unit/jit/ConcurrencyTest.cpp
  unit/jit/DifferentialTest.cpp
  unit/jit/DiskCacheFaultTest.cpp
  unit/jit/DiskCacheTest.cpp
  unit/jit/DiskCacheTestSupport.cpp
  unit/jit/DiskCacheTrustTest.cpp
  unit/jit/DriverTest.cpp
  unit/jit/EngineErrorTest.cpp
  unit/jit/EngineTest.cpp
  unit/jit/ExplanationTest.cpp
  unit/jit/F32OutputTest.cpp
  unit/jit/HalfPrecisionPackedTest.cpp
  unit/jit/HalfPrecisionTest.cpp
  unit/jit/JitTestSupport.cpp
  unit/jit/KernelAbiTest.cpp
  unit/jit/KernelCacheTest.cpp
  unit/jit/LoopNestTest.cpp
  unit/jit/MicroKernelTest.cpp
  unit/jit/PackedTest.cpp
  unit/jit/PassesTest.cpp
  unit/jit/PathTest.cpp
  unit/jit/RelayoutTest.cpp
  unit/jit/PrologueStagingTest.cpp
  unit/jit/StrategyTest.cpp
  unit/jit/TargetOptionsTest.cpp
  unit/jit/ThreadsTest.cpp
  unit/jit/TransposeTest.cpp
  unit/jit/TuningTest.cpp
)
target_link_libraries(jit_tests PRIVATE einjit_engine)

# Replaces the global operator new to count allocations: a binary of its own.
einjit_test(allocation_tests unit/jit/AllocationTest.cpp unit/jit/JitTestSupport.cpp)
target_link_libraries(allocation_tests PRIVATE einjit_engine)

# Not a test: S1 GFLOP/s of the JIT beside a naive loop (see the file's header).
add_executable(jit_bench unit/jit/JitBench.cpp)
target_link_libraries(jit_bench PRIVATE einjit_engine einjit_warnings)

# The ThreadSanitizer build (EINJIT_TSAN, scripts/tsan.sh): the concurrency tests alone.
if(EINJIT_TSAN)
  einjit_test(concurrency_tests
    unit/jit/ConcurrencyTest.cpp
    unit/jit/DiskCacheTest.cpp
    unit/jit/DiskCacheTestSupport.cpp
    unit/jit/EngineTest.cpp
  unit/jit/ExplanationTest.cpp
    unit/jit/JitTestSupport.cpp
    unit/jit/KernelCacheTest.cpp
    unit/jit/ThreadsTest.cpp
  )
  target_link_libraries(concurrency_tests PRIVATE einjit_engine)
endif()
