"""ios-* (Core ML): ML program conversion, IO names/dtypes/shapes/ops/size validated here; prediction
needs macOS, so parity is never claimed on other hosts. Numerics on Linux come from running the saved
program in edgevfm's MIL interpreter (``coreml_mil``), checked here against torch."""
import json
import platform

import numpy as np
import pytest
import torch

pytest.importorskip("coremltools", reason="coremltools not installed (pip install 'edgevfm[edge]')")

from edgevfm.targets import PRESETS, TARGETS  # noqa: E402
from edgevfm.targets.coreml_mil import MilSession  # noqa: E402
from edgevfm_runtime.cli import main  # noqa: E402
from edgevfm_runtime.engines import get_engine  # noqa: E402
from edgevfm_runtime.hashing import sha256_path  # noqa: E402
from optin import full_only  # noqa: E402
from targets_testing import sqnr, torch_outputs  # noqa: E402


@pytest.fixture(scope="module", params=["fp16", "int8"])
def tiny_mlpackage(request, tmp_path_factory, tiny_component):
    out = tmp_path_factory.mktemp(f"coreml-{request.param}")
    conv = TARGETS.get("coreml").convert(tiny_component, out, recipe={}, precision=request.param, emit=lambda s: None)
    return request.param, out / conv.file, conv


def test_mlpackage_spec(tiny_mlpackage):
    precision, pkg, conv = tiny_mlpackage
    assert pkg.is_dir() and conv.file == "encoder.mlpackage"
    assert len(sha256_path(pkg)) == 64
    spec = conv.notes["spec"]
    assert spec["inputs"] == ["pixel_values"] and spec["outputs"] == ["pooled", "tokens"]
    # outputs stay float32 as the manifest says (an FP16 program returns FLOAT16 unless told otherwise)
    assert [(t["name"], t["dtype"]) for t in spec["io"]] == [("pixel_values", "float32"), ("pooled", "float32"),
                                                              ("tokens", "float32")]
    assert spec["io"][0]["shape"] == [1, 3, 32, 32]
    assert spec["ops"]["gelu"] == 1 and spec["resize_ops"] == []
    assert spec["package_bytes"] > 0
    if precision == "int8":
        assert spec["ops"].get("constexpr_affine_dequantize", 0) + spec["ops"].get("constexpr_blockwise_shift_scale", 0) >= 1
        assert spec["weights"].get("int8", 0) > 0
        assert "macOS" in conv.quantization["activation_quantization"]
    else:
        assert set(spec["weights"]) == {"float16"}


def test_mil_interpreter_matches_torch(tiny_mlpackage, tiny_component, tiny_feeds):
    """The saved program, run op by op, reproduces the torch module: FP16 close, INT8 weights less so."""
    precision, pkg, _ = tiny_mlpackage
    sess = MilSession(pkg)
    assert sess.input_names == ["pixel_values"] and sess.output_names == ["pooled", "tokens"]
    worst = min(sqnr(torch_outputs(tiny_component, f)[n], sess.run(f)[n])
                for f in tiny_feeds[:3] for n in sess.output_names)
    assert worst > (50 if precision == "fp16" else 30), worst
    if precision == "fp16":  # FP32 storage of the same FP16 weights is closer still: the rounding is emulated
        sess.fp16_storage = False
        exact = min(sqnr(torch_outputs(tiny_component, f)[n], sess.run(f)[n])
                    for f in tiny_feeds[:3] for n in sess.output_names)
        assert exact > worst


def test_mil_interpreter_sees_a_wrong_weight(tiny_mlpackage, tiny_component, tiny_feeds):
    """The estimate can fail: one corrupted weight in the loaded program shows up in the numbers."""
    _, pkg, _ = tiny_mlpackage
    sess = MilSession(pkg)
    # mlp.0's weight as the program uses it (FP16, or decompressed from INT8)
    name = next(n for n, t in sess._consts.items() if tuple(t.shape) == (64, 32) and t.is_floating_point())
    sess._consts[name] = sess._consts[name].flip(0)
    ref = torch_outputs(tiny_component, tiny_feeds[0])
    assert sqnr(ref["tokens"], sess.run(tiny_feeds[0])["tokens"]) < 20


@pytest.fixture(scope="module")
def sam_decoder_mlpackage(tmp_path_factory):
    from edgevfm import weights as W
    from edgevfm.models import get_model

    fam = get_model("sam")
    model = fam.load("vit_t", W.resolve("random:0", fam.weight_source("vit_t"), model="mobilesam"))
    comp = fam.components(model, "vit_t", {})[1]
    out = tmp_path_factory.mktemp("coreml-sam-decoder")
    conv = TARGETS.get("coreml").convert(comp, out, recipe={}, precision="fp16", emit=lambda s: None)
    return comp, out / conv.file, conv


