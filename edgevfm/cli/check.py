"""`edgevfm check BUNDLE`: the runtime's check options plus the torch FP32 reference."""
from __future__ import annotations

import argparse


def add_check_parser(sub) -> argparse.ArgumentParser:
    from edgevfm_runtime.check_cli import add_check_arguments

    p = sub.add_parser("check", help="parity of a bundle vs the torch FP32 reference (or golden.npz, saved "
                                     "outputs, another bundle); PASSED/FAILED, exit 1 on FAILED")
    add_check_arguments(p)
    p.add_argument("--reference", choices=("auto", "torch", "golden"), default="auto",
                   help="auto (default): torch FP32 rebuilt with the bundle's weights when they are at hand, "
                        "else golden.npz; torch: that or an error; golden: the bundle's golden.npz")
    p.add_argument("--weights", metavar="PATH",
                   help="the checkpoint the bundle was exported from (default: the manifest's random seed or the "
                        "cached official file); its sha256 must match the manifest")
    from .device import add_on_argument

    add_on_argument(p)
    p.set_defaults(func=cmd_check)
    return p


def cmd_check(args) -> int:
    from edgevfm_runtime import open as open_bundle
    from edgevfm_runtime.check_cli import execute_check

    from ..check import toolkit_reference
    from ._console import console as _console
    from .report import print_report

    console = _console()
    bundle = open_bundle(args.bundle, trusted_keys=getattr(args, "trust", None))
    ref = toolkit_reference(bundle, reference=args.reference, reference_bundle=args.reference_bundle,
                            load=args.load_outputs, images=args.images, weights=args.weights, threads=args.threads,
                            emit=lambda s: console.print(s, markup=False))
    report = execute_check(bundle, ref, args)
    print_report(report, console)
    if getattr(args, "on", None):
        from .remote_check import check_on_devices

        return check_on_devices(bundle, report, args, console)
    return 0 if report.passed else 1
