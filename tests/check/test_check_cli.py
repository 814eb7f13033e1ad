"""`edgevfm check` / `edgevfm-rt check`: exit codes, references, saved outputs, torch-free runs."""
import json
import subprocess
import sys

import numpy as np

import edgevfm_runtime as rt
from edgevfm.cli.main import main
from edgevfm_runtime import golden as G
from edgevfm_runtime.cli import main as rt_main


def test_torch_reference_passes_correct_and_fails_perturbed(dino_bundle, dino_perturbed, tmp_path, capsys):
    assert main(["check", str(dino_bundle), "--json", str(tmp_path / "ok.json")]) == 0
    out = capsys.readouterr().out
    assert "torch fp32 (random:0)" in out and "PASSED" in out and "sqnr_db:" in out  # metrics explained
    ok = json.loads((tmp_path / "ok.json").read_text())
    assert ok["schema_version"] == 1 and ok["passed"] and ok["components"]["encoder"]["cls_token"]["sqnr_db"] > 60
    assert main(["check", str(dino_perturbed), "--json", str(tmp_path / "bad.json")]) == 1
    out = capsys.readouterr().out
    assert "FAILED" in out and "encoder.cls_token" in out
    bad = json.loads((tmp_path / "bad.json").read_text())
    assert not bad["passed"] and any(f.startswith("encoder.") for f in bad["failed"])


def test_sam_perturbed_encoder_fails(sam_bundle, tmp_path, capsys):
    from check_testing import perturb

    bad = perturb(sam_bundle, tmp_path / "sam-bad", scale=0.01)
    assert main(["check", str(bad), "--reference", "golden"]) == 1
    assert "encoder.image_embeddings" in capsys.readouterr().out


def test_torch_reference_equals_golden(dino_bundle, tmp_path):
    """The rebuilt torch reference is the export's golden data (same weights, recipe and photos)."""
    assert main(["check", str(dino_bundle), "--reference", "torch", "--save-outputs", str(tmp_path / "ref.npz")]) == 0
    ref = dict(np.load(tmp_path / "ref.npz"))
    golden = rt.open(dino_bundle).golden
    assert sorted(ref) == sorted(golden)
    for k in golden:
        np.testing.assert_allclose(ref[k], golden[k], rtol=1e-5, atol=1e-5)


def test_save_load_outputs_round_trip(dino_bundle, dino_perturbed, photos, tmp_path):
    """Machine A saves the torch reference on the user's photos; the device checks against it."""
    ref = tmp_path / "ref.npz"
    assert main(["check", str(dino_bundle), "--images", str(photos), "--save-outputs", str(ref)]) == 0
    cases = G.parse(dict(np.load(ref)))
    assert len(cases["encoder"]) == 2 and all("image" in io["src"] for io in cases["encoder"].values())
    assert rt_main(["check", str(dino_bundle), "--load-outputs", str(ref)]) == 0
    assert rt_main(["check", str(dino_perturbed), "--load-outputs", str(ref)]) == 1
    # The device's own outputs come back in the same layout and pass as a reference for the original.
    dev = tmp_path / "device.npz"
    assert rt_main(["check", str(dino_bundle), "--load-outputs", str(ref), "--save-bundle-outputs", str(dev)]) == 0
    assert main(["check", str(dino_bundle), "--load-outputs", str(dev)]) == 0


def test_reference_bundle(dino_bundle, dino_perturbed, photos, capsys):
    assert main(["check", str(dino_bundle), "--reference-bundle", str(dino_bundle)]) == 0
    assert "bundle dinov2-vits14-onnx-fp32" in capsys.readouterr().out
    assert main(["check", str(dino_perturbed), "--reference-bundle", str(dino_bundle)]) == 1
    assert rt_main(["check", str(dino_perturbed), "--reference-bundle", str(dino_bundle), "--images", str(photos)]) == 1


def test_conflicting_references_are_errors(dino_bundle, tmp_path, capsys):
    assert rt_main(["check", str(dino_bundle), "--images", str(tmp_path)]) == 2
    assert "--images" in capsys.readouterr().err
    assert main(["check", str(dino_bundle), "--reference", "torch", "--reference-bundle", str(dino_bundle)]) == 2


def test_runtime_check_without_torch(dino_bundle, dino_perturbed, tmp_path):
    code = ("import sys; sys.modules['torch'] = None\n"
            "from edgevfm_runtime.cli import main\n"
            "rc = main(['check', sys.argv[1], '--json', sys.argv[2]])\n"
            "assert sys.modules.get('torch') is None\n"
            "sys.exit(rc)\n")
    for bundle, want in ((dino_bundle, 0), (dino_perturbed, 1)):
        out = tmp_path / f"{want}.json"
        proc = subprocess.run([sys.executable, "-c", code, str(bundle), str(out)], capture_output=True, text=True)
        assert proc.returncode == want, proc.stderr
        assert ("PASSED" if want == 0 else "FAILED") in proc.stdout
        assert json.loads(out.read_text())["reference"] == "golden.npz"
