"""DINOv2 and CLIP bundles exported from the golden (official-format) checkpoints reproduce the
official outputs through the runtime: sessions, ImageEmbedder, DenseFeatures, TextEmbedder, classify."""
import numpy as np
import pytest

import edgevfm_runtime as rt
from edgevfm.export.pipeline import export
from edgevfm_runtime.models.clip_tokenizer import ClipTokenizer

from numerics import rel_err


@pytest.fixture(scope="module")
def dinov2_bundles(tmp_path_factory, golden_dir):
    """{(variant, size): bundle path} for both golden checkpoints and the three golden input sizes."""
    out = {}
    for variant, ckpt in (("vits14", "dinov2_vits14.pth"), ("vits14-reg", "dinov2_vits14_reg.pth")):
        for size, extra in (("224", ["intermediate_layers=[0, 1]", "prenorm=true"]), ("518", []), ("224x322", [])):
            h, w = (int(s) for s in size.split("x")) if "x" in size else (int(size),) * 2
            dst = tmp_path_factory.mktemp("dino") / f"{variant}-{size}"
            export("dinov2", variant=variant, target="onnx-fp32", weights=str(golden_dir / ckpt), output=dst,
                   overrides=[f"input_size=[{h}, {w}]", *extra], emit=lambda s: None)
            out[variant, size] = dst
    return out


@pytest.mark.parametrize("variant", ["vits14", "vits14-reg"])
@pytest.mark.parametrize("size", ["224", "518", "224x322"])
def test_dinov2_bundle_matches_golden(dinov2_bundles, golden_dir, variant, size):
    z = np.load(golden_dir / f"dinov2_{variant.replace('-', '_')}.npz")
    bundle = rt.open(dinov2_bundles[variant, size])
    assert bundle.manifest.parity.status == "passed"
    got = bundle.session("encoder").run({"pixel_values": z[f"in_{size}"].astype(np.float32)})
    assert rel_err(got["cls_token"], z[f"{size}_x_norm_clstoken"]) < 1e-4
    assert rel_err(got["patch_tokens"], z[f"{size}_x_norm_patchtokens"]) < 1e-4
    if variant == "vits14-reg":
        assert rel_err(got["register_tokens"], z[f"{size}_x_norm_regtokens"]) < 1e-4
    else:
        assert "register_tokens" not in got
    if size == "224":
        assert rel_err(got["x_prenorm"], z["224_x_prenorm"]) < 1e-4
        for i in (0, 1):
            patch = z[f"224_inter{i}_patch"].reshape(1, 384, -1).transpose(0, 2, 1)  # (B,C,h,w) -> tokens
            assert rel_err(got[f"inter{i}_patch"], patch) < 1e-4
            assert rel_err(got[f"inter{i}_cls"], z[f"224_inter{i}_cls"]) < 1e-4


@pytest.mark.parametrize("variant", ["vits14", "vits14-reg"])
def test_dinov2_embedders_use_official_preprocessing(dinov2_bundles, golden_dir, variant):
    z = np.load(golden_dir / f"dinov2_{variant.replace('-', '_')}.npz")
    bundle = rt.open(dinov2_bundles[variant, "224"])
    cls = rt.ImageEmbedder(bundle)(z["image"])  # resize 256 bicubic, crop 224, ImageNet mean/std
    assert cls.shape == (1, 384) and rel_err(cls, z["224_x_norm_clstoken"]) < 1e-4
    unit = rt.ImageEmbedder(bundle)([z["image"], z["image"]], normalize=True)
    assert unit.shape == (2, 384) and np.allclose(np.linalg.norm(unit, axis=1), 1, atol=1e-5)
    feats = rt.DenseFeatures(bundle)(z["image"])
    assert feats.shape == (16, 16, 384)
    wide = rt.DenseFeatures(rt.open(dinov2_bundles[variant, "224x322"]))(z["image"])
    assert wide.shape == (16, 23, 384)


@pytest.fixture(scope="module")
def clip_bundle(tmp_path_factory, golden_dir):
    dst = tmp_path_factory.mktemp("clip") / "clip-golden"
    export("clip", target="onnx-fp32", weights=str(golden_dir / "clip.pt"), output=dst, emit=lambda s: None)
    return dst


def test_clip_bundle_matches_golden(clip_bundle, golden_dir):
    z = np.load(golden_dir / "clip.npz")
    bundle = rt.open(clip_bundle)
    assert bundle.manifest.parity.status == "passed"
    np.testing.assert_array_equal(ClipTokenizer()(list(z["texts"])), z["tokens"])
    img = rt.ImageEmbedder(bundle)(z["image"])
    txt = rt.TextEmbedder(bundle)(list(z["texts"]))
    assert rel_err(img, z["image_embeds"]) < 1e-4
    assert rel_err(txt, z["text_embeds"]) < 1e-4
    scale = np.exp(bundle.postprocess["logit_scale"])
    logits = scale * rt.ImageEmbedder(bundle)(z["image"], normalize=True) @ rt.TextEmbedder(bundle)(
        list(z["texts"]), normalize=True).T
    assert rel_err(logits, z["logits_per_image"]) < 1e-4
    # The text tower takes int32 ids, as the tokenizer emits them.
    assert bundle.components["text"]["inputs"][0]["dtype"] == "int32"


def test_clip_classify(clip_bundle, golden_dir):
    z = np.load(golden_dir / "clip.npz")
    labels = [str(t) for t in z["texts"][:3]]
    probs = rt.classify(rt.open(clip_bundle), z["image"], labels, template="{}")
    assert list(probs) == labels and abs(sum(probs.values()) - 1) < 1e-6
    logits = z["logits_per_image"][0, :3].astype(np.float64)
    expect = np.exp(logits - logits.max()) / np.exp(logits - logits.max()).sum()
    np.testing.assert_allclose(list(probs.values()), expect, atol=1e-4)


def test_wrong_bundle_kind(clip_bundle):
    with pytest.raises(rt.BundleError, match="DenseFeatures needs a dinov2 bundle"):
        rt.DenseFeatures(rt.open(clip_bundle))
    with pytest.raises(rt.BundleError, match="SamPredictor needs a MobileSAM bundle"):
        rt.SamPredictor(rt.open(clip_bundle))
