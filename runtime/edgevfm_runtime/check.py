"""Parity of a bundle against reference outputs (its golden.npz, or another reference).

Each component runs alone on the reference inputs (isolating its error); then, for families whose
components chain (SAM: encoder → decoder), the pipeline runs end to end on the engine's own outputs
and the task metric (SAM mask IoU) is measured there, which is what a user sees.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from . import golden as G
from .bundle import Bundle
from .preprocess import preprocess
from .parity import failures, mask_iou, tensor_metrics

# family -> {(component, input): (source component, source output)}
PIPELINES: dict[str, dict[tuple[str, str], tuple[str, str]]] = {
    "mobilesam": {("decoder", "image_embeddings"): ("encoder", "image_embeddings")},
}

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
    return {k: _WORST[k](acc[k], v) if k in acc else v for k, v in new.items()}


def _compare(expected: dict, got: dict) -> dict[str, dict]:
    rows = {}
    for name, ref in expected.items():
        if name.endswith("_bits_shape"):
            continue
        if name.endswith("_bits"):
            base = name[: -len("_bits")]
            ref_mask = G.unpack_mask(ref, expected[name + "_shape"])
            flat = ref_mask.reshape(-1, *ref_mask.shape[-2:])
            got_flat = (got[base] > 0).reshape(flat.shape)
            rows[base] = {"mask_iou": min(mask_iou(r, o) for r, o in zip(flat, got_flat))}
            continue
        rows[name] = tensor_metrics(ref, got[name])
    return rows


def run_check(bundle: Bundle, *, reference: dict[str, np.ndarray] | None = None, reference_name: str = "golden.npz",
              thresholds: dict | None = None, **session_options) -> CheckReport:
    """Compare every component's outputs with ``reference`` (default: the bundle's golden.npz)."""
    ref = reference if reference is not None else bundle.golden
    thresholds = thresholds if thresholds is not None else bundle.manifest["parity"].get("thresholds", {})
    family = bundle.manifest["model"]["family"]

    def derive(comp: str, io: dict) -> dict:
        if "image" not in io["src"]:
            return {}
        first_input = bundle.components[comp]["inputs"][0]["name"]
        return {first_input: preprocess(io["src"]["image"], bundle.preprocess)}

    chain = PIPELINES.get(family, {})
    cases = G.parse(ref)
    sessions = {c: bundle.session(c, **session_options) for c in bundle.components if c in cases}
    report = CheckReport(reference=reference_name, engine=next(iter(sessions.values())).engine if sessions else "?")
    engine_outputs: dict[tuple[str, str], dict] = {}
    for comp, sess in sessions.items():
        merged: dict[str, dict] = {}
        for case, io in cases[comp].items():
            feed = {**io["in"], **derive(comp, io)}
            for (c, inp), (src, src_out) in chain.items():
                if c == comp:  # alone, a chained input comes from the reference upstream output
                    feed[inp] = cases[src][case.split(".")[0]]["out"][src_out]
            got = sess.run({k: feed[k] for k in sess.input_names})
            engine_outputs[(comp, case)] = got
            rows = _compare(io["out"], got)
            for name, m in rows.items():
                merged[name] = _merge(merged.get(name, {}), m)
        comp_limits = thresholds.get(comp, {})
        for name, m in merged.items():
            m["failures"] = failures(m, comp_limits.get(name, {}))
        report.components[comp] = merged
    # End to end: feed each chained input from the engine's own upstream output.
    for (comp, inp), (src, src_out) in chain.items():
        if comp not in sessions or src not in sessions:
            continue
        for case, io in cases[comp].items():
            upstream = engine_outputs[(src, case.split(".")[0])][src_out]
            feed = {**io["in"], **derive(comp, io), inp: upstream}
            got = sessions[comp].run({k: feed[k] for k in sessions[comp].input_names})
            for row in _compare(io["out"], got).values():
                if "mask_iou" in row:
                    report.task["mask_iou"] = min(report.task.get("mask_iou", 1.0), row["mask_iou"])
    report.task_failures = failures(report.task, thresholds.get("task", {}))
    return report
