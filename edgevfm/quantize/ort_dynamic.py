"""ONNX Runtime dynamic int8 (weights int8 ahead of time, activations quantized per run)."""
from __future__ import annotations

import tempfile
from pathlib import Path

import onnx

from .keep_float import matching_nodes
from .ort_static import REDUCE_RANGE, pre_process


def quantize_dynamic_int8(src: Path, dst: Path, *, feeds=None, q: dict, emit=print) -> dict:
    from onnxruntime.quantization import QuantType, quantize_dynamic

    keep = q.get("keep_float", {})
    op_types = q.get("op_types") or ["MatMul", "Gemm"]
    with tempfile.TemporaryDirectory(prefix="edgevfm-dyn-") as tmp:
        pre = Path(tmp) / "pre.onnx"
        pre_process(src, pre)  # without it: "Expected onnx::Conv_… to be an initializer" on MobileSAM
        nodes = [(n.name, n.op_type) for n in onnx.load(str(pre), load_external_data=False).graph.node]
        excluded = matching_nodes(nodes, op_types=keep.get("op_types", ()), patterns=keep.get("nodes", ()))
        emit(f"  dynamic int8 on {', '.join(op_types)} …")
        quantize_dynamic(str(pre), str(dst), per_channel=bool(q.get("per_channel", True)),
                         reduce_range=bool(q.get("reduce_range", REDUCE_RANGE)),
                         weight_type=QuantType.QInt8 if q.get("weight_type", "int8") == "int8" else QuantType.QUInt8,
                         op_types_to_quantize=op_types, nodes_to_exclude=excluded)
    return {"method": "ort-dynamic", "per_channel": bool(q.get("per_channel", True)), "op_types": op_types,
            "reduce_range": bool(q.get("reduce_range", REDUCE_RANGE)),
            "weight_type": q.get("weight_type", "int8"), "activation_type": "uint8 (computed per run)",
            "float_op_types": sorted({op for _, op in nodes} - set(op_types)),
            "quantized_nodes": sum(1 for n, op in nodes if op in op_types and n not in set(excluded)),
            "float_kept": {"op_types": list(keep.get("op_types", [])), "patterns": list(keep.get("nodes", [])),
                           "nodes": excluded}}
