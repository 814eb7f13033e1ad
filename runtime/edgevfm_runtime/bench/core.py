"""Run a benchmark: memory probes, then every group of comparable contenders timed interleaved,
then statistics, speed-ups with their noise, and the versioned result dict."""
from __future__ import annotations

import datetime as _dt
import json
from typing import Callable

import numpy as np

from .contenders import ContenderSpec, open_contender, parity_summary
from ..versions import tool_versions
from .host import host_facts
from .image import bench_image
from .probe import measure
from .profile import profile_source
from .stats import speedup, summarize
from .timing import COOL_DOWN_S, run_interleaved
from .workloads import build_workload

SCHEMA_VERSION = 1


def _group_key(opened) -> tuple:
    """Contenders timed together: one model, variant and input size. A contender of another variant
    (a distilled student) says which variant's group it is timed in (``info["group_variant"]``)."""
    m = opened.source.manifest["model"]
    variant = opened.info.get("group_variant", m["variant"])
    return m["name"], variant, json.dumps(opened.source.preprocess.get("input_size"))


def _measure_parity(opened, options: dict) -> dict:
    from ..check import run_check

    try:  # no thresholds: a baseline is measured, not gated (the bundle's gate is for its own precision)
        report = run_check(opened.source, thresholds={}, **options)
    except Exception as exc:  # a baseline whose parity cannot be measured still gets its latency
        return {"passed": None, "reference": "golden.npz", "error": f"{type(exc).__name__}: {exc}"[:300]}
    return {**parity_summary(report.to_json()), "passed": None, "source": "check vs golden.npz (this run), not gated"}


def headline_step(wanted: str | None, workload, model: str) -> str:
    if wanted is None:
        return workload.headline
    steps = [*workload.steps, *(["pipeline"] if workload.pipeline else [])]
    if wanted not in steps:
        raise ValueError(f"headline {wanted!r} is not a step of the {model} workload ({', '.join(steps)})")
    return wanted


def _ratios(workload, samples: dict, n_boot: int) -> dict:
    """The workload's within-row ratios (slow step / fast step, paired over the same iterations)."""
    return {name: {"slow": a, "fast": b, **speedup(samples[a], samples[b], n_boot=n_boot)}
            for name, (a, b) in workload.ratios.items()}


def _open_all(specs: list[ContenderSpec], emit) -> tuple[dict, dict]:
    opened, failed = {}, {}
    for s in specs:
        try:
            opened[s.name] = open_contender(s)
        except Exception as exc:  # noqa: BLE001 - e.g. an engine missing here: that row says so, the rest run
            failed[s.name] = f"{type(exc).__name__}: {exc}"[:300]
            emit(f"cannot open {s.name}: {failed[s.name]}")
    return opened, failed


def _envelope(command: str, settings: dict, host_before: dict, groups: list[dict]) -> dict:
    """The versioned result around the groups: when, how, where (host facts at start, load at end) and with what."""
    return {
        "schema_version": SCHEMA_VERSION, "kind": "edgevfm-bench",
        "created": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"), "command": command,
        "settings": {**settings, "order": "interleaved, balanced (Williams design over rounds)",
                     "speedup": "median(baseline) / median(row), 95% CI by paired bootstrap over rounds"},
        "host": {**host_before, "loadavg_after": host_facts()["loadavg"]}, "tools": tool_versions(),
        "groups": groups,
    }


