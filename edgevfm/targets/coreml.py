"""Core ML (``<component>.mlpackage``, ML program) for iOS/macOS, converted with coremltools from the
traced torch component (the ``torch.jit.trace`` path works with numpy < 2.4, which we pin).

* fp16: ML program with FP16 compute precision; IO stays float32 with the manifest's names.
* int8: FP16 program + INT8 per-channel *weights* (``coremltools.optimize.coreml``). Activation
  quantization (``coremltools.optimize.coreml.experimental.linear_quantize_activations``) calibrates
  by running the model through Core ML prediction, i.e. macOS only: not done here, and the manifest's
  quantization entry says so.
* SAM's decoder is the static twin (no resize in the graph), ``num_points`` a RangeDim over
  the decoder's declared range (1..18).

Every package is validated after saving: IO names, dtypes, shapes and ranges against the manifest,
op histogram (no resize in a static twin), weights by storage type, size on disk.

Prediction needs macOS: parity is recorded as "not verified on this host" on Linux; beside it, the
export records a host estimate from running the saved program in edgevfm's MIL interpreter
(``coreml_mil``), labelled as such."""
from __future__ import annotations

import platform
import warnings
from pathlib import Path

import numpy as np
from ..models.spec import Component
from .base import Converted, Preset, Target, register_preset, register_target
from .static_io import fix_dims, static_twin

VERIFICATION_LINUX = ("Core ML prediction needs macOS; converted and spec-validated (IO names, dtypes, shapes, ops, size), "
                      "numerics only estimated (parity.host_estimate: MIL interpreter, not Core ML)")


def _inputs(comp: Component):
    import coremltools as ct

    out = []
    for t, a in zip(comp.inputs, comp.example_args):
        shape = [ct.RangeDim(lower_bound=comp.dim_ranges[d][0], upper_bound=comp.dim_ranges[d][1], default=int(a.shape[i]))
                 if isinstance(d, str) else d for i, d in enumerate(t.shape)]
        out.append(ct.TensorType(name=t.name, shape=ct.Shape(shape), dtype=a.numpy().dtype))
    return out


ACTIVATION_QUANT_LINUX = ("not applied: coremltools.optimize.coreml.experimental.linear_quantize_activations "
                          "calibrates through Core ML prediction, which needs macOS")
_ARRAY_DTYPES = {"FLOAT32": "float32", "FLOAT16": "float16", "INT32": "int32", "DOUBLE": "float64"}


def _io(feature) -> dict:
    """A spec feature's name, dtype, shape (ranged dims as [lower, upper]) in manifest terms."""
    from coremltools.proto import FeatureTypes_pb2 as ft

    arr = feature.type.multiArrayType
    dtype = ft.ArrayFeatureType.ArrayDataType.Name(arr.dataType)
    ranges = arr.shapeRange.sizeRanges
    if ranges:
        shape = [r.lowerBound if r.lowerBound == r.upperBound else [r.lowerBound, r.upperBound] for r in ranges]
    else:
        shape = [int(d) for d in arr.shape]
    return {"name": feature.name, "dtype": _ARRAY_DTYPES.get(dtype, dtype.lower()), "shape": shape}


def _expected(t, ranges: dict) -> dict:
    return {"name": t.name, "dtype": t.dtype,
            "shape": [list(ranges[d]) if isinstance(d, str) else int(d) for d in t.shape]}


def spec_report(mlmodel, comp: Component, path: Path | None = None) -> dict:
    """The saved program checked against the component: IO names, dtypes, shapes and RangeDims (a
    mismatch raises), op histogram, resize ops, weights by storage type, size on disk."""
    spec = mlmodel.get_spec()
    if spec.WhichOneof("Type") != "mlProgram":
        raise ValueError(f"{comp.name}: Core ML model is {spec.WhichOneof('Type')}, not an ML program")
    ins = [_io(i) for i in spec.description.input]
    outs = [_io(o) for o in spec.description.output]
    want_in, want_out = ([_expected(t, comp.dim_ranges) for t in comp.inputs],
                         [_expected(t, comp.dim_ranges) for t in comp.outputs])
    if [i["name"] for i in ins] != comp.input_names or [o["name"] for o in outs] != comp.output_names:
        raise ValueError(f"Core ML IO {[i['name'] for i in ins]} -> {[o['name'] for o in outs]} differs from the "
                         f"manifest's {comp.input_names} -> {comp.output_names}")
    for got, want in zip(ins + outs, want_in + want_out):
        if got["dtype"] != want["dtype"]:
            raise ValueError(f"{comp.name}.{got['name']}: Core ML dtype {got['dtype']}, manifest {want['dtype']}")
        # outputs carry no ranges in the spec (their shapes follow the inputs'); inputs must match exactly
        if got in ins and got["shape"] != want["shape"] or got in outs and len(got["shape"]) != len(want["shape"]):
            raise ValueError(f"{comp.name}.{got['name']}: Core ML shape {got['shape']}, manifest {want['shape']}")
    ops: dict[str, int] = {}
    for fn in spec.mlProgram.functions.values():
        for block in fn.block_specializations.values():
            for op in block.operations:
                ops[op.type] = ops.get(op.type, 0) + 1
    resize = sorted(op for op in ops if "resize" in op or "upsample" in op)
    report = {"inputs": [i["name"] for i in ins], "outputs": [o["name"] for o in outs], "io": ins + outs,
              "ops": dict(sorted(ops.items())), "resize_ops": resize, "spec_version": spec.specificationVersion,
              "weights": _weights(mlmodel)}
    if path is not None:
        report["package_bytes"] = sum(f.stat().st_size for f in Path(path).rglob("*") if f.is_file())
    return report


