"""Dynamic int8 quantisation with one scale per text of a run instead of one per run.

onnxruntime's dynamic quantisation (DynamicQuantizeLinear before each MatMulInteger) gives all of a run's
activations one scale and zero point, so a text run among others got a vector that depended on them. This rewrite
computes both per batch row, exactly as DynamicQuantizeLinear computes them per tensor (the range widened to hold
0, 255 levels, the zero point rounded half to even), quantises with QuantizeLinear along the batch axis, and
takes each row's zero point out of the integer product afterwards (MatMulInteger takes one zero point for A, or
one per row of a 2-D A): for weights W with zero points z_w, sum_k (q_k - z) (w_kn - z_wn) is
MatMulInteger(q, W, 0, z_w)[n] - z * sum_k (w_kn - z_wn). A run of texts that all have the same number of tokens
(nothing padded) then gives each text the vector it gets alone, bit for bit.
"""

from __future__ import annotations

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

ZERO, LEVELS, FLAT = "per_row/zero", "per_row/levels", "per_row/flat"


def per_row(model: onnx.ModelProto) -> onnx.ModelProto:
    """The model with every DynamicQuantizeLinear over a [batch, tokens, hidden] activation made per batch row."""
    graph = model.graph
    weights = {tensor.name: tensor for tensor in graph.initializer}
    zero_point_of = {}  # a DynamicQuantizeLinear's zero-point output -> the int32 per-row zero point made for it
    graph.initializer.extend(
        [
            numpy_helper.from_array(np.array(0.0, np.float32), ZERO),
            numpy_helper.from_array(np.array(255.0, np.float32), LEVELS),
            numpy_helper.from_array(np.array([-1], np.int64), FLAT),
        ]
    )
    nodes = []
    for node in graph.node:
        if node.op_type == "DynamicQuantizeLinear":
            nodes += _quantise_per_row(node)
            zero_point_of[node.output[2]] = f"{node.name}/per_row/zero_point_int32"
        elif node.op_type == "MatMulInteger" and node.input[2] in zero_point_of:
            quantised, weight, row_zero_point, weight_zero_point = node.input
            sums = f"{node.name}/per_row/column_sums"
            columns = numpy_helper.to_array(weights[weight]).astype(np.int32)
            columns -= numpy_helper.to_array(weights[weight_zero_point]).astype(np.int32)
            graph.initializer.append(numpy_helper.from_array(columns.sum(axis=0, dtype=np.int32), sums))
            raw, correction = f"{node.name}/per_row/product", f"{node.name}/per_row/correction"
            nodes += [
                helper.make_node("MatMulInteger", [quantised, weight, "", weight_zero_point], [raw], name=node.name),
                helper.make_node("Mul", [zero_point_of[row_zero_point], sums], [correction]),
                helper.make_node("Sub", [raw, correction], [node.output[0]]),
            ]
        else:
            nodes.append(node)
    per_run = [n.name for n in nodes if n.op_type == "MatMulInteger" and len(n.input) > 2 and n.input[2]]
    if per_run:  # a zero point not from a DynamicQuantizeLinear: this graph is not the one this rewrite knows
        raise ValueError(f"MatMulInteger nodes left with one zero point a run: {per_run}")
    del graph.node[:]
    graph.node.extend(nodes)
    onnx.checker.check_model(model)
    return model


def _quantise_per_row(node: onnx.NodeProto) -> list[onnx.NodeProto]:
    """Nodes with DynamicQuantizeLinear's outputs (quantised, scale, zero point) per row: scale and zero point
    [batch, 1, 1], so the scale multiplies the integer product row by row downstream unchanged."""
    (x,), (quantised, scale, zero_point) = node.input, node.output
    name = f"{node.name}/per_row/"
    return [
        helper.make_node("ReduceMin", [x], [name + "min"], axes=[1, 2], keepdims=1),
        helper.make_node("ReduceMax", [x], [name + "max"], axes=[1, 2], keepdims=1),
        helper.make_node("Min", [name + "min", ZERO], [name + "low"]),  # the range holds 0
        helper.make_node("Max", [name + "max", ZERO], [name + "high"]),
        helper.make_node("Sub", [name + "high", name + "low"], [name + "range"]),
        helper.make_node("Div", [name + "range", LEVELS], [scale]),
        helper.make_node("Div", [name + "low", scale], [name + "low_steps"]),
        helper.make_node("Sub", [ZERO, name + "low_steps"], [name + "zero_float"]),  # qmin - min / scale
        helper.make_node("Clip", [name + "zero_float", ZERO, LEVELS], [name + "zero_clipped"]),
        helper.make_node("Round", [name + "zero_clipped"], [name + "zero_rounded"]),  # half to even
        helper.make_node("Cast", [name + "zero_rounded"], [zero_point], to=TensorProto.UINT8),
        helper.make_node("Cast", [zero_point], [name + "zero_point_int32"], to=TensorProto.INT32),
        helper.make_node("Reshape", [scale, FLAT], [name + "scale_per_row"]),
        helper.make_node("Reshape", [zero_point, FLAT], [name + "zero_point_per_row"]),
        helper.make_node(
            "QuantizeLinear", [x, name + "scale_per_row", name + "zero_point_per_row"], [quantised], axis=0
        ),
    ]
