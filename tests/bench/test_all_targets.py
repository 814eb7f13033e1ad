"""--all-targets status logic: every registered preset gets a row; one failure never stops the others."""
import shutil

import pytest

from edgevfm.bench.all_targets import attach, export_all
from edgevfm.targets import PRESETS, TARGETS, Preset, Target
from edgevfm_runtime.bench.report import row_cells


class _Unavailable(Target):
    name = "fake-missing-engine"
    engine = "onnxruntime"
    packages = ("no_such_engine_module",)
    pip = "pip install no-such-engine"


@pytest.fixture
def fake_presets(monkeypatch):
    monkeypatch.setitem(TARGETS._items, "fake-missing-engine", _Unavailable())
    fakes = {
        "fake-good": Preset("fake-good", "onnx", "fp32", "test: exports a correct bundle"),
        "fake-broken": Preset("fake-broken", "onnx", "fp32", "test: the converter raises"),
        "fake-drift": Preset("fake-drift", "onnx", "fp32", "test: exports a bundle whose parity fails"),
        "fake-missing": Preset("fake-missing", "fake-missing-engine", "fp32", "test: engine not installed"),
    }
    for name, p in fakes.items():
        monkeypatch.setitem(PRESETS._items, name, p)
    return list(fakes)


def test_status_per_preset(fake_presets, small_dino, small_dino_perturbed, tmp_path, monkeypatch):
    import edgevfm.bench.all_targets as at

    monkeypatch.setattr("edgevfm.targets.recipe_for", lambda *a, **k: {"variant": "vits14"})
    recipes = tmp_path / "recipes"
    (recipes / "dinov2").mkdir(parents=True)
    for name in fake_presets:
        (recipes / "dinov2" / f"{name}.yaml").write_text("target: x\n")
    monkeypatch.setenv("EDGEVFM_RECIPES", str(recipes))

    def fake_export(model, *, target, output, **kw):
        if target == "fake-broken":
            raise RuntimeError("converter exploded\nsecond line")
        shutil.copytree(small_dino if target == "fake-good" else small_dino_perturbed, output)

    seen = []
    outcomes = export_all("dinov2", out_dir=tmp_path / "out", weights="random:0", presets=fake_presets + ["onnx-fp32"],
                          emit=seen.append, export_fn=fake_export)
    status = {o.preset: o for o in outcomes}
    assert [o.preset for o in outcomes] == fake_presets + ["onnx-fp32"]  # in order, nothing dropped after a failure
    assert status["onnx-fp32"].status == "skipped" and "no recipe yet" in status["onnx-fp32"].reason
    assert status["fake-good"].status == "passed" and status["fake-good"].check["passed"]
    assert status["fake-broken"].status == "export-failed"
    assert status["fake-broken"].reason == "RuntimeError: converter exploded"
    assert status["fake-drift"].status == "parity-failed" and "encoder." in status["fake-drift"].reason
    assert status["fake-missing"].status == "skipped" and "pip install no-such-engine" in status["fake-missing"].reason
    assert any(s.startswith("❌ fake-broken") for s in seen)

    result = {"settings": {"runs": 1, "warmup": 0, "threads": None}, "host": {},
              "groups": [{"model": "dinov2", "variant": "vits14", "headline": "features", "baseline": "fake-good",
                          "rows": [{"name": "fake-good", "latency_ms": {"features": {"p50": 1.0, "p90": 1.0, "iqr_rel": 0}},
                                    "speedup": {"features": {"speedup": 1.0, "ci95": [1.0, 1.0]}}, "size_bytes": 1e6,
                                    "parity": status["fake-good"].check},
                                   {"name": "fake-drift", "latency_ms": {}, "parity": status["fake-drift"].check}]}]}
    attach(result, outcomes, "dinov2")
    rows = {r["name"]: r for r in result["groups"][0]["rows"]}
    assert set(rows) == set(fake_presets) | {"onnx-fp32"}
    marks = {n: row_cells(result["groups"][0], r)[0] for n, r in rows.items()}
    assert marks == {"fake-good": "✅", "fake-drift": "❎", "fake-broken": "❌", "fake-missing": "⏭", "onnx-fp32": "⏭"}
    assert "converter exploded" in row_cells(result["groups"][0], rows["fake-broken"])[5]
    assert at.one_line(ValueError("")) == "ValueError: "


