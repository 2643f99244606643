"""numpy cases: einsum (string and sublist forms), tensordot, dot, inner, outer, matmul and `@`
(SEMANTICS.md §2–§6)."""

import numpy as np

import einsum_cases
from conformance_data import Inputs, Recorder
from shape_cases import (DOT_SHAPES, DOT_ERRORS, INNER_SHAPES, INNER_ERRORS, MATMUL_SHAPES,
                         MATMUL_ERRORS, OUTER_SHAPES, TENSORDOT_AXES, TENSORDOT_ERRORS,
                         random_tensordot)


def operands(inputs, shapes, dtype, names=einsum_cases.OPERAND_NAMES):
    return [(names[t], inputs.of(dtype, shape)) for t, shape in enumerate(shapes)]


def einsum_call(module, subscripts, names):
    return f"{module}.einsum({subscripts!r}, {', '.join(names)})"


def record_einsum(rec, inputs, subscripts, shapes, dtype="f64", expect="value"):
    ops = operands(inputs, shapes, dtype)
    rec.case(einsum_call("np", subscripts, [name for name, _ in ops]), ops,
             lambda *arrays: np.einsum(subscripts, *arrays), expect)


def sublist_text(sublist):
    return "[" + ", ".join("..." if item is Ellipsis else str(item) for item in sublist) + "]"


def record_sublist(rec, inputs, pairs, output, dtype="f64", expect="value"):
    """pairs: [(shape, sublist)]; output: a sublist or None (implicit)."""
    ops = operands(inputs, [shape for shape, _ in pairs], dtype)
    pieces = []
    for (name, _), (_, sublist) in zip(ops, pairs):
        pieces += [name, sublist_text(sublist)]
    if output is not None:
        pieces.append(sublist_text(output))

    def run(*arrays):
        args = []
        for array, (_, sublist) in zip(arrays, pairs):
            args += [array, list(sublist)]
        return np.einsum(*args, *([list(output)] if output is not None else []))

    rec.case(f"np.einsum({', '.join(pieces)})", ops, run, expect)


SUBLISTS = [
    ([((2, 3), [0, 1]), ((3, 4), [1, 2])], [0, 2]),
    ([((2, 3), [0, 1]), ((3, 4), [1, 2])], None),
    ([((2, 3), [26, 1]), ((3, 4), [1, 0])], None),
    ([((2, 3), [20, 27]), ((3, 4), [27, 51])], [51, 20]),
    ([((3, 3), [0, 0])], None),
    ([((3, 3), [0, 0])], [0]),
    ([((2, 3, 4), [Ellipsis, 0, 1]), ((2, 4, 3), [Ellipsis, 1, 0])], [Ellipsis]),
    ([((2, 3, 4), [Ellipsis, 0, 1]), ((4, 5), [1, 2])], [Ellipsis, 0, 2]),
    ([((2, 3), [0, 1]), ((3,), [1]), ((3, 2), [1, 0])], [0]),
    ([((4,), [5]), ((4,), [5])], []),
]
SUBLIST_ERRORS = [
    ([((2, 3), [0, 52])], None),
    ([((2, 3), [-1, 0])], None),
    ([((2, 3), [0, 1]), ((4, 5), [1, 2])], [0, 2]),
    ([((2, 3), [0])], None),
    ([((2,), [0])], [0, 1]),
]


