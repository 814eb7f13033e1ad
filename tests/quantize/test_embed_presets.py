"""DINOv2 / CLIP quantized exports end to end (random:0 weights, small configs: DINOv2 ViT-S/14 at 28²,
TinyCLIP-8M/16): one export per engine family passes its parity gate and records what stayed float
and how it was calibrated; the golden checkpoints pass every preset; a sabotaged recipe fails the
gate naming the component and output."""
import json

import pytest

from edgevfm.export import pipeline
from edgevfm_runtime.parity import HIGHER_IS_BETTER

pytestmark = pytest.mark.slow

SMALL = {"dinov2": ("vits14", ["input_size=[28,28]"]), "clip": ("tinyclip-8m16", ["quantize.calibration.texts=16"])}
# (model, preset): the engine family each covers
CASES = [("dinov2", "onnx-int8"),  # ORT static QDQ
         ("dinov2", "x86-int8"),  # OpenVINO + NNCF
         ("dinov2", "onnx-fp16"),  # ORT FP16
         ("dinov2", "jetson-int8"),  # TensorRT Q/DQ (checked in ORT)
         ("clip", "arm-int8"),  # ORT dynamic, both towers
         ("clip", "x86-bf16"),  # OpenVINO bf16, both towers
         ("clip", "jetson-int8")]  # Q/DQ with dynamic batch, text tower from captions


def _export(tmp_path, model, preset, *extra, weights="random:0", variant=None):
    v, overrides = SMALL[model]
    out = tmp_path / f"{model}-{preset}"
    pipeline.export(model, target=preset, variant=variant or v, weights=weights, output=out,
                    overrides=[*overrides, *extra] if weights == "random:0" else list(extra), emit=lambda s: None)
    return json.loads((out / "manifest.json").read_text())


def _passes_its_own_thresholds(m):
    """The gate passed, and every recorded metric meets the recipe threshold it was gated on."""
    par = m["parity"]
    assert par["status"] == "passed" and par["gated"] and not par["failures"]
    checked = 0
    for comp, outs in par["thresholds"].items():
        rows = ({"task": par["metrics"]["task"]} if comp == "task"
                else {o: par["metrics"]["components"][comp].get(o) for o in outs})
        for out, limits in outs.items():
            metrics = rows["task"] if comp == "task" else rows[out]
            for k, lim in ({out: limits} if comp == "task" else limits).items():
                if metrics is None:
                    continue  # e.g. register_tokens on a variant without registers
                assert metrics[k] >= lim if HIGHER_IS_BETTER[k] else metrics[k] <= lim, f"{comp}.{out}.{k}"
                checked += 1
    assert checked >= 5


@pytest.mark.parametrize("model,preset", CASES, ids=[f"{m}-{p}" for m, p in CASES])
def test_small_export_passes_the_gate(tmp_path, model, preset):
    m = _export(tmp_path, model, preset)
    _passes_its_own_thresholds(m)
    assert set(m["parity"]["metrics"]["task"]) >= ({"cls_cosine", "patch_cosine"} if model == "dinov2"
                                        else {"embed_cosine", "top1_agreement"})
    comps = m["components"]
    if preset.endswith("int8"):
        cal = m.get("calibration")
        if preset != "arm-int8":  # dynamic INT8 needs no calibration
            held_out = {"dinov2": "coffee", "clip": "chelsea"}[model]
            assert cal["source"] == "skimage-samples" and held_out not in cal["images"]
            assert cal["feeds"]["encoder"] == cal["count"]
            if model == "clip" and preset != "jetson-int8":
                assert cal["feeds"]["text"] == 16  # the recipe's caption count, not the image count
        else:
            assert cal is None
        # CLIP's text tower: FP16 on jetson-int8, FP32 on arm-int8 (their recipes say why)
        float_text = {"jetson-int8": "fp16", "arm-int8": "fp32"}
        for name, c in comps.items():
            want = float_text.get(preset, "int8") if (model, name) == ("clip", "text") else "int8"
            assert c["precision"] == want
            if want == "int8":
                assert isinstance(c["float_kept"], list)
    if preset == "jetson-int8":
        for c in comps.values():
            assert c["conversion"]["qdq_checks"]["problems"] == []
        if model == "clip":
            assert comps["text"]["engine_options"]["build"]["profiles"]["input_ids"]["max"] == [32, 77]
    if preset == "x86-int8":
        assert comps["encoder"]["float_kept"] == ["/patch_embed/proj/Conv/WithoutBiases"]  # the recipe's ignored scope
        assert comps["encoder"]["engine_options"] == {"INFERENCE_PRECISION_HINT": "f32"}
    if preset == "onnx-int8":
        q = comps["encoder"]["quantization"]
        assert q["method"] == "ort-static-qdq" and q["per_channel"] and q["calibration"]["algorithm"] == "minmax"
        assert len(comps["encoder"]["float_kept"]) == 24  # q·kᵀ and attn·v of the 12 blocks
        assert {"LayerNormalization", "Softmax"} <= set(q["float_op_types"])


