"""The loop: torchrun with 2 gloo processes = 1 process with the same global batch; a kill -9'd run
resumed from its last checkpoint = an uninterrupted run."""
from __future__ import annotations

import json
import signal
import subprocess
import time

import pytest
import torch

from edgevfm.cli.main import main

from distill_testing import cli, env, opts, student_weights

STEPS = 6
# 128 px: the stride-64 stage sees 2x2 pixels, so its BatchNorm statistics are not 4-sample ones that
# amplify float rounding (convolutions of a batch of 2 and of 4 round differently)
ARGS = opts(image_size=128)


@pytest.fixture(scope="module")
def reference(tiny, tmp_path_factory):
    run = tmp_path_factory.mktemp("ref") / "run"
    rc = main(["distill", "sam", "--student", "resnet18", "--data", str(tiny["data"]), "-o", str(run),
               "--cache", str(tiny["cache"]), "--steps", str(STEPS), "--ckpt-every", "2", *ARGS])
    assert rc == 0
    return run


def test_reference_run_learns_and_logs(reference):
    recs = [json.loads(ln) for ln in (reference / "log.jsonl").read_text().splitlines()]
    cache = [r for r in recs if r["event"] == "cache"][0]
    assert cache["computed"] == 0 and cache["reused"] == 8  # 4 images x 2 views, all from the filled cache
    losses = [r["loss"] for r in recs if r["event"] == "train"]
    assert [r["step"] for r in recs if r["event"] == "train"] == list(range(1, STEPS + 1))
    assert losses[-1] < losses[0]
    assert (reference / "loss_curve.png").stat().st_size > 1000
    meta = json.loads((reference / "student.json").read_text())
    assert meta["teacher_random"] is True and meta["steps"] == STEPS


def test_torchrun_two_processes_match_one(reference, tiny, tmp_path):
    import sys

    run = tmp_path / "ddp"
    cmd = [sys.executable, "-m", "torch.distributed.run", "--nproc_per_node", "2", "--master_port", "29571",
           "-m", "edgevfm.cli.main", "distill", "sam", "--student", "resnet18", "--data", str(tiny["data"]),
           "-o", str(run), "--cache", str(tiny["cache"]), "--steps", str(STEPS), "--ckpt-every", "2",
           "--device", "cpu", *ARGS]
    res = subprocess.run(cmd, env=env(), capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stderr[-3000:]
    assert json.loads((run / "config.json").read_text())["world_size"] == 2
    # same samples in every global batch and global-batch BatchNorm: the same losses, step by step
    l1, l2 = _losses(reference), _losses(run)
    assert len(l1) == len(l2) == STEPS
    assert l1 == pytest.approx(l2, rel=1e-3), f"per-step losses: 1 process {l1}, 2 processes {l2}"
    # and the same weights up to float rounding: Adam scales every update to about lr, so a parameter
    # whose gradient is ~0 takes a rounding-dependent step; none may differ by a tenth of the movement
    one, two = student_weights(reference), student_weights(run)
    init = _init_weights()
    params = [k for k in one if one[k].is_floating_point() and "running_" not in k]
    moved = max(float((one[k] - init[k]).abs().max()) for k in params)
    diff = max(float((one[k] - two[k]).abs().max()) for k in params)
    assert moved > 1e-3  # the run trained: 6 Adam steps at lr 1e-3
    assert diff < moved / 10, f"2 processes differ from 1 by {diff:.3g} (training moved weights by {moved:.3g})"


def _losses(run) -> list[float]:
    recs = [json.loads(ln) for ln in (run / "log.jsonl").read_text().splitlines()]
    return [r["loss"] for r in recs if r["event"] == "train"]


def _init_weights() -> dict:
    from edgevfm.models.mobilesam.model import build_mobilesam

    torch.manual_seed(3)
    return {f"image_encoder.{k}": v for k, v in build_mobilesam("resnet18").image_encoder.state_dict().items()}


def test_kill9_then_resume_matches_uninterrupted(reference, tiny, tmp_path):
    run = tmp_path / "killed"
    proc = subprocess.Popen(cli("--data", str(tiny["data"]), "-o", str(run), "--cache", str(tiny["cache"]),
                                "--steps", str(STEPS), "--ckpt-every", "2", *ARGS),
                            env=env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    ckpt, killed_at = run / "checkpoints" / "last.pt", None
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline and proc.poll() is None:
        if ckpt.exists():
            killed_at = torch.load(ckpt, weights_only=True)["step"]
            proc.send_signal(signal.SIGKILL)
            break
        time.sleep(0.05)
    proc.wait(timeout=30)
    assert killed_at is not None and killed_at < STEPS, "the run ended before it could be killed"
    assert not (run / "student.pt").exists()
    rc = main(["distill", "sam", "--student", "resnet18", "--data", str(tiny["data"]), "-o", str(run),
               "--cache", str(tiny["cache"]), "--steps", str(STEPS), "--ckpt-every", "2", "--resume", *ARGS])
    assert rc == 0
    a, b = student_weights(reference), student_weights(run)
    assert all(torch.equal(a[k], b[k]) for k in a), "resumed run differs from the uninterrupted one"
    steps = [json.loads(ln)["step"] for ln in (run / "log.jsonl").read_text().splitlines()
             if json.loads(ln)["event"] == "train"]
    assert steps == list(range(1, STEPS + 1))  # lines logged after the checkpoint were dropped, then redone
