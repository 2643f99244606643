// numpy.einsum's most common call — a subscripts string, numpy arrays of one dtype einjit
// computes, nothing but out= — in one step from einjit.einsum to the kernel, so that a cached
// call costs little more than the C++ Engine::einsum. Everything else takes the package's
// general path (python/einjit/_numpy.py), which also words the errors.
#pragma once

#include <nanobind/nanobind.h>

namespace einjit::python {

/// Adds einsum_fast, set_default_engine and set_einsum_order_check to the module.
void registerEinsumFast(nanobind::module_& module);

} // namespace einjit::python
