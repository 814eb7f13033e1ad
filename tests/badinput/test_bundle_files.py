"""A bundle is a closed world: files the manifest names that leave the bundle, are not regular files,
or have the wrong size are refused (BundleError naming the field), and nothing hangs."""
import os
import shutil

import numpy as np
import pytest

import edgevfm_runtime as rt
from edgevfm_runtime import bundle_files
from edgevfm_runtime.errors import BundleError
from edgevfm_runtime.hashing import sha256_path

from _cases_bundle import bcopy, edit, no_hang, own, rehash  # noqa: F401 - fixtures


def _outside(b, tmp_path, name="x"):
    p = tmp_path / name
    p.write_bytes(b"outside")
    return p


def _set_golden(file, sha=None, size=None):
    def fn(m):
        m["golden"]["file"] = file
        if sha is not None:
            m["golden"]["sha256"] = sha
        if size is not None:
            m["golden"]["bytes"] = size
    return fn


# (name, tamper(bundle, tmp_path), message): the manifest or a file is edited, open() must refuse
def _golden_abs(b, t):
    edit(b, _set_golden("/etc/passwd", sha256_path("/etc/passwd"), os.path.getsize("/etc/passwd")))


def _golden_dotdot(b, t):
    p = _outside(b, t)
    edit(b, _set_golden("../x", sha256_path(p), 7))


def _golden_dev_zero(b, t):
    edit(b, _set_golden("/dev/zero"))


def _golden_symlink_dev_zero(b, t):
    (b / "golden.npz").unlink()
    (b / "golden.npz").symlink_to("/dev/zero")


def _golden_fifo(b, t):
    (b / "golden.npz").unlink()
    os.mkfifo(b / "golden.npz")


def _golden_folder(b, t):
    (b / "golden.npz").unlink()
    (b / "golden.npz").mkdir()


def _golden_symlink_out(b, t):
    out = t / "g.npz"
    shutil.copyfile(b / "golden.npz", out)
    (b / "golden.npz").unlink()
    (b / "golden.npz").symlink_to(out)


def _encoder_symlink_out(b, t):
    out = t / "enc.onnx"
    shutil.copyfile(b / "encoder.onnx", out)
    (b / "encoder.onnx").unlink()
    (b / "encoder.onnx").symlink_to(out)


def _encoder_fifo(b, t):
    (b / "encoder.onnx").unlink()
    os.mkfifo(b / "encoder.onnx")


def _decoder_folder(b, t):
    (b / "decoder.onnx").unlink()
    (b / "decoder.onnx").mkdir()
    (b / "decoder.onnx" / "model.onnx").write_bytes(b"x")


def _decoder_socket_like_dev(b, t):
    (b / "decoder.onnx").unlink()
    (b / "decoder.onnx").symlink_to("/dev/null")


def _symlink_loop(b, t):
    (b / "encoder.onnx").unlink()
    (b / "encoder.onnx").symlink_to(b / "loop2")
    (b / "loop2").symlink_to(b / "encoder.onnx")


def _extra_dotdot(b, t):
    edit(b, lambda m: m["components"]["encoder"].update(extra_files={"../x": "0" * 64}))


def _extra_abs(b, t):
    edit(b, lambda m: m["components"]["encoder"].update(extra_files={"/etc/hostname": "0" * 64}))


def _extra_fifo(b, t):
    os.mkfifo(b / "encoder.bin")
    edit(b, lambda m: m["components"]["encoder"].update(extra_files={"encoder.bin": "0" * 64}))


def _extra_missing(b, t):
    edit(b, lambda m: m["components"]["encoder"].update(extra_files={"encoder.bin": "0" * 64}))


def _truncated_encoder_same_hash_field(b, t):
    own(b / "encoder.onnx")
    with open(b / "encoder.onnx", "r+b") as fh:
        fh.truncate(1000)
    edit(b, lambda m: m["components"]["encoder"].update(sha256=sha256_path(b / "encoder.onnx")))


def _golden_size_lies(b, t):
    edit(b, lambda m: m["golden"].update(bytes=m["golden"]["bytes"] + 1))


def _grown_decoder(b, t):
    own(b / "decoder.onnx")
    with open(b / "decoder.onnx", "ab") as fh:
        fh.write(b"\0" * 10)


