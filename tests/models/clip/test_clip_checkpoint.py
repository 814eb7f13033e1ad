"""Every released checkpoint layout maps to the same OpenAI-named weights; bad files fail by name."""
from __future__ import annotations

import pickle
import zipfile

import pytest
import torch

from edgevfm.models._loading import CheckpointError
from edgevfm.models.clip.checkpoint import convert_state_dict, load_clip, load_clip_state_dict
from edgevfm.models.clip.config import VARIANTS, infer_config
from edgevfm.models.clip.model import CLIP

from clip_testing import (
    random_state_dict,
    tiny_config,
    tiny_inputs,
    to_hf,
    write_hf_safetensors,
    write_open_clip,
    write_openai_torchscript,
    write_tinyclip,
)

WRITERS = {
    "openai-torchscript": lambda sd, p: write_openai_torchscript(sd, p),
    "openai": lambda sd, p: torch.save(sd, p),
    "open_clip-checkpoint": write_open_clip,
    "tinyclip": lambda sd, p: write_tinyclip(sd, p, ddp=False),
    "tinyclip-ddp": lambda sd, p: write_tinyclip(sd, p, ddp=True),
    "hf": write_hf_safetensors,
}


@pytest.fixture(scope="module")
def reference():
    config = tiny_config("gelu")
    sd = random_state_dict(config)
    model = CLIP(config=config).eval()
    model.load_state_dict(sd, strict=True)
    image, ids = tiny_inputs(config)
    with torch.no_grad():
        outputs = (model.encode_image(image), model.encode_text(ids), *model(image, ids))
    return config, sd, (image, ids), outputs


@pytest.mark.parametrize("layout", sorted(WRITERS))
def test_layout_loads_strictly_with_identical_outputs(reference, layout, tmp_path):
    config, sd, (image, ids), expected = reference
    path = tmp_path / "ckpt.bin"
    WRITERS[layout](sd, path)
    loaded, detected = load_clip_state_dict(path)
    assert detected == layout.replace("-ddp", "")
    assert set(loaded) == set(sd)
    assert all(loaded[k].dtype == torch.float32 and torch.equal(loaded[k], sd[k]) for k in sd)
    model, _ = load_clip(path, activation="gelu")
    assert model.config == config  # inferred from shapes
    with torch.no_grad():
        got = (model.encode_image(image), model.encode_text(ids), *model(image, ids))
    for g, e in zip(got, expected):
        assert torch.equal(g, e)


@pytest.mark.filterwarnings("ignore:`torch.jit.load` is deprecated")
def test_torchscript_reader_equals_jit_load(reference, tmp_path):
    """The code-free reader returns exactly what torch.jit.load(...).state_dict() would."""
    from edgevfm.models.clip.checkpoint import read_torchscript_state_dict

    path = tmp_path / "ViT-tiny.pt"
    write_openai_torchscript(reference[1], path)
    ours = read_torchscript_state_dict(path)
    theirs = torch.jit.load(str(path), map_location="cpu").state_dict()
    assert list(sorted(ours)) == list(sorted(theirs))
    assert {"input_resolution", "context_length", "vocab_size"} <= set(ours)
    assert not any(k.endswith("attn_mask") for k in ours)  # a plain attribute, not state
    assert all(torch.equal(ours[k], theirs[k]) and ours[k].dtype == theirs[k].dtype for k in theirs)
    assert ours["visual.proj"].dtype == torch.float16


def test_torchscript_reader_refuses_foreign_globals(reference, tmp_path):
    """A TorchScript archive whose data.pkl names any callable off the allow-list is rejected unrun."""
    good, bad = tmp_path / "good.pt", tmp_path / "bad.pt"
    write_openai_torchscript(reference[1], good)

    class Evil:
        def __reduce__(self):
            return (print, ("pwned",))

    with zipfile.ZipFile(good) as src, zipfile.ZipFile(bad, "w") as dst:
        for item in src.infolist():
            data = src.read(item)
            if item.filename.endswith("/data.pkl"):
                data = pickle.dumps(Evil(), protocol=2)
            dst.writestr(item, data)
    with pytest.raises(CheckpointError, match=r"refusing to unpickle .*print"):
        load_clip_state_dict(bad)


def test_missing_unexpected_and_misshapen_keys_are_named(reference, tmp_path):
    _, sd, _, _ = reference
    broken = dict(sd)
    del broken["visual.ln_post.bias"]
    broken["visual.extra_head.weight"] = torch.zeros(3)
    broken["text_projection"] = torch.zeros(64, 16)
    path = tmp_path / "broken.pt"
    torch.save(broken, path)
    with pytest.raises(CheckpointError) as err:
        load_clip(path, config=tiny_config("gelu"))
    msg = str(err.value)
    assert "visual.ln_post.bias" in msg and "visual.extra_head.weight" in msg and "text_projection" in msg


def test_incomplete_hf_attention_is_named(reference, tmp_path):
    from safetensors.torch import save_file

    hf = to_hf(reference[1])
    del hf["text_model.encoder.layers.1.self_attn.k_proj.weight"]
    path = tmp_path / "model.safetensors"
    save_file(hf, str(path))
    with pytest.raises(CheckpointError) as err:
        load_clip(path, config=tiny_config("gelu"))
    msg = str(err.value)
    assert "transformer.resblocks.1.attn.in_proj_weight" in msg  # missing
    assert "text_model.encoder.layers.1.self_attn.q_proj.weight" in msg  # left unconverted


def test_wrong_variant_and_unreadable_files(reference, tmp_path):
    path = tmp_path / "tiny.pt"
    torch.save(reference[1], path)
    with pytest.raises(CheckpointError, match="shape mismatch"):
        load_clip(path, config=VARIANTS["tinyclip-8m16"].config)
    junk = tmp_path / "junk.bin"
    junk.write_bytes(b"\x00not a checkpoint" * 10)
    with pytest.raises(CheckpointError, match="junk.bin"):
        load_clip_state_dict(junk)
    with pytest.raises(CheckpointError, match="not tensors"):
        convert_state_dict({"visual.proj": torch.zeros(1), "epoch": 3})


def test_activation_is_never_guessed(reference, tmp_path):
    path = tmp_path / "tiny.pt"
    torch.save(reference[1], path)
    with pytest.raises(ValueError, match="does not record its activation"):
        load_clip(path)
    archive = tmp_path / "ViT-tiny.pt"
    write_openai_torchscript(reference[1], archive)
    assert load_clip(archive)[0].config.activation == "quick_gelu"  # OpenAI's own release
    with pytest.raises(ValueError, match="contradicts"):
        load_clip(path, config=tiny_config("gelu"), activation="quick_gelu")


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_infer_config_round_trips(variant):
    config = VARIANTS[variant].config
    with torch.device("meta"):
        sd = CLIP(config=config).state_dict()
    assert infer_config(sd, activation=config.activation) == config
