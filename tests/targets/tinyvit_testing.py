"""A reduced MobileSAM TinyViT for the lowering tests: ``IMG_SIZE`` patched to the test's size, seeded
weights, and random BatchNorm statistics so that folding them into the convs is not the identity."""
import torch


def tiny_tinyvit(monkeypatch, size: int, **kw) -> torch.nn.Module:
    import edgevfm.models.mobilesam.tiny_vit as tv

    monkeypatch.setattr(tv, "IMG_SIZE", size)
    torch.manual_seed(0)
    model = tv.TinyViT(**kw).eval()
    with torch.no_grad():
        for mod in model.modules():
            if isinstance(mod, torch.nn.BatchNorm2d):
                mod.running_mean.uniform_(-0.5, 0.5)
                mod.running_var.uniform_(0.5, 2.0)
                mod.weight.uniform_(0.5, 1.5)
    return model
