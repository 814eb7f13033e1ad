"""A bundle is a closed world: every file its manifest names is a regular file inside the bundle
folder (after resolving symlinks), of the size the manifest records, checked before it is hashed.
Nothing here ever ``open()``s a FIFO, a device or a folder, so a hostile bundle cannot hang a reader."""
from __future__ import annotations

import hashlib
import json
import os
import stat
from pathlib import Path

from .errors import BundleError

# Files of bundles written before sizes were recorded are hashed only up to this size.
MAX_UNSIZED_FILE_BYTES = 16 << 30
MAX_MANIFEST_BYTES = 32 << 20
MAX_JSON_DEPTH = 64
# Model "files" that are folders (Core ML packages); any other folder where a file belongs is refused.
DIR_SUFFIXES = (".mlpackage", ".mlmodelc")
_CHUNK = 1 << 20
_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0)


def kind(mode: int) -> str:
    for test, name in ((stat.S_ISDIR, "folder"), (stat.S_ISFIFO, "FIFO"), (stat.S_ISCHR, "character device"),
                       (stat.S_ISBLK, "block device"), (stat.S_ISSOCK, "socket"), (stat.S_ISLNK, "symlink")):
        if test(mode):
            return name
    return "special file"


def _what(field: str, rel) -> str:
    return field if field == rel else f"{field} {rel}"


def check_relative(rel, field: str) -> str:
    """``rel`` as a relative path that cannot leave the bundle folder, else BundleError naming ``field``."""
    if not isinstance(rel, str) or not rel:
        raise BundleError(f"manifest field {field} must be a file name relative to the bundle, got {rel!r}")
    norm = rel.replace("\\", "/")
    if "\0" in rel or norm.startswith("/") or (len(norm) > 1 and norm[1] == ":") or ".." in norm.split("/"):
        raise BundleError(f"manifest field {field} {rel!r} points outside the bundle; "
                          "it must be a path relative to the bundle folder")
    return rel


def resolve_inside(root: Path, rel, field: str) -> tuple[Path, os.stat_result]:
    """The real path of ``root/rel`` and its stat, refusing anything that resolves outside ``root``."""
    check_relative(rel, field)
    base = Path(root).resolve()
    try:
        real = (Path(root) / rel).resolve(strict=True)
        st = os.stat(real)
    except FileNotFoundError:
        raise BundleError(f"bundle {root}: {_what(field, rel)} is missing") from None
    except (OSError, RuntimeError) as exc:  # RuntimeError: a symlink loop on older Pythons
        raise BundleError(f"bundle {root}: {_what(field, rel)} cannot be read ({exc})") from None
    if real != base and base not in real.parents:
        raise BundleError(f"bundle {root}: {field} {rel!r} resolves to {real}, outside the bundle folder "
                          "(a symlink out?); a bundle may only use its own files")
    return real, st


def _dir_files(root: Path, real: Path, field: str) -> list[tuple[Path, Path, int]]:
    """(name in the folder, real path, size) of the regular files in a folder-model, sorted as
    :func:`hashing.sha256_path` sorts them."""
    out = []
    for dirpath, dirnames, filenames in os.walk(real):
        for name in dirnames + filenames:
            p = Path(dirpath) / name
            rel = p.relative_to(Path(root).resolve()).as_posix()
            sub, st = resolve_inside(root, rel, field)
            if stat.S_ISREG(st.st_mode):
                out.append((p.relative_to(real), sub, st.st_size))
            elif not stat.S_ISDIR(st.st_mode) or p.is_symlink():
                raise BundleError(f"bundle {root}: {field} contains {rel}, a {kind(st.st_mode) if not stat.S_ISDIR(st.st_mode) else 'symlinked folder'}, "
                                  "not a regular file")
    return sorted(out)


def regular(root: Path, rel, field: str, *, allow_dir: bool = False) -> tuple[Path, int]:
    """The real path and size of a bundle file named by the manifest (a folder-model when allowed)."""
    real, st = resolve_inside(root, rel, field)
    if stat.S_ISREG(st.st_mode):
        return real, st.st_size
    if stat.S_ISDIR(st.st_mode) and allow_dir and real.suffix in DIR_SUFFIXES:
        return real, sum(size for _, _, size in _dir_files(root, real, field))
    raise BundleError(f"bundle {root}: {_what(field, rel)} is a {kind(st.st_mode)}, not a regular file")


def read_regular(real: Path, size: int, field: str, sink) -> None:
    """Feed the bytes of a regular file to ``sink``, never more than ``size``; refuses a swapped-in non-file."""
    try:
        fd = os.open(real, _OPEN_FLAGS)
    except OSError as exc:
        raise BundleError(f"{field} {real} cannot be read ({exc})") from None
    with os.fdopen(fd, "rb") as fh:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise BundleError(f"{field} {real} is not a regular file")
        left = size + 1  # one byte more shows a file that grew since it was measured
        while left > 0:
            chunk = fh.read(min(_CHUNK, left))
            if not chunk:
                break
            left -= len(chunk)
            sink(chunk)


