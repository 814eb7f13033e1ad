"""LiteRT post-conversion quantization with ai-edge-quantizer, by the name recipes use
(``quantize.method``): each is ``fn(float_tflite, dst, *, feeds, q, emit) -> info``."""
from __future__ import annotations

from pathlib import Path

from ..registry import Registry

LITERT_METHODS: Registry = Registry("LiteRT quantize method")
CALIBRATED = {"litert-static"}


def _quantizer(src: Path):
    from ai_edge_quantizer import quantizer

    return quantizer.Quantizer(str(src))


def _ops(q: dict):
    from ai_edge_quantizer.qtyping import TFLOperationName

    return [getattr(TFLOperationName, op) for op in q.get("op_types") or ["ALL_SUPPORTED"]]


def fp16_weights(src: Path, dst: Path, *, feeds=None, q: dict, emit=print) -> dict:
    """FP16 weights (FULLY_CONNECTED / CONV_2D), FP32 activations and IO: XNNPACK and GPU delegates
    compute in FP16 where the hardware has it, otherwise dequantize the weights once at load."""
    from ai_edge_quantizer import qtyping
    from ai_edge_quantizer.algorithm_manager import AlgorithmName

    qz = _quantizer(src)
    cfg = qtyping.OpQuantizationConfig(
        weight_tensor_config=qtyping.TensorQuantizationConfig(num_bits=16, dtype=qtyping.TensorDataType.FLOAT),
        compute_precision=qtyping.ComputePrecision.FLOAT, explicit_dequantize=True)
    for op in (qtyping.TFLOperationName.FULLY_CONNECTED, qtyping.TFLOperationName.CONV_2D):
        qz.update_quantization_recipe(regex=".*", operation_name=op, op_config=cfg,
                                      algorithm_key=AlgorithmName.FLOAT_CASTING)
    emit("  fp16 weights (ai-edge-quantizer float casting; activations and IO float32) …")
    qz.quantize(serialize_to_path=str(dst), enable_progress_report=False)
    return {"method": "litert-fp16-weights", "weights": "float16", "activations": "float32"}


def dynamic_int8(src: Path, dst: Path, *, feeds=None, q: dict, emit=print) -> dict:
    """INT8 per-channel weights, activations quantized per run by the kernels (XNNPACK's fast path)."""
    from ai_edge_quantizer.algorithm_manager import AlgorithmName

    qz = _quantizer(src)
    for op in _ops(q):
        qz.add_dynamic_config(regex=".*", operation_name=op, num_bits=8, algorithm_key=AlgorithmName.MIN_MAX_UNIFORM_QUANT)
    emit("  dynamic-range INT8 (weights int8 per channel, activations quantized at run time) …")
    qz.quantize(serialize_to_path=str(dst), enable_progress_report=False)
    return {"method": "litert-dynamic", "weights": "int8 per-channel", "activations": "float32 (quantized per run)"}


def static_int8(src: Path, dst: Path, *, feeds, q: dict, emit=print) -> dict:
    """Full-integer INT8 (weights and activations) calibrated on ``feeds``; the model's IO becomes
    integer, which the runtime quantizes/dequantizes with each tensor's scale and zero point."""
    from ai_edge_quantizer.algorithm_manager import AlgorithmName

    qz = _quantizer(src)
    for op in _ops(q):
        qz.add_static_config(regex=".*", operation_name=op, activation_num_bits=8, weight_num_bits=8,
                             algorithm_key=AlgorithmName.MIN_MAX_UNIFORM_QUANT)
    used = feeds  # calibration.size counts images, applied by the pipeline (see quantize/nncf_ov)
    emit(f"  full-integer INT8: calibrating on {len(used)} feed(s) …")
    import numpy as np

    data = {"serving_default": [{k: np.asarray(v) for k, v in f.items()} for f in used]}
    ranges = qz.calibrate(data, num_threads=2)
    qz.quantize(ranges, serialize_to_path=str(dst), enable_progress_report=False)
    return {"method": "litert-static", "weights": "int8 per-channel", "activations": "int8 (calibrated min/max)",
            "calibration": {"feeds": len(used)}}


LITERT_METHODS.register("litert-fp16", fp16_weights)
LITERT_METHODS.register("litert-dynamic", dynamic_int8)
LITERT_METHODS.register("litert-static", static_int8)
