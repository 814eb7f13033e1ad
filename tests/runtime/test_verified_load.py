"""No gap between checking a bundle file and loading it: a session is built from the bytes whose
sha256 was checked (in memory, or a private copy of them), so a model file swapped in after the check
is refused or never loaded."""
import dataclasses
import os
import shutil
import stat
from pathlib import Path

import numpy as np
import onnx
import pytest
from onnx import helper, numpy_helper

import edgevfm_runtime as rt
from edgevfm_runtime import bundle_files
from edgevfm_runtime.engines import ENGINES, get_engine
from edgevfm_runtime.engines.verified import VerifiedModel
from edgevfm_runtime.errors import BundleError


def _scaled(src: Path, dst: Path) -> Path:
    """``src`` with its largest float initializer doubled: the same inputs and outputs, other numbers."""
    model = onnx.load(str(src))
    init = max((t for t in model.graph.initializer if t.data_type == onnx.TensorProto.FLOAT),
               key=lambda t: np.prod(t.dims))
    init.CopyFrom(numpy_helper.from_array(numpy_helper.to_array(init) * 2, init.name))
    onnx.save(model, str(dst))
    return dst


@pytest.fixture(scope="module")
def swap(sam_bundle, tmp_path_factory):
    """(a private bundle copy, a different decoder with the same IO, a decoder feed)."""
    d = tmp_path_factory.mktemp("race")
    bundle = Path(shutil.copytree(sam_bundle, d / "b"))
    other = _scaled(bundle / "decoder.onnx", d / "other.onnx")
    rng = np.random.default_rng(0)
    feed = {"image_embeddings": rng.standard_normal((1, 256, 64, 64)).astype(np.float32),
            "point_coords": np.array([[[400.0, 300.0], [0.0, 0.0]]], np.float32),
            "point_labels": np.array([[1.0, -1.0]], np.float32),
            "mask_input": np.zeros((1, 1, 256, 256), np.float32), "has_mask_input": np.zeros(1, np.float32),
            "orig_im_size": np.array([480.0, 640.0], np.float32)}
    return bundle, other, feed


def _out(sess, feed):
    return sess.run(feed)


def _same(a, b):
    return all(np.array_equal(a[k], b[k]) for k in a)


@pytest.fixture
def restore(swap):
    bundle, _, _ = swap
    keep = (bundle / "decoder.onnx").read_bytes()
    yield
    (bundle / "decoder.onnx").write_bytes(keep)


def _swap_after_read(monkeypatch, bundle, other):
    """Replace the decoder on disk right after its bytes were read and verified (the race's window)."""
    real, swapped = bundle_files.read_verified, []

    def read_then_swap(root, rel, *a, **k):
        out = real(root, rel, *a, **k)
        if rel == "decoder.onnx":
            shutil.copyfile(other, bundle / "decoder.tmp")
            os.replace(bundle / "decoder.tmp", bundle / "decoder.onnx")
            swapped.append(rel)
        return out

    monkeypatch.setattr(bundle_files, "read_verified", read_then_swap)
    return swapped


def test_a_file_swapped_after_open_is_refused_at_load(swap, restore):
    bundle, other, _ = swap
    b = rt.open(bundle)
    shutil.copyfile(other, bundle / "decoder.tmp")
    os.replace(bundle / "decoder.tmp", bundle / "decoder.onnx")
    with pytest.raises(BundleError, match=r"decoder\.onnx has sha256 .* but the manifest says"):
        b.session("decoder")


def test_a_file_swapped_after_the_check_is_never_loaded(swap, restore, monkeypatch):
    bundle, other, feed = swap
    want = _out(get_engine("onnxruntime").session(bundle / "decoder.onnx"), feed)
    assert not _same(want, _out(get_engine("onnxruntime").session(other), feed))  # the swap would show
    b = rt.open(bundle)
    swapped = _swap_after_read(monkeypatch, bundle, other)
    got = _out(b.session("decoder"), feed)
    assert swapped and (bundle / "decoder.onnx").read_bytes() == other.read_bytes()
    assert _same(want, got)


def test_path_only_engines_load_a_private_read_only_copy(swap, restore, monkeypatch):
    """An engine that cannot load bytes gets a copy of the verified bytes in a private folder, not the
    bundle's path, and the copy is gone once the session exists."""
    bundle, other, feed = swap
    want = _out(get_engine("onnxruntime").session(bundle / "decoder.onnx"), feed)
    ort_engine, seen = ENGINES["onnxruntime"], []

    def open_path(path, **kw):
        st = os.stat(path.parent)
        seen.append((path, stat.S_IMODE(os.stat(path).st_mode), stat.S_IMODE(st.st_mode)))
        return ort_engine.open(path, **kw)

    path_only = dataclasses.replace(ort_engine, open_bytes=None, open=open_path)
    for key in [k for k, v in ENGINES.items() if v is ort_engine]:
        monkeypatch.setitem(ENGINES, key, path_only)
    b = rt.open(bundle)
    swapped = _swap_after_read(monkeypatch, bundle, other)
    got = _out(b.session("decoder"), feed)
    assert swapped and _same(want, got)
    (path, file_mode, dir_mode), = seen
    assert bundle.resolve() not in path.resolve().parents
    assert file_mode == 0o400 and dir_mode == 0o700
    assert not path.exists() and not path.parent.exists()


def test_verify_false_still_loads_the_bytes_it_read(swap, restore, monkeypatch):
    bundle, other, feed = swap
    want = _out(get_engine("onnxruntime").session(bundle / "decoder.onnx"), feed)
    b = rt.open(bundle, verify=False)
    _swap_after_read(monkeypatch, bundle, other)
    assert _same(want, _out(b.session("decoder"), feed))


def _tiny_onnx(path: Path, scale: float) -> Path:
    w = numpy_helper.from_array(np.full((4,), scale, np.float32), "w")
    graph = helper.make_graph([helper.make_node("Mul", ["x", "w"], ["y"])], "tiny",
                              [helper.make_tensor_value_info("x", onnx.TensorProto.FLOAT, [1, 4])],
                              [helper.make_tensor_value_info("y", onnx.TensorProto.FLOAT, [1, 4])], [w])
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], ir_version=8), str(path))
    return path


def test_onnxruntime_loads_from_memory_without_the_file(tmp_path):
    path = _tiny_onnx(tmp_path / "m.onnx", 3.0)
    model = VerifiedModel(path, "m.onnx", {"m.onnx": path.read_bytes()})
    path.unlink()  # nothing on disk: the session can only come from the verified bytes
    y = get_engine("onnxruntime").session_verified(model).run({"x": np.ones((1, 4), np.float32)})["y"]
    np.testing.assert_array_equal(y, np.full((1, 4), 3.0, np.float32))


def test_openvino_loads_an_ir_from_memory_without_the_files(tmp_path):
    ov = pytest.importorskip("openvino")
    src = _tiny_onnx(tmp_path / "m.onnx", 5.0)
    ov.save_model(ov.convert_model(str(src)), str(tmp_path / "enc.xml"), compress_to_fp16=False)
    files = {name: (tmp_path / name).read_bytes() for name in ("enc.xml", "enc.bin")}
    for name in files:
        (tmp_path / name).unlink()
    model = VerifiedModel(tmp_path / "enc.xml", "enc.xml", files)
    sess = get_engine("openvino").session_verified(model)
    y = sess.run({sess.input_names[0]: np.ones((1, 4), np.float32)})[sess.output_names[0]]
    np.testing.assert_array_equal(y, np.full((1, 4), 5.0, np.float32))
