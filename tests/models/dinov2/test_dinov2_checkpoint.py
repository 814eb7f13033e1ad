"""Checkpoint reading: official .pth, HF safetensors key mapping, and errors that name the problem."""
from __future__ import annotations

import dataclasses

import pytest
import torch

from edgevfm.models._loading import CheckpointError, load_state_dict_strict
from edgevfm.models.dinov2.checkpoint import infer_config, load_dinov2, load_dinov2_state_dict
from edgevfm.models.dinov2.config import VARIANTS, WEIGHTS, with_pos_embed_resample
from edgevfm.models.dinov2.model import DinoV2

from dinov2_testing import golden_paths

safetensors_torch = pytest.importorskip("safetensors.torch")

# Written independently of the package's mapping (transformers Dinov2Model / Dinov2WithRegistersModel names).
_TOP = {
    "cls_token": "embeddings.cls_token",
    "mask_token": "embeddings.mask_token",
    "pos_embed": "embeddings.position_embeddings",
    "register_tokens": "embeddings.register_tokens",
    "patch_embed.proj.weight": "embeddings.patch_embeddings.projection.weight",
    "patch_embed.proj.bias": "embeddings.patch_embeddings.projection.bias",
    "norm.weight": "layernorm.weight",
    "norm.bias": "layernorm.bias",
}
_BLOCK = {
    "norm1": "norm1",
    "norm2": "norm2",
    "attn.proj": "attention.output.dense",
    "ls1.gamma": "layer_scale1.lambda1",
    "ls2.gamma": "layer_scale2.lambda1",
    "mlp.fc1": "mlp.fc1",
    "mlp.fc2": "mlp.fc2",
}


def to_hf(sd: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    out = {}
    for key, value in sd.items():
        if key in _TOP:
            out[_TOP[key]] = value.clone()
            continue
        _, i, rest = key.split(".", 2)
        prefix = f"encoder.layer.{i}."
        if rest.startswith("attn.qkv."):
            leaf = rest.rsplit(".", 1)[1]
            for part, chunk in zip(("query", "key", "value"), value.chunk(3, dim=0)):
                out[f"{prefix}attention.attention.{part}.{leaf}"] = chunk.clone()
        elif rest in _BLOCK:
            out[prefix + _BLOCK[rest]] = value.clone()
        else:
            module, leaf = rest.rsplit(".", 1)
            out[f"{prefix}{_BLOCK[module]}.{leaf}"] = value.clone()
    return out


@pytest.fixture(params=sorted(WEIGHTS))  # released variants (students: tests/distill)
def small_model(request):
    torch.manual_seed(3)
    model = DinoV2(config=dataclasses.replace(VARIANTS[request.param], depth=2)).eval()
    with torch.no_grad():
        for p in model.parameters():
            p.add_(torch.randn_like(p) * 0.05)  # gammas, norms and biases away from their init values
    return model


def test_hf_safetensors_round_trip(small_model, tmp_path):
    path = tmp_path / "model.safetensors"
    hf = to_hf(small_model.state_dict())
    assert any(k.endswith("attention.attention.query.weight") for k in hf)
    safetensors_torch.save_file(hf, str(path))

    sd = load_dinov2_state_dict(path)
    ref = small_model.state_dict()
    assert set(sd) == set(ref)
    for key in ref:
        torch.testing.assert_close(sd[key], ref[key], rtol=0, atol=0, msg=key)

    loaded = load_dinov2(path)  # a transformers file resamples the pos-embed as transformers does
    assert loaded.config == with_pos_embed_resample(small_model.config, "transformers")
    x = torch.randn(1, 3, 224, 322)
    with torch.no_grad():
        differs = (loaded(x) - small_model(x)).abs().max()
        small_model.set_pos_embed_resample("transformers")
        torch.testing.assert_close(loaded(x), small_model(x), rtol=0, atol=0)
    assert differs > 0 or small_model.config.num_register_tokens  # vits14: the official offset differs


def test_hf_task_prefix_is_stripped(small_model):
    hf = {f"dinov2.{k}": v for k, v in to_hf(small_model.state_dict()).items()}
    assert set(load_dinov2_state_dict(hf)) == set(small_model.state_dict())


def test_hf_missing_value_projection_is_named(small_model):
    hf = to_hf(small_model.state_dict())
    del hf["encoder.layer.1.attention.attention.value.weight"]
    with pytest.raises(CheckpointError, match=r"encoder\.layer\.1\.attention\.attention\.value\.weight"):
        load_dinov2_state_dict(hf)


def test_hf_extra_head_is_reported_unexpected(small_model):
    hf = to_hf(small_model.state_dict())
    hf["classifier.weight"] = torch.zeros(1000, 768)
    with pytest.raises(CheckpointError, match=r"unexpected key\(s\): classifier\.weight"):
        load_dinov2(hf, config=small_model.config)


def test_official_pth_loads_and_infers_golden_config(golden_dir):
    for variant in WEIGHTS:  # released variants
        pth, _ = golden_paths(golden_dir, variant)
        sd = load_dinov2_state_dict(pth)
        inferred, config = infer_config(sd)
        assert inferred == variant
        assert config == dataclasses.replace(VARIANTS[variant], depth=2)
        assert load_dinov2(pth).config == config


@pytest.mark.parametrize(
    "corrupt, pattern",
    [
        (lambda sd: sd.pop("blocks.1.ls2.gamma"), r"1 missing key\(s\): blocks\.1\.ls2\.gamma"),
        (lambda sd: sd.__setitem__("head.weight", torch.zeros(3)), r"1 unexpected key\(s\): head\.weight"),
        (
            lambda sd: sd.__setitem__("pos_embed", torch.zeros(1, 257, 384)),
            r"pos_embed: checkpoint \(1, 257, 384\) vs model \(1, 1370, 384\)",
        ),
    ],
    ids=["missing", "unexpected", "shape"],
)
def test_corrupt_state_dict_names_the_key(small_model, corrupt, pattern):
    sd = dict(small_model.state_dict())
    corrupt(sd)
    fresh = DinoV2(config=small_model.config)
    with pytest.raises(CheckpointError, match=pattern):
        load_state_dict_strict(fresh, load_dinov2_state_dict(sd), source="test")


@pytest.mark.parametrize("suffix", [".pth", ".safetensors"])
def test_truncated_file_gives_clear_error(small_model, tmp_path, suffix):
    path = tmp_path / f"model{suffix}"
    if suffix == ".pth":
        torch.save(small_model.state_dict(), path)
    else:
        safetensors_torch.save_file(to_hf(small_model.state_dict()), str(path))
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(CheckpointError, match=r"truncated or not a"):
        load_dinov2_state_dict(path)


def test_missing_file_is_a_typed_error(tmp_path):
    with pytest.raises(CheckpointError, match="not found"):
        load_dinov2_state_dict(tmp_path / "absent.pth")


def test_export_pos_embed_is_refreshed_after_loading(small_model):
    """A pos-embed cached before load_state_dict must not go stale (the MobileSAM `ab` pitfall)."""
    fresh = DinoV2(config=small_model.config)
    fresh.set_export_resolution(224, 322)
    fresh.load_state_dict(small_model.state_dict())
    torch.testing.assert_close(fresh.export_pos_embed, small_model.interpolated_pos_embed(224, 322), rtol=0, atol=0)
