#!/usr/bin/env python3
"""Builds einjit_bench (Release, its own build dir), runs the BENCH.md suite with repetitions and
writes bench/RESULTS.md: per case einjit beside OpenBLAS, the ratio, and the fraction of the peak
FMA rate or triad bandwidth measured in the same run. Python 3 standard library only.

    python3 bench/run.py [--repetitions 5] [--min-time 0.2] [--filter REGEX] [--skip-build]
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

# id -> (contraction, extents, what it stresses), in BENCH.md's order.
SUITE = {
    "S1": ("ik,kj->ij", "i=j=k=1024", "the headline GEMM"),
    "S2": ("bik,bkj->bij", "b=256, i=j=k=64", "batched matmul"),
    "B8": ("bik,bkj->bij", "b=10000, i=j=k=8", "tiny batched matmul"),
    "B16": ("bik,bkj->bij", "b=10000, i=j=k=16", "tiny batched matmul"),
    "B32": ("bik,bkj->bij", "b=10000, i=j=k=32", "tiny batched matmul"),
    "B64": ("bik,bkj->bij", "b=64, i=j=k=64", "small batched matmul"),
    "S3": ("btf,bsf->bts", "b=64, t=s=128, f=64", "attention scores, B transposed"),
    "S4": ("bts,bsf->btf", "b=64, t=s=128, f=64", "attention values"),
    "S5": ("abcd,dbef->acef", "a=c=e=f=32, b=d=24", "transposed tensor contraction"),
    "S6": ("abk,ckd->abcd", "a=b=64, k=256, c=16, d=64", "output interleaves operands"),
    "S7": ("ijkl,klm->ijm", "i=j=64, k=l=32, m=128", "two contracted labels fold"),
    "S8": ("bi,ij,bj->b", "b=4096, i=j=256", "three operands: bilinear form"),
    "S9": ("ij,jk,kl->il", "i=1024, j=16, k=1024, l=16", "matrix chain: path matters"),
    "S10": ("abij,ijcd->abcd", "a=b=c=d=24, i=j=16", "CCSD-like"),
}
MEMORY_SUITE = {
    "S11": ("bi,bi->b", "b=1,000,000, i=16", "memory-bound batched dot"),
    "S12": ("i,j->ij", "i=j=4096", "outer product: store bandwidth"),
}
# Multiply-adds of the fused nest over those of the best path, for the three-operand cases.
FUSED_OVER_BEST = {"S8": (4096 * 256 * 256) / (4096 * 256 * 256 + 4096 * 256),
                   "S9": (1024 * 16 * 1024 * 16) / (16 * 1024 * 16 + 1024 * 16 * 16)}
SECONDS_PER_UNIT = {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1.0}


def run(command, **kwargs):
    print("+", " ".join(str(part) for part in command), flush=True)
    return subprocess.run(command, check=True, **kwargs)


def build(build_dir):
    run(["cmake", "-S", REPO, "-B", build_dir, "-DCMAKE_BUILD_TYPE=Release",
         "-DEINJIT_BUILD_BENCH=ON", "-DEINJIT_BUILD_TESTS=OFF"])
    run(["cmake", "--build", build_dir, "-j2", "--target", "einjit_bench"])


def base_name(name):
    """'einjit/S1/min_warmup_time:0.050' -> 'einjit/S1'."""
    return re.sub(r"/(min_warmup_time|min_time|real_time|repeats)[^/]*", "", name)


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
        """'median (min–max)' of a rate, scaled."""
        median = self.value(name, field)
        if median is None:
            return "—"
        low, high = self.value(name, field, "min"), self.value(name, field, "max")
        return (f"{significant(median * scale)} ({significant(low * scale)}–"
                f"{significant(high * scale)})")

    def best(self, prefix, field):
        values = [self.value(name, field) for name in self.results if name.startswith(prefix)]
        values = [value for value in values if value]
        return max(values) if values else None


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
    vector_flags = ", ".join(flag for flag in ("avx2", "fma", "avx512f") if flag in flags) or "none"
    commit = subprocess.run(["git", "-C", REPO, "rev-parse", "--short", "HEAD"],
                            capture_output=True, text=True).stdout.strip() or "unknown"
    lines = [
        f"- Date: {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC, "
        f"einjit commit {commit} (plus uncommitted work in the tree).",
        f"- CPU: {cpu.get('Model name', '?')} ({cpu.get('Vendor ID', '?')}, family "
        f"{cpu.get('CPU family', '?')} model {cpu.get('Model', '?')}), {cpu.get('CPU(s)', '?')} "
        f"cores, {cpu.get('Thread(s) per core', '?')} thread(s) per core, hypervisor "
        f"{cpu.get('Hypervisor vendor', 'none')}; L2 {cpu.get('L2 cache', '?')}, "
        f"L3 {cpu.get('L3 cache', '?')}; {context.get('mhz_per_cpu', '?')} MHz nominal.",
        f"- Vector flags: {vector_flags}.",
        f"- einjit target: {context.get('einjit_target', '?')}.",
        f"- OpenBLAS: {context.get('openblas', '?')}.",
        f"- Environment: OPENBLAS_CORETYPE={context.get('OPENBLAS_CORETYPE', '?')}, "
        f"OPENBLAS_L2_SIZE={context.get('OPENBLAS_L2_SIZE', '?')}, "
        f"OPENBLAS_NUM_THREADS={context.get('OPENBLAS_NUM_THREADS', '?')} "
        "(the suite calls openblas_set_num_threads(1)).",
        f"- Run: one thread, {options.repetitions} repetitions of at least {options.min_time} s "
        "CPU time each after a warm-up; the table shows the median and (min–max) over the "
        "repetitions, rates from CPU time.",
        f"- Load average (1 min) before and after the run: {loads[0]:.2f} and {loads[1]:.2f} "
        f"on {cpu.get('CPU(s)', '?')} cores.",
    ]
    return lines


def contraction_row(table, case, fields, peak_f32, peak_f64):
    contraction, extents, _ = fields
    einjit, blas = f"einjit/{case}", f"openblas/{case}"
    peak = peak_f64 if case.endswith(".f64") else peak_f32
    einjit_rate, blas_rate = table.value(einjit, "FLOPS"), table.value(blas, "FLOPS")
    ratio = significant(einjit_rate / blas_rate) if einjit_rate and blas_rate else "—"
    einjit_peak = f"{significant(100 * einjit_rate / peak)} %" if einjit_rate and peak else "—"
    blas_peak = f"{significant(100 * blas_rate / peak)} %" if blas_rate and peak else "—"
    notes = []
    if einjit in table.errors:
        notes.append(table.errors[einjit])
    if case in FUSED_OVER_BEST:
        notes.append(f"time einjit {format_time(table.value(einjit, 'cpu_time'))}, OpenBLAS "
                     f"{format_time(table.value(blas, 'cpu_time'))}; GFLOP/s on the best path's "
                     f"flops (a fused nest does {significant(FUSED_OVER_BEST[case])}× those)")
    return (f"| {case} | `{contraction}` | {extents} | {table.spread(einjit, 'FLOPS', 1e-9)} | "
            f"{table.spread(blas, 'FLOPS', 1e-9)} | {ratio} | {einjit_peak} | {blas_peak} | "
            f"{'; '.join(notes)} |")


def g_cases(table):
    names = sorted({name.split("/", 1)[1] for name in list(table.results) + list(table.errors)
                    if name.startswith("einjit/G")},
                   key=lambda case: (case.endswith(".f64"), len(case), case))
    rows = {}
    for case in names:
        dims = re.match(r"G(\d+)(?:x(\d+)x(\d+))?", case).groups()
        m, n, k = (dims[0],) * 3 if dims[1] is None else dims
        dtype = "fp64" if case.endswith(".f64") else "fp32"
        rows[case] = ("ik,kj->ij", f"M={m}, N={n}, K={k}, {dtype}", "GEMM")
    return rows


def write_results(report, cpu, loads, options, output):
    context = report["context"]
    results, errors = collect(report)
    table = Table(results, errors)
    peak_f32 = table.best("peak_fma/f32/", "FLOPS")
    peak_f64 = table.best("peak_fma/f64/", "FLOPS")
    triad = table.value("bandwidth/triad", "bytes_per_second")
    lines = ["# einjit benchmark results", "",
             "Written by `python3 bench/run.py` (see bench/README.md for the cases and how to "
             "read this). This machine is shared by several engineers building at the same time: "
             "absolute numbers drift by tens of percent between runs; ratios within one run hold "
             "better. The spread (min–max over the repetitions) is shown for every rate.", "",
             "## Machine", ""]
    lines += machine_section(context, cpu, loads, options)
    lines += ["", "## Ceilings measured in this run", "",
              "| what | median (min–max) |", "|---|---|"]
    for name, label in (("peak_fma/f32/avx2", "peak FMA fp32, AVX2 (GFLOP/s)"),
                        ("peak_fma/f32/avx512", "peak FMA fp32, AVX-512 (GFLOP/s)"),
                        ("peak_fma/f64/avx2", "peak FMA fp64, AVX2 (GFLOP/s)"),
                        ("peak_fma/f64/avx512", "peak FMA fp64, AVX-512 (GFLOP/s)")):
        if name in results:
            lines.append(f"| {label} | {table.spread(name, 'FLOPS', 1e-9)} |")
    for name, label in (("bandwidth/triad", "STREAM triad (GB/s)"),
                        ("bandwidth/read", "read (GB/s)")):
        if name in results:
            lines.append(f"| {label} | {table.spread(name, 'bytes_per_second', 1e-9)} |")
    peak_text = (f"{peak_f32 * 1e-9:.1f} GFLOP/s fp32 and {peak_f64 * 1e-9:.1f} fp64"
                 if peak_f32 and peak_f64 else "not measured")
    lines += ["", f"Peak used for “% of peak”: the faster FMA loop's median, {peak_text}. "
              "Bandwidth used for “% of triad”: the triad median.", ""]

    s1_einjit, s1_blas = table.value("einjit/S1", "FLOPS"), table.value("openblas/S1", "FLOPS")
    lines += ["## Headline: S1 (1024³ sgemm, issue 3 asks ≥ 30 % of OpenBLAS)", ""]
    if s1_einjit and s1_blas:
        low = table.value("einjit/S1", "FLOPS", "min") / table.value("openblas/S1", "FLOPS", "max")
        high = table.value("einjit/S1", "FLOPS", "max") / table.value("openblas/S1", "FLOPS", "min")
        verdict = "meets" if s1_einjit / s1_blas >= 0.30 else "does NOT meet"
        lines.append(f"einjit {s1_einjit * 1e-9:.1f} GFLOP/s, OpenBLAS {s1_blas * 1e-9:.1f} "
                     f"GFLOP/s: ratio **{s1_einjit / s1_blas:.2f}** (worst/best pairing of "
                     f"repetitions {low:.2f}–{high:.2f}); {verdict} the 30 % bar "
                     f"(BENCH.md's own target is 0.95).")
    else:
        lines.append("S1 did not run: " + errors.get("einjit/S1", "no result"))
    lines += ["", "## Contractions (fp32 unless marked; GFLOP/s, higher is better)", "",
              "| id | contraction | extents | einjit | OpenBLAS | einjit / OpenBLAS | "
              "einjit % of peak | OpenBLAS % of peak | notes |",
              "|---|---|---|---|---|---|---|---|---|"]
    for case, fields in {**SUITE, **g_cases(table)}.items():
        if f"einjit/{case}" in results or f"einjit/{case}" in errors:
            lines.append(contraction_row(table, case, fields, peak_f32, peak_f64))
    lines += ["", "## Memory-bound contractions (GB/s: inputs read once + output written once)",
              "", "| id | contraction | extents | einjit | OpenBLAS | einjit / OpenBLAS | "
              "einjit % of triad | OpenBLAS % of triad | notes |",
              "|---|---|---|---|---|---|---|---|---|"]
    for case, (contraction, extents, _) in MEMORY_SUITE.items():
        einjit, blas = f"einjit/{case}", f"openblas/{case}"
        if einjit not in results and einjit not in errors:
            continue
        einjit_rate = table.value(einjit, "bytes_per_second")
        blas_rate = table.value(blas, "bytes_per_second")
        ratio = significant(einjit_rate / blas_rate) if einjit_rate and blas_rate else "—"

        def of_triad(rate):
            return f"{100 * rate / triad:.0f} %" if rate and triad else "—"
        note = errors.get(einjit, "")
        lines.append(f"| {case} | `{contraction}` | {extents} | "
                     f"{table.spread(einjit, 'bytes_per_second', 1e-9)} | "
                     f"{table.spread(blas, 'bytes_per_second', 1e-9)} | {ratio} | "
                     f"{of_triad(einjit_rate)} | {of_triad(blas_rate)} | {note} |")
    lines += ["", "## Compile latency and call overhead (lower is better)", "",
              "| what | median (min–max) | BENCH.md target |", "|---|---|---|"]
    for case in ("S1", "S5", "B8"):
        name = f"compile/{case}"
        if name in errors:
            lines.append(f"| cold compile {case} | {errors[name]} | ≤ 20 ms |")
        elif name in results:
            times = [table.value(name, "cpu_time", aggregate) for aggregate in ("median", "min", "max")]
            wall = table.value(name, "real_time")
            jit = table.value(name, "jit_ms")
            lines.append(f"| cold compile {case}: plan() on a fresh Engine, CPU ms (wall ms; "
                         f"JIT's own wall ms) | {times[0] * 1e3:.1f} ({times[1] * 1e3:.1f}–"
                         f"{times[2] * 1e3:.1f}) (wall {wall * 1e3:.1f}; JIT {jit:.1f}) | ≤ 20 ms |")
    for name, label in (("cached_call/plan_run/2x2x2", "cached call, Plan::run on 2×2×2 (ns)"),
                        ("cached_call/engine_einsum/2x2x2",
                         "cached call, Engine::einsum on 2×2×2 (ns)")):
        if name in results:
            times = [table.value(name, "cpu_time", aggregate) for aggregate in ("median", "min", "max")]
            lines.append(f"| {label} | {times[0] * 1e9:.0f} ({times[1] * 1e9:.0f}–"
                         f"{times[2] * 1e9:.0f}) | ≤ 1000 ns |")
    walls = [entry["real_time"] / entry["cpu_time"] for aggregates in results.values()
             for aggregate, entry in aggregates.items()
             if aggregate == "median" and entry.get("cpu_time")]
    if walls:
        walls.sort()
        lines += ["", f"Noise: over all benchmarks the median wall time was "
                  f"{walls[len(walls) // 2]:.2f}× the CPU time (range {walls[0]:.2f}–"
                  f"{walls[-1]:.2f}×): other processes held the core that much of the time."]
    if errors:
        lines += ["", "## Benchmarks that did not run", ""]
        lines += [f"- `{name}`: {message}" for name, message in sorted(errors.items())]
    output.write_text("\n".join(lines) + "\n")
    print(f"wrote {output}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--build-dir", type=Path, default=REPO / "build-bench")
    parser.add_argument("--repetitions", type=int, default=5)
    parser.add_argument("--min-time", type=float, default=0.2,
                        help="seconds of CPU time per repetition (Google Benchmark's min_time)")
    parser.add_argument("--filter", default="", help="Google Benchmark --benchmark_filter regex")
    parser.add_argument("--skip-build", action="store_true")
    parser.add_argument("--output", type=Path, default=BENCH_DIR / "RESULTS.md")
    options = parser.parse_args()
    if not options.skip_build:
        build(options.build_dir)
    binary = options.build_dir / "bench" / "einjit_bench"
    if not binary.exists():
        sys.exit(f"{binary} was not built: is Google Benchmark or OpenBLAS missing? "
                 "(apt-get install libbenchmark-dev libopenblas-dev)")
    json_path = options.build_dir / "bench" / "results.json"
    command = [binary, f"--benchmark_repetitions={options.repetitions}",
               "--benchmark_report_aggregates_only=true",
               f"--benchmark_min_time={options.min_time}", "--benchmark_min_warmup_time=0.05",
               f"--benchmark_out={json_path}", "--benchmark_out_format=json"]
    if options.filter:
        command.append(f"--benchmark_filter={options.filter}")
    load_before = os.getloadavg()[0]
    run(command)
    load_after = os.getloadavg()[0]
    report = json.loads(json_path.read_text())
    write_results(report, lscpu(), (load_before, load_after), options, options.output)


if __name__ == "__main__":
    main()
