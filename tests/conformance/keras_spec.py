"""SEMANTICS.md's rules for K.dot (§4.2), K.batch_dot (§8) and the Dot layer (§9), written
with numpy einsum, so that the generator can list every case where tf-keras or Keras 3 does
something else (README.md, "Differences from SEMANTICS.md"). Not used by the C++ test."""

import numpy as np


class SpecRefuses(Exception):
    """SEMANTICS.md says the call raises."""


def _letters(count, start):
    return "".join(chr(ord(start) + index) for index in range(count))


def batch_dot_axes(x_rank, y_rank, axes):
    """§8.1 plus the order of checks of §8.4 that depend on axes alone."""
    if axes is None:
        axes = [x_rank - 1, y_rank - 1] if y_rank == 2 else [x_rank - 1, y_rank - 2]
    elif isinstance(axes, int):
        axes = [axes, axes]
    if any(isinstance(axis, (list, tuple)) for axis in axes):
        raise SpecRefuses("Multiple target dimensions are not supported")
    if len(axes) != 2:
        raise SpecRefuses("axes must have two entries")
    a0 = axes[0] + x_rank if axes[0] < 0 else axes[0]
    a1 = axes[1] + y_rank if axes[1] < 0 else axes[1]
    return a0, a1


def batch_dot(x, y, axes):
    """§8.3: batch axis 0, contract x[a0] with y[a1], every other axis free; (B,1) for rank 1."""
    if x.ndim < 2 or y.ndim < 2:
        raise SpecRefuses("rank < 2")
    if x.shape[0] != y.shape[0]:
        raise SpecRefuses("different batch sizes")
    a0, a1 = batch_dot_axes(x.ndim, y.ndim, axes)
    if a0 == 0 or a1 == 0:
        raise SpecRefuses("axis 0")
    if not (0 < a0 < x.ndim and 0 < a1 < y.ndim):
        raise SpecRefuses("axis out of range")
    if x.shape[a0] != y.shape[a1]:
        raise SpecRefuses("contracted extents differ")
    x_labels = ["b"] + list(_letters(x.ndim - 1, "c"))
    y_labels = ["b"] + list(_letters(y.ndim - 1, "m"))
    x_labels[a0] = y_labels[a1] = "k"
    output = ["b"] + [label for label in x_labels[1:] + y_labels[1:] if label != "k"]
    result = np.einsum(f"{''.join(x_labels)},{''.join(y_labels)}->{''.join(output)}", x, y)
    return result[:, None] if result.ndim == 1 else result


def dot_layer_axes(x_rank, y_rank, axes):
    """§9.2: a negative int or entry wraps modulo each input's own rank."""
    if isinstance(axes, bool) or not isinstance(axes, (int, list, tuple)):
        raise SpecRefuses("Invalid type for argument `axes`")
    if isinstance(axes, int):
        return [axes % x_rank, axes % y_rank] if axes < 0 else [axes, axes]
    if len(axes) != 2:
        raise SpecRefuses("it should contain two elements")
    if not all(isinstance(axis, int) for axis in axes):
        raise SpecRefuses("list elements should be integers")
    return [axes[0] % x_rank if axes[0] < 0 else axes[0],
            axes[1] % y_rank if axes[1] < 0 else axes[1]]


def l2_normalize(array, axis, epsilon):
    norm = np.sqrt(np.sum(np.square(array.astype(np.float64)), axis=axis, keepdims=True))
    return array / np.maximum(norm, epsilon)


def dot_layer(inputs, axes, normalize=False, epsilon=1e-7):
    if len(inputs) != 2:
        raise SpecRefuses("A `Dot` layer should be called on a list of 2 inputs")
    x, y = inputs
    a0, a1 = dot_layer_axes(x.ndim, y.ndim, axes)
    if normalize:
        x, y = l2_normalize(x, a0, epsilon), l2_normalize(y, a1, epsilon)
    return batch_dot(x, y, [a0, a1])


def k_dot(x, y):
    """§4.2: numpy's dot rule when a rank exceeds 2 (y rank 1 then fails), else tf.matmul."""
    if x.ndim > 2 or y.ndim > 2:
        if y.ndim < 2:
            raise SpecRefuses("pop index out of range")
        if x.shape[-1] != y.shape[-2]:
            raise SpecRefuses("Matrix size-incompatible")
        return np.dot(x, y)
    if x.ndim != 2 or y.ndim != 2 or x.shape[1] != y.shape[0]:
        raise SpecRefuses("tf.matmul refuses")
    return x @ y


def compare(recorder, case_id, call, library_result, spec_function, tolerance):
    """Notes on the recorder any disagreement between the library and SEMANTICS.md."""
    try:
        expected = spec_function()
    except SpecRefuses as refusal:
        if not isinstance(library_result, Exception):
            recorder.note(f"DIFFERENCE {case_id} {call}: spec refuses ({refusal}), library gives "
                          f"shape {tuple(library_result.shape)}")
        return
    if isinstance(library_result, Exception):
        recorder.note(f"DIFFERENCE {case_id} {call}: spec gives shape {expected.shape}, library "
                      f"raises {type(library_result).__name__}: {str(library_result)[:200]}")
    elif library_result.shape != expected.shape:
        recorder.note(f"DIFFERENCE {case_id} {call}: spec shape {expected.shape}, library "
                      f"{tuple(library_result.shape)}")
    elif not np.allclose(library_result, expected, rtol=tolerance, atol=tolerance):
        worst = np.max(np.abs(library_result - expected))
        recorder.note(f"DIFFERENCE {case_id} {call}: values differ by up to {worst:.3g}")
