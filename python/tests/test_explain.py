"""einjit.explain: str() is the CLI's text, the attributes its --json, emit= the stages."""

import os
import pathlib
import shutil
import subprocess

import numpy as np
import pytest

import einjit


def _cli():
    here = pathlib.Path(__file__).resolve()
    built = here.parents[2] / "build" / "tools" / "einjit"
    if built.exists():
        return str(built)
    return shutil.which("einjit")


@pytest.mark.parametrize("expression, shapes, cli_shapes", [
    ("keras.layers.Dot(axes=2)([a, b])", [(2, 3, 4), (2, 3, 4)], "2x3x4,2x3x4"),
    ("K.batch_dot(x, y)", [(9, 8, 7, 4, 2), (9, 8, 7, 2, 5)], "x=9x8x7x4x2,y=9x8x7x2x5"),
    ("bij,bjk->bik", [(2, 3, 4), (2, 4, 5)], "2x3x4,2x4x5"),
])
def test_text_is_the_clis(expression, shapes, cli_shapes):
    explained = einjit.explain(expression, *shapes)
    cli = _cli()
    if cli is None:
        pytest.skip("the einjit CLI is not built (build/tools/einjit)")
    env = dict(os.environ, EINJIT_CACHE_DIR="off")
    printed = subprocess.run([cli, "explain", expression, "--shapes", cli_shapes], check=True,
                             capture_output=True, text=True, env=env).stdout
    assert str(explained) == printed


def test_json_fields_as_attributes():
    e = einjit.explain("bij,bjk->bik", (2, 3, 4), (2, 4, 5))
    assert e.out_shape == (2, 3, 5)
    assert e.einsum == "bij,bjk->bik"
    assert e.index == "out[b,i,k] = sum_j x[b,i,j] * y[b,j,k]"
    assert e.roles == {"b": "batch", "i": "free", "j": "contracted", "k": "free"}
    assert e.dtype == "f32"
    assert e.multiply_adds == 2 * 3 * 4 * 5
    assert e.legacy is None
    assert e._repr_html_().startswith("<pre>")
    with pytest.raises(AttributeError):
        e.no_such_field


def test_dtype_from_arrays_and_option():
    a = np.ones((2, 3), np.complex128)
    assert einjit.explain("ij,jk", a, (3, 4)).dtype == "c128"
    assert einjit.explain("ij,jk", (2, 3), (3, 4), dtype="float64").dtype == "f64"


def test_emit_stages():
    e = einjit.explain("ij,jk", (8, 8), (8, 8), emit="loops")
    assert "program" in e.as_dict() and "loops" in e.as_dict()
    assert "-- index program --" in str(e)
    assert "llvm" not in e.as_dict()
    e = einjit.explain("ij,jk", (8, 8), (8, 8), emit="llvm")
    assert "define" in e.llvm
    e = einjit.explain("ij,jk,kl", (8, 8), (8, 8), (8, 8), emit="path")
    assert "path" in e.as_dict()


def test_emit_passes():
    # The IR after every scheduling pass, a stage no other includes.
    e = einjit.explain("ij,jk", (64, 64), (64, 64), emit="passes")
    assert "passes" in e.as_dict() and "loops" not in e.as_dict()
    assert "vectorize" in e.passes and "(unchanged)" in e.passes
    plan = einjit.compile("ij,jk", (64, 64), (64, 64))
    assert "vectorize" in plan.explain("passes")
    with pytest.raises(einjit.Error, match="passes"):
        einjit.explain("ij,jk", (2, 3), (3, 4), emit="pass")  # type: ignore[arg-type]


def test_legacy_choice():
    e = einjit.explain("K.batch_dot(x, y)", (9, 8, 7, 4, 2), (9, 8, 7, 2, 5),
                       legacy_batch_dot=True)
    assert e.out_shape == (9, 8, 7, 4, 5)
    assert e.batch_dot == "legacy"
    with pytest.raises(einjit.Error, match="one meaning"):
        einjit.explain("ij,jk", (2, 3), (3, 4), legacy_batch_dot=True)
