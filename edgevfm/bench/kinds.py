"""Contender kinds only the toolkit can open: the bundle's model in PyTorch eager FP32, and the
official MobileSAM code exported the plain way. Registered into the runtime's bench on import;
torch is imported when one is opened, not here."""
from __future__ import annotations

from edgevfm_runtime.bench.contenders import KINDS, ContenderSpec, Opened, register_kind
from edgevfm_runtime.engines.base import Session


class TorchSession(Session):
    """One component's torch module behind the runtime's Session interface (no per-op profile)."""

    def __init__(self, component, *, threads: int | None = None):
        import torch

        if threads:
            torch.set_num_threads(int(threads))
        self.module = component.module.eval()
        self.input_names = component.input_names
        self.output_names = component.output_names
        self.engine = f"torch {torch.__version__} eager fp32 ({torch.get_num_threads()} threads)"

    def run(self, feed):
        import torch

        with torch.inference_mode():
            out = self.module(*[torch.from_numpy(feed[n]) for n in self.input_names])
        out = out if isinstance(out, (tuple, list)) else (out,)
        return {n: t.numpy() for n, t in zip(self.output_names, out)}


@register_kind("pytorch")
def _open_pytorch(spec: ContenderSpec) -> Opened:
    from edgevfm_runtime import open as open_bundle
    from edgevfm_runtime.bench.standin import StandIn

    from ..check.torch_model import load_torch_model

    b = open_bundle(spec.bundle)
    tm = load_torch_model(b.manifest, weights=spec.options.get("weights"))
    comps = {c.name: c for c in tm.family.components(tm.model, tm.variant, tm.recipe)}
    source = StandIn(b, lambda name, **kw: TorchSession(comps[name], **kw))
    params = sum(p.numel() * p.element_size() for p in tm.model.parameters())
    info = {"kind": "pytorch", "bundle": str(b.root), "preset": "pytorch eager", "precision": "fp32",
            "weights": tm.weights_id, "files": {}, "size_bytes": params,
            "note": "size = bytes of the torch model's parameters"}
    return Opened(source, info, None)


@register_kind("official-mobilesam")
def _open_official_mobilesam(spec: ContenderSpec) -> Opened:
    """Options: ``src`` (a MobileSAM clone), ``engine`` (default onnxruntime), ``engine_options``,
    ``quantize: nncf-int8``, ``workdir`` (export cache), ``weights``; see :mod:`.official_sam`."""
    from .official_sam import official_files

    files, info = official_files(spec.bundle, spec.options)
    engine = spec.options.get("engine", "onnxruntime")
    quantized = spec.options.get("quantize")
    label = f"official TinyViT, plain export{' + NNCF INT8' if quantized else ''} ({engine})"
    opened = KINDS["model-files"](ContenderSpec(spec.name, spec.bundle, "model-files", {
        "files": files, "engine": engine, "engine_options": spec.options.get("engine_options", {}),
        "precision": "int8 (encoder)" if quantized else spec.options.get("precision", "fp32"), "label": label, **info}))
    opened.info["kind"] = "official-mobilesam"
    return opened


@register_kind("variant")
def _open_variant(spec: ContenderSpec) -> Opened:
    """The same model in another variant (a distilled student), exported to ``options["preset"]``
    (default: the entry bundle's) with the recipe overrides ``options["set"]`` from the entry
    bundle's weights, into ``options["workdir"]``'s parent (reused there when model, weights, preset
    and recipe match), opened as a bundle and timed in the entry bundle's group: the student's
    speed-up is against its teacher, in the same interleaved loop."""
    import json
    from pathlib import Path

    from edgevfm_runtime.errors import InputError

    from .all_targets import export_all

    m = json.loads((Path(spec.bundle) / "manifest.json").read_text())
    if not spec.options.get("variant"):
        raise InputError(f"contender {spec.name!r} (kind variant) needs options.variant")
    preset = spec.options.get("preset") or m["target"]["preset"]
    workdir = spec.options.get("workdir")
    out_dir = Path(workdir).parent if workdir else Path(spec.bundle).parent
    (o,) = export_all(m["model"]["name"], out_dir=out_dir, variant=spec.options["variant"], presets=[preset],
                      overrides=spec.options.get("set", []), weights=spec.options.get("weights") or m["model"]["weights"]["id"], reuse=True)
    if not o.bundle:
        raise RuntimeError(f"{spec.name}: {o.status}: {o.reason}")
    opened = KINDS["bundle"](ContenderSpec(spec.name, o.bundle))
    opened.info.update(variant=spec.options["variant"], group_variant=m["model"]["variant"])
    return opened
