"""Where a check's reference outputs come from, on the device (no torch): the bundle's golden.npz,
saved outputs (``--load-outputs``, golden layout), or another bundle (``--reference-bundle``),
on the golden photos or on the user's own (``--images DIR``)."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from . import golden as G
from .errors import InputError
from .image import list_image_files, load_rgb



@dataclass
class Reference:
    name: str  # what the report says it compared against
    outputs: dict[str, np.ndarray]  # golden layout


def list_images(folder: str | Path) -> list[Path]:
    return list_image_files(folder, option="--images")


def load_images(folder: str | Path) -> list[np.ndarray]:
    return [load_rgb(p) for p in list_images(folder)]


def golden_images(golden: dict[str, np.ndarray]) -> list[np.ndarray]:
    """The photos a golden-layout reference was made on, in case order."""
    out = []
    for comp, cases in G.parse(golden).items():
        out += [io["src"]["image"] for io in cases.values() if "image" in io["src"]]
        if out:
            return out
    return out


def load_outputs(path: str | Path) -> dict[str, np.ndarray]:
    p = Path(path)
    if not p.exists():
        raise InputError(f"--load-outputs {p}: no such file")
    if not p.is_file():  # a FIFO or device would block np.load forever
        raise InputError(f"--load-outputs {p} is not a regular file")
    from .bundle import load_npz

    data = load_npz(p, InputError, f"--load-outputs {p}")
    if not G.parse(data):
        raise InputError(f"--load-outputs {p}: no golden-layout keys (component/case/in|out|src/tensor)")
    return data


def save_outputs(path: str | Path, outputs: dict[str, np.ndarray]) -> None:
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(p, **outputs)


def runtime_reference(bundle, *, reference_bundle: str | None = None, load: str | None = None,
                      images: str | None = None, **session_options) -> Reference:
    """The reference the runtime alone can make; exactly one source, never a silent substitute."""
    from .bundle import open as open_bundle
    from .replay import record, replay

    if load and (reference_bundle or images):
        raise InputError("--load-outputs already holds inputs and outputs; it cannot be combined with "
                         "--reference-bundle or --images")
    if load:
        return Reference(f"saved outputs {Path(load).name}", load_outputs(load))
    if reference_bundle:
        other = open_bundle(reference_bundle)
        if images:
            return Reference(f"bundle {other.root.name} on {images}",
                             record(other, load_images(images), base=bundle.golden, **session_options))
        return Reference(f"bundle {other.root.name}", replay(other, bundle.golden, **session_options))
    if images:
        raise InputError("--images needs a reference that can run on new photos: --reference-bundle B "
                         "(or `edgevfm check`, which rebuilds the torch FP32 reference)")
    return Reference("golden.npz", bundle.golden)
