"""INT8 for TensorRT's explicit quantization: ONNX Runtime ``quantize_static`` in QDQ format with
symmetric INT8 activations and per-channel weights, Q/DQ only on the *inputs* of Conv/MatMul/Gemm
(where TensorRT fuses them into INT8 kernels; their outputs stay float, as NVIDIA's Model Optimizer
configures ORT), biases left in float (TensorRT has no int32 DequantizeLinear).

``quantize.sensitivity`` (optional, as for onnx-int8): rank the recipe's blocks of weighted ops by
how much SQNR keeping each in float recovers on held-out *calibration* feeds (never the parity
images), then keep the worst in float until the target is met; recorded in the manifest."""
from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from ..quantize.feeds import FeedReader, median_ms, worst_sqnr
from ..quantize.keep_float import group_blocks, matching_nodes
from ..quantize.ort_static import _session, pre_process
from ..quantize.sensitivity import fallback_until, search_limits
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
    sens = q.get("sensitivity", {})
    info: dict = {"method": "ort-static-qdq (TensorRT explicit INT8)", "activation_type": "int8 symmetric",
                  "weight_type": "int8 symmetric per-channel", "bias": "float", "op_types": op_types,
                  "calibration": {"algorithm": algorithm, "feeds": len(used)}}
    with tempfile.TemporaryDirectory(prefix="edgevfm-trtq-") as tmp:
        tmp = Path(tmp)
        pre = tmp / "pre.onnx"
        pre_process(src, pre)
        graph = onnx.load(str(pre), load_external_data=False).graph
        inputs = [i.name for i in graph.input]
        nodes = [(n.name, n.op_type) for n in graph.node]
        base = matching_nodes(nodes, op_types=keep.get("op_types", ()), patterns=keep.get("nodes", ()))
        counter = iter(range(1_000_000))
        placements: dict = {}

        def build(excluded: list[str]) -> Path:
            out = tmp / f"q{next(counter)}.onnx"
            quantize_static(
                str(pre), str(out), FeedReader(used, inputs),
                quant_format=QuantFormat.QDQ, activation_type=QuantType.QInt8, weight_type=QuantType.QInt8,
                per_channel=True, reduce_range=False, op_types_to_quantize=op_types, nodes_to_exclude=excluded,
                calibrate_method=getattr(CalibrationMethod, _ALGORITHMS[algorithm]),
                calibration_cache_path=str(tmp / "ranges.json"),  # one calibration for every candidate
                extra_options={"ActivationSymmetric": True, "WeightSymmetric": True, "QuantizeBias": False,
                               # no Q/DQ after a weighted op: attention scores reach Softmax, MatMul outputs
                               # their bias Add and the network outputs leave, in float
                               "OpTypesToExcludeOutputQuantization": op_types,
                               **({"CalibPercentile": float(cal["percentile"])} if "percentile" in cal else {})})
            model = onnx.load(str(out))
            placements[out] = inputs_only(model, weighted=tuple(op_types))
            onnx.save(model, str(out))
            return out

        emit(f"  calibrating ({algorithm}, {len(used)} feeds), symmetric INT8 Q/DQ for TensorRT …")
        if sens.get("enabled") and "target_sqnr_db" in sens:
            val = used[-int(sens.get("validation_images", 1)):]  # calibration feeds, never parity images
            reference = [_session(pre)(f) for f in val]
            quantizable = [n for n, op in nodes if op in op_types and n not in base]
            blocks = group_blocks(quantizable, sens.get("blocks", []))
            best, result = fallback_until(
                blocks=blocks, base_excluded=base, build=build, full=quantizable, build_full=lambda: pre,
                measure=lambda p: worst_sqnr(_session(p), val, reference),
                latency=lambda p: median_ms(_session(p), val[0]),
                **search_limits(sens, 4), rank=bool(sens.get("rank", True)), progress=emit)
            excluded = result.kept_float
            info["sensitivity"] = {**result.manifest(), "measured_on": f"last {len(val)} calibration feed(s)"}
        else:
            best, excluded = build(base), base
        shutil.copyfile(best, dst)
        if best in placements:  # (the full-fallback rung is the float graph: no Q/DQ to place)
            info["placement"] = {"qdq_on": "weighted-op inputs only", **placements[best]}
    info["float_kept"] = {"op_types": list(keep.get("op_types", [])), "patterns": list(keep.get("nodes", [])),
                          "nodes": excluded}
    return info
