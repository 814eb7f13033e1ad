"""What a model family tells the toolkit: variants, weights, components to export, golden data.

A family is a small subclass of :class:`ModelFamily` registered with :func:`register_model`; the
export pipeline, CLI and tests only talk to this interface.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, ClassVar, Optional

import numpy as np

if TYPE_CHECKING:  # torch is imported where a model is built: `edgevfm list` must not pay for it
    from torch import nn

from ..registry import Registry, UnknownName, did_you_mean
from ..weights import ResolvedWeights, WeightSource, randomize_


@dataclass(frozen=True)
class TensorSpec:
    name: str
    dtype: str
    shape: tuple  # ints, or strings for symbolic dims
    layout: str | None = None

    def manifest(self) -> dict:
        d = {"name": self.name, "dtype": self.dtype, "shape": list(self.shape)}
        if self.layout:
            d["layout"] = self.layout
        return d


@dataclass
class Component:
    """One deployable piece of a model: a torch module with its traced inputs and IO contract."""

    name: str
    module: nn.Module
    example_args: tuple
    inputs: list[TensorSpec]
    outputs: list[TensorSpec]
    dynamic_axes: dict[str, dict[int, str]] = field(default_factory=dict)
    # symbolic dim -> (min, max) that engines with shape ranges keep dynamic (others fix it to 1)
    dim_ranges: dict[str, tuple[int, int]] = field(default_factory=dict)
    # For outputs whose shapes follow input *values* (SAM's upscaled masks follow orig_im_size):
    # a function building the static-shape twin that TensorRT, LiteRT and Core ML export instead,
    # and the outputs the runtime then computes on the host (manifest ``host_outputs``).
    static_twin: Optional[Callable[["Component"], "Component"]] = None
    twin_host_outputs: dict[str, str] = field(default_factory=dict)

    @property
    def input_names(self) -> list[str]:
        return [t.name for t in self.inputs]

    @property
    def output_names(self) -> list[str]:
        return [t.name for t in self.outputs]


class ModelFamily:
    """Base class; subclasses fill in the class attributes and the methods that raise."""

    name: ClassVar[str]  # the id users type (e.g. "sam")
    family: ClassVar[str]  # the implementation family (e.g. "mobilesam")
    aliases: ClassVar[tuple[str, ...]] = ()
    variants: ClassVar[tuple[str, ...]]
    default_variant: ClassVar[str]
    license: ClassVar[str]
    source: ClassVar[str]
    summary: ClassVar[str] = ""
    # Recipe keys only this family reads (merged into recipes.SCHEMA when its recipes are validated).
    recipe_keys: ClassVar[dict[str, Any]] = {}
    # Where its recipes live; None: recipes/<name>/ (a family kept elsewhere brings its own folder).
    recipes_path: ClassVar[Optional[Path]] = None
    # onnxruntime.transformers.optimizer's model_type for this architecture (the savvy-ORT-user baseline)
    ort_optimizer_model_type: ClassVar[str] = "bert"

    def recipe_folder(self) -> Path:
        from ..recipes import recipes_dir

        return Path(self.recipes_path) if self.recipes_path else recipes_dir() / self.name

    def check_variant(self, variant: str | None) -> str:
        variant = variant or self.default_variant
        if variant not in self.variants:
            raise UnknownName(f"unknown {self.name} variant {variant!r} (known: {', '.join(self.variants)})"
                              + did_you_mean(variant, self.variants))
        return variant

    # -- building and weights ----------------------------------------------------------------
    def build(self, variant: str) -> nn.Module:
        raise NotImplementedError

    def weight_source(self, variant: str) -> WeightSource:
        raise NotImplementedError

    def load_checkpoint(self, model: nn.Module, path: Path, variant: str) -> None:
        raise NotImplementedError

    def load(self, variant: str, weights: ResolvedWeights) -> nn.Module:
        """A model in eval mode with the given weights (random ones are seeded and realistic)."""
        import torch

        if weights.random:
            with torch.random.fork_rng():
                torch.manual_seed(weights.seed or 0)
                model = self.build(variant)
            randomize_(model, weights.seed or 0)
        else:
            model = self.build(variant)
            self.load_checkpoint(model, weights.path, variant)
        return model.eval()

    # -- export ------------------------------------------------------------------------------
    def components(self, model: nn.Module, variant: str, recipe: dict) -> list[Component]:
        raise NotImplementedError

    def preprocess(self, variant: str, recipe: dict) -> dict[str, Any]:
        """The manifest's ``preprocess`` block: ``kind``, ``input``, ``input_size`` and the executable
        ``steps`` (edgevfm_runtime.preprocess_steps)."""
        raise NotImplementedError

    def prompt(self, variant: str, recipe: dict) -> dict[str, Any] | None:
        """The manifest's ``prompt`` block, for families that take prompts (SAM)."""
        return None

    def postprocess(self, model: nn.Module, variant: str, recipe: dict) -> dict[str, Any]:
        return {}

    def reference_recipe(self, recipe: dict) -> dict:
        """``recipe`` with the export-only re-orderings of the maths turned off (SAM's ``decoder.fast``): what the
        torch FP32 reference, the PyTorch eager contender and a savvy user's plain export run."""
        return recipe

    def golden(self, model: nn.Module, images: list[np.ndarray], recipe: dict) -> dict[str, np.ndarray]:
        """Reference (torch FP32) inputs/outputs in the runtime's golden.npz layout: the runtime family's
        case set (``edgevfm_runtime.families``) run by the exported components' torch modules."""
        from .torch_cases import record_with_torch

        variant = recipe.get("variant") or self.default_variant
        return record_with_torch(self.family, self.components(model, variant, self.reference_recipe(recipe)),
                                 self.preprocess(variant, recipe), images)

    def calibration_feeds(self, model: nn.Module, images: list[np.ndarray], recipe: dict, *, progress=None
                          ) -> dict[str, list[dict[str, np.ndarray]]]:
        """Per component, the input feeds (name → array, the runtime's preprocessing) that
        quantizers calibrate on; computed from calibration images, never from parity images.
        ``progress()`` is called once per image."""
        raise NotImplementedError(f"{self.name} does not provide calibration data yet")

    def manifest_model(self, model: nn.Module, variant: str, recipe: dict) -> dict[str, Any]:
        """Extra entries for the manifest's ``model`` section. Its ``options`` are recipe keys the weights
        implied (e.g. DINOv2's pos-embed resampling); `check` applies them to its torch reference."""
        return {}

    def extra_files(self, bundle_dir: Path, manifest: dict) -> list[str]:
        """Write model-specific side files (e.g. labeling-tool configs); return their names."""
        return []


MODELS: Registry[ModelFamily] = Registry("model")


def register_model(cls: type[ModelFamily]) -> type[ModelFamily]:
    MODELS.register(cls.name, cls(), aliases=cls.aliases)
    return cls


def get_model(name: str) -> ModelFamily:
    return MODELS.get(name)
