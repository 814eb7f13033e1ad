"""Bad-input corpus: broken ``--weights`` files for every model. Each must give a typed EdgeVFMError
naming the file and what is wrong with it (API), and one line + exit 2 (CLI), before any export work."""
from __future__ import annotations

import functools
import pickle

import pytest
import torch

from _cases_export import assert_one_line_error, run_cli, tiny_build
from edgevfm import weights as W
from edgevfm.models import get_model
from edgevfm_runtime.errors import EdgeVFMError

# model -> (variant, a cheap model of that variant whose state dict stands for a real checkpoint)
MODELS = {"sam": "vit_t", "dinov2": "vits14", "clip": "tinyclip-8m16"}
# what each model's reader says about a file it cannot read at all
UNREADABLE = {"sam": "not a loadable PyTorch checkpoint", "dinov2": "truncated or not a", "clip": "cannot read CLIP checkpoint"}


@functools.lru_cache(maxsize=None)
def _state_dict(model: str) -> dict:
    """A small state dict the model's reader takes for a real checkpoint (DINOv2 and CLIP read their
    config off the shapes, so a 1-block, 64-wide one is valid); for SAM one real key."""
    if model == "dinov2":
        net = tiny_build(get_model("dinov2"), "vits14")
    elif model == "clip":
        from edgevfm.models.clip.config import ClipConfig, ClipTextConfig, ClipVisionConfig
        from edgevfm.models.clip.model import CLIP

        net = CLIP(config=ClipConfig(embed_dim=32, activation="gelu",
                                     vision=ClipVisionConfig(image_size=32, patch_size=16, width=64, layers=1, heads=1),
                                     text=ClipTextConfig(vocab_size=100, width=64, heads=1, layers=1)))
    else:
        return {"mask_decoder.iou_token.weight": torch.zeros(1, 256)}
    return {k: v.clone() for k, v in net.state_dict().items()}


def _wrong_shape(model: str) -> dict:
    sd = dict(_state_dict(model))
    key = next(k for k in sd if k.endswith("weight") and sd[k].ndim == 2 and k not in
               ("visual.conv1.weight", "token_embedding.weight"))
    sd[key] = torch.zeros(sd[key].shape[0] + 1, sd[key].shape[1])
    return sd


def _write(kind: str, model: str, d):
    """(path of a broken checkpoint of ``kind``, words its error must contain besides the file name)."""
    p = d / f"{kind}.pth"
    if kind == "wrong-keys":
        torch.save({"encoder.foo.weight": torch.zeros(3), "head.bias": torch.zeros(2)}, p)
        return p, {"sam": "missing key", "dinov2": "cannot infer the dinov2 config", "clip": "cannot infer a clip config"}[model]
    if kind == "wrong-shape":
        torch.save(_wrong_shape(model), p)
        return p, "shape mismatch"
    if kind == "truncated":
        torch.save({f"w{i}": torch.zeros(1000) for i in range(5)}, p)
        data = p.read_bytes()
        p.write_bytes(data[: len(data) // 3])
        return p, UNREADABLE[model]
    if kind == "text-file":
        p.write_text("this is a README, no weights\n" * 10)
        return p, UNREADABLE[model]
    if kind == "zero-bytes":
        p.write_bytes(b"")
        return p, UNREADABLE[model]
    if kind == "directory":
        p.mkdir()
        return p, "folder"
    if kind == "training-checkpoint":  # values that are not tensors
        torch.save({"model": {"w": torch.zeros(2)}, "epoch": 3, "optimizer": {"lr": 0.1}}, p)
        return p, "tensor"
    if kind == "list-not-dict":
        torch.save([torch.zeros(2), torch.zeros(3)], p)
        return p, "state dict"
    if kind == "pickle-with-code":  # weights_only=True must refuse a global it does not know
        p.write_bytes(pickle.dumps(print, protocol=2))
        return p, "weights only load failed"
    if kind == "bad-safetensors":
        p = d / "model.safetensors"
        p.write_bytes((40).to_bytes(8, "little") + b'{"a": {"dtype": "F32", "shape": [99999')
        return p, "safetensor" if model != "sam" else UNREADABLE[model]
    if kind == "missing":
        return d / "absent.pth", "no such file"
    raise ValueError(kind)


KINDS = ["wrong-keys", "wrong-shape", "truncated", "text-file", "zero-bytes", "directory", "training-checkpoint",
         "list-not-dict", "pickle-with-code", "bad-safetensors", "missing"]


def _load(model: str, path) -> None:
    family = get_model(model)
    variant = MODELS[model]
    family.load(variant, W.resolve(str(path), family.weight_source(variant), model=family.family))


@pytest.mark.parametrize("model", list(MODELS))
@pytest.mark.parametrize("kind", KINDS)
def test_broken_checkpoint_is_a_typed_error_naming_the_file(model, kind, tmp_path):
    path, word = _write(kind, model, tmp_path)
    with pytest.raises(EdgeVFMError) as exc:
        _load(model, path)
    msg = str(exc.value)
    assert str(path) in msg, msg
    assert word.lower() in msg.replace(str(path), "").lower(), msg
    assert "\x1b" not in msg and len(msg) < 1000, msg


@pytest.mark.parametrize("model", list(MODELS))
@pytest.mark.parametrize("kind", ["wrong-keys", "zero-bytes", "directory"])
def test_broken_checkpoint_on_the_cli_is_one_line_exit_2(model, kind, tmp_path):
    path, word = _write(kind, model, tmp_path)
    dest = tmp_path / "out"
    rc, _, err = run_cli(["export", model, "--variant", MODELS[model], "--target", "onnx-fp32", "--weights", path,
                          "-o", dest])
    assert_one_line_error(rc, err, path.name, word)
    assert not dest.exists() and [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []
