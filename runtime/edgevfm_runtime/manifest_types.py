"""The typed manifest (schema 2): one frozen dataclass per block of ``manifest.json``.

``Manifest.from_dict`` validates first (errors name the field, see :mod:`.manifest`), then builds the
blocks; ``to_dict`` gives back the JSON form. Fields the schema does not type (a component's
quantization report, a model's export options, …) travel unchanged in each block's ``extra``, so
``Manifest.from_dict(d).to_dict() == d``. The published JSON Schema is ``data/manifest.schema.json``.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Optional

PARITY_STATUSES = ("passed", "failed", "not_verified")


def _plain(v: Any) -> Any:
    if isinstance(v, _Block):
        return v.to_dict()
    if isinstance(v, (list, tuple)):
        return [_plain(x) for x in v]
    if isinstance(v, dict):
        return {k: _plain(x) for k, x in v.items()}
    return v


class _Block:
    """to_dict / from_dict for a dataclass whose last field ``extra`` keeps the untyped keys.
    A field whose default is None is left out of the JSON while it is None."""

    def to_dict(self) -> dict:
        out: dict = {}
        for f in dataclasses.fields(self):
            if f.name == "extra":
                continue
            v = getattr(self, f.name)
            if v is None and f.default is None:
                continue
            out[f.name] = _plain(v)
        out.update(self.extra)
        return out

    @classmethod
    def _from(cls, d: dict, **converted):
        names = {f.name for f in dataclasses.fields(cls)} - {"extra"}
        kw = {k: d[k] for k in names if k in d}
        kw.update(converted)
        return cls(**kw, extra={k: v for k, v in d.items() if k not in names})


@dataclass(frozen=True)
class TensorSpec(_Block):
    name: str
    dtype: str
    shape: tuple  # ints, or strings for symbolic dims
    layout: Optional[str] = None
    extra: dict = field(default_factory=dict)

    @classmethod
    def from_dict(cls, d: dict) -> "TensorSpec":
        return cls._from(d, shape=tuple(d["shape"]))


@dataclass(frozen=True)
class Weights(_Block):
    kind: str
    id: str
    random: bool
    extra: dict = field(default_factory=dict)

    @classmethod
    def from_dict(cls, d: dict) -> "Weights":
        return cls._from(d)


@dataclass(frozen=True)
class Model(_Block):
    name: str
    family: str
    variant: str
    license: str
    source: str
    weights: Weights
    options: Optional[dict] = None  # export options a check must rebuild its torch reference with
    extra: dict = field(default_factory=dict)

    @classmethod
    def from_dict(cls, d: dict) -> "Model":
        return cls._from(d, weights=Weights.from_dict(d["weights"]))


@dataclass(frozen=True)
class Target(_Block):
    preset: str
    engine: str
    precision: str
    engine_version: Optional[str] = None
    engine_options: Optional[dict] = None  # shared by every component
    extra: dict = field(default_factory=dict)

    @classmethod
    def from_dict(cls, d: dict) -> "Target":
        return cls._from(d)


@dataclass(frozen=True)
class Component(_Block):
    file: str
    sha256: str
    bytes: int  # the model file plus its extra files
    inputs: tuple
    outputs: tuple
    file_bytes: Optional[int] = None
    precision: Optional[str] = None
    extra_files: Optional[dict] = None  # file -> sha256
    extra_files_bytes: Optional[dict] = None  # file -> size
    host_outputs: Optional[dict] = None  # output computed on the host -> how
    engine_options: Optional[dict] = None
    extra: dict = field(default_factory=dict)

    @classmethod
    def from_dict(cls, d: dict) -> "Component":
        return cls._from(d, inputs=tuple(TensorSpec.from_dict(t) for t in d["inputs"]),
                         outputs=tuple(TensorSpec.from_dict(t) for t in d["outputs"]))


@dataclass(frozen=True)
class Golden(_Block):
    file: str
    sha256: str
    bytes: Optional[int] = None
    extra: dict = field(default_factory=dict)

    @classmethod
    def from_dict(cls, d: dict) -> "Golden":
        return cls._from(d)


@dataclass(frozen=True)
class Parity(_Block):
    """Parity against the torch FP32 reference. ``not_verified``: the target's engine cannot run where
    the bundle was exported; ``verify_on`` says where it can (never stored as a failure)."""

    reference: str
    gated: bool
    status: str  # one of PARITY_STATUSES
    verify_on: Optional[str] = None
    engine: Optional[str] = None  # the engine the parity was measured in
    thresholds: Optional[dict] = None
    metrics: Optional[dict] = None  # {"components": {comp: {output: {metric: value}}}, "task": {metric: value}}
    failures: Optional[tuple] = None
    host_estimate: Optional[dict] = None  # labelled stand-in numerics where the engine cannot run
    extra: dict = field(default_factory=dict)

    @property
    def passed(self) -> bool:
        return self.status == "passed"

    @classmethod
    def from_dict(cls, d: dict) -> "Parity":
        return cls._from(d, **({"failures": tuple(d["failures"])} if "failures" in d else {}))

    def describe(self) -> str:
        """One line for people: PASSED / FAILED / not verified on this host (verify on …)."""
        if self.status == "not_verified":
            return f"not verified on this host (verify on {self.verify_on})"
        return self.status.upper()


@dataclass(frozen=True)
class Step(_Block):
    """One pre-processing op (``op`` names it; ``params`` are its fields, see preprocess_steps.OPS)."""

    op: str
    params: dict = field(default_factory=dict)
    extra: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        return {"op": self.op, **_plain(self.params)}

    @classmethod
    def from_dict(cls, d: dict) -> "Step":
        return cls(op=d["op"], params={k: v for k, v in d.items() if k != "op"})


@dataclass(frozen=True)
class Preprocess(_Block):
    kind: str  # the family's name, informative
    steps: tuple  # of Step: RGB uint8 HxWx3 in, float32 1x3xHxW out
    color: str = "RGB"
    input: Optional[str] = None  # the encoder input tensor the result feeds
    input_size: Optional[tuple] = None  # [H, W] of the result
    dense_steps: Optional[tuple] = None  # DINOv2 dense features, when they differ from ``steps``
    extra: dict = field(default_factory=dict)

    @classmethod
    def from_dict(cls, d: dict) -> "Preprocess":
        kw = {"steps": tuple(Step.from_dict(s) for s in d["steps"])}
        if d.get("dense_steps") is not None:
            kw["dense_steps"] = tuple(Step.from_dict(s) for s in d["dense_steps"])
        if d.get("input_size") is not None:
            kw["input_size"] = tuple(d["input_size"])
        return cls._from(d, **kw)


@dataclass(frozen=True)
class Prompt(_Block):
    """SAM: how prompts in image pixels become decoder inputs."""

    frame: str
    long_side: int
    coords: str  # "scale_per_axis": x * (neww / w), y * (newh / h)
    box_labels: tuple
    padding_point: dict
    mask_input_size: tuple
    extra: dict = field(default_factory=dict)

    @classmethod
    def from_dict(cls, d: dict) -> "Prompt":
        return cls._from(d, box_labels=tuple(d["box_labels"]), mask_input_size=tuple(d["mask_input_size"]))


@dataclass(frozen=True)
class Postprocess(_Block):
    """What a family does with the outputs; each family fills its own fields (SAM: masks, DINOv2:
    features, CLIP: embeddings and the tokenizer)."""

    mask_threshold: Optional[float] = None
    multimask_outputs: Optional[list] = None
    single_mask_output: Optional[int] = None
    upscale: Optional[dict] = None
    features: Optional[dict] = None
    normalized: Optional[bool] = None
    logit_scale: Optional[float] = None
    embeddings: Optional[dict] = None
    l2_normalize: Optional[bool] = None
    tokenizer: Optional[dict] = None
    extra: dict = field(default_factory=dict)

    @classmethod
    def from_dict(cls, d: dict) -> "Postprocess":
        return cls._from(d)


@dataclass(frozen=True)
class Provenance(_Block):
    edgevfm: Optional[str] = None
    recipe: Optional[dict] = None
    recipe_sha256: Optional[str] = None
    tools: Optional[dict] = None
    python: Optional[str] = None
    created: Optional[str] = None
    command: Optional[str] = None
    extra: dict = field(default_factory=dict)

    @classmethod
    def from_dict(cls, d: dict) -> "Provenance":
        return cls._from(d)


@dataclass(frozen=True)
class Manifest(_Block):
    """The whole manifest. Also readable as a read-only mapping (``m["model"]["name"]``) over its JSON
    form, for code not yet moved to attribute reads."""

    schema_version: int
    model: Model
    target: Target
    components: dict  # name -> Component, in file order
    preprocess: Preprocess
    postprocess: Postprocess
    parity: Parity
    provenance: Provenance
    golden: Optional[Golden] = None
    prompt: Optional[Prompt] = None
    calibration: Optional[dict] = None
    extras: Optional[list] = None  # extra files a family writes (e.g. a labeling tool's config)
    extra: dict = field(default_factory=dict)

    @classmethod
    def from_dict(cls, d: Any) -> "Manifest":
        """Validate ``d`` (BundleError naming the field) and build the typed manifest."""
        from .manifest import validate_manifest

        validate_manifest(d)
        kw = {
            "model": Model.from_dict(d["model"]), "target": Target.from_dict(d["target"]),
            "components": {n: Component.from_dict(c) for n, c in d["components"].items()},
            "preprocess": Preprocess.from_dict(d["preprocess"]), "postprocess": Postprocess.from_dict(d["postprocess"]),
            "parity": Parity.from_dict(d["parity"]), "provenance": Provenance.from_dict(d["provenance"]),
        }
        if d.get("golden") is not None:
            kw["golden"] = Golden.from_dict(d["golden"])
        if d.get("prompt") is not None:
            kw["prompt"] = Prompt.from_dict(d["prompt"])
        return cls._from(d, **kw)

    def replace(self, **changes) -> "Manifest":
        return dataclasses.replace(self, **changes)

    # -- the read-only mapping view --------------------------------------------------------------
    @cached_property
    def raw(self) -> dict:
        """The JSON form, computed once (treat it as read-only)."""
        return self.to_dict()

    def __getitem__(self, key: str):
        return self.raw[key]

    def get(self, key: str, default=None):
        return self.raw.get(key, default)

    def __contains__(self, key: object) -> bool:
        return key in self.raw

    def keys(self):
        return self.raw.keys()
