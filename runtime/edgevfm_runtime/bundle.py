"""Opening a bundle: read and validate the manifest, verify every file's sha256, open sessions."""
from __future__ import annotations

import json
import zipfile
import tempfile
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np

from .engines import Session, get_engine
from .errors import BundleError
from .hashing import sha256_path
from .manifest import GOLDEN_NAME, MANIFEST_NAME, validate_manifest


class Bundle:
    """An opened, verified bundle. Use :func:`open` to create one."""

    def __init__(self, root: Path, manifest: dict):
        self.root = root
        self.manifest = manifest

    # -- facts from the manifest -------------------------------------------------------------
    @property
    def model(self) -> str:
        return self.manifest["model"]["name"]

    @property
    def variant(self) -> str:
        return self.manifest["model"]["variant"]

    @property
    def preset(self) -> str:
        return self.manifest["target"]["preset"]

    @property
    def engine_name(self) -> str:
        return self.manifest["target"]["engine"]

    @property
    def components(self) -> dict[str, dict]:
        return self.manifest["components"]

    @property
    def preprocess(self) -> dict[str, Any]:
        return self.manifest["preprocess"]

    @property
    def postprocess(self) -> dict[str, Any]:
        return self.manifest["postprocess"]

    @property
    def random_weights(self) -> bool:
        return bool(self.manifest["model"]["weights"]["random"])

    def component_path(self, name: str) -> Path:
        try:
            return self.root / self.components[name]["file"]
        except KeyError:
            raise BundleError(
                f"bundle {self.root} has no component {name!r} (has: {', '.join(self.components)})"
            ) from None

    def engine_options(self, name: str) -> dict:
        """The engine options the manifest records for component ``name`` (shared ones + its own)."""
        return {**self.manifest["target"].get("engine_options", {}),
                **self.components.get(name, {}).get("engine_options", {})}

    # -- running --------------------------------------------------------------------------------
    def session(self, name: str, *, engine: str | None = None, **options) -> Session:
        """Open one component with the manifest's engine (or ``engine``) and the engine options the
        manifest records for it (e.g. OpenVINO's inference precision); ``options`` override them."""
        if engine is None or get_engine(engine).name == get_engine(self.engine_name).name:
            options = {**self.engine_options(name), **options}
        from .host_outputs import with_host_outputs  # lazy: it imports the SAM helpers, which import Bundle

        sess = get_engine(engine or self.engine_name).session(self.component_path(name), **options)
        return with_host_outputs(sess, self.components.get(name, {}).get("host_outputs", {}))

    @cached_property
    def golden(self) -> dict[str, np.ndarray]:
        path = self.root / GOLDEN_NAME
        if not path.exists():
            raise BundleError(f"bundle {self.root} has no {GOLDEN_NAME}")
        with np.load(path, allow_pickle=False) as z:
            return {k: z[k] for k in z.files}

    def __repr__(self) -> str:
        return f"Bundle({str(self.root)!r}, model={self.model}/{self.variant}, preset={self.preset})"


def _verify_files(root: Path, manifest: dict) -> None:
    entries = {name: c for name, c in manifest["components"].items()}
    golden = manifest.get("golden")
    if golden:
        entries["golden"] = golden
    for name, comp in manifest["components"].items():
        for file, sha in comp.get("extra_files", {}).items():  # e.g. OpenVINO's .bin beside the .xml
            if file.startswith(("/", "\\")) or ".." in file.replace("\\", "/").split("/"):
                raise BundleError(f"components.{name}.extra_files {file!r} points outside the bundle")
            entries[f"{name}:{file}"] = {"file": file, "sha256": sha}
    for name, entry in entries.items():
        path = root / entry["file"]
        if not path.exists():
            raise BundleError(f"bundle {root}: component {name!r} file {entry['file']} is missing")
        actual = sha256_path(path)
        if actual != entry["sha256"]:
            raise BundleError(
                f"bundle {root}: {entry['file']} has sha256 {actual[:12]}… but the manifest says "
                f"{entry['sha256'][:12]}…; the file was modified or corrupted — re-export the bundle"
            )


def open(path: str | Path, *, verify: bool = True) -> Bundle:  # noqa: A001 - mirrors builtins.open on purpose
    """Open a bundle folder (or a .zip of one), validate its manifest and verify file hashes."""
    root = Path(path)
    if root.is_file() and zipfile.is_zipfile(root):
        out = Path(tempfile.mkdtemp(prefix="edgevfm-bundle-"))
        with zipfile.ZipFile(root) as zf:
            for member in zf.namelist():
                if member.startswith("/") or ".." in Path(member).parts:
                    raise BundleError(f"{root}: zip member {member!r} points outside the bundle")
            zf.extractall(out)
        inner = [p.parent for p in out.rglob(MANIFEST_NAME)]
        if len(inner) != 1:
            raise BundleError(f"{root}: expected one {MANIFEST_NAME} in the zip, found {len(inner)}")
        root = inner[0]
    if not root.exists():
        raise BundleError(f"bundle {root} does not exist")
    mpath = root / MANIFEST_NAME
    if not mpath.exists():
        raise BundleError(f"{root} is not a bundle: {MANIFEST_NAME} is missing")
    try:
        manifest = json.loads(mpath.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise BundleError(f"{mpath} is not valid JSON: {exc}") from None
    validate_manifest(manifest)
    if verify:
        _verify_files(root, manifest)
    return Bundle(root, manifest)
