"""`edgevfm`: list, export, run, check, bench (the toolkit; needs torch for export)."""
from __future__ import annotations

import argparse
import json
import os
import sys

from edgevfm_runtime.errors import EdgeVFMError

from .. import __version__
from ._console import console as _console


class _Parser(argparse.ArgumentParser):
    """Usage mistakes are one line on stderr and exit 2, like every other error (subparsers inherit this)."""

    def error(self, message: str):
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def cmd_list(args) -> int:
    if args.what == "models":
        from ..models import MODELS

        rows = [{"name": n, "aliases": MODELS.aliases_of(n), "family": f.family, "variants": list(f.variants),
                 "default_variant": f.default_variant, "license": f.license, "summary": f.summary}
                for n, f in MODELS.items()]
    else:
        from ..targets import PRESETS, TARGETS

        rows = []
        for n, p in PRESETS.items():
            t = TARGETS.get(p.target)
            rows.append({"name": n, "aliases": PRESETS.aliases_of(n), "engine": t.engine, "precision": p.precision,
                         "available": t.unavailable_reason() or "yes", "summary": p.summary})
    if args.json:
        print(json.dumps({"schema_version": 1, args.what: rows}, indent=2))
        return 0
    from rich.table import Table

    table = Table(title=f"edgevfm {args.what}")
    cols = list(rows[0]) if rows else []
    for c in cols:
        table.add_column(c)
    for r in rows:
        table.add_row(*[", ".join(v) if isinstance(v, list) else str(v) for v in r.values()])
    _console().print(table)
    return 0


def cmd_export(args) -> int:
    from ..export.pipeline import export
    from .report import estimate_line, print_not_verified, print_report

    console = _console()
    res = export(args.model, target=args.target, variant=args.variant, weights=args.weights, output=args.output,
                 recipe_file=args.recipe, overrides=args.set or [], parity_gate=not args.no_parity_gate,
                 calib=args.calib, parity_target=args.parity_target, force=args.force, sign=args.sign,
                 emit=lambda s: console.print(s, markup=False))
    if res.report is None:
        print_not_verified(res.manifest.parity, console)
    else:
        print_report(res.report, console)
    if res.manifest.parity.host_estimate:
        console.print(estimate_line(res.manifest.parity.host_estimate), markup=False)
    total = sum(c["bytes"] for c in res.manifest["components"].values())
    rnd = "  [yellow](RANDOM weights)[/yellow]" if res.manifest["model"]["weights"]["random"] else ""
    console.print(f"export success ✅ {res.seconds:.1f}s, saved as [bold]{res.path}[/bold] ({total / 1e6:.1f} MB){rnd}")
    for name, c in res.manifest["components"].items():
        kept = f", {len(c['float_kept'])} node(s) kept in float" if c.get("float_kept") else ""
        console.print(f"  {name}: {c['file']} ({c.get('precision', '')}, {c['bytes'] / 1e6:.1f} MB, "
                      f"sha256 {c['sha256'][:12]}…{kept})", markup=False)
    from edgevfm_runtime.families import get_family

    prompt = get_family(res.manifest["model"]["family"]).run_example
    engine_extra = {"onnxruntime": "onnx", "openvino": "openvino", "litert": "tflite"}.get(
        res.manifest["target"]["engine"], res.manifest["target"]["engine"])
    for line in ("next:", f"  edgevfm run {res.path} IMAGE{prompt}", f"  edgevfm check {res.path}",
                 f"  edgevfm-rt run {res.path} IMAGE{prompt}   (on the device: pip install 'edgevfm_runtime-*.whl[{engine_extra}]' from scripts/build_wheels.sh)"):
        console.print(line, markup=False)
    return 0


def cmd_check(args) -> int:
    from .check import cmd_check as run

    return run(args)


def cmd_bench(args) -> int:
    from .bench import cmd_bench as run

    return run(args)


def cmd_run(args) -> int:
    from edgevfm_runtime.cli import cmd_run as rt_run

    return rt_run(args)


