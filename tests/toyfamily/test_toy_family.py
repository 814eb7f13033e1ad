"""A model family added by its own files only: tests/toyfamily/toy/ holds the toolkit side (torch model,
ModelFamily, recipes) and the runtime side (RuntimeFamily); importing it registers both through the
public registries, and it goes through export, check, run and bench like the built-in families."""
from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest

import toyfamily.toy as toy
from edgevfm.cli.main import main
from edgevfm_runtime import golden as G

REPO = Path(__file__).resolve().parents[2]
TOY = Path(toy.__file__).resolve().parent
SHIPPED = [REPO / "edgevfm", REPO / "runtime" / "edgevfm_runtime", REPO / "recipes"]


def test_nothing_outside_its_folder_knows_the_toy():
    """No table, if-chain or recipe in the shipped code names the family: it is found by registration."""
    from edgevfm.models import get_model
    from edgevfm_runtime.families import get_family

    for obj in (get_model("toy"), get_family("toy")):
        assert Path(type(obj).__module__.replace(".", "/") + ".py").parent.name == TOY.name
        assert Path(__import__(type(obj).__module__, fromlist=["_"]).__file__).resolve().parent == TOY
    word = re.compile(r"\btoy\b", re.IGNORECASE)
    hits = [p for root in SHIPPED for p in root.rglob("*") if p.suffix in (".py", ".yaml")
            and word.search(p.read_text(encoding="utf-8"))]
    assert hits == []


@pytest.fixture(scope="module")
def toy_bundle(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("toy") / "toy-onnx-fp32"
    assert main(["export", "toy", "--target", "onnx-fp32", "--weights", "random:0", "-o", str(out)]) == 0
    return out


def test_export_records_the_families_case_set(toy_bundle):
    manifest = json.loads((toy_bundle / "manifest.json").read_text())
    assert manifest["model"]["family"] == "toy" and set(manifest["components"]) == {"encoder", "head"}
    cases = G.parse(dict(np.load(toy_bundle / "golden.npz")))
    assert list(cases["encoder"]) == ["0", "1"] and list(cases["head"]) == ["0.head", "1.head"]
    assert set(cases["encoder"]["0"]["out"]) == {"embedding", "feature_map"}
    assert manifest["parity"]["status"] == "passed" and manifest["parity"]["metrics"]["task"]["label_agreement"] == 1.0


def test_check_against_torch_and_a_wrong_reference(toy_bundle, tmp_path):
    report = tmp_path / "check.json"
    assert main(["check", str(toy_bundle), "--reference", "torch", "--json", str(report)]) == 0
    got = json.loads(report.read_text())
    assert got["passed"] and got["reference"].startswith("torch fp32") and got["task"]["label_agreement"] == 1.0
    # A reference whose head logits disagree: the component and the family's task metric both fail.
    ref = dict(np.load(toy_bundle / "golden.npz"))
    for k in [k for k in ref if k.startswith("head/")]:
        ref[k] = ref[k][..., ::-1] * 3
    np.savez(tmp_path / "wrong.npz", **ref)
    assert main(["check", str(toy_bundle), "--load-outputs", str(tmp_path / "wrong.npz"),
                 "--json", str(report)]) == 1
    failed = json.loads(report.read_text())["failed"]
    assert any(f.startswith("head.logits") for f in failed)


def test_run_and_bench(toy_bundle, tmp_path, capsys):
    from edgevfm_runtime.cli import main as rt_main

    photo = tmp_path / "photo.png"
    from PIL import Image

    Image.fromarray(np.full((40, 60, 3), 120, np.uint8)).save(photo)
    assert rt_main(["run", str(toy_bundle), str(photo)]) == 0
    assert re.search(r"^label [0-3]$", capsys.readouterr().out, re.MULTILINE)
    result = tmp_path / "bench.json"
    assert main(["bench", str(toy_bundle), "--runs", "2", "--warmup", "0", "--cool-down-ms", "0", "--no-memory",
                 "--json", str(result)]) == 0
    (group,) = json.loads(result.read_text())["groups"]
    assert group["model"] == "toy" and group["headline"] == "pipeline"
    rows = group["rows"]
    assert len(rows) == 3  # the bundle + the PyTorch eager and plain ONNX baselines, built from the family
    for row in rows:
        assert set(row["latency_ms"]) >= {"encode", "classify", "pipeline"}, row["name"]
        assert row["parity"]["task"] == {"label_agreement": 1.0}, row["name"]
