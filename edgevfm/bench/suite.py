"""Bench suites (``bench/suites/*.yaml``): which models, variants, presets, weights, runs and threads.
Schema-checked like recipes: unknown keys are errors with a did-you-mean."""
from __future__ import annotations

from pathlib import Path

import yaml

from edgevfm_runtime.errors import EdgeVFMError

from ..registry import did_you_mean

SUITE_VERSION = 1
RUN_KEYS = {"runs": int, "warmup": int, "threads": int, "weights": str, "baselines": list, "memory": bool}
ENTRY_KEYS = {"model": str, "variant": str, "targets": (str, list), "set": list, **RUN_KEYS}
SUITE_KEYS = {"schema_version": int, "name": str, "description": str, "reuse": bool, "models": list, **RUN_KEYS}
DEFAULTS = {"runs": 20, "warmup": 3, "threads": None, "weights": "random:0",
            "baselines": ["pytorch-eager-fp32", "plain-onnx-fp32"], "memory": True, "reuse": False}


class SuiteError(EdgeVFMError):
    pass


def _check(data: dict, schema: dict, where: str) -> None:
    if not isinstance(data, dict):
        raise SuiteError(f"{where} must be a mapping, got {type(data).__name__}")
    for key, value in data.items():
        if key not in schema:
            raise SuiteError(f"unknown suite key {where}.{key}{did_you_mean(key, schema)} (allowed: {', '.join(schema)})")
        if not isinstance(value, schema[key]) or (schema[key] is int and isinstance(value, bool)):
            raise SuiteError(f"suite key {where}.{key} has the wrong type: {value!r}")


def load_suite(path: str | Path) -> dict:
    """The suite with every model entry's settings resolved (entry > suite > defaults)."""
    path = Path(path)
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
    entries = []
    for i, entry in enumerate(data["models"]):
        _check(entry, ENTRY_KEYS, f"models[{i}]")
        if "model" not in entry:
            raise SuiteError(f"{path}: models[{i}] needs `model`")
        e = {**base, "targets": "all", "set": [], "variant": None, **entry}
        e["targets"] = None if e["targets"] == "all" else ([e["targets"]] if isinstance(e["targets"], str) else e["targets"])
        entries.append(e)
    return {"name": data.get("name", path.stem), "description": data.get("description", ""), "path": str(path),
            "reuse": base["reuse"], "entries": entries}
