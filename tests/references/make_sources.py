"""Write the library-made checkpoints and their outputs that tests/models/*/test_*_sources.py check.

timm and open_clip need torchvision, which has no build for the toolkit's CPU torch 2.13; so this runs in
a separate reference environment, never in the main suite:

    python3.11 -m venv /work/refenv
    /work/refenv/bin/pip install torch==2.14.1 torchvision==0.29.1 timm==1.0.31 open_clip_torch==3.3.0
    /work/refenv/bin/python tests/references/make_sources.py tests/data/sources

Each model is small (depth 2, width 64) with seeded random weights, saved in the library's own file format
(timm: a state dict as safetensors / torch.save, at the released 518² grid; open_clip: the flat state dict of
``open_clip_pytorch_model.bin``); next to it an ``.npz`` holds the float16-exact inputs and the library's own
float32 outputs on them. transformers is in the main environment, so its tests build and run it live.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import torch

# 224² and a non-square size, as (H, W); both resample the 37² grid.
DINOV2_SIZES = ((224, 224), (182, 308))
TINY = dict(depth=2, embed_dim=64, num_heads=1)


@torch.no_grad()
def randomize_(model: torch.nn.Module, seed: int) -> None:
    """Seeded weights with realistic scales and nothing negligible (timm initialises LayerScale at 1e-5)."""
    g = torch.Generator().manual_seed(seed)
    for name, p in model.named_parameters():
        noise = torch.randn(p.shape, generator=g)
        leaf = name.rsplit(".", 1)[-1]
        if leaf in ("gamma", "lambda1") or (p.ndim == 1 and "norm" in name and leaf == "weight"):
            p.copy_(1 + 0.2 * noise)
        elif "pos" in name or leaf in ("cls_token", "reg_token", "class_embedding"):
            p.copy_(noise)  # large, so how the pos-embed is resampled shows in the outputs
        elif leaf == "logit_scale":
            continue
        else:
            p.copy_(noise * (0.5 / max(1, p.shape[-1]) ** 0.5 if p.ndim > 1 else 0.05))


def half_exact(*shape: int, seed: int) -> torch.Tensor:
    return torch.randn(*shape, generator=torch.Generator().manual_seed(seed)).half().float()


def _key(size) -> str:
    return f"{size[0]}x{size[1]}"


@torch.no_grad()
def timm_dinov2(out: Path, arch: str, stem: str, seed: int, fmt: str) -> dict:
    import timm

    model = timm.create_model(arch, pretrained=False, dynamic_img_size=True, **TINY).eval()
    randomize_(model, seed)
    path = out / f"{stem}.{fmt}"
    sd = {k: v.contiguous() for k, v in model.state_dict().items()}
    if fmt == "safetensors":
        from safetensors.torch import save_file

        save_file(sd, str(path))
    else:
        torch.save(sd, path)
    r = model.num_reg_tokens
    data = {}
    for i, size in enumerate(DINOV2_SIZES):
        x = half_exact(1, 3, *size, seed=seed + 1 + i)
        tokens = model.forward_features(x)  # final norm applied; [cls, registers, patches]
        k = _key(size)
        data[f"pixel_values@{k}"] = x.half().numpy()  # float16-exact: stored as float16
        data[f"cls_token@{k}"] = tokens[:, 0].numpy()
        data[f"patch_tokens@{k}"] = tokens[:, 1 + r:].numpy()
        if r:
            data[f"register_tokens@{k}"] = tokens[:, 1:1 + r].numpy()
    # The other way timm users get 224²: a fixed-size model whose checkpoint filter resamples the grid on load.
    fixed = timm.create_model(arch, pretrained=True, pretrained_cfg_overlay=dict(file=str(path)), img_size=224,
                              **TINY).eval()
    same = float((fixed.forward_features(torch.from_numpy(data["pixel_values@224x224"]).float())[:, 0]
                  - torch.from_numpy(data["cls_token@224x224"])).abs().max())
    assert same == 0.0, f"timm's img_size=224 load differs from dynamic_img_size by {same}"
    np.savez(out / f"{stem}.npz", **data)
    return {"file": path.name, "library": f"timm {timm.__version__}", "arch": arch, "sizes": DINOV2_SIZES}


@torch.no_grad()
def open_clip_model(out: Path, seed: int) -> dict:
    import open_clip
    from open_clip.model import CLIP, CLIPTextCfg, CLIPVisionCfg

    model = CLIP(embed_dim=64,
                 vision_cfg=CLIPVisionCfg(layers=2, width=64, head_width=64, patch_size=32, image_size=224),
                 text_cfg=CLIPTextCfg(context_length=77, vocab_size=1000, width=64, heads=1, layers=2),
                 quick_gelu=False).eval()
    randomize_(model, seed)
    path = out / "open_clip_pytorch_model.bin"
    torch.save(model.state_dict(), path)
    x = half_exact(1, 3, 224, 224, seed=seed + 1)
    g = torch.Generator().manual_seed(seed + 2)
    ids = torch.zeros(3, 77, dtype=torch.long)
    for row, n in enumerate((5, 12, 75)):  # SOT-like 998, words, EOT 999 (the largest id, as in CLIP's vocab)
        ids[row, 0], ids[row, 1:1 + n], ids[row, 1 + n] = 998, torch.randint(1, 998, (n,), generator=g), 999
    np.savez(out / "open_clip.npz", pixel_values=x.half().numpy(), image_embeds=model.encode_image(x).numpy(),
             input_ids=ids.numpy().astype(np.int32), text_embeds=model.encode_text(ids).numpy())
    return {"file": path.name, "library": f"open_clip {open_clip.__version__}", "activation": "gelu"}


def main(out: str) -> None:
    import torchvision

    dest = Path(out)
    dest.mkdir(parents=True, exist_ok=True)
    made = {
        "timm_dinov2": timm_dinov2(dest, "vit_small_patch14_dinov2", "timm_vit_small_patch14_dinov2", 10,
                                   "safetensors"),
        "timm_dinov2_reg4": timm_dinov2(dest, "vit_small_patch14_reg4_dinov2",
                                        "timm_vit_small_patch14_reg4_dinov2", 20, "pth"),
        "open_clip": open_clip_model(dest, 30),
    }
    made["environment"] = {"torch": torch.__version__, "torchvision": torchvision.__version__,
                           "python": sys.version.split()[0]}
    (dest / "sources.json").write_text(json.dumps(made, indent=2) + "\n")
    for f in sorted(dest.iterdir()):
        print(f"{f.stat().st_size / 1e6:6.2f} MB  {f}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else str(Path(__file__).resolve().parents[1] / "data" / "sources"))
