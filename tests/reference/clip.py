"""CLIP references from the official code (PyPI ``openai-clip``: ``clip.model.CLIP`` and ``clip.tokenize``)."""
from __future__ import annotations

import json

import numpy as np
import torch

from . import photos
from .shims import import_official
from .weights import perturbed_state_dict

CONFIG = {"embed_dim": 128, "image_resolution": 224, "vision_layers": 2, "vision_width": 128, "vision_patch_size": 32,
          "context_length": 77, "vocab_size": 49408, "transformer_width": 128, "transformer_heads": 2,
          "transformer_layers": 2}
VIT_B_32 = {"embed_dim": 512, "image_resolution": 224, "vision_layers": 12, "vision_width": 768,
            "vision_patch_size": 32, "context_length": 77, "vocab_size": 49408, "transformer_width": 512,
            "transformer_heads": 8, "transformer_layers": 12}
TEXTS = ["a photo of a cat", "a diagram", "a dog", "Hello, World! 123 &amp; café naïve",
         "  multiple   spaces\tand\nnewlines ", "emoji 🐱 and 日本語 text", "AAAAAAAAAA " + "word " * 100]


def official():
    return import_official("clip")


def build(state_dict=None, config=CONFIG):
    torch.manual_seed(7)
    model = official().model.CLIP(**config).eval()
    model.load_state_dict(perturbed_state_dict(model) if state_dict is None else state_dict, strict=True)
    return model


def inputs() -> dict[str, np.ndarray]:
    image = photos.chelsea()
    return {"image": image, "pixel_values": photos.eval_transform(image, resize=224, crop=224, mean_std=photos.CLIP),
            "texts": np.array(TEXTS), "tokens": official().tokenize(TEXTS, truncate=True).numpy()}


@torch.no_grad()
def outputs(model, inp: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    image, tokens = torch.from_numpy(inp["pixel_values"]), torch.from_numpy(inp["tokens"])
    logits, _ = model(image, tokens)
    return dict(inp) | {"image_embeds": model.encode_image(image).numpy(), "text_embeds": model.encode_text(tokens).numpy(),
                        "logits_per_image": logits.numpy(), "config": np.array(json.dumps(CONFIG))}


def write(folder) -> None:
    model = build()
    torch.save(model.state_dict(), folder / "clip.pt")
    np.savez_compressed(folder / "clip.npz", **outputs(model, inputs()))


def key_dump() -> str:
    from .weights import key_dump as dump
    with torch.device("meta"):
        return dump(official().model.CLIP(**VIT_B_32).state_dict())
