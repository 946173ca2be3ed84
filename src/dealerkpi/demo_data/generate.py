"""The realistic-data generator: a dealer group, its catalogue, and per store the staff, the sales funnel,
orders, deliveries, stock and the market records, simulated day by day.

Determinism: every random draw comes from ``random.Random`` seeded from (seed, purpose, store index), ids are
handed out in generation order, and no wall clock is read; the same seed and ``until`` give the same rows.

Time: the generated period is the ``months`` months ending on ``until`` (2024-06-16 to 2025-06-15 for 12
months to 2025-06-15), so --months 1 is a month of data whatever the date. A store is simulated from
``WARMUP_DAYS`` before that so the funnel is in steady state when the period starts; of the
cards opened in the warm-up only those still alive at the start (open, or ordered and not yet delivered) are
written, with their history. On ``until`` itself only what happens before noon has happened: the rest of
the day's follow-ups are due, deliveries and test drives are scheduled.

The parts: catalogue.py (brands, models, trims, prices), store.py (one store, made of staff.py, stock.py,
funnel.py, orders.py and store_routines.py), tables.py (the tables and their columns). See docs/data.md for
the distributions.
"""

from __future__ import annotations

import datetime
import time
from contextlib import nullcontext
from dataclasses import dataclass
from random import Random
from typing import Protocol

from django.contrib.auth.hashers import make_password
from django.db import DEFAULT_DB_ALIAS, transaction
from django.db.models import Model

from dealerkpi.core.bulk import BulkWriter
from dealerkpi.demo_data import names
from dealerkpi.demo_data.catalogue import MARGIN_CLASSES, BrandInfo, write_catalogue
from dealerkpi.demo_data.clock import DAY, NOON, SH, WARMUP_DAYS, months_before
from dealerkpi.demo_data.draws import money, rng_for
from dealerkpi.demo_data.scales import Scale
from dealerkpi.demo_data.staff import PhoneBook, person_name
from dealerkpi.demo_data.store import StoreSim
from dealerkpi.demo_data.tables import Tables, generated_models
from dealerkpi.org.models import DealerGroup, Role

__all__ = ["SH", "AlreadyPopulated", "Generator", "Reporter", "Result", "generate"]

DEMO_PASSWORD = "demo1234"
GROUP_CODE = "HT"
GROUP_NAME = "汇通汽车集团"


class Reporter(Protocol):
    def phase(self, name: str, total: int) -> None: ...

    def advance(self, name: str, steps: int = 1) -> None: ...


class _Silent:
    def phase(self, name: str, total: int) -> None:
        pass

    def advance(self, name: str, steps: int = 1) -> None:
        pass


class AlreadyPopulated(Exception):
    """The database already holds a dealer group; the generator only fills an empty one."""


@dataclass
class Result:
    counts: dict[str, int]
    seconds: float


