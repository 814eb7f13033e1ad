"""`edgevfm export`: weights → torch model → components converted for the target → golden data →
parity against torch FP32 → manifest, all written atomically as one bundle folder."""
from __future__ import annotations

import math
import time
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from edgevfm_runtime.bundle import Bundle
from edgevfm_runtime.check import CheckReport, run_check
from edgevfm_runtime.errors import EdgeVFMError
from edgevfm_runtime.hashing import size_path
from edgevfm_runtime.manifest import GOLDEN_NAME
from edgevfm_runtime.manifest_types import Manifest, Parity
from edgevfm_runtime.signing import load_private_key, write_signature

from .. import weights as W
from ..images import load_images
from ..models import get_model
from ..quantize.budget import with_gate_targets
from ..recipes import component_precision, component_quantize
from ..targets import PRESETS, TARGETS, Converted, recipe_for
from .atomic import atomic_dir, preflight
from .manifest import build_manifest, component_entry, write_manifest


REFERENCE = "torch fp32 (golden.npz)"


class ExportError(EdgeVFMError):
    pass


@dataclass
class ExportResult:
    path: Path
    manifest: Manifest
    report: CheckReport | None  # None: the target's engine cannot run here (parity not_verified)
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
           parity_gate: bool = True, calib: str | Path | None = None, parity_target: float | None = None,
           force: bool = False, sign: str | Path | None = None, emit=print) -> ExportResult:
    """Export ``model`` for ``target`` into the bundle folder ``output``. ``output`` must be new, an
    empty folder, or (with ``force``) an existing bundle; it is checked, and its place probed for
    writability, before any weights are fetched or models built."""
    t0 = time.perf_counter()
    signer = load_private_key(sign) if sign else None  # a bad key fails before any work
    family = get_model(model)
    preset = PRESETS.get(target)
    tgt = TARGETS.get(preset.target)
    reason = tgt.unavailable_reason() or tgt.supports(family, preset.precision)
    if reason:
        raise ExportError(f"cannot export {family.name} to {preset.name}: {reason}")
    recipe = recipe_for(family.name, preset.name, recipe_file=recipe_file, overrides=overrides)
    if parity_target is not None:
        recipe = with_sensitivity_target(recipe, parity_target)
    variant = family.check_variant(variant or recipe.get("variant"))
    eval_specs = recipe.get("parity", {}).get("images", ["chelsea"])
    cset = None  # read before the model is built, so a bad --calib folder fails in a second
    asked = {None: preset.precision, **{n: c.get("precision", preset.precision)
                                       for n, c in recipe.get("components", {}).items()}}
    for name, precision in asked.items():  # a method the target lacks is an error before anything is built
        tgt.method(component_quantize(recipe, name), precision)
    if any(calibrated(tgt, recipe, n, p) for n, p in asked.items()):
        cset = calibration_images(recipe, calib, eval_specs)
    elif calib:
        raise ExportError(f"--calib has no effect on {preset.name}: nothing in its recipe is calibrated")
    dest = Path(output).expanduser() if output is not None else Path(default_bundle_name(family.name, variant, preset.name))
    for note in preflight(dest, force=force):
        emit(f"note: {note}")
    resolved = W.resolve(weights, family.weight_source(variant), model=family.family)
    for note in resolved.notes:
        emit(f"note: {note}")
    if resolved.random:
        emit(f"warning: using RANDOM weights ({resolved.id}): the bundle exercises the pipeline, "
             "its outputs are not the real model's")
    emit(f"loading {family.name}/{variant} ({resolved.kind}: {resolved.id[:16]})")
    torch_model = family.load(variant, resolved)
    images = load_images(eval_specs)

    with atomic_dir(dest, force=force) as root:
        comps = family.components(torch_model, variant, recipe)
        precisions = {c.name: component_precision(recipe, c.name, preset.precision) for c in comps}
        # the accuracy budget of each INT8 component: its parity gate (quantize/budget.py)
        recipe = with_gate_targets(recipe, [n for n, p in precisions.items() if p == "int8"])
        feeds, calib_info = {}, None
        wanted = [n for n, p in precisions.items() if calibrated(tgt, recipe, n, p)]
        if cset and wanted:
            feeds, calib_info = calibration_feeds(family, torch_model, recipe, cset, eval_specs, emit, wanted)
        entries = {comp.name: convert_component(tgt, comp, root, recipe=recipe, precision=precisions[comp.name],
                                                 calib=feeds.get(comp.name), preset=preset.name, emit=emit)
                   for comp in comps}
        emit(f"computing the torch FP32 reference on {len(images)} held-out image(s) …")
        golden = family.golden(torch_model, images, recipe)
        np.savez(root / GOLDEN_NAME, **golden)
        thresholds = recipe.get("parity", {}).get("thresholds", {})
        manifest = build_manifest(family=family, model=torch_model, variant=variant, preset=preset, target=tgt,
                                  weights=resolved, components=entries, recipe=recipe, root=root,
                                  parity=pending_parity(parity_gate, thresholds), calibration=calib_info,
                                  engine_options=common_options([e.get("engine_options", {}) for e in entries.values()]))
        emit("measuring parity in the runtime …")
        report = measure_parity(tgt, root, manifest)
        estimate = host_estimate(tgt, Bundle(root, manifest), emit) if tgt.parity_engine() is None else None
        manifest = manifest.replace(parity=measured_parity(tgt, report, gated=parity_gate, thresholds=thresholds,
                                                           estimate=estimate),
                                    extras=family.extra_files(root, manifest) or None)
        write_manifest(root, manifest)
        if signer:
            write_signature(root, signer)
        if parity_gate and manifest.parity.status == "failed":
            raise ExportError(f"parity gate FAILED for {family.name} on {preset.name}: " + "; ".join(report.failed)
                              + " (re-run with --no-parity-gate to keep the bundle anyway)")
    return ExportResult(path=dest, manifest=manifest, report=report, seconds=time.perf_counter() - t0)


