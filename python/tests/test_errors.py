"""Every error path: einjit.Error (a ValueError) with kind, message, column and caret; numpy's
TypeError/ValueError for misuse; TypeError naming a dtype einjit cannot compute."""

import numpy as np
import pytest

import einjit


def test_error_is_a_value_error_with_fields():
    with pytest.raises(einjit.Error) as caught:
        einjit.einsum("ij,j%->i", np.ones((2, 3)), np.ones((3, 3)))
    error = caught.value
    assert isinstance(error, ValueError)
    assert error.kind == "syntax"
    assert "invalid subscript '%'" in error.message
    assert error.source == "ij,j%->i"
    assert error.column == 4
    assert error.caret == "    ^"
    assert str(error).endswith("ij,j%->i\n      ^")


def test_shape_error_names_the_axis():
    with pytest.raises(einjit.Error) as caught:
        einjit.einsum("ij,jk->ik", np.ones((2, 3)), np.ones((4, 5)))
    assert caught.value.kind == "shape"
    assert "(3 != 4)" in caught.value.message


def test_call_errors():
    with pytest.raises(einjit.Error) as caught:
        einjit.call("K.batch_dot(x, y, axes=[2, 2, 2])", np.ones((2, 3, 4)), np.ones((2, 3, 4)))
    assert caught.value.kind in ("axis", "argument")
    with pytest.raises(einjit.Error) as caught:
        einjit.call("np.frobnicate(a, b)", np.ones(2), np.ones(2))
    assert caught.value.kind == "argument"
    assert caught.value.column is not None
    with pytest.raises(einjit.Error, match="one meaning"):
        einjit.call("np.matmul(a, b)", np.ones((2, 2)), np.ones((2, 2)), legacy_batch_dot=True)


def test_misuse_is_a_type_error():
    with pytest.raises(TypeError, match="missing operand"):
        einjit.call("K.batch_dot(x, y)", x=np.ones((2, 3, 4)))
    with pytest.raises(TypeError, match="no operand 'z'"):
        einjit.call("K.batch_dot(x, y)", x=np.ones((2, 3)), z=np.ones((2, 3)))
    with pytest.raises(TypeError, match="by position and by name"):
        einjit.call("ij,jk", np.ones((2, 3)), x=np.ones((2, 3)))
    with pytest.raises(TypeError):
        einjit.einsum(0, 0)
    with pytest.raises(ValueError):
        einjit.einsum()
    with pytest.raises(ValueError):
        einjit.einsum("ij")
    with pytest.raises(TypeError, match="Cannot cast"):
        einjit.einsum("i", np.ones(3), dtype=np.int32)
    with pytest.raises(ValueError, match="strategy"):
        einjit.Engine(strategy="fastest")


@pytest.mark.parametrize("dtype", [np.uint64, np.longdouble, object])
def test_unsupported_dtypes_refused_by_name(dtype):
    a = np.ones((2, 2), dtype=dtype)
    with pytest.raises(TypeError, match=np.dtype(dtype).name):
        einjit.einsum("ij,jk", a, a)
    with pytest.raises(TypeError, match="einjit computes"):
        einjit.call("np.matmul(a, b)", a, a)


def test_plan_misuse():
    plan = einjit.compile("ij,jk", (2, 3), (3, 4), dtype="float64")
    with pytest.raises(einjit.Error) as caught:
        plan(np.ones((2, 3)), np.ones((3, 5)))
    assert caught.value.kind == "misuse"
    with pytest.raises(einjit.Error):
        plan(np.ones((2, 3), np.float32), np.ones((3, 4), np.float32))
    with pytest.raises(TypeError):
        plan(np.ones((2, 3), np.uint64), np.ones((3, 4)))
    with pytest.raises(einjit.Error):
        plan(np.ones((2, 3)), np.ones((3, 4)), out=np.ones((2, 5)))
    with pytest.raises(ValueError):
        plan.explain("machine-code")
