"""The device registry: NAME -> ssh://user@host[:port][/work-dir], kept in
$XDG_CONFIG_HOME/edgevfm/devices.json (default ~/.config); no passwords — ssh keys and ~/.ssh/config do auth."""
from __future__ import annotations

import json
import os
import re
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from edgevfm_runtime.errors import EdgeVFMError

NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
DEFAULT_ROOT = ".edgevfm"  # relative to the login directory on the device


class DeviceError(EdgeVFMError):
    """A device is unknown, unreachable, not set up, or a transfer/command on it failed."""


@dataclass
class Device:
    name: str
    url: str
    facts: dict = field(default_factory=dict)  # from `device setup`
    engine: str | None = None  # the runtime extra installed by `device setup`

    @property
    def parts(self):
        return urlsplit(self.url)

    @property
    def destination(self) -> str:
        """user@host for ssh (ssh's own config can still map host aliases)."""
        p = self.parts
        return f"{p.username}@{p.hostname}" if p.username else p.hostname

    @property
    def port(self) -> int | None:
        return self.parts.port

    @property
    def root(self) -> str:
        """The device-side folder for the venv, wheels and the bundle cache (URL path, else ~/.edgevfm)."""
        return self.parts.path or DEFAULT_ROOT


def parse_url(url: str) -> str:
    try:
        p = urlsplit(url)
        p.port  # noqa: B018 - raises on a bad port
    except ValueError as exc:
        raise DeviceError(f"bad device address {url!r}: {exc}; use ssh://user@host[:port]") from None
    if p.scheme != "ssh" or not p.hostname or p.password is not None or p.query or p.fragment:
        raise DeviceError(f"bad device address {url!r}: use ssh://user@host[:port][/work-dir] "
                          "(no password: ssh keys and ~/.ssh/config are used)")
    return url


def config_path() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "edgevfm" / "devices.json"


def load_devices() -> dict[str, Device]:
    path = config_path()
    if not path.exists():
        return {}
    try:
        data = json.loads(path.read_text())
        return {d["name"]: Device(**d) for d in data.get("devices", [])}
    except (ValueError, KeyError, TypeError) as exc:
        raise DeviceError(f"{path} is not a device registry ({exc}); fix or remove it") from None


def save_devices(devices: dict[str, Device]) -> Path:
    """Written beside the target and renamed over it, so a crash never leaves half a registry."""
    path = config_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    doc = {"schema_version": 1, "devices": [asdict(d) for d in devices.values()]}
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".devices-", suffix=".json")
    try:
        with os.fdopen(fd, "w") as f:
            f.write(json.dumps(doc, indent=2) + "\n")
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def get_device(name: str) -> Device:
    devices = load_devices()
    if name not in devices:
        known = ", ".join(devices) or "none yet"
        raise DeviceError(f"unknown device {name!r} (known: {known}); add it with `edgevfm device add {name} ssh://user@host`")
    return devices[name]


def add_device(name: str, url: str, *, replace: bool = False) -> Device:
    if not NAME.match(name):
        raise DeviceError(f"bad device name {name!r}: letters, digits, '_', '.', '-' (up to 64)")
    devices = load_devices()
    if name in devices and not replace:
        raise DeviceError(f"device {name!r} already exists ({devices[name].url}); remove it first or pass --replace")
    devices[name] = Device(name, parse_url(url))
    save_devices(devices)
    return devices[name]


def remove_device(name: str) -> None:
    devices = load_devices()
    get_device(name)
    del devices[name]
    save_devices(devices)


def update_device(device: Device) -> None:
    devices = load_devices()
    devices[device.name] = device
    save_devices(devices)
