"""A stand-in bundle: a real bundle's manifest, golden data and pre-processing, with other sessions
(the baselines: the same model run by PyTorch eager, or a plain ONNX export), so the same runtime
API calls and the same check measure them."""
from __future__ import annotations

from typing import Callable


class StandIn:
    def __init__(self, bundle, open_session: Callable[..., object]):
        self.bundle = bundle
        self.root = bundle.root
        self.manifest = bundle.manifest
        self._open = open_session

    components = property(lambda self: self.bundle.components)
    preprocess = property(lambda self: self.bundle.preprocess)
    postprocess = property(lambda self: self.bundle.postprocess)
    golden = property(lambda self: self.bundle.golden)
    random_weights = property(lambda self: self.bundle.random_weights)
    model = property(lambda self: self.bundle.model)
    variant = property(lambda self: self.bundle.variant)

    def session(self, name: str, *, engine: str | None = None, **options):
        return self._open(name, **options)
