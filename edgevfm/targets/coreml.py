"""Core ML (``<component>.mlpackage``, ML program) for iOS/macOS, converted with coremltools from the
traced torch component (the ``torch.jit.trace`` path works with numpy < 2.4, which we pin).

* fp16: ML program with FP16 compute precision; IO stays float32 with the manifest's names.
* int8: FP16 program + INT8 per-channel *weights* (``coremltools.optimize.coreml``); activation
  quantization needs calibration through Core ML prediction, i.e. macOS — not done here.
* SAM's decoder is the static twin (no resize in the graph), ``num_points`` a RangeDim(1..16).

Prediction needs macOS: parity is recorded as "not verified on this host" on Linux."""
from __future__ import annotations

import platform
import warnings
from pathlib import Path

import torch

from ..models.spec import Component
from .base import Converted, Preset, Target, register_preset, register_target
from .static_io import RANGES, fix_dims, static_twin

VERIFICATION_LINUX = "Core ML prediction needs macOS; converted, spec-validated (IO names, shapes, ops, size) only"


def _inputs(comp: Component):
    import coremltools as ct

    out = []
    for t, a in zip(comp.inputs, comp.example_args):
        shape = [ct.RangeDim(lower_bound=RANGES[d][0], upper_bound=RANGES[d][1], default=int(a.shape[i]))
                 if isinstance(d, str) else d for i, d in enumerate(t.shape)]
        out.append(ct.TensorType(name=t.name, shape=ct.Shape(shape), dtype=a.numpy().dtype))
    return out


def spec_report(mlmodel, comp: Component) -> dict:
    """IO names and shapes of the saved program, its op histogram, checked against the component."""
    spec = mlmodel.get_spec()
    ins = [i.name for i in spec.description.input]
    outs = [o.name for o in spec.description.output]
    if ins != comp.input_names or outs != comp.output_names:
        raise ValueError(f"Core ML IO {ins} -> {outs} differs from the manifest's {comp.input_names} -> {comp.output_names}")
    ops: dict[str, int] = {}
    for fn in spec.mlProgram.functions.values():
        for block in fn.block_specializations.values():
            for op in block.operations:
                ops[op.type] = ops.get(op.type, 0) + 1
    resize = sorted(op for op in ops if "resize" in op or "upsample" in op)
    return {"inputs": ins, "outputs": outs, "ops": dict(sorted(ops.items())), "resize_ops": resize,
            "spec_version": spec.specificationVersion}


@register_target
class CoreMlTarget(Target):
    name = "coreml"
    engine = "coreml"
    packages = ("coremltools",)
    pip = "pip install 'edgevfm[edge]'  (coremltools)"
    precisions = ("fp32", "fp16", "int8")

    def unavailable_reason(self) -> str | None:
        import importlib.util

        # find_spec, not import: coremltools logs native-library warnings on import off macOS.
        return None if importlib.util.find_spec("coremltools") else f"unavailable: {self.pip}"

    @property
    def verification(self) -> str:
        return "" if platform.system() == "Darwin" else VERIFICATION_LINUX

    def engine_version(self) -> str:
        return ">=iOS16/macOS13 (ML program)"

    def parity_engine(self) -> str | None:
        return "coreml" if platform.system() == "Darwin" else None

    def convert(self, component: Component, out_dir: Path, *, recipe: dict, precision: str = "fp32",
                calib: list[dict] | None = None, emit=print) -> Converted:
        import coremltools as ct

        twin, host = static_twin(component)
        comp = fix_dims(twin)
        name = f"{comp.name}.mlpackage"
        with torch.no_grad(), warnings.catch_warnings():
            warnings.simplefilter("ignore")  # tracer and "untested torch version" warnings
            traced = torch.jit.trace(comp.module.eval(), comp.example_args, strict=False)
            model = ct.convert(traced, inputs=_inputs(comp), outputs=[ct.TensorType(name=n) for n in comp.output_names],
                               convert_to="mlprogram", minimum_deployment_target=ct.target.iOS16,
                               compute_precision=ct.precision.FLOAT32 if precision == "fp32" else ct.precision.FLOAT16)
        info = None
        if precision == "int8":
            from coremltools.optimize.coreml import OpLinearQuantizerConfig, OptimizationConfig, linear_quantize_weights

            cfg = OptimizationConfig(global_config=OpLinearQuantizerConfig(mode="linear_symmetric", dtype="int8",
                                                                            granularity="per_channel"))
            emit("  INT8 per-channel weights (coremltools.optimize; activations FP16) …")
            model = linear_quantize_weights(model, config=cfg)
            info = {"method": "coreml-weight-int8", "weights": "int8 symmetric per-channel", "activations": "float16"}
        model.save(str(out_dir / name))
        report = spec_report(model, comp)
        if report["resize_ops"] and comp is not component:
            raise ValueError(f"{comp.name}: the static twin still resizes in the graph: {report['resize_ops']}")
        return Converted(name, precision, quantization=info, inputs=comp.inputs, outputs=comp.outputs,
                         host_outputs=host, notes={"spec": report, "verification": self.verification or "macOS"})


register_preset(Preset("ios-fp16", "coreml", "fp16", "iOS/macOS: Core ML ML program, FP16 (parity needs macOS)",
                       aliases=("coreml-fp16",)))
register_preset(Preset("ios-int8", "coreml", "int8", "iOS/macOS: Core ML, INT8 weights + FP16 compute (parity needs macOS)",
                       aliases=("coreml-int8",)))
