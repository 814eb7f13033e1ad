"""Load CLIP checkpoints in any released layout into OpenAI key names (fp32).

Layouts (the second value :func:`load_clip_state_dict` returns):

* ``openai-torchscript`` — OpenAI's released ``.pt``: a TorchScript archive, fp16, with the extra
  entries ``input_resolution``, ``context_length``, ``vocab_size``;
* ``openai`` — a flat state dict in OpenAI names (OpenAI ``build_model``, open_clip's
  ``open_clip_pytorch_model.bin`` / ``open_clip_model.safetensors``);
* ``open_clip-checkpoint`` — an open_clip training checkpoint: ``{'state_dict': …}`` and/or DDP ``module.``;
* ``tinyclip`` — wkcn/TinyCLIP's wrapped keys ``_image_encoder.[module.]visual.*``,
  ``_text_encoder.[module.]*``, ``_logit_scale.[module.]logit_scale``;
* ``hf`` — Hugging Face transformers ``CLIPModel`` (safetensors or ``pytorch_model.bin``).
"""
from __future__ import annotations

import io
import pickle
import re
import zipfile
from collections import OrderedDict
from os import PathLike
from typing import Mapping

import torch

from ...weights import unreadable_reason
from .._loading import CheckpointError, load_state_dict_strict
from .config import Activation, ClipConfig, infer_config
from .model import CLIP

# Entries OpenAI's archives carry beside the weights; build_model deletes them too.
OPENAI_EXTRA_KEYS = ("input_resolution", "context_length", "vocab_size")

# ---------------------------------------------------------------------------------------------
# TorchScript archives without torch.jit.load.
# torch.load(weights_only=True) refuses TorchScript archives ("Cannot use weights_only=True with
# TorchScript archives"), and torch.jit.load compiles and runs the archive's TorchScript
# (__setstate__ included). So data.pkl is unpickled through an allow-list (tensors, storages,
# module stand-ins, list builders) and which attributes are parameters/buffers is read from the
# __parameters__/__buffers__ lines of code/*.py as text, never executed. The result equals
# torch.jit.load(path).state_dict() (which also includes non-persistent buffers).
# ---------------------------------------------------------------------------------------------
_STORAGE_DTYPES = {
    "HalfStorage": torch.float16,
    "FloatStorage": torch.float32,
    "DoubleStorage": torch.float64,
    "BFloat16Storage": torch.bfloat16,
    "LongStorage": torch.int64,
    "IntStorage": torch.int32,
    "ShortStorage": torch.int16,
    "CharStorage": torch.int8,
    "ByteStorage": torch.uint8,
    "BoolStorage": torch.bool,
}


class TorchScriptFormatError(CheckpointError):
    """The archive uses a construct this reader does not accept."""


class _ScriptObject:
    """Stand-in for a scripted module: just its qualified class name and attribute dict."""

    qualname = ""

    def __setstate__(self, state):
        if not isinstance(state, dict):  # a class with its own __getstate__: not a plain module
            raise TorchScriptFormatError(f"{self.qualname} has custom pickled state, which this reader does not accept")
        self.state = state


def is_torchscript_archive(path) -> bool:
    """True for a zip whose entries include TorchScript ``code/`` or ``constants.pkl``."""
    if not zipfile.is_zipfile(path):
        return False
    with zipfile.ZipFile(path) as zf:
        return any(n.split("/", 1)[-1].startswith(("code/", "constants.pkl")) for n in zf.namelist())


def _rebuild_tensor(flat, offset, size, stride, requires_grad=False, hooks=None, metadata=None):
    return torch.as_strided(flat, tuple(size), tuple(stride), offset)


