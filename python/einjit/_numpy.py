"""numpy's contraction functions computed by einjit, with numpy's signatures, type promotion
and errors: einsum (string and sublist forms), tensordot, matmul, dot, inner, outer, and
transpose (a view, as numpy's). These are also what opt_einsum calls on backend='einjit'."""

from __future__ import annotations

import operator
from collections.abc import Sequence
from typing import Any, Protocol, SupportsIndex

import numpy as np
from numpy.typing import DTypeLike, NDArray

from ._arrays import as_operand, check_writable, compute_dtype, numpy_dtype, ready, to_framework
from ._einjit import einsum_fast as _einsum_fast
from ._einjit import set_einsum_order_check
from ._engine import Engine, default_engine
from ._typing import Axes, Casting, EinsumArgument, Operand, Optimize, Sublist

_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_ORDERS = ("K", "A", "C", "F")
_CASTINGS = ("no", "equiv", "safe", "same_kind", "unsafe")
# An output axis: a label, or the k-th axis that '...' stands for.
_Axis = str | tuple[str, int]


class _Strided(Protocol):
    """What _axis_strides reads of an operand: a numpy array, or a _COrderOperand."""

    @property
    def ndim(self) -> int: ...

    @property
    def shape(self) -> tuple[int, ...]: ...

    @property
    def strides(self) -> tuple[int, ...]: ...


def _sublist_letters(sublist: Sublist) -> str:
    try:
        items = list(sublist)
    except TypeError:
        raise TypeError("each subscript list must be a list of integers or Ellipsis, "
                        f"not {type(sublist).__name__}") from None
    text = ""
    for item in items:
        if item is Ellipsis:
            text += "..."
            continue
        try:
            index = operator.index(item)
        except TypeError:
            raise TypeError("each subscript must be an integer or Ellipsis, "
                            f"not {type(item).__name__}") from None
        if not 0 <= index < len(_LETTERS):
            raise ValueError(f"subscript is not within the valid range [0, {len(_LETTERS)})")
        text += _LETTERS[index]
    return text


def _from_sublists(arguments: Sequence[Any]) -> tuple[str, list[Any]]:
    """numpy's interleaved form einsum(op0, sublist0, op1, sublist1, ..., [out]) as a
    subscripts string and the operands (0..25 are A-Z, 26..51 a-z, so that implicit output
    order is numpy's)."""
    pairs = len(arguments) // 2
    operands = [arguments[2 * k] for k in range(pairs)]
    inputs = [_sublist_letters(arguments[2 * k + 1]) for k in range(pairs)]
    subscripts = ",".join(inputs)
    if len(arguments) % 2 == 1:
        subscripts += "->" + _sublist_letters(arguments[-1])
    return subscripts, operands


def _check_path(path: Sequence[Any], operands: int) -> None:
    """numpy's RuntimeError for an explicit path (['einsum_path', (0, 1), ...]) that does not
    contract the operands to one; einjit then chooses its own path."""
    if not path or path[0] != "einsum_path":
        raise TypeError("einsum: an explicit path starts with 'einsum_path'")
    remaining = operands
    for step in path[1:]:
        step = tuple(step)
        if any(not 0 <= int(i) < remaining for i in step):
            raise RuntimeError(f"Invalid einsum_path is specified: contraction {step} of "
                               f"{remaining} operands")
        remaining -= len(step) - 1
    if remaining != 1:
        raise RuntimeError(f"Invalid einsum_path is specified: {remaining - 1} more operands "
                           "has to be contracted.")


def _labels(part: str) -> list[str] | None:
    """'i...j' as ['i', '...', 'j']; None for anything else (the engine reports it)."""
    if part.count("...") > 1:
        return None
    tokens, i = [], 0
    while i < len(part):
        if part.startswith("...", i):
            tokens.append("...")
            i += 3
        elif part[i].isascii() and part[i].isalpha():
            tokens.append(part[i])
            i += 1
        else:
            return None
    return tokens


