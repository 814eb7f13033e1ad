"""X-AnyLabeling 4.2.1 and AnyLabeling 0.4.43, driven headlessly (Qt offscreen) through their own
custom-model path (config yaml → model class by type → predict_shapes on a QImage), give the runtime's
masks for the same clicks on an onnx-fp32 MobileSAM bundle's labeling form.

The tools run in their own cached venvs (scripts/labeling_tools_env.sh, installed in the background by
conftest.py); the suite never imports them."""
from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import numpy as np
import pytest

DRIVER = Path(__file__).with_name("drive_app.py")
APPS = ("xanylabeling", "anylabeling")
# The canvas both tools feed is 684×1024; an image of that size is fed unscaled, so their clicks and
# masks are in the image's own frame, as the runtime's are.
H, W = 684, 1024
CLICKS = [
    [[620, 330, 1]],                    # one click: the best-IoU multimask token (official single-mask rule)
    [[620, 330, 1], [200, 560, 0]],     # positive + negative: token 0
    [[300, 150, 1], [700, 400, 1]],
]


@pytest.fixture(scope="module")
def canvas_image(tmp_path_factory) -> Path:
    from PIL import Image
    from skimage import data

    path = tmp_path_factory.mktemp("labeling") / "chelsea-684x1024.png"
    Image.fromarray(data.chelsea()).resize((W, H), Image.BILINEAR).save(path)
    return path


def runtime_masks(bundle: Path, image: Path) -> list[np.ndarray]:
    """The runtime's answer per click set, with the official rule the single-mask decoder applies."""
    from PIL import Image

    from edgevfm_runtime import bundle as B
    from edgevfm_runtime.sam.predictor import SamPredictor

    predictor = SamPredictor(B.open(bundle))
    emb = predictor.embed(np.asarray(Image.open(image).convert("RGB")))
    out = []
    for clicks in CLICKS:
        pts = np.array([c[:2] for c in clicks], np.float32)
        labels = np.array([c[2] for c in clicks], np.float32)
        # one click + the padding point is ≤ 2.5 points: the best of the three multimask tokens; else token 0
        masks, scores, _ = predictor.predict(emb, points=pts, labels=labels, multimask=len(clicks) == 1)
        out.append(masks[int(np.argmax(scores))])
    return out


def test_bundle_has_labeling_form(sam_golden_bundle):
    import onnx
    import yaml

    cfg = yaml.safe_load((sam_golden_bundle / "xanylabeling_config.yaml").read_text())
    assert cfg["type"] == "segment_anything"
    enc = onnx.load(str(sam_golden_bundle / cfg["encoder_model_path"]), load_external_data=False)
    dec = onnx.load(str(sam_golden_bundle / cfg["decoder_model_path"]), load_external_data=False)
    dims = [d.dim_param or d.dim_value for d in enc.graph.input[0].type.tensor_type.shape.dim]
    assert dims == ["height", "width", 3]  # the raw canvas the tools feed, not 1×3×1024×1024
    assert dec.graph.output[0].name == "masks"
    assert dec.graph.output[0].type.tensor_type.shape.dim[1].dim_value == 1  # single-mask decoder


@pytest.mark.parametrize("app", APPS)
def test_app_masks_equal_runtime(app, venvs, sam_golden_bundle, canvas_image, tmp_path):
    out = tmp_path / f"{app}.npz"
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": "", "HOME": str(tmp_path)}
    proc = subprocess.run([str(venvs / app / "bin" / "python"), str(DRIVER), app,
                           str(sam_golden_bundle / "xanylabeling_config.yaml"), str(canvas_image),
                           json.dumps(CLICKS), str(out)],
                          capture_output=True, text=True, timeout=600, env=env, cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-4000:]
    got = np.load(out)
    want = runtime_masks(sam_golden_bundle, canvas_image)
    for i, ref in enumerate(want):
        mask = got[f"mask_{i}"] > 0.0  # the threshold the apps apply before tracing polygons
        assert mask.shape == ref.shape == (H, W)
        assert ref.any() and not ref.all(), f"click set {i}: a degenerate reference mask"
        differ = int((mask != ref).sum())
        assert differ <= 0.0001 * ref.size, f"{app}, click set {i}: {differ} of {ref.size} pixels differ"
        assert int(got[f"shapes_{i}"]) > 0, f"{app}, click set {i}: the app made no shape from the mask"



def test_plain_pair_fails_in_app(venvs, sam_golden_bundle, canvas_image, tmp_path):
    """The bundle's own encoder (1×3×1024² input) is what the tools could not run: the driver must notice."""
    import yaml

    cfg = yaml.safe_load((sam_golden_bundle / "xanylabeling_config.yaml").read_text())
    cfg.update(encoder_model_path=str(sam_golden_bundle / "encoder.onnx"),
               decoder_model_path=str(sam_golden_bundle / "decoder.onnx"))
    (tmp_path / "plain.yaml").write_text(yaml.safe_dump(cfg))
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": "", "HOME": str(tmp_path)}
    proc = subprocess.run([str(venvs / "anylabeling" / "bin" / "python"), str(DRIVER), "anylabeling",
                           str(tmp_path / "plain.yaml"), str(canvas_image), json.dumps(CLICKS[:1]),
                           str(tmp_path / "plain.npz")], capture_output=True, text=True, timeout=600, env=env)
    assert proc.returncode != 0 and "no mask" in proc.stderr + proc.stdout
    assert "Invalid rank" in proc.stderr + proc.stdout
