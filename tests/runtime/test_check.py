"""The bundle check: passes on a correct bundle, fails (naming the output) on a perturbed one."""
from tamper import perturbed_copy

import edgevfm_runtime as rt
from edgevfm_runtime.check import run_check


def test_check_passes_on_exported_bundle(sam_bundle):
    report = run_check(rt.open(sam_bundle))
    assert report.passed, report.failed
    enc = report.components["encoder"]["image_embeddings"]
    assert enc["sqnr_db"] > 60 and enc["cosine"] > 0.99999
    assert report.task["mask_iou"] >= 0.99


def test_check_fails_on_perturbed_weights(sam_bundle, tmp_path):
    dst = perturbed_copy(sam_bundle, tmp_path / "b", scale=0.01)  # re-signed: only parity can catch it
    report = run_check(rt.open(dst))
    assert not report.passed
    assert any(f.startswith("encoder.image_embeddings") for f in report.failed), report.failed
