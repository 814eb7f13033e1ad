"""Write a bundle folder without ever destroying what ``-o`` points at.

The bundle is built in a scratch folder beside the destination and renamed into place. The
destination may be new, an empty folder, or (with ``force``) an existing bundle; anything else
(a user's folder, a file, a symlink, the current folder) is refused before any work starts.
Scratch folders are named ``.NAME.tmp-PID-HOST-RAND`` / ``.NAME.old-PID-HOST-RAND`` so that the
next export can tell the leftovers of a killed run (its process is gone) from those of a live
concurrent export, and clean only the former.
"""
from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import secrets
import shutil
import socket
from pathlib import Path

from edgevfm_runtime.errors import EdgeVFMError
from edgevfm_runtime.manifest import MANIFEST_NAME

_MANIFEST_MAX_BYTES = 16 << 20  # a real manifest is a few kB; never read a huge or endless file


class DestinationError(EdgeVFMError):
    """``-o`` names something an export must not replace, or a place it cannot write."""


def _host_tag() -> str:
    # A PID only means something on the host that owns it (the parent folder may be shared over NFS).
    return hashlib.sha1(socket.gethostname().encode()).hexdigest()[:6]


_SCRATCH = re.compile(r"^\.(?P<name>.+)\.(?P<kind>tmp|old)-(?P<pid>\d+)-(?P<host>[0-9a-f]{6})-[0-9a-f]{6}$")


def scratch_path(dest: Path, kind: str) -> Path:
    """A fresh ``.NAME.<kind>-PID-HOST-RAND`` path beside ``dest`` (kind: tmp | old)."""
    return dest.parent / f".{dest.name}.{kind}-{os.getpid()}-{_host_tag()}-{secrets.token_hex(3)}"


def is_bundle(path: Path) -> bool:
    """True for a real folder (not a symlink) holding an edgevfm ``manifest.json``: a JSON object
    with an integer ``schema_version`` and ``model``/``components`` objects."""
    path = Path(path)
    manifest = path / MANIFEST_NAME
    if path.is_symlink() or not path.is_dir() or manifest.is_symlink() or not manifest.is_file():
        return False
    try:
        if manifest.stat().st_size > _MANIFEST_MAX_BYTES:
            return False
        data = json.loads(manifest.read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError):
        return False
    return (isinstance(data, dict) and isinstance(data.get("schema_version"), int)
            and isinstance(data.get("model"), dict) and isinstance(data.get("components"), dict))


def _is_cwd_or_above(path: Path) -> bool:
    try:
        here, target = Path.cwd().resolve(), path.resolve()
    except OSError:
        return False
    return target == here or target in here.parents


def check_destination(dest: Path, *, force: bool = False) -> str:
    """Raise DestinationError unless an export may write ``dest``; return what is there now:
    ``"new"`` (nothing), ``"empty"`` (an empty folder) or ``"bundle"`` (a bundle, ``force`` given)."""
    dest = Path(dest)
    hint = "choose a new folder name with -o"
    if not dest.name or dest.name in (".", ".."):
        raise DestinationError(f"-o {dest}: not a folder name an export can create; {hint}")
    if dest.is_symlink():
        raise DestinationError(f"-o {dest} is a symlink; an export does not write through links ({hint})")
    if not dest.exists():
        _check_parent(dest)
        return "new"
    if not dest.is_dir():
        raise DestinationError(f"-o {dest} exists and is a file, not a bundle folder; it was left untouched ({hint})")
    if _is_cwd_or_above(dest):
        raise DestinationError(f"-o {dest} is the current folder or one above it; {hint}")
    if is_bundle(dest):
        if not force:
            raise DestinationError(f"-o {dest} already holds an edgevfm bundle; pass --force to replace it, "
                                   f"or {hint}")
        return "bundle"
    try:
        empty = next(os.scandir(dest), None) is None
    except OSError as exc:
        raise DestinationError(f"-o {dest}: cannot read the folder ({exc.strerror}); {hint}") from None
    if not empty:
        raise DestinationError(f"-o {dest} is a folder with files in it and no edgevfm manifest.json: an export "
                               f"never replaces it (even with --force); {hint}, or empty that folder")
    return "empty"


