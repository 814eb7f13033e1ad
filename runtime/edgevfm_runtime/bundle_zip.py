"""Zip bundles: every member is checked before anything is written (names, types, sizes, ratio),
then the zip is extracted once into a cache keyed by its sha256 (atomically: a temporary folder
beside the entry, renamed into place) and later opens reuse that folder. A refused zip leaves nothing."""
from __future__ import annotations

import hashlib
import os
import shutil
import stat
import tempfile
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from .bundle_files import read_regular
from .errors import BundleError
from .manifest import MANIFEST_NAME

MAX_ZIP_BYTES = 16 << 30  # total uncompressed size
MAX_ZIP_MEMBERS = 10_000
MAX_ZIP_RATIO = 200  # uncompressed / compressed, for members of at least RATIO_MIN_BYTES
RATIO_MIN_BYTES = 1 << 20
MAX_CACHED_BUNDLES = 8  # extractions kept, least recently opened removed first
_TMP = ".tmp-"


@dataclass(frozen=True)
class ZipLimits:
    max_bytes: int = MAX_ZIP_BYTES
    max_members: int = MAX_ZIP_MEMBERS
    max_ratio: float = MAX_ZIP_RATIO


def cache_dir() -> Path:
    """``$EDGEVFM_BUNDLE_CACHE``, else ``$XDG_CACHE_HOME/edgevfm/bundles`` (``~/.cache`` by default)."""
    if os.environ.get("EDGEVFM_BUNDLE_CACHE"):
        return Path(os.environ["EDGEVFM_BUNDLE_CACHE"])
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "edgevfm" / "bundles"


def _sha256(path: Path, size: int) -> str:
    h = hashlib.sha256()
    read_regular(path, size, "zip", h.update)
    return h.hexdigest()


def _check_name(zpath: Path, name: str) -> None:
    parts = name.rstrip("/").split("/")
    if ("\0" in name or "\\" in name or name.startswith("/") or (len(name) > 1 and name[1] == ":")
            or any(p in ("", ".", "..") for p in parts)):
        raise BundleError(f"{zpath}: zip member {name!r} is not a plain relative path inside the bundle "
                          "(absolute, '..', backslash or empty part); refusing the zip")


def validate_members(zpath: Path, zf: zipfile.ZipFile, limits: ZipLimits) -> tuple[str, list[zipfile.ZipInfo]]:
    """The bundle's folder prefix inside the zip and the members under it, after checking every member."""
    infos = zf.infolist()
    if len(infos) > limits.max_members:
        raise BundleError(f"{zpath}: {len(infos)} zip members, more than the limit of {limits.max_members} "
                          "(max_members=… raises it)")
    seen, total = set(), 0
    for info in infos:
        name = info.filename
        _check_name(zpath, name)
        if name.rstrip("/") in seen:
            raise BundleError(f"{zpath}: zip member {name!r} appears twice")
        seen.add(name.rstrip("/"))
        ftype = stat.S_IFMT(info.external_attr >> 16)
        if ftype and ftype not in (stat.S_IFREG, stat.S_IFDIR):
            what = "a symlink" if ftype == stat.S_IFLNK else "a special file"
            raise BundleError(f"{zpath}: zip member {name!r} is {what}; a bundle zip holds only files and folders")
        if info.flag_bits & 0x1:
            raise BundleError(f"{zpath}: zip member {name!r} is encrypted")
        total += info.file_size
        if total > limits.max_bytes:
            raise BundleError(f"{zpath}: the zip expands to more than {limits.max_bytes} bytes "
                              "(max_bytes=… raises the limit)")
        if info.file_size >= RATIO_MIN_BYTES and info.file_size > limits.max_ratio * max(info.compress_size, 1):
            raise BundleError(f"{zpath}: zip member {name!r} expands {info.file_size / max(info.compress_size, 1):.0f}x "
                              f"(limit {limits.max_ratio:g}x): a zip bomb? (max_ratio=… raises the limit)")
    manifests = [i.filename for i in infos if PurePosixPath(i.filename).name == MANIFEST_NAME and not i.is_dir()]
    if len(manifests) != 1:
        raise BundleError(f"{zpath}: expected one {MANIFEST_NAME} in the zip, found {len(manifests)}")
    prefix = manifests[0][: -len(MANIFEST_NAME)]
    return prefix, [i for i in infos if i.filename.startswith(prefix) and len(i.filename) > len(prefix)]


