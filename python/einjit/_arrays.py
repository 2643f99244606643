"""Operands in, results out: numpy arrays pass through; other CPU arrays (torch, JAX, ...) are
viewed through DLPack without a copy and results go back to their framework; dtypes einjit does
not compute are converted where that gives numpy's exact answer, else refused."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

import numpy as np
from numpy.typing import DTypeLike, NDArray

# The dtypes einjit computes.
NATIVE: frozenset[np.dtype[Any]] = frozenset(
    np.dtype(t) for t in ("float32", "float64", "int32", "int64", "complex64", "complex128"))
# Computed in a wider einjit dtype, then cast back: integer arithmetic wraps the same way
# modulo 2**bits (numpy's einsum wraps too), bool is "any product nonzero", float16 is summed in
# float32 as numpy's einsum does.
WIDENED: dict[np.dtype[Any], np.dtype[Any]] = {np.dtype(t): np.dtype(w) for t, w in (
    ("bool", "int64"), ("int8", "int64"), ("int16", "int64"), ("uint8", "int64"),
    ("uint16", "int64"), ("uint32", "int64"), ("float16", "float32"))}


def compute_dtype(dtype: DTypeLike, who: str) -> np.dtype[Any]:
    """The einjit dtype that computes `dtype` exactly, or TypeError naming it."""
    dtype = np.dtype(dtype)
    if dtype in NATIVE:
        return dtype
    widened = WIDENED.get(dtype)
    if widened is None:
        raise TypeError(f"{who}: einjit computes float32, float64, int32, int64, complex64 and "
                        f"complex128 (and bool, int8, int16, uint8, uint16, uint32, float16 "
                        f"through them), not {dtype}")
    return widened


def as_operand(value: object) -> tuple[NDArray[Any], type[Any] | None]:
    """(numpy array over the same memory, the framework to return results to or None)."""
    if isinstance(value, np.ndarray):
        return value, None
    if hasattr(value, "__dlpack__") and not isinstance(value, np.generic):
        try:
            return np.from_dlpack(value), type(value)
        except (BufferError, TypeError, RuntimeError):
            pass  # e.g. a GPU tensor: numpy's conversion says why, or copies
        return np.asarray(value), type(value)
    return np.asarray(value), None


def _jax_from_dlpack(array: NDArray[Any]) -> Any:
    import jax.numpy
    return jax.numpy.from_dlpack(array)


def _tensorflow_from_dlpack(array: NDArray[Any]) -> Any:
    import tensorflow  # type: ignore[import-untyped]  # no stubs (types-tensorflow is separate)
    return tensorflow.experimental.dlpack.from_dlpack(array.__dlpack__())


# Frameworks whose DLPack import is not `from_dlpack` at the top of the array type's package
# (JAX's arrays are jaxlib types; TensorFlow's import takes a capsule).
_FROM_DLPACK: dict[str, Callable[[NDArray[Any]], Any]] = {
    "jax": _jax_from_dlpack, "jaxlib": _jax_from_dlpack, "tensorflow": _tensorflow_from_dlpack}


def to_framework(result: object, framework: type[Any] | None) -> Any:
    """A numpy result as the framework's own array (DLPack, no copy); numpy otherwise."""
    if framework is None or not isinstance(result, np.ndarray):
        return result
    package = framework.__module__.split(".")[0]
    from_dlpack = _FROM_DLPACK.get(package)
    if from_dlpack is None:
        from_dlpack = getattr(sys.modules.get(package), "from_dlpack", None)
        if from_dlpack is None:
            return result
    return from_dlpack(np.ascontiguousarray(result) if result.ndim == 0 else result)


def ready(array: NDArray[Any], dtype: np.dtype[Any]) -> NDArray[Any]:
    """`array` as einjit reads it: dtype `dtype` in native byte order (a copy only if needed)."""
    if array.dtype != dtype or not array.dtype.isnative:
        return array.astype(dtype)
    return array
