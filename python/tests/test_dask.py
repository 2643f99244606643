"""einjit.dask on the synchronous scheduler (and once on the processes one): einsum, tensordot, matmul and call give numpy's
answers and dask.array.einsum's chunks; the graph carries no compiled object and sums a
contracted label's chunks by a tree; errors are einjit's, raised before computing or from a
block; register() routes dask.array.einsum and tensordot through einjit and unregister() back;
several processes fill one disk cache at once."""

import multiprocessing
import pickle

import dask
import dask.array as da
import numpy as np
import pytest
from dask.array.dispatch import einsum_lookup, tensordot_lookup
from dask.core import get_dependencies
from dask_cases import CASES, FILL_CASES, IDS, assert_close, fill_disk_cache, operands

import einjit
import einjit.dask as ed


@pytest.fixture(autouse=True)
def synchronous():
    with dask.config.set(scheduler="synchronous"):
        yield


def dask_operands(shapes_chunks, dtype):
    arrays = operands(shapes_chunks, dtype)
    return arrays, [da.from_array(a, chunks=c) for a, (_, c) in zip(arrays, shapes_chunks)]


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_einsum_equals_numpy_with_dask_chunks(case):
    _, subscripts, shapes_chunks, dtype = case
    arrays, lazy = dask_operands(shapes_chunks, dtype)
    result = ed.einsum(subscripts, *lazy)
    reference = da.einsum(subscripts, *lazy)
    assert result.chunks == reference.chunks
    expected = np.einsum(subscripts, *arrays)
    assert result.dtype == expected.dtype
    computed = result.compute()
    assert computed.dtype == expected.dtype
    assert_close(computed, expected, dtype)
    # dask's sum over chunks promotes small integers (int8 -> int64): compare modulo the dtype
    assert_close(computed, reference.compute().astype(expected.dtype), dtype)


@pytest.mark.filterwarnings("ignore:Increasing number of chunks")
def test_rechunking_gives_dask_chunks_on_random_chunkings():
    """dask.array.einsum splits the inputs' chunks where the output's blocks would outgrow them
    (outer products above all); the graphs are built, not computed."""
    rng = np.random.default_rng(7)
    shapes = {"i": 40, "j": 30, "k": 50, "b": 6}
    for subscripts in ("ij,jk->ik", "i,j->ij", "bi,bj->bij", "ij,k->ijk", "bij,bjk->bik"):
        for _ in range(6):
            inputs = subscripts.split("->")[0].split(",")
            lazy = [da.zeros(tuple(shapes[c] for c in labels),
                             chunks=tuple(int(rng.integers(1, shapes[c] + 1)) for c in labels))
                    for labels in inputs]
            assert ed.einsum(subscripts, *lazy).chunks == da.einsum(subscripts, *lazy).chunks, (
                subscripts, [a.chunks for a in lazy])


def test_sublists_dtype_and_casting():
    a, b = operands([((4, 6), None), ((6, 5), None)], "float32")
    x, y = da.from_array(a, chunks=(2, 4)), da.from_array(b, chunks=(4, 5))
    result = ed.einsum(x, [0, 1], y, [1, 2], [0, 2], dtype="float64")
    assert result.dtype == np.float64
    assert_close(result.compute(), a.astype(np.float64) @ b.astype(np.float64), "float64")
    with pytest.raises(TypeError, match="according to the rule 'safe'"):
        ed.einsum("ij,jk->ik", x, y, dtype="int32")


def test_numpy_operands_and_scalar_result():
    a = np.arange(12.0).reshape(3, 4)
    result = ed.einsum("ij,ij->", a, a)  # numpy operands become one-chunk dask arrays
    assert isinstance(result, da.Array) and result.shape == ()
    assert result.compute() == np.einsum("ij,ij->", a, a)


def test_tree_reduction_fan_in():
    a, b = operands([((4, 64), None), ((64, 3), None)], "float64")
    x, y = da.from_array(a, chunks=(4, 8)), da.from_array(b, chunks=(8, 3))
    result = ed.einsum("ij,jk->ik", x, y, split_every=2)
    graph = dict(result.__dask_graph__())
    sums = [key for key in graph
            if key[0].startswith(("einjit-einsum-sum-partial", "einjit-einsum-sum-aggregate"))]
    assert len(sums) == 4 + 2 + 1  # 8 partial products summed by pairs, three levels
    for key in sums:
        assert len(get_dependencies(graph, key)) <= 2
    assert_close(result.compute(), a @ b, "float64")


