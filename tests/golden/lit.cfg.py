# Golden tests: each .test file holds the command (RUN:) and the lines to check (CHECK:).
import json
import os
import platform
import subprocess

import lit.formats

config.name = "einjit-golden"
config.test_format = lit.formats.ShTest(True)
config.suffixes = [".test"]
config.test_source_root = os.path.dirname(__file__)
# The pinned pass (scripts/golden-pinned.sh) may run beside the host pass: its temporary files go
# to a tree of their own.
config.test_exec_root = os.environ.get("EINJIT_GOLDEN_EXEC_ROOT") or config.golden_exec_root
config.excludes = ["lit.cfg.py", "lit.site.cfg.py.in", "Inputs"]
config.substitutions.append(("%einjit", config.einjit))
config.substitutions.append(("FileCheck", config.filecheck))
config.substitutions.append(("%not", config.not_tool))
config.environment["LC_ALL"] = "C"

# A run pinned to another target and other caches (CI's second pass over the suite) reaches
# every test through these variables; tests that pin their own flags are unaffected.
for variable in ("EINJIT_TARGET", "EINJIT_CACHE_SIZES"):
    if os.environ.get(variable):
        config.environment[variable] = os.environ[variable]
        config.name += " " + variable + "=" + os.environ[variable]

# What the kernels are compiled for, as einjit sees it (the host, or the pinned target), for the
# tests that look at generated code: REQUIRES: avx2 (256-bit vectors with FMA, x86), and
# vector-128 / vector-256 / vector-512.
target = json.loads(
    subprocess.run(
        [config.einjit, "target", "--json"],
        env={**os.environ, **config.environment},
        check=True,
        capture_output=True,
        text=True,
    ).stdout
)
config.available_features.add("vector-%d" % target["vector_bits"])
if platform.machine() in ("x86_64", "AMD64"):
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            flags = set(cpuinfo.read().split())
    except OSError:
        flags = set()
    if {"avx2", "fma"} <= flags and target["vector_bits"] >= 256:
        config.available_features.add("avx2")
