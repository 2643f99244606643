"""What runs inside a Dask task: einjit on one tuple of blocks, and the sums that add partial
products over the chunks of a contracted label. Tasks name these module-level functions and carry
only the subscripts, the dtype and plain options; the kernel is planned in the process that runs
the task, by that process's engine (einjit.default_engine(): its memory cache, and the on-disk
kernel cache the processes of one machine share)."""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any, TypeVar, Union

import numpy as np
from numpy.typing import NDArray

from .._arrays import as_operand, numpy_dtype, ready
from .._engine import Engine, default_engine
from .._typing import EngineStatistics, Operand

_Block = TypeVar("_Block")
# The partial products add_partials receives: blocks in lists nested as Dask's tree has them.
_Parts = Union[NDArray[Any], list["_Parts"], tuple["_Parts", ...]]


class ProcessStatistics(EngineStatistics):
    """process_statistics(): a process's engine counters and its pid."""

    pid: int


def engine() -> Engine:
    """The engine the blocks of this process run on: einjit.default_engine() (created on first
    use; its disk cache is $EINJIT_CACHE_DIR, else ~/.cache/einjit)."""
    return default_engine()


def process_statistics() -> ProcessStatistics:
    """This process's pid and its engine's kernel-cache counters (what einjit.dask.statistics
    collects from every worker)."""
    return ProcessStatistics(**engine().statistics(), pid=os.getpid())


def _one_block(value: Any) -> Any:
    """blockwise hands a list of blocks for a label it does not keep; the graph keeps every label
    that spans several chunks, so any list here holds exactly one block."""
    while isinstance(value, list):
        if len(value) != 1:  # not reached: _einsum.py keeps every multi-chunk label
            raise AssertionError(f"einjit.dask: {len(value)} blocks where one was expected")
        value = value[0]
    return value


def run_einsum(subscripts: str, operands: Sequence[Operand], dtype: np.dtype[Any],
               threads: int | None) -> NDArray[Any]:
    """einjit's einsum of numpy arrays (or CPU arrays numpy reads) computed in `dtype` (a dtype
    einjit computes; operands converted only if needed) on `threads` threads (None: every
    hardware thread)."""
    arrays = [ready(as_operand(operand)[0], dtype) for operand in operands]
    return np.asarray(engine()._engine.einsum(subscripts, arrays, threads=threads))


def einsum_block(*blocks: Any, subscripts: str, dtype_name: str, threads: int | None,
                 unit_axes: int) -> NDArray[Any]:
    """einjit's einsum of one tuple of blocks in dtype `dtype_name`, with `unit_axes` axes of
    extent 1 appended: one per contracted label whose chunks are summed afterwards (by
    add_partials)."""
    result = run_einsum(subscripts, [_one_block(block) for block in blocks],
                        numpy_dtype(dtype_name), threads)
    return result.reshape(result.shape + (1,) * unit_axes) if unit_axes else result


def keep(block: _Block, axis: tuple[int, ...] | None = None, keepdims: bool = True,
         computing_meta: bool = False, **_: Any) -> _Block:
    """The reduction's per-block step: a block is already its own partial sum."""
    return block


def _flatten(parts: _Parts) -> list[NDArray[Any]]:
    if isinstance(parts, (list, tuple)):
        return [array for part in parts for array in _flatten(part)]
    return [parts]


def add_partials(parts: _Parts, axis: tuple[int, ...] | None = None, keepdims: bool = False,
                 computing_meta: bool = False, **_: Any) -> NDArray[Any]:
    """The sum of partial products (a nested list of same-shaped blocks, extent 1 on `axis`):
    elementwise adds into one buffer, no concatenation; `axis` dropped unless keepdims. Each
    task of the tree adds at most split_every blocks per axis."""
    arrays = _flatten(parts)
    if computing_meta:
        meta = arrays[0]
        # Dask passes axis, a tuple (None is only the signature's default).
        return meta if keepdims else np.empty(
            (0,) * (meta.ndim - len(axis)), meta.dtype)  # type: ignore[arg-type]
    total = arrays[0].copy() if len(arrays) > 1 else arrays[0]
    for array in arrays[1:]:
        np.add(total, array, out=total, casting="unsafe")
    return total if keepdims else total.reshape(
        _dropped(total.shape, axis))  # type: ignore[arg-type]


def _dropped(shape: tuple[int, ...], axis: int | Sequence[int]) -> tuple[int, ...]:
    axes = {a % len(shape) for a in (axis if isinstance(axis, (tuple, list)) else (axis,))}
    return tuple(e for d, e in enumerate(shape) if d not in axes)

