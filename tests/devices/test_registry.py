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
