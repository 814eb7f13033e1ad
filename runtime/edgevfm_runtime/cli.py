"""`edgevfm-rt`: the device-side command line (numpy + Pillow + one engine; never torch)."""
from __future__ import annotations

import argparse
import json
import sys

from . import __version__
from .bench.cli import add_bench_arguments, cmd_bench
from .bundle import open as open_bundle
from .check_cli import add_check_arguments, cmd_check
from .errors import EdgeVFMError


def add_run_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("bundle", help="bundle folder or .zip")
    p.add_argument("image", help="input image (jpg/png/…)")
    p.add_argument("--point", action="append", metavar="X,Y[,LABEL]",
                   help="SAM click in image pixels; LABEL 1 = foreground (default), 0 = background; repeatable")
    p.add_argument("--box", metavar="X0,Y0,X1,Y1", help="SAM box prompt in image pixels")
    p.add_argument("--text", action="append", metavar="T", help="CLIP label text; repeatable")
    p.add_argument("--single", action="store_true", help="SAM: one mask instead of three")
    p.add_argument("--everything", action="store_true",
                   help="SAM: segment everything (point grid); -o gets a coloured label PNG, records go to a .json beside it")
    p.add_argument("--points-per-side", type=int, default=32, help="SAM --everything: grid points per side (default 32)")
    p.add_argument("--rle", choices=("uncompressed", "coco"), default="uncompressed",
                   help="SAM --everything: segmentation encoding in the JSON (COCO's compressed RLE with 'coco')")
    p.add_argument("-o", "--output", help="output file (SAM: mask PNG; an _overlay.png is written beside it)")
    p.add_argument("--threads", type=int, default=None, help="engine threads (default: engine's choice)")
    add_trust_argument(p)
    from .placement import add_placement_arguments

    add_placement_arguments(p)


def add_trust_argument(p: argparse.ArgumentParser) -> None:
    p.add_argument("--trust", action="append", metavar="KEY.pub",
                   help="refuse the bundle unless it is signed by this Ed25519 public key (PEM); repeatable")


def cmd_run(args) -> int:
    from .apps.output_path import check_output
    from .families import family_of

    bundle = open_bundle(args.bundle, trusted_keys=args.trust)
    family = family_of(bundle)
    check_output(family.name, family.run_output_suffix, args.output)
    if bundle.random_weights:
        print(f"warning: {bundle.root.name} was exported from RANDOM weights "
              f"({bundle.manifest.model.weights.id}); its outputs are meaningless", file=sys.stderr)
    from .placement import check_engine, session_options

    check_engine(session_options(args), bundle.engine_name, bundle.root.name)
    family.run(bundle, args)
    return 0


def cmd_info(args) -> int:
    bundle = open_bundle(args.bundle, trusted_keys=args.trust)
    if args.json:
        print(json.dumps(bundle.raw, indent=2))
        return 0
    m = bundle.manifest
    print(f"{bundle.root}: {m.model.name}/{m.model.variant} for {m.target.preset} "
          f"({m.target.engine}, {m.target.precision})")
    print(f"weights: {m.model.weights.id}" + ("  [RANDOM]" if bundle.random_weights else ""))
    for name, c in m.components.items():
        ins = ", ".join(f"{t.name}{list(t.shape)}" for t in c.inputs)
        outs = ", ".join(f"{t.name}{list(t.shape)}" for t in c.outputs)
        print(f"  {name}: {c.file} ({c.bytes / 1e6:.1f} MB)  {ins} -> {outs}")
    print(f"parity: {m.parity.describe()} against {m.parity.reference}")
    if bundle.signed_by:
        print(f"signature: valid, trusted key {bundle.signed_by}")
    return 0


def cmd_build(args) -> int:
    """Build (or reuse) each component's device engine; today TensorRT bundles need it."""
    bundle = open_bundle(args.bundle)
    if bundle.engine_name != "tensorrt":
        print(f"{bundle.root.name}: engine {bundle.engine_name} needs no build step")
        return 0
    from .engines import get_engine
    from .engines.tensorrt import build_engine

    reason = get_engine("tensorrt").unavailable_reason()
    if reason:
        raise EdgeVFMError(f"cannot build TensorRT engines here: {reason}")
    for name in bundle.components:
        path = build_engine(bundle.component_path(name), bundle.engine_options(name).get("build", {}))
        print(f"  {name}: {path}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="edgevfm-rt", description=__doc__)
    parser.add_argument("--version", action="version", version=f"edgevfm-runtime {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("run", help="run a bundle on an image")
    add_run_arguments(p)
    p.set_defaults(func=cmd_run)
    p = sub.add_parser("build", help="build and cache the device engines of a bundle (TensorRT)")
    p.add_argument("bundle")
    p.set_defaults(func=cmd_build)
    p = sub.add_parser("info", help="show a bundle's manifest")
    p.add_argument("bundle")
    p.add_argument("--json", action="store_true")
    add_trust_argument(p)
    p.set_defaults(func=cmd_info)
    p = sub.add_parser("check", help="parity of a bundle vs golden.npz, saved outputs or another bundle; exit 1 on FAILED")
    add_check_arguments(p)
    p.set_defaults(func=cmd_check)
    p = sub.add_parser("bench", help="latency percentiles, memory and parity of bundles, timed interleaved")
    add_bench_arguments(p)
    p.set_defaults(func=cmd_bench)
    from .facts import cmd_facts

    p = sub.add_parser("facts", help="this machine: CPU, ISA flags, GPU, engine versions and their devices")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_facts)
    return parser


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except (EdgeVFMError, OSError) as exc:  # OSError: a user's file that cannot be read or written
        print(f"error: {' '.join(str(exc).split())}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
