"""LiteRT / TFLite (``<component>.tflite``) for Android and ARM CPUs, converted from the torch
component with litert-torch (torch.export → TFLite builtins), then quantized with ai-edge-quantizer.

Graph rules checked after every conversion: no Flex (TF) ops — GELU must be TFLite's builtin GELU,
not Flex Erf (MobileSAM#141) — and no TRANSPOSE above 5-D (TensorFlow#56537: the GPU delegate and
NPUs reject them; TinyViT's window partition is the usual source). Signature names are the
manifest's IO names; SAM's decoder is converted as its static twin (low-res masks + IoU,
1..18 points: 16 user points + the runtime's 2), upscaled on the host by the runtime."""
from __future__ import annotations

from dataclasses import replace

import collections
import tempfile
from pathlib import Path

from edgevfm_runtime.errors import EdgeVFMError

from ..models.spec import Component
from ..recipes import component_quantize
from .base import Converted, Preset, Target, register_preset, register_target
from .static_io import fix_dims, static_twin
from .tflite_quant import CALIBRATED, LITERT_METHODS

MAX_TRANSPOSE_RANK = 5


class Unsupported(EdgeVFMError):
    """The converter cannot take this component; the message starts with ``unsupported:``."""


def named_io(module, input_names: list[str], output_names: list[str]):
    """Named inputs and a dict of outputs, so the TFLite signature carries the manifest's names."""
    import torch  # here, not at import: `edgevfm list` must not pay for torch

    def call(self, *args):
        out = self.module(*args)
        return dict(zip(self.output_names, out if isinstance(out, (tuple, list)) else (out,)))

    def init(self, module, output_names):
        torch.nn.Module.__init__(self)
        self.module, self.output_names = module, output_names

    # torch.export: dynamic_shapes cannot address **kwargs, so forward gets one parameter per input name.
    ns: dict = {}
    args = ", ".join(input_names)
    exec(f"def forward(self, {args}):\n    return self.call({args})", ns)  # noqa: S102 - names are identifiers
    cls = type("NamedIO_" + "_".join(input_names), (torch.nn.Module,),
               {"__init__": init, "call": call, "forward": ns["forward"]})
    return cls(module, output_names).eval()


def graph_ops(path: Path) -> tuple[collections.Counter, int]:
    """Op histogram of a .tflite file and the highest TRANSPOSE rank in it."""
    from ai_edge_litert.interpreter import Interpreter

    it = Interpreter(model_path=str(path))
    ops = it._get_ops_details()  # noqa: SLF001 - the interpreter's only op listing
    tensors = {t["index"]: t for t in it.get_tensor_details()}
    rank = max((len(tensors[o["inputs"][0]]["shape"]) for o in ops if o["op_name"] == "TRANSPOSE"), default=0)
    return collections.Counter(o["op_name"] for o in ops), rank


def check_graph(path: Path, name: str) -> dict:
    ops, rank = graph_ops(path)
    flex = sorted(op for op in ops if op.startswith("Flex") or op == "CUSTOM")
    if flex:
        raise Unsupported(f"unsupported: {name} needs TF Flex/custom ops {flex} (MobileSAM#141: use builtin ops)")
    if rank > MAX_TRANSPOSE_RANK:
        raise Unsupported(f"unsupported: {name} has a {rank}-D TRANSPOSE (TensorFlow#56537; rewrite to <= 5-D)")
    return {"ops": dict(sorted(ops.items())), "max_transpose_rank": rank}


def _resized(comp: Component, dim: str, n: int) -> dict:
    """Example inputs with every axis named ``dim`` resized to ``n`` (values repeat cyclically)."""
    import torch

    out = {}
    for t, a in zip(comp.inputs, comp.example_args):
        for axis, d in enumerate(t.shape):
            if d == dim:
                a = a.index_select(axis, torch.arange(n) % a.shape[axis])
        out[t.name] = a
    return out


def convert_float(comp: Component, path: Path, *, point_counts: list[int],
                  batch_signatures: dict[str, dict] | None = None) -> dict:
    """Float .tflite; a component with dynamic axes gets one signature per size (``points_N``):
    litert-torch 0.10 cannot lower SAM's dynamic ``num_points`` (jax sees dim -2^63); weights are shared.
    ``batch_signatures``: extra fixed-size signatures (name -> example inputs), e.g. SAM's prompt batches."""
    import litert_torch

    dims = sorted({d for axes in comp.dynamic_axes.values() for d in axes.values()})
    if len(dims) > 1:
        raise Unsupported(f"unsupported: {comp.name} has several dynamic dims {dims}; LiteRT needs fixed shapes")
    module = named_io(comp.module, comp.input_names, comp.output_names)
    sizes = {f"points_{n}": _resized(comp, dims[0], n) for n in point_counts} if dims else {
        "serving_default": dict(zip(comp.input_names, comp.example_args))}
    sizes.update(batch_signatures or {})
    try:
        conv = litert_torch
        for key, kwargs in sizes.items():
            conv = conv.signature(key, module, sample_kwargs=kwargs)
        model = conv.convert()
    except Exception as exc:  # the converter's errors are many and untyped: report, don't crash
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise Unsupported(f"unsupported: litert-torch cannot convert {comp.name}: {first[:300]}") from exc
    model.export(str(path))
    return {"signatures": list(sizes), **({"dynamic_dim": dims[0]} if dims else {})}


