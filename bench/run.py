#!/usr/bin/env python3
"""Builds einjit_bench (Release, its own build dir), runs the BENCH.md suite with repetitions at
each thread count and writes bench/RESULTS.md: per case and thread count einjit beside every peer
(OpenBLAS, BLIS, Eigen, LIBXSMM, oneMKL from PyPI), the ratio to the best peer, BENCH.md's target
and whether it holds, and the fraction of the peak FMA rate or triad bandwidth measured in the same run at the
same thread count; then issue 17's low-precision cases (bf16, f16) against oneMKL's 16-bit GEMMs
and the bf16 dot-product ceiling. Python 3 standard library only.

    python3 bench/run.py [--threads 1,2] [--repetitions 5] [--min-time 0.1] [--filter REGEX]
                         [--skip-build | --report-only] [--no-mkl]
"""

import argparse
import datetime
import json
import os
import re
import subprocess
import sys
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
REPO = BENCH_DIR.parent

# id -> (contraction, extents), in BENCH.md's order.
SUITE = {
    "S1": ("ik,kj->ij", "i=j=k=1024"),
    "S2": ("bik,bkj->bij", "b=256, i=j=k=64"),
    "B8": ("bik,bkj->bij", "b=10000, i=j=k=8"),
    "B16": ("bik,bkj->bij", "b=10000, i=j=k=16"),
    "B32": ("bik,bkj->bij", "b=10000, i=j=k=32"),
    "B64": ("bik,bkj->bij", "b=64, i=j=k=64"),
    "S3": ("btf,bsf->bts", "b=64, t=s=128, f=64"),
    "S4": ("bts,bsf->btf", "b=64, t=s=128, f=64"),
    "S5": ("abcd,dbef->acef", "a=c=e=f=32, b=d=24"),
    "S6": ("abk,ckd->abcd", "a=b=64, k=256, c=16, d=64"),
    "S7": ("ijkl,klm->ijm", "i=j=64, k=l=32, m=128"),
    "S8": ("bi,ij,bj->b", "b=4096, i=j=256"),
    "S9": ("ij,jk,kl->il", "i=1024, j=16, k=1024, l=16"),
    "S10": ("abij,ijcd->abcd", "a=b=c=d=24, i=j=16"),
}
MEMORY_SUITE = {
    "S11": ("bi,bi->b", "b=1,000,000, i=16"),
    "S12": ("i,j->ij", "i=j=4096"),
}
# Issue 17's low-precision cases, in their own section: einjit's inputs and output in bf16 or f16
# (f32 accumulation, rounded once), the peers' output f32. ATT.f32 is einjit's own f32 rate for
# the attention case, the reference of ATT.bf16's target.
LOW_PRECISION = {
    **{f"H{n}.{dtype}": ("ik,kj->ij", f"i=j=k={n}")
       for dtype in ("bf16", "f16") for n in (256, 1024, 2048)},
    "ATT.bf16": ("bqhd,bkhd->bhqk", "b=8, q=k=512, h=8, d=64"),
    "ATT.f32": ("bqhd,bkhd->bhqk", "b=8, q=k=512, h=8, d=64"),
    "GQA.f16": ("bghnd,bhsd->bghns", "b=1, g=2, h=4, n=s=1024, d=256"),
}
# AMX is what issue 17's attention target (bf16 ≥ 4 × einjit's f32) assumes.
AMX_FLAGS = ("amx_bf16", "amx_tile")
# Cases that only store (their inputs stay in cache): also shown against the non-temporal store
# loop, the write path's own ceiling. The target stays BENCH.md's triad.
STORE_BOUND = {"S12"}
# Multiply-adds of the fused nest over those of the best path, for the three-operand cases.
FUSED_OVER_BEST = {"S8": (4096 * 256 * 256) / (4096 * 256 * 256 + 4096 * 256),
                   "S9": (1024 * 16 * 1024 * 16) / (16 * 1024 * 16 + 1024 * 16 * 16)}
PEER_LABELS = {"openblas": "OpenBLAS", "blis": "BLIS", "eigen": "Eigen", "libxsmm": "LIBXSMM",
               "mkl": "oneMKL"}
BLAS_PEERS = ("openblas", "blis", "mkl")
MKL_VERSION = "2026.2.1"
SECONDS_PER_UNIT = {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1.0}
CEILINGS = "peak_fma|peak_dot|bandwidth"


