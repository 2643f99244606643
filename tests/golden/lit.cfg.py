# Golden tests: each .test file holds the command (RUN:) and the lines to check (CHECK:).
import os
import platform

import lit.formats

config.name = "einjit-golden"
config.test_format = lit.formats.ShTest(True)
config.suffixes = [".test"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = config.golden_exec_root
config.excludes = ["lit.cfg.py", "lit.site.cfg.py.in", "Inputs"]
config.substitutions.append(("%einjit", config.einjit))
config.substitutions.append(("FileCheck", config.filecheck))
config.substitutions.append(("%not", config.not_tool))
config.environment["LC_ALL"] = "C"

# The host's vector extensions, for the tests that look at generated code (REQUIRES: avx2).
if platform.machine() in ("x86_64", "AMD64"):
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            flags = set(cpuinfo.read().split())
    except OSError:
        flags = set()
    if {"avx2", "fma"} <= flags:
        config.available_features.add("avx2")
