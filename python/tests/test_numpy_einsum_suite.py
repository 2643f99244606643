"""numpy's own einsum tests, from the installed numpy (not copied), with `np.einsum` pointing
at einjit.einsum. The module's source runs with `np` bound to a view of numpy whose einsum is
einjit's (everything else, the references the tests compare with included, stays numpy's).
Tests einjit does not pass are listed in numpy_einsum_deviations.txt with the reason; conftest.py
makes each of them assert that einjit refuses the case cleanly (the listed exception)."""

import importlib.util
import sys
import types

import numpy
import numpy.testing  # imported before the module runs with the proxy in sys.modules

import einjit

_CANDIDATES = ("numpy._core.tests.test_einsum", "numpy.core.tests.test_einsum")


def _numpy_test_source():
    for name in _CANDIDATES:
        try:
            spec = importlib.util.find_spec(name)
        except ModuleNotFoundError:
            continue
        if spec is not None and spec.origin:
            return spec.origin
    raise ImportError("the installed numpy has no einsum test module")


class _NumpyWithEinjit(types.ModuleType):
    """numpy, except that einsum is einjit's."""

    def __getattr__(self, name):
        return getattr(numpy, name)


def _load():
    origin = _numpy_test_source()
    proxy = _NumpyWithEinjit("numpy")
    proxy.einsum = einjit.einsum
    module = types.ModuleType("numpy_einsum_tests_via_einjit")
    module.__file__ = origin
    with open(origin, encoding="utf-8") as source:
        code = compile(source.read(), origin, "exec")
    # `import numpy as np` in the module binds the proxy while it runs at import time.
    saved = sys.modules["numpy"]
    sys.modules["numpy"] = proxy
    try:
        exec(code, module.__dict__)
    finally:
        sys.modules["numpy"] = saved
    return module


_module = _load()
NUMPY_TEST_FILE = _module.__file__
for _name in dir(_module):
    if _name.startswith("Test") or _name.startswith("test_"):
        globals()[_name] = getattr(_module, _name)
