"""Recipes: YAML data saying how a (model, target) is built. Layers, later ones winning:
``recipes/<model>/_defaults.yaml`` (every preset), ``recipes/<model>/_<precision>.yaml`` (settings shared
by every preset of one precision, e.g. the FP32 parity thresholds), ``recipes/<model>/<preset>.yaml``
(a small delta) or ``--recipe FILE``, then ``--set k=v``. Unknown keys are errors with a did-you-mean;
a recipe whose ``target:`` names another preset is refused."""
from __future__ import annotations

import copy
import hashlib
import json
import os
from pathlib import Path
from typing import Any

import yaml

from edgevfm_runtime.errors import EdgeVFMError

from .registry import did_you_mean


class RecipeError(EdgeVFMError):
    pass


ANY = object()  # free-form mapping (validated by the code that reads it)
NUMBER = (int, float)


class EachKey:
    """A mapping whose keys are free (e.g. component names) and whose values follow ``schema``."""

    def __init__(self, schema: dict):
        self.schema = schema


QUANTIZE: dict[str, Any] = {
    "method": str,  # one of the target's methods for the precision (Target.methods), e.g. ort-static
    "activation_type": str,  # uint8 | int8
    "weight_type": str,  # int8 | uint8
    "per_channel": bool,
    "symmetric_activations": bool,
    "reduce_range": bool,
    "op_types": list,  # op types to quantize (default: the engine's own choice)
    "model_type": str,  # nncf: transformer | default
    "preset": str,  # nncf: performance | mixed
    "fast_bias_correction": bool,
    "smooth_quant_alpha": NUMBER,  # nncf SmoothQuant alpha; negative disables it
    "calibration": {
        "algorithm": str,  # minmax | entropy | percentile (ORT); NNCF uses its own statistics
        "percentile": NUMBER,
        "num_bins": int,
        "size": int,  # how many calibration images are used
        "min_images": int,
        "prompts_per_image": int,  # SAM decoder: sampled prompts per image
        "texts": int,  # CLIP text tower: captions (templates × subjects, batch 1 each)
        "seed": int,
    },
    # nodes: regular expressions on ONNX node names; modules: on torch module names (executorch PT2E)
    "keep_float": {"op_types": list, "nodes": list, "modules": list},
    "sensitivity": {
        "enabled": bool,
        "target_sqnr_db": NUMBER,  # fall back blocks to float until the component reaches this
        "margin_db": NUMBER,  # without target_sqnr_db: the gate's sqnr_db for the component + this
        "target_from": str,  # where target_sqnr_db came from (filled in from the gate; recorded)
        "strategy": str,  # nncf: revert-blocks (bypass a block's activation quantizers) | accuracy-control | blocks (re-quantize; default)
        "blocks": list,  # regular expressions; each match group is one fallback unit
        "max_fallbacks": int,
        "max_seconds": NUMBER,  # wall-clock budget of the search after a miss (default 600)
        "full_fallback": bool,  # when the search ends short of the target: every block in float (default true)
        "validation_images": int,  # calibration images held back for measuring (not parity images)
    },
}

# The schema every model shares: nested dicts of allowed keys -> type (or a nested schema, or ANY).
# A model family adds its own keys (``ModelFamily.recipe_keys``).
SCHEMA: dict[str, Any] = {
    "description": str,
    "variant": str,
    "target": str,
    "export": {"opset": int, "host_outputs": bool},
    "tensorrt": {"workspace_mib": int},  # TensorRT engine build workspace (Jetson: keep it small, nanosam#18)
    "parity": {"images": list, "gate": bool, "thresholds": ANY},
    "quantize": QUANTIZE,
    # Per component: its precision (fp32 | fp16 | bf16 | int8) and quantize overrides.
    "components": EachKey({"precision": str, "quantize": QUANTIZE}),
    # Engine options recorded in the manifest and applied by the runtime (e.g. OpenVINO precision hint).
    "engine_options": ANY,
}


def recipes_dir() -> Path:
    env = os.environ.get("EDGEVFM_RECIPES")
    if env:
        return Path(env)
    return Path(__file__).resolve().parent.parent / "recipes"


def _validate(data: Any, schema: dict, where: str) -> None:
    if not isinstance(data, dict):
        raise RecipeError(f"recipe section {where or '(top)'} must be a mapping, got {type(data).__name__}")
    for key, value in data.items():
        path = f"{where}.{key}" if where else key
        if key not in schema:
            raise RecipeError(f"unknown recipe key {path!r}{did_you_mean(key, schema)} "
                              f"(allowed here: {', '.join(schema)})")
        rule = schema[key]
        if rule is ANY:
            continue
        if isinstance(rule, EachKey):
            if not isinstance(value, dict):
                raise RecipeError(f"recipe section {path!r} must be a mapping, got {type(value).__name__}")
            for name, sub in value.items():
                _validate(sub, rule.schema, f"{path}.{name}")
        elif isinstance(rule, dict):
            _validate(value, rule, path)
        elif not isinstance(value, rule) or (rule is int and isinstance(value, bool)):
            names = " or ".join(r.__name__ for r in rule) if isinstance(rule, tuple) else rule.__name__
            raise RecipeError(f"recipe key {path!r} must be {names}, got {value!r}")


