"""einjit.dask.einsum: a Dask graph whose blocks run einjit. One dask.array.blockwise task per
tuple of blocks computes that tuple's einsum; a contracted label split into several chunks is kept
as an axis of extent 1 per chunk and summed by a tree reduction afterwards (at most split_every
partial products per task). The inputs are rechunked first by dask.array.einsum's rule, so the
output chunks are the ones dask.array.einsum gives."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from types import ModuleType
from typing import TYPE_CHECKING, Any, TypeAlias, Union

import numpy as np
from numpy.typing import ArrayLike, DTypeLike

from .. import _engine
from .._arrays import compute_dtype, is_bfloat16
from .._numpy import _labels, einsum_arguments, einsum_dtype
from .._typing import Casting, EinsumArgument, Optimize
from . import _blocks

if TYPE_CHECKING:
    import dask.array as da

# An operand: a dask array, or anything dask.array.asarray takes.
DaskOperand: TypeAlias = Union["da.Array", ArrayLike]
# The fan-in of the sums over a contracted label's chunks: one for every axis, or per axis.
SplitEvery: TypeAlias = Union[int, dict[int, int], None]


def _dask() -> ModuleType:
    import dask.array  # imported on first use: `import einjit.dask` stays cheap

    return dask


def einsum(*operands: EinsumArgument | da.Array, dtype: DTypeLike | None = None,
           casting: Casting = "safe", order: str = "K", optimize: Optimize = False,
           split_every: SplitEvery = None, threads: int | None = 1,
           out: None = None) -> da.Array:
    """numpy.einsum on dask arrays (string or sublist form, implicit output, '...',
    broadcasting, repeated labels), each block computed by einjit. `dtype` and `casting` as
    numpy's; `order` and `optimize` are accepted (an explicit path is checked) and do not change
    the result; `split_every` is the fan-in of the sums over a contracted label's chunks
    (dask.config's 'split_every' when None); `threads` is the einjit threads of each block
    (1: Dask runs the blocks in parallel; None: every hardware thread). Shapes, labels and
    dtypes are checked here, with einjit's messages, before anything is computed. Returns a
    dask array."""
    if out is not None:
        raise TypeError("einjit.dask.einsum: out= is not supported; the result is a new dask "
                        "array (store it with dask.array.store)")
    subscripts, values, _ = einsum_arguments(operands, optimize, order, casting,
                                             "einjit.dask.einsum")
    da = _dask().array
    arrays = [da.asarray(value) for value in values]
    wanted = result_dtype(arrays, dtype, casting, "einjit.dask.einsum")
    if dtype is not None:  # numpy casts the operands to `dtype` first
        arrays = [a if a.dtype == wanted else a.astype(wanted) for a in arrays]
    return contract(subscripts, arrays, wanted, split_every, threads)


def result_dtype(arrays: Sequence[da.Array], dtype: DTypeLike | None, casting: Casting,
                 who: str) -> np.dtype[Any]:
    """numpy's result dtype, refused (TypeError naming it) when einjit cannot compute it."""
    wanted = einsum_dtype([a.dtype for a in arrays], dtype, casting)
    compute_dtype(wanted, who)
    return wanted


def contract(subscripts: str, arrays: Sequence[da.Array], wanted: np.dtype[Any],
             split_every: SplitEvery, threads: int | None,
             engine: _engine.Engine | None = None) -> da.Array:
    """The graph of an einsum of dask arrays whose result has numpy's dtype `wanted`. A dtype
    einjit computes through a wider one (float16 and bfloat16 in float32, bool, small integers)
    stays in the wider one until the chunks' partial sums are added, then is cast back once, as
    numpy sums it (einjit's own 16-bit kernels would round each chunk's partial sum)."""
    da = _dask().array
    computed = compute_dtype(wanted, "einjit.dask")
    if computed == np.float16 or is_bfloat16(computed):
        computed = np.dtype(np.float32)
    shapes = [a.shape for a in arrays]
    if any(math.isnan(extent) for shape in shapes for extent in shape):
        raise ValueError("einjit.dask: an operand has unknown chunk sizes; call "
                         "compute_chunk_sizes() on it first")
    # einjit's own checks (syntax, operand count, ranks, extents) with its messages, now.
    (engine or _engine.default_engine()).explain(subscripts, *shapes, dtype=computed)
    inputs, output = labelled_axes(subscripts, [a.ndim for a in arrays])
    contracted = [label for labels in inputs for label in labels if label not in output]
    contracted = list(dict.fromkeys(contracted))
    arrays = _rechunked(arrays, inputs, output, set(contracted))
    pairs = [item for array, labels in zip(arrays, inputs) for item in (array, tuple(labels))]
    chunks, arrays = da.core.unify_chunks(*pairs)
    # A contracted label in one chunk is summed inside the block; one in several chunks keeps
    # an axis (extent 1 per block) that the tree reduction below sums.
    spread = [label for label in contracted if len(chunks[label]) > 1]
    index = tuple(output) + tuple(spread)
    pairs = [item for array, labels in zip(arrays, inputs) for item in (array, tuple(labels))]
    blocks = da.blockwise(_blocks.einsum_block, index, *pairs, token="einjit-einsum",
                          dtype=computed, meta=np.empty((0,) * len(index), computed),
                          adjust_chunks=dict.fromkeys(spread, 1), concatenate=False,
                          subscripts=subscripts, dtype_name=computed.name, threads=threads,
                          unit_axes=len(spread))
    result = blocks
    if spread:
        axes = tuple(range(len(output), len(index)))
        result = da.reduction(blocks, _blocks.keep, _blocks.add_partials,
                              combine=_blocks.add_partials, axis=axes, keepdims=False,
                              dtype=computed, split_every=split_every, concatenate=False,
                              name="einjit-einsum-sum", meta=np.empty((0,) * len(output), computed))
    return result if computed == wanted else result.astype(wanted)


def labelled_axes(subscripts: str, ranks: Sequence[int]) -> tuple[list[list[str]], list[str]]:
    """Every operand's axes as labels and the output's ('...' expanded to labels of its own,
    aligned from the right as numpy broadcasts them; the implicit output is numpy's: the
    broadcast axes, then the labels used once, sorted). The subscripts are valid: einjit has
    checked them."""
    source, arrow, target = subscripts.replace(" ", "").partition("->")
    parts: list[list[str]] = [_labels(part) for part in source.split(",")]  # type: ignore[misc]
    own = [rank - sum(1 for t in labels if t != "...") for labels, rank in zip(parts, ranks)]
    broadcast = max([n for n, labels in zip(own, parts) if "..." in labels], default=0)
    ellipsis = [f"...{k}" for k in range(broadcast)]

    def expand(labels: list[str], count: int) -> list[str]:
        result: list[str] = []
        for token in labels:
            result += ellipsis[broadcast - count:] if token == "..." else [token]
        return result

    inputs = [expand(labels, n) for labels, n in zip(parts, own)]
    if arrow:
        output = expand(_labels(target), broadcast)  # type: ignore[arg-type]
    else:
        letters = [t for labels in parts for t in labels if t != "..."]
        output = ellipsis + sorted(t for t in set(letters) if letters.count(t) == 1)
    return inputs, output


def _rechunked(arrays: Sequence[da.Array], inputs: Sequence[Sequence[str]],
               output: Sequence[str], contracted: set[str]) -> Sequence[da.Array]:
    """dask.array.einsum's rule for the inputs' chunks: a block of the output must not be larger
    than the largest input block (times array.chunk-size-tolerance); where it would be, the
    chunks of the axes that reach the output are split, the growth shared evenly among them."""
    if len(arrays) < 2 or not output:
        return arrays
    import dask

    tolerance = dask.config.get("array.chunk-size-tolerance")
    largest_input = max([1] + [math.prod(map(max, a.chunks)) for a in arrays])
    out_block: dict[str, int] = {}
    for array, labels in zip(arrays, inputs):
        for axis, label in enumerate(labels):
            if label not in contracted:
                out_block[label] = max(out_block.get(label, 1), max(array.chunks[axis]))
    growth = math.prod(out_block.values()) / (largest_input * tolerance)
    result = []
    for array, labels in zip(arrays, inputs):
        splittable = {axis for axis, label in enumerate(labels) if label in output}
        shrink = max(growth ** (len(splittable) / len(output)), 1)
        target = math.prod(map(max, array.chunks)) / shrink
        result.append(array.rechunk(_split(array.chunks, splittable, target, tolerance)))
    return result


def _split(chunks: tuple[tuple[int, ...], ...], splittable: Iterable[int], target: float,
           tolerance: float) -> tuple[tuple[int, ...], ...]:
    """Chunks whose block is at most `target` elements: every splittable axis's chunks are cut
    into near-equal pieces (the first pieces one larger) under a common limit, tightened until
    the block fits or no axis can be cut further."""
    target = max(target, 1)
    current = list(chunks)
    splittable = set(splittable)
    while splittable:
        excess = math.prod(map(max, current)) / target
        if excess <= 1:
            break
        root = excess ** (1 / len(splittable))
        for axis in sorted(splittable):
            limit = max(current[axis]) / root
            pieces = []
            for extent in chunks[axis]:
                if extent > tolerance * limit:
                    count = min(math.ceil(extent / limit), extent)
                    size, extra = divmod(extent, count)
                    pieces += [size + 1] * extra + [size] * (count - extra)
                else:
                    pieces.append(extent)
            if tuple(pieces) == current[axis] or max(pieces) == 1:
                splittable.discard(axis)
            current[axis] = tuple(pieces)
    return tuple(current)
