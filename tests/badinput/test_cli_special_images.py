"""Both CLIs given an IMAGE that is not a regular file (FIFO, device, folder, socket, or a symlink to
one): one line, exit code 2, no hang, nothing written, before any inference."""
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from _cases_bundle import bcopy, no_hang  # noqa: F401 - fixtures
from _cases_export import assert_one_line_error, run_cli

REPO = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="POSIX special files")


def _special(kind: str, d: Path):
    """(path, words of the error, something to close afterwards)."""
    if kind == "fifo":
        os.mkfifo(d / "in.png")
        return d / "in.png", ["in.png", "FIFO"], None
    if kind == "dev-zero":
        return Path("/dev/zero"), ["/dev/zero", "character device"], None
    if kind == "folder":
        (d / "in.png").mkdir()
        return d / "in.png", ["in.png", "folder"], None
    if kind == "socket":
        s = socket.socket(socket.AF_UNIX)
        s.bind(str(d / "in.png"))
        return d / "in.png", ["in.png", "socket"], s
    if kind == "symlink-to-fifo":
        os.mkfifo(d / "pipe")
        (d / "in.png").symlink_to(d / "pipe")
        return d / "in.png", ["in.png", "FIFO"], None
    raise ValueError(kind)


KINDS = ["fifo", "dev-zero", "folder", "socket", "symlink-to-fifo"]


@pytest.fixture
def no_inference(monkeypatch):
    from edgevfm_runtime.apps import sam_app

    def boom(*a, **k):
        raise AssertionError("inference started on an image that is not a regular file")
    monkeypatch.setattr(sam_app, "SamPredictor", boom)


@pytest.mark.parametrize("cli", ["edgevfm-rt", "edgevfm"])
@pytest.mark.parametrize("kind", KINDS)
def test_run_refuses_special_image_files(bcopy, tmp_path, no_inference, cli, kind):
    from edgevfm.cli.main import main as toolkit
    from edgevfm_runtime.cli import main as runtime

    image, words, closer = _special(kind, tmp_path)
    out = tmp_path / "mask.png"
    try:
        with no_hang(60):
            rc, _, err = run_cli(["run", bcopy, image, "-o", out], main=runtime if cli == "edgevfm-rt" else toolkit)
    finally:
        if closer is not None:
            closer.close()
    err = "".join(ln + "\n" for ln in err.splitlines() if not ln.startswith("warning:"))  # random-weights note
    assert_one_line_error(rc, err, *words, "not an image file")
    assert not out.exists()


def test_run_on_a_fifo_through_the_real_entry_point(bcopy, tmp_path):
    """The installed entry point's process, not only main(): it exits 2 with one line rather than waiting
    for a writer that never comes."""
    os.mkfifo(tmp_path / "in.png")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO), str(REPO / "runtime")])}
    proc = subprocess.run([sys.executable, "-m", "edgevfm_runtime.cli", "run", str(bcopy), str(tmp_path / "in.png"),
                           "-o", str(tmp_path / "m.png")], capture_output=True, text=True, timeout=120, env=env)
    assert proc.returncode == 2, proc.stderr
    err = [ln for ln in proc.stderr.splitlines() if not ln.startswith("warning:")]
    assert len(err) == 1 and "is a FIFO (named pipe), not an image file" in err[0]
