"""Parity of a bundle against reference outputs (its golden.npz, or another reference).

Each component runs alone on the reference inputs (isolating its error: a chained input such as
SAM's image embedding comes from the reference); then the family's task metrics run the way a
user sees the model (SAM: mask IoU with the engine's own embedding; CLIP: zero-shot agreement).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from . import golden as G
from .parity import failures, mask_iou, tensor_metrics
from .families import get_family
from .task_metrics import TaskContext

__all__ = ["CheckReport", "run_check", "SCHEMA_VERSION"]

SCHEMA_VERSION = 1
_WORST = {"max_abs": max, "mean_abs": max, "cosine": min, "sqnr_db": min, "mask_iou": min}


@dataclass
class CheckReport:
    reference: str
    engine: str
    components: dict = field(default_factory=dict)  # comp -> output -> metrics (+ "failures")
    task: dict = field(default_factory=dict)
    task_failures: list = field(default_factory=list)

    @property
    def failed(self) -> list[str]:
        out = [f"{c}.{o}: {f}" for c, outs in self.components.items() for o, m in outs.items()
               for f in m.get("failures", [])]
        return out + [f"task: {f}" for f in self.task_failures]

    @property
    def passed(self) -> bool:
        return not self.failed

    def to_json(self) -> dict:
        return {"reference": self.reference, "engine": self.engine, "passed": self.passed,
                "components": self.components, "task": self.task, "failed": self.failed}


def _merge(acc: dict, new: dict) -> dict:
    return {**acc, **{k: _WORST[k](acc[k], v) if k in acc and k in _WORST else acc.get(k, v) for k, v in new.items()}}


def _shape_row(ref_shape, got) -> dict | None:
    """An output of the wrong shape is measured as that, not as an exception that loses every other number
    (e.g. OpenVINO rounding a plain SAM export's mask size to 452 px where the photo is 451)."""
    got_shape = tuple(np.shape(got))
    return None if got_shape == tuple(ref_shape) else {"shape": f"{got_shape}, expected {tuple(ref_shape)}"}


def _compare(expected: dict, got: dict) -> dict[str, dict]:
    rows = {}
    for name, ref in expected.items():
        if name.endswith("_bits_shape"):
            continue
        if name.endswith("_bits"):
            base = name[: -len("_bits")]
            ref_mask = G.unpack_mask(ref, expected[name + "_shape"])
            flat = ref_mask.reshape(-1, *ref_mask.shape[-2:])
            bad = _shape_row(ref_mask.shape, got[base]) if np.size(got[base]) != flat.size else None
            if bad:
                rows[base] = bad
                continue
            got_flat = (got[base] > 0).reshape(flat.shape)
            rows[base] = {"mask_iou": min(mask_iou(r, o) for r, o in zip(flat, got_flat))}
            continue
        rows[name] = _shape_row(np.shape(ref), got[name]) or tensor_metrics(ref, got[name])
    return rows


def run_check(bundle, *, reference: dict[str, np.ndarray] | None = None, reference_name: str = "golden.npz",
              thresholds: dict | None = None, sessions: dict | None = None, **session_options) -> CheckReport:
    """Compare every component's outputs with ``reference`` (default: the bundle's golden.npz),
    golden layout. ``sessions`` replaces the bundle's own (e.g. to check a stand-in)."""
    ref = reference if reference is not None else bundle.golden
    thresholds = thresholds if thresholds is not None else (bundle.manifest.parity.thresholds or {})
    family = get_family(bundle.manifest.model.family)
    cases = G.parse(ref)
    sessions = sessions or {c: bundle.session(c, **session_options) for c in bundle.components if c in cases}
    report = CheckReport(reference=reference_name, engine=next(iter(sessions.values())).engine if sessions else "?")
    outputs: dict[tuple[str, str], dict] = {}
    for comp, sess in sessions.items():
        src = family.upstream_of(comp)
        merged: dict[str, dict] = {}
        for case, io in cases[comp].items():
            upstream = cases[src][case.split(".")[0]]["out"] if src else None
            feed = family.feed(bundle, comp, io, upstream)
            got = sess.run({k: feed[k] for k in sess.input_names})
            outputs[(comp, case)] = got
            for name, m in _compare(io["out"], got).items():
                merged[name] = _merge(merged.get(name, {}), m)
        comp_limits = thresholds.get(comp, {})
        for name, m in merged.items():
            m["failures"] = failures(m, comp_limits.get(name, {})) + ([f"shape {m['shape']}"] if "shape" in m else [])
        report.components[comp] = merged
    try:
        report.task = family.task_metrics(TaskContext(bundle, cases, sessions, outputs))
        report.task_failures = failures(report.task, thresholds.get("task", {}))
    except ValueError as exc:  # e.g. masks of the wrong shape: the per-output rows above already say which
        report.task, report.task_failures = {}, [f"not measurable: {exc}"]
    return report
