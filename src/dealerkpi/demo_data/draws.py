"""Random draws that are the same for the same seed: seeded generators, weighted tables, round prices."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from decimal import Decimal
from random import Random
from typing import Any, TypeVar

T = TypeVar("T")


def rng_for(seed: int, *parts: object) -> Random:
    return Random(":".join(str(p) for p in ("dealerkpi", seed, *parts)))


def pick_one(rng: Random, items: Sequence[T]) -> T:
    """A uniform choice drawing one ``random()`` (``Random.choice`` draws a varying number of bits)."""
    return items[int(rng.random() * len(items))]


class Weighted:
    """A weighted choice from a fixed table, by bisection (faster than Random.choices in a loop)."""

    def __init__(self, table: Sequence[tuple[Any, float]]) -> None:
        self.items = [item for item, _ in table]
        self.cum: list[float] = []
        total = 0.0
        for _, w in table:
            total += w
            self.cum.append(total)
        self.total = total

    def pick(self, rng: Random) -> Any:
        return self.items[bisect_right(self.cum, rng.random() * self.total)]


def round100(value: float) -> int:
    return int(round(value / 100.0)) * 100


def money(yuan: int) -> Decimal:
    return Decimal(yuan)
