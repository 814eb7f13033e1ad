"""Fixed-resolution export wrapper for DINOv2 (tuple outputs, no resize in the graph)."""
from __future__ import annotations

import copy
from typing import Sequence

import torch
from torch import nn

from .config import DinoV2Config
from .model import DinoV2, LayerScale


def _check_layers(config: DinoV2Config, layers: Sequence[int]) -> tuple[int, ...]:
    bad = [i for i in layers if not 0 <= i < config.depth]
    if bad:
        raise ValueError(f"intermediate layers {bad} out of range 0..{config.depth - 1}")
    if len(set(layers)) != len(layers):
        raise ValueError(f"duplicate intermediate layers in {tuple(layers)}")
    return tuple(sorted(layers))


def output_names(
    config: DinoV2Config, intermediate_layers: Sequence[int] = (), *, image_size: tuple[int, int] | None = None,
    prenorm: bool = False,
) -> dict[str, tuple]:
    """Output name -> shape, in graph order. Patch counts are symbolic unless ``image_size`` is given."""
    d, r = config.feature_dim, config.num_register_tokens
    n = "num_patches" if image_size is None else (image_size[0] // config.patch_size) * (image_size[1] // config.patch_size)
    names: dict[str, tuple] = {"cls_token": (1, d), "patch_tokens": (1, n, d)}
    if r:
        names["register_tokens"] = (1, r, d)
    for i in _check_layers(config, intermediate_layers):
        names[f"inter{i}_patch"] = (1, n, d)
        names[f"inter{i}_cls"] = (1, d)
    if prenorm:
        names["x_prenorm"] = (1, n if isinstance(n, str) else 1 + r + n, config.embed_dim)
    return names


@torch.no_grad()
def fold_layerscale_(model: DinoV2) -> DinoV2:
    """Fold each ``ls{1,2}.gamma`` into ``attn.proj`` / ``mlp.fc2`` (gamma·(Wx+b) = (gamma·W)x + gamma·b), in place."""
    for blk in model.blocks:
        for ls_name, linear in (("ls1", blk.attn.proj), ("ls2", blk.mlp.fc2)):
            ls = getattr(blk, ls_name)
            if isinstance(ls, LayerScale):
                linear.weight.mul_(ls.gamma[:, None])
                linear.bias.mul_(ls.gamma)
                setattr(blk, ls_name, nn.Identity())
    return model


class DinoV2Export(nn.Module):
    """``pixel_values`` (1,3,H,W) -> cls_token, patch_tokens[, register_tokens][, inter{i}_patch, inter{i}_cls]
    [, x_prenorm (all tokens before the final norm)].

    Works on a private copy of ``model``, so the caller's model is untouched. ``fold_layerscale`` removes the
    24 per-channel Muls (equal up to float rounding, ~1e-6); off by default as ORT CPU shows no gain.
    Intermediate outputs are normalised with the final norm, like ``get_intermediate_layers(norm=True)``.
    """

    def __init__(self, model: DinoV2, *, intermediate_layers: Sequence[int] = (), fold_layerscale: bool = False,
                 prenorm: bool = False):
        super().__init__()
        self.layers = _check_layers(model.config, intermediate_layers)
        self.prenorm = prenorm
        self.model = copy.deepcopy(model).eval()
        if fold_layerscale:
            fold_layerscale_(self.model)
        self.output_names = tuple(output_names(model.config, self.layers, prenorm=prenorm))

    def set_export_resolution(self, h: int, w: int) -> None:
        self.model.set_export_resolution(h, w)

    def forward(self, pixel_values: torch.Tensor) -> tuple[torch.Tensor, ...]:
        m = self.model
        r = m.num_register_tokens
        prenorm, inters = m.forward_tokens(pixel_values, layers=self.layers)
        tokens = m.normed(prenorm)
        outs = [tokens[:, 0], tokens[:, 1 + r :]]
        if r:
            outs.append(tokens[:, 1 : 1 + r])
        for t in inters:
            t = m.normed(t)
            outs += [t[:, 1 + r :], t[:, 0]]
        if self.prenorm:
            outs.append(prenorm)
        return tuple(outs)
