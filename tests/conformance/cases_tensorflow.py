"""TensorFlow cases: tf.tensordot, tf.matmul with transpose/adjoint flags, tf.einsum
(SEMANTICS.md §2, §3, §6.2)."""

import itertools

import tensorflow as tf

import einsum_cases
from cases_numpy import operands
from conformance_data import Inputs, Recorder
from shape_cases import TENSORDOT_AXES, TENSORDOT_ERRORS, random_tensordot


def tf_axes(axes):
    """tf.tensordot reads tuples as it reads lists; pass lists as written."""
    if isinstance(axes, tuple):
        return [tf_axes(item) for item in axes]
    return axes


def record_binary(rec, inputs, call, a_shape, b_shape, function, dtype="f64", expect="value"):
    ops = [("a", inputs.of(dtype, a_shape)), ("b", inputs.of(dtype, b_shape))]
    rec.case(call, ops, lambda a, b: function(tf.constant(a), tf.constant(b)), expect)


MATMUL_SHAPES = [
    ((2, 3), (3, 4)), ((2, 3, 4), (2, 4, 5)), ((2, 1, 3, 4), (5, 4, 2)), ((3, 4), (2, 4, 5)),
    ((2, 3, 4), (4, 2)), ((1, 2, 3), (4, 3, 2)), ((1, 1), (1, 1)),
]
MATMUL_ERRORS = [
    ((3,), (3, 4)), ((2, 3), (3,)), ((3,), (3,)), ((2, 3), (4, 5)), ((2, 2, 3), (2, 4, 5)),
    ((2, 3, 4), (5, 4, 6)), ((), (2, 2)),
]
FLAG_NAMES = ["transpose_a", "transpose_b", "adjoint_a", "adjoint_b"]


def flagged_shapes(a_shape, b_shape, flags):
    """Operand shapes that make `a' @ b'` valid once the flags transpose them."""
    a_shape, b_shape = list(a_shape), list(b_shape)
    if flags.get("transpose_a") or flags.get("adjoint_a"):
        a_shape[-2:] = a_shape[-2:][::-1]
    if flags.get("transpose_b") or flags.get("adjoint_b"):
        b_shape[-2:] = b_shape[-2:][::-1]
    return tuple(a_shape), tuple(b_shape)


def flags_text(flags):
    return "".join(f", {name}=True" for name in FLAG_NAMES if flags.get(name))


def record_matmul(rec, inputs, a_shape, b_shape, flags, dtype, expect="value"):
    record_binary(rec, inputs, f"tf.matmul(a, b{flags_text(flags)})", a_shape, b_shape,
                  lambda a, b: tf.matmul(a, b, **flags), dtype, expect)


def generate(rec: Recorder):
    inputs = Inputs(20240603)
    for a_shape, b_shape, axes in TENSORDOT_AXES + random_tensordot(inputs.rng, 12):
        axes = tf_axes(axes)
        record_binary(rec, inputs, f"tf.tensordot(a, b, axes={axes!r})", a_shape, b_shape,
                      lambda a, b, axes=axes: tf.tensordot(a, b, axes=axes))
    record_binary(rec, inputs, "tf.tensordot(a, b, 1)", (2, 3), (3, 2),
                  lambda a, b: tf.tensordot(a, b, 1), dtype="f32")
    record_binary(rec, inputs, "tf.tensordot(a, b, axes=[[1], [0]])", (2, 3), (3, 2),
                  lambda a, b: tf.tensordot(a, b, axes=[[1], [0]]), dtype="c128")
    for a_shape, b_shape, axes in TENSORDOT_ERRORS + [((2, 3), (3, 4), -1), ((2, 3), (3, 4), 3),
                                                      ((3, 3), (3, 3), [[1]])]:
        axes = tf_axes(axes)
        record_binary(rec, inputs, f"tf.tensordot(a, b, axes={axes!r})", a_shape, b_shape,
                      lambda a, b, axes=axes: tf.tensordot(a, b, axes=axes), expect="error")

    for a_shape, b_shape in MATMUL_SHAPES:
        record_matmul(rec, inputs, a_shape, b_shape, {}, "f64")
    for ta, tb, ca, cb in itertools.product([False, True], repeat=4):
        if (ta and ca) or (tb and cb) or not (ta or tb or ca or cb):
            continue
        flags = {name: True for name, on in zip(FLAG_NAMES, [ta, tb, ca, cb]) if on}
        for dtype in ["f64", "c128"]:
            for a_shape, b_shape in [((2, 3), (3, 4)), ((2, 2, 3), (1, 3, 4))]:
                a_shape, b_shape = flagged_shapes(a_shape, b_shape, flags)
                record_matmul(rec, inputs, a_shape, b_shape, flags, dtype)
    record_matmul(rec, inputs, (2, 3), (3, 2), {}, "f32")
    record_matmul(rec, inputs, (2, 3), (3, 2), {}, "i32")
    record_matmul(rec, inputs, (2, 3, 2), (3, 2), {"transpose_a": True}, "i64")
    for a_shape, b_shape in MATMUL_ERRORS:
        record_matmul(rec, inputs, a_shape, b_shape, {}, "f64", expect="error")
    for flags in [{"transpose_a": True, "adjoint_a": True},
                  {"transpose_b": True, "adjoint_b": True}]:
        record_matmul(rec, inputs, (3, 3), (3, 3), flags, "c128", expect="error")
    record_matmul(rec, inputs, (2, 3), (2, 4), {"transpose_b": True}, "f64", expect="error")

    for subscripts, shapes in einsum_cases.ALL_VALUES:
        record_einsum(rec, inputs, subscripts, shapes)
    for dtype in ["f32", "c128"]:
        record_einsum(rec, inputs, "ij,jk->ik", [(3, 4), (4, 2)], dtype)
        record_einsum(rec, inputs, "bij,bkj->bik", [(2, 3, 4), (2, 2, 4)], dtype)
    for subscripts, shapes in einsum_cases.ERRORS + einsum_cases.ELLIPSIS_SUMMED:
        record_einsum(rec, inputs, subscripts, shapes, expect="error")


def record_einsum(rec, inputs, subscripts, shapes, dtype="f64", expect="value"):
    ops = operands(inputs, shapes, dtype)
    call = f"tf.einsum({subscripts!r}, {', '.join(name for name, _ in ops)})"
    rec.case(call, ops,
             lambda *arrays: tf.einsum(subscripts, *[tf.constant(array) for array in arrays]),
             expect)
