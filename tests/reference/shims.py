"""Stand-ins for module-level imports of the official code that this environment cannot have.

``mobile_sam`` (PyPI ``mobilesam-mirror``, byte-identical to ChaoningZhang/MobileSAM) imports ``timm`` and
``torchvision``; ``clip`` (PyPI ``openai-clip``) imports ``torchvision`` and ``pkg_resources``. timm and
torchvision need a torchvision build matching our torch, which is not installable beside it, and
setuptools no longer ships ``pkg_resources``. Only these names are used on the reference path:

* ``timm.models.layers``: ``DropPath`` (never instantiated: MobileSAM builds TinyViT with
  ``drop_path_rate=0``), ``to_2tuple``, ``trunc_normal_`` (weight init only: timm's inverse-CDF
  sampler, restated below since torch 2.13's own draws other values from the same seed), and ``timm.models.registry.register_model`` (a registry decorator).
* ``torchvision.transforms.functional``: ``to_pil_image`` and ``resize`` as ``ResizeLongestSide``
  calls them on a uint8 HWC array, i.e. ``PIL.Image.fromarray`` and a PIL bilinear resize.
* ``torchvision.ops.boxes``, ``torchvision.transforms.Compose`` etc.: imported, never called here
  (the generators restate the two eval transforms with PIL, and the tests compare them with
  ``../shared/golden`` where it exists).
* ``pkg_resources.packaging``: the real ``packaging`` (``clip.tokenize`` compares torch versions).

The stand-ins live in ``sys.modules`` only while the official packages are imported.
"""
from __future__ import annotations

import collections.abc
import contextlib
import importlib
import math
import sys
import types

import packaging.version
import torch
from PIL import Image


def _to_2tuple(x):
    return tuple(x) if isinstance(x, collections.abc.Iterable) and not isinstance(x, str) else (x, x)


class _DropPath(torch.nn.Module):
    def __init__(self, drop_prob: float = 0.0, scale_by_keep: bool = True):
        super().__init__()
        if drop_prob:
            raise NotImplementedError("the reference stand-in only supports drop_prob=0 (eval)")
        self.drop_prob = drop_prob

    def forward(self, x):
        return x


def trunc_normal_(tensor, mean=0.0, std=1.0, a=-2.0, b=2.0):
    """timm's inverse-CDF truncated normal (torch >= 2.13's own ``trunc_normal_`` samples differently)."""
    def cdf(x):
        return (1.0 + math.erf(x / math.sqrt(2.0))) / 2.0

    with torch.no_grad():
        lo, hi = cdf((a - mean) / std), cdf((b - mean) / std)
        tensor.uniform_(2 * lo - 1, 2 * hi - 1).erfinv_().mul_(std * math.sqrt(2.0)).add_(mean).clamp_(min=a, max=b)
    return tensor


def _resize(img: Image.Image, size):
    h, w = size
    return img.resize((w, h), Image.BILINEAR)


def _not_here(*_a, **_k):
    raise NotImplementedError("torchvision.ops is not available to the reference code")


class _InterpolationMode:
    BICUBIC = Image.BICUBIC


def _modules() -> dict[str, types.ModuleType]:
    def mod(name, **attrs):
        m = types.ModuleType(name)
        m.__dict__.update(attrs)
        m.__path__ = []  # a package, so submodules resolve through sys.modules
        return m

    return {
        "timm": mod("timm"),
        "timm.models": mod("timm.models"),
        "timm.models.layers": mod("timm.models.layers", DropPath=_DropPath, to_2tuple=_to_2tuple,
                                  trunc_normal_=trunc_normal_),
        "timm.models.registry": mod("timm.models.registry", register_model=lambda fn: fn),
        "torchvision": mod("torchvision"),
        "torchvision.transforms": mod("torchvision.transforms", InterpolationMode=_InterpolationMode,
                                      **{n: _not_here for n in ("Compose", "Resize", "CenterCrop", "ToTensor",
                                                                "Normalize")}),
        "torchvision.transforms.functional": mod("torchvision.transforms.functional",
                                                 to_pil_image=Image.fromarray, resize=_resize),
        "torchvision.ops": mod("torchvision.ops"),
        "torchvision.ops.boxes": mod("torchvision.ops.boxes", batched_nms=_not_here, box_area=_not_here),
        "pkg_resources": mod("pkg_resources", packaging=packaging),
    }


@contextlib.contextmanager
def _stand_ins():
    fakes = _modules()
    saved = {name: sys.modules.get(name) for name in fakes}
    sys.modules.update(fakes)
    try:
        yield
    finally:
        for name, old in saved.items():
            if old is None:
                sys.modules.pop(name, None)
            else:
                sys.modules[name] = old


def import_official(package: str, *submodules: str):
    """An official reference package (``mobile_sam``, ``clip``) imported with the stand-ins above."""
    if package not in sys.modules:
        with _stand_ins():
            for name in (package, *(f"{package}.{s}" for s in submodules)):
                importlib.import_module(name)
    return sys.modules[package]
