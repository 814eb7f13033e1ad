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

    monkeypatch.setattr("edgevfm.recipes.load_recipe", lambda *a, **k: {"variant": "vits14"})
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
