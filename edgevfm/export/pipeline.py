"""`edgevfm export`: weights → torch model → components converted for the target → golden data →
parity against torch FP32 → manifest, all written atomically as one bundle folder."""
from __future__ import annotations

import math
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from edgevfm_runtime import open as open_bundle
from edgevfm_runtime.check import CheckReport, run_check
from edgevfm_runtime.errors import EdgeVFMError
from edgevfm_runtime.manifest import GOLDEN_NAME

from .. import weights as W
from ..images import load_images
from ..models import get_model
from ..recipes import load_recipe
from ..targets import PRESETS, TARGETS
from .atomic import atomic_dir
from .manifest import build_manifest, component_entry, write_manifest


class ExportError(EdgeVFMError):
    pass


@dataclass
class ExportResult:
    path: Path
    manifest: dict
    report: CheckReport
    seconds: float


def _finite(obj):
    """JSON has no infinity: identical outputs give SQNR = inf, written as the string "inf"."""
    if isinstance(obj, float) and not math.isfinite(obj):
        return "inf" if obj > 0 else "-inf"
    if isinstance(obj, dict):
        return {k: _finite(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_finite(v) for v in obj]
    return obj


def default_bundle_name(model: str, variant: str, preset: str) -> str:
    return f"{model}-{variant}-{preset}"


def export(model: str, *, target: str, variant: str | None = None, weights: str = "official",
           output: str | Path | None = None, recipe_file: str | None = None, overrides: list[str] = (),
           parity_gate: bool = True, emit=print) -> ExportResult:
    t0 = time.perf_counter()
    family = get_model(model)
    preset = PRESETS.get(target)
    tgt = TARGETS.get(preset.target)
    reason = tgt.unavailable_reason() or tgt.supports(family, preset.precision)
    if reason:
        raise ExportError(f"cannot export {family.name} to {preset.name}: {reason}")
    recipe = load_recipe(family.name, preset.name, recipe_file=recipe_file, overrides=overrides)
    variant = family.check_variant(variant or recipe.get("variant"))
    resolved = W.resolve(weights, family.weight_source(variant), model=family.family)
    for note in resolved.notes:
        emit(f"note: {note}")
    if resolved.random:
        emit(f"warning: using RANDOM weights ({resolved.id}): the bundle exercises the pipeline, "
             "its outputs are not the real model's")
    emit(f"loading {family.name}/{variant} ({resolved.kind}: {resolved.id[:16]})")
    torch_model = family.load(variant, resolved)
    dest = Path(output) if output else Path(default_bundle_name(family.name, variant, preset.name))
    images = load_images(recipe.get("parity", {}).get("images", ["chelsea"]))

    with atomic_dir(dest) as root:
        comps = family.components(torch_model, variant, recipe)
        entries = {}
        for comp in comps:
            t = time.perf_counter()
            emit(f"exporting {comp.name} → {preset.name} …")
            fname = tgt.convert(comp, root, recipe=recipe, emit=emit)
            entries[comp.name] = component_entry(root, fname, comp)
            emit(f"  {fname}: {entries[comp.name]['bytes'] / 1e6:.1f} MB in {time.perf_counter() - t:.1f}s")
        emit(f"computing the torch FP32 reference on {len(images)} held-out image(s) …")
        golden = family.golden(torch_model, images, recipe)
        np.savez(root / GOLDEN_NAME, **golden)
        manifest = build_manifest(family=family, model=torch_model, variant=variant, preset=preset, target=tgt, weights=resolved,
                                  components=entries, recipe=recipe, root=root)
        write_manifest(root, manifest)
        emit("measuring parity in the runtime …")
        report = run_check(open_bundle(root))
        manifest["parity"].update(_finite(report.to_json()))
        manifest["parity"]["gated"] = parity_gate
        manifest["parity"]["reference"] = "torch fp32 (golden.npz)"
        extras = family.extra_files(root, manifest)
        if extras:
            manifest["extras"] = extras
        write_manifest(root, manifest)
        if parity_gate and not report.passed:
            raise ExportError(f"parity gate FAILED for {family.name} on {preset.name}: " + "; ".join(report.failed)
                              + " (re-run with --no-parity-gate to keep the bundle anyway)")
    return ExportResult(path=dest, manifest=manifest, report=report, seconds=time.perf_counter() - t0)
