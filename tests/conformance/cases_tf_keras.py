"""tf-keras cases: K.dot, K.batch_dot (every axes form), tf_keras.layers.Dot and
tf_keras.layers.dot with and without normalize (SEMANTICS.md §4.2, §8, §9). Each result is also
checked against keras_spec; disagreements are printed for README.md."""

import numpy as np
import tensorflow as tf
import tf_keras

import keras_cases
import keras_spec
from conformance_data import Inputs, Recorder

K = tf_keras.backend
# tf.linalg.l2_normalize floors the squared norm at 1e-12, i.e. the norm at 1e-6 (§9.4).
TF_KERAS_NORMALIZE_EPSILON = 1e-6


def tensors(arrays):
    return [tf.constant(array) for array in arrays]


def record(rec, call, ops, run, spec, expect="value", tolerance=1e-9):
    case_id, result = rec.case(call, ops, lambda *arrays: run(*tensors(arrays)), expect)
    arrays = [array for _, array in ops]
    keras_spec.compare(rec, case_id, call, result, lambda: spec(*arrays), tolerance)


def record_batch_dot(rec, inputs, x_shape, y_shape, axes, dtype="f64", expect="value"):
    ops = [("x", inputs.of(dtype, x_shape)), ("y", inputs.of(dtype, y_shape))]
    call = "K.batch_dot(x, y)" if axes is None else f"K.batch_dot(x, y, axes={axes!r})"
    record(rec, call, ops, lambda x, y: K.batch_dot(x, y, axes=axes),
           lambda x, y: keras_spec.batch_dot(x, y, axes), expect)


def layer_call(module, axes, normalize, function_form):
    if function_form:
        return f"{module}.dot([a, b], axes={axes!r}{', normalize=True' if normalize else ''})"
    return f"{module}.Dot(axes={axes!r}{', normalize=True' if normalize else ''})([a, b])"


def record_dot_layer(rec, module, layers, epsilon, ops, axes, normalize=False, function_form=False,
                     expect="value"):
    call = layer_call(module, axes, normalize, function_form)
    if function_form:
        def run(a, b):
            return layers.dot([a, b], axes=axes, normalize=normalize)
    else:
        def run(a, b):
            return layers.Dot(axes=axes, normalize=normalize)([a, b])
    record(rec, call, ops, run,
           lambda a, b: keras_spec.dot_layer([a, b], axes, normalize, epsilon), expect, 2e-5)


def dot_layer_cases(rec, inputs, module, layers, epsilon):
    """The Dot-layer cases both Keras generators share."""
    for index, (x_shape, y_shape, axes) in enumerate(keras_cases.DOT_LAYER):
        ops = [("a", inputs.f32(x_shape)), ("b", inputs.f32(y_shape))]
        record_dot_layer(rec, module, layers, epsilon, ops, axes, function_form=index % 3 == 2)
        ops = [("a", inputs.f32_fraction(x_shape)), ("b", inputs.f32_fraction(y_shape))]
        record_dot_layer(rec, module, layers, epsilon, ops, axes, normalize=True,
                         function_form=index % 3 == 1)
    f32 = np.float32
    literal = [
        ([("a", np.arange(24, dtype=f32).reshape(2, 3, 4)),
          ("b", np.arange(24, 48, dtype=f32).reshape(2, 3, 4))], 2),
        ([("a", np.arange(10, dtype=f32).reshape(1, 5, 2)),
          ("b", np.arange(10, 20, dtype=f32).reshape(1, 2, 5))], (1, 2)),
        ([("a", np.arange(16, dtype=f32).reshape(2, 2, 4)),
          ("b", np.array([[1, 2, 3, 4], [1, 2, 3, 4]], f32))], (2, 1)),
        ([("a", np.array([[1, 2, 2], [0, 3, 4]], f32)),
          ("b", np.array([[2, 0, 0], [0, 0, 5]], f32))], 1),
        # Norms below the floor: 5e-7 tells Keras 3's 1e-7 from tf_keras's 1e-6; zero stays 0.
        ([("a", np.array([[3e-7, 4e-7], [0, 0]], f32)),
          ("b", np.array([[1, 0], [1, 2]], f32))], 1),
    ]
    for ops, axes in literal:
        record_dot_layer(rec, module, layers, epsilon, ops, axes)
        record_dot_layer(rec, module, layers, epsilon, ops, axes, normalize=True)
    for x_shape, y_shape, axes in keras_cases.DOT_LAYER_ERRORS:
        ops = [("a", inputs.f32(x_shape)), ("b", inputs.f32(y_shape))]
        record_dot_layer(rec, module, layers, epsilon, ops, axes, expect="error")
    three = [("a", inputs.f32((2, 3))), ("b", inputs.f32((2, 3))), ("c", inputs.f32((2, 3)))]
    rec.case(f"{module}.Dot(axes=1)([a, b, c])", three,
             lambda *arrays: layers.Dot(axes=1)(tensors(arrays)), expect="error")
    rec.case(f"{module}.Dot(axes=1)([a])", three[:1],
             lambda *arrays: layers.Dot(axes=1)(tensors(arrays)), expect="error")
    ops = three[:2]
    rec.case(f"{module}.Dot(axes=1.5)([a, b])", ops,
             lambda *arrays: layers.Dot(axes=1.5)(tensors(arrays)), expect="error")
    rec.case(f"{module}.Dot(axes=[1, 1.5])([a, b])", ops,
             lambda *arrays: layers.Dot(axes=[1, 1.5])(tensors(arrays)), expect="error")


def generate(rec: Recorder):
    inputs = Inputs(20240604)
    for x_shape, y_shape in keras_cases.K_DOT_SHAPES:
        ops = [("x", inputs.f64(x_shape)), ("y", inputs.f64(y_shape))]
        record(rec, "K.dot(x, y)", ops, K.dot, keras_spec.k_dot)
    ops = [("x", inputs.f32((2, 3, 4))), ("y", inputs.f32((4, 2)))]
    record(rec, "K.dot(x, y)", ops, K.dot, keras_spec.k_dot)
    for x_shape, y_shape in keras_cases.K_DOT_ERRORS:
        ops = [("x", inputs.f64(x_shape)), ("y", inputs.f64(y_shape))]
        record(rec, "K.dot(x, y)", ops, K.dot, keras_spec.k_dot, expect="error")

    for x_shape, y_shape, axes in keras_cases.BATCH_DOT + keras_cases.random_batch_dot(
            inputs.rng, 24):
        record_batch_dot(rec, inputs, x_shape, y_shape, axes)
    record_batch_dot(rec, inputs, (2, 3, 4), (2, 4, 2), [2, 1], dtype="f32")
    ops = [("x", np.array([[1.0, 2.0], [3.0, 4.0]])), ("y", np.array([[5.0, 6.0], [7.0, 8.0]]))]
    record(rec, "K.batch_dot(x, y, axes=1)", ops, lambda x, y: K.batch_dot(x, y, axes=1),
           lambda x, y: keras_spec.batch_dot(x, y, 1))
    for x_shape, y_shape, axes in keras_cases.BATCH_DOT_ERRORS:
        record_batch_dot(rec, inputs, x_shape, y_shape, axes, expect="error")

    dot_layer_cases(rec, inputs, "tf_keras.layers", tf_keras.layers, TF_KERAS_NORMALIZE_EPSILON)
