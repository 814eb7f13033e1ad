"""Opening a bundle: read and validate the manifest, check its signature (when keys are trusted),
verify every file's size and sha256 (a bundle is a closed world: bundle_files), open sessions."""
from __future__ import annotations

import os
import stat
import zipfile
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np

from . import bundle_files as F
from .bundle_zip import ZipLimits, discard, open_zip
from .engines import Session, get_engine
from .engines.verified import VerifiedModel
from .errors import BundleError
from .host_outputs import with_host_outputs
from .manifest import GOLDEN_NAME, MANIFEST_NAME, load_manifest
from .manifest_types import Manifest


class Bundle:
    """An opened, verified bundle. Use :func:`open` to create one.

    ``manifest`` is the typed :class:`~.manifest_types.Manifest`; ``raw`` its JSON form. The dict
    properties (``components``, ``preprocess``, ``postprocess``) are views of ``raw``."""

    def __init__(self, root: Path, manifest: Manifest | dict, *, signed_by: str | None = None, verify: bool = True):
        self.root = root
        self.manifest = manifest if isinstance(manifest, Manifest) else load_manifest(manifest)
        self.signed_by = signed_by  # id of the trusted key whose signature was checked, else None
        self.verify = verify  # sessions check their files' bytes again as they load them

    @property
    def raw(self) -> dict[str, Any]:
        return self.manifest.raw

    # -- facts from the manifest -------------------------------------------------------------
    @property
    def model(self) -> str:
        return self.manifest.model.name

    @property
    def variant(self) -> str:
        return self.manifest.model.variant

    @property
    def preset(self) -> str:
        return self.manifest.target.preset

    @property
    def engine_name(self) -> str:
        return self.manifest.target.engine

    @property
    def components(self) -> dict[str, dict]:
        return self.raw["components"]

    @property
    def preprocess(self) -> dict[str, Any]:
        return self.raw["preprocess"]

    @property
    def postprocess(self) -> dict[str, Any]:
        return self.raw["postprocess"]

    @property
    def random_weights(self) -> bool:
        return bool(self.manifest.model.weights.random)

    def component_path(self, name: str) -> Path:
        if name not in self.components:
            raise BundleError(f"bundle {self.root} has no component {name!r} (has: {', '.join(self.components)})")
        F.regular(self.root, self.components[name]["file"], f"components.{name}.file", allow_dir=True)
        return self.root / self.components[name]["file"]

    def verified_model(self, name: str) -> VerifiedModel:
        """Component ``name``'s files (and extra files) read once, each checked against the manifest's size
        and sha256 on the bytes read: engines load these bytes, never the path again (no check-to-use gap)."""
        self.component_path(name)
        comp = self.manifest.components[name]
        files: dict[str, bytes] = {}
        for field, rel, sha, size in _component_files(name, comp):
            files.update(F.read_verified(self.root, rel, field, sha, size, check=self.verify))
        return VerifiedModel(self.root / comp.file, comp.file, files)

    def engine_options(self, name: str) -> dict:
        """The engine options the manifest records for component ``name`` (shared ones + its own)."""
        comp = self.manifest.components.get(name)
        return {**(self.manifest.target.engine_options or {}), **((comp and comp.engine_options) or {})}

    # -- running --------------------------------------------------------------------------------
    def session(self, name: str, *, engine: str | None = None, **options) -> Session:
        """Open one component with the manifest's engine (or ``engine``) and the engine options the
        manifest records for it (e.g. OpenVINO's inference precision); ``options`` override them."""
        if engine is None or get_engine(engine).name == get_engine(self.engine_name).name:
            options = {**self.engine_options(name), **options}
        else:
            options = {**get_engine(engine).stand_in.get(get_engine(self.engine_name).name, {}), **options}
        sess = get_engine(engine or self.engine_name).session_verified(self.verified_model(name), **options)
        declared = [t["name"] for t in self.components[name]["inputs"]]
        if declared and not set(declared) & set(sess.input_names):  # loose: engines may rename a few inputs
            raise BundleError(f"bundle {self.root}: {self.components[name]['file']} takes inputs {sess.input_names} but "
                              f"components.{name}.inputs declares {declared}: a swapped or wrong model file")
        return with_host_outputs(sess, self.components.get(name, {}).get("host_outputs", {}), where=f"components.{name}")

    @cached_property
    def golden(self) -> dict[str, np.ndarray]:
        rel = self.manifest.golden.file if self.manifest.golden else GOLDEN_NAME
        if not (self.root / rel).exists() and not (self.root / rel).is_symlink():
            raise BundleError(f"bundle {self.root} has no {rel}")
        path, _ = F.regular(self.root, rel, "golden.file")
        return load_npz(path, BundleError, f"bundle {self.root}: {rel}")

    def __repr__(self) -> str:
        return f"Bundle({str(self.root)!r}, model={self.model}/{self.variant}, preset={self.preset})"


