"""Read DINOv2 checkpoints into official key names: the official ``.pth``, transformers ``Dinov2Model`` /
``Dinov2WithRegistersModel`` files (``save_pretrained``: safetensors or ``pytorch_model.bin``) and timm
``vit_*_dinov2`` state dicts. Where a file came from (its *origin*) decides how the pos-embed is resampled,
so the export reproduces the numbers of the library it was validated in."""
from __future__ import annotations

import dataclasses
import re
from pathlib import Path
from typing import Mapping, Union

import torch

from ...weights import unreadable_reason
from .._loading import CheckpointError, load_state_dict_strict
from .config import VARIANTS, DinoV2Config, with_pos_embed_resample
from .model import DinoV2

StateDict = dict[str, torch.Tensor]
Source = Union[str, Path, Mapping[str, torch.Tensor]]

# Prefixes of the HF task heads wrapping the backbone (e.g. Dinov2ForImageClassification).
_HF_PREFIXES = ("dinov2.", "dinov2_with_registers.")

_HF_EMBEDDINGS = {
    "embeddings.cls_token": "cls_token",
    "embeddings.mask_token": "mask_token",
    "embeddings.position_embeddings": "pos_embed",
    "embeddings.register_tokens": "register_tokens",
    "embeddings.patch_embeddings.projection.weight": "patch_embed.proj.weight",
    "embeddings.patch_embeddings.projection.bias": "patch_embed.proj.bias",
    "layernorm.weight": "norm.weight",
    "layernorm.bias": "norm.bias",
}

_HF_LAYER = {
    "norm1": "norm1",
    "norm2": "norm2",
    "attention.output.dense": "attn.proj",
    "layer_scale1.lambda1": "ls1.gamma",
    "layer_scale2.lambda1": "ls2.gamma",
    "mlp.fc1": "mlp.fc1",
    "mlp.fc2": "mlp.fc2",
}
_HF_QKV = ("query", "key", "value")
_HF_LAYER_RE = re.compile(r"encoder\.layer\.(\d+)\.(.+)")


def _read_file(path: Path) -> StateDict:
    if not path.is_file():
        raise CheckpointError(f"DINOv2 checkpoint {path} " + ("is a folder, not a checkpoint file" if path.exists() else "not found"))
    try:
        if path.suffix == ".safetensors":
            from safetensors.torch import load_file

            return load_file(str(path))
        obj = torch.load(str(path), map_location="cpu", weights_only=True)
    except Exception as exc:  # torch/safetensors raise many types for a damaged file
        raise CheckpointError(
            f"cannot read checkpoint {path} ({path.stat().st_size} bytes): truncated or not a "
            f"{'safetensors' if path.suffix == '.safetensors' else 'torch.save'} file ({unreadable_reason(exc)})"
        ) from exc
    if not isinstance(obj, Mapping) or not all(isinstance(v, torch.Tensor) for v in obj.values()):
        raise CheckpointError(f"checkpoint {path} is not a flat state dict of tensors")
    return dict(obj)


def is_hf_state_dict(sd: Mapping[str, torch.Tensor]) -> bool:
    """True for transformers ``Dinov2Model``-style names (``embeddings.*``, ``encoder.layer.*``)."""
    return any(k.removeprefix(p).startswith(("embeddings.", "encoder.layer.")) for k in sd for p in ("",) + _HF_PREFIXES)


def hf_to_official(sd: Mapping[str, torch.Tensor]) -> StateDict:
    """Rename HF keys to official ones and fuse query/key/value into ``attn.qkv``.

    Keys that are not part of the backbone are passed through unchanged, so a strict load names them.
    """
    out: StateDict = {}
    qkv: dict[tuple[int, str], dict[str, torch.Tensor]] = {}
    for key, value in sd.items():
        name = next((key[len(p):] for p in _HF_PREFIXES if key.startswith(p)), key)
        if name in _HF_EMBEDDINGS:
            out[_HF_EMBEDDINGS[name]] = value
            continue
        match = _HF_LAYER_RE.fullmatch(name)
        if match is None:
            out[key] = value
            continue
        i, rest = int(match.group(1)), match.group(2)
        module, _, leaf = rest.rpartition(".")
        if rest in _HF_LAYER:  # lambda1 has no .weight/.bias leaf
            out[f"blocks.{i}.{_HF_LAYER[rest]}"] = value
        elif module in _HF_LAYER:
            out[f"blocks.{i}.{_HF_LAYER[module]}.{leaf}"] = value
        elif module.startswith("attention.attention.") and module.rsplit(".", 1)[1] in _HF_QKV:
            qkv.setdefault((i, leaf), {})[module.rsplit(".", 1)[1]] = value
        else:
            out[key] = value
    for (i, leaf), parts in sorted(qkv.items()):
        absent = [p for p in _HF_QKV if p not in parts]
        if absent:
            names = ", ".join(f"encoder.layer.{i}.attention.attention.{p}.{leaf}" for p in absent)
            raise CheckpointError(f"HF checkpoint lacks {names} (needed to build blocks.{i}.attn.qkv.{leaf})")
        out[f"blocks.{i}.attn.qkv.{leaf}"] = torch.cat([parts[p] for p in _HF_QKV], dim=0)
    return out


