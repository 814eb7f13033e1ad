"""TensorRT (Jetson / NVIDIA GPUs): the bundle holds TensorRT-ready ONNX; the engine is built on the
device by the runtime (``edgevfm-rt build``), because engines are tied to a TensorRT version and GPU.

* Every engine is built strongly typed with no precision flags (TensorRT's guidance for explicit
  quantization; TensorRT 11 removed the flags): the ONNX graph's own types decide each layer's precision.
* int8: explicit quantization — symmetric INT8 Q/DQ (zero points 0, per-channel weights) on the inputs
  of Conv/MatMul/Gemm only, where TensorRT fuses them; everything else runs in the graph's FP32
  (LayerNorm/Softmax included). An FP16 rest would need an FP16 Q/DQ graph: not done yet.
* fp16: the ONNX graph itself is FP16 with LayerNorm/Softmax/Erf kept FP32.
* SAM's decoder is the static twin (low-res masks + IoU; 1..18 points as an optimization profile —
  16 user points plus the runtime's padding point or two box corners):
  TensorRT cannot take ``orig_im_size`` as a float shape input (SAM_TensorRT#6). CLIP's towers keep
  their batch dim (profile 1..32), so a batch of captions runs as one engine call.

Verified here: the exact graph, in ONNX Runtime (parity) plus structural Q/DQ checks. Not yet
verified: the TensorRT engine itself on hardware (``scripts/gpu_checks.sh`` does that)."""
from __future__ import annotations

import tempfile
from pathlib import Path

from ..models.spec import Component
from ..quantize.methods import ONNX_METHODS
from ..recipes import component_quantize
from .base import Converted, Preset, Target, register_preset, register_target
from .onnx import export_onnx
from .static_io import fix_dims, static_twin
from .trt_checks import qdq_report

# What TensorRT needs from ort-static: symmetric INT8 everywhere (TensorRT ignores zero points).
TRT_INT8 = {"activation_type": "int8", "weight_type": "int8", "symmetric_activations": True, "per_channel": True}
# Symbolic dims TensorRT keeps dynamic, each with an optimization profile (min, max; opt = the
# example's size). A component's own dim_ranges win (SAM's prompt points: the decoder declares what
# the runtime's feed can hold, and the engine refuses more with a typed error); these are the ranges
# of dims no component declares: the CLIP towers' batch (text embeddings are made in batches) and
# SAM's prompt batch ("prompts", dim 0 of the decoder's prompt inputs: up to 64 prompt sets per call,
# the runtime chunks larger batches at the profile's max).
DYNAMIC_DIMS: dict[str, tuple[int, int]] = {"batch": (1, 32), "prompts": (1, 64)}
FP32_OPS = ("LayerNormalization", "ReduceMean", "Pow", "Sqrt", "Softmax", "Erf")
VERIFICATION = ("Q/DQ graph + its ONNX Runtime parity verified here; "
                "the TensorRT engine path is not yet verified on hardware")


def int8_settings(q: dict) -> dict:
    """The recipe's quantize settings with TensorRT's requirements; contradicting them is an error."""
    for key, want in TRT_INT8.items():
        if key in q and q[key] != want:
            raise ValueError(f"quantize.{key}={q[key]!r} cannot build in TensorRT (needs {want!r}: "
                             "TensorRT's explicit INT8 is symmetric with zero points 0)")
    return {**q, **TRT_INT8, "method": "ort-static"}


def profiles(comp: Component) -> dict[str, dict[str, list[int]]]:
    """min/opt/max shapes per input with a dynamic dim (opt: the example's size)."""
    ranges = {**DYNAMIC_DIMS, **comp.dim_ranges}
    out = {}
    for t, a in zip(comp.inputs, comp.example_args):
        if any(isinstance(d, str) for d in t.shape):
            lo = [ranges[d][0] if isinstance(d, str) else d for d in t.shape]
            hi = [ranges[d][1] if isinstance(d, str) else d for d in t.shape]
            out[t.name] = {"min": lo, "opt": list(a.shape), "max": hi}
    return out


def build_settings(comp: Component, precision: str, workspace_mib: int) -> dict:
    """What the runtime builds with (and hashes into the engine's cache key). No precision flags:
    strongly typed, so the graph's types are the precisions."""
    return {"precision": precision, "strongly_typed": True, "profiles": profiles(comp),
            "workspace_mib": workspace_mib, "timing_cache": True}


def trtexec_line(file: str, s: dict) -> str:
    parts = [f"trtexec --onnx={file} --saveEngine={file.rsplit('.', 1)[0]}.engine --timingCacheFile=timing.cache",
             f"--memPoolSize=workspace:{s['workspace_mib']}M"]
    parts.append("--stronglyTyped")
    for w, flag in (("min", "--minShapes"), ("opt", "--optShapes"), ("max", "--maxShapes")):
        if s["profiles"]:
            parts.append(flag + "=" + ",".join(f"{k}:{'x'.join(map(str, v[w]))}" for k, v in s["profiles"].items()))
    return " ".join(parts)