def test_sam_decoder_static_twin_with_point_range(sam_decoder_mlpackage):
    """The SAM decoder package: the manifest's (twin's) IO names, points a RangeDim 1..18 (16 user points +
    the runtime's 2), no resize,
    float32 IO, and the program's numerics follow torch for several point counts and label kinds."""
    comp, pkg, conv = sam_decoder_mlpackage
    spec = conv.notes["spec"]
    assert spec["inputs"] == ["image_embeddings", "point_coords", "point_labels", "mask_input", "has_mask_input"]
    assert spec["outputs"] == ["iou_predictions", "low_res_masks"] == [t.name for t in conv.outputs]
    io = {t["name"]: t for t in spec["io"]}
    assert io["point_coords"]["shape"] == [1, [1, 18], 2] and io["point_labels"]["shape"] == [1, [1, 18]]
    assert io["image_embeddings"]["shape"] == [1, 256, 64, 64]
    assert all(t["dtype"] == "float32" for t in spec["io"])
    assert spec["resize_ops"] == [] and not any("resize" in op or "upsample" in op for op in spec["ops"])
    assert conv.host_outputs == {"masks": "sam_upscale_masks"}

    sess = MilSession(pkg)
    rng = np.random.default_rng(0)
    emb = rng.standard_normal((1, 256, 64, 64)).astype(np.float32)
    for labels in ([1], [1, 0, -1], [2, 3, 1, 1, 0, -1, 1]):  # point, point+background+pad, box+points
        n = len(labels)
        feed = {"image_embeddings": emb, "point_coords": rng.uniform(0, 1024, (1, n, 2)).astype(np.float32),
                "point_labels": np.array([labels], np.float32), "mask_input": np.zeros((1, 1, 256, 256), np.float32),
                "has_mask_input": np.zeros(1, np.float32)}
        with torch.no_grad():
            _, iou, low = comp.module(*[torch.from_numpy(feed[k]) for k in sess.input_names],
                                      torch.tensor([1500.0, 2250.0]))
        got = sess.run(feed)
        assert got["low_res_masks"].shape == (1, 4, 256, 256)
        assert sqnr(low.numpy(), got["low_res_masks"]) > 35 and sqnr(iou.numpy(), got["iou_predictions"]) > 35


@pytest.mark.skipif(platform.system() == "Darwin", reason="on macOS Core ML prediction is available")
def test_parity_not_claimed_off_macos():
    assert TARGETS.get("coreml").parity_engine() is None
    assert "macOS" in get_engine("coreml").unavailable_reason()
    assert PRESETS.get("coreml-int8").name == "ios-int8"


@pytest.fixture(scope="module")
def sam_ios_bundles(tmp_path_factory):
    from edgevfm.export.pipeline import export

    root = tmp_path_factory.mktemp("sam-ios")
    return {p: export("sam", target=p, weights="random:0", output=root / p, emit=lambda s: None)
            for p in ("ios-fp16", "ios-int8")}


@pytest.mark.slow
@full_only  # the converter, decoder ranges and host estimate are covered on small modules above
@pytest.mark.skipif(platform.system() == "Darwin", reason="checks the off-macOS manifest")
@pytest.mark.parametrize("preset", ["ios-fp16", "ios-int8"])
def test_sam_ios_export(sam_ios_bundles, preset, capsys):
    """Full MobileSAM exports: packages match the manifest, the decoder takes 1..18 points and does no
    resize, INT8 weights only in the encoder, parity not claimed, the host estimate recorded beside it."""
    import coremltools as ct

    res = sam_ios_bundles[preset]
    m = json.loads((res.path / "manifest.json").read_text())
    for c in m["components"].values():
        pkg = ct.models.MLModel(str(res.path / c["file"]), skip_model_load=True).get_spec()
        assert [i.name for i in pkg.description.input] == [t["name"] for t in c["inputs"]]
        assert [o.name for o in pkg.description.output] == [t["name"] for t in c["outputs"]]
        assert c["conversion"]["spec"]["resize_ops"] == []
        assert c["bytes"] == c["conversion"]["spec"]["package_bytes"]
    dec = m["components"]["decoder"]
    ranges = {i.name: [(r.lowerBound, r.upperBound) for r in i.type.multiArrayType.shapeRange.sizeRanges]
              for i in ct.models.MLModel(str(res.path / dec["file"]), skip_model_load=True).get_spec().description.input}
    assert ranges["point_coords"] == [(1, 1), (1, 18), (2, 2)] and ranges["point_labels"] == [(1, 1), (1, 18)]
    assert "orig_im_size" not in [t["name"] for t in dec["inputs"]] and dec["host_outputs"] == {"masks": "sam_upscale_masks"}
    enc_weights = m["components"]["encoder"]["conversion"]["spec"]["weights"]
    assert m["components"]["decoder"]["precision"] == "fp16"
    if preset == "ios-int8":
        assert m["components"]["encoder"]["quantization"]["method"] == "coreml-weight-int8"
        assert enc_weights["int8"] > 5_000_000 and "macOS" in m["components"]["encoder"]["quantization"]["activation_quantization"]
        assert m["components"]["encoder"]["bytes"] < 0.6 * sam_ios_bundles["ios-fp16"].manifest["components"]["encoder"]["bytes"]
    else:
        assert "int8" not in enc_weights
    parity = m["parity"]
    assert parity["status"] == "not_verified" and "macOS" in parity["verify_on"] and "macOS" in parity["verified_here"]
    assert "metrics" not in parity and "failures" not in parity  # nothing measured is claimed, nor failed
    assert main(["info", str(res.path)]) == 0
    out = capsys.readouterr().out
    assert f"parity: not verified on this host (verify on {parity['verify_on']})" in out and "FAILED" not in out
    est = parity["host_estimate"]
    assert "not Core ML parity" in est["what"]
    floor = 45 if preset == "ios-fp16" else 25  # the recipes' thresholds are 35 / 25 dB
    assert float(est["components"]["encoder"]["image_embeddings"]["sqnr_db"]) > floor
    assert float(est["task"]["mask_iou"]) > 0.85 and est["within_thresholds"]


