"""The bundle manifest (``manifest.json``), schema version 1.

One definition shared by the toolkit (which writes it), this runtime and the C++ runtime (which
read it). Validation names the offending field so a hand-edited or truncated manifest is easy to fix.
"""
from __future__ import annotations

from typing import Any

from .errors import BundleError

SCHEMA_VERSION = 1
MANIFEST_NAME = "manifest.json"
GOLDEN_NAME = "golden.npz"

DTYPES = ("float32", "float16", "bfloat16", "int64", "int32", "int8", "uint8", "bool")

# field -> expected type(s); nested dicts are described by the *_FIELDS tables below.
_TOP_FIELDS = {
    "schema_version": int,
    "model": dict,
    "target": dict,
    "components": dict,
    "preprocess": dict,
    "postprocess": dict,
    "parity": dict,
    "provenance": dict,
}
_MODEL_FIELDS = {"name": str, "family": str, "variant": str, "license": str, "source": str, "weights": dict}
_WEIGHTS_FIELDS = {"kind": str, "id": str, "random": bool}
_TARGET_FIELDS = {"preset": str, "engine": str, "precision": str}
_COMPONENT_FIELDS = {"file": str, "sha256": str, "bytes": int, "inputs": list, "outputs": list}
_TENSOR_FIELDS = {"name": str, "dtype": str, "shape": list}
_PARITY_FIELDS = {"reference": str, "passed": bool, "gated": bool}


def _check_fields(obj: Any, fields: dict, where: str) -> None:
    if not isinstance(obj, dict):
        raise BundleError(f"manifest field {where!r} must be an object, got {type(obj).__name__}")
    for key, typ in fields.items():
        if key not in obj:
            raise BundleError(f"manifest is missing field {where + '.' if where else ''}{key}")
        if not isinstance(obj[key], typ) or (typ is int and isinstance(obj[key], bool)):
            raise BundleError(
                f"manifest field {where + '.' if where else ''}{key} must be {typ.__name__}, "
                f"got {type(obj[key]).__name__}"
            )


def _check_tensor(t: Any, where: str) -> None:
    _check_fields(t, _TENSOR_FIELDS, where)
    if t["dtype"] not in DTYPES:
        raise BundleError(f"manifest field {where}.dtype {t['dtype']!r} is not one of {', '.join(DTYPES)}")
    for d in t["shape"]:
        if not (isinstance(d, str) or (isinstance(d, int) and d >= 0)):
            raise BundleError(f"manifest field {where}.shape has invalid dimension {d!r}")


def validate_manifest(m: Any) -> dict:
    """Raise BundleError unless ``m`` is a schema-1 manifest; return it unchanged."""
    if not isinstance(m, dict):
        raise BundleError("manifest.json must hold a JSON object")
    version = m.get("schema_version")
    if version != SCHEMA_VERSION:
        raise BundleError(
            f"bundle schema_version {version!r} is not supported by this runtime (supports {SCHEMA_VERSION}); "
            "re-export the bundle or upgrade edgevfm-runtime"
        )
    _check_fields(m, _TOP_FIELDS, "")
    _check_fields(m["model"], _MODEL_FIELDS, "model")
    _check_fields(m["model"]["weights"], _WEIGHTS_FIELDS, "model.weights")
    _check_fields(m["target"], _TARGET_FIELDS, "target")
    _check_fields(m["parity"], _PARITY_FIELDS, "parity")
    if not m["components"]:
        raise BundleError("manifest lists no components")
    for name, comp in m["components"].items():
        where = f"components.{name}"
        _check_fields(comp, _COMPONENT_FIELDS, where)
        parts = comp["file"].replace("\\", "/").split("/")
        if comp["file"].startswith(("/", "\\")) or ".." in parts:
            raise BundleError(f"{where}.file {comp['file']!r} points outside the bundle")
        for kind in ("inputs", "outputs"):
            for i, t in enumerate(comp[kind]):
                _check_tensor(t, f"{where}.{kind}[{i}]")
    return m
