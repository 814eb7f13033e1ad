"""edgevfm.export.atomic: what -o may replace, the rename into place, and cleaning killed runs' leftovers."""
from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from edgevfm.export import atomic
from edgevfm.export.atomic import DestinationError, atomic_dir, check_destination, clean_stale, is_bundle, preflight


def _bundle(path, tag="old"):
    path.mkdir(parents=True)
    (path / "manifest.json").write_text(json.dumps({"schema_version": 1, "model": {}, "components": {}, "tag": tag}))
    return path


def _tag(path):
    return json.loads((path / "manifest.json").read_text())["tag"]


def _dead_pid() -> int:
    p = subprocess.Popen([sys.executable, "-c", "pass"])
    p.wait()
    return p.pid  # reaped: no process has it (until the kernel reuses it, far later)


def test_new_destination_is_created_with_missing_parents(tmp_path):
    dest = tmp_path / "a" / "b" / "bundle"
    with atomic_dir(dest) as root:
        (root / "manifest.json").write_text("{}")
    assert (dest / "manifest.json").read_text() == "{}"
    assert os.listdir(dest.parent) == ["bundle"]


def test_empty_folder_may_be_used(tmp_path):
    dest = tmp_path / "empty"
    dest.mkdir()
    assert check_destination(dest) == "empty"
    with atomic_dir(dest) as root:
        (root / "x").write_text("1")
    assert os.listdir(dest) == ["x"] and os.listdir(tmp_path) == ["empty"]


@pytest.mark.parametrize("content", [{"notes.txt": "mine"}, {"manifest.json": "{not json"},
                                     {"manifest.json": json.dumps({"name": "package.json-like"})}])
def test_folder_that_is_not_a_bundle_is_refused_even_with_force(tmp_path, content):
    dest = tmp_path / "project"
    dest.mkdir()
    for name, text in content.items():
        (dest / name).write_text(text)
    for force in (False, True):
        with pytest.raises(DestinationError, match="folder with files in it and no edgevfm manifest.json"):
            check_destination(dest, force=force)
    assert {p.name: p.read_text() for p in dest.iterdir()} == content


def test_bundle_needs_force_and_is_replaced_only_after_the_new_one_is_complete(tmp_path):
    dest = _bundle(tmp_path / "b")
    with pytest.raises(DestinationError, match="already holds an edgevfm bundle; pass --force"):
        check_destination(dest)
    with atomic_dir(dest, force=True) as root:
        assert _tag(dest) == "old"  # untouched while the new one is built
        _bundle(root / "inner")
        (root / "manifest.json").write_text((root / "inner" / "manifest.json").read_text().replace("old", "new"))
    assert _tag(dest) == "new"
    assert os.listdir(tmp_path) == ["b"]


def test_failure_during_the_build_keeps_the_old_bundle(tmp_path):
    dest = _bundle(tmp_path / "b")
    with pytest.raises(RuntimeError), atomic_dir(dest, force=True) as root:
        (root / "half").write_text("x")
        raise RuntimeError("boom")
    assert _tag(dest) == "old" and os.listdir(tmp_path) == ["b"]


def test_failure_of_the_final_rename_restores_the_old_bundle(tmp_path, monkeypatch):
    dest = _bundle(tmp_path / "b")
    real, calls = os.replace, []

    def flaky(src, dst):
        calls.append((os.path.basename(src), os.path.basename(dst)))
        if len(calls) == 2:  # dest → .old worked; tmp → dest fails
            raise OSError(28, "No space left on device")
        return real(src, dst)

    monkeypatch.setattr(atomic.os, "replace", flaky)
    with pytest.raises(DestinationError, match="the old bundle was kept"), atomic_dir(dest, force=True) as root:
        (root / "manifest.json").write_text("{}")
    assert _tag(dest) == "old" and os.listdir(tmp_path) == ["b"]
    assert calls[0][1].startswith(".b.old-") and calls[2] == (calls[0][1], "b")


def test_folder_filled_during_the_build_is_not_replaced(tmp_path):
    dest = tmp_path / "out"
    dest.mkdir()
    with pytest.raises(DestinationError, match="folder with files"), atomic_dir(dest) as root:
        (root / "x").write_text("new")
        (dest / "user.txt").write_text("written meanwhile")
    assert os.listdir(dest) == ["user.txt"] and os.listdir(tmp_path) == ["out"]


