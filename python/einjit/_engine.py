"""Engine and Plan: the C++ einjit::Engine (JIT + kernel cache, thread-safe) and compiled plans,
with operands bound by position or by name and numpy's type promotion applied before a run."""

from __future__ import annotations

import functools
import json
import os
import threading
from collections.abc import Mapping, Sequence
from typing import Any, Literal, TypeVar

import numpy as np
from numpy.typing import DTypeLike, NDArray

from . import _einjit
from ._arrays import (as_operand, check_writable, compute_dtype, dtype_name, numpy_dtype, ready,
                      to_framework)
from ._explain import Explanation
from ._typing import EinsumArgument, EngineStatistics, Operand, ShapeOrArray, Stage, Strategy

_STRATEGIES = ("auto", "direct", "small", "streaming", "packed")
_Value = TypeVar("_Value")
# Engine's plans of call(): expression, operand shapes, dtype name, legacy_batch_dot.
_PlanKey = tuple[str, tuple[tuple[int, ...], ...], str, bool]


@functools.lru_cache(maxsize=1024)
def _operand_names(expression: str) -> tuple[str, ...]:
    return tuple(_einjit.call_operand_names(expression))


def _bind(expression: str, positional: Sequence[_Value], named: Mapping[str, _Value],
          who: str) -> list[_Value]:
    """Positional and named operands in the call's order."""
    if not named:
        return list(positional)
    names = _operand_names(expression)
    if not names:
        raise TypeError(f"{who}: the operands of an einsum string bind by position, "
                        f"got names {sorted(named)}")
    if len(positional) > len(names):
        raise TypeError(f"{who}: {expression!r} takes {len(names)} operands "
                        f"({', '.join(names)}), got {len(positional)} by position")
    bound: list[Any] = list(positional) + [None] * (len(names) - len(positional))
    for name, value in named.items():
        if name not in names:
            raise TypeError(f"{who}: {expression!r} has no operand {name!r} "
                            f"(its operands: {', '.join(names)})")
        index = names.index(name)
        if index < len(positional):
            raise TypeError(f"{who}: operand {name!r} given by position and by name")
        bound[index] = value
    missing = [n for n, v in zip(names, bound) if v is None]
    if missing:
        raise TypeError(f"{who}: missing operand(s) {', '.join(missing)} of {expression!r}")
    return bound


def _shape_of(value: Any, who: str) -> tuple[int, ...]:
    if hasattr(value, "shape") and not isinstance(value, (tuple, list)):
        return tuple(int(e) for e in value.shape)
    if isinstance(value, int):
        return (value,)
    try:
        return tuple(int(e) for e in value)
    except TypeError:
        raise TypeError(f"{who}: an operand is an array or a shape tuple, "
                        f"not {type(value).__name__}") from None


class Plan:
    """A call compiled for fixed operand shapes and dtype (Engine.compile). Calling it runs the
    kernel on arrays of those shapes (any strides; a new stride pattern compiles once more):
    ``plan(x, y, out=None, alpha=1, beta=0, threads=None)`` computes
    ``out = alpha * contraction + beta * out`` (a read-only out raises ValueError before the
    run). Safe to call from many threads."""

    def __init__(self, plan: _einjit.Plan, expression: str) -> None:
        self._plan = plan
        self.expression = expression

    @property
    def out_shape(self) -> tuple[int, ...]:
        """The result's shape, a tuple."""
        return self._plan.out_shape

    @property
    def dtype(self) -> np.dtype[Any]:
        """numpy's dtype of the plan's operands (bfloat16: ml_dtypes', TypeError without it)."""
        return numpy_dtype(self._plan.dtype)

    @property
    def out_dtype(self) -> np.dtype[Any]:
        """numpy's dtype of the plan's output: dtype, or float32 (Engine.compile's out_dtype)."""
        return numpy_dtype(self._plan.out_dtype)

    @property
    def input_names(self) -> tuple[str, ...]:
        """The operands it takes, in order."""
        return tuple(self._plan.input_names)

    def explain(self, stage: Stage = "loops") -> str:
        """The IndexProgram and, up to `stage` ('index', 'path', 'loops', 'llvm', 'asm'), the
        compiler's stages, as text; 'passes': the path, then the IR after every scheduling
        pass."""
        return self._plan.explain(stage)

    def __call__(self, *arrays: Operand, out: Operand | None = None, alpha: complex = 1,
                 beta: complex = 0, threads: int | None = None, **named: Operand) -> Any:
        if out is not None:
            check_writable(out, "Plan.run")
        if out is None and not named and alpha == 1 and beta == 0 and threads is None:
            for array in arrays:
                if type(array) is not np.ndarray:
                    break
            else:  # numpy arrays only: straight to the kernel
                return self._plan.run(arrays)
        arrays = _bind(self.expression, arrays, named, "Plan")
        operands, framework = [], None
        for value in arrays:
            array, kind = as_operand(value)
            operands.append(array)
            framework = framework or kind
        if out is not None and not isinstance(out, np.ndarray):
            out, _ = as_operand(out)
        result = self._plan.run(operands, out=out, alpha=complex(alpha), beta=complex(beta),
                                threads=threads)
        return out if out is not None else to_framework(result, framework)

    def __repr__(self) -> str:
        return (f"<einjit.Plan {self.expression!r} {self.input_names} -> {self.out_shape} "
                f"{self.dtype}>")


