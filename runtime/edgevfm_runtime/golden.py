"""The layout of ``golden.npz``: reference inputs and outputs per component and case.

Keys are ``{component}/{case}/{in|out|src}/{tensor}``. An image model's input (e.g. SAM's 1024²
encoder input) is not stored: the case's ``src/image`` photo is, and the check rebuilds the input
with the runtime's own pre-processing (the manifest's ``preprocess``), so it exercises
that code too. A case named ``{upstream case}.{name}`` belongs to that upstream case (SAM: the
decoder prompts ``0.point`` … use the embedding of encoder case ``0``).
``{tensor}_bits`` + ``{tensor}_bits_shape`` hold a thresholded (logits > 0) mask, bit-packed.
"""
from __future__ import annotations

from collections import defaultdict

import numpy as np


def key(component: str, case: str, direction: str, tensor: str) -> str:
    return f"{component}/{case}/{direction}/{tensor}"


def parse(golden: dict[str, np.ndarray]) -> dict[str, dict[str, dict[str, dict[str, np.ndarray]]]]:
    """{component: {case: {"in": {...}, "out": {...}}}} in the order the keys were written."""
    cases: dict = defaultdict(lambda: defaultdict(lambda: {"in": {}, "out": {}, "src": {}}))
    for k, v in golden.items():
        parts = k.split("/")
        if len(parts) == 4 and parts[2] in ("in", "out", "src"):
            cases[parts[0]][parts[1]][parts[2]][parts[3]] = v
    return {c: dict(v) for c, v in cases.items()}


def pack_mask(mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    mask = np.asarray(mask, bool)
    return np.packbits(mask, axis=-1), np.array(mask.shape, dtype=np.int64)


def unpack_mask(bits: np.ndarray, shape: np.ndarray) -> np.ndarray:
    shape = tuple(int(s) for s in shape)
    return np.unpackbits(bits, axis=-1)[..., : shape[-1]].astype(bool).reshape(shape)


def copy_inputs(out: dict, comp: str, case: str, io: dict) -> None:
    """Write a case's ``src`` and ``in`` tensors under ``comp/case``."""
    for d in ("src", "in"):
        for k, v in io[d].items():
            out[key(comp, case, d, k)] = v


def store_outputs(out: dict, comp: str, case: str, got, like=None) -> None:
    """Write ``got`` under ``comp/case/out``, in the same form as ``like`` (a reference's outputs):
    a ``*_bits`` entry there means the thresholded mask is stored bit-packed."""
    names = [k for k in like if not k.endswith("_bits_shape")] if like else list(got)
    for name in names:
        if name.endswith("_bits"):
            bits, shape = pack_mask(got[name[: -len("_bits")]] > 0)
            out[key(comp, case, "out", name)] = bits
            out[key(comp, case, "out", name + "_shape")] = shape
        else:
            out[key(comp, case, "out", name)] = np.asarray(got[name])
