"""Bench suites (``bench/suites/*.yaml``): which models, variants, presets, contenders, weights, runs
and threads; what to profile and which ratios a result is expected to reach. Checked when loaded:
unknown keys, presets, baselines and contender kinds are errors with a did-you-mean, before anything
is exported."""
from __future__ import annotations

import fnmatch
import os
from pathlib import Path

import yaml

from edgevfm_runtime.errors import EdgeVFMError

from ..registry import did_you_mean

SUITE_VERSION = 1
RUN_KEYS = {"runs": int, "warmup": int, "threads": int, "weights": str, "baselines": list, "memory": bool,
            "cool_down_ms": (int, float)}
ENTRY_KEYS = {"model": str, "variant": str, "targets": (str, list), "set": list, "headline": str, "baseline": str,
              "workload": str, "workload_options": dict,
              "contenders": list, "profile": list, "expect": list, **RUN_KEYS}
SUITE_KEYS = {"schema_version": int, "name": str, "description": str, "reuse": bool, "note": str, "models": list,
              **RUN_KEYS}
CONTENDER_KEYS = {"name": str, "kind": str, "options": dict}
EXPECT_KEYS = {"row": str, "vs": str, "ratio": str, "at_least": (int, float), "min_sqnr_db": (int, float),
               "min_task": dict, "max_ms": (int, float)}
DEFAULTS = {"runs": 20, "warmup": 3, "threads": None, "weights": "random:0",
            "baselines": ["pytorch-eager-fp32", "plain-onnx-fp32"], "memory": True, "reuse": False,
            "cool_down_ms": None}


class SuiteError(EdgeVFMError):
    pass


def suites_dir() -> Path:
    """The repository's ``bench/suites`` (next to the package in a checkout), else ./bench/suites."""
    here = Path(__file__).resolve().parents[2] / "bench" / "suites"
    return here if here.is_dir() else Path.cwd() / "bench" / "suites"


def resolve_suite(name_or_path: str | Path) -> Path:
    """A suite file, or the name of one in :func:`suites_dir` (``published`` → bench/suites/published.yaml)."""
    p = Path(name_or_path)
    if p.is_file():
        return p
    known = {f.stem: f for f in sorted(suites_dir().glob("*.yaml"))}
    if str(name_or_path) in known:
        return known[str(name_or_path)]
    raise SuiteError(f"no suite {str(name_or_path)!r}: not a file, nor one of {', '.join(known) or '(none)'} in "
                     f"{suites_dir()}{did_you_mean(str(name_or_path), known)}")


def _check(data: dict, schema: dict, where: str) -> None:
    if not isinstance(data, dict):
        raise SuiteError(f"{where} must be a mapping, got {type(data).__name__}")
    for key, value in data.items():
        if key not in schema:
            raise SuiteError(f"unknown suite key {where}.{key}{did_you_mean(key, schema)} (allowed: {', '.join(schema)})")
        if not isinstance(value, schema[key]) or (schema[key] is int and isinstance(value, bool)):
            raise SuiteError(f"suite key {where}.{key} has the wrong type: {value!r}")


def expand_targets(targets, where: str) -> list[str] | None:
    """Preset names and shell patterns over the preset registry (``android-*``: every android preset
    registered now, so presets added later join the suite without editing it). A plain name must be
    a preset; a pattern may match none (its presets are not registered in this checkout)."""
    from ..targets import PRESETS

    if targets == "all":
        return None
    out: list[str] = []
    for t in [targets] if isinstance(targets, str) else targets:
        if any(ch in t for ch in "*?["):
            out += [p for p in PRESETS if fnmatch.fnmatch(p, t) and p not in out]
            continue
        try:
            name = PRESETS.canonical(t)
        except KeyError as exc:
            raise SuiteError(f"{where}: {exc}") from None
        if name not in out:
            out.append(name)
    return out


def _contenders(items: list, where: str) -> list[dict]:
    from edgevfm_runtime.bench.contenders import KINDS

    from . import kinds  # noqa: F401 - the toolkit's kinds (pytorch, official-mobilesam)

    out = []
    for i, c in enumerate(items):
        _check(c, CONTENDER_KEYS, f"{where}.contenders[{i}]")
        if "name" not in c or "kind" not in c:
            raise SuiteError(f"{where}.contenders[{i}] needs `name` and `kind`")
        if c["kind"] not in KINDS:
            raise SuiteError(f"{where}.contenders[{i}]: unknown contender kind {c['kind']!r}"
                             f"{did_you_mean(c['kind'], KINDS)} (known: {', '.join(KINDS)})")
        out.append({"name": c["name"], "kind": c["kind"], "options": _expand_env(c.get("options", {}))})
    return out


def _expand_env(options: dict) -> dict:
    """``${VAR}`` in string options (e.g. where a clone of other code lives on this machine)."""
    return {k: os.path.expandvars(v) if isinstance(v, str) else v for k, v in options.items()}


def _baselines(names: list, where: str) -> list[str]:
    from .baselines import BASELINES

    for n in names:
        if n not in BASELINES:
            raise SuiteError(f"{where}: unknown baseline {n!r}{did_you_mean(n, BASELINES)} (known: {', '.join(BASELINES)})")
    return list(names)


def _entry(entry: dict, base: dict, where: str) -> dict:
    _check(entry, ENTRY_KEYS, where)
    if "model" not in entry:
        raise SuiteError(f"{where} needs `model`")
    from ..models import get_model

    try:
        get_model(entry["model"])
    except KeyError as exc:
        raise SuiteError(f"{where}: {exc}") from None
    e = {**base, "targets": "all", "set": [], "variant": None, "headline": None, "baseline": None, "workload": None,
         "workload_options": {}, "contenders": [],
         "profile": [], "expect": [], **entry}
    e["targets"] = expand_targets(e["targets"], where)
    e["baselines"] = _baselines(e["baselines"], where)
    e["contenders"] = _contenders(e["contenders"], where)
    for j, x in enumerate(e["expect"]):
        _check(x, EXPECT_KEYS, f"{where}.expect[{j}]")
        if "row" not in x or sum(("vs" in x, "ratio" in x, "min_sqnr_db" in x, "min_task" in x, "max_ms" in x)) != 1 \
                or (("vs" in x or "ratio" in x) != ("at_least" in x)) or len(x.get("min_task", {0: 0})) != 1:
            raise SuiteError(f"{where}.expect[{j}] needs `row` and one of `vs` + `at_least`, `ratio` + `at_least`, "
                             "`min_sqnr_db`, `min_task` ({metric: bar}) or `max_ms`")
    return e


def load_suite(path: str | Path) -> dict:
    """The suite with every model entry's settings resolved (entry > suite > defaults)."""
    path = resolve_suite(path)
    try:
        data = yaml.safe_load(path.read_text()) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise SuiteError(f"cannot read suite {path}: {exc}") from None
    _check(data, SUITE_KEYS, path.name)
    if data.get("schema_version", SUITE_VERSION) != SUITE_VERSION:
        raise SuiteError(f"{path}: schema_version {data['schema_version']} (this edgevfm reads {SUITE_VERSION})")
    if not data.get("models"):
        raise SuiteError(f"{path}: `models` lists nothing to bench")
    base = {**DEFAULTS, **{k: v for k, v in data.items() if k in RUN_KEYS or k == "reuse"}}
    entries = [_entry(entry, base, f"{path.name}: models[{i}]") for i, entry in enumerate(data["models"])]
    return {"name": data.get("name", path.stem), "description": data.get("description", ""),
            "note": data.get("note", ""), "path": str(path), "reuse": base["reuse"], "entries": entries}