def _one_operand_view(subscripts: str, array: NDArray[Any]) -> NDArray[Any] | None:
    """numpy's einsum returns a view of a single operand when nothing is summed: a transpose,
    a diagonal ('ii->i'), broadcast axes kept. The same view here (its base is the operand's),
    or None when the call sums, is malformed, or the memory cannot be viewed."""
    text = subscripts.replace(" ", "")
    if "," in text:
        return None
    source, arrow, target = text.partition("->")
    src = _labels(source)
    if src is None:
        return None
    letters = [t for t in src if t != "..."]
    if not arrow:
        if len(set(letters)) != len(letters):
            return None  # implicit output: a repeated label is summed
        dst = (["..."] if "..." in src else []) + sorted(letters)
    else:
        dst = _labels(target)
        if dst is None:
            return None
        kept = [t for t in dst if t != "..."]
        if len(set(kept)) != len(kept) or set(kept) != set(letters):
            return None
    broadcast = array.ndim - len(letters)
    if broadcast < 0 or (broadcast and ("..." not in src or "..." not in dst)):
        return None
    if "..." not in src and broadcast:
        return None
    axes: list[_Axis] = []
    for token in src:
        axes += [("...", k) for k in range(broadcast)] if token == "..." else [token]
    shape, strides = [], []
    for token in dst:
        for label in ([("...", k) for k in range(broadcast)] if token == "..." else [token]):
            dims = [d for d, name in enumerate(axes) if name == label]
            if len({array.shape[d] for d in dims}) != 1:
                return None  # unequal extents of a repeated label: the engine says which
            shape.append(array.shape[dims[0]])
            strides.append(sum(array.strides[d] for d in dims))
    owner = array.base if isinstance(array.base, np.ndarray) else array
    for buffer in (owner, array):
        try:
            offset = array.__array_interface__["data"][0] - buffer.__array_interface__["data"][0]
            view = np.ndarray(tuple(shape), dtype=array.dtype, buffer=buffer, offset=offset,
                              strides=tuple(strides))
        except (TypeError, ValueError, BufferError):
            continue
        if not array.flags.writeable and view.flags.writeable:
            view.flags.writeable = False
        return view
    return np.lib.stride_tricks.as_strided(array, tuple(shape), tuple(strides),
                                           writeable=array.flags.writeable)


def _axis_strides(subscripts: str, arrays: Sequence[_Strided]
                  ) -> tuple[list[dict[int, int]], int, int] | None:
    """Per operand {output axis: |byte stride|} and the output's rank, for order='K'; None when
    the subscripts are not plainly readable (the engine then reports or handles them)."""
    source, arrow, target = subscripts.replace(" ", "").partition("->")
    # None (unreadable) is ruled out just below, which mypy does not follow.
    inputs: list[list[str]] = [_labels(part) for part in source.split(",")]  # type: ignore[misc]
    if any(labels is None for labels in inputs) or len(inputs) != len(arrays):
        return None
    broadcast = 0
    for labels, array in zip(inputs, arrays):
        broadcast = max(broadcast, array.ndim - sum(1 for t in labels if t != "..."))
    if arrow:
        output = _labels(target)
        if output is None:
            return None
    else:
        letters = [t for labels in inputs for t in labels if t != "..."]
        output = (["..."] if broadcast else []) + sorted(t for t in set(letters)
                                                         if letters.count(t) == 1)
    names: list[_Axis] = []
    for token in output:
        names += [("...", k) for k in range(broadcast)] if token == "..." else [token]
    rank = len(names)
    # The summed labels join the sort after the output's, as in numpy's iterator: they order
    # output axes that no operand has together ('ij,jk->ik' on Fortran arrays).
    names += sorted({t for labels in inputs for t in labels if t != "..." and t not in names})
    per_operand = []
    for labels, array in zip(inputs, arrays):
        own = array.ndim - sum(1 for t in labels if t != "...")
        axes: list[_Axis] = []
        for token in labels:  # an operand's broadcast axes are the last of the output's
            axes += ([("...", k) for k in range(broadcast - own, broadcast)] if token == "..."
                     else [token])
        strides = {}
        for name, extent, stride in zip(axes, array.shape, array.strides):
            if name in names and extent != 1 and stride != 0:
                strides[names.index(name)] = abs(stride)
        per_operand.append(strides)
    return per_operand, rank, len(names)


def _keep_order_axes(subscripts: str, arrays: Sequence[_Strided]) -> list[int] | None:
    """The output axes, slowest first, as numpy's order='K' lays them out: sorted by the operands'
    strides as numpy's iterator sorts them. None: C order (or unreadable subscripts)."""
    found = _axis_strides(subscripts, arrays)
    if found is None:
        return None
    per_operand, rank, axes = found

    def faster(p: int, q: int) -> bool | None:
        """True: p goes before q in numpy's fastest-first order; False: it stays; None: no
        operand has both (numpy's "ambiguous")."""
        verdict = None
        for strides in per_operand:
            if p in strides and q in strides:
                if strides[q] <= strides[p]:
                    verdict = False
                elif verdict is None:
                    verdict = True
        return verdict

    # numpy's npyiter_find_best_axis_ordering: an insertion sort of the axes, fastest first,
    # from the reverse of the iterator's C order (output axes, then summed ones).
    fastest = list(reversed(range(axes)))
    for i in range(1, axes):
        axis, position = fastest[i], i
        for j in range(i - 1, -1, -1):
            verdict = faster(axis, fastest[j])
            if verdict:
                position = j
            elif verdict is False:
                break
        if position != i:
            fastest.insert(position, fastest.pop(i))
    order = list(reversed(fastest))
    order = [axis for axis in order if axis < rank]
    return None if order == list(range(rank)) else order


