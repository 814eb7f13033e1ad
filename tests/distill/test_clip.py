"""`edgevfm distill clip`: the golden CLIP (128 wide) as teacher, its half-size image tower as student."""
from __future__ import annotations

import json

import pytest
import torch

from edgevfm.cli.main import main

STEPS = 4


def _args(tiny, teacher, run, *extra):
    return ["distill", "clip", "--student", "vit-b-32-distill", "--data", str(tiny["data"]), "--holdout",
            str(tiny["held"]), "-o", str(run), "--teacher-weights", str(teacher), "--views", "2",
            "--batch-size", "4", "--lr", "1e-3", "--threads", "1", "--log-every", "1", "--seed", "3", *extra]


@pytest.fixture(scope="module")
def teacher(golden_dir):
    return golden_dir / "clip.pt"


@pytest.fixture(scope="module")
def run(tiny, teacher, tmp_path_factory):
    out = tmp_path_factory.mktemp("clip") / "run"
    assert main(_args(tiny, teacher, out, "--steps", str(STEPS), "--ckpt-every", "2")) == 0
    return out


def test_clip_run_logs_affinity_training_and_zero_shot_agreement(run):
    recs = [json.loads(ln) for ln in (run / "log.jsonl").read_text().splitlines()]
    assert len([r for r in recs if r["event"] == "train"]) == STEPS
    first, last = [r for r in recs if r["event"] == "eval"][0], [r for r in recs if r["event"] == "eval"][-1]
    assert first["eval_views"] == 8 and first["captions"] >= 20  # 1 held-out image x 8 views, built-in captions
    assert {"zero_shot_top1_agreement_constant", "teacher_distinct_top1"} <= set(first)
    assert last["image_embedding_cosine"] > first["image_embedding_cosine"]
    assert json.loads((run / "config.json").read_text())["loss"] == "affinity"


def test_student_loads_as_variant_with_the_teachers_text_tower(run, teacher):
    from edgevfm import weights as W
    from edgevfm.models import get_model

    fam = get_model("clip")
    s = fam.load("vit-b-32-distill", W.resolve(str(run / "student.pt"), fam.weight_source("vit-b-32-distill"),
                                               model="clip"))
    t = fam.load("vit-b-32", W.resolve(str(teacher), fam.weight_source("vit-b-32"), model="clip"))
    assert s.config.vision.width == t.config.vision.width // 2 and s.config.text == t.config.text
    ts = t.state_dict()
    assert all(torch.equal(v, ts[k]) for k, v in s.state_dict().items() if not k.startswith("visual."))


def test_captions_file_errors(tiny, teacher, tmp_path, capsys):
    one = tmp_path / "one.txt"
    one.write_text("a cat\n")
    assert main(_args(tiny, teacher, tmp_path / "a", "--steps", "1", "--captions", str(one))) == 2
    assert "at least 2 captions" in capsys.readouterr().err
    assert main(["distill", "sam", "--student", "resnet18", "--data", str(tiny["data"]), "-o", str(tmp_path / "b"),
                 "--captions", str(one)]) == 2
    assert "--captions does not apply to sam" in capsys.readouterr().err
