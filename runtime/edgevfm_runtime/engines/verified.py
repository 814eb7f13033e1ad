"""A component's files as read once from the bundle and verified, and how an engine opens them.

Checking a file and letting the engine open it by path later leaves a window in which a swapped-in
file is loaded unverified. So the bundle reads each file once, checks size and sha256 on those bytes,
and engines load the bytes themselves (ONNX Runtime, OpenVINO, LiteRT). Engines that can only open a
path (TensorRT's parser and engine cache, Core ML packages, ONNX with external data) get a private
copy written from the verified bytes into a fresh 0700 temp folder, removed once the model is loaded.
Limit: that copy is safe from anyone who can write the bundle, not from the same user or root."""
from __future__ import annotations

import contextlib
import os
import shutil
import stat
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator, Mapping


@dataclass(frozen=True)
class VerifiedModel:
    """``files``: {path relative to the bundle: verified bytes}; ``main`` names the component's entry (a file,
    or a folder-model whose files are ``main/…``); ``path`` is where it lives in the bundle (for messages)."""

    path: Path
    main: str
    files: Mapping[str, bytes] = field(repr=False)

    @property
    def data(self) -> bytes | None:
        """The main file's bytes (None for a folder-model)."""
        return self.files.get(self.main)

    @property
    def extra(self) -> dict[str, bytes]:
        """The other files (e.g. OpenVINO's .bin, ONNX external data), by path relative to the bundle."""
        return {k: v for k, v in self.files.items() if k != self.main}

    @contextlib.contextmanager
    def private_copy(self) -> Iterator[Path]:
        """The verified files written read-only under a fresh private temp folder, in the bundle's layout
        (external data finds its neighbours); yields the main path, removes everything afterwards."""
        tmp = Path(tempfile.mkdtemp(prefix="edgevfm-verified-"))  # mode 0700: only this user can enter
        try:
            for rel, data in self.files.items():
                dest = tmp / rel
                dest.parent.mkdir(parents=True, exist_ok=True)
                dest.write_bytes(data)
                dest.chmod(stat.S_IRUSR)
            yield tmp / self.main
        finally:
            for d, _, names in os.walk(tmp):
                for n in names:
                    with contextlib.suppress(OSError):
                        os.chmod(os.path.join(d, n), stat.S_IRUSR | stat.S_IWUSR)
            shutil.rmtree(tmp, ignore_errors=True)
