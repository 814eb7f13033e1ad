"""Bad-input corpus, real processes: an export killed with SIGKILL mid-build, and ``-o`` into a
read-only folder (as an unprivileged user: root ignores permission bits)."""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from _cases_export import assert_one_line_error, beside, export_tiny, fake_bundle, tree, use_tiny_dinov2
from edgevfm.export.atomic import is_bundle

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent

# The real export() of the tiny DINOv2, stopped (by the test's SIGKILL) while it writes golden data:
# the component file is already in the scratch folder, the manifest not yet.
DRIVER = """
import pathlib, sys, time
sys.path.insert(0, {here!r})
import pytest
from _cases_export import export_tiny, use_tiny_dinov2
from edgevfm.models.dinov2.family import DinoV2Family

def golden(self, *a, **k):
    pathlib.Path(sys.argv[2]).write_text("mid-build")
    time.sleep(600)

mp = pytest.MonkeyPatch()
use_tiny_dinov2(mp)
mp.setattr(DinoV2Family, "golden", golden)
export_tiny(sys.argv[1], force=True)
"""


def _env() -> dict:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(REPO), str(REPO / "runtime"), env.get("PYTHONPATH", "")])
    return env


def test_kill_9_mid_export_then_next_export_cleans_up(tmp_path, monkeypatch):
    dest = fake_bundle(tmp_path / "out" / "bundle", tag="old")
    before = tree(dest)
    ready = tmp_path / "ready"
    proc = subprocess.Popen([sys.executable, "-c", DRIVER.format(here=str(HERE)), str(dest), str(ready)],
                            env=_env(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 300
        while not ready.exists():
            assert proc.poll() is None, proc.stderr.read().decode()[-2000:]
            assert time.monotonic() < deadline, "the export never reached the golden step"
            time.sleep(0.2)
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.kill()
        proc.wait()
    assert proc.returncode == -signal.SIGKILL
    assert tree(dest) == before  # the old bundle is untouched
    left = beside(dest)
    assert len(left) == 1 and left[0].startswith(f".bundle.tmp-{proc.pid}-"), left
    partial = dest.parent / left[0]
    assert (partial / "encoder.onnx").is_file() and not is_bundle(partial)

    use_tiny_dinov2(monkeypatch)
    notes = []
    from edgevfm.export.pipeline import export

    export("dinov2", target="onnx-fp32", weights="random:0", output=dest, parity_gate=False, force=True,
           overrides=["input_size=28"], emit=notes.append)
    assert beside(dest) == [] and is_bundle(dest)
    assert any("removed .bundle.tmp-" in n and "killed" in n for n in notes), notes


def _as_nobody(fn):
    """fn() in a forked child running as user nobody (root ignores permission bits; the interpreter
    may not even be readable by nobody, so no exec); returns what fn returned."""
    import pickle
    import select

    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:  # child
        try:
            os.close(r)
            os.setgroups([])
            os.setgid(65534)
            os.setuid(65534)
            os.write(w, pickle.dumps(fn()))
        finally:
            os._exit(0)
    os.close(w)
    try:
        ready, _, _ = select.select([r], [], [], 120)
        assert ready, "the unprivileged child did not answer"
        data = b"".join(iter(lambda: os.read(r, 1 << 16), b""))
    finally:
        os.close(r)
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        os.waitpid(pid, 0)
    return pickle.loads(data)


def test_read_only_parent_is_one_line_and_exit_2(tmp_path):
    from _cases_export import run_cli

    root = Path(tempfile.mkdtemp(prefix="edgevfm-ro-"))  # outside pytest's 0700 folder, for user nobody
    try:
        ro = root / "ro"
        ro.mkdir()
        root.chmod(0o755)
        ro.chmod(0o555)
        argv = ["export", "dinov2", "--target", "onnx-fp32", "--weights", "random:0", "-o", str(ro / "bundle")]
        if os.geteuid() == 0:
            # import everything on this path first: nobody may not be able to read the interpreter's files
            assert run_cli([*argv[:-1], str(root)])[0] == 2
            rc, _, err = _as_nobody(lambda: run_cli(argv))
        else:
            rc, _, err = run_cli(argv)
        assert_one_line_error(rc, err, "cannot write in", str(ro), "Permission denied")
        assert os.listdir(ro) == []
    finally:
        shutil.rmtree(root, ignore_errors=True)


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to compare with an unprivileged user")
def test_read_only_probe_is_real_for_root_too(tmp_path):
    """Root can write anywhere its mode bits forbid; the probe then succeeds (no false refusal)."""
    from edgevfm.export.atomic import preflight

    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o555)
    try:
        assert preflight(ro / "bundle") == [] and os.listdir(ro) == []
    finally:
        ro.chmod(0o755)