_SAFE_GLOBALS = {
    ("torch._utils", "_rebuild_tensor_v2"): _rebuild_tensor,
    ("collections", "OrderedDict"): OrderedDict,
    # Older C++ picklers tag typed lists with these; all they do is build the list.
    ("torch.jit._pickle", "build_intlist"): list,
    ("torch.jit._pickle", "build_doublelist"): list,
    ("torch.jit._pickle", "build_boollist"): list,
    ("torch.jit._pickle", "build_tensorlist"): list,
    ("torch.jit._pickle", "build_genericlist"): list,
    ("torch.jit._pickle", "restore_type_tag"): lambda value, tag: value,
}


class _Unpickler(pickle.Unpickler):
    def __init__(self, data: bytes, zf: zipfile.ZipFile, root: str) -> None:
        super().__init__(io.BytesIO(data))
        self._zf, self._root = zf, root
        self._storages: dict[str, torch.Tensor] = {}
        self._classes: dict[str, type] = {}

    def find_class(self, module: str, name: str):
        if module == "__torch__" or module.startswith("__torch__."):
            qualname = f"{module}.{name}"
            if qualname not in self._classes:
                self._classes[qualname] = type(name, (_ScriptObject,), {"qualname": qualname})
            return self._classes[qualname]
        if module == "torch" and name in _STORAGE_DTYPES:
            return _STORAGE_DTYPES[name]
        if (module, name) in _SAFE_GLOBALS:
            return _SAFE_GLOBALS[(module, name)]
        raise TorchScriptFormatError(f"refusing to unpickle {module}.{name} from a TorchScript archive")

    def persistent_load(self, pid):
        kind, dtype, key, _location, _numel = pid
        if kind != "storage" or not isinstance(dtype, torch.dtype):
            raise TorchScriptFormatError(f"unexpected persistent id {pid!r}")
        if key not in self._storages:
            raw = bytearray(self._zf.read(f"{self._root}data/{key}"))
            self._storages[key] = torch.frombuffer(raw, dtype=dtype) if raw else torch.empty(0, dtype=dtype)
        return self._storages[key]


_CLASS = re.compile(r"^class ([\w.]+)\(", re.M)
_LIST = r"\s*=\s*\[([^\]]*)\]"


def _declarations(zf: zipfile.ZipFile, root: str) -> dict[str, tuple[list[str], list[str]]]:
    """qualified class name → (parameter names, buffer names), parsed from ``code/**.py`` text."""
    decls: dict[str, tuple[list[str], list[str]]] = {}
    code_root = f"{root}code/"
    for entry in zf.namelist():
        if not (entry.startswith(code_root) and entry.endswith(".py")):
            continue
        module = entry[len(code_root) : -3].replace("/", ".")
        text = zf.read(entry).decode("utf-8")
        starts = [m.start() for m in _CLASS.finditer(text)] + [len(text)]
        for begin, end in zip(starts, starts[1:]):
            body = text[begin:end]
            name = _CLASS.match(body).group(1)
            lists = []
            for attr in ("__parameters__", "__buffers__"):
                m = re.search(re.escape(attr) + _LIST, body)
                lists.append(re.findall(r'"([^"]+)"', m.group(1)) if m else [])
            decls[f"{module}.{name}"] = (lists[0], lists[1])
    return decls


def _collect(obj: _ScriptObject, prefix: str, decls, out: dict[str, torch.Tensor]) -> None:
    if obj.qualname not in decls:
        raise TorchScriptFormatError(f"no declaration for class {obj.qualname} in the archive's code/")
    params, buffers = decls[obj.qualname]
    state = getattr(obj, "state", {})
    for name in (*params, *buffers):
        value = state.get(name)
        if isinstance(value, torch.Tensor):
            out[prefix + name] = value
    for name, value in state.items():
        if isinstance(value, _ScriptObject):
            _collect(value, f"{prefix}{name}.", decls, out)