def load_npz(path: Path, error: type[Exception], where: str) -> dict[str, np.ndarray]:
    """Every array of an .npz (never pickles), with any failure as one ``error`` naming ``where``."""
    try:
        with np.load(path, allow_pickle=False) as z:
            return {k: z[k] for k in z.files}
    except ValueError as exc:
        if "Object arrays" in str(exc):
            raise error(f"{where} holds object arrays, which are never loaded (pickles can run code); "
                        "save plain numeric arrays") from None
        if "pickled" in str(exc):
            raise error(f"{where} is not a valid .npz (it holds pickled data, which is never loaded)") from None
        raise error(f"{where} is not a valid .npz ({exc})") from None
    except (OSError, EOFError, zipfile.BadZipFile, KeyError) as exc:
        raise error(f"{where} is not a valid .npz ({type(exc).__name__}: {exc})") from None


def _component_files(name: str, comp):
    """(field, relative file, sha256, recorded size or None) for a typed component's files."""
    yield f"components.{name}.file", comp.file, comp.sha256, comp.file_bytes
    sizes = comp.extra_files_bytes or {}
    for file, sha in (comp.extra_files or {}).items():  # e.g. OpenVINO's .bin beside the .xml
        yield f"components.{name}.extra_files[{file!r}]", file, sha, sizes.get(file)


def manifest_files(manifest: Manifest):
    """(field, relative file, sha256, recorded size or None) for every file the manifest names."""
    for name, comp in manifest.components.items():
        yield from _component_files(name, comp)
    if manifest.golden:
        yield "golden.file", manifest.golden.file, manifest.golden.sha256, manifest.golden.bytes


def _verify_files(root: Path, manifest: Manifest) -> None:
    for field, file, sha, size in manifest_files(manifest):
        F.verify_file(root, file, field, sha, size)


def _locate(path: Path, zip_limits: ZipLimits) -> tuple[Path, bool]:
    """The bundle folder for ``path`` (itself, or a zip's extraction in the cache) and whether it is a zip's."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        raise BundleError(f"bundle {path} does not exist") from None
    except OSError as exc:
        raise BundleError(f"bundle {path} cannot be read ({exc})") from None
    if stat.S_ISDIR(st.st_mode):
        return path, False
    if not stat.S_ISREG(st.st_mode):
        raise BundleError(f"bundle {path} is a {F.kind(st.st_mode)}, not a bundle folder or .zip")
    if path.suffix.lower() != ".zip" and not zipfile.is_zipfile(path):
        raise BundleError(f"bundle {path} is a file but not a .zip; give the bundle folder or its .zip")
    return open_zip(path, st.st_size, zip_limits), True


def open(path: str | Path, *, verify: bool = True, trusted_keys=None,  # noqa: A001 - mirrors builtins.open
         zip_limits: ZipLimits = ZipLimits()) -> Bundle:
    """Open a bundle folder (or a .zip of one), validate its manifest and verify file sizes and hashes.

    ``trusted_keys`` (Ed25519 public keys: PEM paths or key objects) makes the bundle's signature
    mandatory: a bundle not signed by one of them raises :class:`SignatureError`, and files are always
    verified. ``zip_limits`` caps what a zip may expand to (:class:`bundle_zip.ZipLimits`)."""
    root, from_zip = _locate(Path(path), zip_limits)
    try:
        return _open_folder(root, verify=verify, trusted_keys=trusted_keys)
    except BaseException:
        if from_zip:  # a refused zip leaves nothing in the cache (a tampered cache entry is re-extracted)
            discard(root)
        raise


def _open_folder(root: Path, *, verify: bool, trusted_keys) -> Bundle:
    if not (root / MANIFEST_NAME).exists() and not (root / MANIFEST_NAME).is_symlink():
        raise BundleError(f"{root} is not a bundle: {MANIFEST_NAME} is missing")
    data = F.read_small(root, MANIFEST_NAME, MANIFEST_NAME, F.MAX_MANIFEST_BYTES)
    signed_by = None
    if trusted_keys is not None:
        from .signing import verify_signature

        signed_by = verify_signature(root, data, trusted_keys)
        verify = True
    manifest = load_manifest(F.parse_json(data, root / MANIFEST_NAME))
    if verify:
        _verify_files(root, manifest)
    return Bundle(root, manifest, signed_by=signed_by, verify=verify)
