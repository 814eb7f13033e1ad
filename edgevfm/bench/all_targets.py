"""`edgevfm bench MODEL --all-targets`: export to every preset registered (skipping those this host
cannot build, with the reason), check each export, and report one status per preset:
✅ exported and passed · ❎ exported, parity failed · ☑ exported, parity not verifiable on this host
(the engine cannot run here, e.g. Core ML off macOS; the export's labelled host estimate is shown) ·
❌ export failed (reason) · ⏭ skipped (reason). One preset's failure never stops the others."""
from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class Outcome:
    preset: str
    status: str  # passed | parity-failed | not-verifiable | export-failed | skipped
    reason: str = ""
    bundle: str | None = None
    export_seconds: float | None = None
    check: dict = field(default_factory=dict)  # the fresh check's parity summary
    reused: bool = False  # an existing bundle was kept (--reuse)
    estimate: dict = field(default_factory=dict)  # not-verifiable: the manifest's parity.host_estimate
    engine: str | None = None  # the engine that checks and times it here, where not the bundle's own
    size_bytes: int | None = None

    def to_json(self) -> dict:
        return {k: v for k, v in self.__dict__.items() if v not in (None, "", {}, False)}


def one_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0] if text else ''}"[:300]


def skip_reason(family, preset) -> str | None:
    """Why this host or this repository cannot build the pair: engine missing, precision not
    supported, or no recipe yet (recipes say how a pair is built; without one there is nothing to try)."""
    from ..targets import TARGETS

    tgt = TARGETS.get(preset.target)
    reason = tgt.unavailable_reason() or tgt.supports(family, preset.precision)
    if reason:
        return reason
    if not (family.recipe_folder() / f"{preset.name}.yaml").exists():
        return f"no recipe yet (recipes/{family.name}/{preset.name}.yaml)"
    return None


def reusable(path: Path, *, family, variant: str, preset: str, weights: str, recipe_sha: str) -> bool:
    """An existing bundle built from the same model, weights, preset and recipe (``--reuse``)."""
    try:
        m = json.loads((path / "manifest.json").read_text())
    except (OSError, ValueError):
        return False
    w = m["model"]["weights"]
    return (m["model"]["name"] == family.name and m["model"]["variant"] == variant and m["target"]["preset"] == preset
            and (w["id"] == weights or not w["random"] and weights in ("official", "auto"))
            and m["provenance"].get("recipe_sha256") == recipe_sha)


