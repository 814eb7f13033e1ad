"""The generated references: the MobileSAM encoder sees the photo, our encoder reproduces the official one on
them, and (where ../shared/golden exists) the generator reproduces the shared files."""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
import torch

from reference import clip, dinov2, sam
from reference.cache import generated_dir

SHARED = Path(os.environ.get("EDGEVFM_GOLDEN_DIR", Path(__file__).resolve().parents[3] / "shared" / "golden"))
needs_shared = pytest.mark.skipif(not (SHARED / "mobilesam.pt").is_file(), reason=f"no shared golden in {SHARED}")


def _rel(a, b) -> float:
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    return float(np.abs(a - b).max() / max(1.0, np.abs(b).max())) if b.size else 0.0


def _assert_same(ours: dict, theirs, name: str) -> None:
    assert sorted(ours) == sorted(theirs.files), name
    for k in theirs.files:
        a, b = np.asarray(ours[k]), theirs[k]
        assert (a.shape, a.dtype) == (b.shape, b.dtype), f"{name}:{k}"
        if k.endswith("_masks"):  # thresholded: a handful of pixels may sit on a logit of ~0
            assert (np.unpackbits(a) != np.unpackbits(b)).mean() < 1e-3, f"{name}:{k}"
        elif a.dtype.kind == "f":
            assert _rel(a, b) < 1e-4, f"{name}:{k}"
        else:
            assert np.array_equal(a, b), f"{name}:{k}"


def test_generated_sam_encoder_sees_the_photo():
    g = generated_dir() / "golden"
    e = [np.load(g / f"mobilesam_{n}.npz")["embedding"].astype(np.float64) for n in sam.IMAGES]
    assert np.linalg.norm(e[0] - e[1]) / np.linalg.norm(e[0]) > 0.1


def test_our_encoder_reproduces_official_on_generated_set():
    from edgevfm.models._loading import load_state_dict_strict
    from edgevfm.models.mobilesam.model import build_mobilesam

    g = generated_dir() / "golden"
    model = build_mobilesam()
    load_state_dict_strict(model, torch.load(g / "mobilesam.pt", weights_only=True), source="generated")
    model.eval()
    z = np.load(g / "mobilesam_portrait.npz")
    with torch.no_grad():
        x = sam.build(torch.load(g / "mobilesam.pt", weights_only=True)).preprocess(
            torch.as_tensor(z["resized"]).permute(2, 0, 1)[None])
        emb = model.image_encoder(x).numpy()
    assert _rel(emb, z["embedding"]) < 1e-4


@needs_shared
def test_sam_generator_reproduces_shared():
    ours = sam.state_dict(encoder_gain=None)
    theirs = torch.load(SHARED / "mobilesam.pt", weights_only=True)
    assert list(ours) == list(theirs) and all(torch.equal(ours[k], theirs[k]) for k in theirs)
    model = sam.build(theirs)
    for name, photo in sam.IMAGES.items():
        _assert_same(sam.outputs(model, photo()), np.load(SHARED / f"mobilesam_{name}.npz"), name)


@needs_shared
@pytest.mark.parametrize("variant", sorted(dinov2.STEMS))
def test_dinov2_generator_reproduces_shared(variant):
    stem = dinov2.STEMS[variant]
    ours = dinov2.state_dict(variant)
    theirs = torch.load(SHARED / f"{stem}.pth", weights_only=True)
    assert {k: v.shape for k, v in ours.items()} == {k: v.shape for k, v in theirs.items()}
    z = np.load(SHARED / f"{stem}.npz")
    mine = dinov2.inputs()
    assert np.array_equal(mine["image"], z["image"]) and _rel(mine["x224"], z["x224"]) < 1e-6
    # the weights' init differs from the shared run (other torch samplers): compare outputs on its weights
    _assert_same(dinov2.outputs(theirs, {k: z[k] for k in mine}), z, stem)


@needs_shared
def test_clip_generator_reproduces_shared():
    theirs = torch.load(SHARED / "clip.pt", weights_only=True)
    ours = clip.build().state_dict()
    assert list(ours) == list(theirs) and all(torch.equal(ours[k], theirs[k]) for k in theirs)
    _assert_same(clip.outputs(clip.build(theirs), clip.inputs()), np.load(SHARED / "clip.npz"), "clip")


@needs_shared
def test_key_dumps_reproduce_shared_design():
    keys = SHARED.parent / "design" / "keys"
    assert sam.key_dump() == (keys / "mobilesam_keys.txt").read_text()
    assert clip.key_dump() == (keys / "clip_vitb32_keys.txt").read_text()
    for variant, stem in dinov2.STEMS.items():
        assert dinov2.key_dump(variant) == (keys / f"{stem}_keys.txt").read_text()