def is_timm_state_dict(sd: Mapping[str, torch.Tensor]) -> bool:
    """True for timm ``vit_*_dinov2`` names: official block names, but no ``mask_token`` (timm drops it on
    conversion) and registers as ``reg_token``."""
    return "reg_token" in sd or ("mask_token" not in sd and "pos_embed" in sd and "blocks.0.attn.qkv.weight" in sd)


def timm_to_official(sd: Mapping[str, torch.Tensor]) -> StateDict:
    """timm's DINOv2 layout to the official one.

    timm's register models are ``no_embed_class``: ``pos_embed`` holds only the patch grid and the class
    token's position was folded into ``cls_token``; a zero class position keeps the sum the same. The mask
    token (training only) comes back as zeros, as the official code initialises it.
    """
    out = dict(sd)
    if "reg_token" in out:
        out["register_tokens"] = out.pop("reg_token")
    pos = out.get("pos_embed")
    if pos is not None and pos.ndim == 3:
        n = pos.shape[1]
        if round(n**0.5) ** 2 == n:  # a bare square grid: no class position (no_embed_class)
            out["pos_embed"] = torch.cat([pos.new_zeros(1, 1, pos.shape[2]), pos], dim=1)
    if "cls_token" in out:
        out.setdefault("mask_token", out["cls_token"].new_zeros(1, out["cls_token"].shape[-1]))
    return out


# origin -> (recognises a raw state dict, converts it to official names); checked in order, official last.
ORIGINS = {
    "transformers": (is_hf_state_dict, hf_to_official),
    "timm": (is_timm_state_dict, timm_to_official),
    "official": (lambda sd: True, dict),
}


def read_dinov2_checkpoint(source: Source) -> tuple[StateDict, str]:
    """(official-named state dict, origin) from a ``.pth`` / ``.bin`` / ``.safetensors`` path or a dict;
    origin is ``official``, ``transformers`` or ``timm``."""
    sd = dict(source) if isinstance(source, Mapping) else _read_file(Path(source))
    origin, (_, convert) = next((o, fns) for o, fns in ORIGINS.items() if fns[0](sd))
    return convert(sd), origin


def load_dinov2_state_dict(source: Source) -> StateDict:
    """Official-named state dict from a ``.pth`` path, a ``.safetensors`` path, or an in-memory dict."""
    return read_dinov2_checkpoint(source)[0]


def infer_config(sd: Mapping[str, torch.Tensor], *, origin: str = "official") -> tuple[str, DinoV2Config]:
    """(variant, config) implied by an official-named state dict: width, depth, registers, pos-embed grid;
    the pos-embed is resampled the way ``origin``'s library does."""
    for key in ("cls_token", "pos_embed", "patch_embed.proj.weight"):
        if key not in sd:
            raise CheckpointError(f"cannot infer the DINOv2 config: key {key!r} is missing")
    depth = 1 + max((int(m.group(1)) for k in sd if (m := re.match(r"blocks\.(\d+)\.", k))), default=-1)
    if depth == 0:
        raise CheckpointError("cannot infer the DINOv2 config: no blocks.N.* keys (chunked checkpoints are not supported)")
    regs = sd["register_tokens"].shape[1] if "register_tokens" in sd else 0
    variant = "vits14-reg" if regs else "vits14"
    dim = sd["cls_token"].shape[-1]
    patch = sd["patch_embed.proj.weight"].shape[-1]
    n_pos = sd["pos_embed"].shape[1] - 1
    grid = round(n_pos**0.5)
    if grid * grid != n_pos:
        raise CheckpointError(f"pos_embed has {n_pos} patch positions, not a square grid")
    config = dataclasses.replace(
        VARIANTS[variant],
        embed_dim=dim,
        num_heads=dim // 64,  # every DINOv2 arch uses 64-wide heads
        depth=depth,
        patch_size=patch,
        img_size=grid * patch,
        num_register_tokens=regs,
        layerscale="blocks.0.ls1.gamma" in sd,
        # a distilled student projects into its teacher's feature space; its own key, so that a classifier
        # "head" (timm) stays an unexpected key
        out_dim=sd["student_proj.weight"].shape[0] if "student_proj.weight" in sd else 0,
    )
    return variant, with_pos_embed_resample(config, origin)


def load_dinov2(source: Source, *, config: DinoV2Config | None = None) -> DinoV2:
    """Build a DinoV2 (config inferred unless given, resampling the pos-embed as the file's library does),
    load ``source`` strictly, return it in eval mode."""
    name = "<state dict>" if isinstance(source, Mapping) else str(source)
    try:
        sd, origin = read_dinov2_checkpoint(source)
        if config is None:
            _, config = infer_config(sd, origin=origin)
    except CheckpointError as exc:  # name the file in every message
        if name in str(exc):
            raise
        raise CheckpointError(f"checkpoint {name}: {exc}") from None
    model = DinoV2(config=config)
    load_state_dict_strict(model, sd, source=name)
    return model.eval()
