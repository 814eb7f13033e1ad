"""INT8 for TensorRT's explicit quantization: ONNX Runtime ``quantize_static`` in QDQ format with
symmetric INT8 activations and per-channel weights, Q/DQ only on the *inputs* of Conv/MatMul/Gemm
(where TensorRT fuses them into INT8 kernels; their outputs stay float, as NVIDIA's Model Optimizer
configures ORT), biases left in float (TensorRT has no int32 DequantizeLinear)."""
from __future__ import annotations

import tempfile
from pathlib import Path

from ..quantize.feeds import FeedReader
from ..quantize.keep_float import matching_nodes
from ..quantize.ort_static import pre_process
from .trt_placement import inputs_only

OP_TYPES = ["Conv", "MatMul", "Gemm"]
_ALGORITHMS = {"minmax": "MinMax", "entropy": "Entropy", "percentile": "Percentile"}


def quantize_qdq_trt(src: Path, dst: Path, *, feeds: list[dict], q: dict, emit=print) -> dict:
    import onnx
    from onnxruntime.quantization import CalibrationMethod, QuantFormat, QuantType, quantize_static

    cal = q.get("calibration", {})
    algorithm = cal.get("algorithm", "minmax")
    used = feeds  # calibration.size counts images, applied by the pipeline (see quantize/nncf_ov)
    op_types = list(q.get("op_types") or OP_TYPES)
    keep = q.get("keep_float", {})
    with tempfile.TemporaryDirectory(prefix="edgevfm-trtq-") as tmp:
        pre = Path(tmp) / "pre.onnx"
        pre_process(src, pre)
        graph = onnx.load(str(pre), load_external_data=False).graph
        nodes = [(n.name, n.op_type) for n in graph.node]
        excluded = matching_nodes(nodes, op_types=keep.get("op_types", ()), patterns=keep.get("nodes", ()))
        emit(f"  calibrating ({algorithm}, {len(used)} feeds), symmetric INT8 Q/DQ for TensorRT …")
        quantize_static(
            str(pre), str(dst), FeedReader(used, [i.name for i in graph.input]),
            quant_format=QuantFormat.QDQ, activation_type=QuantType.QInt8, weight_type=QuantType.QInt8,
            per_channel=True, reduce_range=False, op_types_to_quantize=op_types, nodes_to_exclude=excluded,
            calibrate_method=getattr(CalibrationMethod, _ALGORITHMS[algorithm]),
            extra_options={"ActivationSymmetric": True, "WeightSymmetric": True, "QuantizeBias": False,
                           # no Q/DQ after a weighted op: attention scores reach Softmax, MatMul outputs
                           # their bias Add and the network outputs leave, in float
                           "OpTypesToExcludeOutputQuantization": op_types,
                           **({"CalibPercentile": float(cal["percentile"])} if "percentile" in cal else {})})
        model = onnx.load(str(dst))
        placement = inputs_only(model, weighted=tuple(op_types))
        onnx.save(model, str(dst))
    return {"method": "ort-static-qdq (TensorRT explicit INT8)", "activation_type": "int8 symmetric",
            "weight_type": "int8 symmetric per-channel", "bias": "float", "op_types": op_types,
            "placement": {"qdq_on": "weighted-op inputs only", **placement},
            "calibration": {"algorithm": algorithm, "feeds": len(used)},
            "float_kept": {"op_types": list(keep.get("op_types", [])), "patterns": list(keep.get("nodes", [])),
                           "nodes": excluded}}
