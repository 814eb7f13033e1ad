"""--provider / --device: asked for and not here is an error listing what is here; used and recorded when here."""
from __future__ import annotations

import json

import onnxruntime as ort
import pytest

from edgevfm_runtime.cli import main as rt


def _one_line_error(capsys, code):
    err = capsys.readouterr().err.strip()
    assert code == 2 and len(err.splitlines()) == 1 and err.startswith("error: "), err
    return err


def test_unavailable_provider_lists_available(small_bundle, capsys):
    assert "CUDAExecutionProvider" not in ort.get_available_providers()  # this host has no GPU build
    err = _one_line_error(capsys, rt(["check", str(small_bundle), "--provider", "CUDAExecutionProvider"]))
    assert "'CUDAExecutionProvider' is not available" in err and "CPUExecutionProvider" in err


def test_unavailable_openvino_device_lists_available(small_bundle, capsys):
    import openvino as ov

    assert "NPU" not in ov.Core().available_devices
    err = _one_line_error(capsys, rt(["bench", str(small_bundle), "--device", "NPU", "--runs", "1"]))
    assert "NPU is not available" in err and "CPU" in err.split("available:")[1]


def test_option_for_the_other_engine_is_an_error(small_bundle, capsys):
    err = _one_line_error(capsys, rt(["check", str(small_bundle), "--device", "CPU"]))
    assert "runs in onnxruntime" in err and "--provider" in err


def test_provider_used_and_recorded(small_bundle, tmp_path, capsys):
    assert rt(["check", str(small_bundle), "--provider", "CPUExecutionProvider", "--json", str(tmp_path / "c.json")]) == 0
    doc = json.loads((tmp_path / "c.json").read_text())
    assert doc["placement"] == {"providers": ["CPUExecutionProvider"]}
    assert rt(["bench", str(small_bundle), "--provider", "CPUExecutionProvider", "--runs", "2", "--warmup", "1",
               "--no-memory", "--cool-down-ms", "0", "--json", str(tmp_path / "b.json")]) == 0
    res = json.loads((tmp_path / "b.json").read_text())
    assert res["settings"]["placement"] == {"providers": ["CPUExecutionProvider"]}
    row = res["groups"][0]["rows"][0]
    assert row["placement"] == {"providers": ["CPUExecutionProvider"]} and "CPUExecutionProvider" in row["engine"]


def test_ort_fallback_is_refused(small_bundle, monkeypatch):
    """ORT drops a provider it cannot initialise and runs on the CPU with a warning: the session must refuse."""
    from edgevfm_runtime.engines.onnxruntime import OrtSession
    from edgevfm_runtime.errors import EngineUnavailable

    monkeypatch.setattr(ort, "get_available_providers", lambda: ["FakeGPUExecutionProvider", "CPUExecutionProvider"])
    real = ort.InferenceSession
    monkeypatch.setattr(ort, "InferenceSession",
                        lambda path, sess_options=None, providers=None: real(path, sess_options=sess_options,
                                                                            providers=["CPUExecutionProvider"]))
    comp = next(iter(json.loads((small_bundle / "manifest.json").read_text())["components"].values()))
    with pytest.raises(EngineUnavailable, match="fell back"):
        OrtSession(small_bundle / comp["file"], providers=["FakeGPUExecutionProvider"])
