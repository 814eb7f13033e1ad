"""The device registry: XDG_CONFIG_HOME honoured, addresses checked, no passwords, atomic writes."""
from __future__ import annotations

import json

import pytest

from edgevfm.devices import registry
from edgevfm.devices.registry import DeviceError


@pytest.fixture(autouse=True)
def xdg(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    return tmp_path


def test_add_list_remove(xdg):
    d = registry.add_device("jetson", "ssh://nvidia@10.0.0.7:2222")
    assert (d.destination, d.port, d.root) == ("nvidia@10.0.0.7", 2222, ".edgevfm")
    assert registry.add_device("pi", "ssh://pi@rpi/srv/edgevfm").root == "/srv/edgevfm"
    doc = json.loads((xdg / "edgevfm" / "devices.json").read_text())
    assert [x["name"] for x in doc["devices"]] == ["jetson", "pi"]
    assert [p.name for p in (xdg / "edgevfm").iterdir()] == ["devices.json"]  # no temp file left
    registry.remove_device("jetson")
    assert list(registry.load_devices()) == ["pi"]


@pytest.mark.parametrize("url", ["ssh://pi:secret@rpi", "http://rpi", "ssh://", "ssh://pi@rpi:notaport", "rpi"])
def test_bad_addresses(url):
    with pytest.raises(DeviceError, match="ssh://user@host"):
        registry.add_device("x", url)


def test_duplicates_and_unknown_names():
    registry.add_device("a", "ssh://u@h")
    with pytest.raises(DeviceError, match="already exists"):
        registry.add_device("a", "ssh://u@other")
    assert registry.add_device("a", "ssh://u@other", replace=True).url == "ssh://u@other"
    with pytest.raises(DeviceError, match="unknown device 'b' \\(known: a\\)"):
        registry.get_device("b")
    with pytest.raises(DeviceError, match="bad device name"):
        registry.add_device("a b", "ssh://u@h")


def test_setup_scripts_for_a_jetson(tmp_path, monkeypatch):
    """--system-site-packages and --engine none: the venv sees JetPack's TensorRT, pip installs no engine."""
    from types import SimpleNamespace

    from edgevfm.devices import setup, ssh

    scripts = []
    monkeypatch.setattr(ssh, "put_file", lambda device, local, remote, what: scripts.append(f"put {remote}"))
    monkeypatch.setattr(ssh, "run", lambda device, script, **kw: scripts.append(script) or SimpleNamespace(stdout='{"cpu": "x"}'))
    whl = tmp_path / "edgevfm_runtime-0.1.0-py3-none-any.whl"
    whl.write_bytes(b"")
    d = registry.add_device("orin", "ssh://nvidia@orin")
    assert setup.setup_device(d, engine="none", wheel=whl, system_site_packages=True, emit=lambda s: None) == {"cpu": "x"}
    install = scripts[1]
    assert "python3 -m venv --system-site-packages .edgevfm/venv" in install
    assert "install .edgevfm/wheels/edgevfm_runtime-0.1.0-py3-none-any.whl;" in install and "[" not in install
    assert registry.get_device("orin").engine == "none"
