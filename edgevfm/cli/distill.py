"""`edgevfm distill sam|dinov2|clip --student NAME --data DIR -o RUN_DIR` (also under torchrun)."""
from __future__ import annotations

import argparse


def add_distill_parser(sub) -> argparse.ArgumentParser:
    from ..distill.config import DistillConfig as C

    p = sub.add_parser("distill", help="train a smaller student of a model's image encoder on a folder of images",
                       description="Distil a student image encoder from its frozen teacher. Many GPUs or nodes: "
                                   "torchrun --nproc_per_node N -m edgevfm.cli.main distill ...")
    p.add_argument("model", help="model family whose encoder is distilled (sam | dinov2 | clip)")
    p.add_argument("--student", required=True, help="student variant (sam: resnet18 | repvit; dinov2: vitt14-distill; clip: vit-b-32-distill)")
    p.add_argument("--data", required=True, metavar="DIR", help="training images (recursive; jpg/png/webp/bmp); labels not needed")
    p.add_argument("-o", "--output", required=True, metavar="RUN_DIR", help="run folder: checkpoints, logs, student.pt")
    p.add_argument("--holdout", metavar="DIR", help="held-out images for evaluation (never trained on)")
    p.add_argument("--teacher-weights", default="official",
                   help="teacher weights: official | auto | PATH | hf:REPO[:FILE] | random[:SEED] (as for export)")
    p.add_argument("--steps", type=int, default=C.steps, help=f"optimiser steps (default {C.steps})")
    p.add_argument("--batch-size", type=int, default=C.batch_size, help=f"global batch, split across processes (default {C.batch_size})")
    p.add_argument("--lr", type=float, default=C.lr, help=f"Adam learning rate (default {C.lr})")
    p.add_argument("--weight-decay", type=float, default=C.weight_decay)
    p.add_argument("--loss", default=C.loss, help="sam: huber (nanosam, default) | mse (EdgeSAM phase 1); "
                   "dinov2: cosine (default) | huber | mse, on CLS and patch tokens; "
                   "clip: affinity (image-embedding cosine + affinity mimicking, default) | cosine; "
                   "sam --phase 2: bce-dice (EdgeSAM's mask loss, default) | bce-dice+huber (plus phase 1's embedding loss)")
    p.add_argument("--image-size", type=int, default=C.image_size,
                   help="student input size (sam: default 1024, below it the teacher's 64x64 target is average-pooled; "
                        "dinov2: default 224, teacher and student both see it)")
    p.add_argument("--views", type=int, default=C.views, help=f"cached augmented views per image (default {C.views})")
    p.add_argument("--jitter", type=float, default=C.jitter, help=f"colour jitter on the student input (default {C.jitter})")
    p.add_argument("--seed", type=int, default=C.seed)
    p.add_argument("--ckpt-every", type=int, default=C.ckpt_every, help="atomic checkpoint every N steps")
    p.add_argument("--eval-every", type=int, default=C.eval_every, help="held-out evaluation every N steps (0: start and end)")
    p.add_argument("--log-every", type=int, default=C.log_every)
    p.add_argument("--resume", action="store_true", help="continue RUN_DIR from its last checkpoint")
    p.add_argument("--bf16", choices=("auto", "on", "off"), default=C.bf16, help="bf16 autocast (auto: on GPUs that have it)")
    p.add_argument("--device", choices=("auto", "cpu", "cuda"), default=C.device)
    p.add_argument("--cache", metavar="DIR", help="teacher-embedding cache (default RUN_DIR/teacher_cache); share it between runs")
    p.add_argument("--workers", type=int, default=C.workers, help="data-loading worker processes per rank")
    p.add_argument("--threads", type=int, default=C.threads,
                   help="torch threads per process (default: torch's; 1 helps on an oversubscribed CPU)")
    p.add_argument("--captions", metavar="FILE",
                   help="clip: captions, one per line, for affinity mimicking and the zero-shot metric "
                        "(default: a built-in list describing the scikit-image photos)")
    p.add_argument("--phase", type=int, choices=(1, 2), default=C.phase,
                   help="sam: 1 = embedding distillation against cached teacher embeddings (default); 2 = EdgeSAM's "
                        "prompt-in-the-loop mask distillation (BCE + Dice on the teacher's masks through the frozen "
                        "decoder, box/point prompts and error-region refinement points), from --init")
    p.add_argument("--init", metavar="STUDENT_PT",
                   help="--phase 2: the phase-1 student.pt to start from (its image encoder is loaded strictly)")
    return p


def cmd_distill(args) -> int:
    from ..distill.loop import DistillConfig, distill

    fields = DistillConfig.__dataclass_fields__
    cfg = DistillConfig(family=args.model, **{k: getattr(args, k) for k in fields if k != "family"})
    distill(cfg, emit=lambda s: print(s, flush=True))
    return 0
