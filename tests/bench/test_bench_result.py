"""The bench result: every field of the schema, the three output forms, the CLI with baselines."""
import json

from edgevfm_runtime.bench import ContenderSpec, run_bench
from edgevfm_runtime.bench.output import read_json, write_outputs
from edgevfm_runtime.bench.report import to_markdown, to_text

ROW_FIELDS = {"name", "kind", "bundle", "preset", "precision", "engine", "weights", "bundle_sha256", "files",
              "size_bytes", "parity", "latency_ms", "speedup", "memory", "samples_ms"}
STAT_FIELDS = {"p50", "p90", "p99", "mean", "min", "max", "std", "iqr_rel", "throughput_per_s", "n"}


def test_result_schema_and_outputs(small_dino, small_dino_perturbed, tmp_path):
    specs = [ContenderSpec("good", str(small_dino)), ContenderSpec("noisy", str(small_dino_perturbed))]
    res = run_bench(specs, runs=3, warmup=1, threads=1, emit=lambda s: None)
    assert res["schema_version"] == 1 and res["kind"] == "edgevfm-bench"
    assert {"runs", "warmup", "threads", "order", "speedup"} <= set(res["settings"])
    host = res["host"]
    assert host["cpu"] and host["usable_cpus"] >= 1 and isinstance(host["isa"], dict) and "loadavg_after" in host
    assert {"numpy", "onnxruntime", "edgevfm-runtime"} <= set(res["tools"])
    (g,) = res["groups"]
    assert g["model"] == "dinov2" and g["headline"] == "features" and g["baseline"] == "good"
    for row in g["rows"]:
        assert ROW_FIELDS <= set(row), ROW_FIELDS - set(row)
        assert STAT_FIELDS <= set(row["latency_ms"]["features"])
        assert len(row["samples_ms"]["features"]) == 3
        assert "CPUExecutionProvider" in row["engine"] and row["size_bytes"] == row["files"]["encoder"] > 0
        assert row["memory"]["peak_rss_mb"] > row["memory"]["start_rss_mb"] > 0 and "VmHWM" in row["memory"]["method"]
        assert len(row["bundle_sha256"]) == 64
    good, noisy = g["rows"]
    assert good["speedup"]["features"]["speedup"] == 1.0 and good["speedup"]["features"]["vs"] == "good"
    lo, hi = noisy["speedup"]["features"]["ci95"]
    assert lo <= noisy["speedup"]["features"]["speedup"] <= hi
    assert good["parity"]["passed"] and good["parity"]["min_sqnr_db"] > 60  # the manifest's parity
    paths = write_outputs(res, json_path=tmp_path / "r.json", md_path=tmp_path / "r.md", plot_path=tmp_path / "r.png")
    assert [p.name for p in paths] == ["r.json", "r.md", "r.png"]
    assert read_json(tmp_path / "r.json")["groups"][0]["rows"][0]["name"] == "good"
    assert (tmp_path / "r.png").read_bytes()[:4] == b"\x89PNG"
    md = to_markdown(res)
    assert "| good |" in md and "speed-up" in md and "load average" in md
    assert "noisy" in to_text(res)


def test_baseline_option_sets_the_ratio_reference(small_dino, small_dino_perturbed):
    specs = [ContenderSpec("a", str(small_dino)), ContenderSpec("b", str(small_dino_perturbed))]
    res = run_bench(specs, runs=2, warmup=0, baseline="b", memory=False, emit=lambda s: None)
    rows = {r["name"]: r for r in res["groups"][0]["rows"]}
    assert rows["b"]["speedup"]["features"]["speedup"] == 1.0 and rows["a"]["speedup"]["features"]["vs"] == "b"
    assert rows["a"]["memory"] == {}


def test_toolkit_bench_with_baselines(small_dino, tmp_path, capsys):
    from edgevfm.cli.main import main

    out = tmp_path / "b.json"
    assert main(["bench", str(small_dino), "--runs", "2", "--warmup", "0", "--threads", "1", "--no-memory",
                 "--json", str(out), "--md", str(tmp_path / "b.md")]) == 0
    rows = json.loads(out.read_text())["groups"][0]["rows"]
    assert [r["name"] for r in rows] == ["pytorch eager fp32", "plain onnx export fp32", "dinov2-vits14-onnx-fp32"]
    torch_row, plain, bundle = rows
    assert torch_row["kind"] == "pytorch" and "torch" in torch_row["engine"]
    assert torch_row["parity"]["min_sqnr_db"] == "inf" or torch_row["parity"]["min_sqnr_db"] > 100  # it is the reference
    assert plain["kind"] == "model-files" and "torch.onnx.export" in plain["exporter"]["encoder"]
    assert plain["parity"]["passed"] is None and plain["parity"]["min_sqnr_db"] > 100  # measured, not gated
    assert bundle["speedup"]["features"]["vs"] == "pytorch eager fp32"
    assert "pytorch eager fp32" in capsys.readouterr().out