def run(command, **kwargs):
    print("+", " ".join(str(part) for part in command), flush=True)
    return subprocess.run(command, check=True, **kwargs)


def mkl_environment(build_dir):
    """A virtual environment with PyPI's oneMKL (bench-only, never a dependency of einjit), or
    None when it cannot be made (no network): the suite then runs without the MKL peer."""
    venv = build_dir.resolve() / "mkl-venv"
    if not (venv / "include" / "mkl_cblas.h").exists():
        try:
            run([sys.executable, "-m", "venv", venv])
            run([venv / "bin" / "pip", "install", "--quiet", f"mkl=={MKL_VERSION}",
                 f"mkl-include=={MKL_VERSION}"])
        except subprocess.CalledProcessError as error:
            print(f"oneMKL peer skipped: {error}", file=sys.stderr)
            return None
    return venv


def build(build_dir, with_mkl):
    venv = mkl_environment(build_dir) if with_mkl else None
    run(["cmake", "-S", REPO, "-B", build_dir, "-DCMAKE_BUILD_TYPE=Release",
         "-DEINJIT_BUILD_BENCH=ON", "-DEINJIT_BUILD_TESTS=OFF",
         f"-DEINJIT_MKL_ROOT={venv or ''}"])
    run(["cmake", "--build", build_dir, "-j2", "--target", "einjit_bench"])


def base_name(name):
    """'einjit/S1/t2/min_time:0.100/real_time' -> 'einjit/S1/t2' (likewise /process_time)."""
    return re.sub(r"/(min_warmup_time|min_time|real_time|process_time|repeats)[^/]*", "", name)


def collect(report):
    """{name: {aggregate: entry}} plus {name: error message}."""
    results, errors = {}, {}
    for entry in report["benchmarks"]:
        name = base_name(entry.get("run_name", entry["name"]))
        if entry.get("error_occurred"):
            errors[name] = entry.get("error_message", "failed")
            continue
        if entry.get("run_type") == "aggregate":
            results.setdefault(name, {})[entry["aggregate_name"]] = entry
    return results, errors


def significant(value):
    """99.5, 8.27, 0.118: three significant digits below 100, one decimal above."""
    return f"{value:.1f}" if abs(value) >= 100 else f"{value:.3g}"


def format_time(seconds):
    if seconds is None:
        return "—"
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("µs", 1e-6)):
        if seconds >= scale:
            return f"{seconds / scale:.3g} {unit}"
    return f"{seconds / 1e-9:.3g} ns"


class Table:
    def __init__(self, results, errors):
        self.results, self.errors = results, errors

    def value(self, name, field, aggregate="median"):
        entry = self.results.get(name, {}).get(aggregate)
        if entry is None or field not in entry:
            return None
        if field in ("real_time", "cpu_time"):
            return entry[field] * SECONDS_PER_UNIT[entry["time_unit"]]
        return entry[field]

    def spread(self, name, field, scale):
        """'median (min–max)' of a rate, scaled; the error's short form if it did not run."""
        median = self.value(name, field)
        if median is None:
            message = self.errors.get(name)
            if message is None:
                return "—"
            return "n/a" if message.startswith("n/a") else "error"
        low, high = self.value(name, field, "min"), self.value(name, field, "max")
        return (f"{significant(median * scale)} ({significant(low * scale)}–"
                f"{significant(high * scale)})")

    def best(self, prefix, suffix, field, aggregate="median"):
        values = [self.value(name, field, aggregate) for name in self.results
                  if name.startswith(prefix) and name.endswith(suffix)]
        values = [value for value in values if value]
        return max(values) if values else None


def merge_runs(parts, thread_counts):
    """One Google Benchmark report from one run per thread count: every run's benchmarks, each
    name once (the compile benchmarks run in every process; the first run's are kept)."""
    merged = dict(parts[0])
    merged["context"] = dict(parts[0]["context"], thread_counts=thread_counts)
    seen, benchmarks = set(), []
    for part in parts:
        names = {entry["name"] for entry in part["benchmarks"]}
        benchmarks += [entry for entry in part["benchmarks"] if entry["name"] not in seen]
        seen |= names
    merged["benchmarks"] = benchmarks
    return merged


