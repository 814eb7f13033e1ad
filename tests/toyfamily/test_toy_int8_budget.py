"""INT8 that adapts, end to end on the toy family: a gate INT8 meets keeps the quantized graph; a gate
it cannot meet ends, after the bounded search, with the component kept whole in float, recorded in
the manifest (precision, quantization.sensitivity), warned about, and the bundle passing its gate."""
from __future__ import annotations

import json

import onnx
import pytest

import toyfamily.toy  # noqa: F401 (registers the family)
from edgevfm.cli.main import main

RECIPE = """\
description: toy {target} with an encoder gate of {gate} dB
target: {target}
quantize:
  method: {method}
  op_types: [Conv, MatMul, Gemm]
  calibration: {{size: 4, min_images: 4}}
  sensitivity: {{enabled: true, max_seconds: 0, strategy: {strategy}, blocks: ['(patchify)']}}
components:
  head: {{precision: fp32}}
parity:
  thresholds:
    encoder:
      embedding: {{sqnr_db: {gate}}}
      feature_map: {{sqnr_db: {gate}}}
"""
CASES = {"onnx-int8": ("ort-static", "blocks", "encoder.onnx"), "x86-int8": ("nncf", "accuracy-control", "encoder.xml")}


def _export(tmp_path, capsys, target: str, gate: float) -> tuple[dict, dict, dict, str]:
    """(manifest, encoder entry, its accuracy-budget record, CLI output)"""
    pytest.importorskip("openvino" if target == "x86-int8" else "onnxruntime")
    method, strategy, _ = CASES[target]
    recipe = tmp_path / "r.yaml"
    recipe.write_text(RECIPE.format(target=target, gate=gate, method=method, strategy=strategy))
    out = tmp_path / "bundle"
    assert main(["export", "toy", "--target", target, "--weights", "random:0", "--recipe", str(recipe), "-o", str(out)]) == 0
    manifest = json.loads((out / "manifest.json").read_text())
    enc = manifest["components"]["encoder"]
    return manifest, enc, enc["quantization"]["sensitivity"], capsys.readouterr().out


@pytest.mark.parametrize("target", list(CASES))
def test_a_gate_int8_cannot_meet_keeps_the_component_float(tmp_path, capsys, target):
    manifest, enc, sens, out = _export(tmp_path, capsys, target, 90)
    assert sens["all_int8"]["sqnr_db"] < 90 and sens["full_fallback"] and sens["reached"]
    assert sens["stopped"] == "time budget of 0 s spent"
    assert enc["precision"] == "fp32"  # what it runs in, not the preset's int8
    assert manifest["parity"]["status"] == "passed" and manifest["parity"]["metrics"]["components"]["encoder"][
        "embedding"]["sqnr_db"] > 90
    assert "this component is NOT quantized" in " ".join(out.split())
    if target == "onnx-int8":
        ops = {n.op_type for n in onnx.load(str(tmp_path / "bundle" / "encoder.onnx")).graph.node}
        assert "QuantizeLinear" not in ops


@pytest.mark.parametrize("target", list(CASES))
def test_a_gate_int8_meets_keeps_the_quantized_graph(tmp_path, capsys, target):
    manifest, enc, sens, out = _export(tmp_path, capsys, target, 20)
    assert enc["precision"] == "int8" and not sens["full_fallback"] and sens["reached"]
    assert sens["all_int8"]["sqnr_db"] >= 20 and "NOT quantized" not in out
    assert manifest["parity"]["status"] == "passed"
