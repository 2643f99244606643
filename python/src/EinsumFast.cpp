#include "EinsumFast.h"

#include "Arrays.h"
#include "EinsumPlans.h"
#include "einjit/error.h"

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

namespace nb = nanobind;

namespace einjit::python {

namespace {

/// Kernels of at most this many multiply-adds run with the GIL held: they take less time than
/// releasing it and taking it back. Only on C-order operands and output, whose kernel the plan
/// compiled already (a new stride class would compile with the GIL held).
constexpr std::int64_t kHoldGilMultiplyAdds = 4096;

/// Borrowed from the module's attributes _default_engine and _einsum_order_check.
PyObject* defaultEngine = nullptr;
PyObject* orderCheck = nullptr;

bool isCOrder(const TensorView& view) {
  std::int64_t expected = 1;
  for (std::size_t d = view.rank(); d-- > 0;) {
    if (view.shape()[d] != 1 && view.strides()[d] != expected)
      return false;
    expected *= view.shape()[d];
  }
  return true;
}

/// numpy's order='K' layout of the result is C order for these operands: asked of the package
/// (_numpy._c_order_is_numpys) once per signature.
bool cOrderIsNumpys(EinsumPlans& plans, const EinsumPlans::Entry& entry, PyObject* operands,
                    std::string_view subscripts, InputViews in) {
  if (entry.cOrderIsNumpys)
    return *entry.cOrderIsNumpys;
  if (!orderCheck)
    return false;
  nb::object arrays = nb::steal(PyTuple_GetSlice(operands, 1, PyTuple_GET_SIZE(operands)));
  if (!arrays.is_valid())
    throw nb::python_error();
  bool kept =
      nb::cast<bool>(nb::handle(orderCheck)(nb::handle(PyTuple_GET_ITEM(operands, 0)), arrays));
  plans.rememberCOrder(subscripts, in, kept);
  return kept;
}

void run(const EinsumPlans::Entry& entry, InputViews in, const MutableTensorView& out) {
  const Plan& plan = entry.plan;
  if (plan.multiplyAdds() <= kHoldGilMultiplyAdds && isCOrder(out)) {
    plan.run(in, out);
    return;
  }
  nb::gil_scoped_release release;
  plan.run(in, out);
}

/// `operands` is what einjit.einsum received: (subscripts, *arrays). None: not this call.
nb::object einsumFast(nb::handle operandsHandle, nb::handle out, nb::handle engineHandle) {
  PyObject* operands = operandsHandle.ptr();
  // One operand takes the general path: numpy returns a view where it sums nothing ('ij->ji').
  if (!PyTuple_CheckExact(operands) || PyTuple_GET_SIZE(operands) < 3 ||
      !PyUnicode_CheckExact(PyTuple_GET_ITEM(operands, 0)))
    return nb::none();
  Py_ssize_t length = 0;
  const char* text = PyUnicode_AsUTF8AndSize(PyTuple_GET_ITEM(operands, 0), &length);
  if (!text) {
    PyErr_Clear(); // unencodable text: the general path reports it
    return nb::none();
  }
  std::string_view subscripts(text, static_cast<std::size_t>(length));
  PyObject* engineObject = engineHandle.is_none() ? defaultEngine : engineHandle.ptr();
  PyEngine* engine = nullptr;
  if (!engineObject || !nb::try_cast(nb::handle(engineObject), engine))
    return nb::none();
  std::optional<std::vector<TensorView>> in =
      readUniformNumpy(&PyTuple_GET_ITEM(operands, 1), PyTuple_GET_SIZE(operands) - 1);
  if (!in)
    return nb::none();
  // An out= this path cannot write (read-only, of another dtype, not a numpy array) declines
  // before anything is planned: the general path refuses or handles it.
  std::optional<MutableTensorView> outView;
  if (!out.is_none()) {
    outView = readNumpyOutput(out, in->front().dtype());
    if (!outView)
      return nb::none();
  }
  std::optional<EinsumPlans::Entry> entry = engine->plans.find(subscripts, *in);
  if (!entry) {
    nb::gil_scoped_release release;
    entry = engine->plans.add(engine->engine, subscripts, *in);
  }
  const Plan& plan = entry->plan;
  if (!outView) {
    if (!cOrderIsNumpys(engine->plans, *entry, operands, subscripts, *in))
      return nb::none(); // the general path lays the result out as numpy's order='K'
    MutableTensorView newView;
    nb::object result = newNumpy(plan.outputDtype(), plan.outputShape(), newView);
    run(*entry, *in, newView);
    return scalarIfZeroDim(std::move(result));
  }
  try {
    run(*entry, *in, *outView);
  } catch (const Error& error) {
    // A wrong shape, or memory shared with an input (numpy buffers that case).
    if (error.kind() != ErrorKind::Misuse)
      throw;
    return nb::none();
  }
  return nb::borrow(out);
}

} // namespace

void registerEinsumFast(nb::module_& module) {
  module.def("einsum_fast", &einsumFast, nb::arg("operands"), nb::arg("out").none(),
             nb::arg("engine").none(),
             "numpy.einsum's common call in one step (einjit.einsum's fast path): the result, "
             "or None when the call needs the general path.");
  // The module's attributes own what the fast path borrows (no capture: a function holding its
  // own module would be a cycle).
  module.def(
      "set_default_engine",
      [](nb::handle engine) {
        nb::module_::import_("einjit._einjit").attr("_default_engine") = engine;
        defaultEngine = engine.ptr();
      },
      nb::arg("engine"), "The engine einsum_fast uses when given none.");
  module.def(
      "set_einsum_order_check",
      [](nb::handle check) {
        nb::module_::import_("einjit._einjit").attr("_einsum_order_check") = check;
        orderCheck = check.ptr();
      },
      nb::arg("check"),
      "check(subscripts, arrays) -> bool: numpy's order='K' result is C order for C-contiguous "
      "arrays of these ranks.");
}

} // namespace einjit::python
