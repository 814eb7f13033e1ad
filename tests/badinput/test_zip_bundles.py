"""Zip bundles: members validated before anything is written, size/count/ratio caps, one extraction
per zip (cache keyed by sha256) reused by later opens; a refused zip leaves nothing in the cache or /tmp."""
import os
import stat
import zipfile

import pytest

import edgevfm_runtime as rt
from edgevfm_runtime.bundle_zip import ZipLimits, cache_dir
from edgevfm_runtime.errors import BundleError

from _cases_bundle import bcopy, edit, entries, isolated, no_hang, zip_dir  # noqa: F401 - fixtures

MANIFEST = b'{"schema_version": 1}'


@pytest.fixture(scope="module")
def good_zip(sam_bundle, tmp_path_factory):
    return zip_dir(sam_bundle, tmp_path_factory.mktemp("zips") / "sam.zip")


def _refused(zpath, isolated, message, **kw):
    cache, tmp = isolated
    with no_hang(60), pytest.raises(BundleError, match=message) as exc:
        rt.open(zpath, **kw)
    assert "\n" not in str(exc.value)
    assert entries(cache) == [] and entries(tmp) == [], "a refused zip left files behind"


def test_good_zip_is_extracted_once_and_reused(good_zip, isolated):
    cache, tmp = isolated
    a = rt.open(good_zip)
    b = rt.open(good_zip)
    assert a.root == b.root and a.root.parent.parent == cache == cache_dir()
    assert len(entries(cache)) == 1 and entries(tmp) == []
    assert a.root.name == "sam" or a.root.name == good_zip.stem or a.root.name.startswith("sam")
    assert set(a.components) == {"encoder", "decoder"}


def test_zip_without_a_folder_prefix(sam_bundle, tmp_path, isolated):
    z = zip_dir(sam_bundle, tmp_path / "flat.zip", prefix="")
    assert rt.open(z).root.name == "flat"


def test_tampered_cache_entry_is_detected_and_re_extracted(good_zip, isolated):
    root = rt.open(good_zip).root
    with open(root / "decoder.onnx", "ab") as fh:
        fh.write(b"\0")
    with pytest.raises(BundleError, match="decoder.onnx"):
        rt.open(good_zip)
    assert entries(isolated[0]) == []
    assert rt.open(good_zip).root == root  # extracted again, clean


def test_cache_keeps_a_bounded_number_of_extractions(good_zip, isolated, monkeypatch):
    from edgevfm_runtime import bundle_zip

    monkeypatch.setattr(bundle_zip, "MAX_CACHED_BUNDLES", 2)
    cache = isolated[0]
    cache.mkdir()
    for i in range(3):  # older extractions of other zips
        (cache / (f"{i}" * 64)).mkdir()
        os.utime(cache / (f"{i}" * 64), (1000 + i, 1000 + i))
    root = rt.open(good_zip).root
    assert entries(cache) == sorted(["2" * 64, root.parent.name])


def test_stale_temporary_folder_of_a_dead_process_is_removed(good_zip, isolated):
    cache = isolated[0]
    cache.mkdir()
    (cache / ".tmp-999999999-abc").mkdir()  # no such pid
    rt.open(good_zip)
    assert [e for e in entries(cache) if e.startswith(".tmp-")] == []


