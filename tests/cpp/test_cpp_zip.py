"""Bundle zips in the C++ runtime, as the Python runtime opens them: every member checked before anything is
written (names, types, sizes, ratio), extracted once into the cache the two runtimes share (keyed by the zip's
sha256), and a refused zip leaves nothing there."""
from __future__ import annotations

import hashlib
import stat
import subprocess
import zipfile
from pathlib import Path

import numpy as np
import pytest

import edgevfm_runtime as rt
from tamper import flip_byte

from . import capi
from .test_cpp_runtime import _cosine, _photos

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


@pytest.fixture()
def cache(tmp_path, monkeypatch):
    d = tmp_path / "cache"
    monkeypatch.setenv("EDGEVFM_BUNDLE_CACHE", str(d))  # os.environ writes through to the C getenv
    return d


def _zip(folder: Path, out: Path, prefix: str = "bundle/", extra=()) -> Path:
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for f in sorted(folder.rglob("*")):
            if f.is_file():
                z.write(f, prefix + f.relative_to(folder).as_posix())
        for info, data in extra:
            z.writestr(info, data)
    return out


def _entries(cache: Path) -> list[str]:
    return sorted(p.name for p in cache.iterdir()) if cache.exists() else []


def test_zip_opens_like_its_folder_in_the_shared_cache(cpp_lib, cpp_build, cpp_bundle, cache, tmp_path):
    src = cpp_bundle("dinov2", "x86-fp32")
    zpath = _zip(src, tmp_path / "dinov2.zip", prefix="dinov2-x86-fp32/")
    rgb = _photos(src)[0]
    from_zip = capi.Embedder(capi.Bundle(cpp_lib, zpath))(rgb)
    assert _cosine(from_zip, capi.Embedder(capi.Bundle(cpp_lib, src))(rgb)) >= 0.99999
    sha = hashlib.sha256(zpath.read_bytes()).hexdigest()
    assert _entries(cache) == [sha]
    assert sorted(p.name for p in (cache / sha / "dinov2-x86-fp32").iterdir()) == sorted(p.name for p in src.iterdir())
    # the Python runtime finds the C++ runtime's extraction (same cache layout) and the CLI checks the zip
    assert Path(rt.open(zpath).root).resolve() == (cache / sha / "dinov2-x86-fp32").resolve()
    proc = subprocess.run([str(cpp_build / "edgevfm-cpp"), "check", str(zpath)], capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0 and proc.stdout.rstrip().endswith("PASSED"), proc.stdout[-2000:] + proc.stderr
    assert _entries(cache) == [sha]  # reused, not extracted again


def _symlink(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name)
    info.external_attr = (stat.S_IFLNK | 0o777) << 16
    return info


@pytest.mark.parametrize("extra,match", [
    ([("../evil.txt", b"x")], "is not a plain relative path"),
    ([("bundle/weights/../../x", b"x")], "is not a plain relative path"),
    ([("bundle/zeros.bin", bytes(4 << 20))], "a zip bomb"),
    ([("other/manifest.json", b"{}")], "expected one manifest.json in the zip, found 2"),
    ([(_symlink("bundle/link"), b"/etc/passwd")], "is a symlink"),
], ids=["dotdot", "inner-dotdot", "bomb", "two-manifests", "symlink"])
def test_refused_zips_leave_nothing(cpp_lib, cpp_bundle, cache, tmp_path, extra, match):
    zpath = _zip(cpp_bundle("dinov2", "x86-fp32"), tmp_path / "bad.zip", extra=extra)
    with pytest.raises(capi.CppError, match=match) as e:
        capi.Bundle(cpp_lib, zpath)
    assert e.value.status == 1
    assert [n for n in _entries(cache) if not n.startswith(".tmp-")] == [] and not any(cache.glob(".tmp-*"))


def test_tampered_zip_is_refused_and_discarded(cpp_lib, cpp_bundle, cache, tmp_path):
    import shutil

    dst = tmp_path / "b"
    shutil.copytree(cpp_bundle("dinov2", "x86-fp32"), dst)
    flip_byte(dst / "encoder.bin")
    with pytest.raises(capi.CppError, match="sha256"):
        capi.Bundle(cpp_lib, _zip(dst, tmp_path / "t.zip"))
    assert _entries(cache) == []


def test_not_a_zip_and_member_limit(cpp_lib, cpp_bundle, tmp_path, cache):
    junk = tmp_path / "junk.zip"
    junk.write_bytes(np.arange(1000, dtype=np.uint8).tobytes())
    with pytest.raises(capi.CppError, match="is not a valid zip bundle"):
        capi.Bundle(cpp_lib, junk)
    many = _zip(cpp_bundle("dinov2", "x86-fp32"), tmp_path / "many.zip",
                extra=[(f"bundle/pad/{i}.txt", b"") for i in range(10_001)])
    with pytest.raises(capi.CppError, match="more than the limit of 10000"):
        capi.Bundle(cpp_lib, many)
    assert _entries(cache) == []