def test_processes_scheduler():
    a = operands([((6, 8), None)], "float64")[0]
    x = da.from_array(a, chunks=(3, 4))
    got = ed.einsum("ij,kj->ik", x, x).compute(scheduler="processes", num_workers=2)
    assert_close(got, a @ a.T, "float64")


def test_tasks_carry_no_compiled_object():
    a, b = operands([((6, 8), None), ((8, 4), None)], "float32")
    einjit.einsum("ij,jk->ik", a[:3, :4], b[:4, :2])  # this process has kernels and plans
    result = ed.einsum("ij,jk->ik", da.from_array(a, chunks=3), da.from_array(b, chunks=4))
    payload = pickle.dumps(dict(result.__dask_graph__()))
    assert b"einjit._einjit" not in payload and b"einjit._engine" not in payload
    assert b"einjit.dask._blocks" in payload


def test_errors_are_raised_before_computing():
    x = da.ones((4, 6), chunks=2)
    with pytest.raises(einjit.Error) as caught:
        ed.einsum("ij,jk->ik", x, da.ones((5, 3), chunks=2))
    assert caught.value.kind == "shape" and "(6 != 5)" in caught.value.message
    with pytest.raises(einjit.Error) as caught:
        ed.einsum("ij,jk->i?", x, x.T)
    assert caught.value.kind == "syntax"
    with pytest.raises(TypeError, match="not uint64"):
        ed.einsum("ij,jk->ik", x.astype(np.uint64), x.T.astype(np.uint64))
    with pytest.raises(TypeError, match="out= is not supported"):
        ed.einsum("ij,jk->ik", x, x.T, out=np.empty((4, 4)))
    unknown = x[x[:, 0] > 0]
    with pytest.raises(ValueError, match="compute_chunk_sizes"):
        ed.einsum("ij,jk->ik", unknown, x.T)


def wrong_blocks(x):
    """Blocks one column wider than the chunks say: only a block's own einsum can notice."""
    return x.map_blocks(np.pad, pad_width=((0, 0), (0, 1)), dtype=x.dtype)


def test_block_error_is_einjits():
    x, y = da.ones((4, 6), chunks=(2, 3)), da.ones((6, 2), chunks=(3, 2))
    with pytest.raises(einjit.Error) as caught:
        ed.einsum("ij,jk->ik", wrong_blocks(x), y).compute()
    assert caught.value.kind == "shape" and "(4 != 3)" in caught.value.message


@pytest.mark.filterwarnings("ignore:Increasing number of chunks")  # the outer product
def test_tensordot_and_matmul():
    a, b = operands([((3, 4, 5), None), ((4, 3, 2), None)], "float64")
    x, y = da.from_array(a, chunks=2), da.from_array(b, chunks=(2, 3, 1))
    for axes in (([1, 0], [0, 1]), 0, ([0], [1])):
        assert_close(ed.tensordot(x, y, axes=axes).compute(), np.tensordot(a, b, axes=axes),
                     "float64")
    c, d = operands([((1, 3, 4), None), ((5, 4, 2), None)], "float32")
    z, w = da.from_array(c, chunks=(1, 2, 2)), da.from_array(d, chunks=(2, 3, 2))
    assert_close(ed.matmul(z, w).compute(), np.matmul(c, d), "float32")
    assert_close(ed.matmul(z[0, 0], w).compute(), np.matmul(c[0, 0], d), "float32")
    with pytest.raises(einjit.Error):
        ed.matmul(z, z)


@pytest.mark.parametrize("text", [
    "bij,bjk->bik", 'np.einsum("bij,bjk", a, b)', "torch.bmm(a, b)",
    'tf.einsum("bij,bjk->bik", a, b)', "a @ b", "tf.matmul(a, b)", "K.batch_dot(a, b)",
    "np.dot(a, b)", "keras.layers.Dot(axes=(2, 1))([a, b])"])
def test_call_texts_equal_einjit_call(text):
    a, b = operands([((3, 4, 5), None), ((3, 5, 2), None)], "float64")
    got = ed.call(text, da.from_array(a, chunks=2), da.from_array(b, chunks=(2, 3, 2)))
    expected = einjit.call(text, a, b)
    assert got.shape == expected.shape
    assert_close(got.compute(), expected, "float64")