def _keep_order_buffer(subscripts: str, arrays: Sequence[_Strided], shape: tuple[int, ...],
                       dtype: np.dtype[Any]) -> NDArray[Any] | None:
    """An uninitialised output of `shape` in numpy's order='K' layout; None: C order."""
    order = _keep_order_axes(subscripts, arrays)
    if order is None or len(order) != len(shape):
        return None
    buffer = np.empty([shape[axis] for axis in order], dtype)
    return buffer.transpose(np.argsort(order))


class _COrderOperand:
    """What _axis_strides reads of a C-contiguous operand of rank `rank` (extents 2)."""

    def __init__(self, rank: int) -> None:
        self.ndim = rank
        self.shape = (2,) * rank
        self.strides = tuple(2 ** (rank - 1 - d) for d in range(rank))


_C_ORDER_KEPT: dict[str | tuple[str, tuple[int, ...]], bool] = {}


def _c_order_is_numpys(subscripts: str, operands: Sequence[Any]) -> bool:
    """True when numpy's order='K' result for C-contiguous operands is C order, which the
    one-step path gives: the output does not reverse the operands' label order ('ij,ij->ji'
    does). Remembered per subscripts (and ranks, with an ellipsis)."""
    key = (subscripts if "..." not in subscripts
           else (subscripts, tuple(np.ndim(v) for v in operands)))
    kept = _C_ORDER_KEPT.get(key)
    if kept is None:
        if "..." in subscripts:
            ranks = [np.ndim(v) for v in operands]
        else:
            parts = subscripts.replace(" ", "").partition("->")[0].split(",")
            ranks = [len(part) for part in parts]
        try:
            kept = _keep_order_axes(subscripts, [_COrderOperand(r) for r in ranks]) is None
        except (TypeError, ValueError, IndexError):
            kept = True  # unreadable subscripts: the engine reports them
        if len(_C_ORDER_KEPT) < 4096:
            _C_ORDER_KEPT[key] = kept
    return kept


set_einsum_order_check(_c_order_is_numpys)  # the fast path asks once per call signature


def _result_order(result: NDArray[Any], order: str, arrays: Sequence[NDArray[Any]],
                  subscripts: str) -> NDArray[Any]:
    if order == "F" or (order == "A" and all(a.flags.f_contiguous for a in arrays)):
        return np.asfortranarray(result)
    if order == "K" and result.ndim > 1:
        laid_out = _keep_order_buffer(subscripts, arrays, result.shape, result.dtype)
        if laid_out is not None:
            laid_out[...] = result
            return laid_out
    return result


def einsum_arguments(operands: Sequence[EinsumArgument], optimize: Optimize, order: str,
                     casting: Casting, who: str) -> tuple[str, Sequence[Any], str]:
    """numpy.einsum's positional arguments and options checked as numpy checks them: the
    subscripts (given, or built from the sublist form), the operands, and `order` upper-cased.
    `who` opens every message."""
    if not operands:
        raise ValueError(f"{who}: must specify the einstein sum subscripts string and at least "
                         "one operand, or at least one operand and its subscripts list")
    if isinstance(operands[0], str):
        subscripts, values = operands[0], operands[1:]
    else:
        subscripts, values = _from_sublists(operands)
    if not values:
        raise ValueError(f"{who}: at least one operand is needed")
    if isinstance(optimize, (list, tuple)):
        _check_path(optimize, len(values))
    order = order.upper() if isinstance(order, str) else order
    if order not in _ORDERS:
        raise ValueError(f"{who}: order must be one of 'K', 'A', 'C', 'F', not {order!r}")
    if casting not in _CASTINGS:
        raise ValueError(f"{who}: casting must be one of 'no', 'equiv', 'safe', 'same_kind', "
                         f"or 'unsafe', not {casting!r}")
    return subscripts, values, order


def einsum_dtype(dtypes: Sequence[np.dtype[Any]], dtype: DTypeLike | None,
                 casting: Casting) -> np.dtype[Any]:
    """numpy.einsum's result dtype: the operands' promotion, or `dtype`, which every operand must
    cast to under `casting` (TypeError as numpy words it)."""
    if dtype is None:
        return np.result_type(*dtypes)
    wanted = numpy_dtype(dtype)
    for given in dtypes:
        if not np.can_cast(given, wanted, casting):
            raise TypeError(f"Cannot cast array data from {given!r} to {wanted!r} "
                            f"according to the rule {casting!r}")
    return wanted


