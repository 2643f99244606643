"""The committed conformance data (tests/conformance/data: numpy, torch, TensorFlow, tf-keras and
Keras 3 on recorded inputs) replayed through einjit.call: values within the dtype's tolerance of
what the library returned, and refusals as einjit.Error where the library refused (or
tests/conformance/deviations.txt says einjit refuses on purpose)."""

import pathlib

import numpy as np
import pytest

import einjit

_ROOT = pathlib.Path(__file__).resolve().parents[2] / "tests" / "conformance"
_DTYPES = {"f32": np.float32, "f64": np.float64, "i32": np.int32, "i64": np.int64,
           "c64": np.complex64, "c128": np.complex128}
_TOLERANCE = {"f32": 1e-5, "c64": 1e-5, "f64": 1e-12, "c128": 1e-12, "i32": 0, "i64": 0}


def _array(fields):
    dtype, shape = fields[0], fields[1]
    shape = () if shape == "scalar" else tuple(int(e) for e in shape.split("x"))
    if dtype.startswith("c"):
        values = [complex(*(float(p) for p in v.split(","))) for v in fields[2:]]
    else:
        values = [float(v) if dtype.startswith("f") else int(v) for v in fields[2:]]
    return dtype, np.array(values, dtype=_DTYPES[dtype]).reshape(shape)


def _cases():
    cases = []
    for path in sorted((_ROOT / "data").glob("*.txt")):
        case = None
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.startswith("#") or not line.strip():
                continue
            key, _, rest = line.partition(" ")
            if key == "case":
                case = {"id": rest, "inputs": [], "output": None, "error": None}
            elif key == "call":
                case["call"] = rest
            elif key == "input":
                fields = rest.split(" ")
                case["inputs"].append((fields[0], _array(fields[1:])))
            elif key == "output":
                case["output"] = _array(rest.split(" "))
            elif key == "error":
                case["error"] = rest
            elif key == "end":
                cases.append(case)
    return cases


def _deviations():
    ids = set()
    for line in (_ROOT / "deviations.txt").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            ids.add(line.split()[0])
    return ids


CASES = _cases() if (_ROOT / "data").is_dir() else []
DEVIATIONS = _deviations() if CASES else set()


def test_data_found():
    if not (_ROOT / "data").is_dir():
        pytest.skip("run from the source tree: tests/conformance/data is not beside python/")
    assert len(CASES) > 1000


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_replay(case):
    inputs = [array for _, (_, array) in case["inputs"]]
    if case["error"] is not None or case["id"] in DEVIATIONS:
        with pytest.raises(einjit.Error) as caught:
            einjit.call(case["call"], *inputs)
        assert caught.value.kind != "internal"
        return
    dtype, expected = case["output"]
    got = einjit.call(case["call"], *inputs)
    got = np.asarray(got)
    assert got.shape == expected.shape
    tolerance = _TOLERANCE[dtype]
    if tolerance == 0:
        np.testing.assert_array_equal(got, expected)
        return
    # Scaled by the magnitude of the terms (the same call on |inputs|), as the C++ replay does.
    magnitude = np.abs(np.asarray(einjit.call(case["call"], *[np.abs(a).astype(a.dtype)
                                                              for a in inputs])))
    bound = tolerance * (magnitude + np.abs(expected)) + tolerance * 1e-6
    assert np.all(np.abs(got - expected) <= bound), (case["call"], got, expected)
