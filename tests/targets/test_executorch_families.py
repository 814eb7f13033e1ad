"""executorch-fp32 bundles of the golden (official-format) DINOv2/CLIP checkpoints through the whole
pipeline, parity gated in ExecuTorch and compared with the official outputs; the SAM decoder's dynamic
point count. Extended tier: seeded full-size configs (DINOv2 ViT-S/14 at 28², TinyCLIP-8M/16) in fp32
and int8, and MobileSAM from the golden checkpoint. Slow: an ExecuTorch lowering of a ViT takes
tens of seconds to minutes on 2 shared cores."""
import contextlib
import importlib.util
import io
import json
import runpy
import sys
from pathlib import Path

import numpy as np
import pytest

from edgevfm.export import pipeline
from optin import full_only, full_only_because

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(importlib.util.find_spec("executorch") is None,
                                 reason="executorch not installed (pip install 'edgevfm[executorch]')")]

SMALL = {"dinov2": ("vits14", ["input_size=[28,28]"]), "clip": ("tinyclip-8m16", ["quantize.calibration.texts=16"])}
HERE = Path(__file__).resolve().parent


def _export(tmp_path, model, preset, *, weights="random:0", variant=None, extra=()):
    v, overrides = SMALL[model]
    variant = variant or (v if weights == "random:0" else None)  # golden checkpoints: the recipe's variant
    res = pipeline.export(model, target=preset, variant=variant, weights=weights, output=tmp_path / preset,
                          overrides=[*overrides, *extra] if weights == "random:0" else list(extra), emit=lambda s: None)
    return res


def _assert_executorch_bundle(res, preset):
    """The export passed its gate in ExecuTorch, and its manifest records the .pte files, the runtime's
    input order and the ops left on the portable kernels."""
    m = res.manifest
    assert res.report.passed and res.report.engine.startswith("executorch") and m["parity"]["gated"]
    for name, comp in m["components"].items():
        assert comp["file"] == f"{name}.pte"
        opts = comp["engine_options"]
        assert opts["input_names"] == [t["name"] for t in comp["inputs"]]
        assert opts["portable_ops"] == sorted(comp["conversion"]["lowering"]["portable_ops"])
        if preset.endswith("int8") and name == "encoder":  # CLIP's text tower stays FP32 (recipe)
            assert comp["quantization"]["method"] == "xnnpack-pt2e-static"
            assert comp["quantization"]["calibration"]["feeds"] >= 4 and "float_kept" in comp
    worst = min(o["sqnr_db"] for c in m["parity"]["metrics"]["components"].values() for o in c.values())
    assert worst >= (60 if preset.endswith("fp32") else 24)


@pytest.mark.parametrize("model", ["dinov2", "clip"])
# The golden checkpoints take the same executorch-fp32 export and gate by default (below, in seconds);
# executorch-int8 of the golden DINOv2/CLIP goes through the same export and gate in tests/cpp (edgevfm-cpp
# check). These seeded full-size lowerings (~40 s each) are the extended tier.
@pytest.mark.parametrize("preset", ["executorch-fp32", "executorch-int8"])
@full_only
def test_embed_bundle_passes_its_gate_in_executorch(tmp_path, model, preset):
    _assert_executorch_bundle(_export(tmp_path, model, preset), preset)


