"""What the runtime knows about one model family (the manifest's ``model.family``): how an image
becomes its input, which golden cases it records and how its components chain, its task metrics,
what `run` does with it and what `bench` times.

A family is a :class:`RuntimeFamily` subclass registered with :func:`register_family`; ``check``,
``replay``/``record``, ``run``, ``bench`` and the embedders ask the registry, never a family name.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, ClassVar, Mapping

import numpy as np

from .. import golden as G
from ..errors import BundleError, InputError

# run(component, feed) -> outputs: one call of a component (an engine session, or torch in the toolkit)
RunFn = Callable[[str, dict], dict]


@dataclass(frozen=True)
class HostOp:
    """An output computed on the host after the engine (manifest ``host_outputs``), for static-shape
    engines that cannot produce it: ``fn(engine outputs, feed)`` reads ``feed_inputs`` (extra inputs the
    session then takes) and ``engine_outputs``."""

    feed_inputs: tuple[str, ...]
    engine_outputs: tuple[str, ...]
    fn: Callable[[dict, Mapping], np.ndarray]


class RuntimeFamily:
    """Base class; a family overrides what it has. ``source`` arguments are anything with
    ``preprocess`` (the manifest's spec) and ``components`` (name -> manifest entry): a Bundle, or the
    toolkit's torch stand-in recording the golden reference through the same case set."""

    name: ClassVar[str]  # the manifest's model.family
    # (component, input) -> (source component, source output): an input fed by another component's output
    chain: ClassVar[dict[tuple[str, str], tuple[str, str]]] = {}
    run_output_suffix: ClassVar[str | None] = None  # the file `run -o` writes; None: `run` prints only
    run_example: ClassVar[str] = ""  # arguments after IMAGE in the `run` line printed after an export
    image_output: ClassVar[str | None] = None  # the image embedding (ImageEmbedder), if the family has one
    text_output: ClassVar[str | None] = None  # the text embedding (TextEmbedder), if any
    dense_output: ClassVar[str | None] = None  # patch features (DenseFeatures), if any
    # task metric -> (higher is better, one line for reports): what ``task_metrics`` returns
    task_metric_info: ClassVar[dict[str, tuple[bool, str]]] = {}
    host_ops: ClassVar[dict[str, HostOp]] = {}  # name (as the manifest's host_outputs write it) -> op
    # bench workloads other than the default one: suite ``workload: NAME`` -> method name (same signature)
    workload_kinds: ClassVar[dict[str, str]] = {}

    # -- pre-processing and the case set ------------------------------------------------------
    def preprocess(self, rgb: np.ndarray, spec: dict, *, dense: bool = False) -> np.ndarray:
        """NCHW float32 input for an RGB uint8 photo following the manifest's ``preprocess``."""
        from ..preprocess import preprocess

        return preprocess(rgb, spec, dense=dense)

    def upstream_of(self, comp: str) -> str | None:
        return next((src for (c, _i), (src, _o) in self.chain.items() if c == comp), None)

    def feed(self, source, comp: str, io: dict, upstream: Mapping[str, np.ndarray] | None = None) -> dict:
        """The feed of one case: stored inputs, the image input rebuilt with the runtime's own
        pre-processing, and chained inputs taken from ``upstream`` (source output name -> array)."""
        feed = dict(io["in"])
        if "image" in io["src"]:
            first_input = source.components[comp]["inputs"][0]["name"]
            feed[first_input] = self.preprocess(io["src"]["image"], source.preprocess)
        if upstream is not None:
            for (c, inp), (_src, src_out) in self.chain.items():
                if c == comp:
                    feed[inp] = upstream[src_out]
        return feed

    def record(self, source, images: list[np.ndarray], run: RunFn, base: Mapping[str, np.ndarray]) -> dict:
        """The family's golden cases on ``images`` (golden layout), outputs made by ``run``. Cases that
        come from no photo (CLIP's texts) are taken from ``base`` where it has them."""
        raise InputError(f"model family {self.name!r} has no case set to record references with")

    def record_photos(self, source, images: list[np.ndarray], run: RunFn, comp: str = "encoder") -> dict:
        """One case per photo for an image tower: ``{comp}/{i}/src/image`` and all its outputs."""
        out: dict[str, np.ndarray] = {}
        for i, rgb in enumerate(images):
            io = {"src": {"image": rgb}, "in": {}, "out": {}}
            G.copy_inputs(out, comp, str(i), io)
            G.store_outputs(out, comp, str(i), run(comp, self.feed(source, comp, io)), None)
        return out

    # -- what users see -----------------------------------------------------------------------
    def task_metrics(self, ctx) -> dict[str, float]:
        """Task-level parity (``check``): ``ctx`` is a :class:`~edgevfm_runtime.task_metrics.TaskContext`."""
        return {}

    def run(self, bundle, args, *, emit=print) -> dict:
        """`run BUNDLE IMAGE`: do the family's task on one image and report it."""
        raise InputError(f"`run` has nothing to do for a {self.name} bundle")

    def workload(self, source, image: np.ndarray, **options):
        """The calls `bench` times (a :class:`~edgevfm_runtime.bench.workloads.Workload`)."""
        raise BundleError(f"model family {self.name!r} has no bench workload")
