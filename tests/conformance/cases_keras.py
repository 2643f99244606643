"""Keras 3 cases: keras.layers.Dot / keras.layers.dot (incl. normalize and the default axes=-1)
and keras.ops.{dot, matmul, tensordot, einsum} (SEMANTICS.md §2-§4, §6.1, §9)."""

import keras
import numpy as np

import einsum_cases
import keras_spec
from cases_numpy import operands
from cases_tf_keras import dot_layer_cases, record_dot_layer
from conformance_data import Inputs, Recorder
from shape_cases import (DOT_ERRORS, DOT_SHAPES, MATMUL_ERRORS, MATMUL_SHAPES, TENSORDOT_AXES,
                         TENSORDOT_ERRORS, random_tensordot)

KERAS_NORMALIZE_EPSILON = 1e-7  # keras.config.epsilon()


def record_binary(rec, inputs, call, a_shape, b_shape, function, dtype="f64", expect="value"):
    ops = [("a", inputs.of(dtype, a_shape)), ("b", inputs.of(dtype, b_shape))]
    rec.case(call, ops, function, expect)


def keras_axes(axes):
    """keras.ops.tensordot iterates axes[0] symbolically, so a pair of ints is written as lists."""
    if isinstance(axes, tuple):
        return [keras_axes(item) for item in axes]
    return axes


def generate(rec: Recorder):
    inputs = Inputs(20240605)
    dot_layer_cases(rec, inputs, "keras.layers", keras.layers, KERAS_NORMALIZE_EPSILON)
    for x_shape, y_shape in [((2, 3), (2, 3)), ((2, 3, 4), (2, 4)), ((2, 3, 4), (2, 5, 4))]:
        ops = [("a", inputs.f32(x_shape)), ("b", inputs.f32(y_shape))]
        case_id, result = rec.case("keras.layers.dot([a, b])", ops,
                                   lambda a, b: keras.layers.dot([a, b]))
        keras_spec.compare(rec, case_id, "keras.layers.dot([a, b])", result,
                           lambda a=ops[0][1], b=ops[1][1]: keras_spec.dot_layer([a, b], -1),
                           2e-5)
    ops = [("a", inputs.f32_fraction((2, 3, 4))), ("b", inputs.f32_fraction((2, 4)))]
    record_dot_layer(rec, "keras.layers", keras.layers, KERAS_NORMALIZE_EPSILON, ops, -1,
                     normalize=True, function_form=True)

    for a_shape, b_shape in DOT_SHAPES:
        record_binary(rec, inputs, "keras.ops.dot(a, b)", a_shape, b_shape, keras.ops.dot)
    record_binary(rec, inputs, "keras.ops.dot(a, b)", (2, 3), (3, 2), keras.ops.dot, "i32")
    for a_shape, b_shape in DOT_ERRORS:
        record_binary(rec, inputs, "keras.ops.dot(a, b)", a_shape, b_shape, keras.ops.dot,
                      expect="error")

    for a_shape, b_shape in MATMUL_SHAPES:
        record_binary(rec, inputs, "keras.ops.matmul(a, b)", a_shape, b_shape, keras.ops.matmul)
    record_binary(rec, inputs, "keras.ops.matmul(a, b)", (2, 3, 4), (4, 2), keras.ops.matmul,
                  "f32")
    for a_shape, b_shape in MATMUL_ERRORS:
        record_binary(rec, inputs, "keras.ops.matmul(a, b)", a_shape, b_shape, keras.ops.matmul,
                      expect="error")

    for a_shape, b_shape, axes in TENSORDOT_AXES + random_tensordot(inputs.rng, 8):
        axes = keras_axes(axes)
        record_binary(rec, inputs, f"keras.ops.tensordot(a, b, axes={axes!r})", a_shape, b_shape,
                      lambda a, b, axes=axes: keras.ops.tensordot(a, b, axes=axes))
    record_binary(rec, inputs, "keras.ops.tensordot(a, b)", (2, 3, 4), (3, 4, 2),
                  keras.ops.tensordot)
    for a_shape, b_shape, axes in TENSORDOT_ERRORS:
        axes = keras_axes(axes)
        record_binary(rec, inputs, f"keras.ops.tensordot(a, b, axes={axes!r})", a_shape, b_shape,
                      lambda a, b, axes=axes: keras.ops.tensordot(a, b, axes=axes),
                      expect="error")

    einsum_values = einsum_cases.PLAIN[:20] + einsum_cases.DIAGONAL[:4] + einsum_cases.SCALARS[:3]
    einsum_values += einsum_cases.ELLIPSIS[:16] + einsum_cases.ELLIPSIS[24:29]
    for subscripts, shapes in einsum_values:
        record_einsum(rec, inputs, subscripts, shapes)
    record_einsum(rec, inputs, "ij,jk->ik", [(2, 3), (3, 2)], "f32")
    for subscripts, shapes in einsum_cases.ERRORS[:12]:
        record_einsum(rec, inputs, subscripts, shapes, expect="error")


def record_einsum(rec, inputs, subscripts, shapes, dtype="f64", expect="value"):
    ops = operands(inputs, shapes, dtype)
    call = f"keras.ops.einsum({subscripts!r}, {', '.join(name for name, _ in ops)})"
    rec.case(call, ops, lambda *arrays: keras.ops.einsum(subscripts, *map(np.asarray, arrays)),
             expect)
