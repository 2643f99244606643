"""einjit: a tensor-contraction compiler for Python.

numpy-compatible functions (``einsum``, ``tensordot``, ``matmul``, ``dot``, ``inner``,
``outer``, ``transpose``; also an opt_einsum backend: ``backend='einjit'``), every contraction
call that ``einjit`` the CLI takes (``call``), its explanation (``explain``), compiled plans
(``compile``) and engines (``Engine``). Arrays are read in place (numpy, or any CPU array with
DLPack or the buffer protocol); kernels run without the GIL. See docs/python.md.
"""

from __future__ import annotations

from typing import Any

from numpy.typing import DTypeLike

from ._einjit import Error
from ._engine import Engine, Plan, default_engine
from ._explain import Explanation
from ._numpy import dot, einsum, inner, matmul, outer, tensordot, transpose
from ._typing import Operand, ShapeOrArray, Stage
from ._version import __version__


def call(expression: str, *arrays: Operand, out: Operand | None = None,
         legacy_batch_dot: bool = False, alpha: complex = 1, beta: complex = 0,
         threads: int | None = None, engine: Engine | None = None, **named: Operand) -> Any:
    """Computes any call the CLI takes, e.g. ``call("K.batch_dot(x, y, axes=[2, 2])", x, y)``;
    operands by position or by name (``x=..., y=...``). See Engine.call."""
    return (engine or default_engine()).call(expression, *arrays, out=out,
                                             legacy_batch_dot=legacy_batch_dot, alpha=alpha,
                                             beta=beta, threads=threads, **named)


def explain(expression: str, *arrays_or_shapes: ShapeOrArray, dtype: DTypeLike | None = None,
            emit: Stage | None = None, legacy_batch_dot: bool = False,
            engine: Engine | None = None, **named: ShapeOrArray) -> Explanation:
    """What einjit makes of a call: ``str()`` is ``einjit explain``'s text, the attributes are
    the keys of ``einjit explain --json``. Operands are arrays or shape tuples. See
    Engine.explain."""
    return (engine or default_engine()).explain(expression, *arrays_or_shapes, dtype=dtype,
                                                emit=emit, legacy_batch_dot=legacy_batch_dot,
                                                **named)


def compile(expression: str, *shapes: ShapeOrArray, dtype: DTypeLike = "float32",
            legacy_batch_dot: bool = False, out_dtype: DTypeLike | None = None,
            engine: Engine | None = None, **named_shapes: ShapeOrArray) -> Plan:
    """A Plan: the call compiled for these operand shapes and dtype. See Engine.compile."""
    return (engine or default_engine()).compile(expression, *shapes, dtype=dtype,
                                                legacy_batch_dot=legacy_batch_dot,
                                                out_dtype=out_dtype, **named_shapes)


__all__ = ["Engine", "Error", "Explanation", "Plan", "__version__", "call", "compile",
           "default_engine", "dot", "einsum", "explain", "inner", "matmul", "outer",
           "tensordot", "transpose"]
