"""float16 and bfloat16 (ml_dtypes) computed by einjit's own f16/bf16 kernels: read in place,
summed in float32, rounded once (to nearest even) into a result of the operands' dtype.

Tolerances: where the float32 sums are exact (small integers) the result must equal the
float32 reference rounded once; on random data einjit's float32 summation order differs from
numpy's, which can move a float32 sum across a rounding boundary of the 16-bit result: at
most one unit in the last place of the result is allowed (rtol 2**-10 for float16, 2**-7 for
bfloat16, each an ulp relative to the value)."""

import gc
import sys
import time

import numpy as np
import pytest

import einjit
from einjit import _arrays, _einjit
from test_zero_copy import DLPackOnly

ml_dtypes = pytest.importorskip("ml_dtypes")
BF16 = np.dtype(ml_dtypes.bfloat16)
F16 = np.dtype(np.float16)
HALVES = [F16, BF16]
RTOL = {F16: 2.0**-10, BF16: 2.0**-7}


def _random(shape, dtype, seed):
    return np.random.default_rng(seed).standard_normal(shape).astype(np.float32).astype(dtype)


def _once(reference_f32, dtype):
    """The float32 reference rounded once to the 16-bit dtype."""
    return np.asarray(reference_f32, np.float32).astype(dtype)


def _assert_within_an_ulp(got, reference_f32, dtype):
    assert got.dtype == dtype
    np.testing.assert_allclose(got.astype(np.float32), _once(reference_f32, dtype).astype(
        np.float32), rtol=RTOL[dtype], atol=RTOL[dtype] * 1e-3)


@pytest.mark.parametrize("dtype", HALVES, ids=str)
def test_integer_data_is_the_float32_sum_rounded_once(dtype):
    rng = np.random.default_rng(0)
    a = rng.integers(-8, 9, (7, 33)).astype(dtype)
    b = rng.integers(-8, 9, (33, 5)).astype(dtype)
    reference = a.astype(np.float32) @ b.astype(np.float32)  # exact in float32
    for got in (einjit.einsum("ij,jk->ik", a, b), einjit.matmul(a, b), einjit.dot(a, b),
                einjit.tensordot(a, b, axes=1), einjit.inner(a, b.T),
                einjit.call("np.matmul(a, b)", a, b),
                einjit.compile("ij,jk->ik", a.shape, b.shape, dtype=dtype)(a, b)):
        assert got.dtype == dtype
        np.testing.assert_array_equal(got.astype(np.float32), _once(reference, dtype))
    outer = einjit.outer(a[0], b[:, 0])
    assert outer.dtype == dtype
    np.testing.assert_array_equal(outer.astype(np.float32), _once(
        np.outer(a[0].astype(np.float32), b[:, 0].astype(np.float32)), dtype))


@pytest.mark.parametrize("dtype", HALVES, ids=str)
def test_random_data_within_one_ulp(dtype):
    a, b = _random((4, 64, 24), dtype, 1), _random((4, 24, 40), dtype, 2)
    reference = np.einsum("bij,bjk->bik", a.astype(np.float32), b.astype(np.float32))
    _assert_within_an_ulp(einjit.einsum("bij,bjk->bik", a, b), reference, dtype)
    _assert_within_an_ulp(einjit.matmul(a, b), reference, dtype)
    # Non-contiguous operands take the general path.
    _assert_within_an_ulp(einjit.einsum("bji,bjk->bik", a.transpose(0, 2, 1), b), reference,
                          dtype)
    c = _random((3, 5, 7), dtype, 3)
    reference = np.einsum("ijk,ijk,ik->j", c.astype(np.float32), c.astype(np.float32),
                          c[:, 0, :].astype(np.float32))
    _assert_within_an_ulp(einjit.einsum("ijk,ijk,ik->j", c, c, c[:, 0, :]), reference, dtype)


