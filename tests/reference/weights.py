"""The seeded weights of ``../shared/golden/README.md``: official init under ``torch.manual_seed(7)``,
then every persistent floating entry perturbed from a generator seeded 7 (parameters first, then
persistent buffers, in registration order; one draw per entry). With this recipe the MobileSAM
checkpoint comes out bit-identical to the shared ``mobilesam.pt``."""
from __future__ import annotations

import torch

SEED = 7


@torch.no_grad()
def perturbed_state_dict(module: torch.nn.Module, seed: int = SEED) -> dict[str, torch.Tensor]:
    sd = {k: v.detach().clone() for k, v in module.state_dict().items()}
    params = [name for name, _ in module.named_parameters()]
    order = params + [k for k in sd if k not in set(params)]
    g = torch.Generator().manual_seed(seed)
    for name in order:
        t = sd[name]
        if not t.is_floating_point():
            continue
        if name.endswith("running_var"):
            t.copy_(torch.rand(t.shape, generator=g) + 0.5)
        elif name.endswith("running_mean") or torch.all(t == 0):
            t.copy_(torch.randn(t.shape, generator=g) * 0.1)
        elif torch.all(t == 1):
            t.copy_(1 + torch.randn(t.shape, generator=g) * 0.1)
        else:
            std = float(t.std()) if t.numel() > 1 else 0.1
            t.add_(torch.randn(t.shape, generator=g) * 0.1 * std)
    return sd


def key_dump(sd: dict[str, torch.Tensor], *, dtype: bool = False) -> str:
    """The ``design/keys/*.txt`` format: ``key<TAB>shape[<TAB>dtype]`` per line."""
    rows = [f"{k}\t{tuple(v.shape)}" + (f"\t{v.dtype}" if dtype else "") for k, v in sd.items()]
    return "\n".join(rows) + "\n"
