"""The training loop: data -> cached teacher targets -> student -> loss, under DDP when launched by torchrun.

The global batch is ``batch_size``; each of N ranks takes batch_size / N samples of it through a
``DistributedSampler`` (drop_last), so N processes see exactly the samples one process sees, and
with ``GlobalBatchNorm2d`` they train the same weights. Every random choice is keyed by
(seed, epoch, sample), so a run resumed from a checkpoint continues exactly as an uninterrupted one.
"""
from __future__ import annotations

import json
import time
from dataclasses import asdict
from pathlib import Path
from typing import Callable

import numpy as np
import torch

from . import DistillError
from .cache import EmbeddingCache
from .checkpoint import load_state, save_state, save_student
from .config import DistillConfig
from .data import ViewDataset, scan_images, view
from .dist import global_batchnorm_, setup, teardown
from .log import JsonlLog, Progress, plot_loss
from .tasks import get_task

# config keys that must match for --resume to continue the same run
_RESUME_KEYS = ("family", "student", "teacher_id", "images", "batch_size", "lr", "loss", "image_size",
                "views", "jitter", "seed", "weight_decay", "captions", "phase", "init", "init_sha256")


def _check(cfg: DistillConfig, task_cls) -> None:
    """Fill the task's defaults into ``cfg`` (in place) and reject bad options before any work."""
    phase = task_cls.phase_spec(cfg.phase)
    cfg.loss = cfg.loss or phase.losses[0]
    if cfg.loss not in phase.losses:
        raise DistillError(f"unknown loss {cfg.loss!r} for {cfg.family} phase {cfg.phase} (known: {', '.join(phase.losses)})")
    cfg.image_size = cfg.image_size or task_cls.default_image_size
    task_cls.check_image_size(cfg.image_size)
    extra = [k for k in ("captions", "init") if getattr(cfg, k) is not None and k not in getattr(task_cls, "options", ())]
    if extra:
        raise DistillError(f"--{extra[0]} does not apply to {cfg.family}")
    if phase.needs_init != (cfg.init is not None):
        raise DistillError(f"--phase {cfg.phase} starts from a phase-1 student: pass --init RUN_DIR/student.pt"
                           if phase.needs_init else f"--init applies to a later phase (--phase 2), not --phase {cfg.phase}")
    for name in ("steps", "batch_size", "views", "ckpt_every"):
        if getattr(cfg, name) < 1:
            raise DistillError(f"--{name.replace('_', '-')} must be at least 1")


def _autocast(cfg: DistillConfig, device: torch.device):
    want = cfg.bf16 == "on" or (cfg.bf16 == "auto" and device.type == "cuda" and torch.cuda.is_bf16_supported())
    return torch.autocast(device.type, dtype=torch.bfloat16, enabled=want), want


def distill(cfg: DistillConfig, *, emit: Callable[[str], None] = print) -> dict:
    _check(cfg, get_task(cfg.family))
    if cfg.threads:
        torch.set_num_threads(cfg.threads)
    d = setup(cfg.device)
    try:
        return _distill(cfg, d, emit if d.main else (lambda s: None))
    finally:
        teardown()


