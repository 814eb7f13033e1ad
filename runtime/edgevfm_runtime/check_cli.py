"""`check` on the command line, shared by `edgevfm-rt check` and `edgevfm check` (which adds the
torch reference): options, running, saving outputs, the exit code."""
from __future__ import annotations

import argparse
import json
from pathlib import Path


def add_check_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("bundle", help="bundle folder or .zip")
    p.add_argument("--reference-bundle", metavar="BUNDLE", help="compare against another bundle's outputs")
    p.add_argument("--load-outputs", metavar="F.npz",
                   help="compare against saved reference outputs (golden layout, from --save-outputs)")
    p.add_argument("--images", metavar="DIR", help="your own photos (recursive) instead of the golden ones")
    p.add_argument("--save-outputs", metavar="F.npz",
                   help="write the reference this check used (inputs + outputs, golden layout) for another machine")
    p.add_argument("--save-bundle-outputs", metavar="F.npz",
                   help="write this bundle's own outputs on the reference inputs (golden layout)")
    p.add_argument("--json", metavar="F", help="write the report as versioned JSON")
    p.add_argument("--threads", type=int, default=None, help="engine threads (default: engine's choice)")
    p.add_argument("--engine", metavar="NAME",
                   help="run the bundle's model files in another engine that reads them, e.g. onnxruntime for a "
                        "jetson-* bundle on a host without TensorRT (the exact Q/DQ / FP16 graph TensorRT consumes)")
    p.add_argument("--trust", action="append", metavar="KEY.pub",
                   help="refuse the bundle unless it is signed by this Ed25519 public key (PEM); repeatable")
    from .placement import add_placement_arguments

    add_placement_arguments(p)


# bundle engine -> an engine that reads the same model files, for hosts without the first
ALTERNATIVE_ENGINE = {"tensorrt": "onnxruntime"}


def session_options(args) -> dict:
    from .placement import session_options as with_placement

    return with_placement(args)


def execute_check(bundle, reference, args):
    """Run the check against ``reference`` (a :class:`~edgevfm_runtime.reference.Reference`) and
    write what the options ask for; returns the report."""
    from .check import run_check
    from .reference import save_outputs
    from .replay import replay
    from .report_text import to_json

    from .errors import EngineUnavailable

    opts = {**session_options(args), **({"engine": args.engine} if getattr(args, "engine", None) else {})}
    from .placement import check_engine

    check_engine(opts, opts.get("engine") or bundle.engine_name, bundle.root.name)
    try:
        report = run_check(bundle, reference=reference.outputs, reference_name=reference.name, **opts)
    except EngineUnavailable as exc:
        hint = ALTERNATIVE_ENGINE.get(bundle.engine_name)
        if hint and "engine" not in opts:
            raise EngineUnavailable(f"{exc}\n(on this host: --engine {hint} checks the same model files)") from None
        raise
    if args.save_outputs:
        save_outputs(args.save_outputs, reference.outputs)
    if args.save_bundle_outputs:
        save_outputs(args.save_bundle_outputs, replay(bundle, reference.outputs, **opts))
    if args.json:
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        doc = to_json(report, bundle=bundle)
        doc["placement"] = {k: v for k, v in opts.items() if k in ("providers", "device")} or None
        Path(args.json).write_text(json.dumps(doc, indent=2) + "\n")
    return report


def cmd_check(args) -> int:
    from .bundle import open as open_bundle
    from .reference import runtime_reference
    from .report_text import format_text

    bundle = open_bundle(args.bundle, trusted_keys=args.trust)
    ref = runtime_reference(bundle, reference_bundle=args.reference_bundle, load=args.load_outputs,
                            images=args.images, **session_options(args))
    report = execute_check(bundle, ref, args)
    print(format_text(report))
    return 0 if report.passed else 1
