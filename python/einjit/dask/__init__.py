"""einjit as the per-block engine of Dask arrays: Dask plans the blocks and moves the data, einjit
computes each block's contraction. See docs/dask.md.

einsum, tensordot, matmul and call take dask.array.Array operands (anything else through
dask.array.asarray) and return a dask array whose blocks run einjit; register() makes
dask.array.einsum and dask.array.tensordot themselves do so for numpy blocks. Tasks carry the
subscripts, the options and the dtype; each process that runs them (a worker, or this process for
the local schedulers) plans its kernels once per block shape in its own engine (engine()), whose
disk cache the processes of a machine share; statistics() gathers the counters of all workers.
"""

from ._blocks import engine, process_statistics
from ._calls import call, matmul, statistics, tensordot
from ._einsum import einsum
from ._register import register, registered_here, unregister

__all__ = ["call", "einsum", "engine", "matmul", "process_statistics", "register",
           "registered_here", "statistics", "tensordot", "unregister"]
