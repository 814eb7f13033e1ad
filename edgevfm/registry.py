"""A tiny name → object registry with aliases and did-you-mean errors."""
from __future__ import annotations

import difflib
from typing import Generic, Iterator, TypeVar

from edgevfm_runtime.errors import EdgeVFMError

T = TypeVar("T")


class UnknownName(EdgeVFMError, KeyError):
    def __str__(self) -> str:  # KeyError quotes its message; we want it plain
        return str(self.args[0])


def did_you_mean(word: str, choices) -> str:
    close = difflib.get_close_matches(word, list(choices), n=1)
    return f"; did you mean {close[0]!r}?" if close else ""


class Registry(Generic[T]):
    def __init__(self, kind: str):
        self.kind = kind
        self._items: dict[str, T] = {}
        self._aliases: dict[str, str] = {}

    def register(self, name: str, item: T, *, aliases: tuple[str, ...] = ()) -> T:
        if name in self._items or name in self._aliases:
            raise ValueError(f"{self.kind} {name!r} is registered twice")
        self._items[name] = item
        for a in aliases:
            self._aliases[a] = name
        return item

    def canonical(self, name: str) -> str:
        if name in self._items:
            return name
        if name in self._aliases:
            return self._aliases[name]
        hint = did_you_mean(name, [*self._items, *self._aliases])
        raise UnknownName(f"unknown {self.kind} {name!r} (known: {', '.join(self._items)}){hint}")

    def get(self, name: str) -> T:
        return self._items[self.canonical(name)]

    def aliases_of(self, name: str) -> list[str]:
        return [a for a, n in self._aliases.items() if n == name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._items)

    def items(self):
        return self._items.items()
