"""edgevfm: vision foundation models to edge devices (export, quantize, check, bench)."""
__version__ = "0.1.0"
