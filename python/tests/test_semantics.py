"""The demo's five questions and SEMANTICS.md examples from Python: values computed by einjit
(einjit.call on the user's arrays) against the numpy formula SEMANTICS.md gives for the call."""

import numpy as np
import pytest

import einjit


def arange(*shape, dtype=np.float64):
    return np.arange(int(np.prod(shape)), dtype=dtype).reshape(shape)


def test_dot_layer_axes_2_batch_axis_stays():  # demo (a)
    a, b = arange(2, 3, 4), arange(2, 3, 4) + 24
    out = einjit.call("keras.layers.Dot(axes=2)([a, b])", a, b)
    assert out.shape == (2, 3, 3)
    np.testing.assert_array_equal(out, np.einsum("bik,bjk->bij", a, b))
    assert einjit.explain("keras.layers.Dot(axes=2)([a, b])", a, b).einsum == "bck,bdk->bcd"


def test_dot_layer_normalize():  # demo (a), normalize=True
    a, b = arange(2, 3, 4) + 1, arange(2, 3, 4) + 24
    out = einjit.call("keras.layers.Dot(axes=2, normalize=True)([a, b])", a, b)
    an = a / np.maximum(np.linalg.norm(a, axis=2, keepdims=True), 1e-7)
    bn = b / np.maximum(np.linalg.norm(b, axis=2, keepdims=True), 1e-7)
    np.testing.assert_allclose(out, np.einsum("bik,bjk->bij", an, bn), rtol=1e-12)


def test_k_dot_numpy_rule():  # demo (b)
    x, y = arange(2, 3, 4), arange(7, 4, 5)
    out = einjit.call("K.dot(x, y)", x, y)
    assert out.shape == (2, 3, 7, 5)
    np.testing.assert_array_equal(out, np.dot(x, y))


def test_k_dot_refuses_mismatched_axes():  # demo (b), second part
    with pytest.raises(einjit.Error) as caught:
        einjit.explain("K.dot(x, y)", x=(3, 4, 5, 2), y=(2, 5, 3, 7))
    assert caught.value.kind in ("shape", "axis")


def test_batch_dot_current_and_legacy():  # demo (c), SEMANTICS.md 8.6
    x, y = arange(9, 8, 7, 4, 2), arange(9, 8, 7, 2, 5)
    # Current Keras contracts x's last axis with y's axis -2 and keeps every other axis of y
    # (a 7-D result); legacy Keras (<= 2.2.4) kept the shared batch axes once (5-D).
    current = einjit.call("K.batch_dot(x, y)", x, y)
    assert current.shape == (9, 8, 7, 4, 8, 7, 5)
    np.testing.assert_array_equal(current, np.einsum("bcdik,bfgkj->bcdifgj", x, y))
    legacy = einjit.call("K.batch_dot(x, y)", x, y, legacy_batch_dot=True)
    assert legacy.shape == (9, 8, 7, 4, 5)
    np.testing.assert_array_equal(legacy, np.einsum("bcdik,bcdkj->bcdij", x, y))
    explained = einjit.explain("K.batch_dot(x, y)", x=(9, 8, 7, 4, 2), y=(9, 8, 7, 2, 5))
    assert explained.out_shape == (9, 8, 7, 4, 8, 7, 5)
    assert explained.legacy["out_shape"] == [9, 8, 7, 4, 5]
    assert explained.legacy["differs"] is True
    assert "Keras versions disagree" in str(explained)


def test_batch_dot_axes_by_name():
    x, y = arange(2, 3, 4, dtype=np.float32), arange(2, 3, 4, dtype=np.float32) + 1
    out = einjit.call("K.batch_dot(x, y, axes=[2, 2])", y=y, x=x)
    assert out.dtype == np.float32
    np.testing.assert_allclose(out, np.einsum("bik,bjk->bij", x, y))


def test_layers_dot_axes_2_1():  # demo (d)
    x1 = arange(2, 2, 4)
    x2 = np.array([[1.0, 2, 3, 4], [1, 2, 3, 4]])
    out = einjit.call("keras.layers.dot([x1, x2], axes=(2, 1))", x1, x2)
    np.testing.assert_array_equal(out, np.einsum("bik,bk->bi", x1, x2))


def test_attention_tensordot():  # demo (e)
    v, u = arange(2, 3, 4), np.array([1.0, 2, 3, 4])
    np.testing.assert_array_equal(einjit.call("tf.tensordot(v, u, axes=1)", v, u),
                                  np.tensordot(v, u, axes=1))
    y, w = arange(2, 3, 4), arange(2, 4)
    np.testing.assert_array_equal(einjit.call("keras.layers.dot([y, u], axes=-1)", y=y, u=w),
                                  np.einsum("bik,bk->bi", y, w))


