"""einjit.dask on a distributed.LocalCluster of two worker processes (one thread each) sharing
one disk kernel cache: every case of dask_cases gives numpy's and dask.array.einsum's answers; each worker plans a block
signature once (a second run compiles nothing) and their kernels land in the disk cache they
share (a fresh engine on it compiles nothing); an einjit error raised in a worker reaches the
client with its kind and message; register() reaches the workers (one that joins later too) and
unregister() takes it back."""

import time

import dask.array as da
import distributed
import numpy as np
import pytest
from dask_cases import CASES, IDS, assert_close, operands

import einjit
import einjit.dask as ed


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    cache = tmp_path_factory.mktemp("dask-kernel-cache")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None, env={"EINJIT_CACHE_DIR": str(cache)},
                                  worker_dashboard_address=None) as cluster:
        with distributed.Client(cluster) as client:
            client.cache_dir = cache
            client.wait_for_workers(2, timeout=120)
            yield client


def compute(client, graph):
    """The graph's value (or values of a list of graphs), within a bound: a stuck cluster fails
    the test instead of CI."""
    futures = client.compute(graph)
    distributed.wait(futures, timeout=120)
    return client.gather(futures)


def lazy(arrays, shapes_chunks):
    return [da.from_array(a, chunks=c) for a, (_, c) in zip(arrays, shapes_chunks)]


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_einsum_on_two_worker_processes(client, case):
    _, subscripts, shapes_chunks, dtype = case
    arrays = operands(shapes_chunks, dtype)
    inputs = lazy(arrays, shapes_chunks)
    result, reference = ed.einsum(subscripts, *inputs), da.einsum(subscripts, *inputs)
    assert result.chunks == reference.chunks
    computed, theirs = compute(client, [result, reference])
    expected = np.einsum(subscripts, *arrays)
    assert computed.dtype == expected.dtype
    assert_close(computed, expected, dtype)
    assert_close(computed, theirs.astype(expected.dtype), dtype)  # dask's int sums promote


def test_workers_plan_once_and_share_the_disk_cache(client):
    pids = {s["pid"] for s in ed.statistics(client).values()}
    assert len(pids) == 2  # two worker processes, neither of them this one
    a, b = operands([((8, 6, 10), None), ((8, 10, 4), None)], "float32")
    # 8 tasks of one block signature (batch split in 8), spread over both workers
    result = ed.einsum("bij,bjk->bik", da.from_array(a, chunks=(1, 6, 10)),
                       da.from_array(b, chunks=(1, 10, 4)))
    before = ed.statistics(client)
    assert_close(compute(client, result), np.einsum("bij,bjk->bik", a, b), "float32")
    first = ed.statistics(client)
    assert_close(compute(client, result), np.einsum("bij,bjk->bik", a, b), "float32")
    second = ed.statistics(client)
    compiled = {w: first[w]["misses"] - before[w]["misses"] for w in first}
    again = {w: second[w]["misses"] - first[w]["misses"] for w in second}
    # one signature: a worker that ran blocks fetched its kernels once (compiled, or read from
    # the disk cache the other worker wrote), whatever the number of blocks it ran; in the
    # second run it fetched nothing (a worker idle in the first run may fetch them then)
    local = einjit.Engine(cache_dir=False)
    local.einsum("bij,bjk->bik", a[:1], b[:1])
    per_signature = local.statistics()["misses"]
    assert sum(compiled.values()) >= 1
    assert all(compiled[w] + again[w] <= per_signature for w in compiled)
    assert all(again[w] == 0 for w in compiled if compiled[w] > 0)
    assert all(s["disk_rejects"] == 0 and s["failures"] == 0 for s in second.values())
    # the disk cache the workers share holds them: a fresh engine on it compiles nothing
    engine = einjit.Engine(cache_dir=client.cache_dir)
    engine.einsum("bij,bjk->bik", a[:1], b[:1])
    assert engine.statistics()["misses"] > 0
    assert engine.statistics()["disk_hits"] == engine.statistics()["misses"]


def test_worker_error_reaches_the_client(client):
    x, y = da.ones((4, 6), chunks=(2, 3)), da.ones((6, 2), chunks=(3, 2))
    wrong = x.map_blocks(np.pad, pad_width=((0, 0), (0, 1)), dtype=x.dtype)  # blocks 4 wide
    with pytest.raises(einjit.Error) as caught:
        compute(client, ed.einsum("ij,jk->ik", wrong, y))
    assert caught.value.kind == "shape"
    assert "subscript 'j'" in caught.value.message and "(4 != 3)" in caught.value.message


def test_register_reaches_the_workers(client):
    a, b = operands([((10, 14), None), ((14, 11), None)], "float64")  # blocks no other test has
    x, y = da.from_array(a, chunks=(5, 7)), da.from_array(b, chunks=(7, 11))
    ed.register(client)
    try:
        assert all(client.run(ed.registered_here).values())
        before = ed.statistics(client)
        assert_close(compute(client, da.einsum("ij,jk->ik", x, y)), a @ b, "float64")
        after = ed.statistics(client)
        assert sum(after[w]["misses"] - before[w]["misses"] for w in after) > 0
        # a worker that joins later gets it too (the plugin), and leaves again
        client.cluster.scale(3)
        client.wait_for_workers(3, timeout=120)
        joined = client.run(ed.registered_here)
        assert len(joined) == 3 and all(joined.values())
    finally:
        ed.unregister(client)
        client.cluster.scale(2)
        deadline = time.monotonic() + 120
        while len(client.scheduler_info()["workers"]) > 2 and time.monotonic() < deadline:
            time.sleep(0.1)
    assert not any(client.run(ed.registered_here).values())
    assert not ed.registered_here()
