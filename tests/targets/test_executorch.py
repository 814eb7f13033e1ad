"""executorch-* (.pte): XNNPACK lowering, PT2E static INT8 with the accuracy-budget fallback, the ops
left outside the delegate, a dynamic point count, and parity in executorch.runtime — on small
synthetic components (seconds, not a full model export)."""
import importlib.util

import numpy as np
import pytest

from edgevfm.targets import PRESETS, TARGETS
from edgevfm_runtime.engines import get_engine
from edgevfm_runtime.errors import EngineUnavailable

from points_decoder import points_decoder, points_feed
from targets_testing import sqnr, torch_outputs

needs_executorch = pytest.mark.skipif(importlib.util.find_spec("executorch") is None,
                                      reason="executorch not installed (pip install 'edgevfm[executorch]')")
QUIET = dict(emit=lambda s: None)


@pytest.fixture(scope="module")
def fp32(tmp_path_factory, tiny_component):
    d = tmp_path_factory.mktemp("et-fp32")
    conv = TARGETS.get("executorch").convert(tiny_component, d, recipe={}, precision="fp32", **QUIET)
    return d / conv.file, conv


@pytest.fixture(scope="module")
def int8(tmp_path_factory, tiny_component, tiny_feeds):
    d = tmp_path_factory.mktemp("et-int8")
    conv = TARGETS.get("executorch").convert(tiny_component, d, recipe={"quantize": {"method": "xnnpack-pt2e"}},
                                             precision="int8", calib=tiny_feeds[:6], **QUIET)
    return d / conv.file, conv


def _session(path, conv):
    return get_engine("executorch").session(path, **conv.engine_options)


def test_presets_and_aliases():
    assert PRESETS.get("pte-fp32").name == "executorch-fp32" and PRESETS.get("pte-int8").name == "executorch-int8"
    assert TARGETS.get(PRESETS.get("executorch-coreml").target).parity_engine() is None


@needs_executorch
def test_fp32_parity_in_executorch_runtime(fp32, tiny_component, tiny_feeds):
    path, conv = fp32
    sess = _session(path, conv)
    assert sess.input_names == ["pixel_values"] and sess.output_names == ["pooled", "tokens"]
    assert sess.engine.startswith("executorch")
    got, ref = sess.run(tiny_feeds[-1]), torch_outputs(tiny_component, tiny_feeds[-1])
    assert got["tokens"].dtype == np.float32 and got["tokens"].shape == (1, 64, 32)
    assert sqnr(ref["tokens"], got["tokens"]) > 60 and sqnr(ref["pooled"], got["pooled"]) > 60


@needs_executorch
def test_compute_is_delegated_and_the_rest_is_listed(fp32):
    _, conv = fp32
    low = conv.notes["lowering"]
    assert low["delegate"] == "xnnpack" and low["delegated_subgraphs"] >= 1
    assert not any(op.startswith(("convolution", "addmm", "mm.", "bmm", "linear")) for op in low["portable_ops"])
    assert conv.engine_options["portable_ops"] == sorted(low["portable_ops"])


@needs_executorch
def test_export_warns_about_portable_ops(tmp_path, tiny_component):
    lines = []
    conv = TARGETS.get("executorch").convert(tiny_component, tmp_path, recipe={}, precision="fp32", emit=lines.append)
    warned = [s for s in lines if "portable" in s]
    assert bool(warned) == bool(conv.notes["lowering"]["portable_ops"])
    for op in conv.notes["lowering"]["portable_ops"]:
        assert op in warned[0]


@needs_executorch
def test_int8_parity_and_quantization_record(int8, fp32, tiny_component, tiny_feeds):
    path, conv = int8
    q = conv.quantization
    assert q["method"] == "xnnpack-pt2e-static" and q["weights"] == "int8 symmetric per-channel"
    assert q["calibration"]["feeds"] == 6 and q["float_kept"]["nodes"] == []
    assert path.stat().st_size < 0.6 * fp32[0].stat().st_size  # the weights really are int8
    got, ref = _session(path, conv).run(tiny_feeds[-1]), torch_outputs(tiny_component, tiny_feeds[-1])
    assert 20 < sqnr(ref["tokens"], got["tokens"]) < 60  # quantized: close, and not secretly float


