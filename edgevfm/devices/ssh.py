"""The system OpenSSH client as a transport: commands and tar streams over one `ssh` per call.
BatchMode=yes (a missing key is an error, never a password prompt); ~/.ssh/config applies as usual,
and $EDGEVFM_SSH_CONFIG names another config file (ssh -F), e.g. for CI."""
from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import tempfile
from typing import Callable, Iterable

from .registry import Device, DeviceError

OPTIONS = ("BatchMode=yes", "ConnectTimeout=15", "ServerAliveInterval=5", "ServerAliveCountMax=3")


def ssh_command(device: Device) -> list[str]:
    if not shutil.which("ssh"):
        raise DeviceError("the OpenSSH client `ssh` is not installed (apt-get install openssh-client)")
    cmd = ["ssh"]
    if os.environ.get("EDGEVFM_SSH_CONFIG"):
        cmd += ["-F", os.environ["EDGEVFM_SSH_CONFIG"]]
    for opt in OPTIONS:
        cmd += ["-o", opt]
    if device.port:
        cmd += ["-p", str(device.port)]
    return cmd + [device.destination, "--"]


def _failure(device: Device, what: str, proc_rc: int, stderr: str) -> DeviceError:
    tail = (stderr.strip().splitlines() or ["(no message)"])[-1]
    if proc_rc == 255 or proc_rc < 0:  # ssh's own failure (refused/lost, host key, auth) or ssh killed
        return DeviceError(f"cannot reach device {device.name!r} ({device.url}) for {what}: {tail}")
    return DeviceError(f"{what} on device {device.name!r} failed (exit {proc_rc}): {tail}")


def run(device: Device, script: str, *, what: str, check: bool = True, ok: Iterable[int] = (0,),
        timeout: float | None = None) -> subprocess.CompletedProcess:
    """Run a POSIX-sh ``script`` on the device; stdout/stderr captured as text."""
    cmd = ssh_command(device) + ["sh -c " + shlex.quote(script)]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        raise DeviceError(f"{what} on device {device.name!r} timed out after {timeout:.0f}s") from None
    if check and proc.returncode not in ok:
        raise _failure(device, what, proc.returncode, proc.stderr)
    return proc


def stream(device: Device, script: str, write: Callable[[object], None], *, what: str) -> str:
    """Run ``script`` on the device with ``write(pipe)`` feeding its stdin (e.g. a tar stream); returns stdout."""
    cmd = ssh_command(device) + ["sh -c " + shlex.quote(script)]
    # the device's output goes to files, so a chatty remote can never block our writing
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=out, stderr=err)
        sent = None
        try:
            write(proc.stdin)
        except (BrokenPipeError, OSError, ValueError) as exc:  # the connection went away mid-stream
            sent = exc
        finally:
            try:
                proc.stdin.close()
            except OSError:
                pass
        proc.wait()
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read().decode(errors="replace"), err.read().decode(errors="replace")
    if proc.returncode != 0 or sent is not None:
        rc = proc.returncode if proc.returncode != 0 else 255
        raise _failure(device, what, rc, stderr or str(sent))
    return stdout


def put_file(device: Device, local, remote: str, *, what: str) -> None:
    """One file to ``remote`` (written as .part, renamed when complete)."""
    def write(pipe):
        with open(local, "rb") as f:
            shutil.copyfileobj(f, pipe, 1 << 20)

    q = shlex.quote(remote)
    stream(device, f"mkdir -p \"$(dirname {q})\" && cat > {q}.part && mv {q}.part {q}", write, what=what)
