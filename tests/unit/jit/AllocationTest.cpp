// A cached run allocates nothing: this binary replaces the global operator new (every form,
// aligned and nothrow included, which is how Tensor and std containers allocate) with one that
// counts, and counts the calls a run of an already compiled plan makes. Its own binary, so that
// the replacement touches no other test.
#include "JitTestSupport.h"
#include "TestSupport.h"

#include <gtest/gtest.h>

#include <array>
#include <atomic>
#include <cstdlib>
#include <cstring>
#include <new>
#include <span>

namespace {

std::atomic<bool> counting{false};
std::atomic<std::size_t> allocations{0};

void* allocate(std::size_t bytes, std::size_t alignment) {
  if (counting.load(std::memory_order_relaxed))
    allocations.fetch_add(1, std::memory_order_relaxed);
  if (bytes == 0)
    bytes = 1;
  if (alignment <= alignof(std::max_align_t))
    return std::malloc(bytes);
  // aligned_alloc wants a multiple of the alignment.
  return std::aligned_alloc(alignment, (bytes + alignment - 1) / alignment * alignment);
}

/// Out of line: were std::free inlined into an operator delete that GCC inlines after a new
/// expression, -Wmismatched-new-delete would see free() of operator new's pointer (the
/// replacements make that the right pairing).
[[gnu::noinline]] void release(void* memory) noexcept {
  std::free(memory);
}

void* allocateOrThrow(std::size_t bytes, std::size_t alignment) {
  void* memory = allocate(bytes, alignment);
  if (!memory)
    throw std::bad_alloc();
  return memory;
}

} // namespace

void* operator new(std::size_t bytes) {
  return allocateOrThrow(bytes, 0);
}
void* operator new[](std::size_t bytes) {
  return allocateOrThrow(bytes, 0);
}
void* operator new(std::size_t bytes, std::align_val_t alignment) {
  return allocateOrThrow(bytes, static_cast<std::size_t>(alignment));
}
void* operator new[](std::size_t bytes, std::align_val_t alignment) {
  return allocateOrThrow(bytes, static_cast<std::size_t>(alignment));
}
void* operator new(std::size_t bytes, const std::nothrow_t&) noexcept {
  return allocate(bytes, 0);
}
void* operator new[](std::size_t bytes, const std::nothrow_t&) noexcept {
  return allocate(bytes, 0);
}
void* operator new(std::size_t bytes, std::align_val_t alignment, const std::nothrow_t&) noexcept {
  return allocate(bytes, static_cast<std::size_t>(alignment));
}
void* operator new[](std::size_t bytes, std::align_val_t alignment,
                     const std::nothrow_t&) noexcept {
  return allocate(bytes, static_cast<std::size_t>(alignment));
}
void operator delete(void* memory) noexcept {
  release(memory);
}
void operator delete[](void* memory) noexcept {
  release(memory);
}
void operator delete(void* memory, std::size_t) noexcept {
  release(memory);
}
void operator delete[](void* memory, std::size_t) noexcept {
  release(memory);
}
void operator delete(void* memory, std::align_val_t) noexcept {
  release(memory);
}
void operator delete[](void* memory, std::align_val_t) noexcept {
  release(memory);
}
void operator delete(void* memory, std::size_t, std::align_val_t) noexcept {
  release(memory);
}
void operator delete[](void* memory, std::size_t, std::align_val_t) noexcept {
  release(memory);
}

