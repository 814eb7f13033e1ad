"""TensorRT engine on a GPU (gated): build the tiny Q/DQ and FP16 graphs, compare with ONNX Runtime
on the same ONNX. Run by scripts/gpu_checks.sh; skipped with the reason elsewhere."""
import pytest

from edgevfm.targets import TARGETS
from edgevfm_runtime.engines import get_engine

from targets_testing import sqnr

REASON = get_engine("tensorrt").unavailable_reason()
pytestmark = [pytest.mark.gpu, pytest.mark.skipif(REASON is not None, reason=f"TensorRT engine unavailable: {REASON}")]


@pytest.mark.parametrize("precision", ["fp16", "int8"])
def test_engine_matches_onnxruntime(tmp_path, monkeypatch, tiny_component, tiny_feeds, precision):
    monkeypatch.setenv("EDGEVFM_TRT_CACHE", str(tmp_path / "cache"))
    conv = TARGETS.get("tensorrt").convert(tiny_component, tmp_path, recipe={}, precision=precision,
                                           calib=tiny_feeds[:6], emit=lambda s: None)
    trt = get_engine("tensorrt").session(tmp_path / conv.file, build=conv.engine_options["build"])
    ort = get_engine("onnxruntime").session(tmp_path / conv.file)
    feed = tiny_feeds[-1]
    a, b = trt.run(feed), ort.run(feed)
    assert sqnr(b["tokens"], a["tokens"]) > (20 if precision == "int8" else 35)
    assert list((tmp_path / "cache").glob("*.engine")), "engine was not cached"


@pytest.mark.parametrize("n", [1, 17, 18])
def test_point_profile_in_tensorrt(tmp_path, monkeypatch, n):
    """The dynamic point profile on the engine itself, with a decoder-shaped stand-in (seconds to
    build): the profile's edges run and match ONNX Runtime, one point more is refused up front."""
    from edgevfm_runtime.errors import InputError

    from points_decoder import points_decoder, points_feed

    monkeypatch.setenv("EDGEVFM_TRT_CACHE", str(tmp_path / "cache"))
    conv = TARGETS.get("tensorrt").convert(points_decoder(), tmp_path, recipe={}, precision="fp16",
                                           emit=lambda s: None)
    trt = get_engine("tensorrt").session(tmp_path / conv.file, build=conv.engine_options["build"])
    ort = get_engine("onnxruntime").session(tmp_path / conv.file)
    feed = points_feed(n)
    assert sqnr(ort.run(feed)["scores"], trt.run(feed)["scores"]) > 35
    with pytest.raises(InputError, match=r"max \(1, 18, 2\)"):
        trt.run(points_feed(19))
