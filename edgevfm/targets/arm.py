"""ARM CPU presets (Raspberry Pi 5, Jetson CPU, phone CPUs): ONNX Runtime.

Why ORT: one wheel on every ARM Linux/Android board, and its MLAS kernels run int8 GEMMs with the
ARMv8.2 dot-product / i8mm instructions (and KleidiAI where present). INT8 is *dynamic* on MatMul:
weights int8 per channel, activations quantized per run, so no calibration set can be
unrepresentative of the user's images, and the ViT's accuracy stays near FP32 (TOOLCHAIN: cosine
0.9999 vs 0.98–0.998 for static QDQ). Convolutions stay FP32: ORT has no fast ConvInteger kernel.
"""
from .base import Preset, register_preset

register_preset(Preset("arm-fp32", "onnx", "fp32", "ARM CPUs: ONNX Runtime FP32"))
register_preset(Preset("arm-int8", "onnx", "int8", "ARM CPUs: ONNX Runtime dynamic INT8 on MatMul (no calibration)"))
