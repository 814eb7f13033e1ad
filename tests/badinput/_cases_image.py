"""Images generated on the fly for the bad-input corpus (no binary blobs): PNG headers that lie about
their size, truncated and corrupted files, EXIF-rotated photos, unusual Pillow modes."""
from __future__ import annotations

import struct
import zlib
from pathlib import Path

import numpy as np
from PIL import Image

# EXIF orientation -> what a viewer does to the stored pixels to show them (numpy on an HxWxC array).
ORIENTATIONS = {
    2: lambda a: a[:, ::-1],
    3: lambda a: a[::-1, ::-1],
    4: lambda a: a[::-1],
    5: lambda a: np.swapaxes(a, 0, 1),
    6: lambda a: np.rot90(a, -1),
    7: lambda a: np.swapaxes(a, 0, 1)[::-1, ::-1],
    8: lambda a: np.rot90(a, 1),
}


def photo(h: int = 24, w: int = 36, seed: int = 0) -> np.ndarray:
    """A small RGB uint8 image with no symmetry, so any flip or rotation shows."""
    return np.random.default_rng(seed).integers(0, 256, (h, w, 3), dtype=np.uint8)


def save(path: Path, arr: np.ndarray, **kwargs) -> Path:
    Image.fromarray(arr).save(path, **kwargs)
    return path


def with_orientation(path: Path, arr: np.ndarray, orientation: int) -> Path:
    """Save ``arr`` (lossless PNG or JPEG by suffix) with an EXIF orientation tag."""
    exif = Image.Exif()
    exif[0x0112] = orientation
    return save(path, arr, exif=exif.tobytes())


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def png_claiming(path: Path, width: int, height: int) -> Path:
    """A tiny PNG whose header claims width x height 8-bit grey pixels (a decompression-bomb shape)."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 64)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", ihdr) + _chunk(b"IDAT", idat) + _chunk(b"IEND", b""))
    return path


def truncated(path: Path, arr: np.ndarray, keep: float = 0.5) -> Path:
    save(path, arr)
    data = path.read_bytes()
    path.write_bytes(data[: max(8, int(len(data) * keep))])
    return path


def corrupted(path: Path, arr: np.ndarray) -> Path:
    """Valid header, garbage compressed data."""
    save(path, arr)
    data = bytearray(path.read_bytes())
    mid = len(data) // 2
    data[mid:mid + 64] = bytes(range(64))
    path.write_bytes(bytes(data))
    return path
