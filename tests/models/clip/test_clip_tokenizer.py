"""The runtime BPE tokenizer against official clip.tokenize output (golden) and known ids."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from edgevfm_runtime.errors import InputError

RUNTIME = Path(__file__).resolve().parents[3] / "runtime"


def test_golden_tokens_identical(tokenizer, golden):
    texts = [str(t) for t in golden["texts"]]
    got = tokenizer(texts)
    assert got.dtype == np.int32 and got.shape == (len(texts), 77)
    for text, row, ref in zip(texts, got, golden["tokens"]):
        assert row.tolist() == ref.tolist(), f"tokens differ for {text!r}"


@pytest.mark.parametrize(
    "text, ids",
    [("a diagram", [320, 22697]), ("a dog", [320, 1929]), ("A   DOG", [320, 1929]), ("", [])],
)
def test_known_ids(tokenizer, text, ids):
    assert tokenizer.encode(text) == ids
    row = tokenizer(text)[0]
    assert row[: len(ids) + 2].tolist() == [49406, *ids, 49407] and not row[len(ids) + 2 :].any()


def test_vocabulary_layout(tokenizer):
    assert tokenizer.vocab_size == 49408
    assert tokenizer.encoder["!"] == 0 and tokenizer.encoder["!</w>"] == 256
    assert tokenizer.encoder["<|startoftext|>"] == 49406 and tokenizer.encoder["<|endoftext|>"] == 49407
    assert tokenizer.encode("<|endoftext|>") == [49407]  # special strings map to their ids, as upstream


def test_truncation(tokenizer):
    long_text = " ".join(["word"] * 100)
    row = tokenizer(long_text, truncate=True)[0]
    assert row[0] == 49406 and row[-1] == 49407 and (row[1:-1] == tokenizer.encode("word")[0]).all()
    with pytest.raises(InputError, match="context length 77"):
        tokenizer(long_text, truncate=False)
    assert tokenizer(["a", "b"], context_length=5).shape == (2, 5)


def test_missing_extras_name_the_install_line(monkeypatch):
    from edgevfm_runtime.models import clip_tokenizer

    monkeypatch.setitem(sys.modules, "ftfy", None)
    with pytest.raises(ImportError, match=r"pip install edgevfm-runtime\[clip\]"):
        clip_tokenizer.ClipTokenizer()


def test_runtime_side_never_imports_torch(golden_dir):
    code = (
        "import sys, numpy as np\n"
        "from edgevfm_runtime.models.clip_tokenizer import ClipTokenizer\n"
        "from edgevfm_runtime.models.clip_preprocess import preprocess\n"
        "ClipTokenizer()('a dog'); preprocess(np.zeros((10, 20, 3), np.uint8))\n"
        "assert 'torch' not in sys.modules, 'torch was imported'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, env={"PYTHONPATH": str(RUNTIME)})
