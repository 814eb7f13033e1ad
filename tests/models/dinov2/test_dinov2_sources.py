"""DINOv2 files from the libraries people train in reproduce that library's own numbers, in torch and in the
exported ONNX bundle: timm (outputs recorded by tests/references/make_sources.py, a separate environment) and
transformers (run live here). The official .pth keeps the official resampling (test_dinov2_golden.py)."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from edgevfm.models._loading import CheckpointError
from edgevfm.models.dinov2.checkpoint import load_dinov2, read_dinov2_checkpoint
from edgevfm_runtime.errors import EdgeVFMError

from dinov2_testing import golden_paths
from numerics import rel_err

REPO = Path(__file__).resolve().parents[3]
SOURCES = REPO / "tests" / "data" / "sources"
SIZES = ((224, 224), (182, 308))
TOL = 1e-5
TIMM = {"vits14": "timm_vit_small_patch14_dinov2.safetensors", "vits14-reg": "timm_vit_small_patch14_reg4_dinov2.pth"}


def _key(size) -> str:
    return f"{size[0]}x{size[1]}"


# -- the sources ------------------------------------------------------------------------------------------
def timm_source(variant: str):
    path = SOURCES / TIMM[variant]
    with np.load(path.with_suffix(".npz")) as z:
        data = dict(z)
    refs = {}
    for size in SIZES:
        k = _key(size)
        names = ("cls_token", "patch_tokens") + (("register_tokens",) if variant == "vits14-reg" else ())
        refs[size] = (data[f"pixel_values@{k}"].astype(np.float32), {n: data[f"{n}@{k}"] for n in names})
    return path, refs


@torch.no_grad()
def transformers_source(variant: str, folder: Path):
    """A small transformers Dinov2Model / Dinov2WithRegistersModel (518² grid, seeded weights) saved with
    save_pretrained, and its outputs at SIZES computed by transformers itself."""
    tf = pytest.importorskip("transformers")
    regs = 4 if variant == "vits14-reg" else 0
    common = dict(hidden_size=64, num_hidden_layers=2, num_attention_heads=1, intermediate_size=256,
                  image_size=518, patch_size=14)
    if regs:
        model = tf.Dinov2WithRegistersModel(tf.Dinov2WithRegistersConfig(num_register_tokens=regs, **common))
    else:
        model = tf.Dinov2Model(tf.Dinov2Config(**common))
    g = torch.Generator().manual_seed(7 + regs)
    for name, p in model.named_parameters():
        noise = torch.randn(p.shape, generator=g)
        if name.endswith("lambda1") or (p.ndim == 1 and "norm" in name and name.endswith("weight")):
            p.copy_(1 + 0.2 * noise)
        elif "embeddings." in name and "patch_embeddings" not in name:
            p.copy_(noise)  # cls, mask, registers, positions: large, so the resampling shows
        else:
            p.copy_(noise * (0.5 / max(1, p.shape[-1]) ** 0.5 if p.ndim > 1 else 0.05))
    model.eval().save_pretrained(folder)
    refs = {}
    for i, size in enumerate(SIZES):
        x = torch.randn(1, 3, *size, generator=torch.Generator().manual_seed(i)).half().float()
        tokens = model(pixel_values=x).last_hidden_state
        out = {"cls_token": tokens[:, 0].numpy(), "patch_tokens": tokens[:, 1 + regs:].numpy()}
        if regs:
            out["register_tokens"] = tokens[:, 1:1 + regs].numpy()
        refs[size] = (x.numpy(), out)
    return folder / "model.safetensors", refs


@pytest.fixture(scope="module", params=[(lib, v) for lib in ("timm", "transformers") for v in ("vits14", "vits14-reg")],
                ids=lambda p: f"{p[0]}-{p[1]}")
def source(request, tmp_path_factory):
    """(library, variant, checkpoint path, {size: (pixel_values, {output: the library's array})})."""
    lib, variant = request.param
    if lib == "timm":
        return (lib, variant, *timm_source(variant))
    return (lib, variant, *transformers_source(variant, tmp_path_factory.mktemp(f"hf-{variant}")))


def export_bundle(path, variant, size, folder, *extra):
    from edgevfm.export.pipeline import export

    overrides = [f"input_size=[{size[0]},{size[1]}]", *extra]
    return export("dinov2", target="onnx-fp32", variant=variant, weights=str(path), output=folder / "bundle",
                  overrides=overrides, emit=lambda *_: None)


def run_bundle(folder, x) -> dict[str, np.ndarray]:
    from edgevfm_runtime import open as open_bundle

    return open_bundle(folder).session("encoder").run({"pixel_values": x})


# -- tests ------------------------------------------------------------------------------------------------
def test_origin_is_recognised(source):
    lib, variant, path, _ = source
    sd, origin = read_dinov2_checkpoint(path)
    assert origin == lib
    assert "mask_token" in sd and ("register_tokens" in sd) == (variant == "vits14-reg")


@pytest.mark.parametrize("size", SIZES, ids=_key)
def test_torch_model_reproduces_the_library(source, size):
    lib, variant, path, refs = source
    model = load_dinov2(path)
    assert model.config.pos_embed_resample == lib
    x, expected = refs[size]
    with torch.no_grad():
        f = model.forward_features(torch.from_numpy(x))
    got = {"cls_token": f["x_norm_clstoken"], "patch_tokens": f["x_norm_patchtokens"],
           "register_tokens": f["x_norm_regtokens"]}
    for name, ref in expected.items():
        assert rel_err(got[name], ref) < TOL, f"{lib} {variant} {size} {name}"


@pytest.mark.parametrize("size", SIZES, ids=_key)
def test_onnx_bundle_reproduces_the_library(source, size, tmp_path):
    lib, variant, path, refs = source
    result = export_bundle(path, variant, size, tmp_path)
    assert result.manifest["model"]["options"] == {"pos_embed_resample": lib}
    assert result.manifest["model"]["pos_embed"]["checkpoint_grid"] == [37, 37]
    x, expected = refs[size]
    outs = run_bundle(result.path, x)
    for name, ref in expected.items():
        err = rel_err(outs[name], ref)
        assert err < TOL, f"{lib} {variant} {size} {name}: relative error {err:.2e}"


def test_set_overrides_the_resampling_and_check_follows(tmp_path):
    """``--set pos_embed_resample=official`` on a transformers file: the bundle gives the official numbers
    (0.1 offset: visibly not transformers'), the manifest says so, and `check`'s torch reference is built
    the same way (it equals the bundle's golden data)."""
    from edgevfm.check import toolkit_reference
    from edgevfm_runtime import open as open_bundle

    path, refs = transformers_source("vits14", tmp_path / "hf")
    size = SIZES[0]
    result = export_bundle(path, "vits14", size, tmp_path, "pos_embed_resample=official")
    assert result.manifest["model"]["options"] == {"pos_embed_resample": "official"}
    assert result.manifest["model"]["pos_embed"]["checkpoint_library"] == "transformers"
    x, expected = refs[size]
    assert rel_err(run_bundle(result.path, x)["patch_tokens"], expected["patch_tokens"]) > 1e-3
    official = load_dinov2(path)
    official.set_pos_embed_resample("official")
    with torch.no_grad():
        want = official.forward_features(torch.from_numpy(x))["x_norm_patchtokens"]
    assert rel_err(run_bundle(result.path, x)["patch_tokens"], want) < TOL

    bundle = open_bundle(result.path)
    ref = toolkit_reference(bundle, reference="torch", weights=str(path))
    golden = bundle.golden
    outs = [k for k in golden if "/out/" in k or k.endswith("patch_tokens")]
    assert outs
    for k in outs:
        np.testing.assert_allclose(ref.outputs[k], golden[k], rtol=0, atol=1e-6, err_msg=k)


def test_unknown_resampling_is_a_typed_error(tmp_path):
    path, _ = timm_source("vits14")
    with pytest.raises(EdgeVFMError, match="pos_embed_resample 'bilinear'.*official, transformers, timm"):
        export_bundle(path, "vits14", SIZES[0], tmp_path, "pos_embed_resample=bilinear")


def test_official_pth_keeps_the_official_resampling(golden_dir):
    pth, _ = golden_paths(golden_dir, "vits14")
    assert read_dinov2_checkpoint(pth)[1] == "official"
    assert load_dinov2(pth).config.interpolate_offset == 0.1


def test_timm_file_with_a_classifier_head_is_named():
    path, _ = timm_source("vits14")
    from safetensors.torch import load_file

    sd = load_file(str(path))
    sd["head.weight"], sd["head.bias"] = torch.zeros(10, 64), torch.zeros(10)
    with pytest.raises(CheckpointError, match=r"2 unexpected key\(s\): head.bias, head.weight") as exc:
        load_dinov2(sd)
    assert isinstance(exc.value, EdgeVFMError)


def test_cli_wrong_variant_is_one_line(tmp_path):
    """The register file exported as plain vits14: one line naming the fix, exit 2, no traceback."""
    cmd = [sys.executable, "-m", "edgevfm.cli.main", "export", "dinov2", "--target", "onnx-fp32",
           "--weights", str(SOURCES / TIMM["vits14-reg"]), "--output", str(tmp_path / "b")]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    err = proc.stderr.strip() or proc.stdout.strip()
    assert "Traceback" not in proc.stderr
    assert "--variant vits14-reg" in err.splitlines()[-1]


def test_sources_record_their_libraries():
    meta = json.loads((SOURCES / "sources.json").read_text())
    assert meta["timm_dinov2"]["library"].startswith("timm ")
    assert meta["timm_dinov2_reg4"]["arch"] == "vit_small_patch14_reg4_dinov2"