def einsum(*operands: EinsumArgument, out: NDArray[Any] | None = None,
           dtype: DTypeLike | None = None, order: str = "K", casting: Casting = "safe",
           optimize: Optimize = False, engine: Engine | None = None) -> Any:
    # numpy's most common call (a subscripts string, numpy arrays of one computable dtype, no
    # options but out=) goes straight to the extension; anything else, and anything the
    # extension declines (an out= of another dtype, shape or sharing memory with an input, a
    # result numpy lays out in another order), takes _einsum's general path.
    if dtype is None and order == "K" and optimize.__class__ is not list and casting in _CASTINGS:
        result = _einsum_fast(operands, out, None if engine is None else engine._engine)
        if result is not None:
            return result
    return _einsum(operands, out, dtype, order, casting, optimize, engine)


def _einsum(operands: Sequence[EinsumArgument], out: NDArray[Any] | None, dtype: DTypeLike | None,
            order: str, casting: Casting, optimize: Optimize, engine: Engine | None) -> Any:
    """numpy.einsum(subscripts, *operands, out=None, dtype=None, order='K', casting='safe',
    optimize=False), computed by einjit.

    The string and the sublist forms, implicit output, '...', repeated labels and broadcasting
    as numpy. The dtype is numpy's promotion of the operands (or `dtype`, which the operands must
    cast to under `casting`). einjit computes float32/64, int32/64, complex64/128, float16
    and ml_dtypes.bfloat16 (the last two summed in float32, rounded once into the result);
    bool, int8, int16, uint8, uint16 and uint32 are computed in int64 and cast back, which is
    numpy's answer (integers wrap alike); other dtypes (uint64, float128, object, ...) raise
    TypeError. `optimize` is accepted and ignored: einjit chooses its own
    pairwise path. `out` is written in place (any strides; a read-only one raises ValueError
    before anything runs). A 0-d result is returned as a numpy
    scalar, as numpy does. As numpy, a one-operand call that sums nothing ('ij->ji', 'ii->i',
    '...ii->...i') returns a view of the operand (no computation). order='K' follows numpy's
    layout (the axis sort of numpy's iterator)."""
    subscripts, values, order = einsum_arguments(operands, optimize, order, casting, "einsum")
    engine = engine or default_engine()
    arrays, framework = [], None
    for value in values:
        array, kind = as_operand(value)
        arrays.append(array)
        framework = framework or kind
    if len(arrays) == 1 and out is None and order in ("K", "A") and (
            dtype is None or numpy_dtype(dtype) == arrays[0].dtype):
        view = _one_operand_view(subscripts, arrays[0])
        if view is not None:
            return to_framework(view, framework) if view.ndim else view[()]
    wanted = einsum_dtype([a.dtype for a in arrays], dtype, casting)
    computed = compute_dtype(wanted, "einsum")
    arrays_in = [ready(a, computed) for a in arrays]
    if out is not None:
        if not isinstance(out, np.ndarray):
            raise TypeError("einsum: out must be a numpy array")
        check_writable(out, "einsum")
        # numpy checks out='s dtype under `casting` in its one-step einsum (optimize=False);
        # its optimized path assigns into out= whatever the dtype.
        if optimize is False and not np.can_cast(wanted, out.dtype, casting):
            raise TypeError(f"Cannot cast array data from {wanted!r} to {out.dtype!r} (out=) "
                            f"according to the rule {casting!r}")
        direct = (out.dtype == computed and computed == wanted
                  and not any(np.may_share_memory(out, a) for a in arrays_in))
        if direct:
            engine._engine.einsum(subscripts, arrays_in, out=out)
            return out
        result = engine._engine.einsum(subscripts, arrays_in)
        if result.shape != out.shape:
            raise ValueError(f"einsum: out has shape {out.shape} but the result has "
                             f"{result.shape}")
        np.copyto(out, result.astype(wanted, copy=False), casting="unsafe")
        return out
    result = engine._engine.einsum(subscripts, arrays_in)
    if computed != wanted:
        result = result.astype(wanted)
    result = _result_order(result, order, arrays, subscripts)
    if result.ndim == 0:
        return result[()] if framework is None else to_framework(result, framework)
    return to_framework(result, framework)


einsum.__doc__ = _einsum.__doc__


