"""ONNX (run by ONNX Runtime): the hub format every other target starts from."""
from __future__ import annotations

import warnings
from pathlib import Path

import torch

from ..models.spec import Component
from .base import Preset, Target, register_preset, register_target


def export_onnx(component: Component, path: Path, *, opset: int = 17) -> None:
    """TorchScript-based export (``dynamo=False``): what the official SAM scripts target, and it
    constant-folds the attention-bias gathers and BatchNorms of TinyViT."""
    with warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("ignore")  # tracer warnings about Python-constant shapes are expected
        torch.onnx.export(
            component.module, component.example_args, str(path),
            input_names=component.input_names, output_names=component.output_names,
            dynamic_axes=component.dynamic_axes or None, opset_version=opset,
            do_constant_folding=True, dynamo=False,
        )
    import onnx

    model = onnx.load(str(path))
    _stamp_static_dims(model, component)
    onnx.save(model, str(path))
    onnx.checker.check_model(str(path), full_check=True)


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
    precisions = ("fp32",)

    def engine_version(self) -> str:
        import onnxruntime

        return f">={onnxruntime.__version__.rsplit('.', 1)[0]}"

    def convert(self, component: Component, out_dir: Path, *, recipe: dict, emit=print) -> str:
        name = f"{component.name}.onnx"
        export_onnx(component, out_dir / name, opset=int(recipe.get("export", {}).get("opset", 17)))
        return name


register_preset(Preset("onnx-fp32", "onnx", "fp32", "ONNX, FP32, ONNX Runtime on any CPU (x86/ARM) or GPU"))
