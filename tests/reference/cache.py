"""Build the generated golden/design folder once per machine, keyed by the generator sources and the
reference packages' versions; written to a temporary folder and renamed into place (atomic)."""
from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from importlib import metadata
from pathlib import Path

PACKAGES = ("torch", "numpy", "mobilesam-mirror", "dinov2", "openai-clip", "transformers", "scikit-image", "Pillow")
HERE = Path(__file__).resolve().parent


def _key() -> str:
    h = hashlib.sha256()
    for f in sorted(HERE.glob("*.py")):
        h.update(f.name.encode() + f.read_bytes())
    for p in PACKAGES:
        try:
            h.update(f"{p}=={metadata.version(p)}".encode())
        except metadata.PackageNotFoundError:
            h.update(f"{p} missing".encode())
    return h.hexdigest()[:16]


def root() -> Path:
    return Path(os.environ.get("EDGEVFM_REFERENCE_CACHE", Path.home() / ".cache" / "edgevfm" / "golden"))


def _build(folder: Path) -> None:
    from . import clip, dinov2, sam

    (folder / "golden").mkdir()
    (folder / "design" / "keys").mkdir(parents=True)
    sam.write(folder / "golden")
    dinov2.write(folder / "golden")
    clip.write(folder / "golden")
    keys = folder / "design" / "keys"
    (keys / "mobilesam_keys.txt").write_text(sam.key_dump())
    for variant, stem in dinov2.STEMS.items():
        (keys / f"{stem}_keys.txt").write_text(dinov2.key_dump(variant))
    (keys / "clip_vitb32_keys.txt").write_text(clip.key_dump())


def generated_dir() -> Path:
    """``<cache>/<key>/`` with ``golden/`` and ``design/keys/``; built on first use."""
    final = root() / _key()
    if (final / "complete").is_file():
        return final
    final.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{final.name}.tmp-", dir=final.parent))
    try:
        _build(tmp)
        (tmp / "complete").write_text("ok\n")
        try:
            tmp.rename(final)
        except OSError:  # another process finished first
            if not (final / "complete").is_file():
                raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return final
