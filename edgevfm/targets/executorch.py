"""ExecuTorch (``<component>.pte``) for Android, iOS and embedded Linux: torch.export → edge dialect →
XNNPACK delegate → ``.pte``, run on this host by ``executorch.runtime`` (so parity is measured, not
estimated), and on devices by ExecuTorch's C++ runtime (Android ``Module``, iOS ``ExecuTorchModule``).

* fp32: XNNPACK-delegated program.
* int8: PT2E static INT8 with the XNNPACK quantizer (per-channel weights), calibrated on the
  component's calibration feeds, with the accuracy-budget fallback (``executorch_quant``).
* SAM's decoder is the static twin (low-res masks; the runtime upscales on the host), with a dynamic
  ``num_points`` (torch.export Dim 1..18, the decoder's declared range); other batch dims are fixed to 1
  (batches run item by item).

A ``.pte`` carries no tensor names: the positional IO order is recorded in the component's
``engine_options`` (``input_names`` / ``output_names``), beside ``portable_ops`` — every op left outside
the delegate (it runs on the portable CPU kernels, slow on a phone); the export warns when it is not empty.

``executorch-coreml``: the Core ML partitioner lowers on Linux (coremltools builds the ML program
inside the ``.pte``), but ExecuTorch's Linux runtime has no Core ML backend, so parity is recorded
as "not verified on this host", exactly like ``ios-*``."""
from __future__ import annotations

from pathlib import Path

from edgevfm_runtime.errors import EdgeVFMError

from ..models.spec import Component
from ..recipes import component_quantize
from .base import Converted, Preset, Target, register_preset, register_target
from .static_io import fix_dims, static_twin


class Unsupported(EdgeVFMError):
    """The ExecuTorch lowering cannot take this component; the message starts with ``unsupported:``."""


def io_options(comp: Component, report: dict) -> dict:
    return {"input_names": comp.input_names, "output_names": comp.output_names,
            "portable_ops": sorted(report["portable_ops"])}


@register_target
class ExecuTorchTarget(Target):
    name = "executorch"
    engine = "executorch"
    packages = ("executorch",)
    pip = "pip install 'edgevfm[executorch]'  (executorch)"
    precisions = ("fp32", "int8")
    methods = {"int8": ("xnnpack-pt2e",)}
    delegate = "xnnpack"

    def engine_version(self) -> str:
        import importlib.metadata as md

        return f">={md.version('executorch').rsplit('.', 1)[0]}"

    def needs_calibration(self, precision: str, recipe: dict) -> bool:
        return precision == "int8"

    def convert(self, component: Component, out_dir: Path, *, recipe: dict, precision: str = "fp32",
                calib: list[dict] | None = None, emit=print) -> Converted:
        from .executorch_lower import export_program, lower

        twin, host = static_twin(component)
        comp = fix_dims(twin)
        name = f"{comp.name}.pte"
        info = None
        try:
            if precision != "int8":  # fp32 (XNNPACK), fp16 (Core ML compute precision, set by the delegate)
                pte, report = lower(export_program(comp.module.eval(), comp), self.delegate)
            else:
                from .executorch_quant import static_int8

                q = component_quantize(recipe, comp.name)
                self.method(q, precision)
                if not calib:
                    raise ValueError(f"executorch INT8 needs calibration feeds for {comp.name}")
                pte, report, info = static_int8(comp, [{k: f[k] for k in comp.input_names} for f in calib], q, emit=emit)
        except (ValueError, EdgeVFMError):
            raise
        except Exception as exc:  # torch.export / lowering errors are many and untyped: report, don't crash
            first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
            raise Unsupported(f"unsupported: ExecuTorch cannot lower {comp.name}: {first[:300]}") from exc
        (out_dir / name).write_bytes(pte)
        if report["portable_ops"]:
            emit(f"  warning: {comp.name}: ops outside the {report['delegate']} delegate run on ExecuTorch's portable "
                 f"kernels (slow on a phone): {', '.join(f'{k}×{v}' for k, v in report['portable_ops'].items())}")
        opts = {**io_options(comp, report), **recipe.get("engine_options", {}).get(comp.name, {})}
        return Converted(name, precision, quantization=info, engine_options=opts, inputs=comp.inputs,
                         outputs=comp.outputs, host_outputs=host, notes={"lowering": report})


VERIFICATION_LINUX = ("ExecuTorch's Linux runtime has no Core ML backend (Core ML runs on macOS/iOS): lowered and "
                      "IO-recorded here, numerics not verified on this host")


@register_target
class ExecuTorchCoreMlTarget(ExecuTorchTarget):
    name = "executorch_coreml"
    packages = ("executorch", "coremltools")
    pip = "pip install 'edgevfm[executorch]'  (executorch, coremltools)"
    precisions = ("fp16",)
    methods = {}
    delegate = "coreml"
    verification = VERIFICATION_LINUX

    def needs_calibration(self, precision: str, recipe: dict) -> bool:
        return False

    def parity_engine(self) -> str | None:
        return None


register_preset(Preset("executorch-fp32", "executorch", "fp32",
                       "Android/iOS/embedded Linux: ExecuTorch .pte, XNNPACK delegate, FP32", aliases=("pte-fp32",)))
register_preset(Preset("executorch-int8", "executorch", "int8",
                       "Android/iOS/embedded Linux: ExecuTorch .pte, XNNPACK INT8 (PT2E static, per-channel), calibrated",
                       aliases=("pte-int8",)))
register_preset(Preset("executorch-coreml", "executorch_coreml", "fp16",
                       "iOS/macOS: ExecuTorch .pte, Core ML delegate, FP16 compute (parity needs macOS)"))
