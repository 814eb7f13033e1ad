"""manifest.json schema 2: the typed form round-trips what the export writes, the published JSON Schema
accepts it and rejects what it must not, and every write is checked against the schema."""
import copy
import dataclasses
import json
import shutil
from importlib import resources

import jsonschema
import pytest

import edgevfm_runtime as rt
from edgevfm.export.manifest import write_manifest
from edgevfm_runtime import manifest_schema
from edgevfm_runtime.errors import BundleError
from edgevfm_runtime.manifest_types import Manifest


@pytest.fixture(scope="module")
def written(sam_bundle) -> dict:
    return json.loads((sam_bundle / "manifest.json").read_text())


def test_schema_ships_in_the_runtime_package():
    path = resources.files("edgevfm_runtime") / "data" / "manifest.schema.json"
    schema = json.loads(path.read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    assert schema["properties"]["schema_version"] == {"const": 2}


def test_typed_manifest_round_trips(written):
    m = Manifest.from_dict(written)
    assert m.to_dict() == written
    assert m.schema_version == 2 and m.parity.status == "passed" and m.parity.passed and not m.parity.failures
    assert set(m.parity.metrics["components"]) == {"encoder", "decoder"} and "mask_iou" in m.parity.metrics["task"]
    assert [s.op for s in m.preprocess.steps] == ["resize_longest", "normalize", "pad"]
    assert m.preprocess.input == m.components["encoder"].inputs[0].name == "images"
    assert m.prompt.long_side == 1024 and m.prompt.box_labels == (2, 3)
    assert m.postprocess.upscale["from"] == "low_res_masks" and m.postprocess.multimask_outputs == [1, 2, 3]
    assert m["model"]["name"] == m.model.name == "sam"  # the read-only mapping view for dict readers


def test_the_export_follows_the_schema(written):
    assert manifest_schema.errors(written) == []


WRONG = [
    ("schema 1", lambda m: m.update(schema_version=1), "schema_version"),
    ("status FAILED", lambda m: m["parity"].update(status="FAILED"), "parity.status"),
    ("schema-1 passed bool", lambda m: m["parity"].update(passed=True), "parity"),
    ("not_verified without verify_on", lambda m: m["parity"].update(status="not_verified"), "parity"),
    ("verify_on on a pass", lambda m: m["parity"].update(verify_on="macOS"), "parity"),
    ("unknown op", lambda m: m["preprocess"]["steps"].append({"op": "sharpen"}), "preprocess.steps.3"),
    ("normalize without mean", lambda m: m["preprocess"]["steps"][1].pop("mean"), "preprocess.steps.1"),
    ("lanczos", lambda m: m["preprocess"]["steps"][0].update(interpolation="lanczos"), "preprocess.steps.0"),
    ("prose coords", lambda m: m["prompt"].update(coords="x·(neww/w)"), "prompt.coords"),
    ("bad sha256", lambda m: m["components"]["encoder"].update(sha256="xyz"), "components.encoder.sha256"),
    ("dtype", lambda m: m["components"]["encoder"]["inputs"][0].update(dtype="float99"), "components.encoder.inputs.0"),
    ("no provenance", lambda m: m.pop("provenance"), "(top)"),
]


@pytest.mark.parametrize("edit, where", [w[1:] for w in WRONG], ids=[w[0] for w in WRONG])
def test_the_schema_rejects_wrong_manifests(written, edit, where):
    m = copy.deepcopy(written)
    edit(m)
    errors = manifest_schema.errors(m)
    assert errors and any(e.startswith(where) for e in errors), errors


@pytest.mark.parametrize("edit, message", [
    (lambda m: m["parity"].update(status="FAILED"), "parity.status 'FAILED' is not one of passed, failed, not_verified"),
    (lambda m: m["parity"].update(status="not_verified"), "parity.verify_on must be str"),
    (lambda m: m["preprocess"]["steps"].append({"op": "sharpen"}), r"preprocess.steps\[3\].op 'sharpen'"),
    (lambda m: m["preprocess"].pop("steps"), "missing field preprocess.steps"),
    (lambda m: m["prompt"].pop("long_side"), "missing field prompt.long_side"),
], ids=["status", "verify_on", "op", "no steps", "prompt"])
def test_the_runtime_reader_names_the_field(written, edit, message):
    m = copy.deepcopy(written)
    edit(m)
    with pytest.raises(BundleError, match=message):
        Manifest.from_dict(m)


def test_every_write_is_checked_against_the_schema(written, tmp_path):
    """The suite's conftest turns the check on; a manifest the runtime reader would take but the schema
    refuses (verify_on on a passed parity) is not written."""
    m = Manifest.from_dict(written)
    bad = m.replace(parity=dataclasses.replace(m.parity, verify_on="macOS"))
    Manifest.from_dict(bad.to_dict())  # the reader alone accepts it
    with pytest.raises(BundleError, match="does not follow manifest.schema.json: parity"):
        write_manifest(tmp_path, bad)
    assert not (tmp_path / "manifest.json").exists()
    write_manifest(tmp_path, m)
    assert json.loads((tmp_path / "manifest.json").read_text()) == written


def test_a_schema_1_bundle_asks_for_a_re_export(sam_bundle, tmp_path):
    dst = shutil.copytree(sam_bundle, tmp_path / "old")
    m = json.loads((dst / "manifest.json").read_text())
    m["schema_version"] = 1
    (dst / "manifest.json").write_text(json.dumps(m))
    with pytest.raises(BundleError, match="schema_version 1 is not supported .* written by an older edgevfm; "
                                          "re-export the bundle"):
        rt.open(dst)
