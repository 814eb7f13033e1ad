"""The toy family as the runtime sees it: its pre-processing, case set (one encoder case per photo, one
head case chained to it), task metric, `run` and bench workload."""
from __future__ import annotations

import numpy as np

from edgevfm_runtime import golden as G
from edgevfm_runtime.families import RuntimeFamily, register_family


@register_family
class ToyRuntimeFamily(RuntimeFamily):
    name = "toy"
    chain = {("head", "embedding"): ("encoder", "embedding")}
    task_metric_info = {"label_agreement": (True, "toy: share of photos whose label survives the engine's own embedding")}

    def preprocess(self, rgb, spec, *, dense=False):
        from edgevfm_runtime.preprocess_steps import run_steps

        return run_steps(rgb, spec["steps"])

    def record(self, source, images, run, base):
        out = self.record_photos(source, images, run)
        for case, io in G.parse(out)["encoder"].items():
            head_case = f"{case}.head"
            upstream = {"embedding": io["out"]["embedding"]}
            G.store_outputs(out, "head", head_case, run("head", self.feed(source, "head", {"in": {}, "src": {}}, upstream)))
        return out

    def task_metrics(self, ctx):
        """Share of photos whose label is unchanged when the head reads the engine's own embedding."""
        if not {"encoder", "head"} <= set(ctx.sessions):
            return {}
        head, same = ctx.sessions["head"], []
        for case, io in ctx.cases["head"].items():
            upstream = ctx.outputs[("encoder", case.split(".")[0])]
            got = head.run(self.feed(ctx.bundle, "head", io, upstream))["logits"]
            same.append(int(np.argmax(got)) == int(np.argmax(io["out"]["logits"])))
        return {"label_agreement": float(np.mean(same))}

    def label(self, bundle, rgb, **options) -> int:
        enc, head = bundle.session("encoder", **options), bundle.session("head", **options)
        emb = enc.run({"pixels": self.preprocess(rgb, bundle.preprocess)})["embedding"]
        return int(np.argmax(head.run({"embedding": emb})["logits"]))

    def run(self, bundle, args, *, emit=print):
        from edgevfm_runtime.image import load_rgb

        label = self.label(bundle, load_rgb(args.image))
        emit(f"label {label}")
        return {"label": label}

    def workload(self, source, image, **options):
        from edgevfm_runtime.bench.workloads import Workload

        enc, head = source.session("encoder", **options), source.session("head", **options)
        x = {}
        steps = {"encode": lambda: x.update(enc.run({"pixels": self.preprocess(image, source.preprocess)})),
                 "classify": lambda: head.run({"embedding": x["embedding"]})}
        return Workload(steps, headline="pipeline", engine=enc.engine, pipeline=("encode", "classify"))
