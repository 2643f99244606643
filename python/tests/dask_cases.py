"""The contractions the einjit.dask tests run on both schedulers: each splits batch, free or
contracted labels into chunks (even, uneven or one), with '...', broadcasting, three or more
operands and complex dtypes; and the comparison against numpy with a tolerance by dtype."""

import numpy as np

import einjit

# (id, subscripts, [(shape, chunks) per operand], dtype)
CASES = [
    ("batch-free-contracted", "bij,bjk->bik", [((6, 10, 12), (2, 5, 4)), ((6, 12, 8), (3, 4, 3))],
     "float32"),
    ("uneven", "ij,jk->ik", [((7, 9), ((3, 4), (2, 3, 4))), ((9, 5), ((4, 5), (2, 3)))],
     "float64"),
    ("single-chunk", "ij,jk->ik", [((7, 9), -1), ((9, 5), -1)], "float64"),
    ("transposed", "abcd,dbef->acef", [((4, 6, 3, 8), (2, 3, 3, 4)), ((8, 6, 5, 2), (4, 3, 5, 2))],
     "float32"),
    ("ellipsis-broadcast", "...ij,...jk->...ik",
     [((2, 1, 5, 6), (1, 1, 3, 2)), ((3, 6, 4), (2, 3, 2))], "float32"),
    ("labelled-broadcast", "ij,jk->ik", [((5, 1), (2, 1)), ((4, 3), (2, 2))], "float64"),
    ("implicit-output", "kj,ji", [((5, 6), (2, 3)), ((6, 4), (3, 2))], "float64"),
    ("three-operands", "ij,jk,kl->il", [((6, 8), (3, 4)), ((8, 5), (4, 5)), ((5, 7), (2, 7))],
     "float64"),
    ("four-operands", "ab,bc,cd,de->ae",
     [((4, 6), (2, 3)), ((6, 5), (3, 2)), ((5, 3), (2, 3)), ((3, 4), (3, 2))], "float32"),
    ("complex64", "ij,jk->ik", [((6, 8), (3, 3)), ((8, 4), (3, 2))], "complex64"),
    ("complex128-batched", "bij,bkj->bik", [((4, 5, 6), (2, 5, 2)), ((4, 3, 6), (2, 3, 3))],
     "complex128"),
    ("full-contraction", "ij,ij->", [((6, 9), (3, 4)), ((6, 9), (3, 4))], "float64"),
    ("diagonal", "ii->i", [((6, 6), (3, 3))], "float64"),
    ("trace", "ii", [((6, 6), (4, 4))], "float64"),
    ("outer", "i,j->ij", [((5,), (2,)), ((4,), (3,))], "float32"),
    ("int32", "ij,jk->ik", [((5, 7), (2, 3)), ((7, 4), (3, 4))], "int32"),
    # computed wider, summed over chunks wider, cast back once: numpy's answers (int8 wraps)
    ("int8-wraps", "ij,jk->ik", [((5, 7), (2, 3)), ((7, 4), (3, 4))], "int8"),
    ("float16", "ij,jk->ik", [((5, 9), (2, 3)), ((9, 4), (3, 4))], "float16"),
    ("bool", "ij,jk->ik", [((5, 7), (2, 3)), ((7, 4), (3, 4))], "bool"),
]
IDS = [case[0] for case in CASES]

TOLERANCE = {"float16": 1e-2, "float32": 1e-4, "complex64": 1e-4, "float64": 1e-11,
             "complex128": 1e-11}


def operands(shapes_chunks, dtype, seed=0):
    """numpy arrays of the shapes (values in [-1, 1), complex parts too; integers in [-3, 3],
    int8 in [-100, 100] so that sums wrap; bools 30% true)."""
    rng = np.random.default_rng(seed)
    arrays = []
    for shape, _ in shapes_chunks:
        if np.dtype(dtype).kind == "b":
            arrays.append(rng.random(size=shape) < 0.3)
            continue
        if np.dtype(dtype).kind in "iu":
            bound = 100 if np.dtype(dtype).itemsize == 1 else 3
            arrays.append(rng.integers(-bound, bound + 1, size=shape).astype(dtype))
            continue
        values = rng.uniform(-1, 1, size=shape)
        if np.dtype(dtype).kind == "c":
            values = values + 1j * rng.uniform(-1, 1, size=shape)
        arrays.append(values.astype(dtype))
    return arrays


def assert_close(got, expected, dtype):
    """Values within the dtype's tolerance (relative to the largest magnitude); integers
    exactly."""
    got, expected = np.asarray(got), np.asarray(expected)
    assert got.shape == expected.shape, (got.shape, expected.shape)
    tolerance = TOLERANCE.get(np.dtype(dtype).name)
    if tolerance is None:
        np.testing.assert_array_equal(got, expected)
        return
    scale = max(1.0, float(np.abs(expected).max(initial=0)))
    np.testing.assert_allclose(got, expected, rtol=tolerance, atol=tolerance * scale)


# Kernels several processes compile into one disk cache at once (fill_disk_cache).
FILL_CASES = [("ij,jk->ik", [(5, 7), (7, 3)]), ("bij,bjk->bik", [(2, 3, 4), (2, 4, 5)]),
              ("abcd,dbef->acef", [(2, 3, 2, 4), (4, 3, 2, 3)]),
              ("ij,jk,kl->il", [(3, 4), (4, 5), (5, 2)])]


def fill_disk_cache(directory, barrier, queue):
    """In a fresh process: wait for the others, then compile the same kernels into one disk
    cache at the same moment; report the results' errors and the counters."""
    engine = einjit.Engine(cache_dir=directory)
    barrier.wait(timeout=120)
    errors = []
    for k, (subscripts, shapes) in enumerate(FILL_CASES):
        arrays = [np.random.default_rng(k).uniform(-1, 1, s) for s in shapes]
        got = engine.einsum(subscripts, *arrays)
        errors.append(float(np.abs(got - np.einsum(subscripts, *arrays)).max()))
    queue.put((errors, engine.statistics()))
