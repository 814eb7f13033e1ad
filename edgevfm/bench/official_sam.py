"""The official MobileSAM image encoder (TinyViT from a MobileSAM checkout the user points at), with
the weights of our loaded model, so a benchmark can show what a savvy user gets from a plain export
of the *official* code: the ``official-mobilesam`` contender kind. Nothing of the official code is
vendored: a suite names a clone of https://github.com/ChaoningZhang/MobileSAM (the repository root
or its ``mobile_sam`` folder) in the contender's ``src`` option.

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

from edgevfm_runtime.errors import EdgeVFMError


class OfficialSourceMissing(EdgeVFMError):
    """The official-code contender was asked for without a MobileSAM clone to load it from."""

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


def tiny_vit_file(src: str | Path | None) -> Path:
    if src:
        src = Path(src)
        for cand in (src / "mobile_sam/modeling/tiny_vit_sam.py", src / "modeling/tiny_vit_sam.py", src):
            if cand.is_file():
                return cand
    raise OfficialSourceMissing(f"{src or '(not set)'}: no mobile_sam/modeling/tiny_vit_sam.py; the official-mobilesam "
                                "contender needs a MobileSAM clone (its `src` option, e.g. ${MOBILESAM_SRC})")


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


def official_files(bundle: str, options: dict) -> tuple[dict[str, str], dict]:
    """Model files for the official-code contender: the official encoder exported the plain way (and,
    with ``quantize: nncf-int8``, quantized as a savvy user would), the decoder our plain export (the
    official repository has no other decoder to export). Cached in ``options["workdir"]``."""
    import hashlib
    import json

    from edgevfm_runtime import open as open_bundle

    from .baselines import _plain_files, nncf_calibration, plain_export, savvy_nncf_int8

    tiny_vit = tiny_vit_file(options.get("src"))
    b = open_bundle(bundle)
    weights = options.get("weights")
    out = Path(options.get("workdir") or "official-mobilesam") / f"official-mobilesam-{b.root.name}"
    stamp = {"tiny_vit_sha256": hashlib.sha256(tiny_vit.read_bytes()).hexdigest(),
             "manifest_sha256": hashlib.sha256((b.root / "manifest.json").read_bytes()).hexdigest(), "weights": weights}
    _, files, exporters = _plain_files(bundle, out.parent, weights)
    onnx_path, stamp_path = out / "encoder.onnx", out / "stamp.json"
    if not (onnx_path.is_file() and stamp_path.is_file() and json.loads(stamp_path.read_text()) == stamp):
        from ..check.torch_model import load_torch_model

        out.mkdir(parents=True, exist_ok=True)
        model = load_torch_model(b.manifest, weights=weights).model
        exporters["encoder"] = "official TinyViT, " + plain_export(official_component(tiny_vit, model), onnx_path)
        stamp_path.write_text(json.dumps({**stamp, "exporter": exporters["encoder"]}))
    exporters["encoder"] = json.loads(stamp_path.read_text())["exporter"]
    files["encoder"] = str(onnx_path)
    info = {"exporter": exporters, "official_source": str(tiny_vit)}
    if options.get("quantize") == "nncf-int8":
        xml = out / "encoder-nncf-int8.xml"
        photos, inputs = nncf_calibration(b)
        if not xml.is_file():
            savvy_nncf_int8(onnx_path, xml, inputs)
        files["encoder"] = str(xml)
        info["calibration"] = photos.names
    elif options.get("quantize"):
        from edgevfm_runtime.errors import InputError

        raise InputError(f"official-mobilesam: quantize {options['quantize']!r} is not one of: nncf-int8")
    return files, info
