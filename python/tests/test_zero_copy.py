"""Arrays are read in place through their strides and out= is written in place: views,
transposes, negative and zero strides, DLPack-only objects, torch tensors, JAX arrays; a
read-only out= is refused before anything runs."""

import re

import numpy as np
import pytest

import einjit


def test_views_negative_and_zero_strides():
    base = np.arange(60.0).reshape(6, 10)
    cases = [base[::2, 1::3], base.T, base[::-1, ::-2], np.broadcast_to(np.arange(10.0), (6, 10))]
    for a in cases:
        # A compiled transpose (einsum("ij->ji", a) is a numpy view, as numpy's is).
        np.testing.assert_array_equal(einjit.compile("ij->ji", a.shape, dtype="float64")(a), a.T)
        np.testing.assert_allclose(einjit.einsum("ij,ij->i", a, a), np.einsum("ij,ij->i", a, a))


def test_plan_reads_the_callers_memory():
    plan = einjit.compile("ij,jk->ik", (3, 4), (4, 2), dtype="float64")
    a, b = np.ones((3, 4)), np.ones((4, 2))
    np.testing.assert_array_equal(plan(a, b), np.full((3, 2), 4.0))
    a[0, :] = 2.0  # the next run reads the new values: nothing was copied aside
    np.testing.assert_array_equal(plan(a, b)[0], [8.0, 8.0])
    reversed_view = a[::-1]  # a negative stride
    np.testing.assert_array_equal(plan(reversed_view, b)[2], [8.0, 8.0])


def test_out_written_in_place_through_strides():
    a, b = np.random.default_rng(1).standard_normal((2, 3, 4, 5))[:2, :, :, 0], np.ones((4, 6))
    storage = np.zeros((6, 3, 2))
    out = storage.transpose(2, 1, 0)[:, :, :]  # (2, 3, 6) with non-C strides
    assert einjit.einsum("bik,kj->bij", a, b, out=out) is out
    assert np.shares_memory(out, storage)
    np.testing.assert_allclose(storage.transpose(2, 1, 0), np.einsum("bik,kj->bij", a, b))


def test_out_overlapping_an_input_is_still_right():
    a = np.arange(9.0).reshape(3, 3)
    expected = a @ a
    einjit.einsum("ij,jk->ik", a, a, out=a)
    np.testing.assert_array_equal(a, expected)


def test_out_with_contiguous_operands_takes_one_step_and_declines_what_it_cannot_do():
    # C-contiguous operands of one dtype with out= go straight to the extension; an out= it
    # cannot write directly (shared memory, another dtype, a wrong shape) is the general path's.
    rng = np.random.default_rng(2)
    a, b = rng.standard_normal((4, 3)), rng.standard_normal((3, 5))
    storage = np.zeros((5, 4))
    out = storage.T  # (4, 5), Fortran strides
    assert einjit.einsum("ij,jk->ik", a, b, out=out) is out
    np.testing.assert_allclose(storage.T, a @ b)
    square = rng.standard_normal((3, 3))
    expected = square @ square
    assert einjit.einsum("ij,jk->ik", square, square, out=square) is square
    np.testing.assert_allclose(square, expected)
    narrow = np.zeros((4, 5), np.float32)
    with pytest.raises(TypeError, match="according to the rule 'safe'"):
        einjit.einsum("ij,jk->ik", a, b, out=narrow)  # numpy refuses it too
    einjit.einsum("ij,jk->ik", a, b, out=narrow, casting="same_kind")
    np.testing.assert_allclose(narrow, (a @ b).astype(np.float32), rtol=1e-6)
    with pytest.raises(ValueError, match="out has shape"):
        einjit.einsum("ij,jk->ik", a, b, out=np.zeros((5, 4)))


class DLPackOnly:
    """A foreign framework's CPU array: only the DLPack protocol."""

    def __init__(self, array):
        self._array = array
        self.shape = array.shape

    def __dlpack__(self, **kwargs):
        return self._array.__dlpack__(**kwargs)

    def __dlpack_device__(self):
        return self._array.__dlpack_device__()


def test_dlpack_objects():
    a = np.arange(12.0).reshape(3, 4)
    wrapped = DLPackOnly(a)
    np.testing.assert_array_equal(einjit.einsum("ij->j", wrapped), a.sum(0))
    plan = einjit.compile("ij->j", (3, 4), dtype="float64")
    np.testing.assert_array_equal(plan(wrapped), a.sum(0))
    a[0, 0] = 100.0
    np.testing.assert_array_equal(plan(wrapped), a.sum(0))


def test_torch_tensors():
    torch = pytest.importorskip("torch")
    x = torch.arange(24, dtype=torch.float32).reshape(2, 3, 4)
    y = torch.arange(24, dtype=torch.float32).reshape(2, 3, 4).transpose(1, 2)  # a strided view
    out = einjit.einsum("bik,bkj->bij", x, y)
    assert isinstance(out, torch.Tensor)
    torch.testing.assert_close(out, torch.einsum("bik,bkj->bij", x, y))
    out = einjit.call("K.batch_dot(x, y, axes=[2, 1])", x, y)
    assert isinstance(out, torch.Tensor)
    plan = einjit.compile("bik,bkj->bij", (2, 3, 4), (2, 4, 3))
    result = plan(x, y)
    assert isinstance(result, torch.Tensor)
    torch.testing.assert_close(result, torch.einsum("bik,bkj->bij", x, y))


