"""SamPredictor: the official two-phase API (set_image, predict) over a bundle's encoder/decoder, plus a
state-free form (embed, predict(embedding, …)) for sharing one predictor between threads."""
from __future__ import annotations

import threading

import numpy as np

from ..bundle import Bundle
from ..errors import BundleError, InputError
from ..image import ImageLike, load_rgb
from .batch_plan import BatchPlan, plan_for, run_batched
from .batch_prompts import batched_feed, is_batched
from .embedding import ImageEmbedding
from .prompts import check_flag, decoder_feed
from .transforms import encoder_input
from .upscale import host_upscaled

MASK_THRESHOLD = 0.0


class SamPredictor:
    """Same semantics as segment-anything's ``SamPredictor`` (``multimask_output`` → ``multimask``).

    Thread safety: ``embed`` and ``predict(embedding, …)`` keep no state and may be called from any
    number of threads at once. ``set_image`` keeps its image per thread: ``predict`` without an
    embedding uses the image that the *calling* thread set last, never another thread's.

    ``engine`` overrides the manifest's engine; extra keyword options (``threads``, ``providers``,
    ``allow_fallback``) go to the engine's session.
    """

    def __init__(self, bundle: Bundle, *, engine: str | None = None, **options):
        from ..families import family_of
        from ..families.sam import SamFamily

        if not isinstance(family_of(bundle), SamFamily):  # the family registry says, not a name
            raise BundleError(f"SamPredictor needs a MobileSAM bundle; {bundle.root} holds {bundle.model}")
        self.bundle = bundle
        self.encoder = bundle.session("encoder", engine=engine, **options)
        self.decoder = bundle.session("decoder", engine=engine, **options)
        self._local = threading.local()

    @property
    def engine(self) -> str:
        """The engine (and provider) that actually runs the components."""
        return self.encoder.engine

    # --- state-free form -------------------------------------------------------------------------
    def embed(self, image: ImageLike) -> ImageEmbedding:
        """Encode an image (path, PIL image, or RGB uint8 HxWx3 array) into an immutable ImageEmbedding."""
        rgb = load_rgb(image)
        x, input_size = encoder_input(rgb)
        feats = self.encoder.run({"images": x})["image_embeddings"]
        feats.flags.writeable = False  # a fresh engine output: frozen in place, no copy
        return ImageEmbedding(features=feats, original_size=rgb.shape[:2], input_size=input_size)

    # --- the official stateful form, per thread ----------------------------------------------------
    def set_image(self, image: ImageLike) -> None:
        """Encode an image for this thread's next ``predict`` calls. On failure no image is set."""
        self._local.embedding = None
        self._local.embedding = self.embed(image)

    def reset_image(self) -> None:
        self._local.embedding = None

    @property
    def image_embedding(self) -> ImageEmbedding | None:
        """The embedding of the image this thread set, or None."""
        return getattr(self._local, "embedding", None)

    @property
    def is_image_set(self) -> bool:
        return self.image_embedding is not None

    @property
    def features(self) -> np.ndarray | None:
        emb = self.image_embedding
        return None if emb is None else emb.features

    @property
    def original_size(self) -> tuple[int, int] | None:
        emb = self.image_embedding
        return None if emb is None else emb.original_size

    @property
    def input_size(self) -> tuple[int, int] | None:
        emb = self.image_embedding
        return None if emb is None else emb.input_size

    # --- decoding ----------------------------------------------------------------------------------
    def predict(self, *args, **prompts):
        """``predict(embedding, points=…, labels=…, box=…, mask_input=…, multimask=True, return_logits=False)``,
        or without the embedding for the image this thread passed to ``set_image``.

        Returns (masks CxHxW bool, scores C, low_res_logits Cx256x256); C = 3 or 1.

        Batched (the official ``predict_torch`` semantics): ``box`` (K, 4) and/or ``points`` (K, N, 2) with
        ``labels`` (K, N), ``mask_input`` (K, 1, 256, 256) or None, return masks (K, C, H, W), scores
        (K, C) and low-res logits (K, C, 256, 256), decoded in as few decoder calls as the engine allows."""
        if args and isinstance(args[0], ImageEmbedding):
            embedding, args = args[0], args[1:]
        else:
            embedding = prompts.pop("embedding", None)
        if embedding is None:
            embedding = self.image_embedding
            if embedding is None:
                raise InputError("no image: call set_image(image) in this thread before predict(), "
                                 "or pass an embedding: predict(predictor.embed(image), points=…)")
        elif not isinstance(embedding, ImageEmbedding):
            raise InputError(f"embedding must be an ImageEmbedding from embed(), got {type(embedding).__name__}")
        return self._decode(embedding, *args, **prompts)

    def _decode(self, emb: ImageEmbedding, points=None, labels=None, box=None, mask_input=None,
                multimask: bool = True, return_logits: bool = False):
        multimask = check_flag(multimask, "multimask")
        return_logits = check_flag(return_logits, "return_logits")
        batched = is_batched(points, box)
        make = batched_feed if batched else decoder_feed
        feed = make(points=points, labels=labels, box=box, mask_input=mask_input, image_size=emb.original_size)
        feed["image_embeddings"] = emb.features
        # The decoder returns all four mask tokens: token 0 is the single-mask output, 1..3 the multimask ones.
        sel = slice(1, 4) if multimask else slice(0, 1)
        decoder, upscale = host_upscaled(self.decoder)
        engine_feed = feed if upscale is None else {k: feed[k] for k in decoder.input_names}
        if batched:
            out = run_batched(decoder, engine_feed, self.batch_plan(feed["point_coords"].shape[1]))
        else:
            out = decoder.run(engine_feed)
        # host-upscaled decoders: only the returned tokens are upscaled (3 of 4, or 1 of 4)
        logits = out["masks"][:, sel] if upscale is None else upscale(out["low_res_masks"][:, sel], feed["orig_im_size"])
        masks = logits if return_logits else logits > MASK_THRESHOLD
        iou, low = out["iou_predictions"][:, sel], out["low_res_masks"][:, sel]
        return (masks, iou, low) if batched else (masks[0], iou[0], low[0])

    def batch_plan(self, num_points: int) -> BatchPlan:
        """How this bundle's decoder takes prompt sets of ``num_points`` points (padding included)."""
        return plan_for(self.bundle.components["decoder"], self.bundle.engine_options("decoder"), self.decoder,
                        num_points)
