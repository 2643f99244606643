"""Writes the conformance data: runs every front-end form of SEMANTICS.md through the real
library and records what it returns or raises, one file per library under data/.

Each library runs under the interpreter that has it (see README.md):
    python3 generate.py --libs numpy,tensorflow,tf_keras,keras
    /usr/bin/python3 generate.py --libs torch
"""

import argparse
import importlib
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

from conformance_data import Recorder  # noqa: E402

LIBRARIES = ["numpy", "tensorflow", "tf_keras", "keras", "torch"]


def version_of(library):
    if library == "numpy":
        import numpy
        return numpy.__version__
    if library == "tensorflow":
        import numpy
        import tensorflow
        return f"{tensorflow.__version__} (numpy {numpy.__version__})"
    if library == "tf_keras":
        import tensorflow
        import tf_keras
        return f"{tf_keras.__version__} (tensorflow {tensorflow.__version__})"
    if library == "keras":
        import keras
        return f"{keras.__version__} ({keras.backend.backend()} backend)"
    import numpy
    import torch
    return f"{torch.__version__} (numpy {numpy.__version__})"


def to_numpy(value):
    import numpy
    if hasattr(value, "detach"):  # torch
        return value.detach().numpy()
    if hasattr(value, "numpy"):  # tf / keras eager tensors
        return numpy.asarray(value.numpy())
    return numpy.asarray(value)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--libs", default="numpy", help="comma-separated: " + ",".join(LIBRARIES))
    parser.add_argument("--out", default=os.path.join(HERE, "data"))
    args = parser.parse_args()
    libraries = [name.strip() for name in args.libs.split(",") if name.strip()]
    for library in libraries:
        if library not in LIBRARIES:
            parser.error(f"unknown library {library!r}; choose from {', '.join(LIBRARIES)}")
    os.makedirs(args.out, exist_ok=True)
    for library in libraries:
        recorder = Recorder(library, library, version_of(library), convert=to_numpy)
        importlib.import_module(f"cases_{library}").generate(recorder)
        recorder.write(os.path.join(args.out, f"{library}.txt"))


if __name__ == "__main__":
    main()
