"""One bench entry end to end (export to the presets, check, baselines and other contenders,
interleaved timing, profiles, expectations), and a whole suite as one merged result."""
from __future__ import annotations

import sys
import time
from pathlib import Path

from edgevfm_runtime.bench import ContenderSpec, run_bench
from edgevfm_runtime.bench.expect import check_expectations

from . import kinds  # noqa: F401 - registers the toolkit's contender kinds
from .all_targets import attach, export_all
from .baselines import baseline_specs

PROBE_IMPORTS = ("edgevfm.bench.kinds",)


def entry_specs(entry: dict, bundles: list, work_dir: Path, emit=print) -> list[ContenderSpec]:
    """Rows in order: baselines, the suite's other contenders, then the exported bundles."""
    first = bundles[0].bundle
    specs = baseline_specs(first, entry.get("baselines", []), work_dir / "baselines", emit=emit)
    for c in entry.get("contenders", []):
        options = {"workdir": str(work_dir / "baselines"), "weights": None, **c["options"]}
        specs.append(ContenderSpec(c["name"], first, kind=c["kind"], options=options))
    specs += [ContenderSpec(o.preset, o.bundle, options={"engine": o.engine} if o.engine else {}) for o in bundles]
    return specs


def run_entry(entry: dict, *, work_dir: Path, reuse: bool = False, emit=print, on_round=None,
              command: str = "") -> dict:
    outcomes = export_all(entry["model"], out_dir=work_dir, variant=entry.get("variant"), weights=entry["weights"],
                          overrides=entry.get("set", []), presets=entry.get("targets"), reuse=reuse, emit=emit)
    bundles = [o for o in outcomes if o.bundle and o.check]  # exported and checkable here (the engine runs)
    if not bundles:
        raise RuntimeError(f"{entry['model']}: no preset exported; nothing to bench")
    specs = entry_specs(entry, bundles, work_dir, emit)
    names = [s.name for s in specs]
    profile = tuple(n for n in entry.get("profile", []) if n in names)
    for n in set(entry.get("profile", [])) - set(profile):
        emit(f"note: no row {n!r} to profile (not exported or not runnable here)")
    baseline = entry.get("baseline") if entry.get("baseline") in names else None
    result = run_bench(specs, runs=entry["runs"], warmup=entry["warmup"], threads=entry.get("threads"),
                       memory=entry.get("memory", True), probe_imports=PROBE_IMPORTS, emit=emit, on_round=on_round,
                       command=command, cool_down_ms=entry.get("cool_down_ms"), headline=entry.get("headline"),
                       baseline=baseline, profile=profile, workload=entry.get("workload"),
                       workload_options=entry.get("workload_options"))
    result = attach(result, outcomes, _model_name(bundles[0].bundle))
    for g in result["groups"]:
        if g["model"] != "(not run)" and entry.get("expect"):
            g["expectations"] = check_expectations(g, entry["expect"])
    return result


def _model_name(bundle: str) -> str:
    import json

    return json.loads((Path(bundle) / "manifest.json").read_text())["model"]["name"]


def merge(results: list[dict], *, suite: dict | None = None, command: str = "") -> dict:
    """Several entries' results as one: shared host/tools from the first, groups concatenated,
    each group keeping its own runs/warm-up/threads/cool-down."""
    out = dict(results[0])
    out["groups"] = []
    for r in results:
        for g in r["groups"]:
            out["groups"].append({**g, **{k: r["settings"][k] for k in ("runs", "warmup", "threads", "cool_down_ms")}})
    out["host"] = {**results[0]["host"], "loadavg_after": results[-1]["host"].get("loadavg_after")}
    if suite:
        out["suite"] = {k: suite[k] for k in ("name", "description", "path")}
        if suite.get("note"):
            out["suite"]["note"] = suite["note"]
    out["command"] = command or out.get("command", "")
    return out


def run_suite(suite: dict, *, work_dir: Path, emit=print, on_round=None, command: str = "") -> dict:
    """Every entry of ``suite`` (see :mod:`.suite`), merged; ``wall_seconds`` is the whole suite's."""
    t0 = time.perf_counter()
    command = command or ("edgevfm " + " ".join(sys.argv[1:]) if sys.argv and "edgevfm" in sys.argv[0] else
                          f"edgevfm bench --suite {suite['path']}")
    results = [run_entry(e, work_dir=work_dir, reuse=suite["reuse"], emit=emit, on_round=on_round, command=command)
               for e in suite["entries"]]
    out = merge(results, suite=suite, command=command)
    out["wall_seconds"] = round(time.perf_counter() - t0, 1)
    return out
