"""SAM phase 2 (EdgeSAM's prompt-in-the-loop mask distillation) from a phase-1 student: the mask loss
falls, the run records its phase and its start, and a resumed run ends where an uninterrupted one does."""
from __future__ import annotations

import hashlib
import json

import numpy as np
import pytest
import torch

from edgevfm.cli.main import main
from edgevfm.distill import DistillError

from distill_testing import opts, student_weights

STEPS = 6
# one step = the 4 images (1 view each): every step sees the same images, with new prompts
ARGS = opts(views=1, lr="3e-3")


def _distill(tiny, run, *extra) -> int:
    return main(["distill", "sam", "--student", "resnet18", "--data", str(tiny["data"]), "-o", str(run),
                 "--cache", str(tiny["cache"]), *ARGS, *extra])


@pytest.fixture(scope="module")
def phase1(tiny, tmp_path_factory):
    run = tmp_path_factory.mktemp("p1") / "run"
    assert _distill(tiny, run, "--steps", "2") == 0
    return run / "student.pt"


@pytest.fixture(scope="module")
def phase2(tiny, phase1, tmp_path_factory):
    run = tmp_path_factory.mktemp("p2") / "run"
    assert _distill(tiny, run, "--phase", "2", "--init", str(phase1), "--steps", str(STEPS), "--ckpt-every", "3") == 0
    return run


def _train_losses(run) -> list[float]:
    return [r["loss"] for r in map(json.loads, (run / "log.jsonl").read_text().splitlines()) if r["event"] == "train"]


def test_phase2_mask_loss_falls(phase2):
    losses = _train_losses(phase2)
    assert len(losses) == STEPS
    assert np.mean(losses[-2:]) < np.mean(losses[:2]), f"phase-2 loss did not fall: {losses}"


def test_phase2_records_phase_and_start(phase2, phase1):
    config = json.loads((phase2 / "config.json").read_text())
    assert config["phase"] == 2 and config["loss"] == "bce-dice"
    assert config["init"] == str(phase1)
    assert config["init_sha256"] == hashlib.sha256(phase1.read_bytes()).hexdigest()
    assert json.loads((phase2 / "student.json").read_text())["phase"] == 2
    assert json.loads((phase1.parent / "config.json").read_text())["phase"] == 1


def test_phase2_starts_from_the_phase1_encoder(phase1):
    from edgevfm.distill.sam import SamTask

    task = SamTask(student="resnet18", teacher_weights="random:0", seed=9, image_size=64, phase=2, init=str(phase1))
    want = student_weights(phase1.parent)
    got = task.model.state_dict()
    assert all(torch.equal(got[k], v) for k, v in want.items())


def test_phase2_resume_matches_uninterrupted(tiny, phase1, phase2, tmp_path):
    run = tmp_path / "resumed"
    assert _distill(tiny, run, "--phase", "2", "--init", str(phase1), "--steps", "3", "--ckpt-every", "3") == 0
    assert _distill(tiny, run, "--phase", "2", "--init", str(phase1), "--steps", str(STEPS), "--ckpt-every", "3",
                    "--resume") == 0
    a, b = student_weights(phase2), student_weights(run)
    assert all(torch.equal(a[k], b[k]) for k in a), "resumed phase-2 run differs from the uninterrupted one"
    assert _train_losses(run) == _train_losses(phase2)


@pytest.mark.parametrize("argv, message", [
    (["--phase", "2"], "pass --init"),
    (["--init", "x.pt"], "--init applies to a later phase"),
    (["--phase", "2", "--loss", "huber"], "unknown loss 'huber' for sam phase 2"),
])
def test_phase_options_are_checked_before_any_work(tiny, tmp_path, argv, message):
    with pytest.raises(DistillError, match=message):
        from edgevfm.distill.config import DistillConfig
        from edgevfm.distill.loop import distill

        kw = dict(zip(argv[::2], argv[1::2]))
        distill(DistillConfig(family="sam", student="resnet18", data=str(tiny["data"]), output=str(tmp_path / "r"),
                              phase=int(kw.get("--phase", 1)), init=kw.get("--init"), loss=kw.get("--loss")))
    assert not (tmp_path / "r").exists()


def test_phase2_is_sam_only(tiny, tmp_path):
    from edgevfm.distill.config import DistillConfig
    from edgevfm.distill.loop import distill

    with pytest.raises(DistillError, match="dinov2 has phase"):
        distill(DistillConfig(family="dinov2", student="vitt14-distill", data=str(tiny["data"]),
                              output=str(tmp_path / "r"), phase=2))


def test_init_from_another_student_is_refused(tiny, tmp_path):
    from edgevfm.distill.sam import SamTask
    from edgevfm.models.mobilesam.model import build_mobilesam

    other = tmp_path / "vit_t.pt"
    torch.save(build_mobilesam("vit_t").state_dict(), other)
    with pytest.raises(DistillError, match="not a student.pt of sam/resnet18"):
        SamTask(student="resnet18", teacher_weights="random:0", seed=0, image_size=64, phase=2, init=str(other))


def test_phase2_loss_with_the_embedding_term(phase1):
    from edgevfm.distill.sam import SamTask

    class _Views:  # the two things the phase-2 loss reads from the dataset: seed/epoch and each view's size
        seed, epoch = 0, 0

        @staticmethod
        def image(i):
            return np.zeros((48, 64, 3), np.uint8)

    task = SamTask(student="resnet18", teacher_weights="random:0", seed=0, image_size=64, phase=2, init=str(phase1))
    g = torch.Generator().manual_seed(0)
    out, target = torch.randn(2, 256, 4, 4, generator=g), torch.randn(2, 256, 64, 64, generator=g)
    mask = task.train_loss(out, target, "bce-dice", ds=_Views, items=[0, 1])
    both = task.train_loss(out, target, "bce-dice+huber", ds=_Views, items=[0, 1])
    assert float(both - mask) == pytest.approx(float(task.loss(out, target, "huber")), rel=1e-5)
    assert float(task.loss(out, target, "huber")) > 0.1
