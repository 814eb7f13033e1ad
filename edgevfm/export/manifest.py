"""Building and writing manifest.json (schema 2; typed form in edgevfm_runtime.manifest_types)."""
from __future__ import annotations

import datetime as _dt
import json
import os
import sys
from pathlib import Path

from edgevfm_runtime import manifest_schema
from edgevfm_runtime.hashing import sha256_path, size_path
from edgevfm_runtime.manifest import GOLDEN_NAME, MANIFEST_NAME, SCHEMA_VERSION
from edgevfm_runtime.manifest_types import (Component, Golden, Manifest, Model, Parity, Postprocess, Preprocess,
                                            Prompt, Provenance, Target)
from edgevfm_runtime.versions import tool_versions

from .. import __version__
from ..recipes import recipe_hash


def component_entry(root: Path, file: str, comp) -> dict:
    return {
        "file": file, "sha256": sha256_path(root / file), "bytes": size_path(root / file),
        "file_bytes": size_path(root / file),
        "inputs": [t.manifest() for t in comp.inputs], "outputs": [t.manifest() for t in comp.outputs],
    }


def build_manifest(*, family, model, variant, preset, target, weights, components: dict, recipe: dict,
                   root: Path, parity: Parity, engine_options: dict | None = None, calibration: dict | None = None,
                   ) -> Manifest:
    """The bundle's manifest from its parts; ``parity`` as measured (see pipeline.measured_parity)."""
    prompt = family.prompt(variant, recipe)
    return Manifest(
        schema_version=SCHEMA_VERSION,
        model=Model.from_dict({"name": family.name, "family": family.family, "variant": variant,
                               "license": family.license, "source": family.source, "weights": weights.manifest(),
                               **family.manifest_model(model, variant, recipe)}),
        target=Target.from_dict({"preset": preset.name, "engine": target.engine, "precision": preset.precision,
                                 "engine_version": target.engine_version(),
                                 **({"engine_options": engine_options} if engine_options else {})}),
        components={name: Component.from_dict(c) for name, c in components.items()},
        golden=Golden(file=GOLDEN_NAME, sha256=sha256_path(root / GOLDEN_NAME), bytes=size_path(root / GOLDEN_NAME)),
        preprocess=Preprocess.from_dict(family.preprocess(variant, recipe)),
        prompt=Prompt.from_dict(prompt) if prompt is not None else None,
        postprocess=Postprocess.from_dict(family.postprocess(model, variant, recipe)),
        parity=parity,
        provenance=Provenance(
            edgevfm=__version__, recipe=recipe, recipe_sha256=recipe_hash(recipe), tools=tool_versions(),
            python=sys.version.split()[0], created=_dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
            command=" ".join(["edgevfm", *sys.argv[1:]]) if sys.argv and "edgevfm" in sys.argv[0] else "",
        ),
        calibration=calibration,
    )


def write_manifest(root: Path, manifest: Manifest) -> None:
    """Validate (the runtime's reader; the published JSON Schema too when $EDGEVFM_CHECK_MANIFEST_SCHEMA
    is set, as the test suite does) and write ``manifest.json``."""
    data = manifest.to_dict()
    Manifest.from_dict(data)
    if os.environ.get(manifest_schema.ENV):
        manifest_schema.check(data)
    (root / MANIFEST_NAME).write_text(json.dumps(data, indent=2, allow_nan=True) + "\n")