def test_savvy_user_openvino_baselines(small_dino, tmp_path):
    """OpenVINO with its defaults and NNCF INT8 on a few photos, both on the plain export: the rows a
    savvy user would build, side by side with the bundle."""
    import pytest

    pytest.importorskip("nncf")
    from edgevfm.cli.main import main

    out = tmp_path / "b.json"
    assert main(["bench", str(small_dino), "--runs", "2", "--warmup", "0", "--threads", "1", "--no-memory",
                 "--baselines", "plain-openvino-default,plain-nncf-int8", "--json", str(out)]) == 0
    rows = {r["name"]: r for r in json.loads(out.read_text())["groups"][0]["rows"]}
    ov_default, nncf_int8 = rows["plain openvino default"], rows["plain nncf int8"]
    assert ov_default["engine"].startswith("openvino") and ov_default["kind"] == "model-files"
    assert nncf_int8["precision"] == "int8 (encoder)" and len(nncf_int8["calibration"]) == 3
    assert "coffee" not in nncf_int8["calibration"]  # the parity image is never a calibration photo
    assert nncf_int8["files"]["encoder"] < ov_default["files"]["encoder"] / 2  # int8 weights on disk
    # INT8 on random weights costs accuracy, but the check measured it (not the manifest's)
    assert nncf_int8["parity"]["source"] and nncf_int8["parity"]["min_sqnr_db"] < ov_default["parity"]["min_sqnr_db"]


def test_savvy_user_ort_optimizer_baseline(small_dino, tmp_path):
    """The plain export through ONNX Runtime's transformer optimizer: the row a savvy ORT user builds;
    its fusions are recorded per component and its parity is measured against torch."""
    import onnx

    from edgevfm.cli.main import main

    out = tmp_path / "b.json"
    assert main(["bench", str(small_dino), "--runs", "2", "--warmup", "0", "--threads", "1", "--no-memory",
                 "--baselines", "plain-onnx-fp32,plain-onnx-ort-optimizer", "-o", str(tmp_path / "w"),
                 "--json", str(out)]) == 0
    rows = {r["name"]: r for r in json.loads(out.read_text())["groups"][0]["rows"]}
    plain, fused = rows["plain onnx export fp32"], rows["plain onnx + ort optimizer"]
    assert fused["kind"] == "model-files" and "vit" in fused["preset"]
    assert fused["fused"]["encoder"].get("SkipLayerNormalization", 0) >= 1  # DINOv2: one per residual Add
    ops = {n.op_type for n in onnx.load(next((tmp_path / "w").rglob("plain-ortopt-*/encoder.onnx"))).graph.node}
    assert "SkipLayerNormalization" in ops and "SkipLayerNormalization" not in {
        n.op_type for n in onnx.load(next((tmp_path / "w").rglob("plain-onnx-*/encoder.onnx"))).graph.node}
    assert fused["parity"]["passed"] is None and fused["parity"]["min_sqnr_db"] > 100  # FP32 fusions: float rounding
    assert plain["parity"]["min_sqnr_db"] > 100


def test_compare_runs_uses_the_round_band(tmp_path, capsys):
    from edgevfm_runtime.bench.compare import print_comparison

    def result(path, ratio, spread):
        rows = [{"name": "base", "speedup": {"f": {"speedup": 1.0, "ci95": [1.0, 1.0], "band": [1.0, 1.0]}}},
                {"name": "fast", "speedup": {"f": {"speedup": ratio, "ci95": [ratio - 0.01, ratio + 0.01],
                                                   "band": [ratio - spread, ratio + spread]}}}]
        path.write_text(json.dumps({"schema_version": 1, "kind": "edgevfm-bench",
                                    "groups": [{"model": "m", "headline": "f", "rows": rows}]}))
        return str(path)

    a = result(tmp_path / "a.json", 2.0, 0.3)
    assert print_comparison(a, result(tmp_path / "b.json", 2.2, 0.3)) == 0  # outside the CIs, inside the bands
    assert "2/2 speed-ups agree within the round-to-round bands (1/2 within the 95% CIs)" in capsys.readouterr().out
    assert print_comparison(a, result(tmp_path / "c.json", 3.0, 0.3)) == 1
    assert print_comparison(a, result(tmp_path / "d.json", 2.45, 0.5)) == 0  # inside d's wider band only
