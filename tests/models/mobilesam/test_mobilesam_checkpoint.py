"""State-dict layout, parameter count, strict loading and checkpoint-error reporting."""
from __future__ import annotations

import itertools

import pytest
import torch

from edgevfm.models._loading import CheckpointError, load_state_dict_strict
from edgevfm.models.mobilesam.model import build_mobilesam
from edgevfm.models.mobilesam.tiny_vit import Attention, relative_bias_index

NUM_PARAMS = 10_130_092


@pytest.fixture(scope="module")
def fresh():
    return build_mobilesam()


def _key_dump(design_dir) -> dict[str, tuple[str, str]]:
    path = design_dir / "keys" / "mobilesam_keys.txt"
    if not path.is_file():
        pytest.skip(f"key dump {path} not found")
    rows = [line.split("\t") for line in path.read_text().splitlines() if line.strip()]
    return {key: (shape, dtype) for key, shape, dtype in rows}


def test_state_dict_equals_official_key_dump(fresh, design_dir):
    dump = _key_dump(design_dir)
    sd = fresh.state_dict()
    assert len(dump) == 439
    assert set(sd) == set(dump), f"missing {set(dump) - set(sd)}, extra {set(sd) - set(dump)}"
    for key, (shape, dtype) in dump.items():
        assert (str(tuple(sd[key].shape)), str(sd[key].dtype)) == (shape, dtype), key


def test_parameter_count(fresh):
    assert sum(p.numel() for p in fresh.parameters()) == NUM_PARAMS


def test_build_is_eval_fp32(fresh):
    assert not fresh.training
    assert all(p.dtype == torch.float32 for p in fresh.parameters())
    assert fresh.mask_threshold == 0.0


def test_golden_checkpoint_has_the_same_keys(golden_state_dict, fresh):
    sd = fresh.state_dict()
    assert set(golden_state_dict) == set(sd)
    assert all(golden_state_dict[k].shape == sd[k].shape for k in sd)


def _corrupt(sd: dict, how: str) -> tuple[dict, str]:
    sd = dict(sd)
    if how == "missing_unused_head":
        del sd["image_encoder.head.weight"]
        return sd, "image_encoder.head.weight"
    if how == "missing_pe_buffer":
        del sd["prompt_encoder.pe_layer.positional_encoding_gaussian_matrix"]
        return sd, "prompt_encoder.pe_layer.positional_encoding_gaussian_matrix"
    if how == "unexpected_cached_bias":
        key = "image_encoder.layers.1.blocks.0.attn.ab"
        sd[key] = torch.zeros(4, 49, 49)
        return sd, key
    if how == "wrong_shape":
        key = "mask_decoder.output_upscaling.0.weight"
        sd[key] = torch.zeros(64, 256, 2, 2)  # (out, in) order instead of ConvTranspose (in, out)
        return sd, key
    raise ValueError(how)


@pytest.mark.parametrize(
    "how", ["missing_unused_head", "missing_pe_buffer", "unexpected_cached_bias", "wrong_shape"]
)
def test_mismatched_checkpoint_names_the_key(fresh, how):
    sd, key = _corrupt(fresh.state_dict(), how)
    with pytest.raises(CheckpointError, match=key.replace(".", r"\.")):
        load_state_dict_strict(build_mobilesam(), sd, source="corrupt.pt")


def _enumerated_bias_index(window: int) -> torch.Tensor:
    """The reference construction: number distinct (|dy|, |dx|) offsets in first-seen order."""
    points = list(itertools.product(range(window), range(window)))
    offsets: dict[tuple[int, int], int] = {}
    idx = []
    for p1, p2 in itertools.product(points, points):
        off = (abs(p1[0] - p2[0]), abs(p1[1] - p2[1]))
        idx.append(offsets.setdefault(off, len(offsets)))
    return torch.tensor(idx)


@pytest.mark.parametrize("window", [7, 14])
def test_relative_bias_index_closed_form(window):
    assert torch.equal(relative_bias_index(window), _enumerated_bias_index(window))


def test_attention_uses_bias_loaded_after_eval():
    """The bias must come from the parameter at call time (the reference caches it at eval())."""
    torch.manual_seed(0)
    attn = Attention(dim=64, num_heads=2, window=7).eval()
    sd = {k: 0.2 * torch.randn_like(v) for k, v in attn.state_dict().items()}
    attn.load_state_dict(sd)
    x = torch.randn(3, 49, 64)
    # Reference computation from the spec: head-major qkv rows [q_i, k_i, v_i], scale 32^-0.5.
    xn = torch.nn.functional.layer_norm(x, (64,), sd["norm.weight"], sd["norm.bias"])
    qkv = (xn @ sd["qkv.weight"].T + sd["qkv.bias"]).view(3, 49, 2, 96).permute(0, 2, 1, 3)
    q, k, v = qkv[..., :32], qkv[..., 32:64], qkv[..., 64:]
    bias = sd["attention_biases"][:, _enumerated_bias_index(7).view(49, 49)]
    a = (q @ k.transpose(-1, -2) * 32 ** -0.5 + bias).softmax(-1) @ v
    expected = a.transpose(1, 2).reshape(3, 49, 64) @ sd["proj.weight"].T + sd["proj.bias"]
    with torch.no_grad():
        torch.testing.assert_close(attn(x), expected, rtol=1e-5, atol=1e-5)