def test_one_rounding_at_the_end():
    # Rounding after every addition would give 256 (bf16: 8 bits of precision) and 2048 (f16:
    # 11 bits): 256 + 1 rounds back to 256, and so on. One rounding of the f32 sum gives 260.
    for dtype, first, total in ((BF16, 256.0, 260.0), (F16, 2048.0, 2052.0)):
        values = np.array([first, 1, 1, 1, 1], np.float32).astype(dtype)
        ones = np.ones(5, np.float32).astype(dtype)
        assert float(einjit.einsum("i,i->", values, ones)) == total
        assert float(einjit.dot(values, ones)) == total
        assert float(einjit.einsum("i->", values)) == total
        plan = einjit.compile("i,i->", (5,), (5,), dtype=dtype)
        assert float(plan(values, ones)) == total


def test_round_to_nearest_even_overflow_and_nan():
    # 1 + 2**-8 lies halfway between bf16's 1 and 1 + 2**-7: to even is 1; 3 * 2**-9 more
    # rounds up. float16's largest finite is 65504: twice it is inf; NaN stays NaN.
    half_ulp = np.array([1.0, 2.0**-8], np.float32).astype(BF16)
    assert float(einjit.einsum("i->", half_ulp)) == 1.0
    above = np.array([1.0, 2.0**-8, 2.0**-9], np.float32).astype(BF16)
    assert float(einjit.einsum("i->", above)) == 1.0 + 2.0**-7
    big = np.array([65504.0, 65504.0], F16)
    assert np.isposinf(einjit.einsum("i->", big))
    assert np.isnan(einjit.einsum("i,i->", np.array([np.nan, 1], F16), np.ones(2, F16)))


@pytest.mark.parametrize("dtype", HALVES, ids=str)
def test_operands_are_read_in_place(dtype):
    a = np.ones((3, 4), dtype)
    b = np.ones((4, 2), dtype)
    plan = einjit.compile("ij,jk->ik", (3, 4), (4, 2), dtype=dtype)
    assert plan.dtype == dtype
    assert _arrays.ready(a, _arrays.compute_dtype(a.dtype, "test")) is a  # no copy
    np.testing.assert_array_equal(plan(a, b).astype(np.float32), np.full((3, 2), 4.0))
    a[0, :] = 2  # the next run reads the new values: nothing was copied aside
    np.testing.assert_array_equal(plan(a, b)[0].astype(np.float32), [8.0, 8.0])
    np.testing.assert_array_equal(einjit.einsum("ij,jk->ik", a, b)[0].astype(np.float32),
                                  [8.0, 8.0])
    strided = np.ones((6, 8), dtype)[::2, ::2]  # strides of whole elements, not C order
    np.testing.assert_array_equal(einjit.einsum("ij->j", strided).astype(np.float32),
                                  np.full(4, 3.0))


@pytest.mark.parametrize("dtype", HALVES, ids=str)
def test_out_is_written_in_place(dtype):
    a, b = _random((5, 6), dtype, 4), _random((6, 3), dtype, 5)
    reference = a.astype(np.float32) @ b.astype(np.float32)
    for make in (lambda out: einjit.einsum("ij,jk->ik", a, b, out=out),
                 lambda out: einjit.matmul(a, b, out=out),
                 lambda out: einjit.call("np.matmul(a, b)", a, b, out=out),
                 lambda out: einjit.compile("ij,jk->ik", a.shape, b.shape, dtype=dtype)(
                     a, b, out=out)):
        storage = np.zeros((3, 5), dtype)
        out = storage.T  # Fortran strides: written through them
        result = make(out)
        assert result is None or result is out
        assert np.shares_memory(out, storage)
        _assert_within_an_ulp(out, reference, dtype)
    # beta reads the 16-bit output: 2 * 1 + 1 * 2 = 4.
    plan = einjit.compile("i,i->i", (3,), (3,), dtype=dtype)
    out = np.full(3, 2.0, np.float32).astype(dtype)
    plan(np.ones(3, dtype), np.ones(3, dtype), out=out, alpha=2, beta=1)
    np.testing.assert_array_equal(out.astype(np.float32), [4.0, 4.0, 4.0])


