"""Export wrapper: output contract, LayerScale folding, and full-size (depth 12) torch-vs-ORT parity."""
from __future__ import annotations

import collections
import dataclasses

import numpy as np
import pytest
import torch

from edgevfm.models.dinov2.config import VARIANTS, WEIGHTS
from edgevfm.models.dinov2.export import DinoV2Export, output_names
from edgevfm.models.dinov2.model import DinoV2, LayerScale

from dinov2_testing import assert_close, export_dinov2_onnx


def _seeded(variant: str, *, depth: int | None = None, seed: int = 0) -> DinoV2:
    torch.manual_seed(seed)
    config = VARIANTS[variant] if depth is None else dataclasses.replace(VARIANTS[variant], depth=depth)
    model = DinoV2(config=config).eval()
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, LayerScale):
                m.gamma.normal_(1.0, 0.1)  # non-trivial gammas so folding is actually exercised
    return model


def test_output_names_contract():
    assert output_names(VARIANTS["vits14"]) == {"cls_token": (1, 384), "patch_tokens": (1, "num_patches", 384)}
    names = output_names(VARIANTS["vits14-reg"], (11, 5), image_size=(224, 322))
    assert list(names) == [
        "cls_token", "patch_tokens", "register_tokens", "inter5_patch", "inter5_cls", "inter11_patch", "inter11_cls"
    ]
    assert names["patch_tokens"] == (1, 368, 384) and names["register_tokens"] == (1, 4, 384)
    with pytest.raises(ValueError, match="out of range"):
        output_names(VARIANTS["vits14"], (12,))
    with pytest.raises(ValueError, match="duplicate"):
        output_names(VARIANTS["vits14"], (3, 3))


@pytest.mark.parametrize("variant", sorted(WEIGHTS))  # released variants
def test_wrapper_matches_model_and_folding_is_equivalent(variant):
    model = _seeded(variant, depth=3)
    x = torch.randn(1, 3, 224, 322)
    with torch.no_grad():
        feats = model.forward_features(x)
        inter = model.get_intermediate_layers(x, n=[1], return_class_token=True)
        plain = DinoV2Export(model, intermediate_layers=(1,), fold_layerscale=False)(x)
        folded_wrapper = DinoV2Export(model, intermediate_layers=(1,), fold_layerscale=True)
        folded = folded_wrapper(x)
    assert not any(isinstance(m, LayerScale) for m in folded_wrapper.modules())
    assert any(isinstance(m, LayerScale) for m in model.modules()), "caller's model must stay unfolded"
    expected = [feats["x_norm_clstoken"], feats["x_norm_patchtokens"]]
    if variant == "vits14-reg":
        expected.append(feats["x_norm_regtokens"])
    expected += [inter[0][0], inter[0][1]]
    assert len(plain) == len(folded) == len(expected) == len(folded_wrapper.output_names)
    for a, b, c in zip(plain, folded, expected):
        torch.testing.assert_close(a, c, rtol=0, atol=0)
        torch.testing.assert_close(b, c, rtol=0, atol=1e-5)


@pytest.mark.slow
def test_full_size_vits14_onnx_parity(tmp_path):
    ort = pytest.importorskip("onnxruntime")
    onnx = pytest.importorskip("onnx")
    model = _seeded("vits14")
    path = tmp_path / "dinov2_vits14_224.onnx"
    names = export_dinov2_onnx(model, path, image_size=(224, 224), intermediate_layers=(8, 11))

    graph = onnx.load(str(path)).graph
    ops = collections.Counter(node.op_type for node in graph.node)
    assert ops["MatMul"] == 12 * 6, ops
    # Fixed-resolution graph: no pos-embed resize and no runtime shape arithmetic.
    assert not {"Resize", "Shape", "Expand", "Where", "ConstantOfShape"} & set(ops), ops
    assert graph.input[0].name == "pixel_values"
    assert [d.dim_value for d in graph.input[0].type.tensor_type.shape.dim] == [1, 3, 224, 224]

    x = torch.from_numpy(np.random.default_rng(0).standard_normal((1, 3, 224, 224), dtype=np.float32))
    with torch.no_grad():
        feats = model.forward_features(x)
        inter = model.get_intermediate_layers(x, n=[8, 11], return_class_token=True)
    expected = [feats["x_norm_clstoken"], feats["x_norm_patchtokens"], *inter[0], *inter[1]]
    options = ort.SessionOptions()
    options.intra_op_num_threads = 2
    sess = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
    outs = sess.run(list(names), {"pixel_values": x.numpy()})
    for name, got, ref in zip(names, outs, expected):
        assert_close(got, ref.numpy(), name=name)
