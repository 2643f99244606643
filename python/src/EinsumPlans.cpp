#include "EinsumPlans.h"

#include "einjit/error.h"

namespace einjit::python {

namespace {

/// The signature's key, built in a buffer each thread reuses: a cached call allocates nothing.
const std::string& signatureKey(std::string_view subscripts, InputViews in) {
  thread_local std::string key;
  key.assign(subscripts);
  key += '\0';
  key += static_cast<char>(in.empty() ? DType::f32 : in[0].dtype());
  for (const TensorView& view : in) {
    key += static_cast<char>(view.rank());
    key.append(reinterpret_cast<const char*>(view.shape().data()),
               view.rank() * sizeof(std::int64_t));
  }
  return key;
}

} // namespace

EinsumPlans::EinsumPlans(std::size_t capacity) : entries_(capacity) {}

std::optional<EinsumPlans::Entry> EinsumPlans::find(std::string_view subscripts, InputViews in) {
  const std::string& key = signatureKey(subscripts, in);
  std::lock_guard<std::mutex> lock(mutex_);
  Entry* found = entries_.find(key);
  if (!found)
    return std::nullopt;
  return *found;
}

EinsumPlans::Entry EinsumPlans::add(Engine& engine, std::string_view subscripts, InputViews in) {
  if (in.empty())
    throw Error(ErrorKind::Arity, "einsum: at least one operand is needed.");
  std::vector<Shape> shapes;
  for (const TensorView& view : in) {
    if (view.dtype() != in[0].dtype())
      throw Error(ErrorKind::Misuse, "einsum: the operands' dtypes differ; einjit does not "
                                     "promote dtypes.");
    shapes.push_back(view.shape());
  }
  Entry entry{engine.plan(subscripts, shapes, in[0].dtype()), std::nullopt};
  const std::string& key = signatureKey(subscripts, in);
  // Dropped entries are released outside the lock (a plan may be the last holder of kernels).
  std::vector<Entry> dropped;
  std::lock_guard<std::mutex> lock(mutex_);
  // Another thread may have added the signature first: then its entry stays.
  entries_.insert(key, entry, [&](Entry evicted) { dropped.push_back(std::move(evicted)); });
  return *entries_.find(key);
}

EinsumPlans::Entry EinsumPlans::get(Engine& engine, std::string_view subscripts, InputViews in) {
  if (std::optional<Entry> entry = find(subscripts, in))
    return *entry;
  return add(engine, subscripts, in);
}

void EinsumPlans::rememberCOrder(std::string_view subscripts, InputViews in, bool kept) {
  const std::string& key = signatureKey(subscripts, in);
  std::lock_guard<std::mutex> lock(mutex_);
  if (Entry* found = entries_.find(key))
    found->cOrderIsNumpys = kept;
}

} // namespace einjit::python
