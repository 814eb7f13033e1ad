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

    def convert(self, component: Component, out_dir: Path, *, recipe: dict, emit=print) -> str:
        """Write the component's model file(s) into ``out_dir``; return the file name."""
        raise NotImplementedError


TARGETS: Registry[Target] = Registry("target engine")
PRESETS: Registry[Preset] = Registry("target")


def register_target(cls: type[Target]) -> type[Target]:
    TARGETS.register(cls.name, cls())
    return cls


def register_preset(preset: Preset) -> Preset:
    return PRESETS.register(preset.name, preset, aliases=preset.aliases)
