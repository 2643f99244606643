"""einjit.dask.register(): dask.array.einsum and dask.array.tensordot (and dot) compute their
numpy blocks with einjit. Dask looks the per-block function up at run time, in the process that
runs the task, from two dispatch tables of dask.array.dispatch: einsum_lookup (read by
dask.array.einsumfuncs.chunk_einsum) and tensordot_lookup (read by dask.array.routines._tensordot).
register() replaces their np.ndarray entries in this process and, through a worker plugin, in
every worker of a distributed client (workers that join later too); unregister() puts numpy's
functions back in both."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import DTypeLike

from .._arrays import compute_dtype, numpy_dtype
from .._numpy import _axes_text
from .._numpy import einsum as _einjit_einsum
from .._typing import Axes
from ._blocks import engine, run_einsum

if TYPE_CHECKING:
    from distributed import Client, Worker, WorkerPlugin

PLUGIN_NAME = "einjit-dask-register"
_lock = threading.Lock()
# dispatch name -> the function register() replaced, in this process
_saved: dict[str, Callable[..., Any]] = {}


def _computed(arrays: Sequence[Any], dtype: DTypeLike | None = None
              ) -> np.dtype[Any] | None:
    """The dtype einjit computes this block in, or None: numpy computes it (a dtype einjit does
    not compute, e.g. uint64 or object, or blocks that are not numpy arrays), exactly as without
    register()."""
    if not all(type(a) is np.ndarray for a in arrays):
        return None
    try:
        return compute_dtype(numpy_dtype(dtype) if dtype is not None else np.result_type(*arrays),
                             "einjit.dask")
    except TypeError:
        return None


def numpy_block_einsum(subscripts: str, *operands: Any, dtype: DTypeLike | None = None,
                       **options: Any) -> Any:
    """What einsum_lookup gives for numpy blocks after register(): einjit's einsum (numpy's
    signature) on one thread (Dask runs the blocks in parallel), numpy's for the blocks einjit
    does not compute."""
    computed = _computed(operands, dtype) if isinstance(subscripts, str) else None
    if computed is None:
        return _saved.get("einsum", np.einsum)(subscripts, *operands, dtype=dtype, **options)
    options.pop("optimize", None)  # numpy's path option, which dask passes; einjit plans its own
    if dtype is not None or options:  # casting=, order=: numpy's full signature
        return _einjit_einsum(subscripts, *operands, dtype=dtype, **options)
    wanted = np.result_type(*operands)
    result = run_einsum(subscripts, operands, computed, threads=1)
    return result if computed == wanted else result.astype(wanted)


def numpy_block_tensordot(a: Any, b: Any, axes: Axes = 2) -> Any:
    """What tensordot_lookup gives for numpy blocks after register(): einjit's np.tensordot on
    one thread, numpy's for the blocks einjit does not compute."""
    if _computed((a, b)) is None:
        return _saved.get("tensordot", np.tensordot)(a, b, axes=axes)
    return engine().call(f"np.tensordot(a, b, axes={_axes_text(axes)})", a, b, threads=1)


def _tables() -> dict[str, tuple[Any, Callable[..., Any]]]:
    from dask.array.dispatch import einsum_lookup, tensordot_lookup

    return {"einsum": (einsum_lookup, numpy_block_einsum),
            "tensordot": (tensordot_lookup, numpy_block_tensordot)}


def register_here() -> None:
    """register() in this process only (what the worker plugin runs)."""
    import dask.array  # noqa: F401  (its backends fill the tables first)

    with _lock:
        for name, (table, ours) in _tables().items():
            current = table.dispatch(np.ndarray)
            if current is not ours:
                _saved[name] = current
                table.register(np.ndarray, ours)


def unregister_here() -> None:
    """unregister() in this process only."""
    with _lock:
        for name, (table, ours) in _tables().items():
            if table.dispatch(np.ndarray) is ours:
                table.register(np.ndarray, _saved.pop(name, getattr(np, name)))


def registered_here() -> bool:
    """True when this process's dask blocks use einjit."""
    table, ours = _tables()["einsum"]
    return table.dispatch(np.ndarray) is ours


def _client(client: Client | None) -> Client | None:
    if client is not None:
        return client
    try:
        from distributed import default_client
    except ImportError:
        return None
    try:
        return default_client()
    except ValueError:  # no client: the local schedulers run in this process
        return None


def _plugin() -> WorkerPlugin:
    from distributed import WorkerPlugin

    class EinjitBlocks(WorkerPlugin):
        """Registers einjit in each worker process (and takes it back on removal)."""

        def setup(self, worker: Worker) -> None:
            register_here()

        def teardown(self, worker: Worker) -> None:
            unregister_here()

    return EinjitBlocks()


def register(client: Client | None = None) -> None:
    """dask.array.einsum, tensordot and dot compute numpy blocks with einjit: in this process
    (the synchronous and threaded schedulers) and, when there is a distributed client (`client`,
    else the default one), in each of its workers, present and future. dask.array.matmul is not
    affected (Dask calls numpy.matmul on its blocks directly); use einjit.dask.matmul."""
    register_here()
    client = _client(client)
    if client is not None:
        client.register_plugin(_plugin(), name=PLUGIN_NAME)


def unregister(client: Client | None = None) -> None:
    """Undoes register(): numpy's functions again, here and in the client's workers."""
    unregister_here()
    client = _client(client)
    if client is not None:
        try:
            client.unregister_worker_plugin(PLUGIN_NAME)
        except ValueError:  # register() was not called with this client
            pass