def _remove_stale(cache: Path) -> None:
    """Temporary folders left by extractions that were killed (their process is gone)."""
    for p in cache.glob(_TMP + "*"):
        try:
            pid = int(p.name[len(_TMP):].split("-")[0])
            os.kill(pid, 0)
        except ProcessLookupError:
            shutil.rmtree(p, ignore_errors=True)
        except (ValueError, OSError):
            pass


def _prune(cache: Path, keep: Path) -> None:
    """Bound the cache: drop the least recently opened extractions beyond MAX_CACHED_BUNDLES."""
    done = [p for p in cache.iterdir() if len(p.name) == 64 and p.is_dir() and p != keep]
    done.sort(key=lambda p: p.stat().st_mtime, reverse=True)
    for p in done[MAX_CACHED_BUNDLES - 1:]:
        shutil.rmtree(p, ignore_errors=True)


def _extract(zf: zipfile.ZipFile, members: list[zipfile.ZipInfo], prefix: str, target: Path) -> None:
    for info in members:
        out = target / info.filename[len(prefix):]
        if info.is_dir():
            out.mkdir(parents=True, exist_ok=True)
            continue
        out.parent.mkdir(parents=True, exist_ok=True)
        written = 0
        with zf.open(info) as src, open(out, "xb") as dst:
            while chunk := src.read(1 << 20):
                written += len(chunk)
                if written > info.file_size:  # a central directory that lies about the size
                    raise BundleError(f"zip member {info.filename!r} holds more than its declared {info.file_size} bytes")
                dst.write(chunk)


def discard(root: Path) -> None:
    """Remove the cache entry holding bundle folder ``root`` (its bundle was refused after extraction)."""
    entry = root.parent
    if entry.parent == cache_dir() and len(entry.name) == 64:
        shutil.rmtree(entry, ignore_errors=True)


def open_zip(zpath: Path, size: int, limits: ZipLimits = ZipLimits()) -> Path:
    """The bundle folder of zip ``zpath`` (``size`` bytes, a regular file) in the extraction cache."""
    sha = _sha256(zpath.resolve(), size)  # a symlinked zip is fine: its target is read
    cache = cache_dir()
    entry = cache / sha
    try:
        with zipfile.ZipFile(zpath) as zf:
            prefix, members = validate_members(zpath, zf, limits)
            name = PurePosixPath(prefix).name or zpath.stem
            if entry.is_dir():
                os.utime(entry)  # recently used: kept by _prune
                return entry / name
            cache.mkdir(parents=True, exist_ok=True)
            _remove_stale(cache)
            tmp = Path(tempfile.mkdtemp(prefix=f"{_TMP}{os.getpid()}-", dir=cache))
            try:
                _extract(zf, members, prefix, tmp / name)
                try:
                    os.rename(tmp, entry)
                except OSError:  # another process extracted the same zip first
                    if not entry.is_dir():
                        raise
                    shutil.rmtree(tmp, ignore_errors=True)
                _prune(cache, entry)
            except BaseException:
                shutil.rmtree(tmp, ignore_errors=True)
                raise
            return entry / name
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError) as exc:
        raise BundleError(f"{zpath} is not a valid zip bundle: {exc}") from None
    except OSError as exc:
        raise BundleError(f"{zpath}: could not extract into {cache} ({exc}); set EDGEVFM_BUNDLE_CACHE "
                          "to a writable folder with room") from None
