"""Phase 2 of SAM distillation: EdgeSAM's prompt-in-the-loop mask distillation.

Both embeddings, the student's (trained) and the teacher's (cached), go through the same frozen
prompt encoder and mask decoder with the same prompts; the student's mask logits are trained with
BCE + Dice towards the teacher's masks. There are no labels, so each sample's prompt comes from the
teacher: a seed point drawn in the image gives the teacher's masks, one of its three multimask
outputs is the sample's *object*, and the prompt is that object's box (jittered as SAM's training
does) or a point inside it, half and half. After each decode, one refinement point is drawn from
the region where the student's mask and the teacher's differ (positive where the teacher's mask has
it, negative where it does not) and added to the prompt, as EdgeSAM does. Every draw uses the
sample's own generator, so the prompts depend only on (seed, epoch, sample).
"""
from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F

# EdgeSAM's phase-2 config (rep_vit_m1_fuse_enc_dec_4m_ft_bp_iter2b_sa_distill.yaml): DECODE_ITERS 2,
# POINTS_PER_REFINE_ITER 1, DECODER_BCE 5.0, DECODER_DICE 5.0, MULTIMASK_OUTPUT 4 (all mask tokens)
DECODES = 2
BCE_WEIGHT = DICE_WEIGHT = 5.0
BOX_NOISE, BOX_NOISE_MAX = 0.1, 20.0  # SAM's box jitter: std 10 % of the side, at most 20 px
LOWRES = 256  # the decoder's mask grid over the 1024 frame
CELL = 1024 // LOWRES