def test_jax_arrays():
    jax = pytest.importorskip("jax")
    import jax.numpy as jnp
    x = jnp.arange(24, dtype=jnp.float32).reshape(2, 3, 4)
    y = jnp.arange(24, dtype=jnp.float32).reshape(2, 4, 3)
    # read in place: numpy's DLPack view of a JAX array is the array's own buffer
    assert (np.from_dlpack(x).__array_interface__["data"][0]
            == x.addressable_data(0).unsafe_buffer_pointer())
    expected = np.einsum("bik,bkj->bij", np.asarray(x), np.asarray(y))
    out = einjit.einsum("bik,bkj->bij", x, y)
    assert isinstance(out, jax.Array)
    np.testing.assert_allclose(np.asarray(out), expected)
    out = einjit.call("K.batch_dot(x, y, axes=[2, 1])", x, y)
    assert isinstance(out, jax.Array)
    np.testing.assert_allclose(np.asarray(out), expected)
    result = einjit.compile("bik,bkj->bij", (2, 3, 4), (2, 4, 3))(x, y)
    assert isinstance(result, jax.Array)
    np.testing.assert_allclose(np.asarray(result), expected)
    assert isinstance(einjit.einsum("bik,bik->", x, x), jax.Array)  # a 0-d result too


def _read_only(array):
    array.flags.writeable = False
    return array


def test_a_read_only_out_is_refused_before_anything_runs():
    a = np.arange(6.0).reshape(2, 3)
    b = np.arange(12.0).reshape(3, 4)
    frozen = _read_only(np.full((2, 4), -1.0))
    frozen32 = _read_only(np.full((2, 4), -1.0, dtype=np.float32))  # computed aside, copied in
    engine = einjit.Engine(cache_dir=False)
    plan = engine.compile("ij,jk->ik", (2, 3), (3, 4), dtype="float64")
    misses = engine.statistics()["misses"]
    calls = {
        "einsum out=": [lambda: einjit.einsum("ij,jk->ik", a, b, out=frozen, engine=engine),
                        lambda: engine.einsum("ij,jk->ik", a, b, out=frozen32),
                        lambda: engine._engine.einsum("ij,jk->ik", [a, b], out=frozen)],
        "Plan.run out=": [lambda: plan(a, b, out=frozen),
                          lambda: plan._plan.run([a, b], out=frozen)],
        "call out=": [lambda: engine.call("np.matmul(a, b)", a, b, out=frozen),
                      lambda: engine.call("np.matmul(a, b)", a, b, out=frozen32)],
        "matmul out=": [lambda: einjit.matmul(a, b, out=frozen)],
        "dot out=": [lambda: einjit.dot(a, b, out=frozen)],
    }
    for name, runs in calls.items():
        for run in runs:
            with pytest.raises(ValueError, match=re.escape(name) + ": the output array is "
                               "read-only; einjit writes the result into out"):
                run()
    np.testing.assert_array_equal(frozen, -1.0)
    np.testing.assert_array_equal(frozen32, -1.0)
    # Nothing was planned for the refused calls (the plan above compiled before them).
    assert engine.statistics()["misses"] == misses
    # The same calls into a writable out= run.
    out = np.zeros((2, 4))
    assert einjit.einsum("ij,jk->ik", a, b, out=out, engine=engine) is out
    np.testing.assert_allclose(out, a @ b)


def test_a_read_only_dlpack_out_is_refused():
    a = np.arange(6.0).reshape(2, 3)
    plan = einjit.compile("ij->i", (2, 3), dtype="float64")
    frozen = _read_only(np.zeros(2))
    # numpy exports a read-only array as DLPack 1.0 marked read-only; nanobind's import of it
    # (the extension's own reader) and numpy's (Plan.__call__'s) both keep that.
    with pytest.raises(ValueError, match="Plan.run out=: the output array is read-only"):
        plan._plan.run([a], out=DLPackOnly(frozen))
    with pytest.raises(ValueError, match="Plan.run out=: the output array is read-only"):
        plan(a, out=DLPackOnly(frozen))
    np.testing.assert_array_equal(frozen, 0.0)
    target = np.zeros(2)
    plan._plan.run([a], out=DLPackOnly(target))
    np.testing.assert_array_equal(target, a.sum(1))


def test_a_jax_array_is_not_an_out():
    pytest.importorskip("jax")
    import jax.numpy as jnp
    x = jnp.arange(6, dtype=jnp.float32).reshape(2, 3)
    out = jnp.zeros(2, dtype=jnp.float32)
    plan = einjit.compile("ij->i", (2, 3))
    # JAX's DLPack export is not marked read-only: the package refuses JAX's arrays by type, and
    # so does the extension itself (Plan.run under the package's Plan).
    for run in (lambda: plan(x, out=out), lambda: einjit.call("ij->i", x, out=out),
                lambda: plan._plan.run([np.asarray(x)], out=out)):
        with pytest.raises(ValueError, match="out=: the output array is read-only"):
            run()
    np.testing.assert_array_equal(np.asarray(out), 0.0)  # JAX arrays are immutable