def _weights(mlmodel) -> dict:
    """Elements stored per type in the program's constants (≥ 2048 elements: the weights), so the
    manifest says what an INT8 package really holds."""
    prog = getattr(mlmodel, "_mil_program", None)
    if prog is None:
        return {}
    out: dict[str, int] = {}
    for fn in prog.functions.values():
        for op in fn.operations:
            if op.op_type == "const":
                v = op.outputs[0].val
                if isinstance(v, np.ndarray) and v.size >= 2048:
                    key = str(v.dtype)
                    out[key] = out.get(key, 0) + int(v.size)
    return dict(sorted(out.items()))


@register_target
class CoreMlTarget(Target):
    name = "coreml"
    engine = "coreml"
    packages = ("coremltools",)
    pip = "pip install 'edgevfm[edge]'  (coremltools)"
    precisions = ("fp32", "fp16", "int8")
    methods = {"int8": ("coreml-weight-int8",)}  # coremltools.optimize INT8 weights, FP16 compute

    verify_on = "macOS 13+ / iOS 16+ with Core ML"

    @property
    def verification(self) -> str:
        return "" if platform.system() == "Darwin" else VERIFICATION_LINUX

    def engine_version(self) -> str:
        return ">=iOS16/macOS13 (ML program)"

    def parity_engine(self) -> str | None:
        return "coreml" if platform.system() == "Darwin" else None

    def host_estimate(self, bundle, emit=print) -> dict | None:
        """Off macOS: the saved programs run by edgevfm's MIL interpreter (labelled; not Core ML parity)."""
        if self.parity_engine() is not None:
            return None
        from .coreml_mil import host_estimate

        emit("estimating numerics from the saved ML programs (MIL interpreter; Core ML itself cannot run here) …")
        return host_estimate(bundle, emit=emit)

    def convert(self, component: Component, out_dir: Path, *, recipe: dict, precision: str = "fp32",
                calib: list[dict] | None = None, emit=print) -> Converted:
        import coremltools as ct
        import torch

        twin, host = static_twin(component)
        comp = fix_dims(twin)
        name = f"{comp.name}.mlpackage"
        with torch.no_grad(), warnings.catch_warnings():
            warnings.simplefilter("ignore")  # tracer and "untested torch version" warnings
            traced = torch.jit.trace(comp.module.eval(), comp.example_args, strict=False)
            # outputs typed float32 explicitly: an FP16 iOS16+ program otherwise returns FLOAT16 arrays,
            # which is not what the manifest (and a Swift caller reading it) says
            outputs = [ct.TensorType(name=t.name, dtype=np.dtype(t.dtype).type) for t in comp.outputs]
            model = ct.convert(traced, inputs=_inputs(comp), outputs=outputs,
                               convert_to="mlprogram", minimum_deployment_target=ct.target.iOS16,
                               compute_precision=ct.precision.FLOAT32 if precision == "fp32" else ct.precision.FLOAT16)
        info = None
        if precision == "int8":
            from coremltools.optimize.coreml import OpLinearQuantizerConfig, OptimizationConfig, linear_quantize_weights

            cfg = OptimizationConfig(global_config=OpLinearQuantizerConfig(mode="linear_symmetric", dtype="int8",
                                                                            granularity="per_channel"))
            emit("  INT8 per-channel weights (coremltools.optimize; activations FP16) …")
            model = linear_quantize_weights(model, config=cfg)
            info = {"method": "coreml-weight-int8", "weights": "int8 symmetric per-channel", "activations": "float16",
                    "activation_quantization": ACTIVATION_QUANT_LINUX if platform.system() != "Darwin"
                    else "not applied (weights-only recipe)"}
        model.save(str(out_dir / name))
        report = spec_report(model, comp, out_dir / name)
        if precision == "int8" and not any(op.startswith("constexpr_") for op in report["ops"]):
            raise ValueError(f"{comp.name}: INT8 weight quantization left no compressed weight in the program")
        if report["resize_ops"] and comp is not component:
            raise ValueError(f"{comp.name}: the static twin still resizes in the graph: {report['resize_ops']}")
        return Converted(name, precision, quantization=info, inputs=comp.inputs, outputs=comp.outputs,
                         host_outputs=host, notes={"spec": report, "verification": self.verification or "macOS"})


register_preset(Preset("ios-fp16", "coreml", "fp16", "iOS/macOS: Core ML ML program, FP16 (parity needs macOS)",
                       aliases=("coreml-fp16",)))
register_preset(Preset("ios-int8", "coreml", "int8", "iOS/macOS: Core ML, INT8 weights + FP16 compute (parity needs macOS)",
                       aliases=("coreml-int8",)))