def test_type_promotion_is_numpys():
    # numpy with ml_dtypes: float16 with bfloat16 is float32; bfloat16 with int8 stays bfloat16;
    # float16 with float32 is float32; bfloat16 with int32 is float64.
    h, b = np.ones(4, F16), np.ones(4, BF16)
    cases = [(h, b), (b, np.ones(4, np.int8)), (h, np.ones(4, np.float32)),
             (b, np.ones(4, np.int32)), (h, h), (b, b)]
    for x, y in cases:
        got = einjit.einsum("i,i->i", x, y)
        assert got.dtype == np.result_type(x, y), (x.dtype, y.dtype)
        np.testing.assert_array_equal(got.astype(np.float64), np.ones(4))
        assert einjit.matmul(x, y).dtype == np.result_type(x, y)
    assert einjit.einsum("i,i->i", h, h, dtype=np.float32).dtype == np.float32
    with pytest.raises(TypeError, match="according to the rule 'safe'"):
        einjit.einsum("i,i->i", np.ones(4, np.float32), np.ones(4, np.float32), dtype=F16)


def test_jax_bfloat16_and_float16_arrays():
    jnp = pytest.importorskip("jax.numpy")
    for dtype in (jnp.bfloat16, jnp.float16):
        a = jnp.asarray(_random((8, 16), np.float32, 6), dtype=dtype)
        b = jnp.asarray(_random((16, 4), np.float32, 7), dtype=dtype)
        reference = np.asarray(a, np.float32) @ np.asarray(b, np.float32)
        for got in (einjit.einsum("ij,jk->ik", a, b), einjit.matmul(a, b), einjit.dot(a, b)):
            assert type(got) is type(a) and got.dtype == dtype
            _assert_within_an_ulp(np.asarray(got), reference, np.dtype(dtype))
    # A bfloat16 DLPack array is read in place: numpy's view of it is the same memory.
    a = jnp.arange(6, dtype=jnp.bfloat16).reshape(2, 3)
    viewed, framework = _arrays.as_operand(a)
    assert viewed.dtype == BF16 and framework is type(a)
    assert viewed.__array_interface__["data"][0] == a.unsafe_buffer_pointer()
    np.testing.assert_array_equal(viewed.astype(np.float32), np.arange(6.0).reshape(2, 3))


def test_torch_bfloat16_and_float16_tensors():
    torch = pytest.importorskip("torch")
    for dtype in (torch.bfloat16, torch.float16):
        a = torch.arange(12, dtype=torch.float32).reshape(3, 4).to(dtype)
        got = einjit.einsum("ij->j", a)
        assert isinstance(got, torch.Tensor) and got.dtype == dtype
        assert torch.equal(got.float(), torch.arange(12, dtype=torch.float32).reshape(3, 4).sum(0))


def test_bfloat16_dlpack_only_objects():
    jnp = pytest.importorskip("jax.numpy")
    a = DLPackOnly(jnp.arange(12, dtype=jnp.bfloat16).reshape(3, 4))
    got = einjit.einsum("ij->j", a)
    assert got.dtype == BF16
    np.testing.assert_array_equal(got.astype(np.float32), np.arange(12.0).reshape(3, 4).sum(0))
    exported = _arrays._Bfloat16Export(np.ones((2, 3), BF16))
    np.testing.assert_array_equal(np.asarray(jnp.from_dlpack(exported), np.float32),
                                  np.ones((2, 3)))


