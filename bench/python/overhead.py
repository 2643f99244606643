"""Cached-call overhead from Python: einjit.einsum against np.einsum and opt_einsum.contract on
a 2x2x2 contraction (bij,bjk->bik, float64), where the arithmetic is negligible and the time is
the call's overhead; then einjit.einsum against the C++ Engine::einsum on the contraction the
C++ benchmark times (ik,kj->ij, 2x2 float32, into an existing output), the C++ side run by
einjit_bench (bench/README.md) before and after the Python rows. Prints Markdown tables:
medians of repeated timeit runs, in one run.

    build-python/venv/bin/python bench/python/overhead.py [--repeat 15] [--number 20000]
                                                          [--cxx-bench build-bench/bench/einjit_bench]
"""

import argparse
import json
import os
import platform
import statistics
import subprocess
import timeit
from pathlib import Path

import numpy as np

import einjit


def interleaved_us(rows, repeat, number):
    """Per row, the median and min microseconds per call; the rows take turns in every repeat,
    so that load from other programs falls on all of them alike."""
    for _, call in rows:
        call()  # compile / warm up
    runs = {name: [] for name, _ in rows}
    for _ in range(repeat):
        for name, call in rows:
            runs[name].append(timeit.timeit(call, number=number) / number * 1e6)
    return {name: (statistics.median(times), min(times)) for name, times in runs.items()}


REPO = Path(__file__).resolve().parents[2]


def cxx_engine_einsum_ns(binary, repeat):
    """The C++ Engine::einsum's cached call (cached_call/engine_einsum/2x2x2), median ns of
    `repeat` Google Benchmark repetitions, or None when the binary is missing."""
    if not binary or not Path(binary).exists():
        return None
    result = subprocess.run([binary, "--benchmark_filter=cached_call/engine_einsum/2x2x2$",
                             f"--benchmark_repetitions={repeat}", "--benchmark_min_time=0.2",
                             "--benchmark_report_aggregates_only=true",
                             "--benchmark_format=json"], check=True, capture_output=True,
                            text=True)
    for entry in json.loads(result.stdout)["benchmarks"]:
        if entry.get("aggregate_name") == "median":
            scale = {"ns": 1, "us": 1e3, "ms": 1e6}[entry["time_unit"]]
            return entry["real_time"] * scale
    return None


def versus_cxx(args):
    """einjit.einsum from Python against the C++ Engine::einsum on the same contraction."""
    a = np.ones((2, 2), np.float32)
    b = np.full((2, 2), 2, np.float32)
    out = np.empty((2, 2), np.float32)
    engine = einjit.Engine(cache_dir=False)
    rows = [("einjit.einsum('ik,kj->ij', a, b, out=out)",
             lambda: einjit.einsum("ik,kj->ij", a, b, out=out, engine=engine)),
            ("einjit.einsum('ik,kj->ij', a, b)",
             lambda: einjit.einsum("ik,kj->ij", a, b, engine=engine))]
    before = cxx_engine_einsum_ns(args.cxx_bench, args.repeat)
    if before is None:
        print(f"\n(no C++ comparison: {args.cxx_bench} not found; bench/README.md builds it)")
        return
    results = interleaved_us(rows, args.repeat, args.number)
    after = cxx_engine_einsum_ns(args.cxx_bench, args.repeat)
    assert np.allclose(out, a @ b)
    cxx_us = statistics.median([before, after]) / 1000
    print(f"\nik,kj->ij on 2x2 float32, median (min) of {args.repeat} x {args.number} calls; "
          f"C++ Engine::einsum (einjit_bench cached_call/engine_einsum/2x2x2, median of "
          f"{args.repeat} repetitions) before {before:.0f} ns and after {after:.0f} ns\n")
    print("| call | median us | min us | above C++ Engine::einsum, us |")
    print("|---|---|---|---|")
    print(f"| C++ Engine::einsum(..., out) | {cxx_us:.3f} | | |")
    for name, _ in rows:
        median, best = results[name]
        print(f"| {name} | {median:.2f} | {best:.2f} | {median - cxx_us:.2f} |")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--number", type=int, default=20000)
    parser.add_argument("--cxx-bench", default=str(REPO / "build-bench" / "bench" / "einjit_bench"),
                        help="einjit_bench, for the C++ Engine::einsum row")
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal((2, 2, 2)), rng.standard_normal((2, 2, 2))
    subscripts = "bij,bjk->bik"
    engine = einjit.Engine(cache_dir=False)
    plan = engine.compile(subscripts, a.shape, b.shape, dtype="float64")
    rows = [("np.einsum", lambda: np.einsum(subscripts, a, b))]
    try:
        import opt_einsum
        rows.append(("opt_einsum.contract", lambda: opt_einsum.contract(subscripts, a, b)))
    except ImportError:
        pass
    rows += [
        ("einjit.einsum", lambda: einjit.einsum(subscripts, a, b, engine=engine)),
        ("einjit Plan (compiled once)", lambda: plan(a, b)),
        ("einjit extension einsum_fast (einjit.einsum without its Python wrapper)",
         lambda: einjit._einjit.einsum_fast((subscripts, a, b), None, engine._engine)),
    ]
    for expected in (np.einsum(subscripts, a, b),):
        assert np.allclose(einjit.einsum(subscripts, a, b, engine=engine), expected)
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
          f"load average {os.getloadavg()[0]:.2f} at start; numpy {np.__version__}, "
          f"einjit {einjit.__version__}, Python {platform.python_version()}")
    print(f"{subscripts} on 2x2x2 float64, median (min) of {args.repeat} x {args.number} calls, rows interleaved\n")
    print("| call | median us | min us |")
    print("|---|---|---|")
    results = interleaved_us(rows, args.repeat, args.number)
    for name, _ in rows:
        median, best = results[name]
        print(f"| {name} | {median:.2f} | {best:.2f} |")
    versus_cxx(args)
    print(f"\nload average {os.getloadavg()[0]:.2f} at the end")


if __name__ == "__main__":
    main()