def prompt_batch_signatures(twin: Component, litert: dict) -> dict[str, dict]:
    """``prompts_B_points_N`` signatures (recipe ``litert.prompt_batches``, at ``litert.batch_point_counts``,
    default [2]: one box, or one click plus the padding point): B prompt sets per call for SAM's
    decoder; the runtime pads a smaller chunk up to B. Nothing for components without a ``prompts`` dim."""
    batches = [int(b) for b in litert.get("prompt_batches", []) if int(b) > 1]
    if not batches or "prompts" not in {d for a in twin.dynamic_axes.values() for d in a.values()}:
        return {}
    out = {}
    for n in litert.get("batch_point_counts", [2]):
        points = replace(twin, example_args=tuple(_resized(twin, "num_points", int(n)).values()))
        for b in batches:
            out[f"prompts_{b}_points_{n}"] = _resized(points, "prompts", b)
    return out


@register_target
class LiteRtTarget(Target):
    name = "litert"
    engine = "litert"
    packages = ("litert_torch", "ai_edge_litert", "ai_edge_quantizer")
    pip = "pip install 'edgevfm[edge]'  (litert-torch, ai-edge-litert, ai-edge-quantizer)"
    precisions = ("fp32", "fp16", "int8")
    methods = {"fp16": ("litert-fp16",), "int8": ("litert-dynamic", "litert-static")}

    def engine_version(self) -> str:
        import importlib.metadata as md

        return f">={md.version('ai-edge-litert').rsplit('.', 1)[0]}"

    def needs_calibration(self, precision: str, recipe: dict) -> bool:
        return self.method(recipe.get("quantize", {}), precision) in CALIBRATED

    def convert(self, component: Component, out_dir: Path, *, recipe: dict, precision: str = "fp32",
                calib: list[dict] | None = None, emit=print) -> Converted:
        twin, host = static_twin(component)
        comp = fix_dims(twin)
        name = f"{comp.name}.tflite"
        info = None
        with tempfile.TemporaryDirectory(prefix="edgevfm-tflite-") as tmp:
            fp32 = out_dir / name if precision == "fp32" else Path(tmp) / name
            litert = recipe.get("litert", {})
            sigs = convert_float(comp, fp32, point_counts=list(litert.get("point_counts", [2, 3, 4])),
                                 batch_signatures=prompt_batch_signatures(twin, litert))
            graph = {**sigs, **check_graph(fp32, comp.name)}
            if precision != "fp32":
                q = component_quantize(recipe, comp.name)
                method = self.method(q, precision)
                if method in CALIBRATED and not calib:
                    raise ValueError(f"{method} needs calibration feeds for {comp.name} "
                                     "(this model provides none yet: use quantize.method=litert-dynamic)")
                ints = [t.name for t in comp.inputs if not t.dtype.startswith("float")]
                if method in CALIBRATED and ints:
                    # ai-edge-quantizer 0.10 killed the process (SIGABRT, no exception) calibrating CLIP's
                    # text tower (int32 ids → Gather, Equal/ReduceMax pooling); refuse instead of crashing.
                    raise Unsupported(f"unsupported: {method} on {comp.name}, whose input(s) {ints} are integer "
                                      "(ai-edge-quantizer aborted calibrating such a tower); set "
                                      f"components.{comp.name}.quantize.method=litert-dynamic")
                feeds = [{k: f[k] for k in comp.input_names} for f in calib or []]
                info = LITERT_METHODS.get(method)(fp32, out_dir / name, feeds=feeds, q=q, emit=emit)
                if method in CALIBRATED:
                    info["calibration"]["source"] = "calibration feeds (held out from parity)"
        opts = {"threads": None, **recipe.get("engine_options", {}).get(comp.name, {})}
        opts = {k: v for k, v in opts.items() if v is not None}
        return Converted(name, precision, quantization=info, engine_options=opts,
                         inputs=comp.inputs, outputs=comp.outputs, notes={"graph": graph},
                         host_outputs=host)


for _p, _s in (("fp32", "FP32"), ("fp16", "FP16 weights, FP32 activations/IO (GPU delegate / ARMv8.2 FP16 compute)"),
               ("int8", "INT8 (recipe: dynamic-range on XNNPACK, or full-integer static, calibrated)")):
    register_preset(Preset(f"android-{_p}", "litert", _p, f"Android/ARM: LiteRT (TFLite) {_s}", aliases=(f"tflite-{_p}",)))
