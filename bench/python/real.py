"""The real-workload suite (issue 18): contractions taken from public code (real_cases.py, each
cited), einjit against np.einsum(optimize=True), JAX jnp.einsum under jax.jit (XLA:CPU), TBLIS
(pytblis.einsum) and torch.einsum when torch imports. One process per thread count, pinned with
taskset (1 thread: core 0; 2 threads: cores 0,1), every library's own thread setting at that
count. Each peer's result is checked against numpy's before timing; times are medians of
repeated runs with the peers interleaved in every repetition. Writes a Markdown report.

    python3 bench/python/real.py --setup          # build-bench/real-venv: jax[cpu], pytblis, numpy
    build-bench/real-venv/bin/python bench/python/real.py [--threads 1,2] [--repeat 5]
        [--cases W1,A1,...] [--classes complex,...] [--output build-bench/real-results.md]

einjit comes from build-python/venv (`bash scripts/python-test.sh`, or `pip install .` into it):
--setup links that venv's einjit package into real-venv with a .pth file, so the bench-only
packages never enter the project's venv or CI. torch: PyPI's Linux wheel is the CUDA build;
--setup --torch tries `pip install --no-deps torch` into real-venv (see REAL.md).
"""

import argparse
import json
import math
import os
import pathlib
import statistics
import subprocess
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parents[2]
VENV = ROOT / "build-bench" / "real-venv"
# Versions measured in REAL.md.
PACKAGES = ["jax[cpu]==0.10.2", "jaxlib==0.10.2", "pytblis==0.0.16", "numpy==2.4.6"]

TOLERANCE = {"float32": 2e-4, "complex64": 2e-4, "float64": 1e-10, "complex128": 1e-10}


