"""SAM's dynamic point count on TensorRT, on CPU: the optimization profile covers everything the
runtime's decoder feed can send (16 user points plus its padding point or two box corners: the range
the SAM decoder component declares), checked against the runtime's own feed packing, and a
decoder-shaped stand-in converts with that profile and
holds parity in ONNX Runtime at the profile's edges. The same stand-in runs in TensorRT in
test_tensorrt_engine.py (GPU-gated)."""
import numpy as np
import pytest

from edgevfm.targets import TARGETS
from edgevfm.models.mobilesam.family import MAX_USER_POINTS
from edgevfm.targets.tensorrt import profiles
from edgevfm_runtime.engines import get_engine
from edgevfm_runtime.sam.prompts import decoder_feed

from points_decoder import points_decoder, points_feed, reference
from targets_testing import sqnr


@pytest.fixture(scope="module")
def sam_decoder():
    from edgevfm import weights as W
    from edgevfm.models import get_model
    from edgevfm.targets import recipe_for
    from edgevfm.targets.static_io import static_twin

    fam = get_model("sam")
    model = fam.load("vit_t", W.resolve("random:0", fam.weight_source("vit_t"), model=fam.family))
    [dec] = [c for c in fam.components(model, "vit_t", recipe_for("sam", "jetson-fp16")) if c.name == "decoder"]
    return static_twin(dec)[0]  # what the TensorRT target converts


@pytest.mark.parametrize("box", [None, [10, 10, 200, 200]])
def test_profile_covers_what_the_runtime_sends(sam_decoder, box):
    pts = np.tile([[100.0, 100.0]], (MAX_USER_POINTS, 1))
    feed = decoder_feed(points=pts, labels=np.ones(MAX_USER_POINTS), box=box, mask_input=None, image_size=(480, 640))
    n = feed["point_coords"].shape[1]
    assert n == MAX_USER_POINTS + (2 if box else 1)
    prof = profiles(sam_decoder)["point_coords"]
    assert prof["min"][1] == 1 and n <= prof["max"][1]


@pytest.fixture(scope="module")
def converted(tmp_path_factory):
    out = tmp_path_factory.mktemp("trt-points")
    comp = points_decoder()
    conv = TARGETS.get("tensorrt").convert(comp, out, recipe={}, precision="fp16", emit=lambda s: None)
    return comp, conv, out / conv.file


def test_stand_in_decoder_gets_the_point_profile(converted):
    _, conv, _ = converted
    prof = conv.engine_options["build"]["profiles"]
    assert prof == {"point_coords": {"min": [1, 1, 2], "opt": [1, 2, 2], "max": [1, 18, 2]},
                    "point_labels": {"min": [1, 1], "opt": [1, 2], "max": [1, 18]}}
    assert "--maxShapes=point_coords:1x18x2,point_labels:1x18" in conv.notes["trtexec"]


@pytest.mark.parametrize("n", [1, 17, 18])
def test_stand_in_decoder_parity_across_the_profile(converted, n):
    comp, _, path = converted
    feed = points_feed(n)
    got = get_engine("onnxruntime").session(path).run(feed)["scores"]
    assert sqnr(reference(comp, feed), got) > 35