def _prepared(values: Sequence[Operand], who: str, framework: type[Any] | None = None
              ) -> tuple[list[NDArray[Any]], np.dtype[Any], np.dtype[Any], type[Any] | None]:
    arrays = []
    for value in values:
        array, kind = as_operand(value)
        arrays.append(array)
        framework = framework or kind
    wanted = np.result_type(*arrays)
    computed = compute_dtype(wanted, who)
    return [ready(a, computed) for a in arrays], wanted, computed, framework


def _finish(result: NDArray[Any], wanted: np.dtype[Any], computed: np.dtype[Any],
            framework: type[Any] | None, out: NDArray[Any] | None = None) -> Any:
    if computed != wanted:
        result = result.astype(wanted)
    if out is not None:
        if out.shape != result.shape:
            raise ValueError(f"output array has shape {out.shape}, the result {result.shape}")
        np.copyto(out, result, casting="same_kind")
        return out
    if result.ndim == 0 and framework is None:
        return result[()]
    return to_framework(result, framework)


def _run_call(text: str, values: Sequence[Operand], who: str, out: NDArray[Any] | None = None,
              engine: Engine | None = None, framework: type[Any] | None = None) -> Any:
    check_writable(out, who)
    arrays, wanted, computed, framework = _prepared(values, who, framework)
    result = (engine or default_engine()).call(text, *arrays)
    return _finish(result, wanted, computed, framework, out)


def _scalar_or_call(text: str, a: Operand, b: Operand, who: str,
                    out: NDArray[Any] | None = None) -> Any:
    """dot and inner: a product when either operand is 0-d, else `text`. The operands are read
    first (a DLPack-only array is 0-d to np.ndim, which sees only an object)."""
    x, x_framework = as_operand(a)
    y, y_framework = as_operand(b)
    if x.ndim == 0 or y.ndim == 0:
        text = "np.einsum('...,...->...', a, b)"
    return _run_call(text, (x, y), who, out, framework=x_framework or y_framework)


def _axes_text(axes: Axes) -> str:
    if isinstance(axes, (int, np.integer)):
        return str(int(axes))
    try:
        first, second = axes
    except (TypeError, ValueError):
        raise ValueError("tensordot: axes must be an integer or a pair of axis sequences") from None

    def items(v: SupportsIndex | list[SupportsIndex] | tuple[SupportsIndex, ...]) -> list[int]:
        return [int(operator.index(x)) for x in (v if isinstance(v, (list, tuple)) else [v])]

    return f"[{items(first)}, {items(second)}]"


def tensordot(a: Operand, b: Operand, axes: Axes = 2) -> Any:
    """numpy.tensordot(a, b, axes=2) (einjit's np.tensordot front end)."""
    return _run_call(f"np.tensordot(a, b, axes={_axes_text(axes)})", (a, b), "tensordot")


def matmul(a: Operand, b: Operand, out: NDArray[Any] | None = None) -> Any:
    """numpy.matmul(a, b) for arrays (1-D operands promoted and removed as numpy; batch
    dimensions broadcast)."""
    return _run_call("np.matmul(a, b)", (a, b), "matmul", out)


def dot(a: Operand, b: Operand, out: NDArray[Any] | None = None) -> Any:
    """numpy.dot(a, b): the sum over a's last and b's second-to-last axis (scalars multiply)."""
    return _scalar_or_call("np.dot(a, b)", a, b, "dot", out)


def inner(a: Operand, b: Operand) -> Any:
    """numpy.inner(a, b): the sum over both last axes (scalars multiply)."""
    return _scalar_or_call("np.inner(a, b)", a, b, "inner")


def outer(a: Operand, b: Operand, out: NDArray[Any] | None = None) -> Any:
    """numpy.outer(a, b): both raveled, out[i, j] = a[i] * b[j]."""
    return _run_call("np.outer(a, b)", (a, b), "outer", out)


def transpose(a: Operand, axes: Sequence[int] | None = None) -> Any:
    """numpy.transpose(a, axes): a view, no computation (torch tensors: permute; other DLPack
    arrays: a view of their memory, returned through their framework where it imports it, else
    as a numpy view)."""
    if isinstance(a, np.ndarray):
        return np.transpose(a, axes)
    if hasattr(a, "permute"):
        # A tensor with permute() (torch) has ndim too, which hasattr() does not tell mypy.
        return a.permute(*(axes if axes is not None
                           else reversed(range(a.ndim))))  # type: ignore[union-attr]
    array, framework = as_operand(a)
    view = np.transpose(array, axes)
    try:
        return to_framework(view, framework)
    except BufferError:  # a read-only view numpy cannot export (JAX's): the numpy view
        return view
