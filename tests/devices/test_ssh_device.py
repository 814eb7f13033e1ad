"""End to end against a real OpenSSH server on 127.0.0.1 (this machine plays the device): device add →
setup → check --on → bench --on, one table; a connection killed mid-copy leaves no partial bundle."""
from __future__ import annotations

import getpass
import json
import os
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

import pytest

from edgevfm.cli.main import main as edgevfm

SSHD = shutil.which("sshd") or ("/usr/sbin/sshd" if Path("/usr/sbin/sshd").exists() else None)
pytestmark = pytest.mark.skipif(SSHD is None or shutil.which("ssh") is None,
                                reason="needs OpenSSH (scripts/setup.sh installs openssh-server)")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def sshd(tmp_path_factory):
    """sshd -D on 127.0.0.1 only, a host key and a client key made for this test; stopped at the end."""
    d = tmp_path_factory.mktemp("sshd")
    for key in ("host", "id"):
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(d / key)], check=True)
    shutil.copy(d / "id.pub", d / "authorized_keys")
    port = _free_port()
    (d / "sshd_config").write_text(
        f"Port {port}\nListenAddress 127.0.0.1\nHostKey {d / 'host'}\nAuthorizedKeysFile {d / 'authorized_keys'}\n"
        "PasswordAuthentication no\nKbdInteractiveAuthentication no\nPubkeyAuthentication yes\nUsePAM no\n"
        f"StrictModes no\nPermitRootLogin prohibit-password\nPidFile {d / 'sshd.pid'}\nLogLevel ERROR\n")
    (d / "ssh_config").write_text(
        f"Host *\n  IdentityFile {d / 'id'}\n  IdentitiesOnly yes\n  UserKnownHostsFile {d / 'known_hosts'}\n"
        "  StrictHostKeyChecking accept-new\n  LogLevel ERROR\n")
    if os.geteuid() == 0:
        Path("/run/sshd").mkdir(exist_ok=True)  # sshd's privilege-separation directory
    proc = subprocess.Popen([SSHD, "-D", "-e", "-f", str(d / "sshd_config")], stderr=open(d / "sshd.log", "w"))
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                if proc.poll() is not None:
                    pytest.fail(f"sshd exited: {(d / 'sshd.log').read_text()[-1000:]}")
                time.sleep(0.1)
        yield {"port": port, "dir": d, "config": d / "ssh_config"}
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@pytest.fixture
def on_device(sshd, tmp_path_factory, monkeypatch):
    cfg = tmp_path_factory.getbasetemp() / "xdg-config"
    monkeypatch.setenv("XDG_CONFIG_HOME", str(cfg))
    monkeypatch.setenv("EDGEVFM_SSH_CONFIG", str(sshd["config"]))
    root = tmp_path_factory.getbasetemp() / "device-root"
    return {"url": f"ssh://{getpass.getuser()}@127.0.0.1:{sshd['port']}{root}", "root": root, "config": cfg}