def test_sam_decoder_dynamic_points(tmp_path):
    """SAM's decoder (static twin) lowered once with num_points dynamic, run at several point counts."""
    import torch

    from edgevfm import weights as W
    from edgevfm.models import get_model
    from edgevfm.targets import TARGETS, recipe_for
    from edgevfm.targets.static_io import fix_dims, static_twin
    from edgevfm_runtime.engines import get_engine

    fam = get_model("sam")
    model = fam.load("vit_t", W.resolve("random:0", fam.weight_source("vit_t"), model=fam.family))
    dec = [c for c in fam.components(model, "vit_t", recipe_for("sam", "executorch-fp32")) if c.name == "decoder"][0]
    conv = TARGETS.get("executorch").convert(dec, tmp_path, recipe={}, precision="fp32", emit=lambda s: None)
    assert conv.host_outputs == {"masks": "sam_upscale_masks"}
    twin = fix_dims(static_twin(dec)[0])
    sess = get_engine("executorch").session(tmp_path / conv.file, **conv.engine_options)
    rng = np.random.default_rng(0)
    for n in (1, 2, 5):
        feed = {t.name: rng.standard_normal([n if d == "num_points" else d for d in t.shape]).astype(np.float32)
                for t in twin.inputs}
        feed["point_coords"] = rng.uniform(0, 1024, feed["point_coords"].shape).astype(np.float32)
        feed["point_labels"] = rng.integers(0, 2, feed["point_labels"].shape).astype(np.float32)
        got = sess.run(feed)
        with torch.no_grad():
            ref = twin.module(*[torch.from_numpy(feed[k]) for k in twin.input_names])
        ref = dict(zip(twin.output_names, (r.numpy() for r in ref)))
        for k in twin.output_names:
            noise = np.sum((ref[k].astype(np.float64) - got[k]) ** 2)
            assert noise == 0 or 10 * np.log10(np.sum(ref[k].astype(np.float64) ** 2) / noise) > 50, (n, k)


@pytest.mark.parametrize("model,ckpt,variant", [("dinov2", "dinov2_vits14.pth", "vits14"),
                                                ("clip", "clip.pt", None)])
def test_golden_embeddings_through_executorch_fp32(tmp_path, golden_dir, model, ckpt, variant):
    """The official-format checkpoints through executorch-fp32 reproduce the official outputs (cosine ≥ 0.9999)."""
    res = _export(tmp_path, model, "executorch-fp32", weights=str(golden_dir / ckpt), variant=variant)
    _assert_executorch_bundle(res, "executorch-fp32")
    import edgevfm_runtime as rt

    bundle = rt.open(res.path)
    z = np.load(golden_dir / ("dinov2_vits14.npz" if model == "dinov2" else "clip.npz"))
    if model == "dinov2":
        pairs = [(bundle.session("encoder").run({"pixel_values": z["in_224"].astype(np.float32)})["cls_token"],
                  z["224_x_norm_clstoken"])]
    else:
        pairs = _clip_pairs(bundle, z)
    for got, ref in pairs:
        a, b = np.asarray(got, np.float64).reshape(len(ref), -1), np.asarray(ref, np.float64).reshape(len(ref), -1)
        cos = np.sum(a * b, 1) / np.linalg.norm(a, axis=1) / np.linalg.norm(b, axis=1)
        assert cos.min() >= 0.9999, cos


def _clip_pairs(bundle, z):
    """(executorch output, official output): the runtime's embedders on the golden photo and captions
    (the text tower's 7 captions run item by item through the batch-1 program)."""
    import edgevfm_runtime as rt

    return [(rt.ImageEmbedder(bundle)(z["image"]), z["image_embeds"]),
            (rt.TextEmbedder(bundle)(list(z["texts"])), z["text_embeds"])]


@full_only_because("SAM ExecuTorch exports, ~3 min on 2 cores", "EDGEVFM_EXECUTORCH_SAM_TEST")
def test_sam_golden_masks_through_executorch_fp32(tmp_path, golden_dir):
    """MobileSAM from the golden checkpoint as executorch-fp32: SamPredictor masks vs the official ones, IoU ≥ 0.99."""
    res = pipeline.export("sam", target="executorch-fp32", weights=str(golden_dir / "mobilesam.pt"),
                          output=tmp_path / "sam", emit=lambda s: None)
    assert res.report.passed
    out = io.StringIO()
    argv = sys.argv
    try:
        sys.argv = [str(HERE.parent / "runtime" / "golden_sam_check.py"), str(res.path),
                    str(golden_dir / "mobilesam_chelsea.npz"), str(golden_dir / "mobilesam_portrait.npz")]
        with contextlib.redirect_stdout(out):
            runpy.run_path(sys.argv[0], run_name="__main__")
    finally:
        sys.argv = argv
    got = json.loads(out.getvalue().strip().splitlines()[-1])
    assert got["engine"].startswith("executorch") and got["mask_iou"] >= 0.99, got
