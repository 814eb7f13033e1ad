"""Helpers for the CLIP tests: tolerances, tiny configs, and checkpoints written in each released layout."""
from __future__ import annotations

import warnings
from functools import partial
from pathlib import Path

import torch
from torch import nn

from edgevfm.models.clip.config import ClipConfig, ClipTextConfig, ClipVisionConfig
from edgevfm.models.clip.model import CLIP

import numerics

# CLIP's outputs are compared relative to their own magnitude (embeddings are small).
assert_close = partial(numerics.assert_close, floor=1e-6)


def tiny_config(activation: str = "gelu") -> ClipConfig:
    """Heads = width / 64 so that the config can be inferred back from the shapes."""
    return ClipConfig(
        embed_dim=32,
        vision=ClipVisionConfig(image_size=32, patch_size=16, width=64, layers=2, heads=1),
        text=ClipTextConfig(context_length=77, vocab_size=1000, width=64, heads=1, layers=2),
        activation=activation,
    )


def random_state_dict(config: ClipConfig, *, seed: int = 0) -> dict[str, torch.Tensor]:
    """OpenAI-named random weights, already rounded through fp16 so every layout holds them exactly."""
    g = torch.Generator().manual_seed(seed)
    with torch.device("meta"):
        shapes = {k: v.shape for k, v in CLIP(config=config).state_dict().items()}
    sd = {}
    for k, shape in shapes.items():
        t = torch.randn(shape, generator=g) * 0.1
        if k.endswith(("ln_1.weight", "ln_2.weight", "ln_pre.weight", "ln_post.weight", "ln_final.weight")):
            t = t + 1
        sd[k] = t.half().float()
    sd["logit_scale"] = torch.tensor(4.6052, dtype=torch.float16).float()
    return sd


def tiny_inputs(config: ClipConfig, *, seed: int = 1) -> tuple[torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(seed)
    r, n = config.vision.image_size, config.text.context_length
    image = torch.randn(2, 3, r, r, generator=g)
    ids = torch.randint(0, config.text.vocab_size - 1, (3, n), generator=g, dtype=torch.int32)
    ids[1, 40] = ids[1, 60] = config.text.vocab_size - 1  # a tie: pooling must take the first
    return image, ids


# ---- writers: one per released layout -------------------------------------------------------------
class _Node(nn.Module):
    """Attribute-only module, enough to script a tree with exactly the names we want."""


def write_openai_torchscript(sd: dict[str, torch.Tensor], path: Path, *, input_resolution: int = 32) -> None:
    """Like OpenAI's release: a TorchScript archive, fp16 weights, three int extras, and a plain
    (non-state) ``attn_mask`` tensor attribute on each block as the original modules have."""
    root = _Node()
    for key, value in sd.items():
        *parents, leaf = key.split(".")
        node = root
        for p in parents:
            if not hasattr(node, p):
                node.add_module(p, _Node())
            node = getattr(node, p)
        node.register_parameter(leaf, nn.Parameter(value.half(), requires_grad=False))
        if leaf == "in_proj_weight":
            node.attn_mask = torch.zeros(2, 2)
    for name, value in (("input_resolution", input_resolution), ("context_length", 77), ("vocab_size", 1000)):
        root.register_buffer(name, torch.tensor(value))
    with warnings.catch_warnings():
        # torch.jit is deprecated, but OpenAI's released files are TorchScript archives.
        warnings.simplefilter("ignore", DeprecationWarning)
        torch.jit.script(root).save(str(path))


def write_open_clip(sd, path: Path) -> None:
    """An open_clip training checkpoint: metadata, ``state_dict`` wrapper, DDP ``module.`` prefix."""
    torch.save({"epoch": 32, "name": "tiny", "state_dict": {f"module.{k}": v for k, v in sd.items()}}, path)


def write_tinyclip(sd, path: Path, *, ddp: bool) -> None:
    """wkcn/TinyCLIP's wrapped towers, optionally with the ``.module.`` infix."""
    infix = "module." if ddp else ""
    out = {}
    for k, v in sd.items():
        if k.startswith("visual."):
            out[f"_image_encoder.{infix}{k}"] = v
        elif k == "logit_scale":
            out[f"_logit_scale.{infix}logit_scale"] = v
        else:
            out[f"_text_encoder.{infix}{k}"] = v
    torch.save({"state_dict": out} if ddp else out, path)


def to_hf(sd: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """OpenAI names → transformers ``CLIPModel`` names (q/k/v split, projections transposed)."""
    out = {}
    ctx = sd["positional_embedding"].shape[0]
    npos = sd["visual.positional_embedding"].shape[0]
    for k, v in sd.items():
        if k.startswith("visual.transformer.resblocks.") or k.startswith("transformer.resblocks."):
            tower = "vision_model" if k.startswith("visual.") else "text_model"
            rest = k.split("resblocks.", 1)[1]
            idx, name = rest.split(".", 1)
            base = f"{tower}.encoder.layers.{idx}."
            if name.startswith("attn.in_proj_"):
                kind = name.rsplit("_", 1)[1]
                for part, chunk in zip("qkv", v.chunk(3, dim=0)):
                    out[f"{base}self_attn.{part}_proj.{kind}"] = chunk.clone()
                continue
            name = (
                name.replace("attn.out_proj.", "self_attn.out_proj.")
                .replace("ln_1.", "layer_norm1.")
                .replace("ln_2.", "layer_norm2.")
                .replace("mlp.c_fc.", "mlp.fc1.")
                .replace("mlp.c_proj.", "mlp.fc2.")
            )
            out[base + name] = v
            continue
        fixed = {
            "visual.conv1.weight": "vision_model.embeddings.patch_embedding.weight",
            "visual.class_embedding": "vision_model.embeddings.class_embedding",
            "visual.positional_embedding": "vision_model.embeddings.position_embedding.weight",
            "visual.ln_pre.weight": "vision_model.pre_layrnorm.weight",
            "visual.ln_pre.bias": "vision_model.pre_layrnorm.bias",
            "visual.ln_post.weight": "vision_model.post_layernorm.weight",
            "visual.ln_post.bias": "vision_model.post_layernorm.bias",
            "token_embedding.weight": "text_model.embeddings.token_embedding.weight",
            "positional_embedding": "text_model.embeddings.position_embedding.weight",
            "ln_final.weight": "text_model.final_layer_norm.weight",
            "ln_final.bias": "text_model.final_layer_norm.bias",
            "logit_scale": "logit_scale",
        }
        if k == "visual.proj":
            out["visual_projection.weight"] = v.t().contiguous()
        elif k == "text_projection":
            out["text_projection.weight"] = v.t().contiguous()
        else:
            out[fixed[k]] = v
    # Older transformers saved these arange buffers; the loader must drop them.
    out["text_model.embeddings.position_ids"] = torch.arange(ctx)[None]
    out["vision_model.embeddings.position_ids"] = torch.arange(npos)[None]
    return out


def write_hf_safetensors(sd, path: Path) -> None:
    from safetensors.torch import save_file

    save_file(to_hf(sd), str(path))