@needs_executorch
def test_int8_fallback_keeps_blocks_float_until_the_budget(tmp_path, tiny_component, tiny_feeds):
    recipe = {"quantize": {"sensitivity": {"enabled": True, "target_sqnr_db": 500, "blocks": ["^(mlp)$", "^(qkv)$"],
                                           "max_fallbacks": 2, "full_fallback": False}}}
    conv = TARGETS.get("executorch").convert(tiny_component, tmp_path, recipe=recipe, precision="int8",
                                             calib=tiny_feeds[:6], **QUIET)
    sens = conv.quantization["sensitivity"]
    assert not sens["reached"] and [f["block"] for f in sens["fallbacks"]] == ["mlp", "qkv"]
    assert conv.quantization["float_kept"]["nodes"] == ["mlp", "qkv"]
    first, last = sens["all_int8"]["sqnr_db"], sens["fallbacks"][-1]["sqnr_db"]
    assert last > first  # keeping layers float recovers accuracy, measured in ExecuTorch


@needs_executorch
def test_int8_without_feeds_is_an_error(tmp_path, tiny_component):
    with pytest.raises(ValueError, match="calibration feeds"):
        TARGETS.get("executorch").convert(tiny_component, tmp_path, recipe={}, precision="int8", calib=None, **QUIET)


@needs_executorch
def test_dynamic_point_count(tmp_path):
    comp = points_decoder()
    conv = TARGETS.get("executorch").convert(comp, tmp_path, recipe={}, precision="fp32", **QUIET)
    sess = _session(tmp_path / conv.file, conv)
    for n in (1, 3, 16):
        feed = points_feed(n, seed=n)
        assert sqnr(torch_outputs(comp, feed)["scores"], sess.run(feed)["scores"]) > 60


@needs_executorch
def test_batch_runs_item_by_item(fp32, tiny_feeds):
    sess = _session(*fp32)
    got = sess.run({"pixel_values": np.concatenate([f["pixel_values"] for f in tiny_feeds[:3]])})
    assert got["tokens"].shape == (3, 64, 32)
    assert np.allclose(got["tokens"][1:2], sess.run(tiny_feeds[1])["tokens"], atol=1e-5)


@needs_executorch
def test_coreml_delegate_lowers_on_linux(tmp_path, tiny_component):
    pytest.importorskip("coremltools")
    conv = TARGETS.get("executorch_coreml").convert(tiny_component, tmp_path, recipe={}, precision="fp16", **QUIET)
    assert conv.notes["lowering"]["delegate"] == "coreml" and conv.notes["lowering"]["delegated_subgraphs"] >= 1
    assert (tmp_path / conv.file).stat().st_size > 0


def test_engine_without_torch_names_the_toolkit_and_cpp_runtime(monkeypatch, tmp_path):
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "torch" else real(name, *a))
    with pytest.raises(EngineUnavailable, match=r"edgevfm\[executorch\].*C\+\+ runtime"):
        get_engine("executorch").session(tmp_path / "x.pte", input_names=["a"], output_names=["b"])


def test_target_without_executorch_names_the_extra(monkeypatch, tmp_path):
    from edgevfm.export.pipeline import ExportError, export

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "executorch" else real(name, *a))
    assert "edgevfm[executorch]" in TARGETS.get("executorch").unavailable_reason()
    with pytest.raises(ExportError, match=r"executorch-fp32: unavailable: pip install 'edgevfm\[executorch\]'"):
        export("dinov2", target="executorch-fp32", weights="random:0", output=tmp_path / "b", **QUIET)
