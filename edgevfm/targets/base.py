"""Targets (one per engine) and the presets users type (``onnx-fp32``, ``jetson-int8``, …)."""
from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from pathlib import Path

from ..models.spec import Component, ModelFamily
from ..registry import Registry


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

    def unavailable_reason(self) -> str | None:
        for mod in self.packages:
            try:
                importlib.import_module(mod)
            except ImportError:
                return f"unavailable: {self.pip}"
        return None

    def supports(self, family: ModelFamily, precision: str) -> str | None:
        if precision not in self.precisions:
            return f"{self.name} does not support {precision} yet (supports: {', '.join(self.precisions)})"
        return None

    def engine_version(self) -> str:
        return ""

    def needs_calibration(self, precision: str, recipe: dict) -> bool:
        """Whether converting at ``precision`` consumes calibration feeds."""
        return False

    def parity_engine(self) -> str | None:
        """The runtime engine that measures parity on this host (None: not verifiable here)."""
        return self.engine

    def host_estimate(self, root: Path, emit=print) -> dict | None:
        """Where ``parity_engine()`` is None: a labelled stand-in measurement of the bundle at ``root``
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