def generate(rec: Recorder):
    inputs = Inputs(20240601)
    for subscripts, shapes in einsum_cases.ALL_VALUES:
        record_einsum(rec, inputs, subscripts, shapes)
    for dtype in ["f32", "i32", "i64", "c128"]:
        for subscripts, shapes in [("ij,jk->ik", [(3, 4), (4, 2)]), ("ii", [(3, 3)]),
                                   ("bij,bkj->bik", [(2, 3, 4), (2, 2, 4)]), ("i,i", [(5,), (5,)]),
                                   ("...ij,...jk", [(2, 2, 3), (2, 3, 2)])]:
            record_einsum(rec, inputs, subscripts, shapes, dtype)
    for pairs, output in SUBLISTS:
        record_sublist(rec, inputs, pairs, output)
    record_literal_examples(rec)
    for subscripts, shapes in einsum_cases.ERRORS + einsum_cases.ELLIPSIS_SUMMED:
        record_einsum(rec, inputs, subscripts, shapes, expect="error")
    record_einsum(rec, inputs, "\u00e9i,i", [(2, 2), (2,)], expect="error")
    for pairs, output in SUBLIST_ERRORS:
        record_sublist(rec, inputs, pairs, output, expect="error")

    for a_shape, b_shape, axes in TENSORDOT_AXES + random_tensordot(inputs.rng, 16):
        record_binary(rec, inputs, "np.tensordot", a_shape, b_shape, np.tensordot, axes=axes)
    record_binary(rec, inputs, "np.tensordot", (2, 3, 4), (3, 4, 5), np.tensordot)
    record_binary(rec, inputs, "np.tensordot", (2, 3, 4), (4, 5),
                  lambda a, b: np.tensordot(a, b, 1), call="np.tensordot(a, b, 1)")
    record_binary(rec, inputs, "np.tensordot", (2, 3), (4, 5), np.tensordot, axes=-1)
    record_binary(rec, inputs, "np.tensordot", (3, 4), (4, 3), np.tensordot, dtype="i64",
                  axes=([0, 1], [1, 0]))
    record_binary(rec, inputs, "np.tensordot", (3, 4), (4, 3), np.tensordot, dtype="c128", axes=1)
    for a_shape, b_shape, axes in TENSORDOT_ERRORS:
        record_binary(rec, inputs, "np.tensordot", a_shape, b_shape, np.tensordot, expect="error",
                      axes=axes)

    for name, function in [("np.dot", np.dot), ("np.inner", np.inner)]:
        value_shapes, error_shapes = ((DOT_SHAPES, DOT_ERRORS) if name == "np.dot" else
                                      (INNER_SHAPES, INNER_ERRORS))
        for a_shape, b_shape in value_shapes:
            record_binary(rec, inputs, name, a_shape, b_shape, function)
        record_binary(rec, inputs, name, (3, 4), (4, 2) if name == "np.dot" else (2, 4), function,
                      dtype="i32")
        for a_shape, b_shape in error_shapes:
            record_binary(rec, inputs, name, a_shape, b_shape, function, expect="error")
    for a_shape, b_shape in OUTER_SHAPES:
        record_binary(rec, inputs, "np.outer", a_shape, b_shape, np.outer)
    record_binary(rec, inputs, "np.outer", (2, 2), (3,), np.outer, dtype="c128")

    for index, (a_shape, b_shape) in enumerate(MATMUL_SHAPES):
        if index % 2:
            record_binary(rec, inputs, "@", a_shape, b_shape, lambda a, b: a @ b, call="a @ b")
        else:
            record_binary(rec, inputs, "np.matmul", a_shape, b_shape, np.matmul)
    for dtype in ["f32", "i64", "c128"]:
        record_binary(rec, inputs, "@", (2, 3, 4), (4, 2), lambda a, b: a @ b, dtype=dtype,
                      call="a @ b")
    for index, (a_shape, b_shape) in enumerate(MATMUL_ERRORS):
        if index % 2:
            record_binary(rec, inputs, "@", a_shape, b_shape, lambda a, b: a @ b, expect="error",
                          call="a @ b")
        else:
            record_binary(rec, inputs, "np.matmul", a_shape, b_shape, np.matmul, expect="error")


def record_binary(rec, inputs, function_name, a_shape, b_shape, function, dtype="f64",
                  expect="value", call=None, **keywords):
    ops = [("a", inputs.of(dtype, a_shape)), ("b", inputs.of(dtype, b_shape))]
    if call is None:
        extra = "".join(f", {key}={value!r}" for key, value in keywords.items())
        call = f"{function_name}(a, b{extra})"
    rec.case(call, ops, lambda a, b: function(a, b, **keywords), expect)


def record_literal_examples(rec):
    """The numbers SEMANTICS.md quotes (§10, §11.5, §11.7), on its own inputs."""
    p = np.array([1.0, 2.0])
    q = np.arange(4.0).reshape(2, 2) + 3
    r = np.arange(4.0).reshape(2, 2) + 7
    rec.case("np.einsum('z,mz,zm->', p, q, r)", [("p", p), ("q", q), ("r", r)],
             lambda *ops: np.einsum("z,mz,zm->", *ops))
    a = np.array([1.0, 2.0])
    b = np.arange(1.0, 5.0).reshape(2, 2)
    c = np.arange(1.0, 9.0).reshape(4, 2)
    rec.case("np.einsum('x,yx,zx->xzy', a, b, c)", [("a", a), ("b", b), ("c", c)],
             lambda *ops: np.einsum("x,yx,zx->xzy", *ops))
    rec.case("np.einsum('i, i', a, b)", [("a", np.array([2.0, 3.0])), ("b", np.array([4.0]))],
             lambda *ops: np.einsum("i, i", *ops))
    v = np.arange(24.0).reshape(2, 3, 4)
    u = np.array([1.0, 2.0, 3.0, 4.0])
    rec.case("np.tensordot(v, u, axes=1)", [("v", v), ("u", u)],
             lambda x, y: np.tensordot(x, y, axes=1))
    m = np.array([[0.0, 1.0], [2.0, 3.0]])
    rec.case("np.inner(m, n)", [("m", m), ("n", m.copy())], np.inner)
    rec.case("np.einsum('bbcdc->d', a)", [("a", np.arange(9.0).reshape(1, 1, 3, 1, 3))],
             lambda x: np.einsum("bbcdc->d", x))
