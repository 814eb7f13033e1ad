"""The toy family as the toolkit sees it: variants, weights (random only), components, pre-processing.
Its golden data comes from the base class: the runtime family's case set run by these torch modules."""
from __future__ import annotations

from pathlib import Path

import torch

from edgevfm.models import Component, ModelFamily, TensorSpec, register_model
from edgevfm.weights import WeightSource
from edgevfm_runtime.preprocess_steps import run_steps, step

from .model import DIM, LABELS, SIZE, ToyModel


@register_model
class ToyFamily(ModelFamily):
    name = "toy"
    family = "toy"  # the runtime family (tests/toyfamily/toy/runtime_family.py)
    variants = ("tiny",)
    default_variant = "tiny"
    license = "MIT"
    source = "tests/toyfamily"
    summary = "a two-component toy model that lives only in the tests"
    recipe_keys = {"toy": {"labels": int}}  # a key only this family reads
    recipes_path = Path(__file__).resolve().parent / "recipes"

    def build(self, variant: str):
        return ToyModel()

    def weight_source(self, variant: str) -> WeightSource:
        return WeightSource(filename="toy.pt", unavailable="the toy family only has random weights (--weights random)")

    def components(self, model, variant: str, recipe: dict) -> list[Component]:
        return [
            Component("encoder", model.encoder.eval(), (torch.zeros(1, 3, SIZE, SIZE),),
                      [TensorSpec("pixels", "float32", (1, 3, SIZE, SIZE), "NCHW")],
                      [TensorSpec("embedding", "float32", (1, DIM)),
                       TensorSpec("feature_map", "float32", (1, DIM, SIZE // 8, SIZE // 8), "NCHW")]),
            Component("head", model.head.eval(), (torch.zeros(1, DIM),),
                      [TensorSpec("embedding", "float32", (1, DIM))], [TensorSpec("logits", "float32", (1, LABELS))]),
        ]

    def preprocess(self, variant: str, recipe: dict) -> dict:
        return {"kind": "toy", "color": "RGB", "input": "pixels", "input_size": [SIZE, SIZE],
                "steps": [step("resize", size=[SIZE, SIZE], interpolation="bilinear"),
                          step("normalize", divide=255.0, mean=[0.0, 0.0, 0.0], std=[1.0, 1.0, 1.0])]}

    def calibration_feeds(self, model, images, recipe: dict, *, progress=None) -> dict:
        """The encoder on the runtime's pixels, the head on the encoder's embeddings of them."""
        spec = self.preprocess("", recipe)
        feeds: dict[str, list[dict]] = {"encoder": [], "head": []}
        for rgb in images:
            pixels = run_steps(rgb, spec["steps"])
            with torch.no_grad():
                embedding = model.encoder(torch.from_numpy(pixels))[0].numpy()
            feeds["encoder"].append({"pixels": pixels})
            feeds["head"].append({"embedding": embedding})
            if progress:
                progress()
        return feeds
