// einjit::Error as the Python exception einjit.Error (a ValueError) with the kind, the message,
// the source text, the column and the caret line as attributes.
#pragma once

#include <nanobind/nanobind.h>

namespace einjit::python {

/// Creates einjit.Error in `module` and registers the translation of einjit::Error.
void registerErrors(nanobind::module_& module);

} // namespace einjit::python