def lscpu():
    fields = {}
    try:
        output = subprocess.run(["lscpu"], capture_output=True, text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return fields
    for line in output.splitlines():
        key, _, value = line.partition(":")
        fields[key.strip()] = value.strip()
    return fields


def machine_section(context, cpu, loads, options):
    flags = set(cpu.get("Flags", "").split())
    vector_flags = ", ".join(flag for flag in ("avx2", "fma", "avx512f", "avx512_bf16",
                                               "avx512_fp16", "amx_tile", "amx_bf16", "amx_fp16")
                             if flag in flags) or "none"
    try:
        cores = int(cpu.get("CPU(s)", "1"))
    except ValueError:
        cores = 1
    loaded_text = ("Other programs shared the machine, so it was loaded: the numbers at two "
                   "threads, from wall time, suffer most.")
    idle_text = ("Nothing else ran (the load is the run itself, and what ran just before it).")
    commit = subprocess.run(["git", "-C", REPO, "rev-parse", "--short", "HEAD"],
                            capture_output=True, text=True).stdout.strip() or "unknown"
    # RESULTS.md itself is what the run rewrites: changes to it are not work in the tree.
    changed = subprocess.run(["git", "-C", REPO, "status", "--porcelain", "--untracked-files=no",
                              "--", ".", ":!bench/RESULTS.md"],
                             capture_output=True, text=True).stdout.strip()
    lines = [
        f"- Date: {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC, "
        f"einjit commit {commit}{' (plus uncommitted work in the tree)' if changed else ''}.",
        f"- CPU: {cpu.get('Model name', '?')} ({cpu.get('Vendor ID', '?')}, family "
        f"{cpu.get('CPU family', '?')} model {cpu.get('Model', '?')}), {cpu.get('CPU(s)', '?')} "
        f"cores, {cpu.get('Thread(s) per core', '?')} thread(s) per core, hypervisor "
        f"{cpu.get('Hypervisor vendor', 'none')}; L2 {cpu.get('L2 cache', '?')}, "
        f"L3 {cpu.get('L3 cache', '?')}; {context.get('mhz_per_cpu', '?')} MHz nominal.",
        f"- Vector flags: {vector_flags}"
        + ("." if all(flag in flags for flag in AMX_FLAGS) else " (no AMX)."),
        f"- einjit target: {context.get('einjit_target', '?')}.",
    ]
    for peer in peers_of(context):
        lines.append(f"- {PEER_LABELS.get(peer, peer)}: {context.get('peer_' + peer, '?')}.")
    lines += [
        f"- cblas_sgemm bound to {context.get('cblas_sgemm_from', '?')} (OpenBLAS and BLIS "
        "both export it; the OpenBLAS peer must get OpenBLAS's).",
        "- Environment: " + ", ".join(
            f"{name}={context.get(name, '?')}" for name in
            ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", "OPENBLAS_NUM_THREADS", "BLIS_NUM_THREADS",
             "OMP_NUM_THREADS", "OMP_WAIT_POLICY")) + " (the suite sets each library's thread "
        "count itself).",
        f"- Run: thread counts {context.get('thread_counts', '?')}; {options.repetitions} "
        f"repetitions of at least {options.min_time} s each after a warm-up; the tables show the "
        "median and (min–max) over the repetitions. Rates at one thread from CPU time, at more "
        "than one from wall time (Google Benchmark's CPU time is the calling thread's only).",
        f"- Machine load: 1-minute load average {loads[0]:.2f} before and {loads[1]:.2f} after "
        f"the run on {cpu.get('CPU(s)', '?')} cores (`uptime` before: {loads[2]}). "
        + (loaded_text if max(loads[0], loads[1]) > 0.75 * cores else idle_text),
    ]
    return lines


def peers_of(context):
    return [peer for peer in context.get("peers", "").split(",") if peer]