def test_mil_interpreter_op_semantics(tmp_path):
    """Op attributes SAM does not exercise (same padding, strided/masked slices, interleaved concat,
    reflect pad, gather, split, reductions) follow the MIL definitions, checked against numpy."""
    import coremltools as ct
    from coremltools.converters.mil import Builder as mb

    rng = np.random.default_rng(0)
    w = rng.standard_normal((4, 3, 3, 3)).astype(np.float32)

    @mb.program(input_specs=[mb.TensorSpec(shape=(1, 3, 7, 6))], opset_version=ct.target.iOS16)
    def prog(x):
        conv = mb.conv(x=x, weight=w, strides=[2, 2], pad_type="same", name="conv_same")
        sl = mb.slice_by_index(x=x, begin=[0, 1, 5, 0], end=[1, 3, 0, 6], stride=[1, 1, -2, 2],
                               begin_mask=[True, False, False, True], end_mask=[True, True, False, True],
                               squeeze_mask=[True, False, False, False], name="sliced")
        inter = mb.concat(values=[x, mb.mul(x=x, y=2.0)], axis=-1, interleave=True, name="inter")
        padded = mb.pad(x=x, pad=[1, 2, 2, 1], mode="reflect", name="padded")
        gathered = mb.gather(x=x, indices=np.array([[2, 0]], np.int32), axis=2, name="gathered")
        parts = mb.split(x=x, split_sizes=[2, 4], axis=3)
        red = mb.reduce_mean(x=parts[1], axes=[1, 3], keep_dims=False, name="red")
        return conv, sl, inter, padded, gathered, mb.identity(x=parts[0], name="part0"), red

    model = ct.convert(prog, convert_to="mlprogram", minimum_deployment_target=ct.target.iOS16,
                       compute_precision=ct.precision.FLOAT32)
    model.save(str(tmp_path / "ops.mlpackage"))
    sess = MilSession(tmp_path / "ops.mlpackage")
    x = rng.standard_normal((1, 3, 7, 6)).astype(np.float32)
    got = dict(zip(["conv_same", "sliced", "inter", "padded", "gathered", "part0", "red"],
                   [sess.run({sess.input_names[0]: x})[n] for n in sess.output_names]))
    # same padding, stride 2: out = ceil(in / 2); total pad = 2 (H: 7 → 4) and 1 (W: 6 → 3), the odd one after
    ref = torch.nn.functional.conv2d(torch.nn.functional.pad(torch.from_numpy(x), (0, 1, 1, 1)), torch.from_numpy(w),
                                     stride=2).numpy()
    np.testing.assert_allclose(got["conv_same"], ref, rtol=1e-5, atol=1e-5)
    np.testing.assert_array_equal(got["sliced"], x[0, 1:, 5:0:-2, ::2])
    inter = np.stack([x, 2 * x], axis=-1).reshape(1, 3, 7, 12)
    np.testing.assert_array_equal(got["inter"], inter)
    np.testing.assert_array_equal(got["padded"], np.pad(x, [(0, 0), (0, 0), (1, 2), (2, 1)], mode="reflect"))
    np.testing.assert_array_equal(got["gathered"], x[:, :, [[2, 0]], :])
    np.testing.assert_array_equal(got["part0"], x[..., :2])
    np.testing.assert_allclose(got["red"], x[..., 2:].mean(axis=(1, 3)), rtol=1e-6)
