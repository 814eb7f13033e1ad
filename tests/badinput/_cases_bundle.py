"""Shared helpers for the bundle / zip / signing / runtime-CLI bad-input cases: cheap copies of the
session's SAM bundle (model files hard-linked, never written through), manifest edits, zips, a hang guard."""
from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import tempfile
import zipfile
from pathlib import Path

import pytest

from edgevfm_runtime.hashing import sha256_path


def link_copy(src: Path, dst: Path) -> Path:
    """A copy of bundle ``src`` whose big files are hard links: tamper only through :func:`own`."""
    shutil.copytree(src, dst, copy_function=os.link)
    own(dst / "manifest.json")
    return dst


def own(path: Path) -> Path:
    """Break ``path``'s hard link so writing it cannot touch the session bundle."""
    tmp = path.with_name(path.name + ".own")
    shutil.copyfile(path, tmp)
    os.replace(tmp, path)
    return path


def manifest(root: Path) -> dict:
    return json.loads((root / "manifest.json").read_text())


def edit(root: Path, fn) -> Path:
    m = manifest(root)
    fn(m)
    (root / "manifest.json").write_text(json.dumps(m))
    return root


def rehash(root: Path) -> Path:
    """Record every named file's current sha256 and size, as a malicious editor would."""
    def fix(m):
        for comp in m["components"].values():
            comp["sha256"], comp["file_bytes"] = sha256_path(root / comp["file"]), (root / comp["file"]).stat().st_size
        m["golden"]["sha256"], m["golden"]["bytes"] = sha256_path(root / "golden.npz"), (root / "golden.npz").stat().st_size
    return edit(root, fix)


def zip_dir(root: Path, zpath: Path, *, prefix: str | None = None) -> Path:
    prefix = root.name if prefix is None else prefix
    with zipfile.ZipFile(zpath, "w", zipfile.ZIP_STORED) as zf:  # stored: quick to write in tests
        for p in sorted(root.rglob("*")):
            if p.is_file():
                zf.write(p, (Path(prefix) / p.relative_to(root)).as_posix() if prefix else p.relative_to(root).as_posix())
    return zpath


def entries(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


@contextlib.contextmanager
def no_hang(seconds: int = 30):
    """Fail (not hang) when the body blocks, e.g. an open() of a FIFO."""
    def boom(*_):
        raise TimeoutError(f"hung for more than {seconds}s")
    old = signal.signal(signal.SIGALRM, boom)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


@pytest.fixture
def isolated(tmp_path, monkeypatch):
    """A private bundle cache and temp folder, to assert that nothing is left behind."""
    cache, tmp = tmp_path / "cache", tmp_path / "tmp"
    tmp.mkdir()
    monkeypatch.setenv("EDGEVFM_BUNDLE_CACHE", str(cache))
    monkeypatch.setenv("TMPDIR", str(tmp))
    monkeypatch.setattr(tempfile, "tempdir", str(tmp))
    return cache, tmp


@pytest.fixture
def bcopy(sam_bundle, tmp_path) -> Path:
    return link_copy(sam_bundle, tmp_path / "b")


@pytest.fixture(scope="module")
def keypair(tmp_path_factory):
    from edgevfm_runtime.signing import generate_key

    return generate_key(tmp_path_factory.mktemp("keys") / "k.pem")
