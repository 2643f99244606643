"""Operand shapes (and axes) for the binary calls shared by several libraries: tensordot, dot,
inner, outer, matmul (SEMANTICS.md §3–§6, §11.7)."""

# (a shape, b shape, axes as the library's `axes` / `dims` argument)
TENSORDOT_AXES = [
    ((2, 3, 4), (3, 4, 5), 2),
    ((2, 3, 4), (4,), 1),
    ((2, 3, 4), (4, 5), 1),
    ((2, 3), (3, 2), 0),
    ((2, 3, 4), (3, 4, 5), (2, 1)),
    ((2, 3, 4), (3, 4, 5), [2, 1]),
    ((3, 4, 5), (4, 3, 2), ([1, 0], [0, 1])),
    ((2, 3, 4), (5, 3, 6), (1, 1)),
    ((2, 3, 4), (4, 3), ([-1], [0])),
    ((2, 3, 4), (4, 5, 2), ([0, -1], [2, 0])),
    ((2, 3, 4), (3, 4, 5), ([1, 2], [0, 1])),
    ((2, 3, 4), (3, 4, 5), ((2,), (1,))),
    ((3, 3), (1, 1, 3), [1, 2]),
    ((3, 3), (1, 1, 3), [[1], [2]]),
    ((3, 3), (1, 1, 3), [[], []]),
    ((3, 3), (1, 1, 3), 0),
    ((4,), (4,), 1),
    ((), (), ([], [])),
    ((2, 3), (3, 2), ([0, 1], [1, 0])),
    ((2, 3, 4), (3, 4, 2), 2),
]

TENSORDOT_ERRORS = [
    ((2, 3), (4, 3), 1),
    ((2, 3), (3, 4), ([0], [0, 1])),
    ((2, 3), (3, 4), 5),
    ((2, 3), (3, 4), ([0], [7])),
    ((2, 3, 3), (3, 3, 2), ([1, 1], [0, 0])),
    ((2, 3), (3, 4), [1]),
    ((2, 3), (3, 4), [[1], [0, 1]]),
    ((2, 3, 4), (3, 4, 5), ([1, 2], [1, 0])),
]


def random_tensordot(rng, count):
    """Random ranks 1-4, random contracted axis pairs in random order, extents 1-4."""
    cases = []
    while len(cases) < count:
        a_rank, b_rank = int(rng.integers(1, 5)), int(rng.integers(1, 5))
        contracted = int(rng.integers(0, min(a_rank, b_rank) + 1))
        a_axes = [int(v) for v in rng.permutation(a_rank)[:contracted]]
        b_axes = [int(v) for v in rng.permutation(b_rank)[:contracted]]
        a_shape = [int(v) for v in rng.integers(1, 5, a_rank)]
        b_shape = [int(v) for v in rng.integers(1, 5, b_rank)]
        for a_axis, b_axis in zip(a_axes, b_axes):
            b_shape[b_axis] = a_shape[a_axis]
        if rng.integers(0, 2):  # exercise negative axes
            a_axes = [axis - a_rank for axis in a_axes]
        cases.append((tuple(a_shape), tuple(b_shape), (a_axes, b_axes)))
    return cases


# np.dot / keras.ops.dot: every rank combination 0-3, numpy's test_all shapes, a 4-D pair.
DOT_SHAPES = [
    ((), ()), ((), (3,)), ((3,), ()), ((), (2, 3)), ((2, 3), ()), ((), (2, 3, 2)), ((2, 1, 3), ()),
    ((4,), (4,)), ((3, 4), (4,)), ((2, 3, 4), (4,)), ((3,), (3, 4)), ((3,), (2, 3, 4)),
    ((2, 3), (3, 4)), ((2, 3, 4), (4, 5)), ((2, 3), (5, 3, 4)), ((2, 3, 4), (5, 4, 2)),
    ((1, 2, 3, 4), (2, 4, 3)), ((2, 2, 3, 4), (2, 2, 4, 3)),
    ((1,), (1,)), ((1,), (1, 1)), ((1, 1), (1,)), ((1, 1), (1, 1)), ((), (1,)), ((1, 1), ()),
]
DOT_ERRORS = [
    ((3, 4, 5, 2), (2, 5, 3, 7)),
    ((2,), (3,)),
    ((2, 3), (2, 3)),
    ((3,), (4, 5)),
    ((2, 3, 4), (3,)),
]

# np.inner / torch.inner: last axis of both.
INNER_SHAPES = [
    ((3,), (3,)), ((2, 3), (4, 3)), ((2, 3, 4), (5, 4)), ((), (2, 3)), ((2, 3), ()),
    ((4,), (2, 4)), ((2, 4), (4,)), ((2, 3, 4), (2, 1, 4)), ((), ()),
]
INNER_ERRORS = [((2, 3), (3, 2)), ((3,), (4,)), ((2, 3, 4), (4, 3))]

OUTER_SHAPES = [((3,), (4,)), ((2, 3), (4,)), ((2, 2), (3, 1)), ((), (3,)), ((2, 1, 2), (2,))]

# matmul / `@`: 1-D promotion on either side, broadcast batch dims (PEP 465, §6.1, §11.7).
MATMUL_SHAPES = [
    ((4,), (4,)), ((4,), (4, 5)), ((3, 4), (4,)), ((4,), (2, 4, 5)), ((2, 3, 4), (4,)),
    ((2, 3), (3, 2)), ((2, 1, 3, 4), (5, 4, 2)), ((1, 1), (2, 1, 1)), ((2, 1, 1), (1, 1)),
    ((2, 1, 1), (2, 1, 1)), ((3, 1, 2, 3), (4, 3, 5)), ((2, 3, 4), (2, 4, 5)),
    ((1, 2, 3), (4, 3, 2)), ((2, 3, 4), (1, 4, 2)), ((5, 1, 2, 3), (1, 4, 3, 2)),
    ((3,), (2, 2, 3, 2)), ((2, 2, 3), (3,)), ((1,), (1,)), ((2, 1, 3), (3, 1)),
]
MATMUL_ERRORS = [
    ((1,), (2,)), ((2, 1), (2,)), ((2,), (1, 2)), ((1, 2), (3, 1)), ((1,), ()), ((), (1,)),
    ((1, 1), ()), ((), (1, 1)), ((2, 2, 1), (3, 1, 2)), ((2, 3, 4), (3, 4, 2)),
    ((3, 4), (2, 3, 4)),
]
