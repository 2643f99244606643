"""torch cases: einsum (string and sublist forms), bmm, matmul, tensordot(dims=...), inner, outer
(SEMANTICS.md §2, §3, §5, §6.1, §7). Runs under the interpreter that has torch."""

import numpy as np
import torch

import einsum_cases
from cases_numpy import operands, sublist_text, SUBLISTS, SUBLIST_ERRORS
from conformance_data import Inputs, Recorder
from shape_cases import (INNER_ERRORS, INNER_SHAPES, MATMUL_ERRORS, MATMUL_SHAPES, OUTER_SHAPES,
                         TENSORDOT_AXES, TENSORDOT_ERRORS, random_tensordot)


def tensors(arrays):
    return [torch.from_numpy(np.array(array)) for array in arrays]


def record_einsum(rec, inputs, subscripts, shapes, dtype="f64", expect="value"):
    ops = operands(inputs, shapes, dtype)
    call = f"torch.einsum({subscripts!r}, {', '.join(name for name, _ in ops)})"
    rec.case(call, ops, lambda *arrays: torch.einsum(subscripts, *tensors(arrays)), expect)


def record_sublist(rec, inputs, pairs, output, expect="value"):
    ops = operands(inputs, [shape for shape, _ in pairs], "f64")
    pieces = []
    for (name, _), (_, sublist) in zip(ops, pairs):
        pieces += [name, sublist_text(sublist)]
    if output is not None:
        pieces.append(sublist_text(output))

    def run(*arrays):
        args = []
        for tensor, (_, sublist) in zip(tensors(arrays), pairs):
            args += [tensor, list(sublist)]
        return torch.einsum(*args, *([list(output)] if output is not None else []))

    rec.case(f"torch.einsum({', '.join(pieces)})", ops, run, expect)


def record_binary(rec, inputs, call, a_shape, b_shape, function, dtype="f64", expect="value"):
    ops = [("a", inputs.of(dtype, a_shape)), ("b", inputs.of(dtype, b_shape))]
    rec.case(call, ops, lambda a, b: function(*tensors([a, b])), expect)


def torch_dims(axes):
    """torch takes an int or a pair of lists; a pair of ints stays as written (torch refuses it)."""
    if isinstance(axes, tuple) and all(isinstance(item, (list, tuple)) for item in axes):
        return tuple(list(item) for item in axes)
    return axes


BMM_SHAPES = [((2, 3, 4), (2, 4, 5)), ((1, 2, 2), (1, 2, 3)), ((3, 1, 4), (3, 4, 1)),
              ((2, 3, 1), (2, 1, 4)), ((4, 2, 3), (4, 3, 2))]
BMM_ERRORS = [((3, 4), (2, 4, 5)), ((2, 3, 4), (4, 5)), ((2, 3, 4), (3, 4, 5)),
              ((2, 3, 4), (2, 5, 5)), ((1, 3, 4), (2, 4, 5)), ((2, 2, 3, 4), (2, 2, 4, 5))]


def generate(rec: Recorder):
    inputs = Inputs(20240602)
    for subscripts, shapes in einsum_cases.ALL_VALUES + einsum_cases.ELLIPSIS_SUMMED:
        record_einsum(rec, inputs, subscripts, shapes)
    for dtype in ["f32", "i64", "c128"]:
        for subscripts, shapes in [("ij,jk->ik", [(3, 4), (4, 2)]), ("ii", [(3, 3)]),
                                   ("bij,bkj->bik", [(2, 3, 4), (2, 2, 4)])]:
            record_einsum(rec, inputs, subscripts, shapes, dtype)
    for pairs, output in SUBLISTS:
        record_sublist(rec, inputs, pairs, output)
    for subscripts, shapes in einsum_cases.ERRORS:
        record_einsum(rec, inputs, subscripts, shapes, expect="error")
    for pairs, output in SUBLIST_ERRORS:
        record_sublist(rec, inputs, pairs, output, expect="error")

    for a_shape, b_shape in BMM_SHAPES:
        record_binary(rec, inputs, "torch.bmm(a, b)", a_shape, b_shape, torch.bmm)
    record_binary(rec, inputs, "torch.bmm(a, b)", (2, 3, 4), (2, 4, 2), torch.bmm, dtype="c128")
    record_binary(rec, inputs, "torch.bmm(a, b)", (2, 3, 4), (2, 4, 2), torch.bmm, dtype="f32")
    for a_shape, b_shape in BMM_ERRORS:
        record_binary(rec, inputs, "torch.bmm(a, b)", a_shape, b_shape, torch.bmm, expect="error")

    for a_shape, b_shape in MATMUL_SHAPES:
        record_binary(rec, inputs, "torch.matmul(a, b)", a_shape, b_shape, torch.matmul)
    record_binary(rec, inputs, "torch.matmul(a, b)", (2, 3, 4), (4, 2), torch.matmul, dtype="i64")
    for a_shape, b_shape in MATMUL_ERRORS:
        record_binary(rec, inputs, "torch.matmul(a, b)", a_shape, b_shape, torch.matmul,
                      expect="error")

    pair_of_ints = [case for case in TENSORDOT_AXES
                    if isinstance(case[2], (tuple, list)) and isinstance(case[2][0], int)]
    for a_shape, b_shape, axes in TENSORDOT_AXES + random_tensordot(inputs.rng, 12):
        dims = torch_dims(axes)
        expect = "error" if (a_shape, b_shape, axes) in pair_of_ints else "value"
        record_binary(rec, inputs, f"torch.tensordot(a, b, dims={dims!r})", a_shape, b_shape,
                      lambda a, b, dims=dims: torch.tensordot(a, b, dims=dims), expect=expect)
    record_binary(rec, inputs, "torch.tensordot(a, b)", (2, 3, 4), (3, 4, 5), torch.tensordot)
    for a_shape, b_shape, axes in TENSORDOT_ERRORS + [((2, 3), (3, 4), -1)]:
        dims = torch_dims(axes)
        record_binary(rec, inputs, f"torch.tensordot(a, b, dims={dims!r})", a_shape, b_shape,
                      lambda a, b, dims=dims: torch.tensordot(a, b, dims=dims), expect="error")

    for a_shape, b_shape in INNER_SHAPES:
        record_binary(rec, inputs, "torch.inner(a, b)", a_shape, b_shape, torch.inner)
    for a_shape, b_shape in INNER_ERRORS:
        record_binary(rec, inputs, "torch.inner(a, b)", a_shape, b_shape, torch.inner,
                      expect="error")
    for a_shape, b_shape in OUTER_SHAPES:
        expect = "value" if len(a_shape) == 1 and len(b_shape) == 1 else "error"
        record_binary(rec, inputs, "torch.outer(a, b)", a_shape, b_shape, torch.outer,
                      expect=expect)
    record_binary(rec, inputs, "torch.outer(a, b)", (3,), (2,), torch.outer, dtype="c128")
