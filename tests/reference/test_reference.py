"""The generated references: the MobileSAM encoder sees the photo, our encoder reproduces the official one on
them, and the generator reproduces the shared golden files: compared with ../shared/golden where it exists
(and with the committed fingerprint of it too, which shows the fingerprint is current), else with the
fingerprint alone (tests/data/golden_fingerprint.json, made by tests/references/golden_fingerprint.py)."""
from __future__ import annotations

import hashlib
import os
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from reference import clip, dinov2, sam
from reference.cache import generated_dir

SHARED = Path(os.environ.get("EDGEVFM_GOLDEN_DIR", Path(__file__).resolve().parents[3] / "shared" / "golden"))
HAVE_SHARED = (SHARED / "mobilesam.pt").is_file()
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "references"))
import golden_fingerprint as GF  # noqa: E402

FP = GF.load()


def _agree(ours: dict, npz: str, *, values: bool = True) -> None:
    """``ours`` against the shared file (when present) and against its fingerprint (always)."""
    if HAVE_SHARED and values:
        _assert_same(ours, np.load(SHARED / npz), npz)
    bad = GF.mismatches(ours, FP["npz"][npz], values=values)
    assert not bad, f"{npz} vs its fingerprint: " + "; ".join(bad[:5])


def _shared_weights(name: str, ours: dict) -> dict:
    """The shared checkpoint (present) or proof by fingerprint that ``ours`` is exactly it (absent)."""
    assert GF.state_dict_sha256(ours) == FP["checkpoints"][name]["sha256"], f"{name}: generated weights differ"
    if not HAVE_SHARED:
        return ours
    theirs = torch.load(SHARED / name, weights_only=True)
    assert list(ours) == list(theirs) and all(torch.equal(ours[k], theirs[k]) for k in theirs)
    return theirs


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


def test_sam_generator_reproduces_shared():
    model = sam.build(_shared_weights("mobilesam.pt", sam.state_dict(encoder_gain=None)))
    for name, photo in sam.IMAGES.items():
        _agree(sam.outputs(model, photo()), f"mobilesam_{name}.npz")


@pytest.mark.parametrize("variant", sorted(dinov2.STEMS))
def test_dinov2_generator_reproduces_shared(variant):
    """The generator's init differs from the shared run (other torch samplers): names and shapes of the
    weights, the inputs, and, where the shared weights are at hand, the outputs computed on them."""
    stem = dinov2.STEMS[variant]
    ours = dinov2.state_dict(variant)
    assert {k: list(v.shape) for k, v in ours.items()} == FP["checkpoints"][f"{stem}.pth"]["shapes"]
    mine = dinov2.inputs()
    assert not GF.mismatches({k: mine[k] for k in ("image", "x224")},
                             {k: FP["npz"][f"{stem}.npz"][k] for k in ("image", "x224")})
    if HAVE_SHARED:
        theirs = torch.load(SHARED / f"{stem}.pth", weights_only=True)
        assert GF.state_dict_sha256(theirs) == FP["checkpoints"][f"{stem}.pth"]["sha256"]
        z = np.load(SHARED / f"{stem}.npz")
        assert np.array_equal(mine["image"], z["image"]) and _rel(mine["x224"], z["x224"]) < 1e-6
        _agree(dinov2.outputs(theirs, {k: z[k] for k in mine}), f"{stem}.npz")
    else:  # outputs of our own weights: the same arrays (names, shapes, dtypes) as the shared file
        _agree(dinov2.outputs(ours, mine), f"{stem}.npz", values=False)


def test_clip_generator_reproduces_shared():
    model = clip.build(_shared_weights("clip.pt", clip.build().state_dict()))
    _agree(clip.outputs(model, clip.inputs()), "clip.npz")


def test_key_dumps_reproduce_shared_design():
    dumps = {"mobilesam_keys.txt": sam.key_dump(), "clip_vitb32_keys.txt": clip.key_dump(),
             **{f"{stem}_keys.txt": dinov2.key_dump(variant) for variant, stem in dinov2.STEMS.items()}}
    for name, text in dumps.items():
        assert hashlib.sha256(text.encode()).hexdigest() == FP["key_dumps"][name], name
        if HAVE_SHARED:
            assert text == (SHARED.parent / "design" / "keys" / name).read_text(), name
