"""Teacher cache keyed by image content and reused; bad inputs give one-line typed errors."""
from __future__ import annotations

import json
import shutil

import numpy as np
import pytest

from edgevfm.cli.main import main
from edgevfm.distill import DistillError
from edgevfm.distill.cache import EmbeddingCache
from edgevfm.distill.data import scan_images, view

from distill_testing import ARGS, opts


def test_cache_fill_computes_only_missing_entries(tmp_path):
    cache = EmbeddingCache(tmp_path, teacher_id="0123456789abcdef0123")
    calls = []

    def compute(sha, v):
        calls.append((sha, v))
        return np.full((2, 3), v, np.float32)

    keys = [("aa" * 32, 0), ("aa" * 32, 1), ("bb" * 32, 0)]
    assert cache.fill(keys[:2], compute) == (2, 0)
    assert cache.fill(keys, compute) == (1, 2)
    assert calls == keys
    got = cache.get("aa" * 32, 1)
    assert isinstance(got, np.memmap) and got.dtype == np.float16 and float(got[0, 0]) == 1.0
    other = EmbeddingCache(tmp_path, teacher_id="ffff")  # another teacher never sees these entries
    assert not other.has("aa" * 32, 0)


def test_views_are_deterministic_per_image_hash(tiny):
    rec = scan_images(tiny["data"])[0]
    from edgevfm_runtime.image import load_rgb

    rgb = load_rgb(rec.path)
    assert np.array_equal(view(rgb, rec.sha256, 0), rgb)
    a, b = view(rgb, rec.sha256, 1), view(rgb, rec.sha256, 1)
    assert np.array_equal(a, b)
    assert a.shape != rgb.shape or not np.array_equal(a, rgb)


def test_real_teacher_fills_cache_once_keyed_by_hash(tiny, tmp_path):
    """Two files with the same content are one cache entry; a second run computes nothing."""
    data = tmp_path / "data"
    data.mkdir()
    src = sorted(tiny["data"].iterdir())[0]
    shutil.copy(src, data / "a.png")
    shutil.copy(src, data / "copy_of_a.png")
    args = ["distill", "sam", "--student", "resnet18", "--data", str(data), "--cache", str(tmp_path / "cache"),
            "--steps", "1", "--ckpt-every", "1", *opts(views=1, batch_size=2)]
    assert main([*args, "-o", str(tmp_path / "r1")]) == 0
    assert main([*args, "-o", str(tmp_path / "r2")]) == 0
    first, second = (json.loads((tmp_path / r / "log.jsonl").read_text().splitlines()[0]) for r in ("r1", "r2"))
    assert (first["computed"], first["reused"]) == (1, 1)
    assert (second["computed"], second["reused"]) == (0, 2)
    sha = scan_images(data)[0].sha256
    entries = list((tmp_path / "cache").rglob("*.npy"))
    assert [e.name for e in entries] == [f"{sha}-v0.npy"]
    emb = np.load(entries[0])
    assert emb.shape == (256, 64, 64) and np.isfinite(emb).all()


def _err(capsys, argv) -> str:
    assert main(argv) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: ")
    return err[0]


def _distill(data, out, *extra):
    return ["distill", "sam", "--student", "resnet18", "--data", str(data), "-o", str(out), *ARGS, *extra]


def test_empty_data_folder(tmp_path, capsys):
    (tmp_path / "empty").mkdir()
    assert "no images found" in _err(capsys, _distill(tmp_path / "empty", tmp_path / "run"))


def test_unreadable_image(tmp_path, capsys):
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "broken.png").write_bytes(b"not a png")
    assert "broken.png" in _err(capsys, _distill(tmp_path / "d", tmp_path / "run"))


def test_unknown_student_and_family(tiny, tmp_path, capsys):
    argv = _distill(tiny["data"], tmp_path / "run")
    argv[argv.index("resnet18")] = "resnet81"
    assert "did you mean 'resnet18'" in _err(capsys, argv)
    argv = _distill(tiny["data"], tmp_path / "run")
    argv[1] = "dinov3"
    assert "not available" in _err(capsys, argv)


def test_resume_from_corrupt_checkpoint(tiny, tmp_path, capsys):
    ck = tmp_path / "run" / "checkpoints" / "last.pt"
    ck.parent.mkdir(parents=True)
    ck.write_bytes(b"\x80\x02garbage")
    msg = _err(capsys, _distill(tiny["data"], tmp_path / "run", "--cache", str(tiny["cache"]), "--resume"))
    assert "not a readable checkpoint" in msg and "last.pt" in msg
    # and without --resume an existing run is not overwritten
    assert "--resume" in _err(capsys, _distill(tiny["data"], tmp_path / "run", "--cache", str(tiny["cache"])))


def test_holdout_must_not_overlap_training(tiny, capsys, tmp_path):
    assert "never be trained on" in _err(capsys, _distill(tiny["data"], tmp_path / "run", "--holdout", str(tiny["data"])))


def test_distill_error_is_typed():
    from edgevfm_runtime.errors import EdgeVFMError

    assert issubclass(DistillError, EdgeVFMError)
