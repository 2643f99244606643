"""opt_einsum with backend='einjit', the numpy-style functions, and 8 Python threads sharing
one engine."""

import threading

import numpy as np
import pytest

import einjit


@pytest.mark.parametrize("expression, shapes", [
    ("ij,jk,kl->il", [(5, 6), (6, 7), (7, 8)]),
    ("abc,cd,dbe->ae", [(3, 4, 5), (5, 6), (6, 4, 2)]),
    ("ea,fb,abcd,gc,hd->efgh", [(3, 2), (3, 3), (2, 3, 4, 5), (3, 4), (3, 5)]),
    ("ij,ij,ij->i", [(4, 5), (4, 5), (4, 5)]),
])
def test_opt_einsum_backend(expression, shapes):
    opt_einsum = pytest.importorskip("opt_einsum")
    rng = np.random.default_rng(3)
    arrays = [rng.standard_normal(s) for s in shapes]
    got = opt_einsum.contract(expression, *arrays, backend="einjit")
    np.testing.assert_allclose(got, np.einsum(expression, *arrays), rtol=1e-12, atol=1e-12)


def test_numpy_functions():
    rng = np.random.default_rng(4)
    a, b = rng.standard_normal((3, 4, 5)), rng.standard_normal((4, 5, 2))
    np.testing.assert_allclose(einjit.tensordot(a, b), np.tensordot(a, b))
    np.testing.assert_allclose(einjit.tensordot(a, b, axes=([1], [0])),
                               np.tensordot(a, b, axes=([1], [0])))
    np.testing.assert_allclose(einjit.tensordot(a, b, axes=((1, 2), (0, 1))),
                               np.tensordot(a, b, axes=((1, 2), (0, 1))))
    m, n = rng.standard_normal((2, 3, 4)), rng.standard_normal((4, 5))
    np.testing.assert_allclose(einjit.matmul(m, n), np.matmul(m, n))
    np.testing.assert_allclose(einjit.dot(m, n), np.dot(m, n))
    np.testing.assert_allclose(einjit.dot(2.0, n), 2.0 * n)
    np.testing.assert_allclose(einjit.inner(m, m[0]), np.inner(m, m[0]))
    np.testing.assert_allclose(einjit.outer(m, n), np.outer(m, n))
    assert einjit.transpose(m, (2, 0, 1)).base is m
    v = np.arange(3.0)
    assert einjit.dot(v, v) == 5.0


def test_promotion_and_converted_dtypes():
    i8 = np.array([[100, 100], [100, 100]], dtype=np.int8)
    np.testing.assert_array_equal(einjit.einsum("ij,jk", i8, i8), np.einsum("ij,jk", i8, i8))
    assert einjit.einsum("ij,jk", i8, i8).dtype == np.int8
    flags = np.array([[True, False], [False, False]])
    np.testing.assert_array_equal(einjit.einsum("ij,jk", flags, flags),
                                  np.einsum("ij,jk", flags, flags))
    mixed = einjit.einsum("i,i->i", np.ones(3, np.float32), np.ones(3, np.int64))
    assert mixed.dtype == np.float64
    half = np.linspace(0, 1, 8, dtype=np.float16)
    np.testing.assert_allclose(einjit.einsum("i,i", half, half), np.einsum("i,i", half, half),
                               rtol=1e-3)
    assert einjit.einsum("ij", np.ones((2, 2)), dtype=np.float32, casting="same_kind").dtype == np.float32
    assert einjit.einsum(np.ones((2, 3)), [0, 1], [1]).shape == (3,)


def test_eight_threads_share_an_engine():
    engine = einjit.Engine(cache_dir=False)
    rng = np.random.default_rng(5)
    calls = [("bik,bkj->bij", (rng.standard_normal((4, 8, 16)), rng.standard_normal((4, 16, 8)))),
             ("ij,jk->ik", (rng.standard_normal((64, 32)), rng.standard_normal((32, 16)))),
             ("K.batch_dot(x, y, axes=[2, 2])", (rng.standard_normal((3, 5, 6)),
                                                 rng.standard_normal((3, 7, 6))))]
    expected = [np.einsum("bik,bkj->bij", *calls[0][1]), calls[1][1][0] @ calls[1][1][1],
                np.einsum("bik,bjk->bij", *calls[2][1])]
    failures = []
    start = threading.Barrier(8)

    def work(seed):
        try:
            start.wait()
            for round_ in range(20):
                k = (seed + round_) % 3
                text, arrays = calls[k]
                got = engine.call(text, *arrays)
                if not np.allclose(got, expected[k], rtol=1e-12, atol=1e-12):
                    failures.append((seed, round_, text))
        except Exception as error:  # noqa: BLE001 - reported below
            failures.append((seed, repr(error)))

    threads = [threading.Thread(target=work, args=(seed,)) for seed in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    assert engine.statistics()["misses"] == 3


@pytest.mark.parametrize("subscripts, shapes", [
    ("ij,jk->ik", [(3, 4), (4, 5)]),
    ("bij,bjk->bik", [(2, 3, 4), (2, 4, 5)]),
    ("...ft,mf->...mt", [(2, 3, 5), (4, 3)]),
    ("abc,cd->dba", [(2, 3, 4), (4, 5)]),
    ("ij,ij->ji", [(3, 4), (3, 4)]),
])
def test_order_k_layout_is_numpys(subscripts, shapes):
    rng = np.random.default_rng(6)
    for layout in (np.asfortranarray, np.ascontiguousarray):
        arrays = [layout(rng.standard_normal(s)) for s in shapes]
        expected = np.einsum(subscripts, *arrays)
        # twice: the first call finds numpy's layout for the signature, the second remembers it
        for _ in range(2):
            got = einjit.einsum(subscripts, *arrays)
            np.testing.assert_allclose(got, expected)
            assert got.strides == expected.strides
