"""Embedders for DINOv2 and CLIP bundles: image and text embeddings, dense patch features,
and CLIP zero-shot classification."""
from __future__ import annotations

from typing import Iterable, Sequence

import numpy as np

from .bundle import Bundle
from .errors import BundleError, InputError
from .image import ImageLike, load_rgb
from .families import FAMILIES, RuntimeFamily, family_of


def _require(bundle: Bundle, output: str, what: str) -> RuntimeFamily:
    """The bundle's family, if it declares ``output`` (e.g. ``image_output``)."""
    family = family_of(bundle)
    if getattr(family, output) is None:
        able = [n for n, f in FAMILIES.items() if getattr(f, output) is not None]
        raise BundleError(f"{what} needs a {' or '.join(able)} bundle; {bundle.root} holds {family.name}")
    return family


def _l2(x: np.ndarray) -> np.ndarray:
    return x / np.linalg.norm(x, axis=-1, keepdims=True)


def _as_list(images) -> list:
    if isinstance(images, np.ndarray) and images.ndim == 4:
        return list(images)
    if isinstance(images, (list, tuple)):
        return list(images)
    return [images]


class ImageEmbedder:
    """CLIP ``encode_image`` or DINOv2 ``x_norm_clstoken`` for one image or a list: (N, E).
    ``normalize=True`` L2-normalises (what CLIP's logits and cosine search use)."""

    def __init__(self, bundle: Bundle, *, engine: str | None = None, **options):
        self.family = _require(bundle, "image_output", "ImageEmbedder")
        self.bundle = bundle
        self.session = bundle.session("encoder", engine=engine, **options)

    @property
    def engine(self) -> str:
        return self.session.engine

    def __call__(self, images: ImageLike | Iterable[ImageLike], *, normalize: bool = False) -> np.ndarray:
        out = []
        for img in _as_list(images):
            x = self.family.preprocess(load_rgb(img), self.bundle.preprocess)
            out.append(self.session.run({self.session.input_names[0]: x})[self.family.image_output])
        emb = np.concatenate(out, axis=0)
        return _l2(emb) if normalize else emb


class TextEmbedder:
    """CLIP ``encode_text`` for a string or a list of strings: (N, E)."""

    def __init__(self, bundle: Bundle, *, engine: str | None = None, **options):
        self.output = _require(bundle, "text_output", "TextEmbedder").text_output
        from .models.clip_tokenizer import ClipTokenizer

        self.bundle = bundle
        self.session = bundle.session("text", engine=engine, **options)
        self.tokenizer = ClipTokenizer()
        self.context_length = int(bundle.preprocess.get("context_length", 77))

    def __call__(self, texts: str | Iterable[str], *, normalize: bool = False) -> np.ndarray:
        ids = self.tokenizer(texts, context_length=self.context_length)
        if len(ids) == 0:
            raise InputError("TextEmbedder needs at least one text")
        emb = np.concatenate([self.session.run({"input_ids": row[None]})[self.output] for row in ids], axis=0)
        return _l2(emb) if normalize else emb


class DenseFeatures:
    """DINOv2 patch features of one image at the bundle's export resolution: (H/14, W/14, C)."""

    def __init__(self, bundle: Bundle, *, engine: str | None = None, **options):
        self.family = _require(bundle, "dense_output", "DenseFeatures")
        self.bundle = bundle
        self.session = bundle.session("encoder", engine=engine, **options)

    def __call__(self, image: ImageLike) -> np.ndarray:
        spec = self.bundle.preprocess
        x = self.family.preprocess(load_rgb(image), spec, dense=True)
        patches = self.session.run({self.session.input_names[0]: x})[self.family.dense_output][0]
        h, w = (s // int(spec.get("patch_size", 14)) for s in spec["input_size"])
        return patches.reshape(h, w, -1)


def classify(bundle: Bundle, image: ImageLike, labels: Sequence[str], *, template: str = "a photo of a {}.",
             **options) -> dict[str, float]:
    """CLIP zero-shot: probability of each label (softmax of exp(logit_scale)·cosine), in label order."""
    if not labels:
        raise InputError("classify needs at least one label")
    img = ImageEmbedder(bundle, **options)(image, normalize=True)
    txt = TextEmbedder(bundle, **options)([template.format(l) if "{}" in template else l for l in labels],
                                          normalize=True)
    scale = float(np.exp(bundle.postprocess["logit_scale"]))
    logits = scale * img @ txt.T
    p = np.exp(logits - logits.max(axis=-1, keepdims=True))
    p /= p.sum(axis=-1, keepdims=True)
    return dict(zip(labels, p[0].tolist()))
