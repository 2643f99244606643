#include "Errors.h"

#include "einjit/error.h"

#include <algorithm>
#include <string>

namespace nb = nanobind;

namespace einjit::python {

namespace {

// Created once at import; the module keeps a reference, so it lives as long as the module.
PyObject* errorType = nullptr;

void raise(const Error& error) {
  nb::object instance = nb::handle(errorType)(nb::str(error.what()));
  instance.attr("kind") = nb::str(std::string(errorKindName(error.kind())).c_str());
  instance.attr("message") = nb::str(error.message().c_str());
  instance.attr("source") = nb::str(error.source().c_str());
  if (std::optional<SourceSpan> span = error.span()) {
    instance.attr("column") = nb::int_(span->begin);
    std::size_t width = std::max<std::size_t>(1, span->end - span->begin);
    instance.attr("caret") =
        nb::str((std::string(span->begin, ' ') + std::string(width, '^')).c_str());
  } else {
    instance.attr("column") = nb::none();
    instance.attr("caret") = nb::none();
  }
  PyErr_SetObject(errorType, instance.ptr());
}

} // namespace

void registerErrors(nb::module_& module) {
  errorType = PyErr_NewExceptionWithDoc(
      "einjit.Error",
      "An einjit error: a ValueError with `kind` ('syntax', 'shape', 'axis', 'arity', "
      "'argument', 'io', 'misuse', 'unsupported', 'internal'), `message` (without source "
      "text), `source` (the text it points into, or ''), `column` and `caret` (None without "
      "source text). str() is the message, the source and the caret line.",
      PyExc_ValueError, nullptr);
  module.attr("Error") = nb::handle(errorType);
  nb::register_exception_translator([](const std::exception_ptr& pointer, void*) {
    try {
      std::rethrow_exception(pointer);
    } catch (const Error& error) {
      raise(error);
    }
  });
}

} // namespace einjit::python
