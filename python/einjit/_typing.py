"""The types in einjit's signatures: what an operand, a shape or an option may be (PEP 561: the
package ships py.typed, and _einjit.pyi for the extension module)."""

from __future__ import annotations

from collections.abc import Sequence
from types import EllipsisType
from typing import Any, Literal, Protocol, SupportsIndex, TypeAlias, TypedDict, Union

import numpy as np
from numpy.typing import ArrayLike


class SupportsDLPack(Protocol):
    """A CPU array of another framework (torch, JAX, ...) that numpy views through DLPack."""

    def __dlpack__(self, *args: Any, **kwargs: Any) -> Any: ...


class SupportsShape(Protocol):
    """Anything with a shape: an operand of compile() and explain() stands for its shape."""

    @property
    def shape(self) -> tuple[int, ...]: ...


# An array einjit reads: numpy's, anything numpy.asarray takes, or a DLPack array.
Operand: TypeAlias = Union[ArrayLike, SupportsDLPack]
# A shape given in place of an operand: a tuple of extents, one extent, or an array's shape.
ShapeOrArray: TypeAlias = Union[int, Sequence[int], SupportsShape]
# numpy's interleaved einsum form: a subscript list of integers (0..51) and Ellipsis.
Sublist: TypeAlias = Sequence[Union[SupportsIndex, EllipsisType]]
# einsum's positional arguments: the subscripts string, operands, and sublists.
EinsumArgument: TypeAlias = Union[str, Operand, Sublist]
# numpy.einsum's optimize=: a flag, a strategy name, or an explicit ['einsum_path', (0, 1), ...].
Optimize: TypeAlias = Union[bool, str, Sequence[Union[str, Sequence[int]]]]
# numpy.tensordot's axes=: a count, or the axes of a and of b.
Axes: TypeAlias = Union[int, np.integer[Any], Sequence[Union[SupportsIndex, list[SupportsIndex],
                                                             tuple[SupportsIndex, ...]]]]
Casting: TypeAlias = Literal["no", "equiv", "safe", "same_kind", "unsafe"]
Strategy: TypeAlias = Literal["auto", "direct", "small", "streaming", "packed"]
# The compiler's stages, each implying the ones before (Plan.explain, explain's emit=).
Stage: TypeAlias = Literal["index", "path", "passes", "loops", "llvm", "asm"]


class EngineStatistics(TypedDict):
    """Engine.statistics(): the kernel cache's counters."""

    hits: int
    misses: int
    waits: int
    failures: int
    evictions: int
    entries: int
    compile_ms: float
    disk_hits: int
    disk_writes: int
    disk_rejects: int