def test_calls_with_unit_axes_prologues_and_names():
    x, y = operands([((8, 6), None), ((8, 6), None)], "float32")
    lx, ly = da.from_array(x, chunks=(4, 4)), da.from_array(y, chunks=(3, 2))
    got = ed.call("K.batch_dot(x, y, axes=1)", lx, ly)
    assert got.shape == (8, 1)
    assert_close(got.compute(), einjit.call("K.batch_dot(x, y, axes=1)", x, y), "float32")
    got = ed.call("K.batch_dot(x, y, axes=[1, 1])", y=ly, x=lx)
    assert_close(got.compute(), einjit.call("K.batch_dot(x, y, axes=[1, 1])", x, y), "float32")
    got = ed.call("np.outer(a, b)", lx, ly[0])
    assert_close(got.compute(), np.outer(x, y[0]), "float32")
    c, d = operands([((3, 5), None), ((4, 5), None)], "complex128")
    got = ed.call("tf.matmul(a, b, adjoint_b=True)", da.from_array(c, chunks=2),
                  da.from_array(d, chunks=3))
    assert_close(got.compute(), c @ d.conj().T, "complex128")


def test_dot_normalize_norms_span_chunks():
    x, y = operands([((4, 5, 6), None), ((4, 7, 6), None)], "float64")
    x[0, 0] = 0  # a zero fibre: 0, not NaN, as Keras 3 (max(norm, 1e-7))
    text = "keras.layers.Dot(axes=2, normalize=True)([a, b])"
    got = ed.call(text, da.from_array(x, chunks=(2, 3, 4)), da.from_array(y, chunks=(2, 4, 2)))
    expected = einjit.call(text, x, y)
    assert_close(got.compute(), expected, "float64")
    assert np.all(np.abs(expected) <= 1 + 1e-12) and not np.isnan(expected).any()
    c, d = operands([((3, 4), None), ((3, 4), None)], "complex64")
    got = ed.call(text.replace("axes=2", "axes=1"), da.from_array(c, chunks=2),
                  da.from_array(d, chunks=(3, 3)))
    assert_close(got.compute(), einjit.call(text.replace("axes=2", "axes=1"), c, d), "complex64")
    integers = da.ones((3, 4), dtype=np.int32, chunks=2)
    with pytest.raises(einjit.Error, match="floating-point or complex dtype"):
        ed.call(text.replace("axes=2", "axes=1"), integers, integers)


def test_register_routes_dask_einsum_and_tensordot():
    a, b = operands([((10, 14), None), ((14, 11), None)], "float32")  # blocks no other test has
    x, y = da.from_array(a, chunks=(5, 7)), da.from_array(b, chunks=(7, 11))
    engine = ed.engine()
    ed.register()
    try:
        assert ed.registered_here()
        assert einsum_lookup.dispatch(np.ndarray) is not np.einsum
        before = engine.statistics()["misses"]
        assert_close(da.einsum("ij,jk->ik", x, y).compute(), a @ b, "float32")
        assert_close(da.tensordot(x, y, axes=1).compute(), a @ b, "float32")
        assert engine.statistics()["misses"] > before
        # dtypes einjit does not compute go to numpy, unchanged
        u = da.from_array(np.arange(12, dtype=np.uint64).reshape(3, 4), chunks=2)
        assert np.array_equal(da.einsum("ij,kj->ik", u, u).compute(),
                              np.einsum("ij,kj->ik", u.compute(), u.compute()))
    finally:
        ed.unregister()
    assert not ed.registered_here()
    assert einsum_lookup.dispatch(np.ndarray) is np.einsum
    assert tensordot_lookup.dispatch(np.ndarray) is np.tensordot


def test_processes_fill_one_disk_cache_at_once(tmp_path):
    context = multiprocessing.get_context("spawn")
    count = 3
    barrier, queue = context.Barrier(count), context.Queue()
    processes = [context.Process(target=fill_disk_cache, args=(str(tmp_path), barrier, queue),
                                 daemon=True) for _ in range(count)]
    for process in processes:
        process.start()
    reports = [queue.get(timeout=120) for _ in processes]
    for process in processes:
        process.join(timeout=60)
        assert process.exitcode == 0
    for errors, statistics in reports:
        assert max(errors) < 1e-12
        assert statistics["disk_rejects"] == 0 and statistics["failures"] == 0
    assert sum(s["disk_writes"] for _, s in reports) >= 1
    # A fourth engine finds every kernel on disk: nothing compiled.
    engine = einjit.Engine(cache_dir=tmp_path)
    for k, (subscripts, shapes) in enumerate(FILL_CASES):
        arrays = [np.random.default_rng(k).uniform(-1, 1, s) for s in shapes]
        assert_close(engine.einsum(subscripts, *arrays), np.einsum(subscripts, *arrays),
                     "float64")
    statistics = engine.statistics()
    assert statistics["misses"] > 0 and statistics["disk_hits"] == statistics["misses"]
    assert statistics["disk_rejects"] == 0
