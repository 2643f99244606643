"""The conformance data format (see README.md) and the recorder every library module writes with.

A case is a call as the einjit CLI reads it, its inputs, and what the library did with them: a
value (dtype, shape, every element) or the exception it raised.
"""

import sys

import numpy as np

_DTYPE_NAMES = {
    np.dtype(np.float32): "f32",
    np.dtype(np.float64): "f64",
    np.dtype(np.int32): "i32",
    np.dtype(np.int64): "i64",
    np.dtype(np.complex64): "c64",
    np.dtype(np.complex128): "c128",
}


def dtype_name(dtype):
    return _DTYPE_NAMES[np.dtype(dtype)]


def shape_text(shape):
    return "x".join(str(extent) for extent in shape) if len(shape) else "scalar"


def _number_text(value, kind):
    if kind == "c":
        return f"{float(value.real)!r},{float(value.imag)!r}"
    if kind in "iu":
        return str(int(value))
    # repr of the float64 that holds the value: exact for f32 too, read back exactly by strtod.
    return repr(float(value))


def array_text(array):
    array = np.asarray(array)
    kind = array.dtype.kind
    values = " ".join(_number_text(value, kind) for value in array.reshape(-1))
    return f"{dtype_name(array.dtype)} {shape_text(array.shape)}{' ' if values else ''}{values}"


def _one_line(text, limit=400):
    text = " | ".join(line.strip() for line in str(text).splitlines() if line.strip())
    return text if len(text) <= limit else text[: limit - 3] + "..."


class Inputs:
    """Seeded small inputs whose products and sums are computed tightly by every library."""

    def __init__(self, seed):
        self.rng = np.random.default_rng(seed)

    def f64(self, shape):
        return np.round(self.rng.uniform(-1.0, 1.0, shape), 3).astype(np.float64)

    def f32(self, shape):
        """Small integers stored as float32: every library computes them exactly."""
        return self.rng.integers(-4, 5, shape).astype(np.float32)

    def f32_fraction(self, shape):
        return np.round(self.rng.uniform(-1.0, 1.0, shape), 3).astype(np.float32)

    def ints(self, shape, dtype=np.int64):
        return self.rng.integers(-5, 6, shape).astype(dtype)

    def c128(self, shape):
        return (self.f64(shape) + 1j * self.f64(shape)).astype(np.complex128)

    def of(self, dtype, shape):
        """A numpy array (0-d for shape ()) of `dtype`, an einjit dtype name."""
        return np.asarray({
            "f64": self.f64,
            "f32": self.f32,
            "i32": lambda s: self.ints(s, np.int32),
            "i64": lambda s: self.ints(s, np.int64),
            "c128": self.c128,
        }[dtype](shape))


class Recorder:
    """Runs cases against one library and writes them, numbered, to one data file."""

    def __init__(self, prefix, library, version, convert=np.asarray):
        self.prefix = prefix
        self.library = library
        self.version = version
        self.convert = convert  # library result -> numpy array
        self.lines = []
        self.count = 0
        self.values = 0
        self.errors = 0
        self.surprises = []

    def case(self, call, inputs, run, expect="value"):
        """`inputs` is a list of (name, numpy array) in the order of the call's operands; `run`
        takes the arrays and calls the library. `expect` only flags surprises on stderr: what the
        library does is what gets recorded. Returns the case id and the result array or the
        exception."""
        self.count += 1
        case_id = f"{self.prefix}_{self.count:04d}"
        lines = [f"case {case_id}", f"library {self.library} {self.version}", f"call {call}"]
        for name, array in inputs:
            lines.append(f"input {name} {array_text(array)}")
        try:
            result = self.convert(run(*[array for _, array in inputs]))
            lines.append(f"output {array_text(result)}")
            outcome = "value"
            self.values += 1
        except Exception as error:  # the library's refusal is the datum
            result = error
            lines.append(f"error {type(error).__name__}: {_one_line(error)}")
            outcome = "error"
            self.errors += 1
        if outcome != expect:
            got = lines[-1][:160]
            self.surprises.append(f"surprise: {case_id} {call}: expected {expect}, got {got}")
        lines.append("end")
        self.lines.extend(lines)
        return case_id, result

    def note(self, text):
        """A remark printed with the summary (e.g. a difference from SEMANTICS.md)."""
        self.surprises.append(text)

    def write(self, path):
        header = [
            "# einjit conformance data, written by tests/conformance/generate.py: do not edit.",
            f"# {self.library} {self.version}: {self.values} value cases, "
            f"{self.errors} error cases.",
        ]
        with open(path, "w", encoding="utf-8") as out:
            out.write("\n".join(header + self.lines) + "\n")
        print(f"{path}: {self.values} value cases, {self.errors} error cases", file=sys.stderr)
        for surprise in self.surprises:
            print(f"  {surprise}", file=sys.stderr)