class Suite:
    """The run's numbers and the targets of BENCH.md, per case and thread count."""

    def __init__(self, table, peers, has_amx=False):
        self.table, self.peers, self.has_amx = table, peers, has_amx

    def rate(self, runner, case, threads, field="FLOPS"):
        return self.table.value(f"{runner}/{case}/t{threads}", field)

    def best_peer(self, case, threads, field, among=None):
        rates = [(self.rate(peer, case, threads, field), peer) for peer in self.peers
                 if among is None or peer in among]
        rates = [(rate, peer) for rate, peer in rates if rate]
        return max(rates) if rates else (None, None)

    def target(self, case, threads, field):
        """(BENCH.md target text, True/False/None, measured figures) for one row."""
        einjit = self.rate("einjit", case, threads, field)
        if einjit is None:
            return "", None, "einjit did not run"
        best, _ = self.best_peer(case, threads, field)
        blas, blas_peer = self.best_peer(case, threads, field, BLAS_PEERS)
        if case in LOW_PRECISION:
            return self.low_precision_target(case, threads, field, einjit)
        if case == "S1" or case.startswith("G"):
            if not blas:
                return "≥ 0.95 × best BLAS", None, "no BLAS peer"
            ratio = einjit / blas
            return ("≥ 0.95 × best BLAS", ratio >= 0.95,
                    f"{significant(ratio)} × {PEER_LABELS[blas_peer]}")
        if case == "S2" or re.fullmatch(r"B\d+", case):
            xsmm = self.rate("libxsmm", case, threads, field)
            parts, holds = [], True
            if xsmm:
                parts.append(f"{significant(einjit / xsmm)} × LIBXSMM")
                holds = holds and einjit >= xsmm
            else:
                parts.append("LIBXSMM n/a")
            if blas:
                parts.append(f"{significant(einjit / blas)} × best BLAS loop")
                holds = holds and einjit >= 3 * blas
            else:
                holds = None
            return "≥ 1.0 × LIBXSMM, ≥ 3 × BLAS loop", holds, ", ".join(parts)
        if case in ("S3", "S4", "S5", "S6", "S7", "S10"):
            s1 = self.rate("einjit", "S1", threads)
            if not best:
                return "≥ 1.1 × best peer, ≥ 85 % of S1", None, "no peer"
            parts = [f"{significant(einjit / best)} × best peer"]
            holds = einjit >= 1.1 * best
            if s1:
                parts.append(f"{100 * einjit / s1:.0f} % of einjit S1")
                holds = holds and einjit >= 0.85 * s1
            else:
                holds = None
            return "≥ 1.1 × best peer, ≥ 85 % of S1", holds, ", ".join(parts)
        if case in ("S8", "S9"):
            if not best:
                return "time ≤ 1.1 × best path", None, "no peer"
            # Same flop count for both, so the time ratio is the inverse rate ratio.
            return ("time ≤ 1.1 × best path", best / einjit <= 1.1,
                    f"time {significant(best / einjit)} × best peer's")
        return "", None, ""

    def low_precision_target(self, case, threads, field, einjit):
        """Issue 17: the GEMMs (and GQA's batch of GEMMs) at or above oneMKL's 16-bit GEMM;
        ATT.bf16 at or above 4 × einjit's own ATT.f32, where the CPU has AMX."""
        if case == "ATT.f32":
            return "", None, ""
        if case == "ATT.bf16":
            target = "≥ 4 × einjit ATT.f32 (with AMX)"
            f32 = self.rate("einjit", "ATT.f32", threads, field)
            if not f32:
                return target, None, "einjit ATT.f32 did not run"
            figures = f"{significant(einjit / f32)} × einjit ATT.f32"
            if not self.has_amx:
                return target, None, figures + "; this CPU has no AMX, the target does not apply"
            return target, einjit >= 4 * f32, figures
        mkl = self.rate("mkl", case, threads, field)
        if not mkl:
            return "≥ 1.0 × oneMKL", None, "oneMKL did not run"
        return "≥ 1.0 × oneMKL", einjit >= mkl, f"{significant(einjit / mkl)} × oneMKL"


def n_a_note(table, name):
    message = table.errors.get(name, "")
    return message[len("n/a: "):] if message.startswith("n/a") else message