def export_all(model: str, *, out_dir: Path, variant: str | None = None, weights: str = "official",
               overrides: list[str] = (), presets: list[str] | None = None, reuse: bool = False,
               emit=print, export_fn=None, check_fn=None) -> list[Outcome]:
    """Export ``model`` to ``presets`` (default: every registered preset, in registry order)."""
    from edgevfm_runtime.bench.contenders import parity_summary

    from ..export.pipeline import default_bundle_name, export
    from ..models import get_model
    from ..recipes import recipe_hash
    from ..targets import PRESETS, TARGETS, recipe_for

    export_fn = export_fn or export
    check_fn = check_fn or _check
    family = get_model(model)
    outcomes = []
    for name in presets or list(PRESETS):
        preset = PRESETS.get(name)
        reason = skip_reason(family, preset)
        if reason:
            emit(f"⏭  {preset.name}: {reason}")
            outcomes.append(Outcome(preset.name, "skipped", reason))
            continue
        t0, reused = time.perf_counter(), False
        try:
            recipe = recipe_for(family.name, preset.name, overrides=list(overrides))
            v = family.check_variant(variant or recipe.get("variant"))
            path = Path(out_dir) / default_bundle_name(family.name, v, preset.name)
            if reuse and reusable(path, family=family, variant=v, preset=preset.name, weights=weights,
                                  recipe_sha=recipe_hash(recipe)):
                emit(f"♻  {preset.name}: reusing {path}")
                reused = True
            else:
                emit(f"⏳ {preset.name}: exporting …")
                export_fn(family.name, target=preset.name, variant=v, weights=weights, output=path,
                          overrides=list(overrides), parity_gate=False, force=True, emit=lambda s: None)
        except Exception as exc:  # noqa: BLE001 - any failure is this preset's row, never the end of the run
            outcomes.append(Outcome(preset.name, "export-failed", one_line(exc),
                                    export_seconds=round(time.perf_counter() - t0, 1)))
            emit(f"❌ {preset.name}: export failed: {one_line(exc)}")
            continue
        seconds = round(time.perf_counter() - t0, 1)
        tgt = TARGETS.get(preset.target)
        if tgt.parity_engine() is None:  # exported, but its engine cannot run here: nothing to check or time
            o = not_verifiable(preset.name, tgt, path, None if reused else seconds, reused)
            outcomes.append(o)
            emit(f"☑  {preset.name}: {'reused' if reused else f'exported in {seconds:.0f}s'}; {o.reason}")
            continue
        here = tgt.parity_engine() if tgt.parity_engine() != tgt.engine else None  # jetson-* without TensorRT: ORT
        try:
            report = check_fn(path, engine=here)
        except Exception as exc:  # noqa: BLE001
            outcomes.append(Outcome(preset.name, "parity-failed", f"check failed: {one_line(exc)}", str(path), seconds))
            emit(f"❎ {preset.name}: check failed: {one_line(exc)}")
            continue
        summary = parity_summary(report.to_json())
        status = "passed" if report.passed else "parity-failed"
        outcomes.append(Outcome(preset.name, status, "; ".join(report.failed)[:300], str(path),
                                None if reused else seconds, summary, reused, engine=here))
        done = "reused" if reused else f"exported in {seconds:.0f}s"
        emit(f"{'✅' if report.passed else '❎'} {preset.name}: {done}, parity "
             f"{'passed' if report.passed else 'FAILED: ' + '; '.join(report.failed)[:200]}")
    return outcomes


def not_verifiable(preset: str, tgt, path: Path, seconds, reused: bool) -> Outcome:
    """The row of a bundle whose engine cannot run on this host, with its recorded host estimate."""
    try:
        m = json.loads((path / "manifest.json").read_text())
    except (OSError, ValueError):
        m = {}
    est = m.get("parity", {}).get("host_estimate") or {}
    reason = "not verifiable here"
    if est.get("components"):
        from edgevfm_runtime.bench.contenders import parity_summary

        s = parity_summary(est)
        parts = ([f"{s['min_sqnr_db']:.1f} dB"] if s["min_sqnr_db"] is not None else [])
        parts += [f"{k} {v:.4f}" for k, v in s["task"].items()]
        reason += "; MIL-interpreter estimate " + ", ".join(parts)
    reason += f" ({tgt.verification or 'engine unavailable'})"
    size = sum(int(c.get("bytes", 0)) for c in m.get("components", {}).values()) or None
    return Outcome(preset, "not-verifiable", reason, str(path), seconds, reused=reused, estimate=est, size_bytes=size)


def _check(path: Path, engine: str | None = None):
    from edgevfm_runtime import open as open_bundle
    from edgevfm_runtime.check import run_check

    return run_check(open_bundle(path), **({"engine": engine} if engine else {}))


def attach(result: dict, outcomes: list[Outcome], model: str) -> dict:
    """Status per row in the bench result: the bundles' from their outcome; presets that were
    skipped or failed to export become rows without latency."""
    from edgevfm_runtime.bench.contenders import parity_summary

    by_name = {o.preset: o for o in outcomes}
    for g in result["groups"]:
        if g["model"] != model:
            continue
        for row in g["rows"]:
            o = by_name.get(row["name"])
            if o:
                row.update(status=o.status, export_seconds=o.export_seconds, check=o.check)
                if o.reason:
                    row["reason"] = o.reason
        benched = {r["name"] for r in g["rows"]}
        g["rows"] += [{"name": o.preset, "status": o.status, "reason": o.reason, "kind": "bundle",
                       "export_seconds": o.export_seconds,
                       **({"size_bytes": o.size_bytes} if o.size_bytes else {}),
                       **({"host_estimate": parity_summary(o.estimate)} if o.estimate.get("components") else {})}
                      for o in outcomes if o.preset not in benched]
        g["targets"] = [o.to_json() for o in outcomes]
    return result

