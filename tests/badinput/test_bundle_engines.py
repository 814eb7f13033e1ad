"""Model files an engine cannot read (garbage, truncated, empty, a folder) are a BundleError naming
the file, whichever engine reads them; folder-models (Core ML packages) hash as the export hashed them."""
import os

import pytest

from edgevfm_runtime import bundle_files
from edgevfm_runtime.engines import get_engine
from edgevfm_runtime.errors import BundleError
from edgevfm_runtime.hashing import sha256_path, size_path

ENGINES = {"onnxruntime": ".onnx", "openvino": ".xml", "litert": ".tflite"}


def _available(name):
    reason = get_engine(name).unavailable_reason()
    return pytest.param(name, marks=pytest.mark.skipif(bool(reason), reason=str(reason)))


@pytest.mark.parametrize("content", [os.urandom(3000), b"", b"<?xml version='1.0'?><net><layers>", b"TFL3" + bytes(60)],
                         ids=["random bytes", "empty", "truncated xml", "truncated flatbuffer"])
@pytest.mark.parametrize("engine", [_available(e) for e in ENGINES])
def test_unreadable_model_file(tmp_path, engine, content):
    path = tmp_path / f"encoder{ENGINES[engine]}"
    path.write_bytes(content)
    with pytest.raises(BundleError, match=f"{engine} cannot load .*encoder{ENGINES[engine]}") as exc:
        get_engine(engine).session(path)
    assert "\n" not in str(exc.value)


def test_unknown_engine_option_is_named(tmp_path):
    path = tmp_path / "encoder.onnx"
    path.write_bytes(b"x")
    with pytest.raises(BundleError, match=r"engine_options \['warp_speed'\] .* does not take"):
        get_engine("onnxruntime").session(path, warp_speed=9)


def _package(root):
    pkg = root / "encoder.mlpackage"
    (pkg / "Data" / "weights").mkdir(parents=True)
    (pkg / "Manifest.json").write_text("{}")
    (pkg / "Data" / "model.mlmodel").write_bytes(b"m" * 100)
    (pkg / "Data" / "weights" / "weight.bin").write_bytes(os.urandom(1000))
    return pkg


def test_folder_model_hashes_like_the_export(tmp_path):
    pkg = _package(tmp_path)
    sha, size = bundle_files.sha256_checked(tmp_path, pkg.name, "components.encoder.file")
    assert (sha, size) == (sha256_path(pkg), size_path(pkg))
    bundle_files.verify_file(tmp_path, pkg.name, "components.encoder.file", sha, size)


@pytest.mark.parametrize("inside, message", [
    (lambda pkg, t: (pkg / "Data" / "link.bin").symlink_to(t.parent / "outside.bin"), "outside the bundle"),
    (lambda pkg, t: os.mkfifo(pkg / "Data" / "pipe"), "a FIFO, not a regular file"),
    (lambda pkg, t: (pkg / "Data" / "sub").symlink_to(pkg / "Data" / "weights"), "symlinked folder"),
], ids=["symlink out", "fifo", "symlinked folder"])
def test_folder_model_is_a_closed_world_too(tmp_path, inside, message):
    (tmp_path.parent / "outside.bin").write_bytes(b"x")
    pkg = _package(tmp_path)
    inside(pkg, tmp_path)
    with pytest.raises(BundleError, match=message):
        bundle_files.verify_file(tmp_path, pkg.name, "components.encoder.file", "0" * 64, None)


def test_only_model_packages_may_be_folders(tmp_path):
    (tmp_path / "encoder.onnx").mkdir()
    with pytest.raises(BundleError, match="encoder.onnx is a folder"):
        bundle_files.verify_file(tmp_path, "encoder.onnx", "components.encoder.file", "0" * 64, None)
