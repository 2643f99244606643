"""Cached-call overhead from Python: einjit.einsum against np.einsum and opt_einsum.contract on
a 2x2x2 contraction (bij,bjk->bik, float64), where the arithmetic is negligible and the time is
the call's overhead. Prints one Markdown table: medians of repeated timeit runs, in one run.

    build-python/venv/bin/python bench/python/overhead.py [--repeat 15] [--number 20000]
"""

import argparse
import os
import platform
import statistics
import timeit

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


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--number", type=int, default=20000)
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
        ("einjit extension try_einsum (einjit.einsum without its Python wrapper)",
         lambda: engine._engine.try_einsum(subscripts, (a, b))),
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
    print(f"\nload average {os.getloadavg()[0]:.2f} at the end")


if __name__ == "__main__":
    main()
