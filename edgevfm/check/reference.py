"""Choosing the reference of `edgevfm check`: torch FP32 rebuilt here (default where the weights
are at hand), or what the runtime offers (golden.npz, saved outputs, another bundle)."""
from __future__ import annotations

from edgevfm_runtime.errors import InputError
from edgevfm_runtime.reference import Reference, golden_images, load_images, runtime_reference

from .torch_model import ReferenceUnavailable, load_torch_model

CHOICES = ("auto", "torch", "golden")


def torch_reference(bundle, *, images_dir: str | None = None, weights: str | None = None,
                    threads: int | None = None) -> Reference:
    """The family's golden builder (prompt sets, text cases, …) run by the torch FP32 model."""
    import torch

    if threads:
        torch.set_num_threads(int(threads))
    tm = load_torch_model(bundle.manifest, weights=weights)
    images = load_images(images_dir) if images_dir else golden_images(bundle.golden)
    if not images:
        raise InputError(f"{bundle.root}: golden.npz holds no photos; pass --images DIR")
    where = f" on {images_dir}" if images_dir else f" on the {len(images)} golden photo(s)"
    return Reference(f"torch fp32 ({tm.weights_id[:16]}){where}", tm.family.golden(tm.model, images, tm.recipe))


def toolkit_reference(bundle, *, reference: str = "auto", reference_bundle: str | None = None,
                      load: str | None = None, images: str | None = None, weights: str | None = None,
                      threads: int | None = None, emit=print) -> Reference:
    if reference not in CHOICES:
        raise InputError(f"--reference must be one of {', '.join(CHOICES)}, got {reference!r}")
    opts = {"threads": threads} if threads else {}
    if reference_bundle or load:
        if reference == "torch":
            raise InputError("--reference torch cannot be combined with --reference-bundle or --load-outputs")
        return runtime_reference(bundle, reference_bundle=reference_bundle, load=load, images=images, **opts)
    if reference == "golden":
        return runtime_reference(bundle, images=images, **opts)
    try:
        return torch_reference(bundle, images_dir=images, weights=weights, threads=threads)
    except ReferenceUnavailable as exc:
        if reference == "torch" or images:
            raise
        emit(f"note: {exc}; checking against golden.npz instead (--reference torch makes this an error)")
        return runtime_reference(bundle, **opts)
