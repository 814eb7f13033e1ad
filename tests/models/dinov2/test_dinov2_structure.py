"""Full-size (depth 12) models have exactly the official state-dict keys, shapes and parameter counts."""
from __future__ import annotations

import pytest

from edgevfm.models.dinov2.checkpoint import infer_config
from edgevfm.models.dinov2.config import VARIANTS, WEIGHTS
from edgevfm.models.dinov2.model import DinoV2

KEY_DUMPS = {"vits14": "dinov2_vits14_keys.txt", "vits14-reg": "dinov2_vits14_reg_keys.txt"}
PARAMS = {"vits14": 22_056_576, "vits14-reg": 22_058_112}


def _read_dump(path) -> dict[str, tuple[int, ...]]:
    out = {}
    for line in path.read_text().splitlines():
        if line.strip():
            key, shape = line.split("\t")
            out[key] = tuple(int(s) for s in shape.strip("()").split(",") if s.strip())
    return out


@pytest.fixture(scope="module", params=sorted(WEIGHTS))  # released variants (students: tests/distill)
def full_model(request):
    return request.param, DinoV2(config=VARIANTS[request.param])


def test_keys_and_shapes_match_official_dump(full_model, design_dir):
    variant, model = full_model
    dump = design_dir / "keys" / KEY_DUMPS[variant]
    if not dump.is_file():
        pytest.skip(f"key dump {dump} not found")
    expected = _read_dump(dump)
    actual = {k: tuple(v.shape) for k, v in model.state_dict().items()}
    assert sorted(set(expected) - set(actual)) == []
    assert sorted(set(actual) - set(expected)) == []
    assert {k: v for k, v in actual.items() if v != expected[k]} == {}
    assert len(actual) == (176 if variant == "vits14-reg" else 175)


def test_parameter_count(full_model):
    variant, model = full_model
    assert sum(p.numel() for p in model.parameters()) == PARAMS[variant]


def test_export_buffer_is_not_persistent(full_model):
    variant, model = full_model
    model.set_export_resolution(224, 224)
    assert "export_pos_embed" not in model.state_dict()
    assert model.export_pos_embed.shape == (1, 257, 384)


def test_infer_config_round_trips(full_model):
    variant, model = full_model
    inferred_variant, config = infer_config(model.state_dict())
    assert inferred_variant == variant
    assert config == VARIANTS[variant]
