"""Where a model's weights come from: the official release (downloaded into a cache and verified),
a local file, a Hugging Face repo, or seeded random weights for pipelines and tests."""
from __future__ import annotations

import os
import re
import shutil
import sys
import tempfile
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from edgevfm_runtime.errors import EdgeVFMError
from edgevfm_runtime.hashing import sha256_path


class WeightsUnavailable(EdgeVFMError):
    """The requested weights cannot be had (offline, bad checksum, missing file)."""


@dataclass(frozen=True)
class WeightSource:
    """Where the official checkpoint of one variant lives. ``sha256`` None = no published checksum."""

    filename: str
    urls: tuple[str, ...] = ()
    hf_repo: str | None = None
    hf_filename: str | None = None
    sha256: str | None = None
    unavailable: str | None = None  # why there is nothing to download (e.g. a student trained locally)


@dataclass(frozen=True)
class ResolvedWeights:
    kind: str  # official | file | hf | random
    id: str  # what the manifest records: sha256 of the file, or "random:<seed>"
    path: Path | None = None
    seed: int | None = None
    notes: tuple[str, ...] = field(default=())

    @property
    def random(self) -> bool:
        return self.kind == "random"

    def manifest(self) -> dict:
        d = {"kind": self.kind, "id": self.id, "random": self.random}
        if self.path is not None:
            d["file"] = self.path.name
        if self.notes:
            d["notes"] = list(self.notes)
        return d


def cache_dir() -> Path:
    return Path(os.environ.get("EDGEVFM_CACHE", Path.home() / ".cache" / "edgevfm"))


def _download_url(url: str, dest: Path, *, timeout: float = 30.0) -> None:
    from rich.progress import BarColumn, DownloadColumn, Progress, TransferSpeedColumn

    req = urllib.request.Request(url, headers={"User-Agent": "edgevfm"})
    with urllib.request.urlopen(req, timeout=timeout) as resp:
        total = int(resp.headers.get("Content-Length") or 0) or None
        fd, tmp = tempfile.mkstemp(dir=dest.parent, prefix=dest.name + ".", suffix=".part")
        try:
            with os.fdopen(fd, "wb") as fh, Progress(
                "[progress.description]{task.description}", BarColumn(), DownloadColumn(), TransferSpeedColumn(),
                transient=True, disable=not sys.stderr.isatty(),
            ) as progress:
                task = progress.add_task(f"downloading {dest.name}", total=total)
                for chunk in iter(lambda: resp.read(1 << 20), b""):
                    fh.write(chunk)
                    progress.advance(task, len(chunk))
            os.replace(tmp, dest)
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)


def _verify(path: Path, expected: str | None) -> str:
    actual = sha256_path(path)
    if expected and actual != expected:
        raise WeightsUnavailable(
            f"{path} has sha256 {actual} but the release's is {expected}: the download is corrupt or not the "
            "official file; delete it and retry, or pass --weights PATH"
        )
    return actual


def _unreachable(host: str) -> str | None:
    """Why ``host`` cannot be reached (None if it can): checked once up front, so an offline machine
    fails in milliseconds with one message instead of a client's retry loop."""
    import socket

    if any(os.environ.get(v) for v in ("HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy")):
        return None  # behind a proxy a direct connection says nothing; let the client try
    try:
        socket.create_connection((host, 443), timeout=5).close()
    except OSError as exc:
        return f"{host} unreachable ({exc})"
    return None


def fetch_official(source: WeightSource, *, model: str) -> Path:
    """Return the cached official checkpoint, downloading it (with progress) if needed."""
    if source.unavailable:
        raise WeightsUnavailable(source.unavailable)
    dest_dir = cache_dir() / model
    dest = dest_dir / source.filename
    if dest.exists():
        _verify(dest, source.sha256)
        return dest
    dest_dir.mkdir(parents=True, exist_ok=True)
    errors = []
    hf_host = urllib.parse.urlsplit(os.environ.get("HF_ENDPOINT", "https://huggingface.co")).hostname or ""
    hf_down = _unreachable(hf_host) if source.hf_repo else None
    if hf_down:
        errors.append(f"huggingface {source.hf_repo}: {hf_down}")
    elif source.hf_repo:
        try:
            from huggingface_hub import hf_hub_download

            got = Path(hf_hub_download(source.hf_repo, source.hf_filename or source.filename))
            shutil.copyfile(got, dest)
            _verify(dest, source.sha256)
            return dest
        except WeightsUnavailable:
            raise
        except Exception as exc:  # huggingface_hub raises many types for "offline"
            errors.append(f"huggingface {source.hf_repo}: {type(exc).__name__}: {str(exc).splitlines()[0][:120]}")
    for url in source.urls:
        down = _unreachable(urllib.parse.urlsplit(url).hostname or "")
        if down:
            errors.append(f"{url}: {down}")
            continue
        try:
            _download_url(url, dest)
            _verify(dest, source.sha256)
            return dest
        except WeightsUnavailable:
            dest.unlink(missing_ok=True)
            raise
        except Exception as exc:
            errors.append(f"{url}: {type(exc).__name__}: {exc}")
    where = source.urls[0] if source.urls else f"huggingface.co/{source.hf_repo}"
    raise WeightsUnavailable(
        f"could not download the official {model} weights ({'; '.join(errors)}). "
        f"If this machine is offline, fetch {where} elsewhere and pass --weights PATH "
        f"(or --weights random:0 for a pipeline test on random weights)"
    )


