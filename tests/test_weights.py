"""Weight resolution: random seeds, local files, offline download errors, checksums, bad files."""
import pytest
import torch

from edgevfm import weights as W
from edgevfm.models import get_model
from edgevfm.models._loading import CheckpointError


@pytest.fixture(autouse=True)
def offline(monkeypatch, tmp_path):
    """No network in tests: every download attempt fails like it does on an offline machine."""
    monkeypatch.setenv("EDGEVFM_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")

    def no_network(url, dest, **_):
        raise OSError("[Errno -3] Temporary failure in name resolution")

    monkeypatch.setattr(W, "_download_url", no_network)
    import huggingface_hub

    def no_hub(*a, **k):
        raise OSError("offline: huggingface.co unreachable")

    monkeypatch.setattr(huggingface_hub, "hf_hub_download", no_hub)


SRC = W.WeightSource(filename="m.pt", urls=("https://example.invalid/m.pt",), hf_repo="org/m")


def test_random_weights():
    r = W.resolve("random:7", SRC, model="m")
    assert r.random and r.id == "random:7" and r.seed == 7
    assert r.manifest() == {"kind": "random", "id": "random:7", "random": True}
    assert W.resolve("random", SRC, model="m").seed == 0


def test_official_offline_names_the_way_out():
    with pytest.raises(W.WeightsUnavailable, match=r"--weights PATH"):
        W.resolve("official", SRC, model="m")


def test_auto_falls_back_to_random_with_a_note():
    r = W.resolve("auto", SRC, model="m")
    assert r.random and r.id == "random:0" and "official weights unavailable" in r.notes[0]


def test_cached_file_is_verified(tmp_path):
    cached = tmp_path / "cache" / "m" / "m.pt"
    cached.parent.mkdir(parents=True)
    cached.write_bytes(b"abc")
    good = W.WeightSource(filename="m.pt", sha256="ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    assert W.resolve("official", good, model="m").path == cached
    bad = W.WeightSource(filename="m.pt", sha256="0" * 64)
    with pytest.raises(W.WeightsUnavailable, match="corrupt or not the official file"):
        W.resolve("official", bad, model="m")


def test_path(tmp_path):
    with pytest.raises(W.WeightsUnavailable, match="no such file"):
        W.resolve(str(tmp_path / "nope.pt"), SRC, model="m")
    f = tmp_path / "w.pt"
    torch.save({"a": torch.zeros(1)}, f)
    r = W.resolve(str(f), SRC, model="m")
    assert r.kind == "file" and len(r.id) == 64


def test_corrupt_checkpoint_file(tmp_path):
    f = tmp_path / "broken.pt"
    f.write_bytes(b"\x80\x02garbage")
    with pytest.raises(W.WeightsUnavailable, match="not a loadable PyTorch checkpoint"):
        W.torch_load(f)
    torch.save([1, 2], tmp_path / "list.pt")
    with pytest.raises(W.WeightsUnavailable, match="not a state dict"):
        W.torch_load(tmp_path / "list.pt")


def test_mismatched_checkpoint_names_keys(tmp_path):
    fam = get_model("sam")
    model = fam.build("vit_t")
    sd = model.state_dict()
    sd.pop("mask_decoder.iou_token.weight")
    sd["extra.key"] = torch.zeros(1)
    f = tmp_path / "mismatch.pt"
    torch.save(sd, f)
    with pytest.raises(CheckpointError, match=r"missing key\(s\): mask_decoder.iou_token.weight.*unexpected key\(s\): extra.key"):
        fam.load_checkpoint(model, f, "vit_t")


def test_random_weights_are_seeded():
    fam = get_model("sam")
    a = fam.load("vit_t", W.resolve("random:3", SRC, model="m")).state_dict()
    b = fam.load("vit_t", W.resolve("random:3", SRC, model="m")).state_dict()
    c = fam.load("vit_t", W.resolve("random:4", SRC, model="m")).state_dict()
    k = "image_encoder.layers.1.blocks.0.attn.attention_biases"
    assert torch.equal(a[k], b[k]) and not torch.equal(a[k], c[k]) and a[k].abs().sum() > 0
