"""einjit under Dask against dask.array.einsum (numpy blocks) on a distributed.LocalCluster of
this machine: a chunked batched matmul, a chunked transposed contraction (abcd,dbef->acef) and a
chunked three-operand chain. The operands are random arrays made and persisted on the workers
(not timed); each row is the median wall time of `.compute()` of the contraction (the result
comes back to this process) after a first run, timed apart (einjit's kernels are compiled or read
from disk there). Peers: dask.array.einsum as Dask calls it by default (optimize=False: numpy's
own loops per block), with optimize=True (numpy's pairwise path through BLAS), and Dask's own
graph with einjit computing its blocks (einjit.dask.register). One cluster of
one worker process, then one of two (one thread each; BLAS threads 1), on a fresh disk cache.
With --large, the same three contractions at sizes where each worker has about a second of
block work (the small ones are a few milliseconds per task, too little to show what a second worker
gives); numpy's default per-block loops are left out there (minutes per run). Prints the Markdown
table; with --output FILE, replaces the part of FILE between the lines <!-- measured --> and
<!-- /measured --> (<!-- measured-large --> and <!-- /measured-large --> with --large;
bench/DASK.md's prose around it stays), or adds that part at the end of FILE.

    build-python/venv/bin/python bench/python/dask_bench.py [--repeat 5] [--large] \
        [--output bench/DASK.md]
"""

import os