def test_bfloat16_export_keeps_and_releases_the_array():
    # A capsule holds one reference to the numpy array: dropped unconsumed, or once the consumer
    # (JAX, in either DLPack version) lets its tensor go.
    jnp = pytest.importorskip("jax.numpy")
    array = np.arange(6, dtype=np.float32).astype(BF16).reshape(2, 3)
    before = sys.getrefcount(array)
    for versioned in (True, False):
        capsule = _einjit.bfloat16_dlpack(array, versioned)
        assert sys.getrefcount(array) == before + 1
        del capsule
        assert sys.getrefcount(array) == before
    result = jnp.from_dlpack(_arrays._Bfloat16Export(array))
    assert result.dtype == jnp.bfloat16
    np.testing.assert_array_equal(np.asarray(result, np.float32), np.arange(6.0).reshape(2, 3))
    del result
    gc.collect()
    # JAX may copy on a worker thread, which drops the reference when it is done (with the GIL).
    deadline = time.monotonic() + 10
    while sys.getrefcount(array) != before and time.monotonic() < deadline:
        time.sleep(0.01)
    assert sys.getrefcount(array) == before
    with pytest.raises(BufferError, match="copy"):
        _arrays._Bfloat16Export(array).__dlpack__(copy=True)


@pytest.mark.parametrize("dtype", ["float16", "bfloat16", F16, BF16], ids=str)
def test_explain_and_compile_name_the_dtype(dtype):
    short = "f16" if np.dtype(dtype) == F16 else "bf16"
    explanation = einjit.explain("ij,jk->ik", (2, 3), (3, 4), dtype=dtype)
    assert explanation.dtype == short
    assert short in str(explanation)
    plan = einjit.compile("ij,jk->ik", (2, 3), (3, 4), dtype=dtype)
    assert plan.dtype == np.dtype(dtype)
    assert short in repr(plan) or str(np.dtype(dtype)) in repr(plan)
    assert einjit.explain("ij,jk->ik", np.ones((2, 3), dtype), (3, 4)).dtype == short


def test_refused():
    # A plan runs only on its own dtype; a promotion einjit does not compute (longdouble) is
    # refused naming the dtype.
    plan = einjit.compile("i,i->", (3,), (3,), dtype="bfloat16")
    with pytest.raises(einjit.Error):
        plan(np.ones(3, F16), np.ones(3, F16))
    with pytest.raises(TypeError, match="einjit computes"):
        einjit.einsum("i,i->", np.ones(3, BF16), np.ones(3, np.longdouble))
    with pytest.raises(TypeError, match="einjit computes"):
        einjit.einsum("i,i->", np.ones(3, np.float16), np.ones(3, np.clongdouble))
    with pytest.raises(TypeError, match="einjit computes"):
        einjit.compile("i->", (3,), dtype=np.float128)


def test_without_ml_dtypes_bfloat16_names_the_package(monkeypatch):
    monkeypatch.setitem(sys.modules, "ml_dtypes", None)  # import ml_dtypes raises ImportError
    with pytest.raises(TypeError, match="ml_dtypes"):
        _arrays.compute_dtype("bfloat16", "compile")
    assert _arrays.dtype_name("bfloat16", "explain") == "bfloat16"
    assert not _arrays.is_bfloat16(np.dtype(np.float16))


def test_dot_inner_transpose_read_dlpack_only_objects():
    a = np.arange(12.0).reshape(3, 4)
    b = np.arange(8.0).reshape(4, 2)
    np.testing.assert_array_equal(einjit.dot(DLPackOnly(a), DLPackOnly(b)), a @ b)
    np.testing.assert_array_equal(einjit.dot(DLPackOnly(a), b), a @ b)
    np.testing.assert_array_equal(einjit.inner(DLPackOnly(a), DLPackOnly(a)), np.inner(a, a))
    np.testing.assert_array_equal(einjit.dot(DLPackOnly(a), np.float64(2.0)), 2 * a)
    np.testing.assert_array_equal(einjit.inner(np.float64(3.0), DLPackOnly(a)), 3 * a)
    transposed = einjit.transpose(DLPackOnly(a))
    np.testing.assert_array_equal(transposed, a.T)
    assert np.shares_memory(transposed, a)  # a view, as numpy's transpose
    np.testing.assert_array_equal(einjit.transpose(DLPackOnly(a), (1, 0)), a.T)
    out = np.zeros((3, 2))
    assert einjit.dot(DLPackOnly(a), DLPackOnly(b), out=out) is out
    np.testing.assert_array_equal(out, a @ b)