def contraction_table(suite, cases, threads, peak, field, scale, unit_note):
    """Rows of one thread count's table; returns (lines, footnotes, verdicts). `peak` is the
    ceiling, or a function of the case id giving it."""
    table = suite.table
    ceiling_of = peak if callable(peak) else (lambda case: peak)
    header = ["id", "contraction", "einjit"] + [PEER_LABELS.get(p, p) for p in suite.peers] + [
        "best peer", "einjit / best", "target", "holds", f"einjit % of {unit_note}", "notes"]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    footnotes, verdicts = {}, []
    for case, (contraction, extents) in cases.items():
        einjit_name = f"einjit/{case}/t{threads}"
        if einjit_name not in table.results and einjit_name not in table.errors:
            continue
        einjit = suite.rate("einjit", case, threads, field)
        cells = [case, f"`{contraction}` {extents}", table.spread(einjit_name, field, scale)]
        notes = []
        for peer in suite.peers:
            name = f"{peer}/{case}/t{threads}"
            cell = table.spread(name, field, scale)
            if cell in ("n/a", "error"):
                reason = n_a_note(table, name)
                mark = footnotes.setdefault(reason, len(footnotes) + 1)
                cell += f" [{mark}]"
            cells.append(cell)
        best, best_peer = suite.best_peer(case, threads, field)
        cells.append(PEER_LABELS.get(best_peer, "—") if best_peer else "—")
        cells.append(significant(einjit / best) if einjit and best else "—")
        target, holds, figures = suite.target(case, threads, field)
        peak = ceiling_of(case)
        if case in MEMORY_SUITE:
            triad = peak
            target = "≥ 0.9 × triad"
            holds = (einjit >= 0.9 * triad) if einjit and triad else None
            figures = f"{100 * einjit / triad:.0f} % of triad" if einjit and triad else ""
            store = table.value(f"bandwidth/store_nt/t{threads}", "bytes_per_second", "max")
            if case in STORE_BOUND and einjit and store:
                notes.append(f"{100 * einjit / store:.0f} % of the non-temporal store loop's "
                             f"best repetition ({significant(store * 1e-9)} GB/s)")
        cells.append(target or "—")
        cells.append({True: "✓", False: "✗", None: "—"}[holds])
        cells.append(f"{significant(100 * einjit / peak)} %" if einjit and peak else "—")
        if einjit_name in table.errors:
            notes.append(table.errors[einjit_name])
        if case in FUSED_OVER_BEST:
            best_time = min((suite.rate(p, case, threads, "cpu_time" if threads == 1 else
                                        "real_time") or float("inf")) for p in suite.peers)
            einjit_time = suite.rate("einjit", case, threads,
                                     "cpu_time" if threads == 1 else "real_time")
            notes.append(f"time einjit {format_time(einjit_time)}, best peer "
                         f"{format_time(best_time if best_time != float('inf') else None)}; "
                         f"rates on the best path's flops (a fused nest does "
                         f"{significant(FUSED_OVER_BEST[case])}× those)")
        cells.append("; ".join(notes))
        lines.append("| " + " | ".join(cells) + " |")
        if target:
            verdicts.append((case, threads, target, holds, figures))
    return lines, footnotes, verdicts


