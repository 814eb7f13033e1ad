"""Run a bundle on reference inputs and write its outputs in the golden layout (see ``golden.py``).

``replay`` reuses the inputs of an existing reference (its photos and prompts); ``record`` builds
the inputs from new photos with the family's fixed case set (``families/``; SAM: the prompt set,
with mask feedback). Either result is a reference another bundle can be checked against, on any
machine. Anything with ``manifest``, ``preprocess``, ``components`` and ``session(name)`` can be run
(a :class:`~edgevfm_runtime.Bundle`, or a stand-in holding other sessions).
"""
from __future__ import annotations

from typing import Mapping

import numpy as np

from . import golden as G
from .families import family_of


def component_feed(bundle, comp: str, io: dict, upstream: Mapping[str, np.ndarray] | None = None) -> dict:
    """The feed of one case for ``bundle`` (see :meth:`RuntimeFamily.feed`)."""
    return family_of(bundle).feed(bundle, comp, io, upstream)


def replay(bundle, reference: Mapping[str, np.ndarray], *, sessions: dict | None = None,
           **session_options) -> dict[str, np.ndarray]:
    """``bundle``'s own outputs, end to end (chained inputs from its own upstream outputs), on the
    inputs of ``reference`` (golden layout)."""
    family = family_of(bundle)
    cases = G.parse(reference)
    sessions = sessions or {c: bundle.session(c, **session_options) for c in bundle.components if c in cases}
    sources = {src for (_c, _i), (src, _o) in family.chain.items()}
    order = sorted(cases, key=lambda c: c not in sources)  # upstream components first
    out: dict[str, np.ndarray] = {}
    produced: dict[tuple[str, str], dict] = {}
    for comp in order:
        if comp not in sessions:
            continue
        sess = sessions[comp]
        src = family.upstream_of(comp)
        for case, io in cases[comp].items():
            upstream = produced.get((src, case.split(".")[0])) if src else None
            feed = family.feed(bundle, comp, io, upstream)
            got = sess.run({k: feed[k] for k in sess.input_names})
            produced[(comp, case)] = got
            G.copy_inputs(out, comp, case, io)
            G.store_outputs(out, comp, case, got, io["out"])
    return out


def record(bundle, images: list[np.ndarray], *, base: Mapping[str, np.ndarray] | None = None,
           **session_options) -> dict[str, np.ndarray]:
    """A reference on new photos made by ``bundle`` (golden layout). Cases that do not come from a
    photo (CLIP's text prompts) are taken from ``base`` (default: the bundle's golden.npz)."""
    family = family_of(bundle)
    sessions = {c: bundle.session(c, **session_options) for c in bundle.components}

    def run(comp: str, feed: dict) -> dict:
        sess = sessions[comp]
        return sess.run({k: feed[k] for k in sess.input_names})

    base = base if base is not None else getattr(bundle, "golden", {})
    return family.record(bundle, images, run, base)
