"""Writing manifest.json (schema in edgevfm_runtime.manifest)."""
from __future__ import annotations

import datetime as _dt
import json
import sys
from pathlib import Path

from edgevfm_runtime.hashing import sha256_path, size_path
from edgevfm_runtime.versions import tool_versions
from edgevfm_runtime.manifest import GOLDEN_NAME, MANIFEST_NAME, SCHEMA_VERSION, validate_manifest

from .. import __version__
from ..recipes import recipe_hash

def component_entry(root: Path, file: str, comp) -> dict:
    return {
        "file": file, "sha256": sha256_path(root / file), "bytes": size_path(root / file),
        "file_bytes": size_path(root / file),
        "inputs": [t.manifest() for t in comp.inputs], "outputs": [t.manifest() for t in comp.outputs],
    }


def build_manifest(*, family, model, variant, preset, target, weights, components: dict, recipe: dict,
                   root: Path) -> dict:
    return {
        "schema_version": SCHEMA_VERSION,
        "model": {"name": family.name, "family": family.family, "variant": variant, "license": family.license,
                  "source": family.source, "weights": weights.manifest(),
                  **family.manifest_model(model, variant, recipe)},
        "target": {"preset": preset.name, "engine": target.engine, "precision": preset.precision,
                   "engine_version": target.engine_version()},
        "components": components,
        "golden": {"file": GOLDEN_NAME, "sha256": sha256_path(root / GOLDEN_NAME),
                   "bytes": size_path(root / GOLDEN_NAME)},
        "preprocess": family.preprocess(variant, recipe),
        "postprocess": family.postprocess(model, variant, recipe),
        "parity": {"reference": "torch fp32 (golden.npz)", "passed": False, "gated": True,
                   "thresholds": recipe.get("parity", {}).get("thresholds", {})},
        "provenance": {
            "edgevfm": __version__, "recipe": recipe, "recipe_sha256": recipe_hash(recipe),
            "tools": tool_versions(), "python": sys.version.split()[0],
            "created": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
            "command": " ".join(["edgevfm", *sys.argv[1:]]) if sys.argv and "edgevfm" in sys.argv[0] else "",
        },
    }


def write_manifest(root: Path, manifest: dict) -> None:
    validate_manifest(manifest)
    (root / MANIFEST_NAME).write_text(json.dumps(manifest, indent=2, allow_nan=True) + "\n")