def _distill(cfg: DistillConfig, d, emit) -> dict:
    run = Path(cfg.output)
    ckpt_path = run / "checkpoints" / "last.pt"
    if ckpt_path.exists() and not cfg.resume:
        raise DistillError(f"{run} already holds a run; pass --resume to continue it or choose another -o")
    if cfg.resume and not ckpt_path.exists():
        raise DistillError(f"--resume: no checkpoint at {ckpt_path}; start without --resume")
    if cfg.batch_size % d.world:
        raise DistillError(f"--batch-size {cfg.batch_size} (global) must be divisible by the {d.world} processes")
    records = scan_images(cfg.data)
    held = scan_images(cfg.holdout) if cfg.holdout else []
    overlap = {r.sha256 for r in records} & {r.sha256 for r in held}
    if overlap:
        raise DistillError(f"--holdout shares {len(overlap)} image(s) with --data; held-out images must never be trained on")
    if len(records) * cfg.views < cfg.batch_size:
        raise DistillError(f"{len(records)} image(s) x {cfg.views} view(s) is fewer samples than --batch-size {cfg.batch_size}")

    task = get_task(cfg.family)(student=cfg.student, teacher_weights=cfg.teacher_weights, seed=cfg.seed,
                                image_size=cfg.image_size,
                                **{k: getattr(cfg, k) for k in getattr(get_task(cfg.family), "options", ())})
    random = task.weights.random
    tag = " [RANDOM teacher weights]" if random else ""
    run.mkdir(parents=True, exist_ok=True)
    log = JsonlLog(run / "log.jsonl", enabled=d.main)
    config = {**asdict(cfg), **task.provenance, "teacher_id": task.weights.id, "teacher_random": random, "world_size": d.world,
              "images": [r.sha256 for r in records], "holdout_images": [r.sha256 for r in held]}

    # 1. teacher targets, computed once per (image, view) and shared by every rank through the disk
    cache = EmbeddingCache(cfg.cache or run / "teacher_cache", teacher_id=task.weights.id, tag=task.cache_tag)
    ds = ViewDataset(records, views=cfg.views, prepare=task.prepare(), jitter=cfg.jitter, seed=cfg.seed)
    keys = [ds.key(i) for i in range(len(ds))] + [(r.sha256, 0) for r in held]
    paths = {r.sha256: r.path for r in [*records, *held]}
    emit(f"teacher {task.teacher_name} ({task.weights.kind}: {task.weights.id[:16]}){tag}: embedding {len(keys)} image view(s)")
    from edgevfm_runtime.image import load_rgb

    t0 = time.monotonic()
    computed, reused = cache.fill(keys[d.rank::d.world],
                                  lambda sha, v: task.teacher_target(view(load_rgb(paths[sha]), sha, v)))
    counts = torch.tensor([computed, reused])
    if d.world > 1:
        torch.distributed.all_reduce(counts)
    d.barrier()
    log.write({"event": "cache", "step": 0, "computed": int(counts[0]), "reused": int(counts[1]),
               "seconds": round(time.monotonic() - t0, 2), "dir": str(cache.dir)})
    emit(f"teacher cache {cache.dir}: {int(counts[0])} computed, {int(counts[1])} reused")

    # 2. student, optimiser, resume
    enc = global_batchnorm_(task.encoder).to(d.device).train()
    opt = torch.optim.Adam([p for p in enc.parameters() if p.requires_grad], lr=cfg.lr, weight_decay=cfg.weight_decay)
    step = 0
    if cfg.resume:
        state = load_state(ckpt_path)
        mismatch = [k for k in _RESUME_KEYS if state["config"].get(k) != config.get(k)]
        if mismatch:
            raise DistillError(f"--resume: this command differs from the run in {run} in {', '.join(mismatch)}; "
                               "resume with the original options or start a new -o")
        enc.load_state_dict(state["encoder"])
        opt.load_state_dict(state["optimizer"])
        step = int(state["step"])
        log.truncate_after(step)
        emit(f"resumed {ckpt_path} at step {step}")
    train_enc = enc
    if d.world > 1:
        train_enc = torch.nn.parallel.DistributedDataParallel(
            enc, device_ids=[d.device.index] if d.device.type == "cuda" else None, broadcast_buffers=False)
    if d.main:
        (run / "config.json").write_text(json.dumps(config, indent=2))

    held_rgb = [load_rgb(r.path) for r in held]
    held_emb = [cache.get(r.sha256, 0) for r in held]
    constant = None
    if held:  # the mean training embedding: the score of a student that ignores its input
        constant = np.mean([np.asarray(cache.get(*k), np.float32) for k in keys[:len(ds)]], axis=0)

    def evaluate(at: int) -> dict:
        m = task.evaluate(held_rgb, held_emb, constant=constant if at == 0 else None)
        log.write({"event": "eval", "step": at, **m})
        emit(f"eval step {at}: {task.describe(m)}{tag}")
        return m

    def checkpoint(at: int) -> None:
        if d.main:
            save_state(ckpt_path, {"step": at, "encoder": enc.state_dict(), "optimizer": opt.state_dict(),
                                   "config": config})
        d.barrier()

    # 3. the loop
    from torch.utils.data import DataLoader, DistributedSampler

    sampler = DistributedSampler(ds, num_replicas=d.world, rank=d.rank, shuffle=True, seed=cfg.seed, drop_last=True)
    per_rank = cfg.batch_size // d.world
    steps_per_epoch = len(sampler) // per_rank
    autocast, bf16 = _autocast(cfg, d.device)
    baseline = evaluate(0) if held and d.main and step == 0 else None
    d.barrier()
    emit(f"training {cfg.family}/{cfg.student}: {len(records)} image(s) x {cfg.views} view(s), global batch "
         f"{cfg.batch_size} on {d.world} process(es) ({d.device.type}{', bf16' if bf16 else ''}), "
         f"{steps_per_epoch} step(s)/epoch, steps {step}->{cfg.steps}")
    bar = Progress(total=cfg.steps, start=step, enabled=d.main, every=cfg.log_every)
    window: list[float] = []
    t_start = time.monotonic()
    try:
        while step < cfg.steps:
            epoch, pos = divmod(step, steps_per_epoch)
            sampler.set_epoch(epoch)
            ds.epoch = epoch
            idx = list(sampler)
            batches = [idx[i:i + per_rank] for i in range(0, len(idx) - per_rank + 1, per_rank)]
            loader = DataLoader(ds, batch_sampler=batches[pos:], num_workers=cfg.workers)
            for x, items in loader:
                target = torch.stack([torch.from_numpy(np.asarray(cache.get(*ds.key(int(i))), np.float32))
                                      for i in items]).to(d.device)
                with autocast:
                    out = train_enc(x.to(d.device))
                loss = task.train_loss(out.float(), target, cfg.loss, ds=ds, items=[int(i) for i in items])
                opt.zero_grad(set_to_none=True)
                loss.backward()
                opt.step()
                step += 1
                val = loss.detach()
                if d.world > 1:
                    torch.distributed.all_reduce(val)
                    val /= d.world
                window.append(float(val))
                if step % cfg.log_every == 0 or step == cfg.steps:
                    log.write({"event": "train", "step": step, "epoch": epoch, "loss": float(np.mean(window)),
                               "lr": cfg.lr, "seconds": round(time.monotonic() - t_start, 2)})
                    window = []
                bar.update(step, f"loss {float(val):.4g}")
                if step % cfg.ckpt_every == 0 or step == cfg.steps:
                    checkpoint(step)
                if held and cfg.eval_every and step % cfg.eval_every == 0 and step != cfg.steps and d.main:
                    evaluate(step)
                if step >= cfg.steps:
                    break
            d.barrier()
    finally:
        bar.close()

    # 4. results (rank 0)
    result = {"steps": step, "run": str(run), "teacher_random": random}
    if d.main:
        final = evaluate(step) if held else {}
        meta = {"family": cfg.family, "student": cfg.student, "teacher": f"{task.teacher_name} {task.weights.id}",
                "teacher_random": random, "phase": cfg.phase, "steps": step, "images": len(records), "views": cfg.views,
                "image_size": cfg.image_size, "note": task.note}
        save_student(run / "student.pt", task.student_state_dict(), meta)
        records_ = log.records()
        title = f"{cfg.family}/{cfg.student} from {task.teacher_name}{tag}"
        plot_loss(records_, run / "loss_curve.png", title=title)
        result.update({"final": final, "baseline": baseline, "student": str(run / "student.pt")})
        summary = {"schema_version": 1, "config": {k: v for k, v in config.items() if k not in ("images", "holdout_images")},
                   "images": len(records), "holdout_images": len(held), "steps": step,
                   "train_seconds_this_session": round(time.monotonic() - t_start, 1),
                   "at_step_0": baseline, "final": final,
                   "RANDOM_teacher": random}
        (run / "metrics.json").write_text(json.dumps(summary, indent=2))
        emit(f"distill done ✅ {step} steps; student: {run / 'student.pt'}{tag}")
        emit(f"next: edgevfm export {cfg.family} --variant {cfg.student} --weights {run / 'student.pt'} --target onnx-fp32")
    return result