GOLDEN = {"dinov2": ("dinov2_vits14.pth", "vits14"), "dinov2-reg": ("dinov2_vits14_reg.pth", "vits14-reg"),
          "clip": ("clip.pt", "vit-b-32")}
PRESETS = ["onnx-fp16", "onnx-int8", "x86-fp32", "x86-bf16", "x86-int8", "arm-fp32", "arm-int8", "jetson-int8"]


@pytest.mark.parametrize("preset", PRESETS)
@pytest.mark.parametrize("which", list(GOLDEN))
def test_golden_checkpoint_passes_every_preset(tmp_path, golden_dir, which, preset):
    """The official-format checkpoints in ../shared/golden (depth-2 DINOv2, small CLIP) through every preset."""
    ckpt, variant = GOLDEN[which]
    if not (golden_dir / ckpt).exists():
        pytest.skip(f"{ckpt} not in {golden_dir}")
    m = _export(tmp_path, which.split("-")[0], preset, weights=str(golden_dir / ckpt), variant=variant)
    _passes_its_own_thresholds(m)
    if which == "dinov2-reg":
        assert "register_tokens" in m["parity"]["metrics"]["components"]["encoder"]


@pytest.mark.parametrize("model,output", [("dinov2", r"encoder\.cls_token"), ("clip", r"text\.text_embeds")])
def test_sabotaged_recipe_fails_the_gate_naming_component_and_output(tmp_path, model, output):
    # INT8 on everything (LayerNorm, Softmax, Erf, residual Adds too), symmetric S8 activations,
    # per-tensor weights, one calibration image (and caption): far below the recipe's thresholds.
    bad = ["quantize.op_types=[Conv, MatMul, Gemm, Add, Mul, Div, LayerNormalization, Softmax, Erf]",
           "quantize.activation_type=int8", "quantize.symmetric_activations=true", "quantize.per_channel=false",
           "quantize.keep_float.nodes=[]", "components.text.quantize.keep_float.nodes=[]",
           "quantize.calibration.size=1", "quantize.calibration.min_images=1", "quantize.calibration.texts=1",
           "quantize.sensitivity.enabled=false"]  # no accuracy budget to rescue it
    out = tmp_path / "b"
    msg = rf"parity gate FAILED for {model} on onnx-int8: .*{output}: sqnr_db = .* \(needs >= \d+"
    with pytest.raises(pipeline.ExportError, match=msg) as exc:
        pipeline.export(model, target="onnx-int8", variant=SMALL[model][0], weights="random:0", output=out,
                        overrides=[*SMALL[model][1], *bad], emit=lambda s: None)
    assert "re-run with --no-parity-gate" in str(exc.value)
    assert not out.exists()


@pytest.mark.parametrize("seed", [1, 2])
def test_int8_passes_on_checkpoints_it_was_not_tuned_on(tmp_path, seed):
    """The recipe was developed on random:0 and the golden checkpoints; other seeds must pass too."""
    model, preset = "dinov2", "onnx-int8"
    v, overrides = SMALL[model]
    out = tmp_path / f"seed{seed}"
    pipeline.export(model, target=preset, variant=v, weights=f"random:{seed}", output=out, overrides=overrides,
                    emit=lambda s: None)
    m = json.loads((out / "manifest.json").read_text())
    assert m["model"]["weights"]["id"] == f"random:{seed}"
    _passes_its_own_thresholds(m)
