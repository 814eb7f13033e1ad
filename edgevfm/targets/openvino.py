"""OpenVINO IR (``<component>.xml/.bin``) for x86 CPUs, converted from the ONNX export.

Every component records its inference precision as an engine option: the CPU plugin runs bf16 by
default on CPUs with AVX-512 BF16/AMX, so FP32 must pin ``f32`` and BF16 is its own preset."""
from __future__ import annotations

import shlex
import tempfile
from pathlib import Path

from ..models.spec import Component
from ..recipes import component_quantize
from .base import Converted, Preset, Target, register_preset, register_target
from .onnx import export_onnx

# component precision -> the CPU plugin's INFERENCE_PRECISION_HINT (int8: the float remainder in f32)
PRECISION_HINT = {"fp32": "f32", "bf16": "bf16", "int8": "f32"}


@register_target
class OpenVinoTarget(Target):
    name = "openvino"
    engine = "openvino"
    packages = ("openvino",)
    pip = "pip install 'edgevfm[openvino]'  (openvino, nncf)"
    precisions = ("fp32", "bf16", "int8")
    methods = {"int8": ("nncf",)}

    def engine_version(self) -> str:
        import openvino

        return f">={openvino.__version__.split('-')[0].rsplit('.', 1)[0]}"

    def needs_calibration(self, precision: str, recipe: dict) -> bool:
        return precision == "int8"

    def float_precision(self, engine_options: dict) -> str:
        # the hint is what runs where the CPU has bf16 (elsewhere the plugin runs f32, as for x86-bf16)
        return "bf16" if engine_options.get("INFERENCE_PRECISION_HINT") == "bf16" else "fp32"

    def convert(self, component: Component, out_dir: Path, *, recipe: dict, precision: str = "fp32",
                calib: list[dict] | None = None, emit=print) -> Converted:
        import openvino as ov

        name = f"{component.name}.xml"
        with tempfile.TemporaryDirectory(prefix="edgevfm-ov-") as tmp:
            onnx_path = Path(tmp) / f"{component.name}.onnx"
            export_onnx(component, onnx_path, opset=int(recipe.get("export", {}).get("opset", 17)))
            model = ov.convert_model(str(onnx_path))
        info = None
        if precision == "int8":
            from ..quantize.nncf_ov import nncf_quantize

            if not calib:
                raise ValueError(f"NNCF needs calibration feeds for {component.name}")
            model, info = nncf_quantize(model, feeds=calib, q=component_quantize(recipe, component.name), emit=emit)
        # The ONNX frontend (and NNCF) give IO tensors extra internal tensor names (e.g. "/Cast_7_output_0");
        # keep exactly the declared IO names so every runtime reads the contract's names.
        for ports, specs in ((model.inputs, component.inputs), (model.outputs, component.outputs)):
            for port, spec in zip(ports, specs):
                port.get_tensor().set_names({spec.name})
        # Weights stay FP32 in the .bin (no silent FP16 compression); int8 weights are stored as int8.
        ov.save_model(model, str(out_dir / name), compress_to_fp16=False)
        opts = {**{"INFERENCE_PRECISION_HINT": PRECISION_HINT[precision]},
                **recipe.get("engine_options", {}).get(component.name, {})}
        from edgevfm_runtime.bench.native import benchmark_app_args

        line = shlex.join(["benchmark_app", *benchmark_app_args(name, [s.manifest() for s in component.inputs], opts)])
        return Converted(name, precision, quantization=info, engine_options=opts,
                         extra_files=[f"{component.name}.bin"], notes={"benchmark_app": line})


register_preset(Preset("x86-fp32", "openvino", "fp32", "x86 CPUs: OpenVINO FP32 (inference precision pinned to f32)",
                       aliases=("openvino-fp32",)))
register_preset(Preset("x86-bf16", "openvino", "bf16", "x86 CPUs with AVX-512 BF16/AMX: OpenVINO bf16 inference",
                       aliases=("openvino-bf16",)))
register_preset(Preset("x86-int8", "openvino", "int8", "x86 CPUs: OpenVINO INT8 (NNCF, transformer preset), calibrated",
                       aliases=("openvino-int8",)))