@register_target
class TensorRtTarget(Target):
    name = "tensorrt"
    engine = "tensorrt"
    packages = ("onnx", "onnxruntime")  # to build the bundle; TensorRT itself is only needed on the device
    pip = "pip install onnx onnxruntime  (on the device: pip install 'edgevfm-runtime[tensorrt]')"
    precisions = ("fp32", "fp16", "int8")
    methods = {"int8": ("ort-static",)}  # symmetric Q/DQ placed by ONNX Runtime's quantizer
    verification = VERIFICATION

    def engine_version(self) -> str:
        from edgevfm_runtime.engines.trt_support import SUPPORTED

        (lo, lo_minor), (hi, _) = SUPPORTED
        return f">={lo}.{lo_minor},<{hi}"

    def parity_engine(self) -> str | None:
        # TensorRT only where its probe passes (supported version, cuda-python, a CUDA device): a CPU
        # machine that merely has the wheel runs the very same ONNX graph in ONNX Runtime.
        from edgevfm_runtime.engines import get_engine

        return "tensorrt" if get_engine("tensorrt").unavailable_reason() is None else "onnxruntime"

    def needs_calibration(self, precision: str, recipe: dict) -> bool:
        return precision == "int8"

    def supports(self, family, precision: str) -> str | None:
        from ..models.spec import ModelFamily

        if precision == "int8" and type(family).calibration_feeds is ModelFamily.calibration_feeds:
            return f"unsupported: {family.name} provides no calibration feeds yet (TensorRT INT8 Q/DQ needs them)"
        return super().supports(family, precision)

    def convert(self, component: Component, out_dir: Path, *, recipe: dict, precision: str = "fp32",
                calib: list[dict] | None = None, emit=print) -> Converted:
        twin, host = static_twin(component)
        comp = fix_dims(twin, keep=(*DYNAMIC_DIMS, *twin.dim_ranges))
        name = f"{comp.name}.onnx"
        q = component_quantize(recipe, comp.name)
        info = None
        with tempfile.TemporaryDirectory(prefix="edgevfm-trt-") as tmp:
            fp32 = Path(tmp) / name
            export_onnx(comp, fp32, opset=int(recipe.get("export", {}).get("opset", 17)))
            if precision == "fp32":
                fp32.replace(out_dir / name)
            elif precision == "fp16":
                keep = {"op_types": list(q.get("keep_float", {}).get("op_types", FP32_OPS)),
                        "nodes": q.get("keep_float", {}).get("nodes", [])}
                info = ONNX_METHODS.get("fp16")(fp32, out_dir / name, q={**q, "keep_float": keep}, emit=emit)
            else:
                if not calib:
                    raise ValueError(f"TensorRT INT8 needs calibration feeds for {comp.name}")
                feeds = [{k: f[k] for k in comp.input_names} for f in calib]
                from .trt_quant import quantize_qdq_trt  # imports onnx (ml_dtypes: seconds)

                info = quantize_qdq_trt(fp32, out_dir / name, feeds=feeds, q=int8_settings(q), emit=emit)
                info["calibration"]["source"] = "calibration feeds (held out from parity)"
        import onnx

        model = onnx.load(str(out_dir / name))
        checks = qdq_report(model)
        if checks["problems"]:
            raise ValueError(f"{comp.name}: not TensorRT-ready: " + "; ".join(checks["problems"][:5]))
        settings = build_settings(comp, precision, int(recipe.get("tensorrt", {}).get("workspace_mib", 1024)))
        return Converted(name, precision, quantization=info, engine_options={"build": settings},
                         inputs=comp.inputs, outputs=comp.outputs, host_outputs=host,
                         notes={"trtexec": trtexec_line(name, settings), "qdq_checks": checks,
                                "verification": VERIFICATION})


register_preset(Preset("jetson-fp16", "tensorrt", "fp16",
                       "Jetson/NVIDIA GPUs: TensorRT FP16, LayerNorm/Softmax FP32 (ONNX + engine built on device; "
                       "engine not yet verified on hardware)", aliases=("tensorrt-fp16",)))
register_preset(Preset("jetson-int8", "tensorrt", "int8",
                       "Jetson/NVIDIA GPUs: TensorRT explicit INT8 (symmetric Q/DQ on weighted-op inputs), strongly "
                       "typed (engine built on device; "
                       "Q/DQ graph verified in ORT, engine not yet verified on hardware)", aliases=("tensorrt-int8",)))
