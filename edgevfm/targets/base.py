"""Targets (one per engine) and the presets users type (``onnx-fp32``, ``jetson-int8``, …)."""
from __future__ import annotations

import importlib.util
from dataclasses import dataclass, field
from pathlib import Path

from ..models.spec import Component, ModelFamily
from ..recipes import RecipeError, load_recipe
from ..registry import Registry, did_you_mean


@dataclass(frozen=True)
class Preset:
    name: str
    target: str  # key into TARGETS
    precision: str  # fp32 | fp16 | bf16 | int8 | mixed
    summary: str
    aliases: tuple[str, ...] = field(default=())


@dataclass
class Converted:
    """What ``Target.convert`` wrote: the component's file plus what the manifest records about it."""

    file: str
    precision: str
    quantization: dict | None = None  # method, settings, float_kept, sensitivity
    engine_options: dict = field(default_factory=dict)  # applied by the runtime engine when opening
    extra_files: list[str] = field(default_factory=list)  # side files (e.g. OpenVINO .bin), hashed too
    inputs: list | None = None  # TensorSpecs of the written file when they differ from the component's
    outputs: list | None = None  # (e.g. a static-shape SAM decoder twin)
    notes: dict = field(default_factory=dict)  # recorded as the component's "conversion" (graph ops, build settings)
    host_outputs: dict = field(default_factory=dict)  # outputs the runtime computes on the host (name -> op)


class Target:
    """One engine's converter. Subclasses set the class attributes and implement ``convert``."""

    name: str
    engine: str  # runtime engine that runs the converted files
    packages: tuple[str, ...] = ()  # importable modules this target needs
    pip: str = ""
    precisions: tuple[str, ...] = ("fp32",)
    # precision -> the ``quantize.method`` names this target implements there, the default first;
    # a precision not listed converts without a method (and refuses one)
    methods: dict[str, tuple[str, ...]] = {}

    def method(self, q: dict, precision: str) -> str | None:
        """The quantize method for the settings ``q`` of a component converted at ``precision``. A method
        this target does not implement at that precision is an error, never silently replaced."""
        allowed = self.methods.get(precision, ())
        named = q.get("method")
        if named is None:
            return allowed[0] if allowed else None
        if named in allowed:
            return named
        if not allowed:
            raise RecipeError(f"quantize.method {named!r}: {self.name} converts {precision} without a "
                              "quantization method; remove the setting")
        elsewhere = sorted({t.name for _, t in TARGETS.items() for ms in t.methods.values() if named in ms})
        where = f" ({named!r} is a method of the {', '.join(elsewhere)} target)" if elsewhere else ""
        raise RecipeError(f"quantize.method {named!r} is not available on {self.name} at {precision}: choose "
                          f"{' or '.join(allowed)}{did_you_mean(named, allowed)}{where}")

    def unavailable_reason(self) -> str | None:
        # find_spec, not import: importing the converters (TensorFlow, coremltools, NNCF) takes seconds
        # and logs native-library warnings, for a question that only needs to know they are installed.
        missing = [mod for mod in self.packages if importlib.util.find_spec(mod) is None]
        return f"unavailable: {self.pip}" if missing else None

    def supports(self, family: ModelFamily, precision: str) -> str | None:
        if precision not in self.precisions:
            return f"{self.name} does not support {precision} yet (supports: {', '.join(self.precisions)})"
        return None

    def engine_version(self) -> str:
        return ""

    def needs_calibration(self, precision: str, recipe: dict) -> bool:
        """Whether converting at ``precision`` consumes calibration feeds."""
        return False

    def float_precision(self, engine_options: dict) -> str:
        """What an unquantized component runs in under these engine options (an INT8 component the
        accuracy budget kept whole in float is recorded with it)."""
        return "fp32"

    def parity_engine(self) -> str | None:
        """The runtime engine that measures parity on this host (None: not verifiable here)."""
        return self.engine

    def host_estimate(self, bundle, emit=print) -> dict | None:
        """Where ``parity_engine()`` is None: a labelled stand-in measurement of ``bundle`` (an opened
        edgevfm_runtime Bundle whose manifest is not yet written)
        (recorded as the manifest's ``parity.host_estimate``, never as parity), or None."""
        return None

    def convert(self, component: Component, out_dir: Path, *, recipe: dict, precision: str = "fp32",
                calib: list[dict] | None = None, emit=print) -> Converted:
        """Write the component's model file(s) into ``out_dir`` at ``precision`` (calibrating on
        ``calib``, this component's feeds, where the method needs them)."""
        raise NotImplementedError


TARGETS: Registry[Target] = Registry("target engine")
PRESETS: Registry[Preset] = Registry("target")


def register_target(cls: type[Target]) -> type[Target]:
    TARGETS.register(cls.name, cls())
    return cls


def register_preset(preset: Preset) -> Preset:
    return PRESETS.register(preset.name, preset, aliases=preset.aliases)


def recipe_for(model: str, preset: str, *, recipe_file: str | None = None, overrides: list[str] = ()) -> dict:
    """The resolved recipe for exporting ``model`` to ``preset`` (a name or alias), with the preset's
    precision layer and its ``target:`` checked."""
    p = PRESETS.get(preset)
    return load_recipe(model, p.name, precision=p.precision, aliases=tuple(PRESETS.aliases_of(p.name)),
                       recipe_file=recipe_file, overrides=overrides)
