"""Golden parity with the official openai/CLIP code (small config): torch eager and ONNX Runtime."""
from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from edgevfm.models.clip.export import ClipImageExport, ClipTextExport
from edgevfm.targets.onnx import export_module

from clip_testing import assert_close


def test_loads_strictly_with_inferred_config(golden_model, golden):
    model, layout = golden_model
    assert layout == "openai"
    c, ref = model.config, json.loads(str(golden["config"]))
    assert (c.embed_dim, c.vision.image_size, c.vision.layers, c.vision.width, c.vision.patch_size) == (
        ref["embed_dim"], ref["image_resolution"], ref["vision_layers"], ref["vision_width"], ref["vision_patch_size"])
    assert (c.text.context_length, c.text.vocab_size, c.text.width, c.text.heads, c.text.layers) == (
        ref["context_length"], ref["vocab_size"], ref["transformer_width"], ref["transformer_heads"],
        ref["transformer_layers"])
    assert c.activation == "quick_gelu"


@pytest.mark.parametrize("id_dtype", [torch.int32, torch.int64])
def test_torch_matches_golden(golden_model, golden, id_dtype):
    model, _ = golden_model
    pixels = torch.from_numpy(golden["pixel_values"])
    ids = torch.from_numpy(golden["tokens"]).to(id_dtype)
    with torch.no_grad():
        assert_close(model.encode_image(pixels), golden["image_embeds"], name="image_embeds")
        assert_close(model.encode_text(ids), golden["text_embeds"], name="text_embeds")
        logits_per_image, logits_per_text = model(pixels, ids)
    assert_close(logits_per_image, golden["logits_per_image"], name="logits_per_image")
    assert torch.equal(logits_per_text, logits_per_image.t())


def test_eot_pooling_is_first_argmax(golden_model):
    """The int32 one-hot pooling picks the same row as the official ids.argmax(-1), ties included."""
    model, _ = golden_model
    g = torch.Generator().manual_seed(0)
    ids = torch.randint(0, 500, (4, 77), generator=g, dtype=torch.int32)
    ids[0, 5] = ids[0, 9] = 49407
    ids[1, :] = 7
    x = torch.randn(4, 77, 128, generator=g)
    expected = x[torch.arange(4), ids.long().argmax(dim=-1)]
    assert torch.equal(model._pool_eot(x, ids), expected)


@pytest.fixture(scope="module")
def golden_onnx(golden_model, tmp_path_factory):
    ort = pytest.importorskip("onnxruntime")
    model, _ = golden_model
    out = tmp_path_factory.mktemp("clip_golden_onnx")
    sessions = {}
    for name, wrapper in (("image", ClipImageExport(model)), ("text", ClipTextExport(model))):
        export_module(wrapper, wrapper.example_inputs(), out / f"{name}.onnx", **wrapper.io)
        sessions[name] = ort.InferenceSession(str(out / f"{name}.onnx"), providers=["CPUExecutionProvider"])
    return out, sessions


def test_onnx_matches_golden(golden_onnx, golden_model, golden):
    _, sessions = golden_onnx
    pixels = np.concatenate([golden["pixel_values"]] * 2)  # dynamic batch
    image = sessions["image"].run(["image_embeds"], {"pixel_values": pixels})[0]
    text = sessions["text"].run(["text_embeds"], {"input_ids": golden["tokens"].astype(np.int32)})[0]
    assert_close(image, np.concatenate([golden["image_embeds"]] * 2), name="onnx image_embeds")
    assert_close(text, golden["text_embeds"], name="onnx text_embeds")
    img = image[:1] / np.linalg.norm(image[:1], axis=-1, keepdims=True)
    txt = text / np.linalg.norm(text, axis=-1, keepdims=True)
    scale = float(golden_model[0].logit_scale.detach().exp())
    assert_close(scale * img @ txt.T, golden["logits_per_image"], name="onnx logits_per_image")


def test_text_graph_takes_int32_and_has_no_argmax(golden_onnx):
    import onnx

    out, sessions = golden_onnx
    assert sessions["text"].get_inputs()[0].type == "tensor(int32)"
    assert sessions["text"].get_inputs()[0].shape == ["batch", 77]
    ops = {n.op_type for n in onnx.load(str(out / "text.onnx")).graph.node}
    assert "ArgMax" not in ops and "ArgMin" not in ops
