"""Run a bundle on reference inputs and write its outputs in the golden layout (see ``golden.py``).

``replay`` reuses the inputs of an existing reference (its photos and prompts); ``record`` builds
the inputs from new photos with the family's fixed case set (SAM: the prompt set, with mask
feedback). Either result is a reference another bundle can be checked against, on any machine.
Anything with ``manifest``, ``preprocess``, ``components`` and ``session(name)`` can be run
(a :class:`~edgevfm_runtime.Bundle`, or a stand-in holding other sessions).
"""
from __future__ import annotations

from typing import Callable, Mapping

import numpy as np

from . import golden as G
from .errors import InputError
from .preprocess import preprocess

# family -> {(component, input): (source component, source output)}: how components chain.
PIPELINES: dict[str, dict[tuple[str, str], tuple[str, str]]] = {
    "mobilesam": {("decoder", "image_embeddings"): ("encoder", "image_embeddings")},
}


def component_feed(bundle, comp: str, io: dict, upstream: Mapping[str, np.ndarray] | None = None) -> dict:
    """The feed of one case: stored inputs, the image input rebuilt with the runtime's own
    preprocessing, and chained inputs taken from ``upstream`` (source output name -> array)."""
    feed = dict(io["in"])
    if "image" in io["src"]:
        first_input = bundle.components[comp]["inputs"][0]["name"]
        feed[first_input] = preprocess(io["src"]["image"], bundle.preprocess)
    for (c, inp), (_src, src_out) in PIPELINES.get(bundle.manifest["model"]["family"], {}).items():
        if c == comp and upstream is not None:
            feed[inp] = upstream[src_out]
    return feed


def store_outputs(out: dict, comp: str, case: str, got: Mapping[str, np.ndarray], like: Mapping | None) -> None:
    """Write ``got`` under ``comp/case/out``, in the same form as ``like`` (the reference's outputs):
    a ``*_bits`` entry there means the thresholded mask is stored bit-packed."""
    names = [k for k in like if not k.endswith("_bits_shape")] if like else list(got)
    for name in names:
        if name.endswith("_bits"):
            bits, shape = G.pack_mask(got[name[: -len("_bits")]] > 0)
            out[G.key(comp, case, "out", name)] = bits
            out[G.key(comp, case, "out", name + "_shape")] = shape
        else:
            out[G.key(comp, case, "out", name)] = np.asarray(got[name])


def _copy_inputs(out: dict, comp: str, case: str, io: dict) -> None:
    for d in ("src", "in"):
        for k, v in io[d].items():
            out[G.key(comp, case, d, k)] = v


def replay(bundle, reference: Mapping[str, np.ndarray], *, sessions: dict | None = None,
           **session_options) -> dict[str, np.ndarray]:
    """``bundle``'s own outputs, end to end (chained inputs from its own upstream outputs), on the
    inputs of ``reference`` (golden layout)."""
    cases = G.parse(reference)
    sessions = sessions or {c: bundle.session(c, **session_options) for c in bundle.components if c in cases}
    chain = PIPELINES.get(bundle.manifest["model"]["family"], {})
    sources = {src for (_c, _i), (src, _o) in chain.items()}
    order = sorted(cases, key=lambda c: c not in sources)  # upstream components first
    out: dict[str, np.ndarray] = {}
    produced: dict[tuple[str, str], dict] = {}
    for comp in order:
        if comp not in sessions:
            continue
        sess = sessions[comp]
        src = next((s for (c, _i), (s, _o) in chain.items() if c == comp), None)
        for case, io in cases[comp].items():
            upstream = produced.get((src, case.split(".")[0])) if src else None
            feed = component_feed(bundle, comp, io, upstream)
            got = sess.run({k: feed[k] for k in sess.input_names})
            produced[(comp, case)] = got
            _copy_inputs(out, comp, case, io)
            store_outputs(out, comp, case, got, io["out"])
    return out


