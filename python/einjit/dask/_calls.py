"""einjit.dask.call, tensordot and matmul: a call (any of SEMANTICS.md) lowered by einjit's own
explain to its einsum, its prologues (ravel, L2 normalisation, conjugation) applied as Dask array
operations, then the einsum graph of _einsum.py; and statistics(), the engines' counters of
every worker."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Union

import numpy as np

from .. import _engine
from .._arrays import compute_dtype
from .._numpy import _axes_text
from .._typing import Axes
from . import _blocks
from ._einsum import DaskOperand, SplitEvery, _dask, contract

if TYPE_CHECKING:
    import dask.array as da
    from distributed import Client

# A prologue step: ('ravel',), ('conj',) or ('normalize', axis, eps).
_Step = tuple[Union[str, int, float], ...]

_RAVEL = re.compile(r"^(\w+) := ravel\(\1\)$")
_NORMALIZE = re.compile(r"^(\w+) := normalize\(\1, axis=(\d+), eps=([^)]+)\)$")
_PROLOGUE = re.compile(r"^(\w+) := ")
_CONJ = re.compile(r"conj\((\w+)\[")


def _prologues(program: str, names: Sequence[str]) -> dict[int, list[_Step]]:
    """{operand position: [('ravel',) | ('normalize', axis, eps) | ('conj',)]} read from the
    IndexProgram text (explain's emit='index'), whose prologue lines come before the
    statement."""
    steps: dict[int, list[_Step]] = {k: [] for k in range(len(names))}
    for line in program.splitlines():
        line = line.strip()
        if line.startswith("out"):
            for name in _CONJ.findall(line):
                steps[names.index(name)].append(("conj",))
            continue
        ravel, normalize = _RAVEL.match(line), _NORMALIZE.match(line)
        if ravel:
            steps[names.index(ravel.group(1))].append(("ravel",))
        elif normalize:
            steps[names.index(normalize.group(1))].append(
                ("normalize", int(normalize.group(2)), float(normalize.group(3))))
        elif _PROLOGUE.match(line):
            raise NotImplementedError(f"einjit.dask.call: the prologue {line!r} has no Dask "
                                      "form yet; compute this call with einjit.call")
    return steps


def _apply(array: da.Array, steps: Sequence[_Step]) -> da.Array:
    da = _dask().array
    for step in steps:
        if step[0] == "ravel":
            array = array.ravel()
        elif step[0] == "conj":
            array = array.conj()
        else:  # x / max(||x||_2 along the axis, eps): a Dask reduction over the axis's chunks
            _, axis, eps = step
            norm = da.sqrt((abs(array) ** 2).sum(axis=axis, keepdims=True))
            array = array / da.maximum(norm, array.real.dtype.type(eps))
    return array


def call(expression: str, *arrays: DaskOperand, legacy_batch_dot: bool = False,
         split_every: SplitEvery = None, threads: int | None = 1,
         engine: _engine.Engine | None = None, **named: DaskOperand) -> da.Array:
    """einjit.call on dask arrays: any call the CLI takes ("K.batch_dot(x, y, axes=[2, 2])",
    "tf.matmul(a, b, transpose_b=True)", "keras.layers.Dot(axes=1, normalize=True)([a, b])",
    an einsum string, ...), operands by position or by the call's names. einjit's explain gives
    its einsum and its prologues: ravel (np.outer), conjugation (adjoint) and Dot's
    normalize=True (x / max(||x||, 1e-7) along the contracted axis: the norms are a Dask
    reduction over that axis's chunks, computed by numpy, then the division, elementwise) run as
    Dask operations; the contraction runs as einjit.dask.einsum (split_every and threads as
    there). Returns a dask array of the
    call's shape and numpy's dtype."""
    da = _dask().array
    values: list[Any] = _engine._bind(expression, arrays, named, "einjit.dask.call")
    if not values:
        raise TypeError(f"einjit.dask.call: {expression!r} needs its operands")
    values = [da.asarray(v) for v in values]
    wanted = np.result_type(*[v.dtype for v in values])
    engine = engine or _engine.default_engine()
    explained = engine.explain(expression, *[v.shape for v in values],
                               dtype=compute_dtype(wanted, "einjit.dask.call"), emit="index",
                               legacy_batch_dot=legacy_batch_dot)
    names = [operand["name"] for operand in explained.operands]
    steps = _prologues(explained.program, names)
    if wanted.kind not in "fc" and any(s[0] == "normalize" for ops in steps.values()
                                       for s in ops):
        # einjit refuses to normalise integers when it plans (explain does not plan): its error
        engine.compile(expression, *[v.shape for v in values], dtype=wanted,
                       legacy_batch_dot=legacy_batch_dot)
    values = [_apply(v, steps[k]) for k, v in enumerate(values)]
    wanted = np.result_type(*[v.dtype for v in values])
    result = contract(explained.einsum, values, wanted, split_every, threads, engine)
    if explained.unit_output_axes:  # K.batch_dot's (B, 1): axes no operand has
        units = set(explained.unit_output_axes)
        rank = result.ndim + len(units)
        result = result[tuple(None if d in units else slice(None) for d in range(rank))]
    if tuple(result.shape) != tuple(explained.out_shape):  # not reached: explain's own shape
        raise AssertionError(f"einjit.dask.call: {expression!r} gave {result.shape}, "
                             f"explain says {explained.out_shape}")
    return result


def tensordot(a: DaskOperand, b: DaskOperand, axes: Axes = 2, split_every: SplitEvery = None,
              threads: int | None = 1) -> da.Array:
    """numpy.tensordot on dask arrays (einjit's np.tensordot front end: its axis rules and
    messages), each block by einjit."""
    return call(f"np.tensordot(a, b, axes={_axes_text(axes)})", a, b, split_every=split_every,
                threads=threads)


def matmul(a: DaskOperand, b: DaskOperand, split_every: SplitEvery = None,
           threads: int | None = 1) -> da.Array:
    """numpy.matmul on dask arrays (1-D operands promoted and removed, batch dimensions
    broadcast), each block by einjit."""
    return call("np.matmul(a, b)", a, b, split_every=split_every, threads=threads)


def statistics(client: Client | None = None) -> dict[str, _blocks.ProcessStatistics]:
    """{worker address: that worker process's engine counters (einjit.Engine.statistics())
    and its pid} for a distributed client (`client`, else the default one); without one,
    {'local': this process's}, which the local schedulers use."""
    from ._register import _client

    client = _client(client)
    if client is None:
        return {"local": _blocks.process_statistics()}
    return client.run(_blocks.process_statistics)
