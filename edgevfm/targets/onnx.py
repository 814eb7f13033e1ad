"""ONNX (run by ONNX Runtime): the hub format every other target starts from."""
from __future__ import annotations

import tempfile
import warnings
from pathlib import Path
from typing import Sequence

from ..models.spec import Component
from ..quantize.methods import CALIBRATED, ONNX_METHODS
from ..recipes import component_quantize
from .base import Converted, Preset, Target, register_preset, register_target


def export_module(module, example_args: tuple, path: str | Path, *, input_names: Sequence[str],
                  output_names: Sequence[str], dynamic_axes: dict | None = None, opset: int = 17) -> Path:
    """The toolkit's single ``torch.onnx.export`` call (the bench's plain baseline aside): the TorchScript
    exporter (``dynamo=False``, what the official SAM scripts target; MODELS.md 5.1) with constant
    folding, in eval mode, so TinyViT's BatchNorms fold into its Convs and its attention-bias gathers
    into constants.

    For DINOv2 and CLIP, ONNX Runtime (ORT_ENABLE_ALL) turns this graph into the same kernels as a
    dynamo export of the same module (Gemm/MatMul, FusedMatMul, LayerNormalization, BiasGelu/Gelu/
    QuickGelu, Softmax); TorchScript only leaves extra scalar Shape/Gather/Concat nodes on the dynamic
    batch, which cost nothing measurable. No contrib ops: OpenVINO and TensorRT start from this file too.
    """
    import torch  # here, not at import: `edgevfm list` must not pay for torch

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    module = module.eval()
    with warnings.catch_warnings(), torch.no_grad():
        # Expected noise: tracer warnings about Python-constant shapes (fixed-resolution graphs on
        # purpose), torch's "legacy TorchScript-based exporter" deprecation notice, and "Constant
        # folding - Only steps=1" for F.pad's step -1 Slice (ONNX Runtime folds it at load).
        warnings.simplefilter("ignore")
        torch.onnx.export(
            module, tuple(example_args), str(path),
            input_names=list(input_names), output_names=list(output_names),
            dynamic_axes=dynamic_axes or None, opset_version=opset,
            do_constant_folding=True, dynamo=False,
        )
    return path


def export_onnx(component: Component, path: str | Path, *, opset: int = 17) -> Path:
    """``component`` as a checked ONNX file with its declared static dims written in (every target
    that goes through ONNX starts here)."""
    path = export_module(component.module, component.example_args, path, input_names=component.input_names,
                         output_names=component.output_names, dynamic_axes=component.dynamic_axes, opset=opset)
    import onnx

    model = onnx.load(str(path))
    _stamp_static_dims(model, component)
    onnx.save(model, str(path))
    onnx.checker.check_model(str(path), full_check=True)
    return path


def _stamp_static_dims(model, component: Component) -> None:
    """The TorchScript exporter leaves some output dims symbolic (e.g. after a Transpose) even when
    they are fixed; write the declared static dims so consumers (TensorRT, Core ML, labeling
    tools) see concrete shapes. Parity, run right after, proves the declaration right."""
    declared = {t.name: t.shape for t in (*component.inputs, *component.outputs)}
    for value in (*model.graph.input, *model.graph.output):
        shape = declared.get(value.name)
        dims = value.type.tensor_type.shape.dim
        if shape is None or len(shape) != len(dims):
            continue
        for dim, want in zip(dims, shape):
            if isinstance(want, int):
                dim.ClearField("dim_param")
                dim.dim_value = want
            else:
                dim.dim_param = want


@register_target
class OnnxTarget(Target):
    name = "onnx"
    engine = "onnxruntime"
    packages = ("onnx", "onnxruntime")
    pip = "pip install onnx onnxruntime"
    precisions = ("fp32", "fp16", "int8")
    methods = {"fp16": ("fp16",), "int8": ("ort-static", "ort-dynamic")}

    def engine_version(self) -> str:
        import onnxruntime

        return f">={onnxruntime.__version__.rsplit('.', 1)[0]}"

    def needs_calibration(self, precision: str, recipe: dict) -> bool:
        return self.method(recipe.get("quantize", {}), precision) in CALIBRATED

    def convert(self, component: Component, out_dir: Path, *, recipe: dict, precision: str = "fp32",
                calib: list[dict] | None = None, emit=print) -> Converted:
        name = f"{component.name}.onnx"
        opset = int(recipe.get("export", {}).get("opset", 17))
        component, host = host_finished(component, recipe)
        io = {"inputs": component.inputs, "outputs": component.outputs, "host_outputs": host} if host else {}
        if precision == "fp32":
            export_onnx(component, out_dir / name, opset=opset)
            return Converted(name, precision, **io)
        q = component_quantize(recipe, component.name)
        method = self.method(q, precision)
        if method in CALIBRATED and not calib:
            raise ValueError(f"{method} needs calibration feeds for {component.name}")
        with tempfile.TemporaryDirectory(prefix="edgevfm-onnx-") as tmp:
            fp32 = Path(tmp) / name
            export_onnx(component, fp32, opset=opset)
            feeds = [{k: f[k] for k in component.input_names} for f in calib or []] if host else calib
            info = ONNX_METHODS.get(method)(fp32, out_dir / name, feeds=feeds, q=q, emit=emit)
        return Converted(name, precision, quantization=info, **io)


def host_finished(component: Component, recipe: dict) -> tuple[Component, dict]:
    """With ``export.host_outputs: true``: the component's static twin, its data-dependent outputs left
    to the runtime's host ops (SAM: masks upscaled to the photo on the host, only for the tokens
    ``predict`` returns, instead of an in-graph resize to 1024² of all four), else the component."""
    if not recipe.get("export", {}).get("host_outputs") or component.static_twin is None:
        return component, {}
    from .static_io import static_twin

    return static_twin(component)


register_preset(Preset("onnx-fp32", "onnx", "fp32", "ONNX, FP32, ONNX Runtime on any CPU (x86/ARM) or GPU"))
register_preset(Preset("onnx-fp16", "onnx", "fp16", "ONNX, FP16 weights/compute with LayerNorm/Softmax and IO in FP32 (GPU)"))
register_preset(Preset("onnx-int8", "onnx", "int8", "ONNX, static INT8 QDQ (ONNX Runtime quantize_static), calibrated"))