def setup(with_torch):
    """The bench venv: bench-only packages, and einjit linked in from build-python/venv."""
    if not (VENV / "bin" / "python").exists():
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
    pip = [str(VENV / "bin" / "python"), "-m", "pip", "--disable-pip-version-check", "-q"]
    subprocess.run(pip + ["install"] + PACKAGES, check=True)
    if with_torch:
        subprocess.run(pip + ["install", "--no-deps", "torch"], check=False)
    source = ROOT / "build-python" / "venv" / "lib"
    found = sorted(source.glob("python3*/site-packages/einjit"))
    if not found:
        sys.exit("no einjit in build-python/venv: run `bash scripts/python-test.sh` first")
    link_dir = VENV / "einjit-link"
    link_dir.mkdir(exist_ok=True)
    link = link_dir / "einjit"
    if link.is_symlink() or link.exists():
        link.unlink()
    link.symlink_to(found[-1])
    site = subprocess.run([str(VENV / "bin" / "python"), "-c",
                           "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          check=True, capture_output=True, text=True).stdout.strip()
    pathlib.Path(site, "einjit-link.pth").write_text(str(link_dir) + "\n")
    print(f"ready: {VENV / 'bin' / 'python'} {pathlib.Path(__file__).relative_to(ROOT)}")


def thread_environment(threads):
    env = dict(os.environ)
    for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
                 "TBLIS_NUM_THREADS", "NUMEXPR_NUM_THREADS"):
        env[name] = str(threads)
    eigen = "false" if threads == 1 else "true"
    env["XLA_FLAGS"] = (f"--xla_cpu_multi_thread_eigen={eigen} "
                        f"intra_op_parallelism_threads={threads}")
    env["OMP_WAIT_POLICY"] = "PASSIVE"
    env.setdefault("JAX_PLATFORMS", "cpu")
    return env


# ---------------------------------------------------------------------------------------------
# Worker: one thread count, one process.

def operands_for(case, rng):
    import numpy as np
    inputs = case["subscripts"].split("->")[0].split(",")
    ops = []
    for labels in inputs:
        shape = [case["extents"][c] for c in labels]
        dtype = np.dtype(case["dtype"])
        if dtype.kind == "c":
            value = rng.uniform(-1, 1, shape) + 1j * rng.uniform(-1, 1, shape)
        else:
            value = rng.uniform(-1, 1, shape)
        ops.append(np.ascontiguousarray(value.astype(dtype)))
    return ops


def relative_error(result, expected):
    import numpy as np
    result = np.asarray(result)
    if result.shape != expected.shape:
        return math.inf
    scale = float(np.max(np.abs(expected))) or 1.0
    return float(np.max(np.abs(result.astype(expected.dtype) - expected))) / scale


def numpy_optimize(subscripts, ops):
    """np.einsum's optimize argument for the numpy and TBLIS peers: True (numpy's greedy path,
    as a user calls it), unless that path costs over 20x the flops of opt_einsum's path -- numpy
    caps intermediates at the largest input's size and then falls back to a naive many-operand
    loop (the DMRG case: 4e11 flops instead of 2e8) -- in which case opt_einsum's path, given as
    an explicit contraction list (documented input of both), and a note saying so."""
    import numpy as np
    if subscripts.count(",") < 2:
        return True, None
    import opt_einsum
    _, text = np.einsum_path(subscripts, *ops, optimize=True)
    greedy = float(text.split("Optimized FLOP count:")[1].split()[0])
    path, info = opt_einsum.contract_path(subscripts, *ops)
    if greedy <= 20 * max(float(info.opt_cost), 1.0):
        return True, None
    note = (f"optimize=True's path costs {greedy:.1e} flops (intermediates capped at the "
            f"largest input); given opt_einsum's path ({float(info.opt_cost):.1e}) instead")
    return ["einsum_path"] + list(path), note


def strategies(plan):
    """The strategy line of every loop nest in the plan's explanation, e.g. 'packed' or
    'packed+direct' for a path of two steps."""
    found = []
    for line in plan.explain("loops").splitlines():
        if "strategy " in line and line.lstrip().startswith("loop nest"):
            found.append(line.split("strategy ", 1)[1].split()[0].strip(","))
    return "+".join(found) or "?"


def make_peers(threads):
    """(name, prepare) pairs: prepare(subscripts, ops) returns a call taking no arguments whose
    result converts to a numpy array, or raises when the peer cannot compute the case."""
    import numpy as np
    import einjit
    peers = []
    engine = einjit.Engine(cache_dir=str(ROOT / "build-bench" / "real-kernel-cache"))

    def prepare_einjit(subscripts, ops):
        plan = engine.compile(subscripts, *[o.shape for o in ops], dtype=str(ops[0].dtype))
        prepare_einjit.strategy = strategies(plan)
        return lambda: plan(*ops, threads=threads)
    peers.append(("einjit", prepare_einjit))
    peers.append(("numpy", lambda s, ops: (lambda: np.einsum(s, *ops,
                                                            optimize=numpy_optimize.arg))))
    try:
        import jax
        jax.config.update("jax_enable_x64", True)
        import jax.numpy as jnp

        def prepare_jax(subscripts, ops):
            device_ops = [jax.device_put(o) for o in ops]
            function = jax.jit(lambda *a: jnp.einsum(subscripts, *a))
            return lambda: function(*device_ops).block_until_ready()
        peers.append(("jax", prepare_jax))
    except ImportError as error:
        print(f"jax left out: {error}", file=sys.stderr)
    try:
        import pytblis
        pytblis.set_num_threads(threads)
        peers.append(("tblis", lambda s, ops: (
            lambda: pytblis.einsum(s, *ops, optimize=numpy_optimize.arg))))
    except ImportError as error:
        print(f"pytblis left out: {error}", file=sys.stderr)
    try:
        import torch
        torch.set_num_threads(threads)

        def prepare_torch(subscripts, ops):
            tensors = [torch.from_numpy(o) for o in ops]
            return lambda: torch.einsum(subscripts, *tensors)
        peers.append(("torch", prepare_torch))
    except Exception as error:  # ImportError or OSError (missing CUDA libraries)
        print(f"torch left out: {type(error).__name__}: {error}", file=sys.stderr)
    return peers


def versions():
    """The measured libraries' versions and einjit's target, for the report."""
    import importlib.metadata
    import platform
    import einjit
    found = {"python": platform.python_version(),
             "einjit target": einjit.Engine(cache_dir=False).target}
    for name in ("einjit", "numpy", "jax", "jaxlib", "pytblis", "opt_einsum", "torch"):
        try:
            found[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            pass
    return found


def worker(args):
    import numpy as np
    sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
    from real_cases import CASES
    peers = make_peers(args.threads)
    chosen = set(args.cases.split(",")) if args.cases else None
    classes = set(args.classes.split(",")) if args.classes else None
    rng = np.random.default_rng(0)
    report = {"threads": args.threads, "peers": [name for name, _ in peers], "cases": {},
              "load_start": os.getloadavg(), "affinity": sorted(os.sched_getaffinity(0)),
              "versions": versions()}
    started = time.time()
    for case in CASES:
        if (chosen and case["id"] not in chosen) or (classes and case["class"] not in classes):
            continue
        ops = operands_for(case, rng)
        subscripts = case["subscripts"]
        numpy_optimize.arg, path_note = numpy_optimize(subscripts, ops)
        expected = np.einsum(subscripts, *ops, optimize=numpy_optimize.arg)
        calls, row = [], {"times": {}, "errors": {}, "notes": {}}
        if path_note:
            row["notes"]["numpy"] = row["notes"]["tblis"] = path_note
        for name, prepare in peers:
            try:
                call = prepare(subscripts, ops)
                result = np.asarray(call())  # compiles (einjit, JAX) and warms up
                error = relative_error(result, expected)
                if not error <= TOLERANCE[case["dtype"]]:
                    row["errors"][name] = f"differs from numpy: rel. error {error:.1e}"
                    continue
                start = time.perf_counter()
                call()
                once = time.perf_counter() - start
            except Exception as failure:  # a peer that cannot compute the case
                row["errors"][name] = f"{type(failure).__name__}: {str(failure)[:120]}"
                continue
            # Calls per sample so that a sample lasts >= 2 ms (timer and loop noise); a peer
            # slower than 1.5 s is timed twice, not `repeat` times.
            number = max(1, int(0.002 / max(once, 1e-7)))
            calls.append((name, call, number, 2 if once > 1.5 else args.repeat))
        row["strategy"] = getattr(peers[0][1], "strategy", "?")
        samples = {name: [] for name, _, _, _ in calls}
        for repetition in range(args.repeat):
            for name, call, number, wanted in calls:  # interleaved: load falls on all alike
                if repetition >= wanted:
                    continue
                start = time.perf_counter()
                for _ in range(number):
                    call()
                samples[name].append((time.perf_counter() - start) / number)
        row["min"] = {}
        for name, times in samples.items():
            row["times"][name] = statistics.median(times) * 1e3
            row["min"][name] = min(times) * 1e3
            if len(times) < args.repeat:
                row["notes"][name] = "; ".join(filter(None, [row["notes"].get(name),
                                                            f"{len(times)} runs"]))
        report["cases"][case["id"]] = row
        shown = ", ".join(f"{n} {t:.3g}" for n, t in row["times"].items())
        print(f"[t{args.threads}] {case['id']:5} {row['strategy']:16} {shown} ms"
              + (f"  errors: {row['errors']}" if row["errors"] else ""), file=sys.stderr,
              flush=True)
    report["load_end"] = os.getloadavg()
    report["seconds"] = time.time() - started
    pathlib.Path(args.json).write_text(json.dumps(report))


# ---------------------------------------------------------------------------------------------
# Report: Markdown from the workers' JSON.

def geomean(values):
    values = [v for v in values if v and v > 0 and math.isfinite(v)]
    return math.exp(sum(map(math.log, values)) / len(values)) if values else float("nan")


def markdown(reports):
    sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
    from real_cases import CASES
    by_id = {case["id"]: case for case in CASES}
    lines = []
    if reports and reports[0].get("versions"):
        lines.append("Versions: " + ", ".join(f"{k} {v}" for k, v in reports[0]["versions"].items())
                     + "\n")
    for report in reports:
        threads = report["threads"]
        others = [p for p in report["peers"] if p != "einjit"]
        lines.append(f"### {threads} thread{'s' if threads > 1 else ''} (taskset cores "
                     f"{','.join(map(str, report['affinity']))}; load average "
                     f"{report['load_start'][0]:.1f} at start, {report['load_end'][0]:.1f} "
                     f"at end; {report['seconds'] / 60:.1f} min)\n")
        lines.append("Median ms; **ratio** = best peer's time / einjit's (> 1: einjit faster); "
                     "n/a: the peer could not compute the case (footnote).\n")
        lines.append("| id | class | einsum | dtype | strategy | einjit | "
                     + " | ".join(others) + " | best peer | ratio | ratio of minima |")
        lines.append("|" + "---|" * (9 + len(others)))
        ratios, per_class, notes, min_ratios = {}, {}, [], {}
        for case_id, row in report["cases"].items():
            case = by_id[case_id]
            times = row["times"]
            ours = times.get("einjit")
            cells = [case_id, case["class"], f"`{case['subscripts']}`", case["dtype"],
                     row["strategy"], f"{ours:.3g}" if ours else "n/a"]
            best_name, best = None, math.inf
            for peer in others:
                if peer in times:
                    cells.append(f"{times[peer]:.3g}")
                    if times[peer] < best:
                        best_name, best = peer, times[peer]
                else:
                    cells.append(f"n/a[^{case_id}-{peer}]")
                    notes.append(f"[^{case_id}-{peer}]: {row['errors'].get(peer, 'not run')}")
            if "einjit" in row["errors"]:
                notes.append(f"- {case_id}, einjit: {row['errors']['einjit']}")
            ratio = best / ours if ours and best_name else None
            minima = row.get("min", {})
            best_min = min((minima[p] for p in others if p in minima), default=None)
            min_ratio = best_min / minima["einjit"] if best_min and "einjit" in minima else None
            if min_ratio:
                min_ratios[case_id] = min_ratio
            cells += [best_name or "—", f"**{ratio:.2f}**" if ratio else "—",
                      f"{min_ratio:.2f}" if min_ratio else "—"]
            if ratio:
                ratios[case_id] = ratio
                per_class.setdefault(case["class"], []).append(ratio)
            lines.append("| " + " | ".join(cells) + " |")
        for case_id, row in report["cases"].items():
            for peer, note in row.get("notes", {}).items():
                notes.append(f"- {case_id}, {peer}: {note}")
        lines.append("")
        lines += notes + [""] if notes else []
        lines.append(f"**Per class ({threads} thread{'s' if threads > 1 else ''})**\n")
        lines.append("| class | cases | geomean ratio | min | max | einjit ≥ best peer |")
        lines.append("|---|---|---|---|---|---|")
        for cls in sorted(per_class):
            values = per_class[cls]
            lines.append(f"| {cls} | {len(values)} | {geomean(values):.2f} | {min(values):.2f} "
                         f"| {max(values):.2f} | {sum(v >= 1 for v in values)}/{len(values)} |")
        values = list(ratios.values())
        if values:
            wins = sum(v >= 1 for v in values)
            below = sorted((v, k) for k, v in ratios.items() if v < 0.8)
            lines.append(f"| **all** | {len(values)} | **{geomean(values):.2f}** | "
                         f"{min(values):.2f} | {max(values):.2f} | {wins}/{len(values)} |\n")
            lines.append(f"Targets (issue 18): einjit ≥ best peer on ≥ 90 % of cases: "
                         f"{100 * wins / len(values):.0f} % — "
                         f"{'holds' if wins >= 0.9 * len(values) else 'missed'}; "
                         f"geomean ≥ 1.5×: "
                         f"{geomean(values):.3f}× — "
                         f"{'holds' if geomean(values) >= 1.5 else 'missed'}; none below 0.8×: "
                         f"{len(below)} below — {'holds' if not below else 'missed'}"
                         + (f" ({', '.join(f'{k} {v:.2f}' for v, k in below)})" if below else "")
                         + ".\n")
            if min_ratios:
                values = list(min_ratios.values())
                lines.append(f"On the minima instead of the medians (less sensitive to other "
                             f"programs' load): geomean {geomean(values):.2f}×, einjit ≥ best "
                             f"peer on {sum(v >= 1 for v in values)}/{len(values)}, "
                             f"{sum(v < 0.8 for v in values)} below 0.8×.\n")
    return "\n".join(lines)


def cases_markdown():
    """The suite itself: every case's einsum, extents, dtype, source and shape source."""
    sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
    from real_cases import CASES
    lines = ["| id | class | einsum | extents | dtype | source (repository, path @ commit: where) "
             "| checked | extents from |", "|---|---|---|---|---|---|---|---|"]
    for case in CASES:
        source = case["source"]
        extents = " ".join(f"{k}={v}" for k, v in case["extents"].items())
        where = (f"{source['repo']}, `{source['path']}` @ {source['commit']}: {source['where']}"
                 if source["commit"] else f"{source['repo']}: {source['where']}")
        lines.append(f"| {case['id']} | {case['class']} | `{case['subscripts']}` | {extents} | "
                     f"{case['dtype']} | {where} | {case['checked']} | {case['shapes']} |")
    return "\n".join(lines) + "\n"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--setup", action="store_true")
    parser.add_argument("--torch", action="store_true", help="with --setup: try torch")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--json", default="", help=argparse.SUPPRESS)
    parser.add_argument("--threads", default="1,2")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--cases", default="")
    parser.add_argument("--classes", default="")
    parser.add_argument("--output", default=str(ROOT / "build-bench" / "real-results.md"))
    parser.add_argument("--report-only", action="store_true",
                        help="rewrite --output from the last run's JSON")
    parser.add_argument("--cases-table", action="store_true",
                        help="print the suite's cases and sources as a Markdown table")
    args = parser.parse_args()
    if args.setup:
        return setup(args.torch)
    if args.cases_table:
        return print(cases_markdown())
    if args.worker:
        args.threads = int(args.threads)
        return worker(args)
    reports = []
    for threads in [int(t) for t in args.threads.split(",")]:
        out = ROOT / "build-bench" / f"real-t{threads}.json"
        if not args.report_only:
            cores = ",".join(str(c) for c in range(threads))
            command = ["taskset", "-c", cores, sys.executable, __file__, "--worker",
                       "--threads", str(threads), "--json", str(out), "--repeat",
                       str(args.repeat), "--cases", args.cases, "--classes", args.classes]
            subprocess.run(command, env=thread_environment(threads), check=True)
        reports.append(json.loads(out.read_text()))
    text = markdown(reports)
    pathlib.Path(args.output).write_text(text)
    print(text)


if __name__ == "__main__":
    main()
