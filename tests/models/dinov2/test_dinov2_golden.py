"""Golden parity with the official DINOv2 code (depth-2 checkpoints): torch eager and ONNX Runtime."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from dinov2_testing import assert_close, export_dinov2_onnx

SIZES = {"224": (224, 224), "518": (518, 518), "224x322": (224, 322)}
FEATURES = ("x_norm_clstoken", "x_norm_regtokens", "x_norm_patchtokens")


def _input(data, size: str) -> torch.Tensor:
    return torch.from_numpy(data[f"in_{size}"].astype(np.float32))


@pytest.mark.parametrize("size", sorted(SIZES))
def test_forward_features(golden, size):
    _, model, data = golden
    with torch.no_grad():
        out = model.forward_features(_input(data, size))
    for key in FEATURES:
        assert_close(out[key], data[f"{size}_{key}"], name=f"{size}_{key}")
    if size == "224":
        assert_close(out["x_prenorm"], data["224_x_prenorm"], name="224_x_prenorm")


def test_batch_of_two_matches_golden(golden):
    _, model, data = golden
    x = _input(data, "224x322")
    with torch.no_grad():
        out = model.forward_features(torch.cat([x, x.flip(-1)]))
    assert_close(out["x_norm_patchtokens"][:1], data["224x322_x_norm_patchtokens"], name="batch row 0")
    assert out["x_norm_regtokens"].shape[:2] == (2, model.num_register_tokens)


def test_intermediate_layers(golden):
    _, model, data = golden
    with torch.no_grad():
        layers = model.get_intermediate_layers(_input(data, "224"), n=2, reshape=True, return_class_token=True)
        by_index = model.get_intermediate_layers(_input(data, "224"), n=[0, 1], return_class_token=True)
    assert len(layers) == 2
    for i, (patch, cls) in enumerate(layers):
        assert_close(patch, data[f"224_inter{i}_patch"], name=f"inter{i}_patch")
        assert_close(cls, data[f"224_inter{i}_cls"], name=f"inter{i}_cls")
        torch.testing.assert_close(by_index[i][0], patch.flatten(2).transpose(1, 2), rtol=0, atol=0)


@pytest.mark.parametrize("size", sorted(SIZES))
def test_export_resolution_buffer_matches_dynamic_path(golden, size):
    _, model, data = golden
    x = _input(data, size)
    with torch.no_grad():
        dynamic = model.forward_features(x)["x_prenorm"]
        model.set_export_resolution(*SIZES[size])
        try:
            cached = model.forward_features(x)["x_prenorm"]
        finally:
            model.clear_export_resolution()
    torch.testing.assert_close(cached, dynamic, rtol=0, atol=0)


def test_pos_embed_interpolation_modes_differ(golden):
    """Scale-factor+offset (plain) and size+antialias (reg) are not interchangeable; 518² is the identity."""
    variant, model, _ = golden
    assert model.interpolated_pos_embed(518, 518) is model.pos_embed
    pe = model.interpolated_pos_embed(224, 322)
    assert pe.shape == (1, 1 + 16 * 23, 384)
    grid = model.pos_embed[:, 1:].reshape(1, 37, 37, -1).permute(0, 3, 1, 2)
    plain_size = torch.nn.functional.interpolate(grid, size=(16, 23), mode="bicubic")
    other = plain_size.permute(0, 2, 3, 1).reshape(1, -1, 384)
    assert (pe[:, 1:] - other).abs().max() > 1e-3, f"{variant} must not equal a plain size-based resize"


@pytest.mark.parametrize("size", sorted(SIZES))
def test_onnx_export_matches_golden(golden, size, tmp_path):
    ort = pytest.importorskip("onnxruntime")
    onnx = pytest.importorskip("onnx")
    variant, model, data = golden
    h, w = SIZES[size]
    layers = (0, 1) if size == "224" else ()
    path = tmp_path / f"{variant}_{size}.onnx"
    fold = size == "224x322"  # one folded-LayerScale graph per variant, checked end to end
    names = export_dinov2_onnx(model, path, image_size=(h, w), intermediate_layers=layers, fold_layerscale=fold)

    ops = {node.op_type for node in onnx.load(str(path)).graph.node}
    assert "Resize" not in ops and "Upsample" not in ops, "pos-embed resize must be precomputed"
    assert model._export_hw is None, "export must not mutate the caller's model"

    sess = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    assert [o.name for o in sess.get_outputs()] == list(names)
    outs = dict(zip(names, sess.run(None, {"pixel_values": data[f"in_{size}"].astype(np.float32)})))
    assert_close(outs["cls_token"], data[f"{size}_x_norm_clstoken"], name="cls_token")
    assert_close(outs["patch_tokens"], data[f"{size}_x_norm_patchtokens"], name="patch_tokens")
    if variant == "vits14-reg":
        assert_close(outs["register_tokens"], data[f"{size}_x_norm_regtokens"], name="register_tokens")
    else:
        assert "register_tokens" not in outs
    for i in layers:
        patch = outs[f"inter{i}_patch"].reshape(1, h // 14, w // 14, 384).transpose(0, 3, 1, 2)
        assert_close(patch, data[f"224_inter{i}_patch"], name=f"inter{i}_patch")
        assert_close(outs[f"inter{i}_cls"], data[f"224_inter{i}_cls"], name=f"inter{i}_cls")