class _NoParityHere(Target):
    """Exports fine, but its engine cannot run on this host (like Core ML off macOS)."""
    name = "fake-no-parity-engine"
    engine = "onnxruntime"
    precisions = ("fp16",)
    verification = "fake engine needs another OS"

    def parity_engine(self):
        return None


def _fake_preset(monkeypatch, tmp_path, target, target_name: str, preset: str) -> None:
    """Register ``target`` under ``target_name`` with a dinov2 preset and an empty recipe for it."""
    monkeypatch.setitem(TARGETS._items, target_name, target)
    monkeypatch.setitem(PRESETS._items, preset, Preset(preset, target_name, "fp16", "test"))
    monkeypatch.setattr("edgevfm.targets.recipe_for", lambda *a, **k: {"variant": "vits14"})
    (tmp_path / "recipes" / "dinov2").mkdir(parents=True)
    (tmp_path / "recipes" / "dinov2" / f"{preset}.yaml").write_text("target: x\n")
    monkeypatch.setenv("EDGEVFM_RECIPES", str(tmp_path / "recipes"))


def test_not_verifiable_is_its_own_status(small_dino, tmp_path, monkeypatch):
    import json

    _fake_preset(monkeypatch, tmp_path, _NoParityHere(), "fake-no-parity-engine", "fake-ios")

    def fake_export(model, *, target, output, **kw):
        shutil.copytree(small_dino, output)
        m = json.loads((output / "manifest.json").read_text())
        m["parity"]["host_estimate"] = {"components": {"encoder": {"cls_token": {"sqnr_db": 41.25}}},
                                        "task": {}, "what": "stand-in"}
        (output / "manifest.json").write_text(json.dumps(m))

    def no_check(path, **kw):
        raise AssertionError("a bundle whose engine cannot run here is not checked")

    [o] = export_all("dinov2", out_dir=tmp_path / "out", weights="random:0", presets=["fake-ios"],
                     emit=lambda s: None, export_fn=fake_export, check_fn=no_check)
    assert o.status == "not-verifiable" and o.bundle and not o.check  # not timed either (runner needs .check)
    assert o.reason.startswith("not verifiable here; MIL-interpreter estimate 41.2 dB")
    assert "fake engine needs another OS" in o.reason and o.size_bytes > 0
    result = {"settings": {"runs": 1, "warmup": 0, "threads": None}, "host": {},
              "groups": [{"model": "dinov2", "variant": "vits14", "headline": "features", "baseline": "x", "rows": []}]}
    attach(result, [o], "dinov2")
    [row] = result["groups"][0]["rows"]
    cells = row_cells(result["groups"][0], row)
    assert cells[0] == "☑" and cells[4] == f"{o.size_bytes / 1e6:.1f}" and "41.2 dB" in cells[5]
    assert row["host_estimate"]["min_sqnr_db"] == 41.25


class _ParityInOrt(Target):
    """Like jetson-* on a host without TensorRT: the bundle's engine is TensorRT, its graph runs in ORT here."""
    name = "fake-trt"
    engine = "tensorrt"
    precisions = ("fp16",)

    def parity_engine(self):
        return "onnxruntime"


def test_checked_and_timed_in_the_parity_engine(small_dino, tmp_path, monkeypatch):
    import json

    from edgevfm_runtime.bench import ContenderSpec
    from edgevfm_runtime.bench.contenders import open_contender
    from edgevfm_runtime.errors import EngineUnavailable

    _fake_preset(monkeypatch, tmp_path, _ParityInOrt(), "fake-trt", "fake-jetson")

    def fake_export(model, *, target, output, **kw):
        shutil.copytree(small_dino, output)
        m = json.loads((output / "manifest.json").read_text())
        m["target"]["engine"] = "tensorrt"
        (output / "manifest.json").write_text(json.dumps(m))

    [o] = export_all("dinov2", out_dir=tmp_path / "out", weights="random:0", presets=["fake-jetson"],
                     emit=lambda s: None, export_fn=fake_export)
    assert o.status == "passed" and o.engine == "onnxruntime"  # the default check ran it in ORT
    from edgevfm_runtime.engines import get_engine

    if get_engine("tensorrt").unavailable_reason() is not None:  # the bundle's own engine cannot open it here
        with pytest.raises(EngineUnavailable):
            open_contender(ContenderSpec("own", o.bundle)).source.session("encoder")
    here = open_contender(ContenderSpec("here", o.bundle, options={"engine": o.engine}))
    assert here.info["engine_here"] == "onnxruntime" and "onnxruntime" in here.source.session("encoder").engine
