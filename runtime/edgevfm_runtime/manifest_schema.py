"""The published JSON Schema of manifest.json (``data/manifest.schema.json``, draft 2020-12).

The runtimes read manifests with their own validators (``manifest.py`` here); this file is the
contract for other readers (the C++ runtime, tools). Checking against it needs ``jsonschema``, which
only the test suite installs; setting ``EDGEVFM_CHECK_MANIFEST_SCHEMA=1`` makes every manifest the
toolkit writes go through :func:`check` (the test suite sets it for itself and its subprocesses).
"""
from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources

from .errors import BundleError
from .manifest import SCHEMA_FILE

ENV = "EDGEVFM_CHECK_MANIFEST_SCHEMA"


@lru_cache(maxsize=1)
def schema() -> dict:
    return json.loads((resources.files("edgevfm_runtime") / "data" / SCHEMA_FILE).read_text(encoding="utf-8"))


def errors(manifest: dict) -> list[str]:
    """Every way ``manifest`` breaks the schema, as "path: message" lines (empty when it conforms)."""
    try:
        import jsonschema
    except ImportError as exc:
        raise ImportError("checking manifests against the JSON Schema needs jsonschema (pip install jsonschema)") from exc
    validator = jsonschema.Draft202012Validator(schema())
    found = sorted(validator.iter_errors(manifest), key=lambda e: list(map(str, e.absolute_path)))
    return [f"{'.'.join(map(str, e.absolute_path)) or '(top)'}: {e.message[:200]}" for e in found]


def check(manifest: dict) -> None:
    """BundleError listing the schema violations of ``manifest``, if any."""
    bad = errors(manifest)
    if bad:
        raise BundleError(f"manifest does not follow {SCHEMA_FILE}: " + "; ".join(bad[:5]))
