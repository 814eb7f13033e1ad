"""Quantizer behaviour the DINOv2/CLIP presets rely on: every output is measured by the NNCF fallback
(DINOv2 has two), every calibration feed is used (CLIP's captions are not images), and LiteRT
full-integer calibration refuses integer-input towers instead of crashing the process."""
import numpy as np
import pytest
import torch
from torch import nn

from edgevfm.quantize.feeds import sqnr_db
from edgevfm.quantize.ort_static import quantize_static_qdq


class TwoOutputs(nn.Module):
    """Pooled (averaging hides noise: high SQNR) and per-token outputs (low SQNR), like DINOv2's."""

    def __init__(self):
        super().__init__()
        torch.manual_seed(0)
        self.fc1, self.fc2 = nn.Linear(16, 64), nn.Linear(64, 16)
        with torch.no_grad():
            self.fc1.weight.mul_(6.0)

    def forward(self, images):
        x = images.flatten(2).transpose(1, 2)
        x = self.fc2(torch.relu(self.fc1(x)))
        return x.mean(1), x


@pytest.fixture(scope="module")
def two_outputs(tmp_path_factory):
    path = tmp_path_factory.mktemp("two") / "two.onnx"
    with torch.no_grad():
        torch.onnx.export(TwoOutputs().eval(), (torch.randn(1, 16, 8, 8),), str(path), input_names=["images"],
                          output_names=["pooled", "tokens"], opset_version=17, dynamo=False)
    rng = np.random.default_rng(0)
    return path, [{"images": rng.standard_normal((1, 16, 8, 8)).astype(np.float32)} for _ in range(6)]


def test_nncf_fallback_measures_every_output(two_outputs):
    ov = pytest.importorskip("openvino")
    pytest.importorskip("nncf")
    from edgevfm.quantize.nncf_ov import nncf_quantize

    path, feeds = two_outputs
    m = ov.convert_model(str(path))
    sens = {"enabled": True, "target_sqnr_db": 200, "validation_images": 2, "max_fallbacks": 1,
            "full_fallback": False, "blocks": [r"/(fc2)/"]}
    q, info = nncf_quantize(m, feeds=feeds, q={"model_type": "default", "sensitivity": sens}, emit=lambda s: None)
    core = ov.Core()
    ref, got = (core.compile_model(x, "CPU", {"INFERENCE_PRECISION_HINT": "f32"}) for x in (m, q))
    per_output = [min(sqnr_db(ref(f)[i], got(f)[i]) for f in feeds[-2:]) for i in (0, 1)]
    assert per_output[1] < per_output[0] - 3  # the token output is the worse one
    # the recorded SQNR is the worst over *both* outputs, not the first output's
    assert info["sensitivity"]["fallbacks"][-1]["sqnr_db"] == pytest.approx(min(per_output), abs=0.1)


def test_static_qdq_calibrates_on_every_feed_given(two_outputs, tmp_path):
    path, feeds = two_outputs
    # calibration.size counts images (the pipeline applies it); a component's feeds are all used
    q = {"op_types": ["MatMul", "Gemm"], "calibration": {"algorithm": "minmax", "size": 2}}
    info = quantize_static_qdq(path, tmp_path / "q.onnx", feeds=feeds, q=q, emit=lambda s: None)
    assert info["calibration"]["feeds"] == len(feeds) == 6


def test_litert_static_refuses_integer_input_towers(tmp_path):
    pytest.importorskip("litert_torch", reason="litert-torch not installed (pip install 'edgevfm[edge]')")
    pytest.importorskip("ai_edge_quantizer", reason="ai-edge-quantizer not installed")
    from edgevfm.models.spec import Component, TensorSpec
    from edgevfm.targets import TARGETS
    from edgevfm.targets.tflite import Unsupported

    class Ids(nn.Module):
        def __init__(self):
            super().__init__()
            self.emb, self.fc = nn.Embedding(50, 8), nn.Linear(8, 4)

        def forward(self, input_ids):
            return self.fc(self.emb(input_ids).mean(1))

    comp = Component("text", Ids().eval(), (torch.zeros(1, 7, dtype=torch.int32),),
                     [TensorSpec("input_ids", "int32", (1, 7))], [TensorSpec("text_embeds", "float32", (1, 4))])
    feeds = [{"input_ids": np.arange(7, dtype=np.int32)[None]}]
    with pytest.raises(Unsupported, match=r"unsupported: litert-static on text.*components\.text\.quantize\.method"):
        TARGETS.get("litert").convert(comp, tmp_path, recipe={"quantize": {"method": "litert-static"}},
                                      precision="int8", calib=feeds, emit=lambda s: None)
