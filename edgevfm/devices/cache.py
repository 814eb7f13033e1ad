"""The bundle cache on a device: ROOT/bundles/<sha256 of manifest.json>/<bundle name>. A bundle is
streamed as tar into a fresh .partial-* folder, verified there (the manifest's sha256 is the key, and
`edgevfm-rt info` checks every file's sha256), then renamed into place in one step; a failed or
interrupted copy removes its .partial-* folder, so the cache holds only complete bundles."""
from __future__ import annotations

import shlex
import tarfile
from pathlib import Path

from edgevfm_runtime.hashing import sha256_path

from . import ssh
from .registry import Device, DeviceError


def bundle_key(bundle: Path) -> str:
    return sha256_path(bundle / "manifest.json")


def _tar_writer(bundle: Path, wrap=None):
    def write(pipe):
        out = wrap(pipe) if wrap else pipe
        with tarfile.open(fileobj=out, mode="w|") as tar:
            files = sorted(p for p in bundle.rglob("*") if p.is_file() and p.name != "manifest.json")
            for p in [*files, bundle / "manifest.json"]:  # manifest last: a cut stream never looks complete
                tar.add(p, arcname=f"{bundle.name}/{p.relative_to(bundle)}", recursive=False)
    return write


def push_bundle(device: Device, bundle: str | Path, rt: str, *, emit=print, wrap=None) -> str:
    """The bundle's path on the device, copying it only when the cache lacks it. ``wrap`` wraps the
    stream (tests cut the connection through it)."""
    bundle = Path(bundle).resolve()
    if not (bundle / "manifest.json").is_file():
        raise DeviceError(f"{bundle} is not a bundle folder (no manifest.json)")
    key, name = bundle_key(bundle), bundle.name
    q = shlex.quote
    cache, final = f"{device.root}/bundles", f"{device.root}/bundles/{key}"
    found = ssh.run(device, f"ls {q(final)} 2>/dev/null | head -n 1", what="looking in the bundle cache").stdout.strip()
    if found:
        return f"{final}/{found}"
    emit(f"{device.name}: copying {name} ({sum(p.stat().st_size for p in bundle.rglob('*') if p.is_file()) / 1e6:.1f} MB)")
    script = (f"set -e; mkdir -p {q(cache)}; tmp=$(mktemp -d {q(cache)}/.partial-XXXXXX); "
              "trap 'rm -rf \"$tmp\"' EXIT; trap 'exit 1' HUP INT TERM PIPE; "
              "tar -x -f - -C \"$tmp\"; "
              f"got=$({q(str(Path(rt).parent / 'python'))} -c 'import hashlib,sys; print(hashlib.sha256(open(sys.argv[1],\"rb\").read()).hexdigest())' "
              f"\"$tmp\"/{q(name)}/manifest.json); "
              f"if [ \"$got\" != {key} ]; then echo \"manifest sha256 $got != {key}\" >&2; exit 3; fi; "
              f"{q(rt)} info \"$tmp\"/{q(name)} > /dev/null; "
              f"if [ -d {q(final)} ]; then exit 0; fi; mv \"$tmp\" {q(final)}; trap - EXIT")
    try:
        ssh.stream(device, script, _tar_writer(bundle, wrap), what=f"copying {name}")
    except DeviceError as exc:
        raise DeviceError(f"{exc} (the copy was abandoned; the device cache keeps no partial bundle)") from None
    return f"{final}/{name}"
