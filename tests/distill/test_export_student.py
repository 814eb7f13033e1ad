"""A distilled student exports as `sam --variant STUDENT` (resnet18, repvit) and its bundle passes `edgevfm check`.

Full-size export (1024 px encoder + decoder) plus the check: a few minutes on a loaded 2-core host,
so it runs only in the extended tier (EDGEVFM_FULL_TESTS=1, or EDGEVFM_DISTILL_EXPORT_TEST=1; marked slow as well)."""
from __future__ import annotations

import json

import pytest
import torch

from edgevfm.cli.main import main
from edgevfm.models.mobilesam.encoders import STUDENTS

from distill_testing import ARGS
from optin import full_only_because

pytestmark = [pytest.mark.slow, full_only_because("a full-size student export", "EDGEVFM_DISTILL_EXPORT_TEST")]


@pytest.mark.parametrize("variant", STUDENTS)
def test_student_exports_and_passes_check(variant, tiny, tmp_path, capsys):
    run = tmp_path / "run"
    assert main(["distill", "sam", "--student", variant, "--data", str(tiny["data"]), "-o", str(run),
                 "--cache", str(tiny["cache"]), "--steps", "1", *ARGS]) == 0
    student = run / "student.pt"
    sd = torch.load(student, weights_only=True)
    # the prompt encoder and mask decoder are the random:0 teacher's, unchanged
    from edgevfm import weights as W
    from edgevfm.models import get_model

    fam = get_model("sam")
    t = fam.load("vit_t", W.resolve("random:0", fam.weight_source("vit_t"), model="mobilesam")).state_dict()
    assert all(torch.equal(sd[k], t[k]) for k in t if k.startswith(("prompt_encoder.", "mask_decoder.")))
    bundle = tmp_path / "bundle"
    assert main(["export", "sam", "--variant", variant, "--weights", str(student), "--target", "onnx-fp32",
                 "-o", str(bundle)]) == 0
    manifest = json.loads((bundle / "manifest.json").read_text())
    assert manifest["model"]["variant"] == variant
    capsys.readouterr()
    assert main(["check", str(bundle), "--weights", str(student)]) == 0
    assert "PASSED" in capsys.readouterr().out
