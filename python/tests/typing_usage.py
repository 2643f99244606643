"""Checked by mypy (scripts/python-test.sh), never run: calls as users write them type-check, with
the result types einjit promises, and mistakes do not: each `type: ignore` below must be needed
(warn_unused_ignores), so it asserts the error."""

from typing import Any

import dask.array as da
import numpy as np
from typing_extensions import assert_type

import einjit
import einjit.dask

x = np.ones((2, 3), np.float32)
y = np.ones((3, 4), np.float32)


class DLPackOnly:
    """A foreign framework's CPU array: only the DLPack protocol."""

    def __dlpack__(self, **kwargs: Any) -> Any: ...


plan = einjit.compile("ij,jk->ik", (2, 3), y, dtype=np.float32)
assert_type(plan, einjit.Plan)
assert_type(plan.out_shape, tuple[int, ...])
assert_type(plan.input_names, tuple[str, ...])
assert_type(plan.explain("asm"), str)
plan(x, y, out=np.empty((2, 4), np.float32), alpha=2.0, threads=1)
plan(DLPackOnly(), [[1.0, 2.0, 3.0, 4.0]] * 3)
einjit.call("K.batch_dot(x, y, axes=[2, 1])", x=x, y=y)
explanation = einjit.explain("a @ b", (2, 3), x, emit="loops", dtype="float64")
assert_type(explanation, einjit.Explanation)
assert_type(explanation.as_dict(), dict[str, Any])
engine = einjit.Engine(cache_dir=False, strategy="packed", cache_sizes=(32768, 1 << 20, 1 << 25))
assert_type(engine.statistics()["hits"], int)
assert_type(engine.statistics()["compile_ms"], float)
assert_type(engine.target, str)
engine.einsum("ij,jk->ik", x, y, out=np.empty((2, 4), np.float32))
einjit.tensordot(x, y, axes=([1], [0]))
einjit.tensordot(x, y, axes=1)
einjit.transpose(x, (1, 0))
einjit.transpose(DLPackOnly())
einjit.dot(DLPackOnly(), y, out=np.empty((2, 4), np.float32))
einjit.inner(x, DLPackOnly())
einjit.compile("ij,jk->ik", (2, 3), (3, 4), dtype="bfloat16")
einjit.explain("ij,jk->ik", (2, 3), (3, 4), dtype=np.float16)
assert_type(einjit.default_engine(), einjit.Engine)

lazy = einjit.dask.einsum("ij,jk->ik", da.ones((4, 4)), da.ones((4, 4)), split_every=4)
assert_type(lazy, da.Array)
assert_type(einjit.dask.matmul(lazy, lazy, threads=None), da.Array)
assert_type(einjit.dask.statistics()["local"]["pid"], int)
assert_type(einjit.dask.registered_here(), bool)

einjit.call(x, y)  # type: ignore[arg-type]
einjit.Engine(strategy="fastest")  # type: ignore[arg-type]
einjit.explain("ij->j", (2, 3), emit="ir")  # type: ignore[arg-type]
einjit.compile("ij->j", "2x3")  # type: ignore[arg-type]
einjit.tensordot(x, y, axes="1")  # type: ignore[arg-type]
plan.explain("ir")  # type: ignore[arg-type]
plan.out_shape = (2, 4)  # type: ignore[misc]
einjit.dask.einsum("ij->j", lazy, out=lazy)  # type: ignore[arg-type]
einjit.dask.einsum("ij->j", lazy, casting="any")  # type: ignore[arg-type]
