"""CLIP files from the libraries people train in reproduce that library's own image and text embeddings, in
torch and in ONNX: open_clip (outputs recorded by tests/references/make_sources.py in a separate environment,
as open_clip needs torchvision) and transformers ``CLIPModel`` (run live here, exported as a whole bundle)."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from edgevfm.models.clip.checkpoint import load_clip
from edgevfm.models.clip.config import EOT_TOKEN, SOT_TOKEN

from numerics import rel_err

REPO = Path(__file__).resolve().parents[3]
SOURCES = REPO / "tests" / "data" / "sources"
TOL = 1e-5


@pytest.fixture(scope="module")
def open_clip_source():
    with np.load(SOURCES / "open_clip.npz") as z:
        data = dict(z)
    data["pixel_values"] = data["pixel_values"].astype(np.float32)
    return SOURCES / "open_clip_pytorch_model.bin", data


def test_open_clip_torch_reproduces_open_clip(open_clip_source):
    path, ref = open_clip_source
    model, layout = load_clip(path, activation="gelu")  # open_clip's default (non -quickgelu) towers
    assert layout == "openai"
    with torch.no_grad():
        img = model.encode_image(torch.from_numpy(ref["pixel_values"]))
        txt = model.encode_text(torch.from_numpy(ref["input_ids"]))
    assert rel_err(img, ref["image_embeds"]) < TOL
    assert rel_err(txt, ref["text_embeds"]) < TOL


def test_open_clip_onnx_reproduces_open_clip(open_clip_source, tmp_path):
    """Both components through the toolkit's ONNX export (the onnx-fp32 target's converter), run in ORT.
    The recorded model has a 1000-token vocabulary, so the full bundle (whose golden data tokenizes real
    text) is exercised on the transformers model below instead."""
    ort = pytest.importorskip("onnxruntime")
    from edgevfm.models import get_model
    from edgevfm.targets.onnx import export_module

    path, ref = open_clip_source
    model, _ = load_clip(path, activation="gelu")
    feeds = {"encoder": {"pixel_values": ref["pixel_values"]}, "text": {"input_ids": ref["input_ids"]}}
    want = {"encoder": ref["image_embeds"], "text": ref["text_embeds"]}
    for comp in get_model("clip").components(model, "vit-b-32", {}):
        # Traced on the recorded ids: the default example holds CLIP's SOT/EOT ids, beyond this vocabulary.
        example = (torch.from_numpy(ref["input_ids"][:1]),) if comp.name == "text" else comp.example_args
        file = export_module(comp.module, example, tmp_path / f"{comp.name}.onnx",
                             input_names=comp.input_names, output_names=comp.output_names,
                             dynamic_axes=comp.dynamic_axes)
        sess = ort.InferenceSession(str(file), providers=["CPUExecutionProvider"])
        (out,) = sess.run(None, feeds[comp.name])
        err = rel_err(out, want[comp.name])
        assert err < TOL, f"open_clip {comp.name}: relative error {err:.2e}"


@pytest.fixture(scope="module")
def transformers_source(tmp_path_factory):
    """A small transformers CLIPModel (ViT/32 at 224², full vocabulary, QuickGELU as CLIPConfig defaults to),
    seeded weights, saved with save_pretrained; with its own image and text features on fixed inputs."""
    tf = pytest.importorskip("transformers")
    tower = dict(hidden_size=64, intermediate_size=256, num_hidden_layers=2, num_attention_heads=1,
                 hidden_act="quick_gelu")
    config = tf.CLIPConfig(
        text_config=dict(vocab_size=49408, max_position_embeddings=77, bos_token_id=SOT_TOKEN,
                         eos_token_id=EOT_TOKEN, **tower),
        vision_config=dict(image_size=224, patch_size=32, **tower), projection_dim=64)
    model = tf.CLIPModel(config).eval()
    g = torch.Generator().manual_seed(3)
    with torch.no_grad():
        for name, p in model.named_parameters():
            noise = torch.randn(p.shape, generator=g)
            if p.ndim == 1 and ("norm" in name and name.endswith("weight")):
                p.copy_(1 + 0.2 * noise)
            elif name != "logit_scale":
                p.copy_(noise * (0.5 / max(1, p.shape[-1]) ** 0.5 if p.ndim > 1 else 0.05))
    folder = tmp_path_factory.mktemp("hf-clip")
    model.save_pretrained(folder)
    x = torch.randn(2, 3, 224, 224, generator=torch.Generator().manual_seed(4)).half().float()
    ids = torch.zeros(3, 77, dtype=torch.long)
    for row, n in enumerate((3, 20, 75)):
        ids[row, 0], ids[row, 1:1 + n], ids[row, 1 + n] = SOT_TOKEN, torch.randint(1, 49000, (n,), generator=g), EOT_TOKEN

    def features(out):  # transformers 5 returns the projected features as pooler_output
        return (out if isinstance(out, torch.Tensor) else out.pooler_output).numpy()

    with torch.no_grad():
        ref = {"pixel_values": x.numpy(), "image_embeds": features(model.get_image_features(pixel_values=x)),
               "input_ids": ids.numpy().astype(np.int32), "text_embeds": features(model.get_text_features(input_ids=ids))}
    return folder / "model.safetensors", ref


def test_transformers_torch_reproduces_transformers(transformers_source):
    path, ref = transformers_source
    model, layout = load_clip(path, activation="quick_gelu")
    assert layout == "hf"
    with torch.no_grad():
        assert rel_err(model.encode_image(torch.from_numpy(ref["pixel_values"])), ref["image_embeds"]) < TOL
        assert rel_err(model.encode_text(torch.from_numpy(ref["input_ids"])), ref["text_embeds"]) < TOL


def test_transformers_bundle_reproduces_transformers(transformers_source, tmp_path):
    pytest.importorskip("ftfy", reason="the bundle's golden text needs the CLIP tokenizer ([clip] extra)")
    from edgevfm.export.pipeline import export
    from edgevfm_runtime import open as open_bundle

    path, ref = transformers_source
    result = export("clip", target="onnx-fp32", variant="vit-b-32", weights=str(path), output=tmp_path / "b",
                    emit=lambda *_: None)
    bundle = open_bundle(result.path)
    img = bundle.session("encoder").run({"pixel_values": ref["pixel_values"]})["image_embeds"]
    txt = bundle.session("text").run({"input_ids": ref["input_ids"]})["text_embeds"]
    for name, got in (("image_embeds", img), ("text_embeds", txt)):
        err = rel_err(got, ref[name])
        assert err < TOL, f"transformers CLIP {name}: relative error {err:.2e}"