def write_results(report, cpu, loads, options, output):
    context = report["context"]
    results, errors = collect(report)
    table = Table(results, errors)
    peers = peers_of(context)
    cpu_flags = set(cpu.get("Flags", "").split())
    has_amx = all(flag in cpu_flags for flag in AMX_FLAGS)
    suite = Suite(table, peers, has_amx)
    thread_counts = [int(t) for t in context.get("thread_counts", "1").split(",")]
    lines = ["# einjit benchmark results", "",
             "Written by `python3 bench/run.py` (see bench/README.md for the cases, the peers' "
             "mappings and how to read this). The machine may be shared with other work (its "
             "load is below): absolute numbers can drift by tens of percent between runs; ratios "
             "within one run hold better. The spread (min–max over the repetitions) is shown for "
             "every rate.", "", "## Machine", ""]
    lines += machine_section(context, cpu, loads, options)

    ceilings = {}
    lines += ["", "## Ceilings measured in this run", "",
              "| what | " + " | ".join(f"{t} thread(s)" for t in thread_counts) + " |",
              "|---|" + "---|" * len(thread_counts)]
    for name, label, field in (("peak_fma/f32/avx2", "peak FMA fp32, AVX2 (GFLOP/s)", "FLOPS"),
                               ("peak_fma/f32/avx512", "peak FMA fp32, AVX-512 (GFLOP/s)", "FLOPS"),
                               ("peak_fma/f64/avx2", "peak FMA fp64, AVX2 (GFLOP/s)", "FLOPS"),
                               ("peak_fma/f64/avx512", "peak FMA fp64, AVX-512 (GFLOP/s)", "FLOPS"),
                               ("peak_dot/bf16/avx512bf16",
                                "peak bf16 dot product, AVX512-BF16 vdpbf16ps (GFLOP/s)", "FLOPS"),
                               ("bandwidth/triad", "STREAM triad (GB/s)", "bytes_per_second"),
                               ("bandwidth/store_nt", "non-temporal store (GB/s)",
                                "bytes_per_second"),
                               ("bandwidth/read", "read (GB/s)", "bytes_per_second")):
        if any(f"{name}/t{t}" in results for t in thread_counts):
            lines.append(f"| {label} | " + " | ".join(
                table.spread(f"{name}/t{t}", field, 1e-9) for t in thread_counts) + " |")
    # A ceiling is what the machine can do: its best repetition, not its median (another
    # process taking a core lowers a repetition; nothing raises one).
    for t in thread_counts:
        ceilings[t] = (table.best("peak_fma/f32/", f"/t{t}", "FLOPS", "max"),
                       table.best("peak_fma/f64/", f"/t{t}", "FLOPS", "max"),
                       table.value(f"bandwidth/triad/t{t}", "bytes_per_second", "max"))
    lines += ["", "“% of peak” divides by the best repetition of the faster FMA loop at the same "
              "thread count and dtype; “% of triad” by the triad's best repetition at the same "
              "thread count (a ceiling is what the machine can do: a busy neighbour lowers a "
              "repetition, nothing raises one). At two threads on a loaded machine the ceilings "
              "themselves are depressed (a team of two waits for its slower thread), so "
              "percentages above 100 % can appear there.", ""]

    all_verdicts, all_footnotes = [], {}
    for t in thread_counts:
        peak32, peak64, triad = ceilings[t]
        compute = {**SUITE, **g_cases(table, t)}
        f32_cases = {c: v for c, v in compute.items() if not c.endswith(".f64")}
        f64_cases = {c: v for c, v in compute.items() if c.endswith(".f64")}
        for title, cases, peak, field, scale, unit in (
                ("fp32 unless marked; GFLOP/s", f32_cases, peak32, "FLOPS", 1e-9, "peak"),
                ("fp64 GEMM; GFLOP/s", f64_cases, peak64, "FLOPS", 1e-9, "peak"),
                ("memory-bound; GB/s, inputs read once + output written once", MEMORY_SUITE,
                 triad, "bytes_per_second", 1e-9, "triad")):
            rows, footnotes, verdicts = contraction_table(suite, cases, t, peak, field, scale, unit)
            if len(rows) <= 2:
                continue
            lines += ["", f"## {t} thread(s): {title}", ""] + rows
            if footnotes:
                lines.append("")
                lines += [f"[{mark}] {reason}" for reason, mark in footnotes.items()]
            all_verdicts += verdicts

    lines += low_precision_section(suite, thread_counts, ceilings, cpu_flags, has_amx,
                                   all_verdicts)

    lines += ["", "## Compile latency and call overhead (one thread; lower is better)", "",
              "| what | median (min–max) | BENCH.md target | holds |", "|---|---|---|---|"]
    for case in ("S1", "S5", "B8"):
        name = f"compile/{case}"
        if name in errors:
            lines.append(f"| cold compile {case} | {errors[name]} | ≤ 20 ms | ✗ |")
            all_verdicts.append((f"C compile {case}", 1, "≤ 20 ms", False, errors[name]))
        elif name in results:
            times = [table.value(name, "real_time", aggregate)
                     for aggregate in ("median", "min", "max")]
            cpu = table.value(name, "cpu_time")
            jit = table.value(name, "jit_ms")
            holds = times[0] <= 0.020
            lines.append(f"| cold compile {case}: plan() on a fresh Engine, wall ms (process CPU "
                         f"ms; JIT's own wall ms) | {times[0] * 1e3:.1f} ({times[1] * 1e3:.1f}–"
                         f"{times[2] * 1e3:.1f}) (CPU {cpu * 1e3:.1f}; JIT {jit:.1f}) | "
                         f"≤ 20 ms | {'✓' if holds else '✗'} |")
            all_verdicts.append((f"C compile {case}", 1, "≤ 20 ms", holds,
                                 f"{times[0] * 1e3:.1f} ms"))
    for name, label in (("cached_call/plan_run/2x2x2", "cached call, Plan::run on 2×2×2 (ns)"),
                        ("cached_call/engine_einsum/2x2x2",
                         "cached call, Engine::einsum on 2×2×2 (ns)")):
        if name in results:
            times = [table.value(name, "cpu_time", aggregate)
                     for aggregate in ("median", "min", "max")]
            holds = times[0] <= 1e-6
            lines.append(f"| {label} | {times[0] * 1e9:.0f} ({times[1] * 1e9:.0f}–"
                         f"{times[2] * 1e9:.0f}) | ≤ 1000 ns | {'✓' if holds else '✗'} |")
            all_verdicts.append((f"C {name.split('/')[1]}", 1, "≤ 1 µs", holds,
                                 f"{times[0] * 1e9:.0f} ns"))

    held = [v for v in all_verdicts if v[3] is True]
    missed = [v for v in all_verdicts if v[3] is False]
    unknown = [v for v in all_verdicts if v[3] is None]
    lines += ["", "## Targets (BENCH.md)", "",
              f"{len(held)} of {len(all_verdicts)} hold, {len(missed)} missed"
              + (f", {len(unknown)} not decidable (a figure is missing, or the target needs "
                 "hardware this CPU lacks)" if unknown else "") + ".", ""]
    for label, group in (("Hold", held), ("Missed", missed), ("Not decidable", unknown)):
        if group:
            lines.append(f"- **{label}**: " + "; ".join(
                f"{case} t{t} ({figures})" if figures else f"{case} t{t}"
                for case, t, _, _, figures in group) + ".")

    walls = [entry["real_time"] / entry["cpu_time"] for name, aggregates in results.items()
             for aggregate, entry in aggregates.items()
             if aggregate == "median" and entry.get("cpu_time") and name.endswith("/t1")]
    if walls:
        walls.sort()
        lines += ["", f"Noise: over the one-thread benchmarks the median wall time was "
                  f"{walls[len(walls) // 2]:.2f}× the CPU time (range {walls[0]:.2f}–"
                  f"{walls[-1]:.2f}×): other processes held the core that much of the time."]
    failures = {name: message for name, message in errors.items()
                if not message.startswith("n/a")}
    if failures:
        lines += ["", "## Benchmarks that failed", ""]
        lines += [f"- `{name}`: {message}" for name, message in sorted(failures.items())]
    output.write_text("\n".join(lines) + "\n")
    print(f"wrote {output}")


