"""android-* (LiteRT): conversion with builtin ops only, signatures named as the manifest, and
parity of fp32 / fp16 weights / dynamic and full-integer INT8 in ai-edge-litert (XNNPACK)."""
import pytest

pytest.importorskip("litert_torch", reason="litert-torch not installed (pip install 'edgevfm[edge]')")
pytest.importorskip("ai_edge_litert", reason="ai-edge-litert not installed (pip install 'edgevfm[edge]')")
pytest.importorskip("ai_edge_quantizer", reason="ai-edge-quantizer not installed (pip install 'edgevfm[edge]')")

import numpy as np  # noqa: E402

from edgevfm.targets import PRESETS, TARGETS  # noqa: E402
from edgevfm.targets.tflite import graph_ops  # noqa: E402
from edgevfm_runtime.engines import get_engine  # noqa: E402

from targets_testing import sqnr, torch_outputs  # noqa: E402

# precision, method -> minimum SQNR (dB) of the token output vs torch on a held-out feed
CASES = {("fp32", None): 60, ("fp16", "litert-fp16"): 40, ("int8", "litert-dynamic"): 25,
         ("int8", "litert-static"): 15}


@pytest.fixture(scope="module")
def converted(tmp_path_factory, tiny_component, tiny_feeds):
    out = {}
    for precision, method in CASES:
        d = tmp_path_factory.mktemp(f"{precision}-{method}")
        recipe = {"quantize": {"method": method}} if method else {}
        conv = TARGETS.get("litert").convert(tiny_component, d, recipe=recipe, precision=precision,
                                             calib=tiny_feeds[:6], emit=lambda s: None)
        out[(precision, method)] = (d / conv.file, conv)
    return out


def test_presets_and_aliases():
    for p in ("fp32", "fp16", "int8"):
        assert PRESETS.get(f"tflite-{p}").name == f"android-{p}"


@pytest.mark.parametrize("case", list(CASES), ids=lambda c: f"{c[0]}-{c[1]}")
def test_parity_in_litert(converted, tiny_component, tiny_feeds, case):
    path, conv = converted[case]
    sess = get_engine("litert").session(path, threads=2)
    assert sess.input_names == ["pixel_values"] and sorted(sess.output_names) == ["pooled", "tokens"]
    feed = tiny_feeds[-1]  # held out from calibration
    got, ref = sess.run(feed), torch_outputs(tiny_component, feed)
    assert got["tokens"].dtype == np.float32
    assert sqnr(ref["tokens"], got["tokens"]) > CASES[case]


def test_builtin_gelu_no_flex_and_small_transposes(converted):
    ops, rank = graph_ops(converted[("fp32", None)][0])
    assert ops["GELU"] == 1 and not any(op.startswith("Flex") for op in ops)
    assert rank <= 5


def test_static_int8_has_integer_io_and_records_calibration(converted):
    path, conv = converted[("int8", "litert-static")]
    from ai_edge_litert.interpreter import Interpreter

    runner = Interpreter(model_path=str(path)).get_signature_runner()
    assert runner.get_input_details()["pixel_values"]["dtype"] == np.int8
    assert conv.quantization["calibration"]["source"].startswith("calibration feeds")
    assert "IO" in get_engine("litert").session(path).engine


def test_static_without_feeds_is_an_error(tmp_path, tiny_component):
    with pytest.raises(ValueError, match="calibration feeds"):
        TARGETS.get("litert").convert(tiny_component, tmp_path, recipe={"quantize": {"method": "litert-static"}},
                                      precision="int8", calib=None, emit=lambda s: None)


def test_batch_runs_item_by_item_on_a_batch1_model(converted, tiny_component, tiny_feeds):
    import numpy as np

    sess = get_engine("litert").session(converted[("fp32", None)][0])
    batch = {"pixel_values": np.concatenate([f["pixel_values"] for f in tiny_feeds[:3]])}
    got = sess.run(batch)
    assert got["tokens"].shape == (3, 64, 32)
    one = sess.run(tiny_feeds[1])
    assert np.allclose(got["tokens"][1:2], one["tokens"])


@pytest.mark.slow
def test_dinov2_android_int8_bundle(tmp_path):
    """The whole pipeline on a small DINOv2 (112²): LiteRT dynamic INT8, parity gate in ai-edge-litert."""
    from edgevfm.export.pipeline import export

    res = export("dinov2", target="tflite-int8", weights="random:0", output=tmp_path / "b",
                 overrides=["input_size=[112,112]"], emit=lambda s: None)
    comp = res.manifest["components"]["encoder"]
    assert res.report.passed and res.report.engine.startswith("litert")
    assert comp["file"] == "encoder.tflite" and comp["quantization"]["method"] == "litert-dynamic"
    assert comp["conversion"]["graph"]["ops"]["GELU"] == 12 and comp["conversion"]["graph"]["max_transpose_rank"] <= 5