def test_jax_transpose_dot_inner():
    jnp = pytest.importorskip("jax.numpy")
    a = jnp.arange(12.0, dtype=jnp.float32).reshape(3, 4)
    got = einjit.transpose(a)
    np.testing.assert_array_equal(np.asarray(got), np.asarray(a).T)
    np.testing.assert_array_equal(np.asarray(einjit.inner(a, a)), np.inner(a, a))
    np.testing.assert_array_equal(np.asarray(einjit.dot(a, a.T)), np.asarray(a) @ np.asarray(a).T)


def test_import_einjit_does_not_import_ml_dtypes():
    import subprocess
    code = "import sys, einjit; sys.exit('ml_dtypes' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0


def test_dask_sums_chunks_in_float32_and_rounds_once():
    da = pytest.importorskip("dask.array")
    import einjit.dask
    for dtype, first, total in ((BF16, 256.0, 260.0), (F16, 2048.0, 2052.0)):
        values = da.from_array(np.array([first, 1, 1, 1, 1], np.float32).astype(dtype), chunks=1)
        ones = da.from_array(np.ones(5, np.float32).astype(dtype), chunks=2)
        result = einjit.dask.einsum("i,i->", values, ones)
        assert result.dtype == dtype
        computed = result.compute(scheduler="sync")
        assert computed.dtype == dtype and float(computed) == total


def test_bfloat16_named_by_string_and_float32_results():
    ones = np.ones(3, np.float32)
    got = einjit.einsum("i,i->i", ones, ones, dtype="bfloat16", casting="same_kind")
    assert got.dtype == BF16
    # dtype=float32: the 16-bit operands widen exactly, the float32 sum is not rounded to 16 bits.
    values = np.array([2048, 1, 1, 1], np.float16)
    assert einjit.einsum("i->", values, dtype=np.float32) == np.float32(2051.0)
    assert einjit.einsum("i->", values) == np.float16(2052.0)  # 2051 rounds to even


@pytest.mark.parametrize("dtype", HALVES, ids=str)
def test_float32_output_keeps_the_sums_unrounded(dtype):
    # 2048 + 1 is neither a float16 nor a bfloat16; the float32 output holds it exactly.
    x = np.array([[2048, 1], [1, 1]], dtype)
    y = np.ones((2, 2), dtype)
    plan = einjit.compile("ij,jk->ik", (2, 2), (2, 2), dtype=dtype, out_dtype=np.float32)
    assert plan.dtype == dtype and plan.out_dtype == np.float32
    got = plan(x, y)
    assert got.dtype == np.float32
    np.testing.assert_array_equal(got, [[2049, 2049], [2, 2]])
    rounded = einjit.compile("ij,jk->ik", (2, 2), (2, 2), dtype=dtype)(x, y)
    assert rounded.dtype == dtype and float(rounded[0, 0]) == 2048
    out = np.full((2, 2), 1, np.float32)
    plan(x, y, out=out, alpha=0.5, beta=2)
    np.testing.assert_array_equal(out, [[1026.5, 1026.5], [3, 3]])
    a, b = _random((37, 64), dtype, 1), _random((64, 29), dtype, 2)
    np.testing.assert_allclose(plan_of(a, b)(a, b), a.astype(np.float32) @ b.astype(np.float32),
                               rtol=1e-5, atol=1e-5)
    with pytest.raises(einjit.Error, match="output dtype float64|output dtype f64"):
        einjit.compile("i,i->", (3,), (3,), dtype=dtype, out_dtype=np.float64)
    with pytest.raises(einjit.Error, match="output dtype f32 for f64"):
        einjit.compile("i,i->", (3,), (3,), dtype=np.float64, out_dtype=np.float32)


def plan_of(a, b):
    return einjit.compile("ij,jk->ik", a.shape, b.shape, dtype=a.dtype, out_dtype="float32")