def test_file_symlink_and_current_folder_are_refused(tmp_path, monkeypatch):
    f = tmp_path / "file.txt"
    f.write_text("keep")
    with pytest.raises(DestinationError, match="is a file"):
        check_destination(f, force=True)
    link = tmp_path / "link"
    link.symlink_to(_bundle(tmp_path / "real"))
    with pytest.raises(DestinationError, match="symlink"):
        check_destination(link, force=True)
    monkeypatch.chdir(_bundle(tmp_path / "here"))
    with pytest.raises(DestinationError, match="current folder"):
        check_destination(tmp_path / "here", force=True)
    with pytest.raises(DestinationError, match="not a folder name"):
        check_destination(tmp_path / "..", force=True)
    assert f.read_text() == "keep" and is_bundle(tmp_path / "real")


def test_parent_that_is_a_file_is_refused(tmp_path):
    (tmp_path / "f").write_text("x")
    with pytest.raises(DestinationError, match="is a file, not a folder"):
        preflight(tmp_path / "f" / "sub" / "bundle")


def test_read_only_parent_is_refused_before_anything_is_written(tmp_path):
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o555)
    try:
        if os.access(ro, os.W_OK):  # root ignores modes: see the nobody-user CLI case in tests/badinput
            pytest.skip("running as root: permission bits do not apply")
        with pytest.raises(DestinationError, match=r"cannot write in .*ro \(Permission denied\)"):
            preflight(ro / "bundle")
    finally:
        ro.chmod(0o755)
    assert os.listdir(ro) == []


def test_stale_leftovers_of_dead_processes_are_cleaned(tmp_path):
    dest = _bundle(tmp_path / "b")
    dead, host = _dead_pid(), atomic._host_tag()
    stale_tmp = tmp_path / f".b.tmp-{dead}-{host}-abcdef"
    stale_old = tmp_path / f".b.old-{dead}-{host}-123456"
    live_tmp = tmp_path / f".b.tmp-{os.getpid()}-{host}-aaaaaa"  # a concurrent export of this process
    other_host = tmp_path / f".b.tmp-{dead}-000000-bbbbbb"  # its PID means nothing here
    other_name = tmp_path / f".bb.tmp-{dead}-{host}-cccccc"
    for p in (stale_tmp, stale_old, live_tmp, other_host, other_name):
        p.mkdir()
        (p / "big.onnx").write_bytes(b"1" * 10)
    notes = clean_stale(dest)
    assert len(notes) == 2 and all("killed" in n for n in notes)
    assert sorted(os.listdir(tmp_path)) == sorted(["b", live_tmp.name, other_host.name, other_name.name])
    assert _tag(dest) == "old"


def test_orphaned_old_bundle_is_restored_when_the_destination_is_missing(tmp_path):
    # killed between "dest → .old" and ".tmp → dest": the user's bundle only exists as .old
    old = _bundle(tmp_path / f".b.old-{_dead_pid()}-{atomic._host_tag()}-abcdef")
    notes = clean_stale(tmp_path / "b")
    assert notes and "restored" in notes[0]
    assert os.listdir(tmp_path) == ["b"] and _tag(tmp_path / "b") == "old"
    assert not old.exists()


def test_is_bundle_rejects_lookalikes(tmp_path):
    assert is_bundle(_bundle(tmp_path / "ok"))
    d = tmp_path / "dir-manifest"
    (d / "manifest.json").mkdir(parents=True)
    assert not is_bundle(d)
    d = tmp_path / "list"
    d.mkdir()
    (d / "manifest.json").write_text("[1, 2]")
    assert not is_bundle(d)
    d = tmp_path / "deep"
    d.mkdir()
    (d / "manifest.json").write_text("[" * 100000 + "]" * 100000)
    assert not is_bundle(d)
    d = tmp_path / "link"
    d.mkdir()
    (d / "manifest.json").symlink_to(tmp_path / "ok" / "manifest.json")
    assert not is_bundle(d)
