"""One bench entry end to end (export to the presets, check, baselines, interleaved timing), and a
whole suite as one merged result."""
from __future__ import annotations

import sys
from pathlib import Path

from edgevfm_runtime.bench import ContenderSpec, run_bench

from . import kinds  # noqa: F401 - registers the pytorch contender kind
from .all_targets import attach, export_all
from .baselines import baseline_specs

PROBE_IMPORTS = ("edgevfm.bench.kinds",)


def run_entry(entry: dict, *, work_dir: Path, reuse: bool = False, emit=print, on_round=None,
              command: str = "") -> dict:
    outcomes = export_all(entry["model"], out_dir=work_dir, variant=entry.get("variant"), weights=entry["weights"],
                          overrides=entry.get("set", []), presets=entry.get("targets"), reuse=reuse, emit=emit)
    bundles = [o for o in outcomes if o.bundle and o.check]  # exported and checkable here (the engine runs)
    if not bundles:
        raise RuntimeError(f"{entry['model']}: no preset exported; nothing to bench")
    specs = baseline_specs(bundles[0].bundle, entry.get("baselines", []), work_dir / "baselines", emit=emit)
    specs += [ContenderSpec(o.preset, o.bundle, options={"engine": o.engine} if o.engine else {}) for o in bundles]
    result = run_bench(specs, runs=entry["runs"], warmup=entry["warmup"], threads=entry.get("threads"),
                       memory=entry.get("memory", True), probe_imports=PROBE_IMPORTS, emit=emit, on_round=on_round,
                       command=command)
    return attach(result, outcomes, _model_name(bundles[0].bundle))


def _model_name(bundle: str) -> str:
    import json

    return json.loads((Path(bundle) / "manifest.json").read_text())["model"]["name"]


def merge(results: list[dict], *, suite: dict | None = None, command: str = "") -> dict:
    """Several entries' results as one: shared host/tools from the first, groups concatenated,
    each group keeping its own runs/warm-up."""
    out = dict(results[0])
    out["groups"] = []
    for r in results:
        for g in r["groups"]:
            out["groups"].append({**g, "runs": r["settings"]["runs"], "warmup": r["settings"]["warmup"],
                                  "threads": r["settings"]["threads"]})
    out["host"] = {**results[0]["host"], "loadavg_after": results[-1]["host"].get("loadavg_after")}
    if suite:
        out["suite"] = {"name": suite["name"], "description": suite["description"], "path": suite["path"]}
    out["command"] = command or out.get("command", "")
    return out


def run_suite(suite: dict, *, work_dir: Path, emit=print, on_round=None) -> dict:
    command = "edgevfm " + " ".join(sys.argv[1:]) if sys.argv and "edgevfm" in sys.argv[0] else ""
    results = [run_entry(e, work_dir=work_dir, reuse=suite["reuse"], emit=emit, on_round=on_round, command=command)
               for e in suite["entries"]]
    return merge(results, suite=suite, command=command or f"edgevfm bench --suite {suite['path']}")