# family -> builder(images, run, base) -> golden layout; ``run(component, feed)`` returns outputs.
RECORDERS: dict[str, Callable] = {}


def register_recorder(family: str):
    def deco(fn):
        RECORDERS[family] = fn
        return fn
    return deco


def record(bundle, images: list[np.ndarray], *, base: Mapping[str, np.ndarray] | None = None,
           **session_options) -> dict[str, np.ndarray]:
    """A reference on new photos made by ``bundle`` (golden layout). Cases that do not come from a
    photo (CLIP's text prompts) are taken from ``base`` (default: the bundle's golden.npz)."""
    family = bundle.manifest["model"]["family"]
    if family not in RECORDERS:
        raise InputError(f"no case builder for model family {family!r} (knows: {', '.join(RECORDERS)})")
    sessions = {c: bundle.session(c, **session_options) for c in bundle.components}

    def run(comp: str, feed: dict) -> dict:
        sess = sessions[comp]
        return sess.run({k: feed[k] for k in sess.input_names})

    base = base if base is not None else getattr(bundle, "golden", {})
    return RECORDERS[family](bundle, images, run, base)


@register_recorder("mobilesam")
def _record_sam(bundle, images, run, base) -> dict:
    # The same cases as the toolkit's golden builder (prompt set + mask feedback); the device has no torch.
    from .sam.prompt_set import prompt_set
    from .sam.prompts import decoder_feed

    out: dict[str, np.ndarray] = {}
    for i, rgb in enumerate(images):
        case = str(i)
        enc_io = {"src": {"image": rgb}, "in": {}, "out": {}}
        emb = run("encoder", component_feed(bundle, "encoder", enc_io))
        _copy_inputs(out, "encoder", case, enc_io)
        store_outputs(out, "encoder", case, emb, None)
        h, w = rgb.shape[:2]
        like = {"iou_predictions": 0, "low_res_masks": 0, "masks_bits": 0}
        for name, p in prompt_set(h, w).items():
            feed = decoder_feed(points=p["points"], labels=p["labels"], box=p["box"], mask_input=None,
                                image_size=(h, w))
            res = run("decoder", {**feed, "image_embeddings": emb["image_embeddings"]})
            _copy_inputs(out, "decoder", f"{case}.{name}", {"src": {}, "in": feed})
            store_outputs(out, "decoder", f"{case}.{name}", res, like)
            if name == "point":  # mask feedback: best multimask low-res logits as mask_input
                best = 1 + int(np.argmax(res["iou_predictions"][0, 1:]))
                fb = decoder_feed(points=p["points"], labels=p["labels"], box=p["box"],
                                  mask_input=res["low_res_masks"][0, best], image_size=(h, w))
                fres = run("decoder", {**fb, "image_embeddings": emb["image_embeddings"]})
                _copy_inputs(out, "decoder", f"{case}.{name}_feedback", {"src": {}, "in": fb})
                store_outputs(out, "decoder", f"{case}.{name}_feedback", fres, like)
    return out


def _record_image_towers(bundle, images, run, base) -> dict:
    out: dict[str, np.ndarray] = {}
    for i, rgb in enumerate(images):
        io = {"src": {"image": rgb}, "in": {}, "out": {}}
        _copy_inputs(out, "encoder", str(i), io)
        store_outputs(out, "encoder", str(i), run("encoder", component_feed(bundle, "encoder", io)), None)
    for comp, comp_cases in G.parse(base).items():  # cases without a photo (CLIP text) come from base
        if comp == "encoder" or comp not in bundle.components:
            continue
        for case, io in comp_cases.items():
            _copy_inputs(out, comp, case, io)
            store_outputs(out, comp, case, run(comp, component_feed(bundle, comp, io)), io["out"])
    return out


register_recorder("dinov2")(_record_image_towers)
register_recorder("clip")(_record_image_towers)