class Generator:
    def __init__(
        self,
        *,
        seed: int,
        scale: Scale,
        until: datetime.date,
        using: str = DEFAULT_DB_ALIAS,
        reporter: Reporter | None = None,
        flush_rows: int = 50_000,
    ) -> None:
        self.seed = seed
        self.scale = scale
        self.until = until
        self.using = using
        self.reporter = reporter or _Silent()
        self.writer = BulkWriter(using, flush_rows=flush_rows)
        # The period: the ``months`` months ending with ``until`` (e.g. 2024-06-16 to 2025-06-15 for 12).
        self.window_start = months_before(until + datetime.timedelta(days=1), scale.months)
        self.sim_start = self.window_start - datetime.timedelta(days=WARMUP_DAYS)
        self.history_start = min(self.sim_start, until - datetime.timedelta(days=365))
        self.until_ord = until.toordinal()
        self.cutoff = self.until_ord * DAY + NOON
        self.window_t = self.window_start.toordinal() * DAY
        self._days: dict[int, datetime.date] = {}
        self.t = Tables(self.writer)

    @staticmethod
    def models() -> list[type[Model]]:
        """Every model the generator writes, parents first (the order the writer flushes them in)."""
        return generated_models()

    def day(self, ordinal: int) -> datetime.date:
        d = self._days.get(ordinal)
        if d is None:
            d = self._days[ordinal] = datetime.date.fromordinal(ordinal)
        return d

    def at(self, t: int) -> datetime.datetime:
        d, minute = divmod(t, DAY)
        day = self.day(d)
        return datetime.datetime(day.year, day.month, day.day, minute // 60, minute % 60, tzinfo=SH)

    # the run ---------------------------------------------------------------------------------------------

    def run(self) -> Result:
        began = time.perf_counter()
        if DealerGroup.objects.using(self.using).exists():
            raise AlreadyPopulated(
                "The database already holds a dealer group; `generate` only fills an empty database."
            )
        # On PostgreSQL the whole run is one transaction with the foreign keys validated at the end (see
        # BulkWriter.foreign_keys_checked_at_end); on SQLite each store is committed as it is done.
        one_transaction = self.writer.vendor == "postgresql"
        with (
            transaction.atomic(using=self.using) if one_transaction else nullcontext(),
            self.writer.foreign_keys_checked_at_end(self.models()) if one_transaction else nullcontext(),
        ):
            self.reporter.phase("group and catalogue", 1)
            with transaction.atomic(using=self.using):
                self._group()
                self.writer.flush()
            self.reporter.advance("group and catalogue")
            self.reporter.phase("stores", self.scale.stores)
            for index in range(self.scale.stores):
                with transaction.atomic(using=self.using):
                    StoreSim(self, index).run()
                    self.writer.flush()
                self.reporter.advance("stores")
            self.writer.close()
        counts = {model._meta.label: self.writer.written[model] for model in self.writer.tables}
        return Result(counts=counts, seconds=time.perf_counter() - began)

    # the group, its regions, head office and the catalogue -----------------------------------------------

    def _group(self) -> None:
        rng = rng_for(self.seed, "group")
        t = self.t
        # Hashed once for every user; the salt comes from the seed so the same seed gives the same rows.
        self.password = make_password(DEMO_PASSWORD, salt=f"dealerkpidemo{self.seed}".replace("-", "m"))
        self.group_id = t.group.new_id()
        t.group.add((self.group_id, GROUP_CODE, GROUP_NAME))
        self._regions()
        self.margin_ids: dict[str, int] = {}
        for rank, (code, name) in enumerate(MARGIN_CLASSES, start=1):
            self.margin_ids[code] = t.margin.new_id()
            t.margin.add((self.margin_ids[code], code, name, rank))
        self.brands: list[BrandInfo] = write_catalogue(self, rng)
        self._head_office(rng)

    def _regions(self) -> None:
        """Regions named from the list, numbered when there are more regions than names."""
        t = self.t
        self.regions: list[tuple[int, int]] = []  # (region id, position)
        for r in range(self.scale.regions):
            region_id = t.region.new_id()
            base = names.REGION_NAMES[r % len(names.REGION_NAMES)]
            name = base if r < len(names.REGION_NAMES) else f"{base}{r // len(names.REGION_NAMES) + 1}"
            t.region.add((region_id, self.group_id, f"R{r + 1:02d}", name))
            self.regions.append((region_id, r))

    def _head_office(self, rng: Random) -> None:
        """Head office staff: one for the whole group, one per region."""
        t = self.t
        phones = PhoneBook(rng, 0)
        hire = self.history_start - datetime.timedelta(days=900)
        for position, region_id in enumerate([None, *[rid for rid, _ in self.regions]]):
            staff_id = t.staff.new_id()
            surname, given = person_name(rng)
            employee_no = f"HQ{position + 1:04d}"
            salary = money(15000 if region_id is None else 12000)
            row = (staff_id, self.group_id, None, region_id, employee_no, surname + given, Role.HEAD_OFFICE)
            t.staff.add((*row, phones.next(), hire, None, salary))
            t.role.add((t.role.new_id(), hire, None, staff_id, Role.HEAD_OFFICE, None))
            self.add_user(staff_id, employee_no, surname, given, hire, active=True)

    def add_user(
        self, staff_id: int, employee_no: str, surname: str, given: str, hired: datetime.date, active: bool
    ) -> None:
        joined = datetime.datetime(hired.year, hired.month, hired.day, 9, 0, tzinfo=SH)
        row = (self.t.user.new_id(), self.password, None, False, employee_no.lower(), given, surname, "", False)
        self.t.user.add((*row, active, joined, staff_id))


def generate(
    *,
    seed: int,
    scale: Scale,
    until: datetime.date,
    using: str = DEFAULT_DB_ALIAS,
    reporter: Reporter | None = None,
) -> Result:
    """Fill the (empty) database; raises AlreadyPopulated if it holds a dealer group."""
    return Generator(seed=seed, scale=scale, until=until, using=using, reporter=reporter).run()
