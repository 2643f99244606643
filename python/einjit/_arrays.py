"""Operands in, results out: numpy arrays pass through; other CPU arrays (torch, JAX, ...) are
viewed through DLPack without a copy and results go back to their framework; dtypes einjit does
not compute are converted where that gives numpy's exact answer, else refused. bfloat16 is
ml_dtypes.bfloat16 (what JAX and TensorFlow give numpy), an optional package: it is looked up
only once imported (an array of that dtype exists only then)."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable
from typing import Any

import numpy as np
from numpy.typing import DTypeLike, NDArray

from ._einjit import bfloat16_dlpack, bfloat16_from_dlpack, immutable_framework_array

# The dtypes einjit computes (and ml_dtypes.bfloat16, see is_bfloat16). float16 and bfloat16
# are summed in float32 and rounded once, to nearest even, into the result.
NATIVE: frozenset[np.dtype[Any]] = frozenset(np.dtype(t) for t in (
    "float32", "float64", "int32", "int64", "complex64", "complex128", "float16"))
# Computed in a wider einjit dtype, then cast back: integer arithmetic wraps the same way
# modulo 2**bits (numpy's einsum wraps too), bool is "any product nonzero".
WIDENED: dict[np.dtype[Any], np.dtype[Any]] = {np.dtype(t): np.dtype(w) for t, w in (
    ("bool", "int64"), ("int8", "int64"), ("int16", "int64"), ("uint8", "int64"),
    ("uint16", "int64"), ("uint32", "int64"))}
# The names compile() and explain() take for bfloat16 without ml_dtypes imported.
BFLOAT16_NAMES = ("bfloat16", "bf16")


def bfloat16() -> np.dtype[Any] | None:
    """numpy's bfloat16 dtype (ml_dtypes'), importing ml_dtypes; None when it is not installed."""
    try:
        ml_dtypes = importlib.import_module("ml_dtypes")
    except ImportError:
        return None
    return np.dtype(ml_dtypes.bfloat16)


def is_bfloat16(dtype: np.dtype[Any]) -> bool:
    """`dtype` is ml_dtypes.bfloat16 (not imported here: its arrays exist only once it is)."""
    if dtype.kind != "V" or dtype.itemsize != 2:
        return False
    module = sys.modules.get("ml_dtypes")
    return module is not None and dtype == np.dtype(module.bfloat16)


def compute_dtype(dtype: DTypeLike, who: str) -> np.dtype[Any]:
    """The einjit dtype that computes `dtype` exactly, or TypeError naming it."""
    if isinstance(dtype, str) and dtype in BFLOAT16_NAMES:
        found = bfloat16()
        if found is None:
            raise TypeError(f"{who}: numpy's bfloat16 arrays are ml_dtypes': install the "
                            "ml_dtypes package (pip install ml_dtypes)")
        return found
    dtype = np.dtype(dtype)
    if dtype in NATIVE or is_bfloat16(dtype):
        return dtype
    widened = WIDENED.get(dtype)
    if widened is None:
        raise TypeError(f"{who}: einjit computes float32, float64, int32, int64, complex64, "
                        f"complex128, float16 and ml_dtypes.bfloat16 (and bool, int8, int16, "
                        f"uint8, uint16, uint32 through int64), not {dtype}")
    return widened


def dtype_name(dtype: DTypeLike, who: str) -> str:
    """The einjit dtype name for compile() and explain(): 'bfloat16' needs no ml_dtypes."""
    if isinstance(dtype, str) and dtype in BFLOAT16_NAMES:
        return "bfloat16"
    return str(compute_dtype(dtype, who))


def numpy_dtype(dtype: DTypeLike) -> np.dtype[Any]:
    """np.dtype(dtype), where 'bfloat16' is ml_dtypes' (imported; TypeError without it)."""
    if isinstance(dtype, str) and dtype in BFLOAT16_NAMES:
        return compute_dtype(dtype, "dtype")
    return np.dtype(dtype)


def as_operand(value: object) -> tuple[NDArray[Any], type[Any] | None]:
    """(numpy array over the same memory, the framework to return results to or None)."""
    if isinstance(value, np.ndarray):
        return value, None
    if hasattr(value, "__dlpack__") and not isinstance(value, np.generic):
        try:
            return np.from_dlpack(value), type(value)
        except (BufferError, TypeError, RuntimeError):
            pass  # bfloat16, which numpy does not import; or e.g. a GPU tensor
        viewed = bfloat16_from_dlpack(value)
        if viewed is not None:
            return viewed, type(value)
        return np.asarray(value), type(value)
    return np.asarray(value), None


def _jax_from_dlpack(array: Any) -> Any:
    import jax.numpy
    return jax.numpy.from_dlpack(array)


def _tensorflow_from_dlpack(array: Any) -> Any:
    import tensorflow  # type: ignore[import-untyped]  # no stubs (types-tensorflow is separate)
    return tensorflow.experimental.dlpack.from_dlpack(array.__dlpack__())


# Frameworks whose DLPack import is not `from_dlpack` at the top of the array type's package
# (JAX's arrays are jaxlib types; TensorFlow's import takes a capsule).
_FROM_DLPACK: dict[str, Callable[[Any], Any]] = {
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
    exported = np.ascontiguousarray(result) if result.ndim == 0 else result
    if is_bfloat16(exported.dtype):  # numpy exports no bfloat16: the extension does
        return from_dlpack(_Bfloat16Export(exported))
    return from_dlpack(exported)


class _Bfloat16Export:
    """An ml_dtypes.bfloat16 numpy array with the DLPack protocol numpy does not give it."""

    def __init__(self, array: NDArray[Any]) -> None:
        self._array = array

    def __dlpack__(self, *, stream: Any = None, max_version: tuple[int, int] | None = None,
                   dl_device: Any = None, copy: bool | None = None) -> Any:
        if copy:
            raise BufferError("bfloat16 export: a copy was asked for; this exports in place")
        versioned = max_version is not None and max_version[0] >= 1
        return bfloat16_dlpack(self._array, versioned)

    def __dlpack_device__(self) -> tuple[int, int]:
        return (1, 0)  # kDLCPU, device 0


def check_writable(out: object, who: str) -> None:
    """ValueError naming out= when einjit may not write it: a numpy array whose writeable flag is
    off (numpy's read-only arrays, and numpy's view of a DLPack export marked read-only), or an
    array of a framework whose arrays are immutable (JAX). Called before anything is computed,
    so that nothing runs in vain."""
    read_only = (not out.flags.writeable if isinstance(out, np.ndarray)
                 else immutable_framework_array(out))
    if read_only:
        raise ValueError(f"{who} out=: the output array is read-only; einjit writes the result "
                         "into out, so it must be writable")


def ready(array: NDArray[Any], dtype: np.dtype[Any]) -> NDArray[Any]:
    """`array` as einjit reads it: dtype `dtype` in native byte order (a copy only if needed)."""
    if array.dtype != dtype or not array.dtype.isnative:
        return array.astype(dtype)
    return array
