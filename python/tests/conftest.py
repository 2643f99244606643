"""Turns numpy_einsum_deviations.txt into assertions: each listed numpy einsum test must raise
the listed exception (TypeError from einjit naming the dtype, or the AssertionError of a
documented difference) instead of passing."""

import functools
import pathlib

import pytest

_FILE = pathlib.Path(__file__).with_name("numpy_einsum_deviations.txt")
_SUITE = "test_numpy_einsum_suite.py::"
_EXPECTED = {"TypeError": TypeError, "AssertionError": AssertionError}


def load_deviations():
    deviations = {}
    for line in _FILE.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        test, expected, reason = (part.strip() for part in line.split("|", 2))
        deviations[test] = (_EXPECTED[expected], reason)
    return deviations


def _expect(function, expected, reason):
    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        with pytest.raises(expected) as caught:
            function(*args, **kwargs)
        if expected is TypeError:
            assert "einjit computes" in str(caught.value), (reason, str(caught.value))

    return wrapper


def pytest_collection_modifyitems(config, items):
    deviations = load_deviations()
    seen = set()
    for item in items:
        if _SUITE not in item.nodeid:
            continue
        test = item.nodeid.split(_SUITE, 1)[1]
        if test in deviations:
            expected, reason = deviations[test]
            item.obj = _expect(item.obj, expected, reason)
            seen.add(test)
    # A listed test numpy no longer has is a stale line (checked when nothing was deselected).
    suite_collected = any(_SUITE in item.nodeid for item in items)
    missing = set(deviations) - seen
    if suite_collected and missing and not config.option.keyword:
        raise pytest.UsageError(f"numpy_einsum_deviations.txt lists tests numpy does not have: "
                                f"{sorted(missing)}")