@pytest.mark.slow  # device setup pip-installs numpy, Pillow and onnxruntime into a fresh venv on the "device"
def test_add_setup_check_bench_on_device(on_device, small_bundle, tmp_path, capsys):
    t0 = time.monotonic()
    assert edgevfm(["device", "add", "box", on_device["url"]]) == 0
    assert (on_device["config"] / "edgevfm" / "devices.json").exists()
    assert edgevfm(["device", "setup", "box", "--engine", "onnx"]) == 0
    out = capsys.readouterr().out
    assert "box: ready" in out and "onnxruntime" in out
    venv = on_device["root"] / "venv"
    listed = subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "list", "--format=json"],
                            capture_output=True, text=True, check=True)
    names = {p["name"].lower() for p in json.loads(listed.stdout)}
    assert "edgevfm-runtime" in names and "onnxruntime" in names and "torch" not in names
    assert "include-system-site-packages = false" in (venv / "pyvenv.cfg").read_text()
    t_setup = time.monotonic() - t0

    assert edgevfm(["device", "list", "--json"]) == 0
    dev = json.loads(capsys.readouterr().out)["devices"][0]
    assert dev["name"] == "box" and dev["engine"] == "onnx" and "isa" in dev["facts"] and "tools" in dev["facts"]

    rc = edgevfm(["check", str(small_bundle), "--reference", "golden", "--on", "box", "--json", str(tmp_path / "c.json")])
    out = capsys.readouterr().out
    assert rc == 0, out
    assert "this host" in out and "box" in out and out.count("PASSED") >= 2
    cached = list((on_device["root"] / "bundles").iterdir())
    assert len(cached) == 1 and not cached[0].name.startswith(".partial")
    assert json.loads((tmp_path / "c.json").read_text())["devices"]["box"]["report"]["passed"] is True

    rc = edgevfm(["bench", str(small_bundle), "--on", "box", "--no-baselines", "--runs", "3", "--warmup", "1",
                  "--no-memory", "--cool-down-ms", "0", "--json", str(tmp_path / "b.json"), "--md", str(tmp_path / "b.md")])
    out = capsys.readouterr().out
    assert rc == 0, out
    res = json.loads((tmp_path / "b.json").read_text())
    names = [r["name"] for g in res["groups"] for r in g["rows"]]
    assert names == ["dinov2-vits14-onnx-fp32", "dinov2-vits14-onnx-fp32 @ box"], names  # one table, side by side
    assert res["devices"]["box"]["host"]["cpu"] and "box: " in out  # the device's facts line
    md = (tmp_path / "b.md").read_text()
    table = [line for line in md.splitlines() if line.startswith("| ") and "dinov2-vits14-onnx-fp32" in line]
    assert len(table) == 2 and "@ box" in table[1], md  # one table, this host's row and the device's
    assert len(list((on_device["root"] / "bundles").iterdir())) == 1  # copied once, reused
    print(f"device e2e: setup {t_setup:.0f}s, total {time.monotonic() - t0:.0f}s")


def test_killed_connection_leaves_no_partial_bundle(on_device, small_bundle, tmp_path, monkeypatch):
    from edgevfm.devices import ssh
    from edgevfm.devices.cache import push_bundle
    from edgevfm.devices.registry import Device, DeviceError

    rt = on_device["root"] / "venv" / "bin" / "edgevfm-rt"
    if not rt.exists():
        pytest.skip("runs after the set-up test")
    other = tmp_path / small_bundle.name
    shutil.copytree(small_bundle, other)
    (other / "manifest.json").write_text((other / "manifest.json").read_text() + "\n")  # a new cache key
    started = []

    class Recording(subprocess.Popen):
        def __init__(self, *a, **kw):
            super().__init__(*a, **kw)
            started.append(self)

    monkeypatch.setattr(ssh.subprocess, "Popen", Recording)

    class Cut:  # kills the ssh client after the first 256 kB: the connection dies mid-copy
        def __init__(self, pipe):
            self.pipe, self.sent = pipe, 0

        def write(self, b):
            self.sent += len(b)
            if self.sent > 256 * 1024 and started[-1].poll() is None:
                started[-1].send_signal(signal.SIGKILL)
                started[-1].wait()
            return self.pipe.write(b)

        def flush(self):
            self.pipe.flush()

    device = Device("box", on_device["url"])
    with pytest.raises(DeviceError, match="cannot reach device 'box'.*no partial bundle"):
        push_bundle(device, other, str(rt), emit=lambda s: None, wrap=Cut)
    cache = on_device["root"] / "bundles"
    for _ in range(100):  # the device side notices the dead stream and removes its .partial-* folder
        left = [p.name for p in cache.iterdir() if p.name.startswith(".partial")]
        if not left:
            break
        time.sleep(0.1)
    assert not left, left
    from edgevfm.devices.cache import bundle_key

    assert not (cache / bundle_key(other)).exists()


def test_unreachable_device_is_a_one_line_error(on_device, small_bundle, capsys):
    assert edgevfm(["device", "add", "gone", f"ssh://nobody@127.0.0.1:{_free_port()}/x", "--replace"]) == 0
    capsys.readouterr()
    assert edgevfm(["bench", str(small_bundle), "--on", "gone", "--no-baselines", "--runs", "1", "--warmup", "0",
                    "--no-memory"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: cannot reach device 'gone'") and len(err.splitlines()) == 1, err
    assert edgevfm(["device", "remove", "gone"]) == 0
    capsys.readouterr()
    assert edgevfm(["device", "list", "--json"]) == 0
    assert "gone" not in [d["name"] for d in json.loads(capsys.readouterr().out)["devices"]]
