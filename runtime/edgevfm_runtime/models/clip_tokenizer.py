"""CLIP's byte-level BPE tokenizer (OpenAI ``clip.tokenize`` semantics), numpy only.

Needs ``ftfy`` and ``regex`` (the ``[clip]`` extra); the vocabulary ships with the package
(``data/bpe_simple_vocab_16e6.txt.gz``, MIT, OpenAI; see ``data/LICENSE-CLIP-vocab.txt``).
"""
from __future__ import annotations

import gzip
import html
from importlib import resources
from pathlib import Path
from typing import Iterable

import numpy as np

from ..errors import InputError

SOT = "<|startoftext|>"
EOT = "<|endoftext|>"
SOT_ID = 49406
EOT_ID = 49407
CONTEXT_LENGTH = 77
VOCAB_FILE = "bpe_simple_vocab_16e6.txt.gz"
# 256 byte symbols, 256 byte+</w> symbols, the merges, then SOT and EOT: 49,408 ids in all.
_N_MERGES = 49408 - 2 * 256 - 2
_PATTERN = r"""<\|startoftext\|>|<\|endoftext\|>|'s|'t|'re|'ve|'m|'ll|'d|\p{L}+|\p{N}|[^\s\p{L}\p{N}]+"""


def _import_extras():
    try:
        import ftfy
        import regex
    except ImportError as e:
        raise ImportError(
            f"the CLIP tokenizer needs ftfy and regex ({e.name} is missing): pip install edgevfm-runtime[clip]"
        ) from e
    return ftfy, regex


def byte_symbols() -> dict[int, str]:
    """Byte → printable symbol. Printable Latin-1 bytes stand for themselves; the other 68 bytes
    get the code points 256, 257, … in byte order, so no symbol is whitespace or a control char."""
    keep = [*range(ord("!"), ord("~") + 1), *range(ord("¡"), ord("¬") + 1), *range(ord("®"), ord("ÿ") + 1)]
    rest = [b for b in range(256) if b not in set(keep)]
    table = {b: chr(b) for b in keep}
    table.update({b: chr(256 + i) for i, b in enumerate(rest)})
    return table


def default_vocab_path() -> Path:
    """The vocabulary file shipped as package data."""
    return Path(str(resources.files("edgevfm_runtime") / "data" / VOCAB_FILE))


class ClipTokenizer:
    """Text → CLIP token ids: ``tok("a dog")`` gives an int32 (1, 77) array, ``tok.encode`` bare ids."""

    def __init__(self, vocab_path: str | Path | None = None) -> None:
        ftfy, regex = _import_extras()
        self._fix_text = ftfy.fix_text
        self._split = regex.compile(_PATTERN, regex.IGNORECASE).findall
        self._spaces = regex.compile(r"\s+")
        path = Path(vocab_path) if vocab_path is not None else default_vocab_path()
        with gzip.open(path, "rt", encoding="utf-8") as f:
            lines = f.read().split("\n")
        # Line 0 is a version header; the merges follow, best first.
        merges = [tuple(line.split()) for line in lines[1 : 1 + _N_MERGES]]
        if len(merges) != _N_MERGES or any(len(m) != 2 for m in merges):
            raise ValueError(f"{path} is not CLIP's BPE vocabulary (expected {_N_MERGES} merge lines)")
        self._bytes = byte_symbols()
        symbols = list(self._bytes.values())
        vocab = symbols + [s + "</w>" for s in symbols] + ["".join(m) for m in merges] + [SOT, EOT]
        self.encoder = {s: i for i, s in enumerate(vocab)}
        self._ranks = {m: i for i, m in enumerate(merges)}
        # Per-word BPE results; the special strings map straight to their ids, as in the original.
        self._cache: dict[str, list[int]] = {SOT: [SOT_ID], EOT: [EOT_ID]}

    @property
    def vocab_size(self) -> int:
        return len(self.encoder)

    def clean(self, text: str) -> str:
        """ftfy repair, HTML-unescape twice, collapse whitespace, lower-case."""
        text = html.unescape(html.unescape(self._fix_text(text))).strip()
        return self._spaces.sub(" ", text).strip().lower()

    def _bpe(self, word: str) -> list[int]:
        cached = self._cache.get(word)
        if cached is not None:
            return cached
        parts = [*word[:-1], word[-1] + "</w>"]
        rank = self._ranks.get
        while len(parts) > 1:
            first, second = min(zip(parts, parts[1:]), key=lambda pair: rank(pair, _N_MERGES))
            if (first, second) not in self._ranks:
                break
            merged, i = [], 0
            while i < len(parts):
                if i + 1 < len(parts) and parts[i] == first and parts[i + 1] == second:
                    merged.append(first + second)
                    i += 2
                else:
                    merged.append(parts[i])
                    i += 1
            parts = merged
        ids = [self.encoder[p] for p in parts]
        self._cache[word] = ids
        return ids

    def encode(self, text: str) -> list[int]:
        """Token ids of ``text`` without SOT/EOT."""
        ids: list[int] = []
        for piece in self._split(self.clean(text)):
            ids.extend(self._bpe("".join(self._bytes[b] for b in piece.encode("utf-8"))))
        return ids

    def __call__(
        self, texts: str | Iterable[str], context_length: int = CONTEXT_LENGTH, truncate: bool = True
    ) -> np.ndarray:
        """(N, context_length) int32: SOT, tokens, EOT, zero padding.

        Too-long texts are cut with the last kept token forced to EOT (``truncate=True``, as
        ``clip.tokenize(..., truncate=True)`` and open_clip do) or rejected (``truncate=False``).
        """
        if isinstance(texts, str):
            texts = [texts]
        texts = list(texts)
        out = np.zeros((len(texts), context_length), dtype=np.int32)
        for row, text in enumerate(texts):
            ids = [SOT_ID, *self.encode(text), EOT_ID]
            if len(ids) > context_length:
                if not truncate:
                    raise InputError(
                        f"text {row} is {len(ids)} tokens long (with SOT/EOT), more than the context length "
                        f"{context_length}; shorten it or pass truncate=True: {text[:60]!r}…"
                    )
                ids = ids[:context_length]
                ids[-1] = EOT_ID
            out[row, : len(ids)] = ids
        return out