@pytest.mark.parametrize("text, shapes, formula", [
    ("np.tensordot(a, b, axes=[[1], [0]])", [(2, 3), (3, 4)], lambda a, b: a @ b),
    ("tf.matmul(a, b, transpose_b=True)", [(2, 3), (4, 3)], lambda a, b: a @ b.T),
    ("torch.bmm(a, b)", [(2, 3, 4), (2, 4, 5)], lambda a, b: a @ b),
    ("a @ b", [(5, 2, 3), (3, 4)], lambda a, b: a @ b),
    ("np.outer(a, b)", [(2, 3), (4,)], lambda a, b: np.outer(a, b)),
    ("np.inner(a, b)", [(2, 3), (4, 3)], lambda a, b: np.inner(a, b)),
    ("bij,bjk->bik", [(2, 3, 4), (2, 4, 5)], lambda a, b: a @ b),
])
def test_calls_match_numpy(text, shapes, formula):
    rng = np.random.default_rng(7)
    a, b = (rng.standard_normal(s) for s in shapes)
    np.testing.assert_allclose(einjit.call(text, a, b), formula(a, b), rtol=1e-12, atol=1e-12)


def test_compiled_plan():
    plan = einjit.compile("keras.layers.Dot(axes=2)([x, y])", (2, 3, 4), (2, 3, 4),
                          dtype="float64")
    assert plan.out_shape == (2, 3, 3)
    assert plan.input_names == ("x", "y")
    assert plan.dtype == np.float64
    x, y = arange(2, 3, 4), arange(2, 3, 4) + 1
    expected = np.einsum("bik,bjk->bij", x, y)
    np.testing.assert_array_equal(plan(x, y), expected)
    out = np.ones((2, 3, 3))
    assert plan(x, y, out=out, alpha=2, beta=1) is out
    np.testing.assert_array_equal(out, 2 * expected + 1)
    assert "loops" in plan.explain("loops")
    assert plan.explain("index").startswith("index:")


def test_engine_options_and_statistics(tmp_path):
    engine = einjit.Engine(cache_capacity=4, cache_dir=tmp_path, strategy="direct")
    x = arange(3, 4)
    np.testing.assert_array_equal(engine.call("np.matmul(a, b)", x, x.T), x @ x.T)
    np.testing.assert_array_equal(engine.call("np.matmul(a, b)", x, x.T), x @ x.T)
    stats = engine.statistics()
    assert stats["misses"] >= 1 and stats["entries"] >= 1
    assert stats["disk_writes"] >= 1
    assert any(tmp_path.iterdir())
    memory_only = einjit.Engine(cache_dir=False)
    memory_only.einsum("ij->j", x)
    assert memory_only.statistics()["disk_writes"] == 0
    assert "vectors" in engine.target


def test_call_out_alpha_beta_and_a_name_used_twice():
    a = arange(3, 3)
    np.testing.assert_array_equal(einjit.call("a @ a", a), a @ a)
    out = np.ones((3, 3))
    assert einjit.call("np.matmul(a, b)", a, a.T, out=out, alpha=2, beta=3) is out
    np.testing.assert_array_equal(out, 2 * (a @ a.T) + 3)
    out32 = np.zeros((3, 3), np.float32)  # another dtype: computed aside, then cast in
    einjit.call("np.matmul(a, b)", a, a, out=out32)
    np.testing.assert_array_equal(out32, (a @ a).astype(np.float32))
    ints = np.arange(6, dtype=np.int16).reshape(2, 3)
    result = einjit.call("np.matmul(a, b)", ints, ints.T)
    assert result.dtype == np.int16
    np.testing.assert_array_equal(result, ints @ ints.T)


def test_compile_with_named_shapes():
    plan = einjit.compile("K.batch_dot(x, y, axes=[2, 2])", y=(2, 5, 4), x=(2, 3, 4),
                          dtype="float32")
    assert plan.out_shape == (2, 3, 5)
    x = arange(2, 3, 4, dtype=np.float32)
    y = arange(2, 5, 4, dtype=np.float32)
    np.testing.assert_allclose(plan(y=y, x=x), np.einsum("bik,bjk->bij", x, y))


def test_beta_without_out_reads_nothing():
    a = arange(4, 4)
    plan = einjit.compile("ij,jk", (4, 4), (4, 4), dtype="float64")
    for _ in range(3):  # new arrays are uninitialised: beta must not read them
        np.testing.assert_array_equal(plan(a, a, beta=5.0), a @ a)
        np.testing.assert_array_equal(einjit.call("ij,jk", a, a, beta=5.0), a @ a)
    out = np.full((4, 4), 2, dtype=np.float32)
    einjit.call("ij,jk", a, a, out=out, beta=0.5)
    np.testing.assert_array_equal(out, (a @ a + 1).astype(np.float32))
