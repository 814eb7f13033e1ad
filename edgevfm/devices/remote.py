"""`check --on` / `bench --on`: the bundle pushed once into the device's cache, `edgevfm-rt check|bench
--json` run there, and the result brought back with the device's facts."""
from __future__ import annotations

import json
import shlex
import uuid

from . import ssh
from .cache import push_bundle
from .registry import Device, DeviceError
from .setup import require_setup


def _run_json(device: Device, rt: str, argv: list[str], *, what: str, ok=(0,), timeout=3600) -> tuple[int, dict, str]:
    """``edgevfm-rt ARGV --json F`` on the device; returns (exit code, the JSON, its text output)."""
    q = shlex.quote
    out = f"{device.root}/runs/{uuid.uuid4().hex}.json"
    cmd = " ".join(q(a) for a in [rt, *argv, "--json", out])
    script = (f"mkdir -p {q(device.root)}/runs; {cmd} 1>&2; rc=$?; "
              f"if [ -f {q(out)} ]; then cat {q(out)}; rm -f {q(out)}; fi; exit $rc")
    proc = ssh.run(device, script, what=what, check=False, timeout=timeout)
    if proc.returncode not in ok or not proc.stdout.strip():
        tail = (proc.stderr.strip().splitlines() or ["(no message)"])[-1]
        if proc.returncode == 255:
            raise DeviceError(f"cannot reach device {device.name!r} ({device.url}) for {what}: {tail}")
        raise DeviceError(f"{what} on device {device.name!r} failed (exit {proc.returncode}): {tail}")
    return proc.returncode, json.loads(proc.stdout), proc.stderr


def forwarded(args, names: tuple[str, ...]) -> list[str]:
    """The options of this command line that mean the same on the device (e.g. --threads, --provider)."""
    out = []
    for n in names:
        v = getattr(args, n, None)
        if v not in (None, False):
            out += [f"--{n.replace('_', '-')}", str(v)]
    return out


CHECK_OPTIONS = ("threads", "provider", "device", "engine")
BENCH_OPTIONS = ("runs", "warmup", "threads", "cool_down_ms", "provider", "device")


def remote_check(device: Device, bundle, args, *, emit=print) -> dict:
    rt = require_setup(device)
    path = push_bundle(device, bundle, rt, emit=emit)
    rc, doc, text = _run_json(device, rt, ["check", path, *forwarded(args, CHECK_OPTIONS)],
                              what=f"check of {bundle}", ok=(0, 1))
    return {"device": device.name, "facts": device.facts, "exit_code": rc, "report": doc, "text": text}


def remote_bench(device: Device, bundles, args, *, emit=print) -> dict:
    rt = require_setup(device)
    paths = [push_bundle(device, b, rt, emit=emit) for b in bundles]
    extra = forwarded(args, BENCH_OPTIONS) + (["--no-memory"] if getattr(args, "no_memory", False) else [])
    _, doc, _ = _run_json(device, rt, ["bench", *paths, *extra], what="bench")
    return doc


def merge_bench(local: dict, device: Device, remote: dict) -> dict:
    """The device's rows into ``local``'s groups (same model/variant/input size), named `ROW @ DEVICE`;
    speed-ups are per machine (paired rounds), so a device row's are against its own first row."""
    local.setdefault("devices", {})[device.name] = {"url": device.url, "host": remote.get("host", {}),
                                                   "tools": remote.get("tools", {}), "facts": device.facts}
    for g in remote.get("groups", []):
        rows = [{**r, "name": f"{r['name']} @ {device.name}", "device": device.name} for r in g["rows"]]
        key = (g["model"], g["variant"], json.dumps(g.get("input_size")))
        same = [x for x in local["groups"] if (x["model"], x["variant"], json.dumps(x.get("input_size"))) == key]
        if same:
            for r in rows:
                for sp in r.get("speedup", {}).values():
                    sp["vs"] = f"{sp.get('vs')} @ {device.name}"
            same[0]["rows"] += rows
        else:
            local["groups"].append({**g, "rows": rows, "baseline": f"{g.get('baseline')} @ {device.name}"})
    return local
