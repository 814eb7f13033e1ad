"""Structural checks of a TensorRT-ready ONNX graph (what TensorRT's explicit-quantization builder
needs to fuse Q/DQ into INT8 kernels), run after every jetson-* conversion."""
from __future__ import annotations

import numpy as np

# op type -> the weight's output-channel axis TensorRT quantizes per channel
WEIGHT_AXIS = {"Conv": 0, "ConvTranspose": 1, "MatMul": 1, "Gemm": 0}


def qdq_report(model) -> dict:
    """Zero points, per-channel axes, Q→DQ pairing and int64 inputs; ``problems`` lists violations."""
    from onnx import numpy_helper

    g = model.graph
    inits = {i.name: numpy_helper.to_array(i) for i in g.initializer}
    consumers: dict[str, list] = {}
    for n in g.node:
        for i in n.input:
            consumers.setdefault(i, []).append(n)
    problems, per_channel, qs, dqs = [], 0, 0, 0
    for n in g.node:
        if n.op_type not in ("QuantizeLinear", "DequantizeLinear"):
            continue
        qs += n.op_type == "QuantizeLinear"
        dqs += n.op_type == "DequantizeLinear"
        if len(n.input) > 2 and n.input[2] in inits and np.any(inits[n.input[2]] != 0):
            problems.append(f"{n.name}: non-zero zero point (TensorRT needs symmetric INT8)")
        if len(n.input) > 2 and n.input[2] in inits and inits[n.input[2]].dtype != np.int8:
            problems.append(f"{n.name}: {inits[n.input[2]].dtype} zero point (TensorRT needs int8)")
        if n.op_type == "QuantizeLinear" and not all(c.op_type == "DequantizeLinear" for c in consumers.get(n.output[0], [])):
            problems.append(f"{n.name}: QuantizeLinear not followed by DequantizeLinear (unfusable)")
        if n.op_type == "DequantizeLinear" and n.input[0] in inits and inits[n.input[1]].size > 1:
            per_channel += 1
            axis = next((a.i for a in n.attribute if a.name == "axis"), 1)
            for c in consumers.get(n.output[0], []):
                want = WEIGHT_AXIS.get(c.op_type)
                if c.op_type == "Gemm" and not any(a.name == "transB" and a.i for a in c.attribute):
                    want = 1  # Gemm without transB holds the weight as (K, N)
                if want is not None and want != axis and c.input[1] == n.output[0]:
                    problems.append(f"{n.name}: per-channel axis {axis} but {c.op_type} output channels are axis {want}")
    int64 = [i.name for i in g.input if i.type.tensor_type.elem_type == 7]
    if int64:
        problems.append(f"int64 inputs {int64} (TensorRT shape/IO tensors must be int32)")
    return {"quantize_linear": qs, "dequantize_linear": dqs, "per_channel_weights": per_channel,
            "int64_inputs": int64, "problems": problems}