_RANDOM = re.compile(r"^random(?::(\d+))?$")


def resolve(spec: str, source: WeightSource, *, model: str) -> ResolvedWeights:
    """Turn a ``--weights`` value into a local file (or a random seed).

    ``official`` downloads; ``auto`` is official when reachable, else random:0 with a note;
    ``hf:REPO[:FILE]`` downloads from a Hugging Face repo; anything else is a path.
    """
    m = _RANDOM.match(spec)
    if m:
        seed = int(m.group(1) or 0)
        return ResolvedWeights(kind="random", id=f"random:{seed}", seed=seed)
    if spec in ("official", "auto"):
        try:
            path = fetch_official(source, model=model)
        except WeightsUnavailable as exc:
            if spec == "official":
                raise
            note = f"official weights unavailable ({str(exc).split('(')[0].strip()}); using random:0"
            return ResolvedWeights(kind="random", id="random:0", seed=0, notes=(note,))
        return ResolvedWeights(kind="official", id=sha256_path(path), path=path)
    if spec.startswith("hf:"):
        repo, _, fname = spec[3:].partition(":")
        src = WeightSource(filename=fname or source.hf_filename or source.filename, hf_repo=repo,
                           hf_filename=fname or source.hf_filename)
        path = fetch_official(src, model=model)
        return ResolvedWeights(kind="hf", id=sha256_path(path), path=path, notes=(f"hf:{repo}",))
    path = Path(spec).expanduser()
    if not path.exists():
        raise WeightsUnavailable(
            f"--weights {spec!r}: no such file (use official, auto, random[:SEED], hf:REPO[:FILE] or a path)"
        )
    if not path.is_file():
        raise WeightsUnavailable(f"--weights {spec!r} is a folder, not a checkpoint file; pass the checkpoint file in it")
    return ResolvedWeights(kind="file", id=sha256_path(path), path=path)


def unreadable_reason(exc: BaseException) -> str:
    """One short line from a reader's exception (torch's are multi-line, with terminal colour codes)."""
    text = re.sub(r"\x1b\[[0-9;]*m", "", str(exc))
    line = next((ln.strip() for ln in text.splitlines() if ln.strip()), "empty or truncated file")
    return f"{type(exc).__name__}: {line[:200]}"


def torch_load(path: Path) -> dict:
    """``torch.load(weights_only=True)`` with an error that says what is wrong with the file."""
    import torch  # here, not at import: `edgevfm list` must not pay for torch

    try:
        obj = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:
        raise WeightsUnavailable(f"{path} is not a loadable PyTorch checkpoint ({unreadable_reason(exc)})") from None
    if not isinstance(obj, dict):
        raise WeightsUnavailable(f"{path} holds a {type(obj).__name__}, not a state dict")
    return obj


def randomize_(module, seed: int) -> None:
    """Seeded random weights with realistic statistics: perturb every floating parameter/buffer so
    nothing is left at a degenerate init (zero biases, unit norms, unit running variances)."""
    import torch

    with torch.no_grad():
        _randomize(torch, module, seed)


def _randomize(torch, module, seed: int) -> None:
    g = torch.Generator().manual_seed(seed)
    for name, t in list(module.state_dict().items()):
        if not t.is_floating_point():
            continue
        noise = torch.randn(t.shape, generator=g, dtype=torch.float32)
        if name.endswith("running_var"):
            t.copy_(torch.rand(t.shape, generator=g) + 0.5)
        elif name.endswith("running_mean"):
            t.copy_(noise * 0.1)
        elif torch.all(t == 0):
            t.copy_(noise * 0.1)
        elif torch.all(t == 1):
            t.copy_(1 + noise * 0.1)
        else:
            std = float(t.float().std()) if t.numel() > 1 else 0.1
            t.add_(noise * 0.1 * std)