def build_parser() -> argparse.ArgumentParser:
    from edgevfm_runtime.cli import add_run_arguments

    parser = _Parser(prog="edgevfm", description="Vision foundation models to edge devices.")
    parser.add_argument("--version", action="version", version=f"edgevfm {__version__}")
    parser.add_argument("--debug", action="store_true", help="show the Python traceback of an error (also: EDGEVFM_DEBUG=1)")
    parser.add_argument("--verbose", action="store_true",
                        help="show third-party warnings and logs (TensorFlow, torch, converters); hidden by default")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("list", help="list models or targets")
    p.add_argument("what", choices=("models", "targets"))
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=cmd_list)

    p = sub.add_parser("export", help="export a model to a target preset as a bundle")
    p.add_argument("model", help="model name (edgevfm list models)")
    p.add_argument("--target", required=True, help="target preset (edgevfm list targets)")
    p.add_argument("--variant", help="model variant (default: the model's default)")
    p.add_argument("--weights", default="official",
                   help="official (download, default) | auto (official, else random:0) | PATH | hf:REPO[:FILE] | random[:SEED]")
    p.add_argument("--recipe", help="your own recipe YAML instead of recipes/<model>/<target>.yaml")
    p.add_argument("--set", action="append", metavar="KEY=VALUE", help="override a recipe key; repeatable")
    p.add_argument("-o", "--output", help="bundle folder (default: <model>-<variant>-<target>); must be new, an "
                                          "empty folder, or an existing bundle with --force")
    p.add_argument("--force", action="store_true", help="replace an existing bundle at -o (never any other folder)")
    p.add_argument("--no-parity-gate", action="store_true", help="keep the bundle even if parity fails (recorded)")
    p.add_argument("--calib", metavar="DIR",
                   help="calibration images (recursive; jpg/png/webp/bmp); default: scikit-image photos held out from parity")
    p.add_argument("--parity-target", type=float, metavar="DB",
                   help="keep the most sensitive layers in float until each quantized component reaches DB dB SQNR")
    p.add_argument("--sign", metavar="KEY.pem", help="sign the bundle with this Ed25519 private key (see `edgevfm sign`)")
    p.set_defaults(func=cmd_export)

    p = sub.add_parser("run", help="run a bundle on an image")
    add_run_arguments(p)
    p.set_defaults(func=cmd_run)

    from .bench import add_bench_parser
    from .check import add_check_parser

    add_check_parser(sub).set_defaults(func=cmd_check)
    add_bench_parser(sub).set_defaults(func=cmd_bench)
    from .distill import add_distill_parser, cmd_distill
    from .sign import add_sign_parsers

    add_sign_parsers(sub)
    add_distill_parser(sub).set_defaults(func=cmd_distill)
    from .device import add_device_parser

    add_device_parser(sub)
    return parser


def _one_line(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.strerror and not isinstance(exc, EdgeVFMError):
        text = f"{exc.filename}: {exc.strerror}" if exc.filename else exc.strerror
    else:
        text = str(exc) or type(exc).__name__
    return " ".join(text.split())


def main(argv=None) -> int:
    """Exit 0 (ok), 1 (``check`` FAILED, or a bug: one line naming it), 2 (bad input: an EdgeVFMError
    or a file problem, one line on stderr), 130 (Ctrl-C). ``--debug`` / EDGEVFM_DEBUG=1 re-raise."""
    args = build_parser().parse_args(argv)
    args.command_line = "edgevfm " + " ".join(sys.argv[1:] if argv is None else argv)  # recorded in results
    if not args.verbose:
        from .quiet import quiet_third_party

        quiet_third_party()
    if args.debug or os.environ.get("EDGEVFM_DEBUG", "") not in ("", "0"):
        return args.func(args)
    try:
        return args.func(args)
    except (EdgeVFMError, OSError) as exc:
        print(f"error: {_one_line(exc)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # noqa: BLE001 - a bug: still one line, and the way to see it whole
        print(f"internal error: {type(exc).__name__}: {_one_line(exc)} (a bug in edgevfm; run with --debug "
              "for the traceback and please report it)", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