namespace einjit::test {
namespace {

/// The allocations `body` makes (on any thread) while it runs.
template <class Body>
std::size_t allocationsOf(Body&& body) {
  allocations = 0;
  counting = true;
  body();
  counting = false;
  return allocations.load();
}

TEST(Allocation, TheCounterSeesTensors) {
  // The test below could not fail if the counter missed a Tensor's storage (aligned new, in
  // another translation unit, so not elided) or the vectors of its shape and strides.
  EXPECT_GE(allocationsOf([] { Tensor staged = Tensor::empty(DType::f32, {4, 8}); }), 3u);
}

TEST(Allocation, ACachedRunOfANormalizingDotAllocatesNothing) {
  Engine engine;
  // SEMANTICS.md §9.4's cosine similarity on one thread (the pool's workers are not the subject
  // here), in f32, in bf16 (whose prologue rounds its normalized copy once) and in c128.
  for (DType dtype : {DType::f32, DType::bf16, DType::c128}) {
    SCOPED_TRACE(std::string(dtypeName(dtype)));
    Plan plan =
        engine.plan("keras.layers.Dot(axes=1, normalize=True)([x, y])", {{4, 8}, {4, 8}}, dtype);
    Tensor x = arange(dtype, {4, 8}, -9);
    Tensor y = arange(dtype, {4, 8}, -20);
    // A transposed-storage view of y: its prologue reads strides.
    Tensor yStorage = arange(dtype, {8, 4}, -20);
    TensorView yStrided(yStorage.data(), dtype, {4, 8}, {1, 4});
    Tensor out(dtype, {4, 1});
    // The views are built before counting: building a view allocates its shape and strides.
    std::vector<TensorView> inputs{x.view(), yStrided};
    MutableTensorView outView = out.view();
    RunOptions options;
    options.threads = 1;
    plan.run(inputs, outView, options); // compiles the prologues, stages the first buffers
    Tensor first = Tensor::empty(dtype, {4, 1});
    std::memcpy(first.data(), out.data(), out.byteSize());
    EXPECT_EQ(allocationsOf([&] { plan.run(inputs, outView, options); }), 0u);
    EXPECT_EQ(allocationsOf([&] {
                for (int round = 0; round < 10; ++round)
                  plan.run(inputs, outView, options);
              }),
              0u);
    expectClose(out.view(), first.view(), 0, "the same run again");
  }
}

/// Runs `plan` once on one thread (compiling its kernels, allocating its temporaries), then ten
/// times more, which must allocate nothing and give the same result.
void expectCachedRunsAllocateNothing(const Plan& plan, std::vector<TensorView> inputs,
                                     Tensor& out) {
  MutableTensorView outView = out.view();
  RunOptions options;
  options.threads = 1;
  plan.run(inputs, outView, options);
  Tensor first = out.clone();
  EXPECT_EQ(allocationsOf([&] {
              for (int round = 0; round < 10; ++round)
                plan.run(inputs, outView, options);
            }),
            0u);
  expectClose(out.view(), first.view(), 0, "the same run again");
}

TEST(Allocation, ACachedRunOfAContractionPathAllocatesNothing) {
  Engine engine;
  // Three operands that run as a path: in f32, and in bf16 and f16, whose operands are widened
  // by generated copies into temporaries the plan keeps, like the steps' (RunPath.cpp).
  for (DType dtype : {DType::f32, DType::bf16, DType::f16}) {
    SCOPED_TRACE(std::string(dtypeName(dtype)));
    Plan plan = engine.plan("ij,jk,kl->il", {{8, 2}, {2, 8}, {8, 2}}, dtype);
    ASSERT_NE(plan.explain(ExplainStage::Path).find("(the path runs)"), std::string::npos);
    Tensor x = arange(dtype, {8, 2}, -9);
    Tensor y = arange(dtype, {2, 8}, -5);
    Tensor z = arange(dtype, {8, 2}, -3);
    Tensor out(dtype, {8, 2});
    expectCachedRunsAllocateNothing(plan, {x.view(), y.view(), z.view()}, out);
  }
}

TEST(Allocation, ACachedRunOfAChunkedRelayoutPathAllocatesNothing) {
  // Transformer-XL's ibnd,jbnd->ijbn under caches that make it run in chunks of i: the views of
  // one chunk are kept with the temporaries and rebased to each chunk.
  EngineOptions engineOptions;
  engineOptions.persistentCache = false;
  engineOptions.cacheSizes = CacheSizes{4096, 32768, 1 << 20};
  Engine engine(engineOptions);
  Plan plan = engine.plan("ibnd,jbnd->ijbn", {{48, 2, 3, 80}, {47, 2, 3, 80}}, DType::f32);
  ASSERT_NE(plan.explain(ExplainStage::Path).find("per chunk of 12 i"), std::string::npos)
      << plan.explain(ExplainStage::Path);
  Tensor x = arange(DType::f32, {48, 2, 3, 80}, -9);
  Tensor y = arange(DType::f32, {47, 2, 3, 80}, -5);
  Tensor out(DType::f32, {48, 47, 2, 3});
  // One thread: with more, the chunks share out among however many threads join, and a set of
  // chunk temporaries is made the first time that many run at once.
  expectCachedRunsAllocateNothing(plan, {x.view(), y.view()}, out);
}

TEST(Allocation, PassingTheViewsCopiesNothing) {
  Engine engine;
  Plan plan =
      engine.plan("keras.layers.Dot(axes=1, normalize=True)([x, y])", {{4, 8}, {4, 8}}, DType::f32);
  Tensor x = arange(DType::f32, {4, 8}, -9);
  Tensor y = arange(DType::f32, {4, 8}, -20);
  Tensor out(DType::f32, {4, 1});
  TensorView a = x.view();
  TensorView b = y.view();
  MutableTensorView outView = out.view();
  std::array<TensorView, 2> array{a, b};
  RunOptions options;
  options.threads = 1;
  plan.run(array, outView, options); // compiles, stages the first buffers
  Tensor first = out.clone();
  // A braced list copies its views into the list: a copy shares the shape and strides.
  EXPECT_EQ(allocationsOf([&] { plan.run({a, b}, outView, options); }), 0u);
  EXPECT_EQ(allocationsOf([&] { plan.run(std::span<const TensorView>(array), outView, options); }),
            0u);
  // A tensor's views share its shape and strides: made in the call, they allocate nothing.
  EXPECT_EQ(allocationsOf([&] { plan.run({x.view(), y.view()}, out.view(), options); }), 0u);
  expectClose(out.view(), first.view(), 0, "the same run again");
}

} // namespace
} // namespace einjit::test
