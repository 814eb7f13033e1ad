"""The torch FP32 model behind a bundle: its family, variant, recipe and weights, as the manifest
records them (``random:<seed>`` is rebuilt; real weights come from ``--weights`` or the cache and
must have the sha256 the manifest records)."""
from __future__ import annotations

from dataclasses import dataclass

from edgevfm_runtime.errors import EdgeVFMError
from edgevfm_runtime.manifest_types import Manifest


class ReferenceUnavailable(EdgeVFMError):
    """The torch reference cannot be rebuilt here (e.g. the official weights are not cached, offline)."""


@dataclass
class TorchModel:
    family: object  # ModelFamily
    model: object  # torch.nn.Module, eval mode
    variant: str
    recipe: dict
    weights_id: str


def load_torch_model(manifest: Manifest, *, weights: str | None = None) -> TorchModel:
    from .. import weights as W
    from ..models import get_model

    family = get_model(manifest.model.name)
    variant = manifest.model.variant
    recorded = manifest.model.weights
    spec = weights or (recorded.id if recorded.random else "official")
    try:
        resolved = W.resolve(spec, family.weight_source(variant), model=family.family)
    except W.WeightsUnavailable as exc:
        raise ReferenceUnavailable(f"cannot rebuild the torch reference: {exc}") from None
    if resolved.id != recorded.id:
        raise ReferenceUnavailable(
            f"the weights {spec!r} (id {resolved.id[:16]}) are not the bundle's ({recorded.id[:16]}); "
            "pass the checkpoint the bundle was exported from with --weights PATH")
    # The options the export settled on (e.g. DINOv2's pos-embed resampling) win over today's defaults.
    # The reference runs the official order of the maths, not the bundle's export-only re-orderings.
    recipe = family.reference_recipe({**(manifest.provenance.recipe or {}), **(manifest.model.options or {})})
    return TorchModel(family, family.load(variant, resolved), variant, recipe, resolved.id)
