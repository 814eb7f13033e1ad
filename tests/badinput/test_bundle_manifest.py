"""manifest.json that is not a sane regular JSON file, or has wrong types where the runtime reads it:
one BundleError line, never a hang, a RecursionError or a KeyError."""
import json
import os

import pytest

import edgevfm_runtime as rt
from edgevfm_runtime import bundle_files
from edgevfm_runtime.errors import BundleError

from _cases_bundle import bcopy, edit, no_hang  # noqa: F401 - fixtures

M = "manifest.json"


def _replace(b, fn):
    (b / M).unlink()
    fn(b / M)


def _symlink_out(p):
    out = p.parent.parent / "m.json"
    out.write_text("{}")
    p.symlink_to(out)


FILE_CASES = [
    ("folder", lambda p: p.mkdir(), "manifest.json is a folder"),
    ("FIFO", lambda p: os.mkfifo(p), "manifest.json is a FIFO"),
    ("symlink to /dev/zero", lambda p: p.symlink_to("/dev/zero"), "outside the bundle"),
    ("symlink out", lambda p: _symlink_out(p), "outside the bundle"),
    ("dangling symlink", lambda p: p.symlink_to(p.parent / "nowhere.json"), "is missing"),
    ("huge (sparse)", lambda p: open(p, "wb").truncate(bundle_files.MAX_MANIFEST_BYTES + 1), "bytes, more than"),
    ("deeply nested", lambda p: p.write_text("[" * 200_000 + "]" * 200_000), "nested too deeply|nested deeper"),
    ("nested 100 levels", lambda p: p.write_text(json.dumps(
        {"schema_version": 1, "x": json.loads("[" * 100 + "]" * 100)})), "nested deeper than"),
    ("latin-1", lambda p: p.write_bytes('{"model": "caf\xe9"}'.encode("latin-1")), "not UTF-8"),
    ("utf-16", lambda p: p.write_text("{}", encoding="utf-16"), "not UTF-8|not valid JSON"),
    ("empty", lambda p: p.write_bytes(b""), "not valid JSON"),
    ("truncated", lambda p: p.write_text('{"schema_version": 1, "mod'), "not valid JSON"),
    ("array", lambda p: p.write_text("[]"), "must hold a JSON object"),
    ("null", lambda p: p.write_text("null"), "must hold a JSON object"),
]


@pytest.mark.parametrize("make, message", [c[1:] for c in FILE_CASES], ids=[c[0] for c in FILE_CASES])
def test_bad_manifest_files(bcopy, make, message):
    _replace(bcopy, make)
    with no_hang(60), pytest.raises(BundleError, match=message) as exc:
        rt.open(bcopy)
    assert "\n" not in str(exc.value) and len(str(exc.value)) < 400


def _set(path, value):
    def fn(m):
        *parents, last = path.split(".")
        obj = m
        for p in parents:
            obj = obj[p]
        obj[last] = value
    return fn


TYPE_CASES = [
    ("golden", "golden.npz", "manifest field 'golden' must be an object"),
    ("golden.file", 7, "golden.file must be str"),
    ("golden.sha256", None, "golden.sha256 must be str"),
    ("golden.bytes", -1, "golden.bytes must be a byte count"),
    ("golden.bytes", "12", "golden.bytes must be a byte count"),
    ("components", [], "components must be dict"),
    ("components.encoder", "encoder.onnx", "'components.encoder' must be an object"),
    ("components.encoder.file_bytes", True, "file_bytes must be a byte count"),
    ("components.encoder.extra_files", ["encoder.bin"], "extra_files must be an object of str"),
    ("components.encoder.extra_files", {"encoder.bin": 5}, "extra_files must be an object of str"),
    ("components.encoder.extra_files_bytes", {"encoder.bin": "5"}, "extra_files_bytes must be an object of int"),
    ("components.decoder.host_outputs", ["masks"], "host_outputs must be an object of str"),
    ("components.decoder.host_outputs", {"masks": 3}, "host_outputs must be an object of str"),
    ("components.encoder.engine_options", "threads=2", "engine_options must be an object"),
    ("target.engine_options", [1], "target.engine_options must be object"),
    ("components.encoder.inputs", {"name": "x"}, "inputs must be list"),
    ("components.encoder.inputs", [{"name": "x", "dtype": "float32", "shape": [-1]}], "invalid dimension -1"),
    ("model.weights.random", "yes", "model.weights.random must be bool"),
    ("schema_version", "1", "schema_version '1' is not supported"),
]


@pytest.mark.parametrize("field, value, message", TYPE_CASES, ids=[f"{c[0]}={c[1]!r}"[:40] for c in TYPE_CASES])
def test_wrong_types_are_named(bcopy, field, value, message):
    edit(bcopy, _set(field, value))
    with pytest.raises(BundleError, match=message) as exc:
        rt.open(bcopy)
    assert "\n" not in str(exc.value)