def decode(model, emb: torch.Tensor, coords: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    """(B, 256, h, w) embeddings and per-sample prompts (B, N, 2) / (B, N) in the 1024 frame (labels
    as the decoder's: 1 positive, 0 negative, 2/3 box corners, -1 none) -> (B, 4, 256, 256) logits of
    every mask token. A student embedding below 64x64 (trained below 1024 px) is upsampled to it."""
    pe = model.prompt_encoder
    if tuple(emb.shape[-2:]) != pe.image_embedding_size:
        emb = F.interpolate(emb, pe.image_embedding_size, mode="bilinear", align_corners=False)
    sparse = pe.embed_points(coords, labels)
    masks, _ = model.mask_decoder.predict_masks(emb, pe.get_dense_pe(), sparse, pe.no_mask_dense(coords.shape[0]))
    return masks


def mask_loss(logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """EdgeSAM's weighted BCE + Dice of mask logits against a binary target, averaged over masks."""
    bce = F.binary_cross_entropy_with_logits(logits, target)
    p, t = logits.sigmoid().flatten(2), target.flatten(2)
    dice = 1 - (2 * (p * t).sum(-1) + 1) / (p.sum(-1) + t.sum(-1) + 1)
    return BCE_WEIGHT * bce + DICE_WEIGHT * dice.mean()


def _box_prompt(mask: np.ndarray, g: np.random.Generator, valid: tuple[int, int]) -> list[list[float]]:
    """The object's bounding box in the 1024 frame, each coordinate jittered as SAM does."""
    ys, xs = np.nonzero(mask)
    box = np.array([xs.min(), ys.min(), xs.max() + 1, ys.max() + 1], np.float64) * CELL
    side = np.array([box[2] - box[0], box[3] - box[1]] * 2)
    box += np.clip(g.normal(0, 1, 4) * BOX_NOISE * side, -BOX_NOISE_MAX, BOX_NOISE_MAX)
    h, w = valid
    box = np.clip(box, 0, [w - 1, h - 1, w - 1, h - 1])
    return [[box[0], box[1]], [max(box[0], box[2]), max(box[1], box[3])]]


def _pick(region: np.ndarray, g: np.random.Generator) -> tuple[float, float, int, int]:
    """A uniformly drawn pixel of a non-empty low-res region -> (x, y) at its centre in the 1024 frame, (row, col)."""
    ys, xs = np.nonzero(region)
    k = int(g.integers(len(ys)))
    return (xs[k] + 0.5) * CELL, (ys[k] + 0.5) * CELL, int(ys[k]), int(xs[k])


def _valid_grid(valid: tuple[int, int]) -> np.ndarray:
    """The low-res cells covered by the image (not the padding)."""
    out = np.zeros((LOWRES, LOWRES), bool)
    out[:-(-valid[0] // CELL), :-(-valid[1] // CELL)] = True
    return out


@torch.no_grad()
def initial_prompts(model, t_emb: torch.Tensor, rngs: list, valid: list) -> tuple[torch.Tensor, torch.Tensor]:
    """Each sample's first prompt, (B, 2, 2) coords and (B, 2) labels: its object's box (labels 2, 3)
    or a point in it plus the decoder's padding point (labels 1, -1)."""
    seeds = [[g.uniform(0, w), g.uniform(0, h)] for g, (h, w) in zip(rngs, valid)]
    coords = torch.tensor([[s, [0.0, 0.0]] for s in seeds], dtype=torch.float32, device=t_emb.device)
    labels = torch.tensor([[1.0, -1.0]] * len(seeds), device=t_emb.device)
    objects = (decode(model, t_emb, coords, labels)[:, 1:] > 0).cpu().numpy()
    out_c, out_l = [], []
    for g, hw, obj, seed in zip(rngs, valid, objects, seeds):
        m = obj[int(g.integers(3))] & _valid_grid(hw)
        if m.any() and g.random() < 0.5:
            out_c.append(_box_prompt(m, g, hw))
            out_l.append([2.0, 3.0])
        else:
            out_c.append([list(_pick(m, g)[:2]) if m.any() else seed, [0.0, 0.0]])
            out_l.append([1.0, -1.0])
    return (torch.tensor(out_c, dtype=torch.float32, device=t_emb.device),
            torch.tensor(out_l, dtype=torch.float32, device=t_emb.device))


def refinement_points(target: np.ndarray, pred: np.ndarray, rngs: list, valid: list) -> tuple[list, list]:
    """One point per sample from where ``pred`` (B, 256, 256 bool) differs from ``target``: positive
    on a cell the teacher's mask has, negative on one it lacks; none (label -1) where they agree."""
    coords, labels = [], []
    for t, p, g, hw in zip(target, pred, rngs, valid):
        err = (t != p) & _valid_grid(hw)
        if not err.any():
            coords.append([[0.0, 0.0]])
            labels.append([-1.0])
            continue
        x, y, r, c = _pick(err, g)
        coords.append([[x, y]])
        labels.append([1.0 if t[r, c] else 0.0])
    return coords, labels


def prompt_loop_loss(model, s_emb: torch.Tensor, t_emb: torch.Tensor, rngs: list, valid: list) -> torch.Tensor:
    """The phase-2 loss of a batch: BCE + Dice of the student's masks (all four tokens) against the
    teacher's, over ``DECODES`` decodes, each after the first with one more refinement point (drawn
    from where the single-mask outputs, token 0, disagree). ``valid``: each sample's (h, w) in the
    1024 frame; ``rngs``: a numpy generator per sample."""
    coords, labels = initial_prompts(model, t_emb, rngs, valid)
    total = s_emb.new_zeros(())
    for i in range(DECODES):
        with torch.no_grad():
            target = (decode(model, t_emb, coords, labels) > 0).float()
        logits = decode(model, s_emb, coords, labels)
        total = total + mask_loss(logits, target)
        if i + 1 < DECODES:
            c, lab = refinement_points(target[:, 0].cpu().numpy() > 0, (logits[:, 0] > 0).detach().cpu().numpy(),
                                       rngs, valid)
            coords = torch.cat([coords, torch.tensor(c, dtype=coords.dtype, device=coords.device)], dim=1)
            labels = torch.cat([labels, torch.tensor(lab, dtype=labels.dtype, device=labels.device)], dim=1)
    return total / DECODES