def read_torchscript_state_dict(path) -> dict[str, torch.Tensor]:
    """The parameters and buffers of a TorchScript archive, by dotted name, as fresh tensors."""
    with zipfile.ZipFile(path) as zf:
        pkl = [n for n in zf.namelist() if n.endswith("data.pkl") and n.count("/") == 1]
        if len(pkl) != 1:
            raise TorchScriptFormatError(f"expected one <root>/data.pkl in {path}, found {pkl}")
        root = pkl[0][: -len("data.pkl")]
        if f"{root}byteorder" in zf.namelist() and zf.read(f"{root}byteorder").strip() != b"little":
            raise TorchScriptFormatError(f"{path} stores big-endian tensors, which this reader does not convert")
        module = _Unpickler(zf.read(pkl[0]), zf, root).load()
        if not isinstance(module, _ScriptObject):
            raise TorchScriptFormatError(f"{path} does not hold a scripted module at its root")
        out: dict[str, torch.Tensor] = {}
        _collect(module, "", _declarations(zf, root), out)
    return {k: v.clone() for k, v in out.items()}


# ---------------------------------------------------------------------------------------------
# Key layouts → OpenAI names.
# ---------------------------------------------------------------------------------------------
_TINYCLIP = re.compile(
    r"^(?:_image_encoder\.|_text_encoder\.)(?:module\.)?"  # tower wrappers, optional DDP infix
    r"|^_logit_scale\.(?:module\.)?(?=logit_scale$)"
)
_HF_PREFIXES = (
    ("vision_model.embeddings.patch_embedding.weight", "visual.conv1.weight"),
    ("vision_model.embeddings.class_embedding", "visual.class_embedding"),
    ("vision_model.embeddings.position_embedding.weight", "visual.positional_embedding"),
    ("vision_model.pre_layrnorm.", "visual.ln_pre."),  # sic: transformers' spelling
    ("vision_model.post_layernorm.", "visual.ln_post."),
    ("vision_model.encoder.layers.", "visual.transformer.resblocks."),
    ("text_model.embeddings.token_embedding.weight", "token_embedding.weight"),
    ("text_model.embeddings.position_embedding.weight", "positional_embedding"),
    ("text_model.final_layer_norm.", "ln_final."),
    ("text_model.encoder.layers.", "transformer.resblocks."),
)
_HF_BLOCK = (
    (".self_attn.out_proj.", ".attn.out_proj."),
    (".layer_norm1.", ".ln_1."),
    (".layer_norm2.", ".ln_2."),
    (".mlp.fc1.", ".mlp.c_fc."),
    (".mlp.fc2.", ".mlp.c_proj."),
)
_HF_QKV = re.compile(r"^(.*)\.self_attn\.([qkv])_proj\.(weight|bias)$")