def low_precision_section(suite, thread_counts, ceilings, cpu_flags, has_amx, all_verdicts):
    """The "Low precision" section: issue 17's cases per thread count, each against its ceiling
    (bf16: the vdpbf16ps loop where the CPU has AVX512-BF16; f16 and f32: the f32 FMA peak).
    Appends the rows' verdicts to all_verdicts."""
    table = suite.table
    blocks = []
    for t in thread_counts:
        peak32 = ceilings[t][0]
        dot = table.value(f"peak_dot/bf16/avx512bf16/t{t}", "FLOPS", "max")

        def ceiling(case, peak32=peak32, dot=dot):
            return dot if case.endswith(".bf16") and dot else peak32

        rows, footnotes, verdicts = contraction_table(suite, LOW_PRECISION, t, ceiling, "FLOPS",
                                                      1e-9, "ceiling")
        if len(rows) <= 2:
            continue
        blocks += ["", f"### {t} thread(s); GFLOP/s", ""] + rows
        if footnotes:
            blocks.append("")
            blocks += [f"[{mark}] {reason}" for reason, mark in footnotes.items()]
        all_verdicts += verdicts
    if not blocks:
        return []
    has_dot = any(table.value(f"peak_dot/bf16/avx512bf16/t{t}", "FLOPS", "max")
                  for t in thread_counts)
    fp16 = ("this CPU has AVX512-FP16" if "avx512_fp16" in cpu_flags else
            "this CPU has no AVX512-FP16; einjit widens f16 to f32")
    amx = ("this CPU has AMX (amx_tile, amx_bf16), so ATT.bf16's target applies" if has_amx else
           "this CPU has no AMX, so ATT.bf16's target (≥ 4 × einjit's own ATT.f32, issue 17) does "
           "not apply: its ratio is shown, not judged")
    return ["", "## Low precision (bf16, f16)", "",
            "Issue 17's cases. einjit's inputs and output are bf16 or f16 (f32 accumulation, the "
            "output rounded once); the peers' inputs are the same 16-bit values and their output "
            "is f32 (oneMKL's `cblas_gemm_bf16bf16f32` / `cblas_gemm_f16f16f32`, one call per "
            "batch entry), so einjit writes half the output bytes. ATT.f32 is einjit's own f32 "
            "rate on the attention case. “% of ceiling”: bf16 rows divide by the best repetition "
            + ("of the AVX512-BF16 dot-product loop (`peak_dot/bf16`) at the same thread count"
               if has_dot else "of the f32 FMA peak (the CPU has no AVX512-BF16)")
            + f"; f16 and f32 rows by the f32 FMA peak ({fp16}). Targets: the GEMMs and GQA "
            f"≥ oneMKL; {amx}."] + blocks