def convert_component(tgt, comp, root: Path, *, recipe: dict, precision: str, calib, preset: str, emit) -> dict:
    """One component converted by the target into ``root``: its manifest entry (file, hashes, bytes
    with the converter's extra files, what was converted and how)."""
    t = time.perf_counter()
    emit(f"exporting {comp.name} → {preset} ({precision}) …")
    conv = tgt.convert(comp, root, recipe=recipe, precision=precision, calib=calib, emit=emit)
    conv = conv if isinstance(conv, Converted) else Converted(conv, precision)
    if ((conv.quantization or {}).get("sensitivity") or {}).get("full_fallback"):
        conv = replace(conv, precision=tgt.float_precision(conv.engine_options))
    entry = component_entry(root, conv.file, comp)
    entry.update(converted_entry(root, conv))
    entry["bytes"] += sum(size_path(root / f) for f in conv.extra_files)
    emit(f"  {conv.file}: {entry['bytes'] / 1e6:.1f} MB in {time.perf_counter() - t:.1f}s" + float_note(conv))
    return entry


def with_sensitivity_target(recipe: dict, target_db: float) -> dict:
    """``--parity-target DB``: every quantized component falls back layers until its SQNR reaches DB."""
    import copy

    out = copy.deepcopy(recipe)
    sens = out.setdefault("quantize", {}).setdefault("sensitivity", {})
    sens.update(enabled=True, target_sqnr_db=float(target_db))
    for comp in out.get("components", {}).values():
        comp.get("quantize", {}).get("sensitivity", {}).update(enabled=True, target_sqnr_db=float(target_db))
    return out


def calibrated(tgt, recipe: dict, component: str | None, precision: str) -> bool:
    """Whether the target calibrates ``component`` (None: the recipe-wide settings) at ``precision``,
    judged on that component's own quantize settings (a component may override the method)."""
    return tgt.needs_calibration(precision, {**recipe, "quantize": component_quantize(recipe, component)})


def calibration_images(recipe: dict, calib_dir, eval_specs):
    from ..quantize.calibration import calibration_set

    cal = recipe.get("quantize", {}).get("calibration", {})
    return calibration_set(calib_dir, eval_specs=eval_specs, minimum=int(cal.get("min_images", 4)),
                           limit=cal.get("size"))


def calibration_feeds(family, torch_model, recipe: dict, cset, eval_specs, emit, components=None):
    """The family's feeds for ``components`` (default: all it makes), with a progress bar per image."""
    from rich.progress import Progress

    emit(f"calibration: {len(cset.images)} image(s) from {cset.source} (held out from parity: {', '.join(eval_specs)})")
    with Progress(transient=True) as bar:
        task = bar.add_task("calibration feeds", total=len(cset.images))
        feeds = family.calibration_feeds(torch_model, cset.images, recipe, progress=lambda: bar.advance(task))
    feeds = {k: v for k, v in feeds.items() if components is None or k in components}
    return feeds, {**cset.manifest(), "feeds": {k: len(v) for k, v in feeds.items()}}


