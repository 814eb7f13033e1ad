"""`edgevfm bench --native`: OpenVINO's benchmark_app on an x86-* bundle's file, its figure beside ours."""
from __future__ import annotations

import json

import pytest

from edgevfm.cli.main import main as edgevfm


@pytest.fixture(scope="module")
def x86_bundle(tmp_path_factory):
    pytest.importorskip("openvino")
    from edgevfm.export.pipeline import export

    return export("dinov2", target="x86-fp32", weights="random:0",
                  output=tmp_path_factory.mktemp("native") / "dinov2-vits14-x86-fp32",
                  overrides=["input_size=[112, 112]"], emit=lambda s: None).path


def test_native_benchmark_app_beside_ours(x86_bundle, tmp_path, capsys):
    rc = edgevfm(["bench", str(x86_bundle), "--native", "--no-baselines", "--runs", "10", "--warmup", "2",
                  "--no-memory", "--cool-down-ms", "0", "--json", str(tmp_path / "b.json")])
    out = capsys.readouterr().out
    assert rc == 0, out
    assert "native cross-check" in out and "benchmark_app" in out
    row = json.loads((tmp_path / "b.json").read_text())["groups"][0]["rows"][0]
    comps = row["native"]["components"]
    assert all(c["tool"] == "benchmark_app" and "-infer_precision f32" in c["command"] for c in comps.values()), comps
    assert row["native"]["total_median_ms"] > 0, comps
    ours = row["latency_ms"][json.loads((tmp_path / "b.json").read_text())["groups"][0]["headline"]]["p50"]
    manifest = json.loads((x86_bundle / "manifest.json").read_text())
    for name, comp in manifest["components"].items():  # the export records the line users can run themselves
        assert comp["conversion"]["benchmark_app"].startswith(f"benchmark_app -m {comp['file']} -d CPU"), comp
    print(f"native: benchmark_app {row['native']['total_median_ms']:.2f} ms, ours p50 {ours:.2f} ms")
