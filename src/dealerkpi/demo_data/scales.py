"""The three sizes of generated data: S (the demo: 14 months, so that the last complete month has the same month
of last year beside it), M (a regional group), L (a national group, one month)."""

from __future__ import annotations

from dataclasses import dataclass, replace


@dataclass(frozen=True)
class Scale:
    name: str
    stores: int
    regions: int
    months: int

    def override(self, stores: int | None = None, months: int | None = None) -> Scale:
        """The preset with --stores / --months applied; regions never outnumber stores."""
        scale = replace(self, stores=stores or self.stores, months=months or self.months)
        return replace(scale, regions=max(1, min(scale.regions, scale.stores)))


SCALES: dict[str, Scale] = {
    "S": Scale("S", stores=2, regions=2, months=14),
    "M": Scale("M", stores=50, regions=5, months=12),
    "L": Scale("L", stores=1000, regions=20, months=1),
}
