// The view checks of ProgramViews.h. Messages are built only once a check has failed.
#include "ir/ProgramViews.h"

#include "einjit/error.h"
#include "support/Format.h"

namespace einjit::ir {

void ViewChecker::fail(const std::string& what) const {
  throw Error(ErrorKind::Misuse, call + ": " + what);
}

void ViewChecker::checkInputCount(const std::vector<std::string>& inputNames,
                                  std::size_t passed) const {
  std::size_t expected = inputNames.size();
  if (passed != expected)
    fail("the " + holder + " takes " + std::to_string(expected) + " operand" +
         (expected == 1 ? "" : "s") + " (" + support::join(inputNames, ", ") + ") but " +
         std::to_string(passed) + " input" + (passed == 1 ? " was" : "s were") + " passed.");
}

void ViewChecker::checkView(const TensorView& view, const std::string& name, const Shape& expected,
                            DType dtype) const {
  if (view.dtype() != dtype)
    fail(name + " has dtype " + std::string(dtypeName(view.dtype())) + " but the " + holder +
         " computes in " + std::string(dtypeName(dtype)) + ".");
  const Shape& shape = view.shape();
  if (shape.size() != expected.size())
    fail(name + " has rank " + std::to_string(shape.size()) + " (shape " + shapeToPython(shape) +
         ") but the " + holder + " expects rank " + std::to_string(expected.size()) + " (shape " +
         shapeToPython(expected) + ").");
  for (std::size_t d = 0; d < shape.size(); ++d)
    if (shape[d] != expected[d])
      fail(name + ".shape[" + std::to_string(d) + "] != " + std::to_string(expected[d]) + " (" +
           std::to_string(shape[d]) + " != " + std::to_string(expected[d]) + "): " + name +
           " has shape " + shapeToPython(shape) + " but the " + holder + " expects " +
           shapeToPython(expected) + ".");
  if (view.data() == nullptr && elementCount(shape) > 0)
    fail(name + " has a null data pointer but " + std::to_string(elementCount(shape)) +
         " elements.");
}

void ViewChecker::checkOutputStrides(const TensorView& out, const std::string& name) const {
  for (std::size_t d = 0; d < out.rank(); ++d)
    if (out.strides()[d] == 0 && out.shape()[d] > 1)
      fail(name + ".strides[" + std::to_string(d) + "] is 0 but " + name + ".shape[" +
           std::to_string(d) + "] is " + std::to_string(out.shape()[d]) +
           ": the output would overlap itself.");
}

void checkProloguesSupported(const IndexProgram& program, const std::string& call) {
  if (!isInteger(program.dtype))
    return;
  for (const Prologue& prologue : program.prologues)
    if (prologue.kind == PrologueKind::Normalize)
      throw Error(ErrorKind::Unsupported, call + ": normalize(" +
                                              program.operands[prologue.operand].name +
                                              ", axis=" + std::to_string(prologue.axis) +
                                              ") needs a floating-point or complex dtype, not " +
                                              std::string(dtypeName(program.dtype)) + ".");
}

} // namespace einjit::ir
