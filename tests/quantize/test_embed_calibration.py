"""DINOv2 and CLIP calibration feeds: the runtime's preprocessing (what the device feeds), one feed per
image, CLIP text feeds as int32 batch-1 token ids from a fixed caption set disjoint from the zero-shot labels."""
import numpy as np
import pytest

from edgevfm import weights as W
from edgevfm.models import get_model
from edgevfm.models.clip.calibration import SUBJECTS, TEMPLATES, captions
from edgevfm_runtime.families.clip import GOLDEN_TEXTS
from edgevfm_runtime.preprocess import preprocess

pytest.importorskip("ftfy", reason="the CLIP tokenizer needs the [clip] extra (ftfy, regex)")


def _images(n=3):
    rng = np.random.default_rng(0)
    return [rng.integers(0, 255, (60 + 7 * i, 90 - 5 * i, 3), dtype=np.uint8) for i in range(n)]


@pytest.fixture(scope="module")
def tinyclip():
    fam = get_model("clip")
    return fam, fam.load("tinyclip-8m16", W.resolve("random:0", fam.weight_source("tinyclip-8m16"), model="clip"))


@pytest.mark.parametrize("size", [[28, 28], [28, 42]])
def test_dinov2_feeds_are_the_runtime_preprocessing(size):
    fam = get_model("dinov2")
    recipe = {"input_size": size}
    calls = []
    images = _images()
    feeds = fam.calibration_feeds(None, images, recipe, progress=lambda: calls.append(1))
    assert list(feeds) == ["encoder"] and len(feeds["encoder"]) == len(images) == len(calls)
    spec = fam.preprocess("vits14", recipe)  # what the manifest records and the runtime applies
    for rgb, feed in zip(images, feeds["encoder"]):
        assert list(feed) == ["pixel_values"]
        x = feed["pixel_values"]
        assert x.dtype == np.float32 and x.shape == (1, 3, *size)
        np.testing.assert_array_equal(x, preprocess(rgb, spec))


def test_clip_image_and_text_feeds(tinyclip):
    fam, model = tinyclip
    images = _images(4)
    calls = []
    recipe = {"quantize": {"calibration": {"texts": 20, "seed": 3}}}
    feeds = fam.calibration_feeds(model, images, recipe, progress=lambda: calls.append(1))
    assert set(feeds) == {"encoder", "text"} and len(calls) == len(images)
    spec = fam.preprocess("tinyclip-8m16", recipe)
    for rgb, feed in zip(images, feeds["encoder"]):
        assert feed["pixel_values"].dtype == np.float32 and feed["pixel_values"].shape == (1, 3, 224, 224)
        np.testing.assert_array_equal(feed["pixel_values"], preprocess(rgb, spec))
    ids = np.concatenate([f["input_ids"] for f in feeds["text"]])
    assert len(feeds["text"]) == 20 and all(f["input_ids"].shape == (1, 77) for f in feeds["text"])
    assert ids.dtype == np.int32  # the text tower's declared input dtype
    assert (ids[:, 0] == 49406).all() and ((ids == 49407).sum(1) == 1).all()  # SOT first, one EOT each
    assert len({r.tobytes() for r in ids}) == 20  # all distinct
    eot = (ids == 49407).argmax(1)
    assert eot.max() - eot.min() >= 8  # varied lengths: the EOT pooling sees many positions


def test_captions_are_fixed_varied_and_disjoint_from_the_zero_shot_labels():
    a, b = captions(64, seed=0), captions(64, seed=0)
    assert a == b and captions(64, seed=1) != a and len(set(a)) == 64
    assert len(captions(10_000)) == len(TEMPLATES) * len(SUBJECTS)
    used = {t for t in TEMPLATES for c in a if c in {t.format(s) for s in SUBJECTS}}
    assert len(used) == len(TEMPLATES)  # a seeded shuffle, not the first template × every subject
    golden_words = {w for t in GOLDEN_TEXTS for w in t.split()} - {"a", "photo", "of", "an", "the"}
    assert not any(w in c.split() for c in captions(10_000) for w in golden_words)
    assert not set(captions(10_000)) & set(GOLDEN_TEXTS)


def test_text_feed_count_follows_the_recipe(tinyclip):
    fam, model = tinyclip
    feeds = fam.calibration_feeds(model, _images(1), {"quantize": {"calibration": {"texts": 5}}})
    assert len(feeds["text"]) == 5 and len(feeds["encoder"]) == 1