def pending_parity(gated: bool, thresholds: dict) -> Parity:
    """The parity block while the bundle's parity is being measured (never written)."""
    return Parity(reference=REFERENCE, gated=gated, status="not_verified", verify_on="(being measured)",
                  thresholds=thresholds)


def measure_parity(tgt, root: Path, manifest: Manifest) -> CheckReport | None:
    """Parity in the target's parity engine, on the files just written (None: no engine for it here)."""
    engine = tgt.parity_engine()
    return None if engine is None else run_check(Bundle(root, manifest), engine=engine)


def measured_parity(tgt, report: CheckReport | None, *, gated: bool, thresholds: dict,
                    estimate: dict | None) -> Parity:
    """The manifest's parity: passed/failed as measured, or not_verified with where it can be (and the
    target's labelled host estimate), never a pass or a failure that was not measured."""
    if report is None:
        return Parity(reference=REFERENCE, gated=gated, status="not_verified", thresholds=thresholds,
                      verify_on=getattr(tgt, "verify_on", "") or f"a host where {tgt.engine} runs",
                      host_estimate=_finite(estimate) if estimate else None,
                      extra={"verified_here": getattr(tgt, "verification", "") or "nothing: the engine cannot run here"})
    return Parity(reference=REFERENCE, gated=gated, status="passed" if report.passed else "failed",
                  engine=report.engine, thresholds=thresholds,
                  metrics=_finite({"components": report.components, "task": report.task}),
                  failures=tuple(report.failed),
                  extra={"verified_here": getattr(tgt, "verification", "") or f"{report.engine} on this host"})


def host_estimate(tgt, bundle: Bundle, emit) -> dict | None:
    """Where the target's engine cannot run here, the target's labelled stand-in numerics (e.g. Core
    ML's saved program in a MIL interpreter); recorded beside the parity, never as a pass. A failure
    to estimate is recorded, not fatal."""
    try:
        return tgt.host_estimate(bundle, emit=emit)
    except Exception as exc:  # noqa: BLE001 - an estimate is extra information, the bundle stands without it
        emit(f"warning: no host estimate: {type(exc).__name__}: {exc}")
        return {"error": f"{type(exc).__name__}: {exc}"[:300]}


def converted_entry(root: Path, conv: Converted) -> dict:
    from edgevfm_runtime.hashing import sha256_path

    out: dict = {"precision": conv.precision}
    if conv.inputs is not None:
        out["inputs"] = [t.manifest() for t in conv.inputs]
    if conv.outputs is not None:
        out["outputs"] = [t.manifest() for t in conv.outputs]
    if conv.notes:
        out["conversion"] = conv.notes
    if conv.host_outputs:
        out["host_outputs"] = conv.host_outputs
    if conv.engine_options:
        out["engine_options"] = conv.engine_options
    if conv.extra_files:
        out["extra_files"] = {f: sha256_path(root / f) for f in conv.extra_files}
        out["extra_files_bytes"] = {f: size_path(root / f) for f in conv.extra_files}
    if conv.quantization:
        out["quantization"] = _finite(conv.quantization)
        out["float_kept"] = conv.quantization.get("float_kept", {}).get("nodes", [])
    return out


def float_note(conv: Converted) -> str:
    q = conv.quantization or {}
    kept = q.get("float_kept", {}).get("nodes")
    note = f"; {len(kept)} node(s) kept in float" if kept else ""
    sens = q.get("sensitivity") or {}
    if sens.get("full_fallback"):
        note += (f"\n  warning: INT8 missed the {sens.get('target_sqnr_db')} dB budget on this checkpoint "
                 f"({sens.get('stopped', 'search ended short')}): this component is NOT quantized, it runs in the "
                 "engine's float precision (manifest: quantization.sensitivity)")
    return note


def common_options(per_component: list[dict]) -> dict:
    """Engine options every component shares (recorded once under ``target.engine_options``)."""
    if not per_component:
        return {}
    first = per_component[0]
    return {k: v for k, v in first.items() if all(o.get(k) == v for o in per_component[1:])}
