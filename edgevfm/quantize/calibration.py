"""Calibration images: the user's folder (``--calib DIR``) or scikit-image sample photos that are
disjoint from the parity/evaluation images, so parity always runs on images calibration never saw."""
from __future__ import annotations

import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from edgevfm_runtime.errors import EdgeVFMError, InputError
from edgevfm_runtime.image import list_image_files, load_rgb

from ..images import SAMPLE_PHOTOS, sample_photo



class CalibrationError(EdgeVFMError):
    pass


@dataclass
class CalibrationSet:
    images: list[np.ndarray]
    names: list[str]  # sample names or file paths, recorded in the manifest
    source: str  # "skimage-samples" | the folder

    def manifest(self) -> dict:
        return {"source": self.source, "count": len(self.images), "images": self.names}


def _eval_keys(eval_specs) -> set[str]:
    """Keys that identify an evaluation image: sample names as-is, files by resolved path."""
    keys = set()
    for s in eval_specs:
        s = str(s)
        keys.add(str(Path(s).resolve()) if ("/" in s or Path(s).suffix) else s)
    return keys


def assert_disjoint(calib_names, eval_specs) -> None:
    overlap = sorted(set(calib_names) & _eval_keys(eval_specs))
    if overlap:
        raise CalibrationError(f"calibration and parity images overlap ({', '.join(overlap)}): parity must run "
                               "on held-out images; remove them from --calib or change parity.images")


def from_folder(folder, *, eval_specs=(), minimum: int = 4, limit: int | None = None) -> CalibrationSet:
    """Every readable image under ``folder`` (recursive, sorted); unreadable files are skipped with a warning."""
    root = Path(folder)
    try:
        files = list_image_files(root, option="--calib")
    except InputError as exc:
        raise CalibrationError(str(exc)) from None
    assert_disjoint([str(p.resolve()) for p in files], eval_specs)
    images, names = [], []
    for p in files:
        if limit and len(images) >= limit:
            break
        try:
            images.append(load_rgb(p))
            names.append(str(p.resolve()))
        except InputError as exc:
            warnings.warn(f"skipping calibration image: {exc}", stacklevel=2)
    _enforce_minimum(len(images), minimum, f"--calib {root}")
    return CalibrationSet(images, names, str(root.resolve()))


def default_set(*, eval_specs=(), minimum: int = 4, limit: int | None = None) -> CalibrationSet:
    """scikit-image's sample photos minus every parity image."""
    held_out = _eval_keys(eval_specs)
    names = [n for n in SAMPLE_PHOTOS if n not in held_out][: limit or None]
    assert_disjoint(names, eval_specs)
    _enforce_minimum(len(names), minimum, "the scikit-image sample photos left after holding out the parity images")
    return CalibrationSet([sample_photo(n) for n in names], names, "skimage-samples")


def _enforce_minimum(n: int, minimum: int, where: str) -> None:
    if n < minimum:
        raise CalibrationError(f"{where}: {n} usable calibration image(s), at least {minimum} needed "
                               "(add images, or lower quantize.calibration.min_images in the recipe)")


def calibration_set(calib_dir=None, *, eval_specs=(), minimum: int = 4, limit: int | None = None) -> CalibrationSet:
    if calib_dir:
        return from_folder(calib_dir, eval_specs=eval_specs, minimum=minimum, limit=limit)
    return default_set(eval_specs=eval_specs, minimum=minimum, limit=limit)
