#include "frontend/CallSignatures.h"
#include "einjit/error.h"

#include "support/Format.h"

#include <algorithm>

namespace einjit::frontend {

namespace {

bool contains(const std::vector<std::string>& list, const std::string& item) {
  return std::find(list.begin(), list.end(), item) != list.end();
}

// A module as call text may spell it; every alias maps to one canonical prefix.
struct Module {
  std::string canonical;
  std::vector<std::string> aliases;
};

const std::vector<Module>& modules() {
  static const std::vector<Module> table = {
      {"np", {"np", "numpy"}},
      {"tf", {"tf", "tensorflow", "tf.linalg", "tensorflow.linalg"}},
      {"torch", {"torch"}},
      {"K",
       {"K", "keras.backend", "tf.keras.backend", "tf_keras.backend", "tensorflow.keras.backend"}},
      {"keras.layers", {"keras.layers"}},
      {"tf_keras.layers", {"tf.keras.layers", "tf_keras.layers", "tensorflow.keras.layers"}},
      {"keras.ops", {"keras.ops"}},
  };
  return table;
}

CallSignature einsumCall(std::string canonical, Library library, EinsumDialect dialect) {
  CallSignature call;
  call.canonical = std::move(canonical);
  call.kind = CallKind::Einsum;
  call.library = library;
  call.dialect = dialect;
  call.operandCount = 0;
  return call;
}

CallSignature binaryCall(std::string canonical, CallKind kind, Library library,
                         std::vector<std::string> positional = {}) {
  CallSignature call;
  call.canonical = std::move(canonical);
  call.kind = kind;
  call.library = library;
  call.positional = std::move(positional);
  return call;
}

CallSignature dotLayer(std::string canonical, CallKind kind, double epsilon) {
  CallSignature call;
  call.canonical = std::move(canonical);
  call.kind = kind;
  call.library = Library::KerasOps;
  call.operandCount = 0;
  call.normalizeEpsilon = epsilon;
  call.ignored = {"name"};
  return call;
}

std::vector<CallSignature> buildTable() {
  std::vector<CallSignature> table;
  constexpr Library np = Library::Numpy, tf = Library::Tensorflow, torch = Library::Torch,
                    ops = Library::KerasOps;

  CallSignature npEinsum = einsumCall("np.einsum", np, EinsumDialect::Numpy);
  npEinsum.allowsSublists = true;
  // optimize= changes only the order of pairwise contractions (and, in one case, turns numpy's
  // C-path error into a result): einjit keeps the C path's rules and computes the same values.
  npEinsum.keywordOnly = {"optimize"};
  npEinsum.ignored = {"optimize"};
  npEinsum.unsupported = {"out", "dtype", "order", "casting"};
  table.push_back(npEinsum);
  CallSignature tfEinsum = einsumCall("tf.einsum", tf, EinsumDialect::Tensorflow);
  tfEinsum.ignored = {"name", "optimize"};
  table.push_back(tfEinsum);
  CallSignature torchEinsum = einsumCall("torch.einsum", torch, EinsumDialect::Torch);
  torchEinsum.allowsSublists = true;
  torchEinsum.allowsOperandList = true;
  table.push_back(torchEinsum);
  table.push_back(einsumCall("keras.ops.einsum", ops, EinsumDialect::KerasOps));

  CallSignature npTensordot = binaryCall("np.tensordot", CallKind::Tensordot, np, {"axes"});
  table.push_back(npTensordot);
  CallSignature tfTensordot = binaryCall("tf.tensordot", CallKind::Tensordot, tf, {"axes", "name"});
  tfTensordot.ignored = {"name"};
  tfTensordot.required = {"axes"};
  table.push_back(tfTensordot);
  CallSignature torchTensordot =
      binaryCall("torch.tensordot", CallKind::Tensordot, torch, {"dims", "out"});
  torchTensordot.unsupported = {"out"};
  table.push_back(torchTensordot);
  table.push_back(binaryCall("keras.ops.tensordot", CallKind::Tensordot, ops, {"axes"}));

  CallSignature npDot = binaryCall("np.dot", CallKind::NpDot, np, {"out"});
  npDot.unsupported = {"out"};
  table.push_back(npDot);
  table.push_back(binaryCall("keras.ops.dot", CallKind::NpDot, ops));
  table.push_back(binaryCall("np.inner", CallKind::Inner, np));
  CallSignature torchInner = binaryCall("torch.inner", CallKind::Inner, torch);
  torchInner.keywordOnly = {"out"};
  torchInner.unsupported = {"out"};
  table.push_back(torchInner);
  CallSignature npOuter = binaryCall("np.outer", CallKind::Outer, np, {"out"});
  npOuter.unsupported = {"out"};
  table.push_back(npOuter);
  CallSignature torchOuter = binaryCall("torch.outer", CallKind::Outer, torch);
  torchOuter.keywordOnly = {"out"};
  torchOuter.unsupported = {"out"};
  table.push_back(torchOuter);

  CallSignature npMatmul = binaryCall("np.matmul", CallKind::Matmul, np, {"out"});
  npMatmul.keywordOnly = {"casting", "order", "dtype", "subok", "axes", "axis"};
  npMatmul.unsupported = {"out", "casting", "order", "dtype", "subok", "axes", "axis"};
  table.push_back(npMatmul);
  table.push_back(binaryCall("@", CallKind::Matmul, np));
  CallSignature torchMatmul = binaryCall("torch.matmul", CallKind::Matmul, torch);
  torchMatmul.keywordOnly = {"out"};
  torchMatmul.unsupported = {"out"};
  table.push_back(torchMatmul);
  table.push_back(binaryCall("keras.ops.matmul", CallKind::Matmul, ops));
  CallSignature tfMatmul = binaryCall("tf.matmul", CallKind::TfMatmul, tf,
                                      {"transpose_a", "transpose_b", "adjoint_a", "adjoint_b",
                                       "a_is_sparse", "b_is_sparse", "output_type", "name"});
  // Sparsity hints choose TensorFlow's kernel, not the result.
  tfMatmul.ignored = {"a_is_sparse", "b_is_sparse", "name"};
  tfMatmul.unsupported = {"output_type"};
  table.push_back(tfMatmul);
  CallSignature bmm = binaryCall("torch.bmm", CallKind::Bmm, torch);
  bmm.keywordOnly = {"out"};
  bmm.unsupported = {"out"};
  table.push_back(bmm);

  table.push_back(binaryCall("K.dot", CallKind::KerasDot, ops));
  table.push_back(binaryCall("K.batch_dot", CallKind::BatchDot, ops, {"axes"}));

  // tf_keras normalises with tf.linalg.l2_normalize: x * rsqrt(max(sum x^2, 1e-12)), a norm
  // floor of 1e-6 (docs/semantics.md §9.3); Keras 3 uses keras.config.epsilon() (LowerOptions).
  constexpr double tfKerasNormFloor = 1e-6;
  CallSignature kerasDotLayer = dotLayer("keras.layers.Dot", CallKind::DotLayer, 0);
  kerasDotLayer.positional = {"axes", "normalize"};
  kerasDotLayer.required = {"axes"};
  table.push_back(kerasDotLayer);
  CallSignature kerasDotFunction = dotLayer("keras.layers.dot", CallKind::DotFunction, 0);
  kerasDotFunction.positional = {"axes"};
  kerasDotFunction.keywordOnly = {"normalize"};
  table.push_back(kerasDotFunction);
  CallSignature tfKerasDotLayer =
      dotLayer("tf_keras.layers.Dot", CallKind::DotLayer, tfKerasNormFloor);
  tfKerasDotLayer.positional = {"axes", "normalize"};
  tfKerasDotLayer.required = {"axes"};
  table.push_back(tfKerasDotLayer);
  CallSignature tfKerasDotFunction =
      dotLayer("tf_keras.layers.dot", CallKind::DotFunction, tfKerasNormFloor);
  tfKerasDotFunction.positional = {"axes", "normalize"};
  tfKerasDotFunction.required = {"axes"};
  table.push_back(tfKerasDotFunction);
  return table;
}

const std::vector<CallSignature>& table() {
  static const std::vector<CallSignature> calls = buildTable();
  return calls;
}

const Module* findModule(const std::string& prefix) {
  for (const Module& module : modules())
    if (contains(module.aliases, prefix))
      return &module;
  return nullptr;
}

} // namespace

bool CallSignature::accepts(const std::string& keyword) const {
  return contains(positional, keyword) || contains(keywordOnly, keyword) ||
         contains(ignored, keyword);
}

bool CallSignature::refuses(const std::string& keyword) const {
  return contains(unsupported, keyword);
}

std::optional<CallSignature> findCall(const std::string& dottedName) {
  if (dottedName == "@")
    return callByCanonicalName("@");
  std::size_t dot = dottedName.rfind('.');
  if (dot == std::string::npos)
    return std::nullopt;
  const Module* module = findModule(dottedName.substr(0, dot));
  if (!module)
    return std::nullopt;
  std::string canonical = module->canonical + dottedName.substr(dot);
  for (const CallSignature& call : table())
    if (call.canonical == canonical)
      return call;
  return std::nullopt;
}

const CallSignature& callByCanonicalName(const std::string& canonical) {
  for (const CallSignature& call : table())
    if (call.canonical == canonical)
      return call;
  throw Error(ErrorKind::Internal, "no call named " + canonical);
}

std::string knownModules() {
  std::vector<std::string> aliases;
  for (const Module& module : modules())
    for (const std::string& alias : module.aliases)
      aliases.push_back(alias + ".");
  return support::join(aliases, ", ");
}

std::vector<std::string> functionsOfModule(const std::string& dottedName) {
  std::vector<std::string> names;
  std::size_t dot = dottedName.rfind('.');
  const Module* module = dot == std::string::npos ? nullptr : findModule(dottedName.substr(0, dot));
  if (!module)
    return names;
  for (const CallSignature& call : table())
    if (call.canonical.rfind(module->canonical + ".", 0) == 0 &&
        call.canonical.find('.', module->canonical.size() + 1) == std::string::npos)
      names.push_back(call.canonical.substr(module->canonical.size() + 1));
  return names;
}

} // namespace einjit::frontend