def _check_parent(dest: Path) -> None:
    """The nearest existing ancestor of ``dest`` must be a folder (missing ones are created later)."""
    for up in dest.parents:
        if up.exists() or up.is_symlink():
            if not up.is_dir():
                raise DestinationError(f"-o {dest}: {up} is a file, not a folder; choose another -o")
            return


def _existing_ancestor(dest: Path) -> Path:
    return next((p for p in dest.parents if p.is_dir()), Path("."))


def check_writable(dest: Path) -> None:
    """Create and remove a scratch folder where the bundle will be built: the only test of
    writability that holds for every user (root included), ACL and read-only mount."""
    where = dest.parent if dest.parent.is_dir() else _existing_ancestor(dest)
    probe = scratch_path(dest, "tmp") if where == dest.parent else where / f".edgevfm-probe-{os.getpid()}-{secrets.token_hex(3)}"
    try:
        probe.mkdir()
    except OSError as exc:
        raise DestinationError(f"-o {dest}: cannot write in {where} ({exc.strerror}); choose a writable place for "
                               "the bundle with -o") from None
    probe.rmdir()


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError):
        return pid > 0  # another user's live process (or an absurd number: never delete on a guess)
    return True


def clean_stale(dest: Path) -> list[str]:
    """Remove scratch folders of ``dest`` left by killed exports on this host (their process is gone);
    an orphaned ``.old-*`` (killed between the two renames) is moved back to ``dest`` if ``dest`` is
    missing. Returns one note per action."""
    dest = Path(dest)
    notes: list[str] = []
    if not dest.parent.is_dir():
        return notes
    host = _host_tag()
    for entry in sorted(dest.parent.iterdir()):
        m = _SCRATCH.match(entry.name)
        if not m or m["name"] != dest.name or m["host"] != host or _alive(int(m["pid"])) or entry.is_symlink():
            continue
        if m["kind"] == "old" and not os.path.lexists(dest) and entry.is_dir():
            os.replace(entry, dest)
            notes.append(f"restored {dest} from {entry.name} (an earlier export was killed while replacing it)")
        else:
            shutil.rmtree(entry) if entry.is_dir() else entry.unlink()
            notes.append(f"removed {entry.name} (left by an earlier export that was killed)")
    return notes


def preflight(dest: Path, *, force: bool = False) -> list[str]:
    """Everything an export checks about ``-o`` before it builds a model: the destination may be
    written (see check_destination), its place is writable, and stale scratch folders are cleaned."""
    dest = Path(dest)
    try:
        check_destination(dest, force=force)
        check_writable(dest)
        return clean_stale(dest)
    except OSError as exc:  # e.g. a name longer than the file system allows, a loop of symlinks
        raise DestinationError(f"-o {dest}: {exc.strerror or exc}; choose another -o") from None


@contextlib.contextmanager
def atomic_dir(dest: Path, *, force: bool = False):
    """Yield a scratch folder beside ``dest``; on success it becomes ``dest`` (replacing a bundle
    only with ``force``, the old one deleted only once the new one is in place); on any error
    (Ctrl-C included) the scratch folder is removed and ``dest`` is as it was."""
    dest = Path(dest)
    check_destination(dest, force=force)
    try:
        dest.parent.mkdir(parents=True, exist_ok=True)
        tmp = scratch_path(dest, "tmp")
        tmp.mkdir()
    except OSError as exc:
        raise DestinationError(f"-o {dest}: cannot create the bundle folder ({exc.strerror}); choose a writable "
                               "place with -o") from None
    try:
        yield tmp
        _commit(tmp, dest, force=force)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def _commit(tmp: Path, dest: Path, *, force: bool) -> None:
    state = check_destination(dest, force=force)  # again: the folder may have changed during the build
    if state != "bundle":
        try:
            os.replace(tmp, dest)  # onto an empty folder at most; a non-empty one fails (ENOTEMPTY)
        except OSError as exc:
            raise DestinationError(f"-o {dest}: could not move the new bundle into place ({exc.strerror}); "
                                   "nothing there was changed") from None
        return
    old = scratch_path(dest, "old")
    os.replace(dest, old)
    try:
        os.replace(tmp, dest)
    except BaseException as exc:
        os.replace(old, dest)
        if isinstance(exc, OSError):
            raise DestinationError(f"-o {dest}: could not move the new bundle into place ({exc.strerror}); "
                                   "the old bundle was kept") from None
        raise
    shutil.rmtree(old, ignore_errors=True)