def g_cases(table, threads):
    names = sorted({name.split("/")[1] for name in list(table.results) + list(table.errors)
                    if re.fullmatch(r"einjit/G\d+(x\d+x\d+)?(\.f64)?/t\d+", name)
                    and name.endswith(f"/t{threads}")},
                   key=lambda case: (len(case), case))
    rows = {}
    for case in names:
        dims = re.match(r"G(\d+)(?:x(\d+)x(\d+))?", case).groups()
        m, n, k = (dims[0],) * 3 if dims[1] is None else dims
        rows[case] = ("ik,kj->ij", f"M={m}, N={n}, K={k}")
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--build-dir", type=Path, default=REPO / "build-bench")
    parser.add_argument("--threads", default="1,2",
                        help="comma-separated thread counts (default 1,2)")
    parser.add_argument("--repetitions", type=int, default=5)
    parser.add_argument("--min-time", type=float, default=0.1,
                        help="seconds per repetition (Google Benchmark's min_time)")
    parser.add_argument("--filter", default="",
                        help="Google Benchmark --benchmark_filter regex; the ceilings "
                        f"({CEILINGS}) always run too")
    parser.add_argument("--skip-build", action="store_true")
    parser.add_argument("--no-mkl", action="store_true",
                        help="build without the oneMKL peer (which needs PyPI's mkl)")
    parser.add_argument("--report-only", action="store_true",
                        help="neither build nor run: rewrite the table from the last run's JSON")
    parser.add_argument("--output", type=Path, default=BENCH_DIR / "RESULTS.md")
    options = parser.parse_args()
    json_path = options.build_dir / "bench" / "results.json"
    info_path = options.build_dir / "bench" / "run-info.json"
    if not options.report_only:
        if not options.skip_build:
            build(options.build_dir, not options.no_mkl)
        binary = options.build_dir / "bench" / "einjit_bench"
        if not binary.exists():
            sys.exit(f"{binary} was not built: is Google Benchmark missing? "
                     "(apt-get install libbenchmark-dev)")
        # Spinning OpenMP barriers collapse on an oversubscribed machine (a spinning thread takes
        # the core its teammate needs): OpenMP teams sleep while they wait unless the caller says
        # otherwise.
        environment = dict(os.environ)
        environment.setdefault("OMP_WAIT_POLICY", "PASSIVE")
        uptime = subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
        load_before = os.getloadavg()[0]
        # One process per thread count: a peer's pool from a two-thread run (OpenBLAS and Eigen
        # threads spin a while after their work) must not share the machine with the one-thread
        # runs that follow it. Measured: einjit's S4 at one thread fell from ~110 to 77-100
        # GFLOP/s when it ran right after the S3 peers' two-thread runs.
        parts = []
        for threads in options.threads.split(","):
            part = json_path.with_name(f"results-t{threads}.json")
            command = [binary, f"--einjit_threads={threads}",
                       f"--benchmark_repetitions={options.repetitions}",
                       "--benchmark_report_aggregates_only=true",
                       f"--benchmark_min_time={options.min_time}",
                       "--benchmark_min_warmup_time=0.05",
                       f"--benchmark_out={part}", "--benchmark_out_format=json"]
            if options.filter:
                command.append(f"--benchmark_filter=({options.filter})|{CEILINGS}")
            run(command, env=environment)
            parts.append(json.loads(part.read_text()))
        json_path.write_text(json.dumps(merge_runs(parts, options.threads)))
        info = {"loads": [load_before, os.getloadavg()[0], uptime],
                "repetitions": options.repetitions, "min_time": options.min_time}
        info_path.write_text(json.dumps(info))
    if not json_path.exists() or not info_path.exists():
        sys.exit(f"no results in {json_path.parent}: run without --report-only first")
    info = json.loads(info_path.read_text())
    options.repetitions, options.min_time = info["repetitions"], info["min_time"]
    report = json.loads(json_path.read_text())
    write_results(report, lscpu(), tuple(info["loads"]), options, options.output)


if __name__ == "__main__":
    main()