def _merge(base: dict, delta: dict) -> dict:
    out = copy.deepcopy(base)
    for k, v in delta.items():
        out[k] = _merge(out[k], v) if isinstance(v, dict) and isinstance(out.get(k), dict) else copy.deepcopy(v)
    return out


def _read(path: Path, schema: dict = SCHEMA) -> dict:
    if not path.is_file():
        raise RecipeError(f"recipe {path} " + ("is not a file" if path.exists() else "not found")
                          + "; pass the path of a recipe YAML file")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise RecipeError(f"{path} is not valid YAML: {' '.join(str(exc).split())}") from None
    try:
        _validate(data, schema, "")
    except RecipeError as exc:
        raise RecipeError(f"{path}: {exc}") from None
    return data


def parse_set(items: list[str]) -> dict:
    """``["a.b=1", "c=x"]`` → ``{"a": {"b": 1}, "c": "x"}`` (values parsed as YAML scalars)."""
    out: dict = {}
    for item in items:
        key, sep, raw = item.partition("=")
        if not sep or not key:
            raise RecipeError(f"--set expects KEY=VALUE, got {item!r}")
        node = out
        *parents, leaf = key.split(".")
        for p in parents:
            node = node.setdefault(p, {})
            if not isinstance(node, dict):
                raise RecipeError(f"--set {item!r}: {p!r} was set to a value by an earlier --set, it cannot have keys")
        try:
            node[leaf] = yaml.safe_load(raw)
        except yaml.YAMLError as exc:
            raise RecipeError(f"--set {item!r}: the value is not a YAML scalar or list "
                              f"({' '.join(str(exc).split())[:160]})") from None
    return out


def _check_target(recipe: dict, names: tuple[str, ...], source: str) -> None:
    """A recipe names the preset it was written for (``target:``); using it for another one is a mistake."""
    named = recipe.get("target")
    if named is not None and named not in names:
        raise RecipeError(f"{source} is a recipe for {named}, not {names[0]}: export with --target {named}, "
                          f"or change its 'target:' to {names[0]}")


def _family_recipes(model: str) -> tuple[Path, dict]:
    """The model family's recipe folder and schema (the shared keys plus its own)."""
    from .models import get_model  # lazy: model families import torch

    family = get_model(model)
    return family.recipe_folder(), {**SCHEMA, **family.recipe_keys}


def load_recipe(model: str, preset: str, *, precision: str | None = None, aliases: tuple[str, ...] = (),
                recipe_file: str | None = None, overrides: list[str] = ()) -> dict:
    """The resolved recipe for (model, preset); ``precision`` picks the ``_<precision>.yaml`` layer and
    ``aliases`` are the preset's other names (accepted in ``target:``). ``targets.recipe_for`` fills both."""
    names = (preset, *aliases)
    folder, schema = _family_recipes(model)
    defaults = folder / "_defaults.yaml"
    recipe = _read(defaults, schema) if defaults.exists() else {}
    shared = folder / f"_{precision}.yaml"
    if precision and shared.exists():
        recipe = _merge(recipe, _read(shared, schema))
    preset_file = folder / f"{preset}.yaml"
    if recipe_file:
        own = _read(Path(recipe_file), schema)
        _check_target(own, names, f"--recipe {recipe_file}")
        recipe = _merge(recipe, own)
    elif preset_file.exists():
        own = _read(preset_file, schema)
        _check_target(own, names, str(preset_file))
        recipe = _merge(recipe, own)
    else:
        raise RecipeError(f"no recipe for {model} on {preset}: {preset_file} does not exist "
                          "(pass --recipe FILE to use your own)")
    delta = parse_set(list(overrides))
    _validate(delta, schema, "")
    _check_target(delta, names, "--set target")
    return _merge(recipe, delta)


def recipe_hash(recipe: dict) -> str:
    return hashlib.sha256(json.dumps(recipe, sort_keys=True).encode()).hexdigest()


def component_quantize(recipe: dict, component: str | None) -> dict:
    """The quantize settings for one component: the recipe's, then its ``components:`` override.
    A component given its own ``precision`` does not inherit the recipe-wide ``method`` (that method is
    for the preset's precision); it names its own or gets the target's default for its precision."""
    comp = recipe.get("components", {}).get(component, {}) if component else {}
    base = recipe.get("quantize", {})
    if "precision" in comp and "method" in base:
        base = {k: v for k, v in base.items() if k != "method"}
    return _merge(base, comp.get("quantize", {}))


def component_precision(recipe: dict, component: str, default: str) -> str:
    return recipe.get("components", {}).get(component, {}).get("precision", default)
