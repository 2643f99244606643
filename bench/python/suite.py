"""The BENCH.md suite from Python: einjit.einsum against np.einsum(optimize=True),
opt_einsum.contract and torch.einsum (when torch is installed), the same operands and one
thread each (einjit threads=1; OPENBLAS/MKL/OMP threads set to 1 before numpy loads). Kernels
are compiled before timing. Prints one Markdown table: median milliseconds of repeated runs and
each peer's time over einjit's (> 1: einjit is faster), all in one run.

    build-python/venv/bin/python bench/python/suite.py [--repeat 7] [--cases S1,S2,...]
"""

import os

for _variable in ("OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "OMP_NUM_THREADS"):
    os.environ.setdefault(_variable, "1")

import argparse  # noqa: E402
import platform  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402

import einjit  # noqa: E402

# id, subscripts, extents per label (BENCH.md; fp32).
CASES = [
    ("S1", "ik,kj->ij", dict(i=1024, j=1024, k=1024)),
    ("S2", "bik,bkj->bij", dict(b=256, i=64, j=64, k=64)),
    ("B8", "bik,bkj->bij", dict(b=10000, i=8, j=8, k=8)),
    ("B16", "bik,bkj->bij", dict(b=10000, i=16, j=16, k=16)),
    ("B32", "bik,bkj->bij", dict(b=10000, i=32, j=32, k=32)),
    ("B64", "bik,bkj->bij", dict(b=64, i=64, j=64, k=64)),
    ("S3", "btf,bsf->bts", dict(b=64, t=128, s=128, f=64)),
    ("S4", "bts,bsf->btf", dict(b=64, t=128, s=128, f=64)),
    ("S5", "abcd,dbef->acef", dict(a=32, c=32, e=32, f=32, b=24, d=24)),
    ("S6", "abk,ckd->abcd", dict(a=64, b=64, k=256, c=16, d=64)),
    ("S7", "ijkl,klm->ijm", dict(i=64, j=64, k=32, l=32, m=128)),
    ("S8", "bi,ij,bj->b", dict(b=4096, i=256, j=256)),
    ("S9", "ij,jk,kl->il", dict(i=1024, j=16, k=1024, l=16)),
    ("S10", "abij,ijcd->abcd", dict(a=24, b=24, c=24, d=24, i=16, j=16)),
    ("S11", "bi,bi->b", dict(b=1_000_000, i=16)),
    ("S12", "i,j->ij", dict(i=4096, j=4096)),
]


def median_ms(call, repeat):
    call()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1e3


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--cases", default="")
    args = parser.parse_args()
    chosen = set(args.cases.split(",")) if args.cases else None
    rng = np.random.default_rng(0)
    engine = einjit.Engine()
    peers = [("np.einsum(optimize=True)", lambda s, ops: np.einsum(s, *ops, optimize=True))]
    try:
        import opt_einsum
        peers.append(("opt_einsum", lambda s, ops: opt_einsum.contract(s, *ops)))
    except ImportError:
        pass
    try:
        import torch
        torch.set_num_threads(1)
        peers.append(("torch.einsum", lambda s, ops: torch.einsum(s, *ops)))
    except ImportError:
        torch = None
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, {engine.target}; load "
          f"average {os.getloadavg()[0]:.2f} at start (a shared machine); numpy "
          f"{np.__version__}; 1 thread each; median of {args.repeat} runs after a warm-up\n")
    header = "| case | subscripts | einjit ms | " + " | ".join(
        f"{name} ms | {name} / einjit" for name, _ in peers) + " |"
    print(header)
    print("|" + "---|" * (3 + 2 * len(peers)))
    for case, subscripts, extents in CASES:
        if chosen and case not in chosen:
            continue
        inputs = subscripts.split("->")[0].split(",")
        ops = [rng.standard_normal([extents[c] for c in labels]).astype(np.float32)
               for labels in inputs]
        # The extension's einsum: einjit.einsum's own path, with threads=1 (numpy's signature
        # has no thread count); it allocates its result as the peers do.
        ours = median_ms(lambda: engine._engine.einsum(subscripts, ops, threads=1), args.repeat)
        cells = [case, f"`{subscripts}`", f"{ours:.3f}"]
        for name, run in peers:
            operands = [torch.from_numpy(o) for o in ops] if name.startswith("torch") else ops
            theirs = median_ms(lambda: run(subscripts, operands), args.repeat)
            cells += [f"{theirs:.3f}", f"{theirs / ours:.2f}"]
        print("| " + " | ".join(cells) + " |", flush=True)


if __name__ == "__main__":
    main()
