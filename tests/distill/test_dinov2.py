"""`edgevfm distill dinov2`: the same loop with the DINOv2 task. A 1-block ViT-S/14 teacher file keeps it
quick; the student is the real `vitt14-distill` at 56 px (16 tokens)."""
from __future__ import annotations

import json

import pytest
import torch

from edgevfm.cli.main import main

STEPS = 6


@pytest.fixture(scope="module")
def teacher(tmp_path_factory):
    """A random 1-block ViT-S/14 in the official file format (its config is read off the file)."""
    import dataclasses

    from edgevfm.models.dinov2.config import VARIANTS
    from edgevfm.models.dinov2.model import DinoV2

    torch.manual_seed(11)
    m = DinoV2(config=dataclasses.replace(VARIANTS["vits14"], depth=1))
    with torch.no_grad():  # larger weights than the 0.02 init, so the teacher's tokens depend on the image
        for p in m.parameters():
            p.mul_(4)
    path = tmp_path_factory.mktemp("dinov2_teacher") / "teacher.pth"
    torch.save(m.state_dict(), path)
    return path


def _args(tiny, teacher, run, *extra):
    return ["distill", "dinov2", "--student", "vitt14-distill", "--data", str(tiny["data"]), "--holdout",
            str(tiny["held"]), "-o", str(run), "--teacher-weights", str(teacher), "--image-size", "56",
            "--views", "2", "--batch-size", "4", "--lr", "1e-3", "--threads", "1", "--log-every", "1",
            "--seed", "3", *extra]


@pytest.fixture(scope="module")
def run(tiny, teacher, tmp_path_factory):
    out = tmp_path_factory.mktemp("dino") / "run"
    assert main(_args(tiny, teacher, out, "--steps", str(STEPS), "--ckpt-every", "3")) == 0
    return out


def test_dinov2_run_learns_cls_and_patch_features(run):
    recs = [json.loads(ln) for ln in (run / "log.jsonl").read_text().splitlines()]
    losses = [r["loss"] for r in recs if r["event"] == "train"]
    assert len(losses) == STEPS and losses[-1] < losses[0]
    evals = [r for r in recs if r["event"] == "eval"]
    first, last = evals[0], evals[-1]
    # 6 steps on 4 photos: the held-out patch tokens improve (one held-out CLS is too noisy to assert on)
    assert last["patch_cosine"] > first["patch_cosine"] + 0.1
    assert {"cls_cosine_constant", "patch_cosine_constant"} <= set(first)  # an input-blind student's score
    # the teacher's tokens are cached per input size (dinov2's target depends on it; SAM's does not)
    assert list((run / "teacher_cache").glob("*/*/56px/*/*-v1.npy"))
    meta = json.loads((run / "student.json").read_text())
    assert meta["family"] == "dinov2" and meta["steps"] == STEPS and meta["image_size"] == 56


def test_student_loads_as_variant_in_teacher_feature_space(run):
    from edgevfm import weights as W
    from edgevfm.models import get_model
    from edgevfm.models._loading import CheckpointError

    fam = get_model("dinov2")
    path = str(run / "student.pt")
    m = fam.load("vitt14-distill", W.resolve(path, fam.weight_source("vitt14-distill"), model="dinov2"))
    assert m.config.embed_dim == 192 and m.config.out_dim == 384
    out = m.forward_features(torch.zeros(1, 3, 56, 56))
    assert out["x_norm_clstoken"].shape == (1, 384) and out["x_norm_patchtokens"].shape == (1, 16, 384)
    with pytest.raises(CheckpointError, match="student with a 384-d head"):
        fam.load("vits14", W.resolve(path, fam.weight_source("vits14"), model="dinov2"))


def test_student_bundle_passes_check(run, tmp_path, capsys):
    bundle = tmp_path / "bundle"
    assert main(["export", "dinov2", "--variant", "vitt14-distill", "--weights", str(run / "student.pt"),
                 "--target", "onnx-fp32", "--set", "input_size=56", "-o", str(bundle)]) == 0
    manifest = json.loads((bundle / "manifest.json").read_text())
    assert manifest["model"]["variant"] == "vitt14-distill"
    capsys.readouterr()
    assert main(["check", str(bundle)]) == 0
    assert "PASSED" in capsys.readouterr().out


def test_resume_continues_to_the_same_weights(tiny, teacher, run, tmp_path):
    """Stop after 3 steps (a checkpoint), resume to 6: the same student as the uninterrupted run."""
    out = tmp_path / "split"
    assert main(_args(tiny, teacher, out, "--steps", "3", "--ckpt-every", "3")) == 0
    assert main(_args(tiny, teacher, out, "--steps", str(STEPS), "--ckpt-every", "3", "--resume")) == 0
    a = torch.load(run / "student.pt", weights_only=True)
    b = torch.load(out / "student.pt", weights_only=True)
    assert all(torch.equal(a[k], b[k]) for k in a)


@pytest.mark.parametrize("extra, message", [
    (["--image-size", "100"], "multiple of the patch size 14"),
    (["--loss", "dice"], "unknown loss 'dice' for dinov2"),
    (["--student", "vits14"], "unknown dinov2 student 'vits14'"),
])
def test_bad_options(tiny, teacher, tmp_path, capsys, extra, message):
    args = _args(tiny, teacher, tmp_path / "bad", "--steps", "1")
    if extra[0] == "--student":
        args[args.index("--student") + 1] = extra[1]
    else:
        args += extra
    assert main(args) == 2
    assert message in capsys.readouterr().err