def _from_hf(sd: Mapping[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    out: dict[str, torch.Tensor] = {}
    qkv: dict[tuple[str, str], dict[str, tuple[str, torch.Tensor]]] = {}
    for key, value in sd.items():
        if key.endswith("embeddings.position_ids"):
            continue  # an arange buffer older transformers saved; not a weight
        if key in ("visual_projection.weight", "text_projection.weight"):
            out["visual.proj" if key.startswith("visual") else "text_projection"] = value.t()
            continue
        new = key
        for old, repl in _HF_PREFIXES:
            if new.startswith(old):
                new = repl + new[len(old) :]
                break
        for old, repl in _HF_BLOCK:
            new = new.replace(old, repl)
        if m := _HF_QKV.match(new):
            qkv.setdefault((m.group(1), m.group(3)), {})[m.group(2)] = (key, value)
            continue
        out[new] = value
    for (block, kind), parts in qkv.items():
        if set(parts) == {"q", "k", "v"}:
            out[f"{block}.attn.in_proj_{kind}"] = torch.cat([parts[c][1] for c in "qkv"], dim=0)
        else:  # incomplete: keep the original names so the strict load reports them
            out.update({orig: v for orig, v in parts.values()})
    return out


def convert_state_dict(obj, *, torchscript: bool = False) -> tuple[dict[str, torch.Tensor], str]:
    """Map a loaded checkpoint object to OpenAI key names in fp32; returns (state_dict, layout)."""
    wrapped = False
    if isinstance(obj, Mapping) and isinstance(obj.get("state_dict"), Mapping):
        obj, wrapped = obj["state_dict"], True
    if not isinstance(obj, Mapping):
        raise CheckpointError(f"expected a state dict, got {type(obj).__name__}")
    not_tensors = [k for k, v in obj.items() if not isinstance(v, torch.Tensor)]
    if not_tensors:
        raise CheckpointError(f"checkpoint entries are not tensors: {sorted(map(str, not_tensors))[:8]}")
    sd = dict(obj)
    if sd and all(k.startswith("module.") for k in sd):
        sd, wrapped = {k[len("module.") :]: v for k, v in sd.items()}, True
    if any(k.startswith(("_image_encoder.", "_text_encoder.", "_logit_scale.")) for k in sd):
        sd, layout = {_TINYCLIP.sub("", k): v for k, v in sd.items()}, "tinyclip"
    elif any(k.startswith(("vision_model.", "text_model.")) for k in sd):
        sd, layout = _from_hf(sd), "hf"
    elif torchscript:
        layout = "openai-torchscript"
    else:
        layout = "open_clip-checkpoint" if wrapped else "openai"
    for key in OPENAI_EXTRA_KEYS:
        sd.pop(key, None)
    return {k: (v.float() if v.is_floating_point() else v).contiguous() for k, v in sd.items()}, layout


def _is_safetensors(path) -> bool:
    with open(path, "rb") as f:
        head = f.read(9)
    return len(head) == 9 and head[8:9] == b"{" and int.from_bytes(head[:8], "little") > 1


def load_clip_state_dict(path: str | PathLike) -> tuple[dict[str, torch.Tensor], str]:
    """Read a CLIP checkpoint file without executing code; return (OpenAI-named fp32 state dict, layout)."""
    try:
        if is_torchscript_archive(path):
            return convert_state_dict(read_torchscript_state_dict(path), torchscript=True)
        if _is_safetensors(path):
            from safetensors.torch import load_file

            return convert_state_dict(load_file(str(path)))
        obj = torch.load(path, map_location="cpu", weights_only=True)
        return convert_state_dict(obj)
    except CheckpointError as e:
        if str(path) in str(e):
            raise
        raise CheckpointError(f"CLIP checkpoint {path}: {e}") from None
    except Exception as e:  # a malformed file can fail in many ways; report them all the same way
        raise CheckpointError(f"cannot read CLIP checkpoint {path}: {unreadable_reason(e)}") from e


def load_clip(
    path: str | PathLike, *, config: ClipConfig | None = None, activation: Activation | None = None
) -> tuple[CLIP, str]:
    """Build a :class:`CLIP` (config inferred from shapes unless given) and load ``path`` strictly.

    The weights do not say which activation they were trained with, so when ``config`` is not
    given ``activation`` is required, except for OpenAI's own archives (always QuickGELU).
    """
    sd, layout = load_clip_state_dict(path)
    if config is None:
        if activation is None and layout != "openai-torchscript":
            raise ValueError(
                f"{path} ({layout}) does not record its activation: pass activation='quick_gelu' (OpenAI, "
                "open_clip *-quickgelu tags) or 'gelu' (open_clip LAION-2B/DataComp, TinyCLIP), or a config"
            )
        try:
            config = infer_config(sd, activation=activation or "quick_gelu")
        except (KeyError, ValueError) as e:
            raise CheckpointError(f"{path} ({layout}): {e}") from e
    elif activation is not None and activation != config.activation:
        raise ValueError(f"activation {activation!r} contradicts config.activation {config.activation!r}")
    model = CLIP(config=config)
    load_state_dict_strict(model, sd, source=f"{path} ({layout})")
    return model.eval(), layout
