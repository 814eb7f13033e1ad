"""DINOv2 references (depth 2, ViT-S/14 otherwise as the hub builds it).

* ``vits14``: the official code of PyPI ``dinov2==0.0.1.dev2`` (byte-identical to facebookresearch/dinov2
  at 2023-04-26; its hard-coded position-embedding offset 0.1 without antialias is today's default).
* ``vits14-reg``: that release predates register tokens, so the outputs come from transformers'
  ``Dinov2WithRegistersModel`` (offset 0, antialias: the official ``_reg`` settings), loaded from the
  official-format state dict through the key map below."""
from __future__ import annotations

from functools import partial

import numpy as np
import torch

from . import photos
from .weights import perturbed_state_dict

DEPTH = 2
REGISTERS = {"vits14": 0, "vits14-reg": 4}
STEMS = {"vits14": "dinov2_vits14", "vits14-reg": "dinov2_vits14_reg"}
SIZES = {"224": (224, 224), "518": (518, 518), "224x322": (224, 322)}


def _official(depth: int):
    from unittest import mock

    from dinov2.layers import MemEffAttention, NestedTensorBlock as Block
    from dinov2.models import vision_transformer as vt

    from .shims import trunc_normal_

    # torch 2.13 changed trunc_normal_'s sampler; the init keeps the inverse-CDF one it was written for
    with mock.patch.object(vt, "trunc_normal_", trunc_normal_):
        return vt.DinoVisionTransformer(img_size=518, patch_size=14, embed_dim=384, depth=depth, num_heads=6,
                                        mlp_ratio=4, init_values=1.0, ffn_layer="mlp", block_chunks=0,
                                        block_fn=partial(Block, attn_class=MemEffAttention)).eval()


def _with_registers(sd: dict[str, torch.Tensor], tokens: torch.Tensor) -> dict[str, torch.Tensor]:
    """``sd`` with ``register_tokens`` where the official module registers it (after ``pos_embed``)."""
    out = {}
    for k, v in sd.items():
        if k != "register_tokens":
            out[k] = v
        if k == "pos_embed":
            out["register_tokens"] = tokens
    return out


def state_dict(variant: str) -> dict[str, torch.Tensor]:
    torch.manual_seed(7)
    model = _official(DEPTH)
    if not REGISTERS[variant]:
        return perturbed_state_dict(model)
    # the 2023 release has no registers: add the parameter with the official init (normal, std 1e-6)
    model.register_tokens = torch.nn.Parameter(torch.empty(1, REGISTERS[variant], 384).normal_(std=1e-6))
    sd = perturbed_state_dict(model)
    return _with_registers(sd, sd["register_tokens"])


