"""Replaying and recording references in the runtime: the same layout the toolkit's golden builder writes."""
import numpy as np

import edgevfm_runtime as rt
from edgevfm_runtime import golden as G
from edgevfm_runtime.check import run_check
from edgevfm_runtime.reference import golden_images
from edgevfm_runtime.replay import record, replay
from edgevfm_runtime.families.clip import ClipFamily
from edgevfm_runtime.task_metrics import TaskContext

clip_zero_shot_agreement = ClipFamily.zero_shot_agreement


def test_sam_record_matches_golden_layout(sam_bundle):
    b = rt.open(sam_bundle)
    rec = record(b, golden_images(b.golden))
    assert sorted(rec) == sorted(b.golden)  # same cases (prompt set + mask feedback), same keys
    report = run_check(b, reference=rec, reference_name="self")
    assert report.passed and report.task["mask_iou"] == 1.0


def test_replay_reproduces_reference_inputs(dino_bundle):
    b = rt.open(dino_bundle)
    rep = replay(b, b.golden)
    assert sorted(rep) == sorted(b.golden)
    for k in b.golden:
        if "/out/" in k:
            np.testing.assert_allclose(rep[k], b.golden[k], atol=1e-4)
        else:
            np.testing.assert_array_equal(rep[k], b.golden[k])


def test_clip_zero_shot_agreement():
    rng = np.random.default_rng(0)
    img, txt = rng.standard_normal((3, 8)).astype(np.float32), rng.standard_normal((4, 8)).astype(np.float32)
    ref = {G.key("encoder", str(i), "out", "image_embeds"): img[i:i + 1] for i in range(3)}
    ref[G.key("text", "0", "out", "text_embeds")] = txt
    cases = G.parse(ref)
    same = {("encoder", str(i)): {"image_embeds": img[i:i + 1]} for i in range(3)} | {("text", "0"): {"text_embeds": txt}}
    ctx = TaskContext(None, cases, {"encoder": 0, "text": 0}, same)
    assert clip_zero_shot_agreement(ctx) == {"top1_agreement": 1.0}
    flipped = dict(same)
    flipped[("encoder", "0")] = {"image_embeds": -img[0:1]}  # the opposite direction picks another label
    assert clip_zero_shot_agreement(TaskContext(None, cases, {"encoder": 0, "text": 0}, flipped))["top1_agreement"] < 1