def sha256_checked(root: Path, rel, field: str) -> tuple[str, int]:
    """sha256 (hex) and size of a manifest-named file (or folder-model, hashed like ``sha256_path``)."""
    real, size = regular(root, rel, field, allow_dir=True)
    if real.is_dir():
        h = hashlib.sha256()
        for name, f, fsize in _dir_files(root, real, field):
            inner = hashlib.sha256()
            read_regular(f, fsize, field, inner.update)
            h.update(name.as_posix().encode() + b"\0")
            h.update(inner.digest())
        return h.hexdigest(), size
    h = hashlib.sha256()
    read_regular(real, size, field, h.update)
    return h.hexdigest(), size


def _check_size(root: Path, rel, field: str, actual_size: int, size) -> None:
    if size is not None and actual_size != size:
        raise BundleError(f"bundle {root}: {field} {rel} is {actual_size} bytes but the manifest says {size}; "
                          "the file was truncated, replaced or corrupted — re-export the bundle")
    if size is None and actual_size > MAX_UNSIZED_FILE_BYTES:
        raise BundleError(f"bundle {root}: {field} {rel} is {actual_size} bytes, more than any bundle file "
                          f"({MAX_UNSIZED_FILE_BYTES} bytes) and the manifest records no size; re-export the bundle")


def _check_sha(root: Path, rel, actual: str, sha256) -> None:
    if actual != sha256:
        raise BundleError(
            f"bundle {root}: {rel} has sha256 {actual[:12]}… but the manifest says {str(sha256)[:12]}…; "
            "the file was modified or corrupted — re-export the bundle"
        )


def verify_file(root: Path, rel, field: str, sha256, size) -> None:
    """Check one manifest entry: inside the bundle, regular, the recorded size, then the recorded sha256."""
    _, actual_size = regular(root, rel, field, allow_dir=True)
    _check_size(root, rel, field, actual_size, size)
    actual, _ = sha256_checked(root, rel, field)
    _check_sha(root, rel, actual, sha256)


def read_verified(root: Path, rel, field: str, sha256, size, *, check: bool = True) -> dict[str, bytes]:
    """The bytes of one manifest entry, read once and checked (size, then sha256) on exactly those bytes,
    so what an engine is handed is what was verified, whatever happens to the file afterwards.
    {relative path: bytes}: one entry for a file, one per file for a folder-model (``rel/inner``).
    ``check=False`` (a bundle opened with ``verify=False``) still reads once but compares nothing."""
    real, actual_size = regular(root, rel, field, allow_dir=True)
    if check:
        _check_size(root, rel, field, actual_size, size)
    out: dict[str, bytes] = {}
    if real.is_dir():
        h = hashlib.sha256()
        for name, f, fsize in _dir_files(root, real, field):
            parts: list[bytes] = []
            read_regular(f, fsize, field, parts.append)
            data = out[f"{rel}/{name.as_posix()}"] = b"".join(parts)
            h.update(name.as_posix().encode() + b"\0")
            h.update(hashlib.sha256(data).digest())
        digest = h.hexdigest()
    else:
        parts = []
        read_regular(real, actual_size, field, parts.append)
        data = out[rel] = b"".join(parts)
        digest = hashlib.sha256(data).hexdigest()
    if check:  # a file that grew or shrank after the stat has other bytes, so another sha256
        _check_sha(root, rel, digest, sha256)
    return out


def read_small(root: Path, rel: str, field: str, limit: int) -> bytes:
    """The bytes of a small bundle file (manifest, signature), refusing anything not a regular file."""
    real, size = regular(root, rel, field)
    if size > limit:
        raise BundleError(f"bundle {root}: {rel} is {size} bytes, more than the {limit} a {field} may have")
    parts: list[bytes] = []
    read_regular(real, size, field, parts.append)
    return b"".join(parts)


def _depth(obj) -> int:
    depth, level = 0, [obj]
    while level:
        depth += 1
        level = [v for o in level if isinstance(o, (dict, list))
                 for v in (o.values() if isinstance(o, dict) else o)]
    return depth


def parse_json(data: bytes, where) -> object:
    """JSON from bytes with every failure (encoding, syntax, absurd nesting) as one BundleError line."""
    try:
        obj = json.loads(data.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise BundleError(f"{where} is not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    except RecursionError:
        raise BundleError(f"{where} is nested too deeply to be a manifest") from None
    except ValueError as exc:
        raise BundleError(f"{where} is not valid JSON: {exc}") from None
    if _depth(obj) > MAX_JSON_DEPTH:
        raise BundleError(f"{where} is nested deeper than {MAX_JSON_DEPTH} levels; it is not a manifest")
    return obj