def _write(zpath, members):
    """members: (name, data, unix mode or None)"""
    with zipfile.ZipFile(zpath, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data, mode in members:
            info = zipfile.ZipInfo(name)
            info.compress_type = zipfile.ZIP_DEFLATED
            if mode is not None:
                info.external_attr = mode << 16
            zf.writestr(info, data)
    return zpath


NAME_CASES = ["../evil.onnx", "/abs/manifest.json", "b/../../x", "C:/x.onnx", "b\\..\\x", "./b/x", "b//x", "b/.."]


@pytest.mark.parametrize("name", NAME_CASES, ids=repr)
def test_member_names_that_leave_the_bundle(tmp_path, isolated, name):
    z = _write(tmp_path / "n.zip", [("b/manifest.json", MANIFEST, None), (name, b"x", None)])
    _refused(z, isolated, "is not a plain relative path")


@pytest.mark.parametrize("mode, what", [
    (stat.S_IFLNK | 0o777, "is a symlink"), (stat.S_IFIFO | 0o644, "is a special file"),
    (stat.S_IFCHR | 0o644, "is a special file"), (stat.S_IFBLK | 0o644, "is a special file"),
], ids=["symlink", "fifo", "chardev", "blockdev"])
def test_special_members(tmp_path, isolated, mode, what):
    z = _write(tmp_path / "s.zip", [("b/manifest.json", MANIFEST, None), ("b/golden.npz", b"/etc/passwd", mode)])
    _refused(z, isolated, what)


@pytest.mark.parametrize("members, message", [
    ([("a/manifest.json", MANIFEST, None), ("b/manifest.json", MANIFEST, None)], "expected one manifest.json .* found 2"),
    ([("a/manifest.json", MANIFEST, None), ("a/sub/manifest.json", MANIFEST, None)], "found 2"),
    ([("a/encoder.onnx", b"x", None)], "found 0"),
    ([], "found 0"),
    ([("a/manifest.json/", b"", None)], "found 0"),
], ids=["two manifests", "nested second manifest", "no manifest", "empty zip", "manifest is a folder"])
def test_manifest_count(tmp_path, isolated, members, message):
    _refused(_write(tmp_path / "m.zip", members), isolated, message)


def test_duplicate_member(tmp_path, isolated):
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # zipfile warns about the duplicate it writes
        z = _write(tmp_path / "d.zip", [("b/manifest.json", MANIFEST, None), ("b/x", b"1", None), ("b/x", b"2", None)])
    _refused(z, isolated, "appears twice")


def test_zip_bomb_is_refused_before_extraction(tmp_path, isolated):
    z = tmp_path / "bomb.zip"
    with zipfile.ZipFile(z, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        zf.writestr("b/manifest.json", MANIFEST)
        with zf.open("b/golden.npz", "w") as fh:
            zeros = bytes(1 << 20)
            for _ in range(64):  # 64 MiB of zeros: ~64 KiB compressed
                fh.write(zeros)
    assert z.stat().st_size < 1 << 20
    _refused(z, isolated, r"expands \d+x .*zip bomb")


@pytest.mark.parametrize("limits, message", [
    (ZipLimits(max_bytes=1000), "expands to more than 1000 bytes"),
    (ZipLimits(max_members=3), "more than the limit of 3"),
    (ZipLimits(max_ratio=0.5), r"expands .*x \(limit 0.5x\)"),
], ids=["total size", "member count", "ratio"])
def test_limits_are_parameters(good_zip, isolated, limits, message):
    _refused(good_zip, isolated, message, zip_limits=limits)


def test_too_many_members_by_default(tmp_path, isolated):
    z = tmp_path / "many.zip"
    with zipfile.ZipFile(z, "w", zipfile.ZIP_STORED) as zf:
        zf.writestr("b/manifest.json", MANIFEST)
        for i in range(10_001):
            zf.writestr(f"b/f{i}", b"")
    _refused(z, isolated, "more than the limit of 10000")


def test_encrypted_member(tmp_path, isolated):
    z = _write(tmp_path / "e.zip", [("b/manifest.json", MANIFEST, None)])
    data = bytearray(z.read_bytes())
    for sig in (b"PK\x03\x04", b"PK\x01\x02"):  # set the "encrypted" flag in both headers
        at = data.find(sig)
        off = at + (6 if sig == b"PK\x03\x04" else 8)
        data[off] |= 1
    z.write_bytes(bytes(data))
    _refused(z, isolated, "is encrypted")


def _corrupt(good_zip, tmp_path, how):
    data = bytearray(good_zip.read_bytes())
    if how == "truncated":
        data = data[: len(data) // 2]
    elif how == "crc":  # flip a byte inside the first member's compressed data
        data[200] ^= 0xFF
    elif how == "garbage":
        data = bytearray(os.urandom(4096))
    p = tmp_path / f"{how}.zip"
    p.write_bytes(bytes(data))
    return p


@pytest.mark.parametrize("how, message", [
    ("truncated", "is not a valid zip bundle"), ("crc", "is not a valid zip bundle|sha256|bytes"),
    ("garbage", "is not a valid zip bundle"),
], ids=["truncated", "bad crc", "random bytes"])
def test_corrupt_zip(good_zip, tmp_path, isolated, how, message):
    _refused(_corrupt(good_zip, tmp_path, how), isolated, message)


def test_valid_zip_holding_a_bad_bundle_leaves_nothing(bcopy, tmp_path, isolated):
    edit(bcopy, lambda m: m["golden"].update(file="../../x"))
    _refused(zip_dir(bcopy, tmp_path / "bad.zip"), isolated, "golden.file '../../x' points outside")


@pytest.mark.parametrize("make, message", [
    (lambda p: os.mkfifo(p), "is a FIFO, not a bundle folder"),
    (lambda p: p.write_bytes(b"hello"), "is a file but not a .zip"),
], ids=["fifo path", "plain file"])
def test_bundle_path_that_is_neither_folder_nor_zip(tmp_path, isolated, make, message):
    p = tmp_path / "bundle"
    make(p)
    _refused(p, isolated, message)