class Engine:
    """Owns the JIT and its kernel cache (compiled kernels in memory, bounded, and on disk).

    cache_capacity   kernels kept in memory (least recently used dropped)
    cache_dir        None: $EINJIT_CACHE_DIR, else ~/.cache/einjit; a path; False or "off":
                     memory only
    strategy         'auto', 'direct', 'small', 'streaming' or 'packed'
    constant_extents extents compiled in (True) or read at run time (False)
    contraction_paths three or more operands as pairwise steps when cheaper
    max_vector_bits  caps the vector width (0: the host's widest)
    target           None: $EINJIT_TARGET, else the host; or an LLVM CPU name ('x86-64-v3',
                     'x86-64-v4', 'znver4', 'sapphirerapids', ...): any target explains, its
                     kernels run only where this CPU has its features
    cache_sizes      None: $EINJIT_CACHE_SIZES, else the host's; or (l1d, l2, l3) in bytes,
                     which the schedule sizes its blocks against
    tune             'estimate' (schedules from the cost figures; $EINJIT_TUNE may say
                     otherwise) or 'measure' / 'measure:MS' (every applicable strategy timed on
                     the real shapes, within MS milliseconds, the fastest kept, on disk too)
    """

    def __init__(self, cache_capacity: int = 256,
                 cache_dir: str | os.PathLike[str] | Literal[False] | None = None,
                 strategy: Strategy = "auto", constant_extents: bool = True,
                 contraction_paths: bool = True, max_vector_bits: int = 0,
                 target: str | None = None, cache_sizes: Sequence[int] | None = None,
                 tune: str = "estimate") -> None:
        if strategy not in _STRATEGIES:
            raise ValueError(f"strategy must be one of {', '.join(_STRATEGIES)}, "
                             f"not {strategy!r}")
        persistent = cache_dir is not False and cache_dir != "off"
        directory = str(cache_dir) if persistent and cache_dir is not None else ""
        if cache_sizes is None:
            cache_sizes = (0, 0, 0)
        if len(cache_sizes) != 3 or any(int(size) < 0 for size in cache_sizes):
            raise ValueError(f"cache_sizes must be (l1d, l2, l3) in bytes, not {cache_sizes!r}")
        l1d, l2, l3 = (int(size) for size in cache_sizes)
        self._engine = _einjit.Engine(cache_capacity=int(cache_capacity),
                                      constant_extents=bool(constant_extents),
                                      max_vector_bits=int(max_vector_bits),
                                      contraction_paths=bool(contraction_paths),
                                      strategy=strategy, persistent_cache=persistent,
                                      cache_directory=directory, target=target or "",
                                      l1d=l1d, l2=l2, l3=l3, tune=str(tune))
        self._plans: dict[_PlanKey, _einjit.Plan] = {}
        self._capacity = max(int(cache_capacity), 1)
        self._lock = threading.Lock()

    @property
    def target(self) -> str:
        """What kernels are compiled for, e.g. 'x86_64-pc-linux-gnu znver4, 512-bit vectors'."""
        return self._engine.target

    def statistics(self) -> EngineStatistics:
        """The kernel cache's counters: hits, misses, waits, failures, evictions, entries,
        compile_ms, disk_hits, disk_writes, disk_rejects."""
        return self._engine.statistics()

    def compile(self, expression: str, *shapes: ShapeOrArray, dtype: DTypeLike = "float32",
                legacy_batch_dot: bool = False, out_dtype: DTypeLike | None = None,
                **named_shapes: ShapeOrArray) -> Plan:
        """A Plan of `expression` (an einsum string or any call the CLI takes) for operand
        shapes (tuples, or arrays whose shapes count) by position or by name. dtype: a numpy
        dtype einjit computes, or 'bfloat16' / 'bf16' (its arrays are ml_dtypes.bfloat16).
        out_dtype: the output's dtype, by default dtype; float32 for bfloat16 or float16
        operands keeps the float32 sums unrounded (ValueError for anything else)."""
        bound = _bind(expression, shapes, named_shapes, "compile")
        extents = [list(_shape_of(s, "compile")) for s in bound]
        name = dtype_name(dtype, "compile")
        out_name = None if out_dtype is None else dtype_name(out_dtype, "compile")
        return Plan(self._engine.plan(expression, extents, name, bool(legacy_batch_dot),
                                      out_name), expression)

    def _cached_plan(self, expression: str, shapes: tuple[tuple[int, ...], ...], dtype: str,
                     legacy: bool) -> _einjit.Plan:
        key = (expression, shapes, dtype, legacy)
        plan = self._plans.get(key)
        if plan is None:
            plan = self._engine.plan(expression, [list(s) for s in shapes], dtype, legacy)
            with self._lock:
                if len(self._plans) >= self._capacity:
                    self._plans.clear()
                self._plans[key] = plan
        return plan

    def call(self, expression: str, *arrays: Operand, out: Operand | None = None,
             legacy_batch_dot: bool = False, alpha: complex = 1, beta: complex = 0,
             threads: int | None = None, **named: Operand) -> Any:
        """Computes `expression` — an einsum string or any call the CLI takes
        ("K.batch_dot(x, y, axes=[2, 2])", "keras.layers.Dot(axes=2)([a, b])", "a @ b", ...) —
        on the arrays, by position or by name. numpy's type promotion gives the dtype (refused
        with TypeError when einjit cannot compute it exactly); legacy_batch_dot=True reads
        K.batch_dot / Dot / layers.dot as Keras <= 2.2.4 did. Returns a new array of the inputs'
        framework, or writes `out` in place (a read-only out raises ValueError before anything
        runs)."""
        arrays = _bind(expression, arrays, named, "call")
        if not arrays:
            raise TypeError(f"call: {expression!r} needs its operands")
        operands, framework = [], None
        for value in arrays:
            array, kind = as_operand(value)
            operands.append(array)
            framework = framework or kind
        target = None
        if out is not None:
            check_writable(out, "call")
            target, _ = as_operand(out)
            check_writable(target, "call")
        wanted = np.result_type(*operands)
        dtype = compute_dtype(wanted, "call")
        operands = [ready(a, dtype) for a in operands]
        plan = self._cached_plan(expression, tuple(a.shape for a in operands), dtype.name,
                                 bool(legacy_batch_dot))
        options: dict[str, Any] = dict(alpha=complex(alpha), beta=complex(beta), threads=threads)
        if target is not None:
            if target.dtype == dtype and dtype == wanted:
                plan.run(operands, out=target, **options)
            else:  # computed in einjit's dtype (from out's values when beta reads them)
                computed = (target.astype(dtype) if beta != 0
                            else np.empty(target.shape, dtype))
                plan.run(operands, out=computed, **options)
                np.copyto(target, computed.astype(wanted), casting="same_kind")
            return out
        result = plan.run(operands, **options)
        if dtype != wanted:
            result = result.astype(wanted)
        return to_framework(result, framework)

    def explain(self, expression: str, *arrays_or_shapes: ShapeOrArray,
                dtype: DTypeLike | None = None, emit: Stage | None = None,
                legacy_batch_dot: bool = False, **named: ShapeOrArray) -> Explanation:
        """An Explanation of `expression` on operands given as arrays or shape tuples (by
        position or by name); dtype defaults to the arrays' (else float32); emit='index',
        'path', 'loops', 'llvm' or 'asm' adds the compiler's stages up to that one, 'passes'
        the IR after every scheduling pass (after the path)."""
        values = _bind(expression, arrays_or_shapes, named, "explain")
        shapes = [list(_shape_of(v, "explain")) for v in values]
        if dtype is None:
            arrays = [v for v in values if hasattr(v, "dtype")]
            if arrays:
                dtype = np.result_type(*[as_operand(a)[0] for a in arrays])
        name = None if dtype is None else dtype_name(dtype, "explain")
        text, data = self._engine.explain(expression, shapes, name, bool(legacy_batch_dot),
                                          emit or "")
        return Explanation(text, json.loads(data))

    def einsum(self, subscripts: EinsumArgument, *operands: EinsumArgument,
               out: NDArray[Any] | None = None, **options: Any) -> Any:
        """numpy.einsum on this engine (see einjit.einsum)."""
        from ._numpy import einsum
        return einsum(subscripts, *operands, out=out, engine=self, **options)


_default: Engine | None = None
_default_lock = threading.Lock()


def default_engine() -> Engine:
    """The Engine the module-level functions use (created on first use)."""
    global _default
    if _default is None:
        with _default_lock:
            if _default is None:
                engine = Engine()
                _einjit.set_default_engine(engine._engine)  # einjit.einsum's fast path
                _default = engine
    return _default
