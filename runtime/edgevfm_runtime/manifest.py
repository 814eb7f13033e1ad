"""The bundle manifest (``manifest.json``), schema version 2: validation.

One definition shared by the toolkit (which writes it), this runtime and the C++ runtime (which
read it); the typed form is :mod:`.manifest_types`, the published JSON Schema
``data/manifest.schema.json``. Validation names the offending field so a hand-edited or truncated
manifest is easy to fix.
"""
from __future__ import annotations

from typing import Any

from .bundle_files import check_relative
from .errors import BundleError
from .manifest_types import PARITY_STATUSES, Manifest
from .preprocess_steps import validate_steps

SCHEMA_VERSION = 2
SCHEMA_FILE = "manifest.schema.json"  # in the package's data/
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
_PARITY_FIELDS = {"reference": str, "gated": bool, "status": str}
_PREPROCESS_FIELDS = {"kind": str, "steps": list}
_PROMPT_FIELDS = {"frame": str, "long_side": int, "coords": str, "box_labels": list, "padding_point": dict,
                  "mask_input_size": list}
_GOLDEN_FIELDS = {"file": str, "sha256": str}


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


def load_manifest(m: Any) -> Manifest:
    """The typed manifest of a parsed manifest.json, or a BundleError naming the bad field."""
    return Manifest.from_dict(m)


def validate_manifest(m: Any) -> dict:
    """Raise BundleError unless ``m`` is a schema-2 manifest; return it unchanged."""
    if not isinstance(m, dict):
        raise BundleError("manifest.json must hold a JSON object")
    version = m.get("schema_version")
    if version == 1:
        raise BundleError(
            f"bundle schema_version 1 is not supported by this runtime (supports {SCHEMA_VERSION}): it was "
            "written by an older edgevfm; re-export the bundle with this edgevfm"
        )
    if version != SCHEMA_VERSION:
        raise BundleError(
            f"bundle schema_version {version!r} is not supported by this runtime (supports {SCHEMA_VERSION}); "
            "re-export the bundle or upgrade edgevfm-runtime"
        )
    _check_fields(m, _TOP_FIELDS, "")
    _check_fields(m["model"], _MODEL_FIELDS, "model")
    _check_fields(m["model"]["weights"], _WEIGHTS_FIELDS, "model.weights")
    _check_fields(m["target"], _TARGET_FIELDS, "target")
    _check_parity(m["parity"])
    _check_preprocess(m["preprocess"])
    if m.get("prompt") is not None:
        _check_fields(m["prompt"], _PROMPT_FIELDS, "prompt")
    if not m["components"]:
        raise BundleError("manifest lists no components")
    for name, comp in m["components"].items():
        where = f"components.{name}"
        _check_fields(comp, _COMPONENT_FIELDS, where)
        check_relative(comp["file"], f"{where}.file")
        _check_optional(comp, where)
        for kind in ("inputs", "outputs"):
            for i, t in enumerate(comp[kind]):
                _check_tensor(t, f"{where}.{kind}[{i}]")
    if "golden" in m:
        _check_fields(m["golden"], _GOLDEN_FIELDS, "golden")
        check_relative(m["golden"]["file"], "golden.file")
        _check_size(m["golden"].get("bytes"), "golden.bytes")
    for where in ("target.engine_options", "parity.thresholds"):
        part, key = where.split(".")
        if key in m[part] and not isinstance(m[part][key], dict):
            raise BundleError(f"manifest field {where} must be object, got {type(m[part][key]).__name__}")
    return m


def _check_parity(p: dict) -> None:
    _check_fields(p, _PARITY_FIELDS, "parity")
    if p["status"] not in PARITY_STATUSES:
        raise BundleError(f"manifest field parity.status {p['status']!r} is not one of {', '.join(PARITY_STATUSES)}")
    if p["status"] == "not_verified" and not isinstance(p.get("verify_on"), str):
        raise BundleError("manifest field parity.verify_on must be str (where a not_verified parity can be verified)")
    if "failures" in p and not (isinstance(p["failures"], list) and all(isinstance(f, str) for f in p["failures"])):
        raise BundleError("manifest field parity.failures must be a list of str")


def _check_preprocess(p: dict) -> None:
    _check_fields(p, _PREPROCESS_FIELDS, "preprocess")
    validate_steps(p["steps"], "preprocess.steps")
    if p.get("dense_steps") is not None:
        validate_steps(p["dense_steps"], "preprocess.dense_steps")


def _check_size(v: Any, where: str) -> None:
    if v is not None and (not isinstance(v, int) or isinstance(v, bool) or v < 0):
        raise BundleError(f"manifest field {where} must be a byte count (int >= 0), got {v!r}")


def _check_map(obj: dict, key: str, value_type: type, where: str) -> dict:
    v = obj.get(key, {})
    if not isinstance(v, dict) or not all(isinstance(k, str) and isinstance(x, value_type) for k, x in v.items()):
        raise BundleError(f"manifest field {where}.{key} must be an object of {value_type.__name__} values, got {v!r:.80}")
    return v


def _check_optional(comp: dict, where: str) -> None:
    """The optional component fields the runtime reads: extra files with sizes, host outputs, engine options."""
    _check_size(comp.get("file_bytes"), f"{where}.file_bytes")
    for file in _check_map(comp, "extra_files", str, where):
        check_relative(file, f"{where}.extra_files[{file!r}]")
    for file, size in _check_map(comp, "extra_files_bytes", int, where).items():
        _check_size(size, f"{where}.extra_files_bytes[{file!r}]")
    _check_map(comp, "host_outputs", str, where)
    _check_map(comp, "engine_options", object, where)