def run_bench(specs: list[ContenderSpec], *, runs: int = 20, warmup: int = 3, threads: int | None = None,
              baseline: str | None = None, memory: bool = True, probe_imports: tuple[str, ...] = (),
              emit: Callable[[str], None] = print, on_round: Callable[[str, int], None] | None = None,
              n_boot: int = 2000, command: str = "", cool_down_ms: float | None = None,
              headline: str | None = None, profile: tuple[str, ...] = (), workload: str | None = None,
              workload_options: dict | None = None) -> dict:
    """Benchmark ``specs`` (rows in this order); contenders of the same model/variant/input size are
    one group, timed interleaved; speed-ups are vs ``baseline`` (a row name) or the group's first row.
    ``headline`` replaces the family's headline step (e.g. SAM ``set_image``: the encoder alone);
    the rows named in ``profile`` get every component's per-op profile after the timing; ``workload``
    names another of the family's workloads (``RuntimeFamily.workload_kinds``, e.g. SAM ``batch``), built
    with ``workload_options`` (e.g. SAM ``grid_sides``)."""
    cool_down_ms = 1000 * COOL_DOWN_S if cool_down_ms is None else cool_down_ms
    options = {"threads": threads} if threads else {}
    names = [s.name for s in specs]
    if len(set(names)) != len(names):
        raise ValueError(f"contender names must be unique, got {names}")
    missing = [n for n in profile if n not in names]
    if missing:
        raise ValueError(f"profile {missing} are not rows ({', '.join(names)})")
    if baseline and baseline not in names:
        raise ValueError(f"--baseline {baseline!r} is not one of the rows ({', '.join(names)})")
    host_before = host_facts()
    mem = {}
    if memory:
        for s in specs:
            emit(f"memory probe: {s.name}")
            mem[s.name] = measure(s, threads=threads, imports=probe_imports)
    opened, failed = _open_all(specs, emit)
    groups: dict[tuple, list[str]] = {}
    for s in specs:
        if s.name in opened:
            groups.setdefault(_group_key(opened[s.name]), []).append(s.name)
    out_groups = []
    for (model, variant, size), members in groups.items():
        image = bench_image(opened[members[0]].source)
        workloads = {}
        for n in list(members):
            try:
                workloads[n] = build_workload(opened[n].source, image, kind=workload, **options,
                                              **(workload_options or {}))
            except Exception as exc:  # noqa: BLE001
                failed[n] = f"{type(exc).__name__}: {exc}"[:300]
                emit(f"cannot run {n}: {failed[n]}")
                members.remove(n)
        if not members:
            continue
        parity = {n: opened[n].parity or _measure_parity(opened[n], options) for n in members}
        emit(f"timing {model}/{variant}: {len(members)} contender(s) interleaved, {warmup} warm-up + {runs} runs each")
        samples = run_interleaved(workloads, runs=runs, warmup=warmup, cool_down_s=cool_down_ms / 1000,
                                  on_round=(lambda r, m=model: on_round(m, r)) if on_round else None)
        base = baseline if baseline in members else members[0]
        group_headline = headline_step(headline, workloads[members[0]], model)
        rows = []
        for n in members:
            row = {"name": n, **opened[n].info, "engine": workloads[n].engine, "parity": parity[n],
                   "latency_ms": {st: summarize(v) for st, v in samples[n].items()},
                   "speedup": {st: {"vs": base, **speedup(samples[base][st], v, n_boot=n_boot)}
                               for st, v in samples[n].items() if st in samples[base]},
                   "ratios": _ratios(workloads[n], samples[n], n_boot),
                   "memory": mem.get(n, {}), "samples_ms": {st: [round(x, 3) for x in v] for st, v in samples[n].items()}}
            if n in profile:
                emit(f"profiling {n}")
                row["profile"] = profile_source(opened[n].source, **options)
            rows.append(row)
        out_groups.append({"model": model, "variant": variant, "input_size": json.loads(size), "headline": group_headline,
                           "baseline": base, "image_shape": list(image.shape), "rows": rows})
    if failed:
        out_groups.append({"model": "(not run)", "variant": "", "input_size": None, "headline": "", "baseline": "",
                           "rows": [{"name": n, "kind": "error", "error": e} for n, e in failed.items()]})
    settings = {"runs": runs, "warmup": warmup, "threads": threads, "cool_down_ms": cool_down_ms, "n_boot": n_boot,
                "memory": bool(memory), **({"workload": workload} if workload else {}),
                **({"workload_options": workload_options} if workload_options else {})}
    return _envelope(command, settings, host_before, out_groups)
