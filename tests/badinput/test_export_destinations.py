"""Bad-input corpus: ``export(output=…)`` / ``-o`` onto things that must never be destroyed, and the
cases where replacing is allowed. The real pipeline runs on a tiny DINOv2 stand-in."""
from __future__ import annotations

import os

import pytest

from _cases_export import beside, export_tiny, fake_bundle, tree, use_tiny_dinov2
from edgevfm.export.atomic import DestinationError, is_bundle
from edgevfm_runtime.errors import EdgeVFMError


@pytest.fixture
def no_model(monkeypatch):
    """Refusals must come before any weights are resolved or a model is built."""
    from edgevfm.models.dinov2.family import DinoV2Family

    def built(*a, **k):
        raise AssertionError("a model was built before the destination was checked")

    monkeypatch.setattr(DinoV2Family, "load", built)
    monkeypatch.setattr("edgevfm.weights.resolve", built)


def _user_folder(root):
    d = root / "my-project"
    (d / "src").mkdir(parents=True)
    (d / "README.md").write_text("my notes")
    (d / "src" / "main.py").write_text("print('hi')")
    return d


def _make(kind, tmp_path):
    """(destination, what must stay there, words the error must contain) for each refused kind."""
    if kind == "user-folder":
        d = _user_folder(tmp_path)
        return d, d, ["folder with files", "my-project", "-o"]
    if kind == "folder-with-foreign-manifest":
        d = _user_folder(tmp_path)
        (d / "manifest.json").write_text('{"name": "webapp", "version": "1.0"}')
        return d, d, ["no edgevfm manifest.json"]
    if kind == "folder-with-broken-manifest":
        d = _user_folder(tmp_path)
        (d / "manifest.json").write_text('{"schema_version": 1, "model": ')
        return d, d, ["no edgevfm manifest.json"]
    if kind == "file":
        f = tmp_path / "notes.txt"
        f.write_text("precious")
        return f, tmp_path, ["is a file", "notes.txt"]
    if kind == "symlink-to-folder":
        d = _user_folder(tmp_path)
        link = tmp_path / "link"
        link.symlink_to(d)
        return link, tmp_path, ["symlink"]
    if kind == "symlink-to-bundle":
        b = fake_bundle(tmp_path / "real-bundle")
        link = tmp_path / "link"
        link.symlink_to(b)
        return link, tmp_path, ["symlink"]
    if kind == "broken-symlink":
        link = tmp_path / "link"
        link.symlink_to(tmp_path / "nowhere")
        return link, tmp_path, ["symlink"]
    if kind == "bundle-without-force":
        b = fake_bundle(tmp_path / "bundle")
        return b, b, ["already holds an edgevfm bundle", "--force"]
    if kind == "parent-is-a-file":
        (tmp_path / "plain").write_text("x")
        return tmp_path / "plain" / "bundle", tmp_path, ["plain", "is a file, not a folder"]
    raise ValueError(kind)


REFUSED = ["user-folder", "folder-with-foreign-manifest", "folder-with-broken-manifest", "file", "symlink-to-folder",
           "symlink-to-bundle", "broken-symlink", "bundle-without-force", "parent-is-a-file"]


@pytest.mark.parametrize("kind", REFUSED)
def test_refused_before_the_model_is_built_and_left_intact(kind, tmp_path, no_model):
    dest, keep, words = _make(kind, tmp_path)
    before = tree(keep)
    links = {p.name: os.readlink(p) for p in tmp_path.iterdir() if p.is_symlink()}
    with pytest.raises(DestinationError) as exc:
        export_tiny(dest)
    assert isinstance(exc.value, EdgeVFMError)
    for w in words:
        assert w in str(exc.value)
    assert tree(keep) == before
    assert {p.name: os.readlink(p) for p in tmp_path.iterdir() if p.is_symlink()} == links
    assert not any(n.startswith(".") for n in os.listdir(tmp_path))


@pytest.mark.parametrize("kind", ["user-folder", "folder-with-foreign-manifest", "file", "symlink-to-bundle"])
def test_force_does_not_make_a_non_bundle_replaceable(kind, tmp_path, no_model):
    dest, keep, _ = _make(kind, tmp_path)
    before = tree(keep)
    with pytest.raises(DestinationError):
        export_tiny(dest, force=True)
    assert tree(keep) == before


def test_home_folder_is_refused(tmp_path, monkeypatch, no_model):
    home = _user_folder(tmp_path)
    monkeypatch.setenv("HOME", str(home))
    before = tree(home)
    with pytest.raises(DestinationError, match="folder with files"):
        export_tiny("~")
    assert tree(home) == before


@pytest.mark.parametrize("where", [".", ".."])
def test_current_folder_and_above_are_refused(where, tmp_path, monkeypatch, no_model):
    here = fake_bundle(tmp_path / "outer" / "here")  # even a bundle: the rename cannot move the cwd
    monkeypatch.chdir(here)
    with pytest.raises(DestinationError, match="not a folder name"):
        export_tiny(where, force=True)
    assert is_bundle(here)


def test_empty_folder_is_used(tmp_path, monkeypatch):
    use_tiny_dinov2(monkeypatch)
    dest = tmp_path / "empty"
    dest.mkdir()
    res = export_tiny(dest)
    assert is_bundle(dest) and res.path == dest and beside(dest) == []


def test_bundle_is_replaced_with_force(tmp_path, monkeypatch):
    use_tiny_dinov2(monkeypatch)
    dest = fake_bundle(tmp_path / "bundle", tag="old")
    export_tiny(dest, force=True)
    assert is_bundle(dest) and "tag" not in (dest / "manifest.json").read_text()
    assert (dest / "encoder.onnx").is_file() and not (dest / "model.onnx").exists()
    assert beside(dest) == []


def test_failure_mid_export_keeps_the_old_bundle(tmp_path, monkeypatch):
    from edgevfm.models.dinov2.family import DinoV2Family

    use_tiny_dinov2(monkeypatch)
    dest = fake_bundle(tmp_path / "bundle", tag="old")
    before = tree(dest)

    def fail(*a, **k):
        raise RuntimeError("disk full while writing golden data")

    monkeypatch.setattr(DinoV2Family, "golden", fail)
    with pytest.raises(RuntimeError, match="disk full"):
        export_tiny(dest, force=True)
    assert tree(dest) == before and beside(dest) == []


def test_failure_in_the_final_rename_restores_the_old_bundle(tmp_path, monkeypatch):
    from edgevfm.export import atomic

    use_tiny_dinov2(monkeypatch)
    dest = fake_bundle(tmp_path / "bundle", tag="old")
    before, real, n = tree(dest), os.replace, []

    def flaky(src, dst):
        n.append(1)
        if len(n) == 2:
            raise OSError(5, "Input/output error")
        return real(src, dst)

    monkeypatch.setattr(atomic.os, "replace", flaky)
    with pytest.raises(DestinationError, match="old bundle was kept"):
        export_tiny(dest, force=True)
    assert tree(dest) == before and beside(dest) == []


def test_missing_parents_are_created(tmp_path, monkeypatch):
    use_tiny_dinov2(monkeypatch)
    dest = tmp_path / "a" / "b" / "bundle"
    export_tiny(dest)
    assert is_bundle(dest) and beside(dest) == []