def _hf_keys(sd: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    out = {"embeddings.cls_token": sd["cls_token"], "embeddings.mask_token": sd["mask_token"],
           "embeddings.position_embeddings": sd["pos_embed"], "embeddings.register_tokens": sd["register_tokens"],
           "embeddings.patch_embeddings.projection.weight": sd["patch_embed.proj.weight"],
           "embeddings.patch_embeddings.projection.bias": sd["patch_embed.proj.bias"],
           "layernorm.weight": sd["norm.weight"], "layernorm.bias": sd["norm.bias"]}
    for i in range(DEPTH):
        b, h = f"blocks.{i}.", f"encoder.layer.{i}."
        for kind in ("weight", "bias"):
            q, k, v = sd[b + f"attn.qkv.{kind}"].chunk(3)
            out |= {h + f"attention.q_proj.{kind}": q, h + f"attention.k_proj.{kind}": k,
                    h + f"attention.v_proj.{kind}": v, h + f"attention.o_proj.{kind}": sd[b + f"attn.proj.{kind}"],
                    h + f"norm1.{kind}": sd[b + f"norm1.{kind}"], h + f"norm2.{kind}": sd[b + f"norm2.{kind}"],
                    h + f"mlp.fc1.{kind}": sd[b + f"mlp.fc1.{kind}"], h + f"mlp.fc2.{kind}": sd[b + f"mlp.fc2.{kind}"]}
        out[h + "layer_scale1.lambda1"] = sd[b + "ls1.gamma"]
        out[h + "layer_scale2.lambda1"] = sd[b + "ls2.gamma"]
    return out


class _Registers:
    """The official forward_features / get_intermediate_layers outputs, computed by the HF port."""

    def __init__(self, sd: dict[str, torch.Tensor]):
        from transformers import Dinov2WithRegistersConfig, Dinov2WithRegistersModel

        n = sd["register_tokens"].shape[1]
        cfg = Dinov2WithRegistersConfig(hidden_size=384, num_hidden_layers=DEPTH, num_attention_heads=6, mlp_ratio=4,
                                        image_size=518, patch_size=14, layerscale_value=1.0, layer_norm_eps=1e-6,
                                        num_register_tokens=n, qkv_bias=True, use_swiglu_ffn=False,
                                        drop_path_rate=0.0, attn_implementation="eager")
        self.model = Dinov2WithRegistersModel(cfg).eval()
        self.model.load_state_dict(_hf_keys(sd), strict=True)
        self.n = n

    def run(self, x: torch.Tensor):
        out = self.model(pixel_values=x, output_hidden_states=True)
        norm = self.model.layernorm
        return out.last_hidden_state, out.hidden_states[-1], [norm(h) for h in out.hidden_states[1:]]


class _Plain:
    def __init__(self, sd: dict[str, torch.Tensor]):
        self.model = _official(DEPTH)
        self.model.load_state_dict(sd, strict=True)
        self.n = 0

    def run(self, x: torch.Tensor):
        f = self.model.forward_features(x)
        x_norm = torch.cat([f["x_norm_clstoken"][:, None], f["x_norm_patchtokens"]], dim=1)
        inter = [torch.cat([c[:, None], p.flatten(2).transpose(1, 2)], dim=1) for p, c in self.model.get_intermediate_layers(x, n=DEPTH, reshape=True, return_class_token=True,
                                                                norm=True)]
        return x_norm, f["x_prenorm"], inter


def inputs() -> dict[str, np.ndarray]:
    image = photos.coffee()
    x224 = photos.eval_transform(image, resize=256, crop=224, mean_std=photos.IMAGENET)
    rng = np.random.default_rng(7)
    return {"image": image, "x224": x224, "in_224": x224,
            "in_518": rng.standard_normal((1, 3, 518, 518)).astype(np.float16),
            "in_224x322": rng.standard_normal((1, 3, 224, 322)).astype(np.float16)}


@torch.no_grad()
def outputs(sd: dict[str, torch.Tensor], inp: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Everything ``dinov2_vits14[_reg].npz`` holds, for the given state dict and inputs."""
    ref = _Registers(sd) if "register_tokens" in sd else _Plain(sd)
    n = ref.n
    out = dict(inp) | {"config": np.array([DEPTH, n], dtype=np.int64)}
    for size in SIZES:
        x = torch.from_numpy(inp[f"in_{size}"].astype(np.float32))
        x_norm, prenorm, inter = ref.run(x)
        out[f"{size}_x_norm_clstoken"] = x_norm[:, 0].numpy()
        out[f"{size}_x_norm_regtokens"] = x_norm[:, 1:1 + n].numpy()
        out[f"{size}_x_norm_patchtokens"] = x_norm[:, 1 + n:].numpy()
        if size == "224":
            out["224_x_prenorm"] = prenorm.numpy()
            gh, gw = x.shape[2] // 14, x.shape[3] // 14
            for i, h in enumerate(inter):
                out[f"224_inter{i}_cls"] = h[:, 0].numpy()
                out[f"224_inter{i}_patch"] = h[:, 1 + n:].reshape(1, gh, gw, -1).permute(0, 3, 1, 2).numpy()
    return out


def write(folder) -> None:
    for variant, stem in STEMS.items():
        sd = state_dict(variant)
        torch.save(sd, folder / f"{stem}.pth")
        np.savez_compressed(folder / f"{stem}.npz", **outputs(sd, inputs()))


def key_dump(variant: str) -> str:
    from .weights import key_dump as dump
    sd = _official(12).state_dict()  # full depth, 22M parameters: a second on CPU
    n = REGISTERS[variant]
    return dump(_with_registers(sd, torch.empty(1, n, 384)) if n else sd)