for _variable in ("OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "OMP_NUM_THREADS"):
    os.environ[_variable] = "1"  # the workers inherit it: one thread each, numpy and einjit

import argparse  # noqa: E402
import datetime  # noqa: E402
import platform  # noqa: E402
import shutil  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402

import dask  # noqa: E402
import dask.array as da  # noqa: E402
import distributed  # noqa: E402
import numpy as np  # noqa: E402

import einjit  # noqa: E402
import einjit.dask as ed  # noqa: E402

# id, what, subscripts, [(shape, chunks) per operand]; float32.
CASES = [
    ("batched matmul", "bij,bjk->bik", [((512, 32, 512), (128, 32, 256)),
                                        ((512, 512, 32), (128, 256, 32))]),
    ("transposed", "abcd,dbef->acef", [((24, 32, 24, 32), (12, 32, 24, 16)),
                                       ((32, 32, 24, 24), (16, 32, 24, 12))]),
    ("3-operand chain", "ij,jk,kl->il", [((512, 64), (256, 64)), ((64, 512), (64, 256)),
                                         ((512, 32), (256, 32))]),
]

# The same contractions with about a second of block work per worker at one worker: a tree of two
# partial sums per output block on the batched matmul and the transposed contraction.
LARGE_CASES = [
    ("batched matmul", "bij,bjk->bik", [((64, 256, 8192), (16, 256, 4096)),
                                        ((64, 8192, 256), (16, 4096, 256))]),
    ("transposed", "abcd,dbef->acef", [((48, 64, 48, 64), (24, 64, 48, 32)),
                                       ((64, 64, 48, 48), (32, 64, 48, 24))]),
    ("3-operand chain", "ij,jk,kl->il", [((4096, 512), (2048, 512)), ((512, 4096), (512, 2048)),
                                         ((4096, 4096), (2048, 2048))]),
]

PEERS = [
    ("einjit.dask.einsum", lambda s, ops: ed.einsum(s, *ops)),
    ("dask.array.einsum", lambda s, ops: da.einsum(s, *ops)),
    ("dask.array.einsum(optimize=True)", lambda s, ops: da.einsum(s, *ops, optimize=True)),
    # Dask's own graph, its blocks computed by einjit (einjit.dask.register(client))
    ("dask.array.einsum, registered", lambda s, ops: da.einsum(s, *ops)),
]


def timed(function, repeat):
    """(the first run's seconds: einjit compiles or loads its kernels there, the median of
    `repeat` more, the last result)."""
    times = []
    for _ in range(repeat + 1):
        start = time.perf_counter()
        value = function()
        times.append(time.perf_counter() - start)
    return times[0], statistics.median(times[1:]), value


def measure(workers, repeat, cases, peers):
    """{(case, peer): (first, median) seconds} on a cluster of `workers` worker processes."""
    results = {}
    with distributed.LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster:
        with distributed.Client(cluster) as client:
            for case, subscripts, operands in cases:
                arrays = [da.random.default_rng(k).random(shape, dtype=np.float32,
                                                          chunks=chunks)
                          for k, (shape, chunks) in enumerate(operands)]
                arrays = client.persist(arrays)
                distributed.wait(arrays)
                expected = None
                for peer, build in peers:
                    registered = peer.endswith("registered")
                    if registered:
                        ed.register(client)
                    graph = build(subscripts, arrays)
                    first, median, value = timed(graph.compute, repeat)
                    results[(case, peer)] = first, median
                    if registered:
                        ed.unregister(client)
                    if expected is None:
                        expected = value
                    else:  # the peers agree (float32 sums of up to 8192 terms of [0, 1))
                        np.testing.assert_allclose(value, expected, rtol=1e-3, atol=1e-1)
                del arrays
    return results


def commit():
    try:
        return subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True,
                              text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "?"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--output", default="")
    parser.add_argument("--large", action="store_true",
                        help="the sizes with about a second of block work per worker")
    args = parser.parse_args()
    cases = LARGE_CASES if args.large else CASES
    # numpy's default loops take minutes per run at the large sizes
    peers = [p for p in PEERS if not (args.large and p[0] == "dask.array.einsum")]
    # A fresh disk cache: the one-worker cluster compiles, the two-worker one loads from disk.
    cache = tempfile.mkdtemp(prefix="einjit-dask-bench-")
    os.environ["EINJIT_CACHE_DIR"] = cache
    load_before = os.getloadavg()
    started = time.perf_counter()
    one = measure(1, args.repeat, cases, peers)
    two = measure(2, args.repeat, cases, peers)
    shutil.rmtree(cache, ignore_errors=True)
    load_after = os.getloadavg()
    elapsed = time.perf_counter() - started
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        f"Measured {now} at commit {commit()}: {platform.machine()}, {os.cpu_count()} cores, "
        f"einjit target {einjit.default_engine().target}; Python {platform.python_version()}, "
        f"numpy {np.__version__}, dask {dask.__version__}, distributed "
        f"{distributed.__version__}. Load average (1, 5, 15 min) {_load(load_before)} before "
        f"and {_load(load_after)} after the run ({elapsed:.0f} s).",
        "",
        f"Median of {args.repeat} `.compute()` wall times after a first run (timed apart: "
        "einjit compiles its kernels there on the one-worker cluster and reads them from the "
        "disk cache on the two-worker one), float32, worker processes with one thread each:",
        "",
        "| case | peer | 1 worker s | 2 workers s | 1→2 speed-up | peer / einjit, 1 worker "
        "| peer / einjit, 2 workers | first run s, 1 / 2 workers |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for case, subscripts, operands in cases:
        ours1, ours2 = one[(case, peers[0][0])][1], two[(case, peers[0][0])][1]
        for peer, _ in peers:
            (f1, t1), (f2, t2) = one[(case, peer)], two[(case, peer)]
            lines.append(f"| {case} | {peer} | {t1:.3f} | {t2:.3f} | {t1 / t2:.2f} "
                         f"| {t1 / ours1:.2f} | {t2 / ours2:.2f} | {f1:.3f} / {f2:.3f} |")
    lines += ["", "Shapes / chunks:", ""]
    for case, subscripts, operands in cases:
        shapes = "; ".join(f"{'×'.join(map(str, s))} / {'×'.join(map(str, c))}"
                           for s, c in operands)
        lines.append(f"- {case}: `{subscripts}`, {shapes}")
    text = "\n".join(lines) + "\n"
    if args.output:
        _write(args.output, text, "measured-large" if args.large else "measured")
    print(text)


def _write(path, measured, marker):
    begin, end = f"<!-- {marker} -->\n", f"<!-- /{marker} -->\n"
    try:
        with open(path, encoding="utf-8") as handle:
            current = handle.read()
    except FileNotFoundError:
        current = ""
    if begin in current and end in current:
        head, rest = current.split(begin, 1)
        text = head + begin + measured + end + rest.split(end, 1)[1]
    else:  # a file without that part keeps its text; the part goes at its end
        text = current + ("\n" if current else "") + begin + measured + end
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(text)


def _load(values):
    return ", ".join(f"{v:.1f}" for v in values)


if __name__ == "__main__":
    main()
