"""Structural checks of a TensorRT-ready ONNX graph (what TensorRT's explicit-quantization builder
needs to fuse Q/DQ into INT8 kernels), run after every jetson-* conversion."""
from __future__ import annotations

import numpy as np

from .trt_placement import WEIGHTED_OPS

# op type -> the weight's output-channel axis TensorRT quantizes per channel
WEIGHT_AXIS = {"Conv": 0, "ConvTranspose": 1, "MatMul": 1, "Gemm": 0}


def _axis_problem(n, consumers) -> list[str]:
    axis = next((a.i for a in n.attribute if a.name == "axis"), 1)
    out = []
    for c in consumers.get(n.output[0], []):
        want = WEIGHT_AXIS.get(c.op_type)
        if c.op_type == "Gemm" and not any(a.name == "transB" and a.i for a in c.attribute):
            want = 1  # Gemm without transB holds the weight as (K, N)
        if want is not None and want != axis and len(c.input) > 1 and c.input[1] == n.output[0]:
            out.append(f"{n.name}: per-channel axis {axis} but {c.op_type} output channels are axis {want}")
    return out


def qdq_report(model) -> dict:
    """Zero points, per-channel axes, Q→DQ pairing and placement (Q/DQ only on weighted-op inputs:
    none on a weighted op's output, none feeding another op or a graph output); ``problems`` lists
    violations. int64 inputs are listed, not flagged: TensorRT 10 takes int64 IO."""
    from onnx import numpy_helper

    g = model.graph
    inits = {i.name: numpy_helper.to_array(i) for i in g.initializer}
    producer = {o: n for n in g.node for o in n.output}
    consumers: dict[str, list] = {}
    for n in g.node:
        for i in n.input:
            consumers.setdefault(i, []).append(n)
    outputs = {o.name for o in g.output}
    problems, per_channel, qs, dqs = [], 0, 0, 0
    for n in g.node:
        if n.op_type not in ("QuantizeLinear", "DequantizeLinear"):
            continue
        qs += n.op_type == "QuantizeLinear"
        dqs += n.op_type == "DequantizeLinear"
        for role, idx in (("scale", 1), ("zero point", 2)):
            if len(n.input) > idx and n.input[idx] and n.input[idx] not in inits:
                problems.append(f"{n.name}: {role} {n.input[idx]!r} is not a constant initializer "
                                "(TensorRT needs constant Q/DQ scales and zero points)")
        zp = inits.get(n.input[2]) if len(n.input) > 2 else None
        if zp is not None and np.any(zp != 0):
            problems.append(f"{n.name}: non-zero zero point (TensorRT needs symmetric INT8)")
        if zp is not None and zp.dtype != np.int8:
            problems.append(f"{n.name}: {zp.dtype} zero point (TensorRT needs int8)")
        if n.op_type == "QuantizeLinear":
            if not all(c.op_type == "DequantizeLinear" for c in consumers.get(n.output[0], [])):
                problems.append(f"{n.name}: QuantizeLinear not followed by DequantizeLinear (unfusable)")
            # A weighted op's output may be quantized only as the next weighted op's input (Conv → Conv):
            # then TensorRT fuses the Q into the producer. Anything else is output quantization.
            src = producer.get(n.input[0])
            readers = [c for dq in consumers.get(n.output[0], []) for c in consumers.get(dq.output[0], [])]
            to_output = any(dq.output[0] in outputs for dq in consumers.get(n.output[0], []))
            if src is not None and src.op_type in WEIGHTED_OPS and (
                    to_output or any(c.op_type not in WEIGHTED_OPS for c in readers)):
                problems.append(f"{n.name}: quantizes the output of {src.op_type} {src.name!r} for "
                                f"{sorted({c.op_type for c in readers if c.op_type not in WEIGHTED_OPS}) or 'a graph output'} "
                                "(Q/DQ belongs on weighted-op inputs only)")
            continue
        if n.output[0] in outputs:
            problems.append(f"{n.name}: DequantizeLinear writes the graph output {n.output[0]!r}")
        for c in consumers.get(n.output[0], []):
            if c.op_type not in WEIGHTED_OPS:
                problems.append(f"{n.name}: DequantizeLinear feeds {c.op_type} {c.name!r} "
                                "(Q/DQ belongs on Conv/MatMul/Gemm inputs only)")
        scale = inits.get(n.input[1])
        if n.input[0] in inits and scale is not None and scale.size > 1:
            per_channel += 1
            problems += _axis_problem(n, consumers)
    int64 = [i.name for i in g.input if i.type.tensor_type.elem_type == 7]
    return {"quantize_linear": qs, "dequantize_linear": dqs, "per_channel_weights": per_channel,
            "int64_inputs": int64, "problems": problems}
