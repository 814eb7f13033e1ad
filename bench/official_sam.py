"""The official MobileSAM image encoder (TinyViT from a MobileSAM checkout the user points at), with
the weights of our loaded model, so a benchmark can show what a savvy user gets from a plain export
of the *official* code. Nothing of the official code is vendored: pass ``--official-src`` a clone of
https://github.com/ChaoningZhang/MobileSAM (the repository root or its ``mobile_sam`` folder).

Only ``mobile_sam/modeling/tiny_vit_sam.py`` is loaded (the package ``__init__`` pulls in torchvision,
which does not install beside torch 2.13). It imports three timm helpers; timm does not install here
either, so a stand-in module provides them: at inference they are an identity ``DropPath``, a
2-tuple helper and an initialiser that the loaded weights overwrite anyway."""
from __future__ import annotations

import importlib.util
import sys
import types
from pathlib import Path

import torch
from torch import nn

# MobileSAM's TinyViT-5M configuration (mobile_sam/build_sam.py).
TINYVIT_SAM = dict(img_size=1024, in_chans=3, num_classes=1000, embed_dims=[64, 128, 160, 320], depths=[2, 2, 6, 2],
                   num_heads=[2, 4, 5, 10], window_sizes=[7, 7, 14, 7], mlp_ratio=4.0, drop_rate=0.0,
                   drop_path_rate=0.0, use_checkpoint=False, mbconv_expand_ratio=4.0, local_conv_size=3,
                   layer_lr_decay=0.8)


class _DropPath(nn.Module):
    def __init__(self, drop_prob=None):
        super().__init__()
        self.drop_prob = drop_prob

    def forward(self, x):
        return x


def _timm_stand_in() -> dict[str, types.ModuleType]:
    timm, models, layers, registry = (types.ModuleType(n) for n in
                                      ("timm", "timm.models", "timm.models.layers", "timm.models.registry"))
    layers.DropPath = _DropPath
    layers.to_2tuple = lambda x: tuple(x) if isinstance(x, (tuple, list)) else (x, x)
    layers.trunc_normal_ = lambda t, std=1.0, **_: nn.init.normal_(t, std=std)
    registry.register_model = lambda fn: fn
    timm.models, models.layers, models.registry = models, layers, registry
    return {m.__name__: m for m in (timm, models, layers, registry)}


def tiny_vit_file(src: str | Path) -> Path:
    src = Path(src)
    for cand in (src / "mobile_sam/modeling/tiny_vit_sam.py", src / "modeling/tiny_vit_sam.py", src):
        if cand.is_file():
            return cand
    raise FileNotFoundError(f"{src}: no mobile_sam/modeling/tiny_vit_sam.py (pass a MobileSAM clone)")


def official_encoder(src: str | Path, our_model) -> nn.Module:
    """TinyViT built by the official code, holding our model's (i.e. the checkpoint's) encoder weights."""
    path = tiny_vit_file(src)
    saved = {k: sys.modules.get(k) for k in _timm_stand_in()}
    try:
        if importlib.util.find_spec("timm") is None:
            sys.modules.update(_timm_stand_in())
        spec = importlib.util.spec_from_file_location("official_tiny_vit_sam", path)
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
    finally:
        for k, v in saved.items():
            if v is None:
                sys.modules.pop(k, None)
            else:
                sys.modules[k] = v
    enc = mod.TinyViT(**TINYVIT_SAM)
    state = {k: v for k, v in our_model.image_encoder.state_dict().items()}
    own = enc.state_dict()
    missing = sorted(set(own) - set(state))
    unexpected = sorted(set(state) - set(own))
    if missing or unexpected:
        raise ValueError(f"official TinyViT and our encoder disagree on keys: missing {missing[:5]}, "
                         f"unexpected {unexpected[:5]}")
    enc.load_state_dict(state, strict=True)
    return enc.eval()  # eval() after loading: the official Attention caches its bias table in train(False)


def official_component(src: str | Path, our_model):
    """The official encoder as a toolkit component (same IO names as our encoder) for ``plain_export``."""
    from edgevfm.models.spec import Component, TensorSpec

    enc = official_encoder(src, our_model)
    return Component("encoder", enc, (torch.zeros(1, 3, 1024, 1024),),
                     [TensorSpec("images", "float32", (1, 3, 1024, 1024), "NCHW")],
                     [TensorSpec("image_embeddings", "float32", (1, 256, 64, 64))])
