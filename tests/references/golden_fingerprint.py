"""A small fingerprint of ../shared/golden, committed as tests/data/golden_fingerprint.json, so that a clone
without ../shared still compares the generated references with the shared ones (tests/reference).

    python tests/references/golden_fingerprint.py [SHARED_GOLDEN_DIR] [-o tests/data/golden_fingerprint.json]

Per array of each golden .npz: shape and dtype, and
* float arrays: L2 norm, mean, largest |value|, five quantiles and, at evenly spaced flat positions, 32
  values (all of them when there are at most 64);
* packed-bit masks (``*_masks``): the share of set bits and 256 evenly spaced bits;
* anything else (uint8 photos, integer sizes and tokens, text): the sha256 of its bytes.
Per checkpoint: one sha256 over every tensor's name, dtype, shape and bytes (exactly the state dict), and
for DINOv2 name -> shape. Per design key dump: its sha256. Comparisons use the tolerances of the full-file tests."""
from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
DEFAULT_OUT = HERE.parent / "data" / "golden_fingerprint.json"
NPZ = ("mobilesam_chelsea.npz", "mobilesam_portrait.npz", "dinov2_vits14.npz", "dinov2_vits14_reg.npz", "clip.npz")
CHECKPOINTS = ("mobilesam.pt", "dinov2_vits14.pth", "dinov2_vits14_reg.pth", "clip.pt")
KEY_DUMPS = ("mobilesam_keys.txt", "dinov2_vits14_keys.txt", "dinov2_vits14_reg_keys.txt", "clip_vitb32_keys.txt")
# The generator's DINOv2 init differs from the shared run's (other torch samplers): names and shapes only.
SHAPES_ONLY = ("dinov2_vits14.pth", "dinov2_vits14_reg.pth")
FULL, SUBSAMPLE, BITS = 64, 32, 256
QUANTILES = (0.0, 0.01, 0.5, 0.99, 1.0)
REL_TOL = 1e-4  # as tests/reference/test_reference.py: |a - b| / max(1, max |b|)


def _positions(size: int, n: int) -> np.ndarray:
    return (np.arange(n, dtype=np.int64) * (size - 1)) // max(n - 1, 1)


def _f(x) -> float:
    return float(f"{float(x):.8g}")


def array_fingerprint(key: str, a: np.ndarray) -> dict:
    a = np.asarray(a)
    fp = {"shape": list(a.shape), "dtype": str(a.dtype)}
    if key.endswith("_masks") and a.dtype == np.uint8:
        bits = np.unpackbits(a.reshape(-1))
        fp["ones"] = _f(bits.mean()) if bits.size else 0.0
        fp["bits"] = "".join(map(str, bits[_positions(bits.size, BITS)])) if bits.size else ""
    elif a.dtype.kind == "f":
        x = a.astype(np.float64).reshape(-1)
        fp["size"] = int(x.size)
        if x.size:
            fp.update(norm=_f(np.linalg.norm(x)), mean=_f(x.mean()), absmax=_f(np.abs(x).max()),
                      quantiles=[_f(q) for q in np.quantile(x, QUANTILES)])
            fp["values"] = [_f(v) for v in (x if x.size <= FULL else x[_positions(x.size, SUBSAMPLE)])]
    else:
        fp["sha256"] = hashlib.sha256(np.ascontiguousarray(a).tobytes()).hexdigest()
    return fp


def state_dict_sha256(sd) -> str:
    import torch

    h = hashlib.sha256()
    for k, v in sd.items():
        t = v.detach().cpu().contiguous()
        h.update(f"{k}|{t.dtype}|{tuple(t.shape)}\0".encode())
        h.update(t.reshape(-1).view(torch.uint8).numpy().tobytes() if t.numel() else b"")
    return h.hexdigest()


def fingerprint(shared: Path) -> dict:
    import torch

    out = {"npz": {}, "checkpoints": {}, "key_dumps": {}}
    for name in NPZ:
        with np.load(shared / name, allow_pickle=False) as z:
            out["npz"][name] = {k: array_fingerprint(k, z[k]) for k in z.files}
    for name in CHECKPOINTS:
        sd = torch.load(shared / name, weights_only=True, map_location="cpu")
        out["checkpoints"][name] = {"sha256": state_dict_sha256(sd)}
        if name in SHAPES_ONLY:
            out["checkpoints"][name]["shapes"] = {k: list(v.shape) for k, v in sd.items()}
    for name in KEY_DUMPS:
        out["key_dumps"][name] = hashlib.sha256((shared.parent / "design" / "keys" / name).read_bytes()).hexdigest()
    return out


def _close(a, b, scale: float) -> bool:
    return bool(np.all(np.abs(np.asarray(a, np.float64) - np.asarray(b, np.float64)) <= REL_TOL * max(1.0, scale)))


def mismatches(ours: dict, theirs: dict, *, values: bool = True) -> list[str]:
    """What differs between arrays ``ours`` and an npz fingerprint (empty: they agree). ``values=False``
    compares names, shapes and dtypes only."""
    bad = [f"keys differ: {sorted(set(ours) ^ set(theirs))}"] if sorted(ours) != sorted(theirs) else []
    for k, fp in theirs.items():
        if k not in ours:
            continue
        a = np.asarray(ours[k])
        if [list(a.shape), str(a.dtype)] != [fp["shape"], fp["dtype"]]:
            bad.append(f"{k}: {a.shape} {a.dtype} vs {tuple(fp['shape'])} {fp['dtype']}")
            continue
        if not values:
            continue
        mine = array_fingerprint(k, a)
        if "ones" in fp:  # thresholded masks: a handful of pixels may sit on a logit of ~0
            wrong = sum(x != y for x, y in zip(mine["bits"], fp["bits"]))
            if abs(mine["ones"] - fp["ones"]) > 1e-3 or wrong > 1:
                bad.append(f"{k}: set bits {mine['ones']} vs {fp['ones']}, {wrong} of {len(fp['bits'])} sampled bits differ")
        elif "sha256" in fp:
            if mine["sha256"] != fp["sha256"]:
                bad.append(f"{k}: bytes differ (sha256)")
        elif fp.get("size"):
            scale = fp["absmax"]
            for stat in ("values", "quantiles", "mean", "absmax"):
                if not _close(mine[stat], fp[stat], scale):
                    bad.append(f"{k}: {stat} differ beyond {REL_TOL:g} × max(1, {scale})")
            if abs(mine["norm"] - fp["norm"]) > REL_TOL * max(1.0, fp["norm"]):
                bad.append(f"{k}: norm {mine['norm']} vs {fp['norm']}")
    return bad


def load(path: Path = DEFAULT_OUT) -> dict:
    return json.loads(Path(path).read_text())


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("shared", nargs="?", default=str(HERE.parents[2] / "shared" / "golden"))
    ap.add_argument("-o", "--output", default=str(DEFAULT_OUT))
    args = ap.parse_args(argv)
    fp = fingerprint(Path(args.shared))
    Path(args.output).write_text(json.dumps(fp, indent=None, separators=(",", ":"), sort_keys=True) + "\n")
    print(f"wrote {args.output} ({Path(args.output).stat().st_size} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
