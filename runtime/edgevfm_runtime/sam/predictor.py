"""SamPredictor: the official two-phase API (set_image, predict) over a bundle's encoder/decoder."""
from __future__ import annotations

import numpy as np

from ..bundle import Bundle
from ..errors import BundleError, InputError
from ..image import ImageLike, load_rgb
from .prompts import decoder_feed
from .transforms import encoder_input

MASK_THRESHOLD = 0.0


class SamPredictor:
    """Same semantics as segment-anything's ``SamPredictor`` (``multimask_output`` → ``multimask``).

    ``engine`` overrides the manifest's engine; extra keyword options (``threads``, ``providers``,
    ``allow_fallback``) go to the engine's session.
    """

    def __init__(self, bundle: Bundle, *, engine: str | None = None, **options):
        if bundle.manifest["model"]["family"] != "mobilesam":
            raise BundleError(f"SamPredictor needs a MobileSAM bundle; {bundle.root} holds {bundle.model}")
        self.bundle = bundle
        self.encoder = bundle.session("encoder", engine=engine, **options)
        self.decoder = bundle.session("decoder", engine=engine, **options)
        self.reset_image()

    @property
    def engine(self) -> str:
        """The engine (and provider) that actually runs the components."""
        return self.encoder.engine

    def reset_image(self) -> None:
        self.features = None
        self.original_size = None
        self.input_size = None

    def set_image(self, image: ImageLike) -> None:
        """Encode an RGB image (HxWx3 uint8 array or a file path)."""
        rgb = load_rgb(image)
        x, self.input_size = encoder_input(rgb)
        self.original_size = rgb.shape[:2]
        self.features = self.encoder.run({"images": x})["image_embeddings"]

    def predict(self, points=None, labels=None, box=None, mask_input=None, multimask: bool = True,
                return_logits: bool = False):
        """Return (masks CxHxW bool, scores C, low_res_logits Cx256x256); C = 3 or 1."""
        if self.features is None:
            raise InputError("call set_image() before predict()")
        feed = decoder_feed(points=points, labels=labels, box=box, mask_input=mask_input,
                            image_size=self.original_size)
        feed["image_embeddings"] = self.features
        out = self.decoder.run(feed)
        # The decoder returns all four mask tokens: token 0 is the single-mask output, 1..3 the multimask ones.
        sel = slice(1, 4) if multimask else slice(0, 1)
        logits = out["masks"][0, sel]
        masks = logits if return_logits else logits > MASK_THRESHOLD
        return masks, out["iou_predictions"][0, sel], out["low_res_masks"][0, sel]
