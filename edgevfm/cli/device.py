"""`edgevfm device add|list|remove|setup`, and the `--on` option of check and bench."""
from __future__ import annotations

import argparse
import json


def add_device_parser(sub) -> argparse.ArgumentParser:
    p = sub.add_parser("device", help="devices you own, reached over ssh: add, list, remove, setup")
    dsub = p.add_subparsers(dest="device_command", required=True)
    a = dsub.add_parser("add", help="register NAME at ssh://user@host[:port][/work-dir] (keys / ~/.ssh/config do auth)")
    a.add_argument("name")
    a.add_argument("url", metavar="ssh://user@host[:port]")
    a.add_argument("--replace", action="store_true", help="overwrite an existing entry")
    a = dsub.add_parser("list", help="registered devices and their facts")
    a.add_argument("--json", action="store_true")
    a = dsub.add_parser("remove", help="forget a device")
    a.add_argument("name")
    a = dsub.add_parser("setup", help="install the runtime wheel built here into a venv on the device; report its facts")
    a.add_argument("name")
    a.add_argument("--engine", default="onnx", choices=("onnx", "openvino", "tflite", "none"),
                   help="runtime extra pip installs on the device (default onnx); none: use the OS's engine")
    a.add_argument("--system-site-packages", action="store_true",
                   help="the device venv sees the system's packages (Jetson: JetPack's TensorRT and CUDA Python)")
    a.add_argument("--wheel", metavar="F.whl", help="an edgevfm_runtime wheel (default: built from this checkout)")
    p.set_defaults(func=cmd_device)
    return p


def facts_line(facts: dict) -> str:
    if not facts:
        return "not set up"
    isa = ", ".join(k for k, v in facts.get("isa", {}).items() if v) or "none of note"
    gpus = ", ".join(facts.get("gpus", [])) or "no GPU found"
    engines = ", ".join(f"{k} {v}" for k, v in facts.get("tools", {}).items()
                        if k in ("onnxruntime", "openvino", "ai-edge-litert", "tensorrt"))
    return f"{facts.get('cpu')} ({facts.get('machine')}, {facts.get('usable_cpus')} CPUs; ISA: {isa}); {gpus}; {engines}"


def cmd_device(args) -> int:
    from ..devices import registry

    c = args.device_command
    if c == "add":
        d = registry.add_device(args.name, args.url, replace=args.replace)
        print(f"added {d.name} = {d.url} (in {registry.config_path()}); next: edgevfm device setup {d.name}")
    elif c == "remove":
        registry.remove_device(args.name)
        print(f"removed {args.name}")
    elif c == "list":
        devices = registry.load_devices()
        if args.json:
            print(json.dumps({"schema_version": 1, "devices": [vars(d) for d in devices.values()]}, indent=2))
        elif not devices:
            print("no devices; add one with `edgevfm device add NAME ssh://user@host`")
        for d in [] if args.json else devices.values():
            print(f"{d.name}  {d.url}  [{d.engine or '-'}]  {facts_line(d.facts)}")
    else:
        from ..devices.setup import setup_device

        d = registry.get_device(args.name)
        facts = setup_device(d, engine=args.engine, wheel=args.wheel, system_site_packages=args.system_site_packages)
        print(f"{d.name}: ready — {facts_line(facts)}")
    return 0


def add_on_argument(p: argparse.ArgumentParser) -> None:
    p.add_argument("--on", metavar="NAME[,NAME…]",
                   help="also run on these registered devices (edgevfm device add/setup); results beside this host's")


def on_devices(args) -> list:
    from ..devices import get_device

    return [get_device(n) for n in (args.on or "").split(",") if n]


def bench_on_devices(result: dict, args, console) -> dict:
    """The bundles benched on each device too; their rows join this host's tables, facts printed per device."""
    from edgevfm_runtime.errors import InputError

    from ..devices.remote import merge_bench, remote_bench

    if args.suite or args.all_targets:
        raise InputError("--on works with `edgevfm bench BUNDLE...` (bundles already exported), not --suite/--all-targets")
    for d in on_devices(args):
        merge_bench(result, d, remote_bench(d, args.bundles, args, emit=lambda s: console.print(s, markup=False)))
        console.print(f"{d.name}: {facts_line(d.facts)}", markup=False, style="dim")
    return result
