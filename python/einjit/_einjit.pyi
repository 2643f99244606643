# The extension module einjit._einjit as python/src/*.cpp defines it (NB_MODULE in Module.cpp,
# the exception in Errors.cpp): the types the einjit package calls it with.
from collections.abc import Callable, Sequence
from typing import Any, overload

import numpy as np
from numpy.typing import NDArray

from ._typing import EngineStatistics, Operand

class Error(ValueError):
    """An einjit error; the attributes are set on the errors einjit raises."""

    kind: str  # syntax, shape, axis, arity, argument, io, misuse, unsupported, internal
    message: str
    source: str
    column: int | None
    caret: str | None

class Plan:
    # Operands and out=: numpy arrays, or CPU arrays nanobind imports (DLPack, buffer
    # protocol); anything else raises TypeError. Operands are only read; out= is written, and a
    # read-only one (numpy's writeable flag off, a DLPack export marked read-only) raises
    # ValueError before the run. A new numpy array without out=, else None.
    @overload
    def run(self, inputs: Sequence[Operand], out: None = None, alpha: complex = 1.0,
            beta: complex = 0.0, threads: int | None = None) -> NDArray[Any]: ...
    @overload
    def run(self, inputs: Sequence[Operand], out: Operand, alpha: complex = 1.0,
            beta: complex = 0.0, threads: int | None = None) -> None: ...
    @property
    def out_shape(self) -> tuple[int, ...]: ...
    @property
    def dtype(self) -> str: ...
    @property
    def out_dtype(self) -> str: ...
    @property
    def input_names(self) -> list[str]: ...
    def explain(self, stage: str = "loops") -> str: ...

class Engine:
    def __init__(self, cache_capacity: int = 256, constant_extents: bool = True,
                 max_vector_bits: int = 0, contraction_paths: bool = True,
                 strategy: str = "auto", persistent_cache: bool = True,
                 cache_directory: str = "", target: str = "", l1d: int = 0, l2: int = 0,
                 l3: int = 0, tune: str = "estimate") -> None: ...
    # As Plan.run: operands read, out= written (ValueError for a read-only one, before the run).
    @overload
    def einsum(self, subscripts: str, inputs: Sequence[Operand], out: None = None,
               alpha: complex = 1.0, beta: complex = 0.0,
               threads: int | None = None) -> NDArray[Any]: ...
    @overload
    def einsum(self, subscripts: str, inputs: Sequence[Operand], out: Operand,
               alpha: complex = 1.0, beta: complex = 0.0, threads: int | None = None) -> None: ...
    def plan(self, expression: str, shapes: Sequence[Sequence[int]], dtype: str,
             legacy_batch_dot: bool = False, out_dtype: str | None = None) -> Plan: ...
    # (`einjit explain`'s text, its --json text); emit is '' or a stage: index ... asm.
    def explain(self, expression: str, shapes: Sequence[Sequence[int]], dtype: str | None = None,
                legacy_batch_dot: bool = False, emit: str = "") -> tuple[str, str]: ...
    def statistics(self) -> EngineStatistics: ...
    @property
    def target(self) -> str: ...

def call_operand_names(expression: str, /) -> list[str]: ...
# True for an array of a framework whose arrays are immutable (JAX's), though its DLPack export
# says writable: out= refuses it.
def immutable_framework_array(array: object) -> bool: ...
# numpy.einsum's common call in one step: operands is (subscripts, *arrays); None when the call
# needs the general path (an out= it cannot write, read-only included, declines before anything
# is planned), else the result (a numpy scalar for a 0-d result) or `out` itself. engine None:
# the one set_default_engine set.
def einsum_fast(operands: tuple[object, ...], out: object | None,
                engine: Engine | None) -> NDArray[Any] | np.generic | None: ...
def set_default_engine(engine: Engine) -> None: ...
def set_einsum_order_check(check: Callable[[str, tuple[object, ...]], bool]) -> None: ...

# An ml_dtypes.bfloat16 numpy array over a DLPack bfloat16 array's memory, or None (not one).
def bfloat16_from_dlpack(value: object) -> NDArray[Any] | None: ...
# A DLPack capsule of an ml_dtypes.bfloat16 numpy array's memory (what __dlpack__ returns):
# DLPack 1.0's versioned tensor, or the unversioned one.
def bfloat16_dlpack(array: NDArray[Any], versioned: bool) -> Any: ...
