"""Devices the user owns, reached over ssh: a registry, the transport, set-up, and remote check/bench."""
from .registry import Device, DeviceError, get_device, load_devices

__all__ = ["Device", "DeviceError", "get_device", "load_devices"]
