"""DINOv2 and CLIP task metrics: per-token / per-embedding cosines, so one ruined row is not hidden
in a flattened cosine, and the recipe thresholds on them fail the check."""
import numpy as np

from edgevfm_runtime import golden as G
from edgevfm_runtime.parity import HIGHER_IS_BETTER, failures
from edgevfm_runtime.families import get_family
from edgevfm_runtime.families.clip import ClipFamily
from edgevfm_runtime.task_metrics import TaskContext, task_metrics

clip_embedding_cosine = ClipFamily.embedding_cosine
dinov2_feature_cosine = get_family("dinov2").task_metrics

RNG = np.random.default_rng(0)


def _dino(n_images=2, tokens=16, dim=8):
    ref, same = {}, {}
    for i in range(n_images):
        cls, patch = RNG.standard_normal((1, dim)), RNG.standard_normal((1, tokens, dim))
        ref[G.key("encoder", str(i), "out", "cls_token")] = cls
        ref[G.key("encoder", str(i), "out", "patch_tokens")] = patch
        same[("encoder", str(i))] = {"cls_token": cls.copy(), "patch_tokens": patch.copy()}
    return G.parse(ref), same


def test_dinov2_cls_and_patch_cosine():
    cases, same = _dino()
    exact = dinov2_feature_cosine(TaskContext(None, cases, {"encoder": 0}, same))
    assert set(exact) == {"cls_cosine", "patch_cosine"} and all(abs(v - 1) < 1e-12 for v in exact.values())
    bad = {k: {n: v.copy() for n, v in o.items()} for k, o in same.items()}
    bad[("encoder", "1")]["patch_tokens"][0, 3] *= -1  # one token of 16 flipped: mean cosine (14/16)
    bad[("encoder", "0")]["cls_token"] += 0.5 * RNG.standard_normal((1, 8))
    got = task_metrics("dinov2", TaskContext(None, cases, {"encoder": 0}, bad))
    assert abs(got["patch_cosine"] - 14 / 16) < 1e-9
    assert got["cls_cosine"] < 0.999
    limits = {"cls_cosine": 0.999, "patch_cosine": 0.99}
    assert {f.split(" ")[0] for f in failures(got, limits)} == {"cls_cosine", "patch_cosine"}


def test_clip_embed_cosine_is_the_worst_single_row():
    img, txt = RNG.standard_normal((2, 6)), RNG.standard_normal((4, 6))
    ref = {G.key("encoder", str(i), "out", "image_embeds"): img[i:i + 1] for i in range(2)}
    ref[G.key("text", "0", "out", "text_embeds")] = txt
    cases = G.parse(ref)
    got_txt = txt.copy()
    got_txt[2] = -got_txt[2]  # one caption of four reversed: flattened cosine ≈ 0.5, the row -1
    outs = {("encoder", str(i)): {"image_embeds": img[i:i + 1]} for i in range(2)} | {("text", "0"): {"text_embeds": got_txt}}
    m = clip_embedding_cosine(TaskContext(None, cases, {"encoder": 0, "text": 0}, outs))
    assert abs(m["embed_cosine"] + 1) < 1e-9
    assert HIGHER_IS_BETTER["embed_cosine"] and failures(m, {"embed_cosine": 0.99})
