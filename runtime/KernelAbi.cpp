// The table of runtime functions: each row's signature is taken from the function's own C++
// prototype, so a changed prototype changes what codegen declares and nothing else needs editing.
#include "KernelAbi.h"

#include "OffsetTable.h"
#include "PackedEdges.h"
#include "Scratch.h"
#include "ThreadPool.h"
#include "ThreadedCall.h"

namespace einjit::runtime::abi {

namespace {

template <class F>
constexpr RuntimeFunction row(Function id, const char* name, F* function, Effects effects) {
  return RuntimeFunction{id, name, signatureOf(function), effects,
                         reinterpret_cast<void (*)()>(function)};
}

const RuntimeFunction kTable[] = {
    row(Function::ParallelFor, "einjit_rt_parallel_for", &einjit_rt_parallel_for, Effects::Any),
    row(Function::ParallelForPerThread, "einjit_rt_parallel_for_per_thread",
        &einjit_rt_parallel_for_per_thread, Effects::Any),
    row(Function::Scratch, "einjit_rt_scratch", &einjit_rt_scratch, Effects::Any),
    row(Function::FillOffsets, "einjit_rt_fill_offsets", &einjit_rt_fill_offsets,
        Effects::ArgumentMemoryOnly),
    row(Function::PackRowsF32, "einjit_rt_pack_rows_f32", &einjit_rt_pack_rows_f32,
        Effects::ArgumentMemoryOnly),
    row(Function::PackRowsF64, "einjit_rt_pack_rows_f64", &einjit_rt_pack_rows_f64,
        Effects::ArgumentMemoryOnly),
    row(Function::PackRowsBF16, "einjit_rt_pack_rows_bf16", &einjit_rt_pack_rows_bf16,
        Effects::ArgumentMemoryOnly),
    row(Function::PackRowsF16, "einjit_rt_pack_rows_f16", &einjit_rt_pack_rows_f16,
        Effects::ArgumentMemoryOnly),
    row(Function::PackPairsBF16, "einjit_rt_pack_pairs_bf16", &einjit_rt_pack_pairs_bf16,
        Effects::ArgumentMemoryOnly),
    row(Function::StoreTileF32, "einjit_rt_store_tile_f32", &einjit_rt_store_tile_f32,
        Effects::ArgumentMemoryOnly),
    row(Function::StoreTileF64, "einjit_rt_store_tile_f64", &einjit_rt_store_tile_f64,
        Effects::ArgumentMemoryOnly),
    row(Function::StoreTileBF16, "einjit_rt_store_tile_bf16", &einjit_rt_store_tile_bf16,
        Effects::ArgumentMemoryOnly),
    row(Function::StoreTileF16, "einjit_rt_store_tile_f16", &einjit_rt_store_tile_f16,
        Effects::ArgumentMemoryOnly),
    row(Function::CallWithThreads, "einjit_rt_call_with_threads", &einjit_rt_call_with_threads,
        Effects::Any),
};

} // namespace

std::span<const RuntimeFunction> runtimeFunctions() {
  return kTable;
}

const RuntimeFunction& runtimeFunction(Function function) {
  return kTable[static_cast<std::size_t>(function)];
}

} // namespace einjit::runtime::abi