CASES = [
    ("golden absolute /etc/passwd", _golden_abs, "golden.file '/etc/passwd' points outside"),
    ("golden ../x", _golden_dotdot, "golden.file '../x' points outside"),
    ("golden /dev/zero", _golden_dev_zero, "golden.file '/dev/zero' points outside"),
    ("golden.npz -> /dev/zero", _golden_symlink_dev_zero, "golden.file .*outside the bundle"),
    ("golden.npz is a FIFO", _golden_fifo, "golden.file golden.npz is a FIFO"),
    ("golden.npz is a folder", _golden_folder, "golden.file golden.npz is a folder"),
    ("golden.npz symlink out", _golden_symlink_out, "golden.file .*outside the bundle"),
    ("encoder symlink out", _encoder_symlink_out, "components.encoder.file .*outside the bundle"),
    ("encoder is a FIFO", _encoder_fifo, "components.encoder.file encoder.onnx is a FIFO"),
    ("decoder is a folder", _decoder_folder, "components.decoder.file decoder.onnx is a folder"),
    ("decoder -> /dev/null", _decoder_socket_like_dev, "components.decoder.file .*outside the bundle"),
    ("symlink loop", _symlink_loop, "components.encoder.file encoder.onnx cannot be read"),
    ("extra file ../x", _extra_dotdot, r"extra_files\['../x'\] '../x' points outside"),
    ("extra file absolute", _extra_abs, "points outside the bundle"),
    ("extra file FIFO", _extra_fifo, r"extra_files\['encoder.bin'\] encoder.bin is a FIFO"),
    ("extra file missing", _extra_missing, "encoder.bin is missing"),
    ("truncated encoder, sha re-recorded", _truncated_encoder_same_hash_field, "encoder.onnx is 1000 bytes but the manifest says"),
    ("golden size lies", _golden_size_lies, "golden.file golden.npz is .* bytes but the manifest says"),
    ("decoder grew", _grown_decoder, "decoder.onnx is .* bytes but the manifest says"),
]
BAD_NAMES = ["", "C:/Windows/x", "..\\..\\x", "a/../../x", "enc\0oder.onnx", "/encoder.onnx"]


@pytest.mark.parametrize("tamper, message", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_files_outside_or_not_regular_are_refused(bcopy, tmp_path, tamper, message):
    tamper(bcopy, tmp_path)
    with no_hang(60), pytest.raises(BundleError, match=message) as exc:
        rt.open(bcopy)
    assert "\n" not in str(exc.value)


@pytest.mark.parametrize("name", BAD_NAMES, ids=repr)
def test_component_file_names_that_leave_the_bundle(bcopy, name):
    edit(bcopy, lambda m: m["components"]["encoder"].update(file=name))
    with pytest.raises(BundleError, match="components.encoder.file"):
        rt.open(bcopy, verify=False)


def test_symlink_inside_the_bundle_is_accepted(bcopy):
    (bcopy / "models").mkdir()
    os.replace(bcopy / "encoder.onnx", bcopy / "models" / "enc.onnx")
    (bcopy / "encoder.onnx").symlink_to("models/enc.onnx")
    b = rt.open(bcopy)
    assert b.component_path("encoder").resolve() == (bcopy / "models" / "enc.onnx").resolve()


def test_bundle_without_recorded_sizes_still_opens(bcopy):
    def old(m):
        for c in m["components"].values():
            c.pop("file_bytes", None)
        m["golden"].pop("bytes", None)
    edit(bcopy, old)
    assert set(rt.open(bcopy).components) == {"encoder", "decoder"}


def test_unsized_file_over_the_limit_is_not_hashed(bcopy, monkeypatch):
    edit(bcopy, lambda m: m["components"]["encoder"].pop("file_bytes"))
    monkeypatch.setattr(bundle_files, "MAX_UNSIZED_FILE_BYTES", 1000)
    with pytest.raises(BundleError, match="components.encoder.file encoder.onnx is .* manifest records no size"):
        rt.open(bcopy)


def test_unverified_open_still_refuses_a_symlink_out_when_the_file_is_used(bcopy, tmp_path):
    _encoder_symlink_out(bcopy, tmp_path)
    b = rt.open(bcopy, verify=False)
    with pytest.raises(BundleError, match="outside the bundle"):
        b.session("encoder")


@pytest.mark.parametrize("payload, message", [
    (lambda p: np.savez(p, a=np.array([{"x": 1}], dtype=object)), "object arrays"),
    (lambda p: p.write_bytes(b"PK\x03\x04 not really a zip"), "not a valid .npz"),
    (lambda p: p.write_bytes(b""), "not a valid .npz"),
], ids=["object array", "garbage", "empty"])
def test_bad_golden_npz_is_a_bundle_error(bcopy, payload, message):
    (bcopy / "golden.npz").unlink()
    payload(bcopy / "golden.npz")
    rehash(bcopy)
    b = rt.open(bcopy)  # hashes match: the content itself is bad
    with pytest.raises(BundleError, match=f"golden.npz (is|holds) {message}"):
        b.golden
