"""What can be benchmarked, by kind: a bundle, or a bundle's model in other files/engines. Each kind
opens a bundle-like source plus the facts recorded about it; a spec is JSON so a fresh process
(the memory probe) can open the same thing."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable


@dataclass
class ContenderSpec:
    name: str  # the row's name
    bundle: str  # the bundle whose manifest, golden data and pre-processing are used
    kind: str = "bundle"
    options: dict = field(default_factory=dict)  # kind-specific (e.g. model files of a plain export)

    def to_json(self) -> dict:
        return asdict(self)


@dataclass
class Opened:
    source: object  # bundle-like: manifest, preprocess, components, golden, session(name)
    info: dict  # kind, preset, precision, files, sizes, hash, weights
    parity: dict | None = None  # the manifest's; None: measure it with check (baselines)


# kind -> open(spec) -> Opened
KINDS: dict[str, Callable[[ContenderSpec], Opened]] = {}


def register_kind(kind: str):
    def deco(fn):
        KINDS[kind] = fn
        return fn
    return deco


def open_contender(spec: ContenderSpec) -> Opened:
    if spec.kind not in KINDS:
        raise KeyError(f"unknown contender kind {spec.kind!r} (knows: {', '.join(KINDS)})")
    return KINDS[spec.kind](spec)


def _number(v):
    if isinstance(v, str):
        return float(v)  # "inf" in JSON
    return v


def parity_summary(parity: dict) -> dict:
    """The manifest's (or a check's) parity in a few numbers: worst SQNR/cosine over all outputs, task metrics.
    A manifest's parity (schema 2) keeps its numbers under ``metrics`` and says ``status``."""
    numbers = parity.get("metrics") or parity
    metrics = [m for outs in numbers.get("components", {}).values() for m in outs.values()]
    sqnr = [_number(m["sqnr_db"]) for m in metrics if "sqnr_db" in m]
    cos = [_number(m["cosine"]) for m in metrics if "cosine" in m]
    task = {k: _number(v) for k, v in numbers.get("task", {}).items()}
    passed = parity["status"] == "passed" if "status" in parity else bool(parity.get("passed", False))
    return {"passed": passed, "reference": parity.get("reference", ""),
            "min_sqnr_db": min(sqnr) if sqnr else None, "min_cosine": min(cos) if cos else None, "task": task,
            "failed": list(parity.get("failures", parity.get("failed", [])))}


@register_kind("bundle")
def _open_bundle(spec: ContenderSpec) -> Opened:
    from ..bundle import open as open_bundle
    from ..hashing import sha256_path

    b = open_bundle(spec.bundle)
    m = b.manifest
    files = {name: int(c["bytes"]) for name, c in m["components"].items()}
    info = {"kind": "bundle", "bundle": str(b.root), "preset": m["target"]["preset"],
            "precision": m["target"]["precision"], "weights": m["model"]["weights"]["id"],
            "bundle_sha256": sha256_path(b.root / "manifest.json"), "files": files, "size_bytes": sum(files.values())}
    engine = spec.options.get("engine")
    placed = spec.options.get("session_options")
    if placed:  # --provider / --device: every session of this row opens with them
        from .standin import StandIn

        info["placement"] = placed
        return Opened(StandIn(b, lambda name, **kw: b.session(name, engine=engine, **{**kw, **placed})), info,
                      parity_summary(m["parity"]))
    if engine and engine != b.engine_name:  # e.g. a TensorRT bundle's ONNX in ONNX Runtime on a host without a GPU
        from .standin import StandIn

        info["engine_here"] = engine
        return Opened(StandIn(b, lambda name, **kw: b.session(name, engine=engine, **kw)), info,
                      parity_summary(m["parity"]))
    return Opened(b, info, parity_summary(m["parity"]))


@register_kind("model-files")
@register_kind("onnx-files")
def _open_model_files(spec: ContenderSpec) -> Opened:
    """A bundle's model as other files (a plain export, or that export quantized by a user's tool), run by
    ``options["engine"]`` (ONNX Runtime unless named) with ``options["engine_options"]``."""
    from ..bundle import open as open_bundle
    from ..engines import get_engine
    from ..hashing import size_path
    from .standin import StandIn

    b = open_bundle(spec.bundle)
    paths = {k: Path(v) for k, v in spec.options["files"].items()}
    engine = get_engine(spec.options.get("engine", "onnxruntime"))
    fixed = spec.options.get("engine_options", {})
    source = StandIn(b, lambda name, **kw: engine.session(paths[name], **{**kw, **fixed}))
    files = {k: sum(size_path(p) for p in [v, *v.parent.glob(v.name + ".data"), *v.parent.glob(v.stem + ".bin")])
             for k, v in paths.items()}
    info = {"kind": spec.kind, "bundle": str(b.root), "preset": spec.options.get("label", "plain onnx"),
            "precision": spec.options.get("precision", "fp32"), "weights": b.manifest["model"]["weights"]["id"],
            "files": files, "size_bytes": sum(files.values()),
            **{k: v for k, v in spec.options.items() if k not in ("files", "engine_options", "precision", "label")}}
    return Opened(source, info, None)
