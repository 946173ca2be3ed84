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

See docs/data.md for the distributions.
"""

from __future__ import annotations

import datetime
import time
from bisect import bisect_right
from collections.abc import Sequence
from contextlib import nullcontext
from dataclasses import dataclass, field
from decimal import Decimal
from random import Random
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from django.contrib.auth.hashers import make_password
from django.db import DEFAULT_DB_ALIAS, transaction
from django.db.models import Model

from dealerkpi.catalog.models import Brand, LifecycleStage, MarginClass, Trim, TrimPrice, VehicleModel
from dealerkpi.core.validators import vin_check_digit
from dealerkpi.crm.models import (
    Complaint,
    Customer,
    FollowUp,
    IntentGrade,
    Lead,
    LostSale,
    ShowroomVisit,
    TestDrive,
)
from dealerkpi.demo_data import names
from dealerkpi.demo_data.bulk import BulkWriter, Table
from dealerkpi.demo_data.scales import Scale
from dealerkpi.market.models import CompetitorPrice, MarketShareSurvey, PresentationAudit, PromotionExecution
from dealerkpi.org.models import (
    DealerGroup,
    Region,
    Role,
    RoleAssignment,
    Staff,
    Store,
    Team,
    TeamMembership,
    User,
)
from dealerkpi.people.models import AttendanceRecord, TrainingRecord
from dealerkpi.sales.models import (
    Delivery,
    DeliveryFollowUp,
    DerivativeSale,
    Order,
    OrderApproval,
    OrderCredit,
    Payment,
    Reversal,
)
from dealerkpi.stock.models import SecondaryDealer, Transfer, Vehicle

SH = ZoneInfo("Asia/Shanghai")
DEMO_PASSWORD = "demo1234"
GROUP_CODE = "HT"
GROUP_NAME = "汇通汽车集团"

WARMUP_DAYS = 90
DAY = 1440  # minutes; times are minutes since day 1 of the proleptic calendar until written out
NOON = 12 * 60
OPEN, CLOSE = 9 * 60, 18 * 60
NEVER = 10**9

# --- Intent grades and the funnel ------------------------------------------------------------------------

GRADES: tuple[tuple[str, str, int | None, bool], ...] = (
    ("N", "N级（新线索，24小时内首次跟进）", 1, True),
    ("H", "H级（7天内购车）", 7, True),
    ("A", "A级（15天内购车）", 15, True),
    ("B", "B级（30天内购车）", 30, True),
    ("C", "C级（30天以上）", 60, True),
    ("O", "O级（已订车）", None, False),
    ("D", "D级（已交车）", None, False),
    ("T", "T级（订单取消）", None, False),
    ("F", "F级（战败）", None, False),
)
INTERVAL = {code: days for code, _, days, _ in GRADES if days}
LADDER = ("H", "A", "B", "C")

SOURCES = (
    ("walk_in", 24),
    ("phone", 8),
    ("autohome", 14),
    ("dongchedi", 12),
    ("yiche", 6),
    ("douyin", 13),
    ("oem", 10),
    ("referral", 6),
    ("auto_show", 3),
    ("outbound", 4),
)
WARM_SOURCES = ("walk_in", "referral")
GRADE_MIX_WARM = (("H", 16), ("A", 28), ("B", 32), ("C", 24))
GRADE_MIX_COLD = (("H", 8), ("A", 18), ("B", 36), ("C", 38))
ORDER_P = {"H": 0.42, "A": 0.165, "B": 0.068, "C": 0.025}
DORMANT_P = 0.07
VISIT_FIRST_P = {"order": 0.92, "H": 0.6, "A": 0.5, "B": 0.3, "C": 0.12}
LOST_CONTACTS = {"H": (4, 8), "A": (4, 7), "B": (3, 6), "C": (2, 5)}
# The next follow-up is set within the grade's interval: consultants call C and B cards well before the limit.
GAP_SHARE = {"H": (0.3, 0.8), "A": (0.3, 0.7), "B": (0.25, 0.6), "C": (0.2, 0.5)}
LOST_REASONS = (
    ("price", 22),
    ("competitor", 25),
    ("postponed", 17),
    ("finance_refused", 5),
    ("family", 10),
    ("delivery_wait", 5),
    ("secondary_dealer", 5),
    ("lost_contact", 11),
)
PARTY_SIZES = ((1, 33), (2, 41), (3, 18), (4, 8))
SATISFACTION = ((5, 60), (4, 28), (3, 8), (2, 3), (1, 1))
# Days a vehicle spends in stock before it is sold, and in closing stock (库龄 bands 0-30/31-60/61-90/90+).
SALE_AGE_BANDS = (((1, 30), 45), ((31, 60), 30), ((61, 90), 15), ((91, 150), 10))
STOCK_AGE_BANDS = (((0, 30), 42), ((31, 60), 27), ((61, 90), 16), ((91, 180), 15))
DELIVERY_LAG = ((1, 8), (2, 14), (3, 18), (4, 16), (5, 13), (6, 9), (7, 8), (8, 6), (9, 4), (10, 4))
DISCOUNT = {"high": (0.02, 0.07), "normal": (0.05, 0.10), "low": (0.07, 0.12)}
MARGIN = {  # cost and floor as a share of the guide price, by margin class
    "high": (0.86, 0.91),
    "normal": (0.90, 0.905),
    "low": (0.94, 0.90),  # the price fighter: floor below cost, the back end and rebates carry it
}
TRIM_POPULARITY = {"low": 35, "normal": 45, "high": 20}
STAGE_WEIGHT = {"introduction": 1.6, "growth": 1.4, "maturity": 1.0, "run_out": 0.45}
SEGMENT_WEIGHT = {
    "紧凑型轿车": 1.0,
    "中型轿车": 0.8,
    "紧凑型SUV": 1.3,
    "中型SUV": 1.0,
    "中大型SUV": 0.6,
    "MPV": 0.45,
    "纯电SUV": 1.0,
}
SEASON = {
    1: 0.96,
    2: 0.92,
    3: 1.0,
    4: 0.98,
    5: 1.03,
    6: 1.0,
    7: 0.96,
    8: 0.97,
    9: 1.04,
    10: 1.06,
    11: 1.0,
    12: 1.08,
}

VIN_CHARS = "0123456789ABCDEFGHJKLMNPRSTUVWXYZ"
YEAR_CODES = "ABCDEFGHJKLMNPRSTVWXY123456789"  # model years 2010, 2011, ...


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


def rng_for(seed: int, *parts: object) -> Random:
    return Random(":".join(str(p) for p in ("dealerkpi", seed, *parts)))


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


def month_start(day: datetime.date, back: int = 0) -> datetime.date:
    index = day.year * 12 + day.month - 1 - back
    return datetime.date(index // 12, index % 12 + 1, 1)


def months_before(day: datetime.date, months: int) -> datetime.date:
    """The same day of the month ``months`` months earlier (the month's last day if it is shorter)."""
    index = day.year * 12 + day.month - 1 - months
    year, month = index // 12, index % 12 + 1
    last = (datetime.date(year + month // 12, month % 12 + 1, 1) - datetime.timedelta(days=1)).day
    return datetime.date(year, month, min(day.day, last))


def make_vin(wmi: str, model_no: int, trim_no: int, year: int, serial: int) -> str:
    """A 17-character VIN with a valid check digit; the vehicle's id makes the plant code and serial."""
    vds = (
        VIN_CHARS[10 + model_no % 23]
        + str(1 + trim_no % 9)
        + "A4"
        + VIN_CHARS[10 + (model_no * 7 + trim_no) % 23]
    )
    rest = (
        YEAR_CODES[(year - 2010) % len(YEAR_CODES)]
        + VIN_CHARS[serial // 1_000_000 % 33]
        + f"{serial % 1_000_000:06d}"
    )
    partial = wmi + vds + "0" + rest
    return partial[:8] + vin_check_digit(partial) + partial[9:]


# --- Catalogue data kept in Python for the stores --------------------------------------------------------


@dataclass
class TrimInfo:
    id: int
    no: int
    margin: str
    lines: list[tuple[int, int, int, int, int]]  # (from ordinal, to ordinal, guide, floor, cost) in yuan

    def price_on(self, day: int) -> tuple[int, int, int]:
        for start, end, guide, floor, cost in self.lines:
            if start <= day <= end:
                return guide, floor, cost
        first = self.lines[0]
        return first[2], first[3], first[4]


@dataclass
class ModelInfo:
    id: int
    no: int
    spec: names.ModelSpec
    launch: int  # ordinal
    trims: list[TrimInfo] = field(default_factory=list)
    trim_pick: Weighted | None = None
    competitors: list[tuple[int, int]] = field(default_factory=list)  # (model id, guide price)


@dataclass
class BrandInfo:
    id: int
    spec: names.BrandSpec
    models: list[ModelInfo] = field(default_factory=list)


# --- The generator ---------------------------------------------------------------------------------------


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
        self._register_tables()

    @staticmethod
    def models() -> list[type[Model]]:
        """Every model the generator writes, parents first (the order the writer flushes them in)."""
        return [
            DealerGroup, Region, Brand, MarginClass, VehicleModel, LifecycleStage, Trim, TrimPrice, Store,
            Team, Staff, RoleAssignment, TeamMembership, User, IntentGrade, SecondaryDealer, Vehicle,
            Transfer, Customer, Lead, FollowUp, ShowroomVisit, TestDrive, LostSale, Order, OrderCredit,
            DerivativeSale, OrderApproval, Payment, Delivery, DeliveryFollowUp, Reversal, Complaint,
            PromotionExecution, PresentationAudit, MarketShareSurvey, CompetitorPrice, TrainingRecord,
            AttendanceRecord,
        ]  # fmt: skip

    # ids and rows ----------------------------------------------------------------------------------------

    def _register_tables(self) -> None:
        w = self.writer
        self.t = t = _Tables()
        t.group = w.table(DealerGroup, ("id", "code", "name"))
        t.region = w.table(Region, ("id", "group_id", "code", "name"))
        t.brand = w.table(Brand, ("id", "code", "name", "is_competitor"))
        t.margin = w.table(MarginClass, ("id", "code", "name", "rank"))
        t.model = w.table(VehicleModel, ("id", "brand_id", "code", "name", "segment"))
        t.stage = w.table(LifecycleStage, ("id", "valid_from", "valid_to", "vehicle_model_id", "stage"))
        t.trim = w.table(Trim, ("id", "vehicle_model_id", "code", "name", "margin_class_id"))
        t.price = w.table(
            TrimPrice, ("id", "valid_from", "valid_to", "trim_id", "guide_price", "floor_price", "cost")
        )
        t.store = w.table(
            Store, ("id", "region_id", "code", "name", "brand_id", "city", "territory", "opened_on")
        )
        t.team = w.table(Team, ("id", "store_id", "name", "is_active"))
        t.staff = w.table(
            Staff,
            (
                "id",
                "group_id",
                "store_id",
                "region_id",
                "employee_no",
                "name",
                "role",
                "phone",
                "hire_date",
                "leave_date",
                "base_salary",
            ),
        )
        t.role = w.table(RoleAssignment, ("id", "valid_from", "valid_to", "staff_id", "role", "store_id"))
        t.member = w.table(
            TeamMembership, ("id", "valid_from", "valid_to", "staff_id", "team_id", "is_leader")
        )
        t.user = w.table(
            User,
            (
                "id",
                "password",
                "last_login",
                "is_superuser",
                "username",
                "first_name",
                "last_name",
                "email",
                "is_staff",
                "is_active",
                "date_joined",
                "staff_id",
            ),
        )
        t.grade = w.table(
            IntentGrade, ("id", "store_id", "code", "name", "follow_up_days", "is_open", "position")
        )
        t.dealer = w.table(
            SecondaryDealer, ("id", "store_id", "code", "name", "territory", "contact_name", "is_active")
        )
        t.vehicle = w.table(
            Vehicle,
            (
                "id",
                "store_id",
                "vin",
                "trim_id",
                "colour",
                "cost",
                "arrived_on",
                "status",
                "secondary_dealer_id",
            ),
        )
        t.transfer = w.table(
            Transfer, ("id", "store_id", "vehicle_id", "moved_on", "from_dealer_id", "to_dealer_id")
        )
        t.customer = w.table(
            Customer, ("id", "store_id", "owner_id", "name", "phone", "district", "created_at")
        )
        t.lead = w.table(
            Lead,
            (
                "id",
                "store_id",
                "customer_id",
                "owner_id",
                "source",
                "intended_model_id",
                "grade",
                "status",
                "created_at",
                "last_follow_up_at",
                "next_follow_up_on",
                "closed_at",
            ),
        )
        t.follow = w.table(
            FollowUp,
            (
                "id",
                "store_id",
                "lead_id",
                "staff_id",
                "at",
                "channel",
                "outcome",
                "grade_after",
                "due_on",
                "next_due_on",
                "note",
            ),
        )
        t.visit = w.table(
            ShowroomVisit,
            (
                "id",
                "store_id",
                "lead_id",
                "consultant_id",
                "arrived_at",
                "left_at",
                "is_first_visit",
                "party_size",
                "has_intent",
                "was_invited",
                "test_drive_taken",
            ),
        )
        t.drive = w.table(
            TestDrive,
            (
                "id",
                "store_id",
                "lead_id",
                "consultant_id",
                "vehicle_id",
                "starts_at",
                "ends_at",
                "licence_checked",
                "agreement_signed",
                "started_at",
                "ended_at",
                "status",
                "feedback",
            ),
        )
        t.lost = w.table(
            LostSale,
            (
                "id",
                "store_id",
                "lead_id",
                "reason",
                "competitor_model_id",
                "note",
                "requested_by_id",
                "requested_at",
                "status",
                "decided_by_id",
                "decided_at",
            ),
        )
        t.order = w.table(
            Order,
            (
                "id",
                "store_id",
                "lead_id",
                "customer_id",
                "consultant_id",
                "trim_id",
                "colour",
                "vehicle_id",
                "ordered_at",
                "guide_price",
                "floor_price",
                "price",
                "gifts_cost",
                "sold_via_id",
                "is_cross_region",
                "status",
            ),
        )
        t.credit = w.table(OrderCredit, ("id", "store_id", "order_id", "staff_id", "share"))
        t.derivative = w.table(DerivativeSale, ("id", "store_id", "order_id", "kind", "amount", "income"))
        t.approval = w.table(
            OrderApproval,
            (
                "id",
                "store_id",
                "order_id",
                "kind",
                "requested_by_id",
                "requested_at",
                "reason",
                "status",
                "decided_by_id",
                "decided_at",
            ),
        )
        t.payment = w.table(Payment, ("id", "store_id", "order_id", "kind", "amount", "paid_at"))
        t.delivery = w.table(
            Delivery,
            (
                "id",
                "store_id",
                "order_id",
                "vehicle_id",
                "scheduled_for",
                "delivered_at",
                "inspection_done",
                "invoice_issued",
                "certificate_handed",
                "insurance_done",
                "handover_done",
                "customer_signed",
            ),
        )
        t.ccard = w.table(
            DeliveryFollowUp,
            ("id", "store_id", "delivery_id", "staff_id", "due_on", "done_at", "satisfaction", "note"),
        )
        t.reversal = w.table(
            Reversal, ("id", "store_id", "order_id", "kind", "at", "reason", "recorded_by_id")
        )
        t.complaint = w.table(
            Complaint,
            (
                "id",
                "store_id",
                "customer_id",
                "about_staff_id",
                "handler_id",
                "channel",
                "is_major",
                "summary",
                "received_at",
                "due_on",
                "status",
                "resolution",
                "resolved_at",
            ),
        )
        t.promotion = w.table(
            PromotionExecution, ("id", "store_id", "name", "starts_on", "ends_on", "score", "assessed_by_id")
        )
        t.audit = w.table(
            PresentationAudit,
            ("id", "store_id", "secondary_dealer_id", "audited_on", "score", "auditor_id", "note"),
        )
        t.survey = w.table(MarketShareSurvey, ("id", "store_id", "month", "share", "source"))
        t.competitor = w.table(
            CompetitorPrice,
            (
                "id",
                "store_id",
                "competitor_model_id",
                "seen_on",
                "price",
                "offer",
                "source",
                "reported_by_id",
            ),
        )
        t.training = w.table(
            TrainingRecord,
            ("id", "store_id", "staff_id", "course", "held_on", "hours", "passed", "trainer_id"),
        )
        t.attendance = w.table(AttendanceRecord, ("id", "store_id", "staff_id", "day", "status"))

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
        self.regions: list[tuple[int, int]] = []  # (region id, position)
        for r in range(self.scale.regions):
            rid = t.region.new_id()
            base = names.REGION_NAMES[r % len(names.REGION_NAMES)]
            name = base if r < len(names.REGION_NAMES) else f"{base}{r // len(names.REGION_NAMES) + 1}"
            t.region.add((rid, self.group_id, f"R{r + 1:02d}", name))
            self.regions.append((rid, r))
        self.margin_ids = {}
        for rank, (code, name) in enumerate(
            (("high", "高毛利"), ("normal", "常规"), ("low", "低毛利")), start=1
        ):
            mid = t.margin.new_id()
            t.margin.add((mid, code, name, rank))
            self.margin_ids[code] = mid
        self._catalogue(rng)
        # Head office: one for the whole group, one per region.
        phones = _PhoneBook(rng, 0)
        hire = self.history_start - datetime.timedelta(days=900)
        for position, region_id in enumerate([None, *[rid for rid, _ in self.regions]]):
            sid = t.staff.new_id()
            surname, given = _person(rng)
            employee_no = f"HQ{position + 1:04d}"
            t.staff.add(
                (
                    sid,
                    self.group_id,
                    None,
                    region_id,
                    employee_no,
                    surname + given,
                    Role.HEAD_OFFICE,
                    phones.next(),
                    hire,
                    None,
                    money(15000 if region_id is None else 12000),
                )
            )
            t.role.add((t.role.new_id(), hire, None, sid, Role.HEAD_OFFICE, None))
            self.add_user(sid, employee_no, surname, given, hire, active=True)

    def add_user(
        self, staff_id: int, employee_no: str, surname: str, given: str, hired: datetime.date, active: bool
    ) -> None:
        joined = datetime.datetime(hired.year, hired.month, hired.day, 9, 0, tzinfo=SH)
        self.t.user.add(
            (
                self.t.user.new_id(),
                self.password,
                None,
                False,
                employee_no.lower(),
                given,
                surname,
                "",
                False,
                active,
                joined,
                staff_id,
            )
        )

    def _catalogue(self, rng: Random) -> None:
        t = self.t
        until = self.until_ord
        self.brands: list[BrandInfo] = []
        competitors: list[tuple[int, names.ModelSpec]] = []
        for spec in names.COMPETITOR_BRANDS:
            bid = t.brand.new_id()
            t.brand.add((bid, spec.code, spec.name, True))
            for m in spec.models:
                mid = t.model.new_id()
                t.model.add((mid, bid, m.code, m.name, m.segment))
                competitors.append((mid, m))
        window_len = max(1, until - self.window_start.toordinal())
        for spec in names.OWN_BRANDS:
            bid = t.brand.new_id()
            t.brand.add((bid, spec.code, spec.name, False))
            brand = BrandInfo(bid, spec)
            self.brands.append(brand)
            for no, m in enumerate(spec.models):
                mid = t.model.new_id()
                t.model.add((mid, bid, m.code, m.name, m.segment))
                launch = self._stages(rng, mid, m.stage)
                info = ModelInfo(mid, no, m, launch)
                info.competitors = [
                    (cid, c.base_price) for cid, c in competitors if c.segment == m.segment
                ] or [(cid, c.base_price) for cid, c in competitors[:3]]
                trim_names = names.TRIM_NAMES[m.trims]
                step = round(m.base_price * 0.12 / 1000) * 1000
                # A price cut in the generated period (a price war); none for a model just launched.
                change = self.window_start.toordinal() + int(window_len * rng.uniform(0.3, 0.7))
                for k, trim_name in enumerate(trim_names):
                    margin = "low" if k == 0 else "high" if k == len(trim_names) - 1 else "normal"
                    tid = t.trim.new_id()
                    t.trim.add((tid, mid, f"{m.code}-{k + 1}", trim_name, self.margin_ids[margin]))
                    guide = m.base_price + k * step
                    cost_share, floor_share = MARGIN[margin]
                    cost, floor = round100(guide * cost_share), round100(guide * floor_share)
                    first = min(launch, self.history_start.toordinal() - 365)
                    if m.stage == "introduction" or change <= launch:
                        lines = [(launch, NEVER, guide, floor, cost)]
                    else:
                        lines = [
                            (first, change - 1, guide, floor, cost),
                            (
                                change,
                                NEVER,
                                guide,
                                round100(floor - guide * 0.02),
                                round100(cost - guide * 0.01),
                            ),
                        ]
                    for start, end, g, f, c in lines:
                        t.price.add(
                            (
                                t.price.new_id(),
                                self.day(start),
                                None if end == NEVER else self.day(end),
                                tid,
                                money(g),
                                money(f),
                                money(c),
                            )
                        )
                    info.trims.append(TrimInfo(tid, k, margin, lines))
                info.trim_pick = Weighted([(tr, TRIM_POPULARITY[tr.margin]) for tr in info.trims])
                brand.models.append(info)

    def _stages(self, rng: Random, model_id: int, final: str) -> int:
        """Write the model's lifecycle and return its launch date (ordinal)."""
        until = self.until_ord
        if final == "introduction":
            launch = until - rng.randint(50, 70)
            bounds = [launch]
        elif final == "growth":
            launch = until - rng.randint(220, 500)
            bounds = [launch, launch + 120]
        elif final == "maturity":
            launch = until - rng.randint(800, 1800)
            bounds = [launch, launch + 120, launch + 485]
        else:
            launch = until - rng.randint(1900, 2600)
            bounds = [launch, launch + 120, launch + 485, until - rng.randint(90, 240)]
        stages = ("introduction", "growth", "maturity", "run_out")
        for k, start in enumerate(bounds):
            end = bounds[k + 1] - 1 if k + 1 < len(bounds) else None
            self.t.stage.add(
                (
                    self.t.stage.new_id(),
                    self.day(start),
                    None if end is None else self.day(end),
                    model_id,
                    stages[k],
                )
            )
        return launch


class _Tables:
    """The registered tables, by short name."""

    group: Table
    region: Table
    brand: Table
    margin: Table
    model: Table
    stage: Table
    trim: Table
    price: Table
    store: Table
    team: Table
    staff: Table
    role: Table
    member: Table
    user: Table
    grade: Table
    dealer: Table
    vehicle: Table
    transfer: Table
    customer: Table
    lead: Table
    follow: Table
    visit: Table
    drive: Table
    lost: Table
    order: Table
    credit: Table
    derivative: Table
    approval: Table
    payment: Table
    delivery: Table
    ccard: Table
    reversal: Table
    complaint: Table
    promotion: Table
    audit: Table
    survey: Table
    competitor: Table
    training: Table
    attendance: Table


_SURNAMES = Weighted(names.SURNAMES)


def _person(rng: Random) -> tuple[str, str]:
    surname = _SURNAMES.pick(rng)
    chars = names.GIVEN_CHARS
    given = chars[int(rng.random() * len(chars))]
    if rng.random() < 0.7:
        given += chars[int(rng.random() * len(chars))]
    return surname, given


class _PhoneBook:
    """Unique valid mobile numbers: a counter through an affine permutation of the last eight digits."""

    def __init__(self, rng: Random, salt: int) -> None:
        self.multiplier = 48_271 * 2 + 1  # odd and not a multiple of 5: coprime to 10**8
        self.offset = rng.randrange(10**8) ^ (salt * 7919)
        self.count = 0
        self.rng = rng

    def next(self) -> str:
        self.count += 1
        digits = (self.multiplier * self.count + self.offset) % 10**8
        prefix = names.MOBILE_PREFIXES[int(self.rng.random() * len(names.MOBILE_PREFIXES))]
        return f"{prefix}{digits:08d}"


# --- One store -------------------------------------------------------------------------------------------


@dataclass
class Person:
    id: int
    role: str
    hire: int
    leave: int  # NEVER when still employed
    rest: int  # weekday of the weekly rest day
    team: int | None = None
    skill: float = 1.0  # a consultant's conversion relative to the average


@dataclass
class Slot:
    """A consultant position in a team and who held it when: (person, first day, last day)."""

    team: int
    chain: list[tuple[Person, int, int]] = field(default_factory=list)


@dataclass
class Delivered:
    delivery_id: int
    order_id: int
    customer_id: int
    consultant: int
    delivered_t: int
    team: int


class StoreSim:
    def __init__(self, gen: Generator, index: int) -> None:
        self.g = gen
        self.t = gen.t
        self.index = index
        self.rng = rng_for(gen.seed, "store", index)
        self.sid = self.t.store.new_id()
        self.code = f"S{index + 1:04d}"
        self.people: list[Person] = []
        self.slots: list[Slot] = []
        self.deliveries: list[Delivered] = []
        self.vehicles_on_hand = 0
        # Cars released by cancelled orders, by trim: (id, arrived, colour, model, trim).
        self.released: dict[int, list[tuple[int, int, str, ModelInfo, TrimInfo]]] = {}
        self.drive_slots: dict[tuple[int, int], list[tuple[int, int]]] = {}

    # setup -----------------------------------------------------------------------------------------------

    def run(self) -> None:
        g, rng = self.g, self.rng
        self.colours = Weighted(names.COLOURS)
        self._store()
        self._grades()
        self._staff()
        self._dealers()
        self._demo_vehicles()
        self._attendance()
        self.customer_phones = _PhoneBook(rng, self.index + 1)
        self.ins_p = rng.uniform(0.83, 0.87)
        self.fin_p = rng.uniform(0.40, 0.45)
        self.acc_p = rng.uniform(0.65, 0.70)
        self.ew_p = rng.uniform(0.18, 0.22)
        self.trade_p = rng.uniform(0.13, 0.17)
        self.drive_p = rng.uniform(0.36, 0.43)
        self.volume = rng.uniform(0.95, 1.05)
        self.sources = Weighted(SOURCES)
        self.warm_grades = Weighted(GRADE_MIX_WARM)
        self.cold_grades = Weighted(GRADE_MIX_COLD)
        self.reasons = Weighted(LOST_REASONS)
        self.party = Weighted(PARTY_SIZES)
        self.satisfaction = Weighted(SATISFACTION)
        self.sale_age = Weighted(SALE_AGE_BANDS)
        self.lag = Weighted(DELIVERY_LAG)
        self._model_tables()
        first, last = g.sim_start.toordinal(), g.until_ord
        for d in range(first, last + 1):
            self._day(d)
            g.writer.maybe_flush()
        self._closing_stock()
        self._complaints()
        self._monthly()

    def _store(self) -> None:
        g, rng, t = self.g, self.rng, self.t
        n_regions = len(g.regions)
        region_pos = self.index * n_regions // g.scale.stores
        region_id = g.regions[region_pos][0]
        first_in_region = -(-region_pos * g.scale.stores // n_regions)
        k = self.index - first_in_region
        cities = names.REGION_CITIES[region_pos % len(names.REGION_CITIES)]
        self.city = names.CITIES[cities[k % len(cities)]]
        self.brand = g.brands[self.index % len(g.brands)]
        districts = self.city.districts
        start = (k // len(cities)) * 2 % len(districts)
        width = 2 + rng.randint(0, 1)
        self.territory = [districts[(start + j) % len(districts)] for j in range(width)]
        self.others = [d for d in districts if d not in self.territory] or list(districts)
        neighbour = names.CITIES[(names.CITIES.index(self.city) + 1) % len(names.CITIES)]
        self.elsewhere = list(neighbour.districts + neighbour.counties)
        self.order_district: str | None = None
        name = f"{self.city.name}{self.brand.spec.name}{self.territory[0].rstrip('区')}店"
        opened = datetime.date(rng.randint(2008, 2019), rng.randint(1, 12), rng.randint(1, 28))
        self.opened = opened.toordinal()
        t.store.add(
            (
                self.sid,
                region_id,
                self.code,
                name,
                self.brand.id,
                self.city.name,
                "\n".join(self.territory),
                opened,
            )
        )

    def _grades(self) -> None:
        t = self.t
        for position, (code, name, days, is_open) in enumerate(GRADES):
            t.grade.add((t.grade.new_id(), self.sid, code, name, days, is_open, position))

    def _hire(self, role: str, hire: int, team: int | None = None) -> Person:
        rng = self.rng
        person = Person(
            self.t.staff.new_id(), role, hire, NEVER, rng.randint(1, 4), team, rng.uniform(0.7, 1.3)
        )
        self.people.append(person)
        return person

    def _staff(self) -> None:
        g, rng, t = self.g, self.rng, self.t
        h0, until = g.history_start.toordinal(), g.until_ord
        n_teams = rng.choice((3, 3, 4))
        self.team_ids = []
        for k in range(n_teams):
            tid = t.team.new_id()
            t.team.add((tid, self.sid, names.TEAM_NAMES[k], True))
            self.team_ids.append(tid)

        def veteran() -> int:
            return max(self.opened, h0 - rng.randint(30, 6 * 365))

        self.managers = {}
        for role in (Role.GENERAL_MANAGER, Role.SALES_MANAGER, Role.DEPUTY_MANAGER, Role.HR, Role.FINANCE):
            self.managers[role] = self._hire(role, veteran())
        self.supervisors: list[list[tuple[Person, int, int]]] = []
        for k in range(n_teams):
            self.supervisors.append([(self._hire(Role.SUPERVISOR, veteran(), k), 0, NEVER)])
        for k in range(n_teams):
            size = rng.randint(6, 7) if n_teams == 3 else rng.randint(5, 6)
            for _ in range(size):
                slot = Slot(k)
                slot.chain.append((self._hire(Role.CONSULTANT, veteran(), k), 0, NEVER))
                self.slots.append(slot)
        n = len(self.slots)
        rate = rng.uniform(0.22, 0.27)
        year_ago = until - 365
        events = [year_ago + 1 + int(rng.random() * 365) for _ in range(round(n * rate))]
        older = max(0, year_ago - h0)
        events += [h0 + int(rng.random() * older) for _ in range(round(n * rate * older / 365))]
        self.promotions: list[tuple[Person, int]] = []
        if rng.random() < 0.35 and until - h0 > 120:
            day = h0 + 60 + int(rng.random() * (until - h0 - 90))
            self._promote(rng.randrange(n_teams), day)
        for day in sorted(events):
            # The leaver: someone holding a slot that day (not a fresh vacancy).
            candidates = [s for s in self.slots if s.chain[-1][2] == NEVER and s.chain[-1][1] < day - 30]
            if not candidates:
                continue
            slot = candidates[int(rng.random() * len(candidates))]
            person, start, _ = slot.chain[-1]
            slot.chain[-1] = (person, start, day)
            person.leave = day
            self._refill(slot, day + rng.randint(3, 21))
        self._write_staff()

    def _refill(self, slot: Slot, day: int) -> None:
        if day <= self.g.until_ord:
            person = self._hire(Role.CONSULTANT, day, slot.team)
            slot.chain.append((person, day, NEVER))

    def _promote(self, team: int, day: int) -> None:
        """The team's supervisor leaves; the team's most senior consultant is promoted the next day."""
        sup, start, _ = self.supervisors[team][-1]
        sup.leave = day - 1
        self.supervisors[team][-1] = (sup, start, day - 1)
        slots = [s for s in self.slots if s.team == team and s.chain[-1][2] == NEVER]
        slot = min(slots, key=lambda s: (s.chain[-1][0].hire, s.chain[-1][0].id))
        person, pstart, _ = slot.chain[-1]
        slot.chain[-1] = (person, pstart, day - 1)
        self.supervisors[team].append((person, day, NEVER))
        self.promotions.append((person, day))
        self._refill(slot, day + self.rng.randint(7, 21))

    def _write_staff(self) -> None:
        g, rng, t = self.g, self.rng, self.t
        phones = _PhoneBook(rng, 10_000 + self.index)
        promoted = dict((p.id, day) for p, day in self.promotions)
        salary = {
            Role.CONSULTANT: (3000, 4500),
            Role.SUPERVISOR: (5000, 6500),
            Role.SALES_MANAGER: (9000, 12000),
            Role.DEPUTY_MANAGER: (7000, 9000),
            Role.GENERAL_MANAGER: (15000, 20000),
            Role.HR: (5000, 7000),
            Role.FINANCE: (5000, 7000),
        }
        store_no = self.index + 1
        for seq, p in enumerate(self.people, start=1):
            surname, given = _person(rng)
            employee_no = f"E{store_no:04d}{seq:03d}"
            role = Role.SUPERVISOR if p.id in promoted else p.role
            low, high = salary[role]
            hire, leave = g.day(p.hire), None if p.leave == NEVER else g.day(p.leave)
            t.staff.add(
                (
                    p.id,
                    g.group_id,
                    self.sid,
                    None,
                    employee_no,
                    surname + given,
                    role,
                    phones.next(),
                    hire,
                    leave,
                    money(rng.randint(low // 100, high // 100) * 100),
                )
            )
            if p.id in promoted:
                day = promoted[p.id]
                t.role.add((t.role.new_id(), hire, g.day(day - 1), p.id, Role.CONSULTANT, self.sid))
                t.role.add((t.role.new_id(), g.day(day), leave, p.id, Role.SUPERVISOR, self.sid))
            else:
                t.role.add((t.role.new_id(), hire, leave, p.id, p.role, self.sid))
            g.add_user(p.id, employee_no, surname, given, hire, active=p.leave == NEVER)
        for slot in self.slots:
            for person, start, end in slot.chain:
                first = person.hire if start == 0 else start
                t.member.add(
                    (
                        t.member.new_id(),
                        g.day(first),
                        None if end == NEVER else g.day(end),
                        person.id,
                        self.team_ids[slot.team],
                        False,
                    )
                )
        for team, chain in enumerate(self.supervisors):
            for person, start, end in chain:
                first = person.hire if start == 0 else start
                t.member.add(
                    (
                        t.member.new_id(),
                        g.day(first),
                        None if end == NEVER else g.day(end),
                        person.id,
                        self.team_ids[team],
                        True,
                    )
                )

    def _dealers(self) -> None:
        rng, t = self.rng, self.t
        self.dealers: list[tuple[int, list[str]]] = []
        counties = list(self.city.counties)
        rng.shuffle(counties)
        for j in range(min(len(counties), rng.randint(2, 4))):
            did = t.dealer.new_id()
            territory = [counties[j]]
            surname, given = _person(rng)
            suffix = names.SECONDARY_DEALER_SUFFIXES[j % len(names.SECONDARY_DEALER_SUFFIXES)]
            t.dealer.add(
                (
                    did,
                    self.sid,
                    f"{self.code}-D{j + 1}",
                    f"{counties[j]}{self.brand.spec.name}{suffix}",
                    "\n".join(territory),
                    surname + given,
                    True,
                )
            )
            self.dealers.append((did, territory))

    def _vehicle(
        self,
        model: ModelInfo,
        trim: TrimInfo,
        colour: str,
        arrived: int | None,
        status: str,
        dealer: int | None,
        cost_day: int,
        rows: list | None = None,
        vid: int | None = None,
    ) -> int:
        """Write a vehicle (to ``rows`` when given, for a card that may not be kept); returns its id."""
        g, t = self.g, self.t
        vid = t.vehicle.new_id() if vid is None else vid
        year_day = g.day(arrived if arrived is not None else g.until_ord)
        year = year_day.year + (1 if year_day.month >= 10 else 0)
        vin = make_vin(self.brand.spec.wmi, model.no, trim.no, year, vid)
        cost = trim.price_on(cost_day)[2]
        row = (
            vid,
            self.sid,
            vin,
            trim.id,
            colour,
            money(cost),
            None if arrived is None else g.day(arrived),
            status,
            dealer,
        )
        if rows is None:
            t.vehicle.add(row)
        else:
            rows.append((t.vehicle, row))
        return vid

    def _demo_vehicles(self) -> None:
        rng = self.rng
        g = self.g
        self.demo: dict[int, list[int]] = {}
        self.all_demo: list[int] = []
        models = sorted(self.brand.models, key=lambda m: -SEGMENT_WEIGHT[m.spec.segment])
        for k, m in enumerate(models):
            count = 2 if k == 0 else 1
            for _ in range(count):
                arrived = max(m.launch - 5, g.sim_start.toordinal() - rng.randint(30, 300))
                vid = self._vehicle(
                    m, m.trims[-1], self.colours.pick(rng), arrived, Vehicle.Status.DEMO, None, arrived
                )
                self.demo.setdefault(m.id, []).append(vid)
                self.all_demo.append(vid)

    def _model_tables(self) -> None:
        """Which models customers ask for: by stage and segment; a new model only after its launch."""
        self.model_weights: list[tuple[int, Weighted]] = []  # (valid from ordinal, table)
        first = self.g.sim_start.toordinal()
        points = sorted({first, *(m.launch for m in self.brand.models if m.launch > first)})
        for start in points:
            table = [
                (m, STAGE_WEIGHT[m.spec.stage] * SEGMENT_WEIGHT[m.spec.segment])
                for m in self.brand.models
                if m.launch <= start
            ]
            if table:
                self.model_weights.append((start, Weighted(table)))

    def _model_on(self, day: int) -> ModelInfo:
        table = self.model_weights[0][1]
        for start, weighted in self.model_weights:
            if start <= day:
                table = weighted
        return table.pick(self.rng)

    # attendance and who is on duty -----------------------------------------------------------------------

    def _attendance(self) -> None:
        g, rng, t = self.g, self.rng, self.t
        first, last = g.sim_start.toordinal(), g.until_ord
        window = g.window_start.toordinal()
        self.duty: dict[int, list[Slot]] = {}
        on_duty: dict[tuple[int, int], bool] = {}
        statuses = Weighted((("present", 930), ("late", 35), ("leave", 25), ("absent", 10)))
        for p in self.people:
            for d in range(max(first, p.hire), min(last, p.leave) + 1):
                status = "rest" if d % 7 == p.rest else statuses.pick(rng)
                on_duty[(p.id, d)] = status in ("present", "late")
                if d >= window:
                    t.attendance.add((t.attendance.new_id(), self.sid, p.id, g.day(d), status))
        for d in range(first, last + 1):
            duty = []
            for slot in self.slots:
                for person, start, end in slot.chain:
                    if start <= d <= end and person.hire <= d and on_duty.get((person.id, d)):
                        duty.append(slot)
                        break
            self.duty[d] = duty or list(self.slots)

    def holder(self, slot: Slot, day: int) -> Person | None:
        for person, start, end in slot.chain:
            if start <= day <= end and person.hire <= day:
                return person
        return None

    def owner(self, slot: Slot, day: int) -> int:
        person = self.holder(slot, day)
        return person.id if person else self.supervisor(slot.team, day)

    def supervisor(self, team: int, day: int) -> int:
        for person, start, end in self.supervisors[team]:
            if start <= day <= end:
                return person.id
        return self.managers[Role.SALES_MANAGER].id

    def consultants_on(self, day: int) -> list[int]:
        ids = []
        for slot in self.slots:
            person = self.holder(slot, day)
            if person:
                ids.append(person.id)
        return ids

    # a day in the showroom --------------------------------------------------------------------------------

    def _day(self, d: int) -> None:
        g, rng = self.g, self.rng
        date = g.day(d)
        weekend = date.weekday() >= 5
        factor = (1.375 if weekend else 0.85) * SEASON[date.month] * self.volume
        expected = 1000 / 30.44 * factor * rng.uniform(0.85, 1.15)
        count = int(expected + rng.random())
        times = sorted(d * DAY + OPEN + int(rng.random() * (CLOSE - OPEN)) for _ in range(count))
        for t0 in times:
            self._lead(t0)
        # Parties without buying intent (browsing, accompanying, asking for service): no card is opened.
        if d * DAY >= g.window_t:
            browsers = int(10.5 * (1.4 if weekend else 0.84) * rng.uniform(0.8, 1.2) + rng.random())
            duty = self.duty[d]
            for _ in range(browsers):
                t1 = d * DAY + OPEN + int(rng.random() * (CLOSE - OPEN - 30))
                if t1 > g.cutoff:
                    continue
                slot = duty[int(rng.random() * len(duty))]
                self.t.visit.add(
                    (
                        self.t.visit.new_id(),
                        self.sid,
                        None,
                        self.owner(slot, d),
                        g.at(t1),
                        g.at(t1 + rng.randint(8, 40)),
                        True,
                        1 + (rng.random() < 0.3),
                        False,
                        False,
                        False,
                    )
                )

    # a lead from first contact to its end ----------------------------------------------------------------

    def _lead(self, t0: int) -> None:
        g, rng, t = self.g, self.rng, self.t
        self.order_district = None
        cutoff = g.cutoff
        d0 = t0 // DAY
        duty = self.duty[d0]
        slot = duty[int(rng.random() * len(duty))]
        source = self.sources.pick(rng)
        walk_in = source == "walk_in"
        true_grade = (self.warm_grades if source in WARM_SOURCES else self.cold_grades).pick(rng)
        model = self._model_on(d0)
        holder = self.holder(slot, d0)
        skill = holder.skill if holder else 1.0
        u = rng.random()
        p_order = ORDER_P[true_grade] * skill
        if u < p_order:
            fate = "order"
            delay = {"H": (0 if walk_in else 2, 7), "A": (8, 15), "B": (16, 30), "C": (31, 75)}[true_grade]
            order_day = d0 + rng.randint(*delay)
            if walk_in and true_grade == "H" and rng.random() < 0.25:
                order_day = d0
            contacts_left = NEVER
        elif u < p_order + DORMANT_P:
            fate, order_day = "dormant", NEVER
            contacts_left = rng.randint(1, 3) + (0 if walk_in else 1)
        else:
            fate, order_day = "lost", NEVER
            contacts_left = rng.randint(*LOST_CONTACTS[true_grade]) + (0 if walk_in else 1)
        rows: list[tuple[Table, tuple]] = []
        lead_id, customer_id = t.lead.new_id(), t.customer.new_id()
        visited = False
        will_visit = not walk_in and rng.random() < VISIT_FIRST_P["order" if fate == "order" else true_grade]
        repeat_p = 0.65 if fate == "order" else (0.5 if true_grade in ("H", "A") else 0.15)
        last_t = t0
        last_follow: int | None = None
        if walk_in:
            grade = true_grade
            arrival = max(d0 * DAY + OPEN - 10, t0 - rng.randint(5, 25))
            self._visit(rows, lead_id, slot, arrival, first=True, invited=False, model=model, drive=None)
            visited = True
            next_due = d0 + self._gap(grade)
        else:
            grade = "N"
            next_due = d0 + 1
        booked: tuple[int, bool | None, bool] | None = None  # (visit day, test drive planned, first visit)
        status, closed_t = Lead.Status.OPEN, None
        pending_drive: tuple[int, bool] | None = None
        order_result: tuple[str, int | None, str] | None = None
        while True:
            if booked:
                day = booked[0]
            else:
                r = rng.random()
                if r < 0.83:
                    day = next_due if rng.random() < 0.55 else next_due - rng.randint(1, 2)
                else:
                    day = next_due + rng.randint(1, 4)
                day = max(day, last_t // DAY)
            ordering = fate == "order" and day >= order_day
            if ordering:
                day = max(order_day, last_t // DAY)
            if fate == "dormant" and contacts_left == 0:
                status = Lead.Status.DORMANT if next_due < g.until_ord - 30 else Lead.Status.OPEN
                break
            minute = OPEN + int(rng.random() * (CLOSE - OPEN))
            tc = day * DAY + minute
            if tc <= last_t:
                tc = last_t + rng.randint(20, 90)
            if tc > cutoff:
                if booked and booked[1] and booked[0] <= g.until_ord + 3:
                    pending_drive = (booked[0] * DAY + OPEN + 60 + int(rng.random() * 400), True)
                break
            staff = self.owner(slot, day)
            due_on = g.day(next_due)
            is_visit = booked is not None
            in_first_visit = ordering and walk_in and day == d0 and not is_visit
            if (
                ordering
                and not is_visit
                and not in_first_visit
                and (rng.random() < 0.85 or (not visited and rng.random() < 0.9))
            ):
                is_visit = True
            if in_first_visit:
                channel = FollowUp.Channel.VISIT
            elif is_visit:
                first = not visited
                drive = booked[1] if booked else None
                self._visit(
                    rows, lead_id, slot, tc, first=first, invited=booked is not None, model=model, drive=drive
                )
                visited = True
                channel = FollowUp.Channel.VISIT
            else:
                channel = ("phone", "phone", "phone", "wechat", "wechat", "sms")[int(rng.random() * 6)]
            booked = None
            if ordering:
                rows.append(
                    (
                        t.follow,
                        (
                            t.follow.new_id(),
                            self.sid,
                            lead_id,
                            staff,
                            g.at(tc),
                            channel,
                            FollowUp.Outcome.ORDERED,
                            "O",
                            due_on,
                            None,
                            "",
                        ),
                    )
                )
                last_follow, last_t = tc, tc
                order_result = self._order(rows, lead_id, customer_id, slot, model, tc)
                break
            contacts_left -= 1
            if fate == "lost" and contacts_left <= 0:
                rows.append(
                    (
                        t.follow,
                        (
                            t.follow.new_id(),
                            self.sid,
                            lead_id,
                            staff,
                            g.at(tc),
                            channel,
                            FollowUp.Outcome.NOT_INTERESTED,
                            "F",
                            due_on,
                            None,
                            "",
                        ),
                    )
                )
                last_follow, last_t = tc, tc
                grade = "F"
                decision = self._lost_sale(rows, lead_id, slot, model, tc)
                if decision is None:  # awaiting the supervisor's decision
                    next_due = None
                    break
                if decision == "rejected":  # the supervisor sends it back: keep following up
                    contacts_left = rng.randint(1, 2) + 1
                    grade = "C"
                    next_due = day + self._gap(grade)
                    continue
                status, closed_t = Lead.Status.LOST, decision
                break
            # An ordinary contact: the card's grade moves, the next follow-up is set.
            if grade == "N":
                grade = true_grade
            elif fate == "order":
                grade = _grade_for(order_day - day)
            else:
                r = rng.random()
                if r < 0.2 and grade != "C":
                    grade = LADDER[LADDER.index(grade) + 1]
                elif r > 0.96 and grade != "H":
                    grade = LADDER[LADDER.index(grade) - 1]
            outcome = (
                FollowUp.Outcome.REACHED if rng.random() < 0.7 or is_visit else FollowUp.Outcome.NO_ANSWER
            )
            book = (will_visit and not visited) or (visited and rng.random() < repeat_p * (fate != "dormant"))
            if book and not (fate == "order" and order_day - day <= 1):
                visit_day = day + rng.randint(1, 3)
                first = not visited
                drive = (rng.random() < self.drive_p) if first else False
                booked = (visit_day, drive, first)
                outcome = FollowUp.Outcome.TEST_DRIVE_BOOKED if drive else FollowUp.Outcome.VISIT_BOOKED
                next_due = visit_day
            else:
                next_due = day + self._gap(grade)
            note = names.FOLLOW_UP_NOTES[int(rng.random() * len(names.FOLLOW_UP_NOTES))]
            rows.append(
                (
                    t.follow,
                    (
                        t.follow.new_id(),
                        self.sid,
                        lead_id,
                        staff,
                        g.at(tc),
                        channel,
                        outcome,
                        grade,
                        due_on,
                        g.day(next_due),
                        note,
                    ),
                )
            )
            last_follow, last_t = tc, tc
        if order_result is not None:
            status, closed_t, grade = order_result
        # The card as it stands at the end.
        if closed_t is not None and closed_t < g.window_t and t0 < g.window_t:
            return  # closed before the period: not part of the data
        if pending_drive is not None:
            self._scheduled_drive(rows, lead_id, slot, model, pending_drive[0])
        end_day = min(g.until_ord, (closed_t // DAY) if closed_t else g.until_ord)
        owner = self.owner(slot, end_day)
        district = self.order_district or self._district()
        self.order_district = None
        name = "".join(_person(rng))
        still_open = status in (Lead.Status.OPEN, Lead.Status.DORMANT) and next_due is not None
        next_on = g.day(next_due) if still_open else None
        t.customer.add((customer_id, self.sid, owner, name, self.customer_phones.next(), district, g.at(t0)))
        t.lead.add(
            (
                lead_id,
                self.sid,
                customer_id,
                owner,
                source,
                model.id,
                grade,
                status,
                g.at(t0),
                None if last_follow is None else g.at(last_follow),
                next_on,
                None if closed_t is None else g.at(closed_t),
            )
        )
        vehicles = t.vehicle
        for table, row in rows:
            table.rows.append(row)
            if table is vehicles and row[7] in (Vehicle.Status.IN_STOCK, Vehicle.Status.ALLOCATED):
                self.vehicles_on_hand += 1

    def _gap(self, grade: str) -> int:
        return max(1, round(INTERVAL[grade] * self.rng.uniform(*GAP_SHARE[grade])))

    def _district(self) -> str:
        rng = self.rng
        r = rng.random()
        if r < 0.9:
            return self.territory[int(rng.random() * len(self.territory))]
        if r < 0.97:
            return self.others[int(rng.random() * len(self.others))]
        return self.city.counties[int(rng.random() * len(self.city.counties))]

    # visits and test drives ------------------------------------------------------------------------------

    def _visit(
        self,
        rows: list,
        lead_id: int,
        slot: Slot,
        arrival: int,
        *,
        first: bool,
        invited: bool,
        model: ModelInfo,
        drive: bool | None,
    ) -> None:
        g, rng, t = self.g, self.rng, self.t
        consultant = self.owner(slot, arrival // DAY)
        if drive is None:
            drive = first and rng.random() < self.drive_p
        taken = False
        stay = rng.randint(25, 80)
        if drive:
            start = arrival + rng.randint(10, 30)
            booked = self._book_drive(model, start, 30)
            if booked:
                vehicle, start = booked
                licence = rng.random() > 0.03
                if licence:
                    started = start + rng.randint(0, 5)
                    ended = started + rng.randint(15, 25)
                    feedback = names.TEST_DRIVE_FEEDBACK[int(rng.random() * len(names.TEST_DRIVE_FEEDBACK))]
                    rows.append(
                        (
                            t.drive,
                            (
                                t.drive.new_id(),
                                self.sid,
                                lead_id,
                                consultant,
                                vehicle,
                                g.at(start),
                                g.at(start + 30),
                                True,
                                True,
                                g.at(started),
                                g.at(ended),
                                TestDrive.Status.DONE,
                                feedback,
                            ),
                        )
                    )
                    taken = True
                    stay = max(stay, start - arrival + 30 + rng.randint(10, 40))
                else:  # no licence on them: the drive cannot start
                    rows.append(
                        (
                            t.drive,
                            (
                                t.drive.new_id(),
                                self.sid,
                                lead_id,
                                consultant,
                                vehicle,
                                g.at(start),
                                g.at(start + 30),
                                False,
                                False,
                                None,
                                None,
                                TestDrive.Status.CANCELLED,
                                "未带驾驶证",
                            ),
                        )
                    )
        rows.append(
            (
                t.visit,
                (
                    t.visit.new_id(),
                    self.sid,
                    lead_id,
                    consultant,
                    g.at(arrival),
                    g.at(arrival + stay),
                    first,
                    self.party.pick(rng),
                    True,
                    invited,
                    taken,
                ),
            )
        )

    def _book_drive(self, model: ModelInfo, start: int, length: int) -> tuple[int, int] | None:
        """A free slot on a demo vehicle of the model (or any demo vehicle): no two drives overlap."""
        day = start // DAY
        candidates = self.demo.get(model.id, []) + [
            v for v in self.all_demo if v not in self.demo.get(model.id, [])
        ]
        for vehicle in candidates:
            taken = self.drive_slots.setdefault((vehicle, day), [])
            s = start
            for _ in range(12):
                clash = next(((a, b) for a, b in taken if a < s + length and s < b), None)
                if clash is None:
                    break
                s = clash[1] + 5
            else:
                continue
            if s + length > day * DAY + CLOSE + 30:
                continue
            taken.append((s, s + length))
            return vehicle, s
        return None

    def _scheduled_drive(self, rows: list, lead_id: int, slot: Slot, model: ModelInfo, start: int) -> None:
        g, t = self.g, self.t
        booked = self._book_drive(model, start, 30)
        if booked:
            vehicle, s = booked
            rows.append(
                (
                    t.drive,
                    (
                        t.drive.new_id(),
                        self.sid,
                        lead_id,
                        self.owner(slot, g.until_ord),
                        vehicle,
                        g.at(s),
                        g.at(s + 30),
                        False,
                        False,
                        None,
                        None,
                        TestDrive.Status.SCHEDULED,
                        "",
                    ),
                )
            )

    # lost sales ------------------------------------------------------------------------------------------

    def _lost_sale(self, rows: list, lead_id: int, slot: Slot, model: ModelInfo, tc: int) -> int | str | None:
        """Request to close the card as lost; returns the decision time, "rejected", or None (awaiting)."""
        g, rng, t = self.g, self.rng, self.t
        reason = self.reasons.pick(rng)
        competitor = None
        if reason == "competitor":
            competitor = model.competitors[int(rng.random() * len(model.competitors))][0]
        notes = names.LOST_NOTES[reason]
        note = notes[int(rng.random() * len(notes))]
        day = tc // DAY
        decided = tc + rng.randint(30, 600) + (DAY if rng.random() < 0.4 else 0)
        requester = self.owner(slot, day)
        supervisor = self.supervisor(slot.team, decided // DAY)
        lost_id = t.lost.new_id()
        if decided > g.cutoff:
            rows.append(
                (
                    t.lost,
                    (
                        lost_id,
                        self.sid,
                        lead_id,
                        reason,
                        competitor,
                        note,
                        requester,
                        g.at(tc),
                        "requested",
                        None,
                        None,
                    ),
                )
            )
            return None
        status = "rejected" if rng.random() < 0.04 else "approved"
        rows.append(
            (
                t.lost,
                (
                    lost_id,
                    self.sid,
                    lead_id,
                    reason,
                    competitor,
                    note,
                    requester,
                    g.at(tc),
                    status,
                    supervisor,
                    g.at(decided),
                ),
            )
        )
        return "rejected" if status == "rejected" else decided

    # orders and everything after -------------------------------------------------------------------------

    def _order(
        self, rows: list, lead_id: int, customer_id: int, slot: Slot, model: ModelInfo, tc: int
    ) -> tuple[str, int | None, str]:
        g, rng, t = self.g, self.rng, self.t
        cutoff, until = g.cutoff, g.until_ord
        od = tc // DAY
        trim: TrimInfo = model.trim_pick.pick(rng)
        colour = self.colours.pick(rng)
        guide, floor, cost = trim.price_on(od)
        price = round100(guide * (1 - rng.uniform(*DISCOUNT[trim.margin])))
        below = rng.random() < 0.07
        if below:
            price = round100(floor * (1 - rng.uniform(0.005, 0.03)))
        elif price < floor:
            price = floor
        gifts = 0 if rng.random() < 0.3 else rng.choice((500, 800, 1000, 1500, 2000, 3000, 5000))
        consultant = self.owner(slot, od)
        order_id = t.order.new_id()
        sold_via, cross = None, False
        if self.dealers and rng.random() < 0.03:
            sold_via, territory = self.dealers[int(rng.random() * len(self.dealers))]
            cross = rng.random() < 0.3
            # The buyer lives in the dealer's county, or for a cross-region sale (窜货) somewhere else.
            self.order_district = (
                self.elsewhere[int(rng.random() * len(self.elsewhere))] if cross else territory[0]
            )
        # Credit: mostly the card's consultant; sometimes shared with a colleague of the day.
        colleagues = [c for c in self.consultants_on(od) if c != consultant]
        if colleagues and rng.random() < 0.05:
            partner = colleagues[int(rng.random() * len(colleagues))]
            rows.append((t.credit, (t.credit.new_id(), self.sid, order_id, consultant, Decimal("50.00"))))
            rows.append((t.credit, (t.credit.new_id(), self.sid, order_id, partner, Decimal("50.00"))))
        else:
            rows.append((t.credit, (t.credit.new_id(), self.sid, order_id, consultant, Decimal("100.00"))))
        # Approvals above the consultant's authority.
        cancel_t: int | None = None
        cancel_reason = ""
        awaiting = False
        if below:
            manager = self.managers[Role.SALES_MANAGER if rng.random() < 0.7 else Role.DEPUTY_MANAGER].id
            decided = tc + rng.randint(10, 120)
            kinds = [(OrderApproval.Kind.BELOW_FLOOR, manager, "客户比价，申请底价以下成交")]
            if price < cost:
                kinds.append(
                    (
                        OrderApproval.Kind.BELOW_COST,
                        self.managers[Role.GENERAL_MANAGER].id,
                        "低于成本价，冲量需要",
                    )
                )
            rejected = rng.random() < 0.07
            for kind, decider, reason in kinds:
                if decided > cutoff:
                    rows.append(
                        (
                            t.approval,
                            (
                                t.approval.new_id(),
                                self.sid,
                                order_id,
                                kind,
                                consultant,
                                g.at(tc + 2),
                                reason,
                                "requested",
                                None,
                                None,
                            ),
                        )
                    )
                    awaiting = True
                else:
                    rows.append(
                        (
                            t.approval,
                            (
                                t.approval.new_id(),
                                self.sid,
                                order_id,
                                kind,
                                consultant,
                                g.at(tc + 2),
                                reason,
                                "rejected" if rejected else "approved",
                                decider,
                                g.at(decided),
                            ),
                        )
                    )
                decided += rng.randint(5, 60)
            if rejected and not awaiting:
                cancel_t, cancel_reason = decided, "价格审批未通过"
        # The vehicle: from stock (most), or ordered from the OEM for this customer.
        reused = None
        if rng.random() < 0.8:
            pool = self.released.get(trim.id)
            oldest = min(pool, key=lambda v: v[1]) if pool else None
            if oldest is not None and oldest[1] <= od:  # a car released by a cancellation is sold first
                pool.remove(oldest)
                reused, arrived, colour = oldest[0], oldest[1], oldest[2]
            else:
                lo, hi = self.sale_age.pick(rng)
                arrived = min(od, max(od - rng.randint(lo, hi), model.launch - 3))
            delivery_day = od + self.lag.pick(rng)
        else:
            arrived = od + rng.randint(10, 35)
            delivery_day = arrived + rng.randint(1, 3)
        if cancel_t is None and rng.random() < 0.04:
            cancel_t = tc + DAY * rng.randint(0, max(0, delivery_day - od - 1)) + rng.randint(60, 300)
            cancel_reason = names.CANCEL_REASONS[int(rng.random() * (len(names.CANCEL_REASONS) - 1))]
        if cancel_t is not None and cancel_t > cutoff:
            cancel_t = None
        scheduled = delivery_day * DAY + rng.choice((10, 11, 14, 15, 16)) * 60
        delivered_t = scheduled + rng.randint(0, 40)
        delivered = cancel_t is None and not awaiting and delivered_t <= cutoff
        # Derivative business sold with the car.
        finance = rng.random() < self.fin_p
        loan = round100(price * rng.uniform(0.3, 0.7)) if finance else 0
        kinds = []
        if rng.random() < self.ins_p:
            premium = round(price * rng.uniform(0.032, 0.045)) + 950
            kinds.append((DerivativeSale.Kind.INSURANCE, premium, round(premium * rng.uniform(0.10, 0.16))))
        if finance:
            kinds.append((DerivativeSale.Kind.FINANCE, loan, round(loan * rng.uniform(0.02, 0.045))))
        if rng.random() < self.acc_p:
            amount = rng.randint(20, 150) * 100
            kinds.append((DerivativeSale.Kind.ACCESSORIES, amount, round(amount * rng.uniform(0.35, 0.55))))
        if rng.random() < self.ew_p:
            amount = rng.randint(25, 60) * 100
            kinds.append(
                (DerivativeSale.Kind.EXTENDED_WARRANTY, amount, round(amount * rng.uniform(0.3, 0.5)))
            )
        if rng.random() < self.trade_p:
            kinds.append(
                (DerivativeSale.Kind.TRADE_IN, rng.randint(30, 150) * 1000, rng.randint(10, 50) * 100)
            )
        for kind, amount, income in kinds:
            rows.append(
                (
                    t.derivative,
                    (t.derivative.new_id(), self.sid, order_id, kind, money(amount), money(income)),
                )
            )
        # Unwinds after delivery are rare.
        unwind_t = None
        if delivered and rng.random() < 0.004:
            unwind_t = delivered_t + DAY * rng.randint(3, 30)
            if unwind_t > cutoff:
                unwind_t = None
        # Money: the deposit, then the balance and the loan; some after delivery with the GM's approval.
        deposit = min(rng.choice((5000, 10000, 10000, 20000)), price // 2)
        paid: list[tuple[str, int, int]] = [("deposit", deposit, tc + rng.randint(5, 30))]
        balance = price - deposit - loan
        late_ok = False
        if finance:
            if rng.random() < 0.15:
                paid.append(("loan", loan, delivered_t + DAY * rng.randint(2, 12) + rng.randint(0, 300)))
                late_ok = True
            else:
                paid.append(
                    ("loan", loan, max(tc + 60, scheduled - DAY * rng.randint(1, 3) + rng.randint(0, 300)))
                )
        if balance > 0:
            if not finance and rng.random() < 0.03:
                paid.append(("balance", balance, delivered_t + DAY * rng.randint(3, 20)))
                late_ok = True
            else:
                paid.append(("balance", balance, scheduled - rng.randint(20, 120)))
        if late_ok and (cancel_t is None) and not awaiting and scheduled - 90 <= cutoff:
            rows.append(
                (
                    t.approval,
                    (
                        t.approval.new_id(),
                        self.sid,
                        order_id,
                        OrderApproval.Kind.DELIVERY_WITH_BALANCE,
                        consultant,
                        g.at(scheduled - 90),
                        "贷款放款中，申请先交车",
                        "approved",
                        self.managers[Role.GENERAL_MANAGER].id,
                        g.at(scheduled - 60),
                    ),
                )
            )
        total_paid = 0
        paid_until = cutoff if unwind_t is None else min(cutoff, unwind_t)
        for kind, amount, when in paid:
            if cancel_t is not None and kind != "deposit":
                continue
            if when <= paid_until:
                rows.append(
                    (t.payment, (t.payment.new_id(), self.sid, order_id, kind, money(amount), g.at(when)))
                )
                total_paid += amount
        # The vehicle record.
        dealer = sold_via
        if cancel_t is not None:
            vstatus = Vehicle.Status.IN_STOCK if arrived <= until else Vehicle.Status.IN_TRANSIT
            dealer = None
        elif unwind_t is not None:
            vstatus, dealer = Vehicle.Status.IN_STOCK, None
        elif delivered:
            vstatus = Vehicle.Status.DELIVERED
        elif arrived <= until:
            vstatus = Vehicle.Status.ALLOCATED
        else:
            vstatus = Vehicle.Status.IN_TRANSIT
        arrived_on = arrived if arrived <= until else None
        if cancel_t is not None and arrived <= until:
            # Back on sale: written when another order takes it, or with the closing stock.
            vehicle_id = reused if reused is not None else t.vehicle.new_id()
            self.released.setdefault(trim.id, []).append((vehicle_id, arrived, colour, model, trim))
        else:
            vehicle_id = self._vehicle(
                model, trim, colour, arrived_on, vstatus, dealer, arrived, rows, reused
            )
        if sold_via is not None and dealer is not None and arrived <= until:
            moved = min(arrived + rng.randint(1, 5), max(arrived, delivery_day - 1), until)
            rows.append(
                (t.transfer, (t.transfer.new_id(), self.sid, vehicle_id, g.day(moved), None, sold_via))
            )
        # The order.
        if cancel_t is not None:
            ostatus = Order.Status.CANCELLED
        elif unwind_t is not None:
            ostatus = Order.Status.UNWOUND
        elif awaiting:
            ostatus = Order.Status.AWAITING_APPROVAL
        elif delivered:
            ostatus = Order.Status.DELIVERED
        else:
            ostatus = Order.Status.CONFIRMED
        rows.append(
            (
                t.order,
                (
                    order_id,
                    self.sid,
                    lead_id,
                    customer_id,
                    consultant,
                    trim.id,
                    colour,
                    None if cancel_t is not None else vehicle_id,
                    g.at(tc),
                    money(guide),
                    money(floor),
                    money(price),
                    money(gifts),
                    sold_via,
                    cross,
                    ostatus,
                ),
            )
        )
        if cancel_t is not None:
            rows.append(
                (
                    t.reversal,
                    (
                        t.reversal.new_id(),
                        self.sid,
                        order_id,
                        Reversal.Kind.CANCELLATION,
                        g.at(cancel_t),
                        cancel_reason,
                        self.managers[Role.SALES_MANAGER].id,
                    ),
                )
            )
            if total_paid and rng.random() < 0.8 and cancel_t + 120 <= cutoff:
                rows.append(
                    (
                        t.payment,
                        (
                            t.payment.new_id(),
                            self.sid,
                            order_id,
                            Payment.Kind.REFUND,
                            money(-total_paid),
                            g.at(cancel_t + 120),
                        ),
                    )
                )
            return Lead.Status.LOST, cancel_t, "T"
        # The delivery, done or scheduled in the coming days.
        if delivered or (arrived <= until and not awaiting and delivery_day <= until + 10):
            delivery_id = t.delivery.new_id()
            soon = delivery_day - until <= 2
            rows.append(
                (
                    t.delivery,
                    (
                        delivery_id,
                        self.sid,
                        order_id,
                        vehicle_id,
                        g.at(scheduled),
                        g.at(delivered_t) if delivered else None,
                        delivered or soon,
                        delivered,
                        delivered,
                        delivered,
                        delivered,
                        delivered,
                    ),
                )
            )
            if delivered:
                self._ccards(rows, delivery_id, slot, delivered_t)
                if delivered_t >= g.window_t:
                    self.deliveries.append(
                        Delivered(delivery_id, order_id, customer_id, consultant, delivered_t, slot.team)
                    )
        if unwind_t is not None:
            rows.append(
                (
                    t.reversal,
                    (
                        t.reversal.new_id(),
                        self.sid,
                        order_id,
                        Reversal.Kind.UNWIND,
                        g.at(unwind_t),
                        names.UNWIND_REASONS[int(rng.random() * len(names.UNWIND_REASONS))],
                        self.managers[Role.SALES_MANAGER].id,
                    ),
                )
            )
            if unwind_t + DAY <= cutoff:
                rows.append(
                    (
                        t.payment,
                        (
                            t.payment.new_id(),
                            self.sid,
                            order_id,
                            Payment.Kind.REFUND,
                            money(-total_paid),
                            g.at(unwind_t + DAY),
                        ),
                    )
                )
            return Lead.Status.LOST, unwind_t, "T"
        if delivered:
            return Lead.Status.DELIVERED, delivered_t, "D"
        return Lead.Status.ORDERED, None, "O"

    def _ccards(self, rows: list, delivery_id: int, slot: Slot, delivered_t: int) -> None:
        """C-card calls on day 1, 3 and 7 after delivery: most on the day, a few late, a few never."""
        g, rng, t = self.g, self.rng, self.t
        dd = delivered_t // DAY
        for offset in (1, 3, 7):
            due = dd + offset
            r = rng.random()
            done = None
            if r < 0.88:
                done = due * DAY + OPEN + int(rng.random() * (CLOSE - OPEN))
            elif r < 0.95:
                done = (due + rng.randint(1, 2)) * DAY + OPEN + int(rng.random() * (CLOSE - OPEN))
            if done is not None and done > g.cutoff:
                done = None
            staff = self.owner(slot, min(due, g.until_ord))
            satisfaction = self.satisfaction.pick(rng) if done else None
            note = (
                "" if not done else ("车辆使用正常" if (satisfaction or 0) >= 4 else "客户反映问题，已记录")
            )
            rows.append(
                (
                    t.ccard,
                    (
                        t.ccard.new_id(),
                        self.sid,
                        delivery_id,
                        staff,
                        g.day(due),
                        g.at(done) if done else None,
                        satisfaction,
                        note,
                    ),
                )
            )

    # stock at the end ------------------------------------------------------------------------------------

    def _closing_stock(self) -> None:
        """Free stock of ~1.5 months of sales over the age bands; some at secondary dealers or on the way."""
        g, rng, t = self.g, self.rng, self.t
        until = g.until_ord
        recent = [d for d in self.deliveries if d.delivered_t >= (until - 91) * DAY]
        span = min(91, until - g.window_start.toordinal() + 1)
        monthly = len(recent) / span * 30.44 if span > 0 else 100
        target = round(monthly * rng.uniform(1.42, 1.58))
        for pool in self.released.values():
            for vid, arrived, colour, m, trim in pool:
                self._vehicle(m, trim, colour, arrived, Vehicle.Status.IN_STOCK, None, arrived, vid=vid)
                self.vehicles_on_hand += 1
        extra = max(0, target - self.vehicles_on_hand)
        ages = Weighted(STOCK_AGE_BANDS)
        weights = []
        for m in self.brand.models:
            for trim in m.trims:
                slow = 1.6 if m.spec.stage == "run_out" else 1.0
                weights.append(
                    (
                        (m, trim),
                        STAGE_WEIGHT[m.spec.stage]
                        * SEGMENT_WEIGHT[m.spec.segment]
                        * slow
                        * TRIM_POPULARITY[trim.margin]
                        * (1.3 if trim.margin == "high" else 1.0),
                    )
                )
        mix = Weighted(weights)
        for _ in range(extra):
            m, trim = mix.pick(rng)
            lo, hi = ages.pick(rng)
            arrived = until - rng.randint(lo, hi)
            if arrived < m.launch - 3:  # a new model's stock is as young as the model
                arrived = until - rng.randint(0, until - m.launch + 3)
            moves: list[tuple[int, int | None, int | None]] = []
            dealer = None
            if self.dealers and rng.random() < 0.14:
                to = self.dealers[int(rng.random() * len(self.dealers))][0]
                moved = min(until, arrived + rng.randint(1, 10))
                moves.append((moved, None, to))
                dealer = to
                back = moved + rng.randint(5, 20)
                if rng.random() < 0.15 and back <= until:  # some come back to the store
                    moves.append((back, to, None))
                    dealer = None
            vid = self._vehicle(
                m, trim, self.colours.pick(rng), arrived, Vehicle.Status.IN_STOCK, dealer, arrived
            )
            for moved, source, to in moves:
                t.transfer.add((t.transfer.new_id(), self.sid, vid, g.day(moved), source, to))
        for _ in range(round(target * 0.1)):  # ordered from the OEM, on the way
            m, trim = mix.pick(rng)
            self._vehicle(m, trim, self.colours.pick(rng), None, Vehicle.Status.IN_TRANSIT, None, until)

    # complaints ------------------------------------------------------------------------------------------

    def _complaints(self) -> None:
        g, rng = self.g, self.rng
        cutoff, until = g.cutoff, g.until_ord
        eligible = [d for d in self.deliveries if d.delivered_t + DAY <= cutoff]
        count = round(len(self.deliveries) * rng.uniform(0.012, 0.018))
        channels = Weighted(
            (("in_store", 35), ("oem_hotline", 35), ("social_media", 15), ("consumer_association", 15))
        )
        picks = rng.sample(eligible, min(count, len(eligible))) if eligible else []
        for d in sorted(picks, key=lambda d: d.delivered_t):
            channel = channels.pick(rng)
            major = rng.random() < (0.5 if channel in ("social_media", "consumer_association") else 0.1)
            received = d.delivered_t + DAY * rng.randint(1, 30) + rng.randint(0, 300)
            received = min(received, cutoff - 60)
            about = d.consultant if rng.random() < 0.45 else None
            handler = (
                self.managers[Role.SALES_MANAGER].id if major else self.supervisor(d.team, received // DAY)
            )
            self._complaint(
                channel,
                major,
                d.customer_id,
                about,
                handler,
                received,
                names.COMPLAINT_SUMMARIES[int(rng.random() * len(names.COMPLAINT_SUMMARIES))],
            )
        # From subordinates about their supervisor or manager: a few a year.
        months = until - g.window_start.toordinal()
        for _ in range(int(months / 180 + rng.random())):
            received = (
                (g.window_start.toordinal() + int(rng.random() * months)) * DAY + OPEN + rng.randint(0, 400)
            )
            if received > cutoff:
                continue
            team = rng.randrange(len(self.supervisors))
            about = (
                self.supervisor(team, received // DAY)
                if rng.random() < 0.7
                else self.managers[Role.SALES_MANAGER].id
            )
            handler = self.managers[Role.HR if rng.random() < 0.6 else Role.GENERAL_MANAGER].id
            self._complaint(
                "subordinate",
                rng.random() < 0.2,
                None,
                about,
                handler,
                received,
                names.SUBORDINATE_COMPLAINTS[int(rng.random() * len(names.SUBORDINATE_COMPLAINTS))],
            )

    def _complaint(
        self,
        channel: str,
        major: bool,
        customer: int | None,
        about: int | None,
        handler: int,
        received: int,
        summary: str,
    ) -> None:
        g, rng, t = self.g, self.rng, self.t
        due = received // DAY + (3 if major else 7)
        age = g.until_ord - received // DAY
        if age > 10 or rng.random() < 0.4:
            status = Complaint.Status.RESOLVED
        else:
            status = Complaint.Status.IN_PROGRESS if rng.random() < 0.6 else Complaint.Status.OPEN
        resolved = None
        resolution = ""
        if status == Complaint.Status.RESOLVED:
            resolved = min(
                g.cutoff - 1, received + DAY * rng.randint(0, due - received // DAY) + rng.randint(60, 300)
            )
            resolved = max(resolved, received + 30)
            resolution = names.COMPLAINT_RESOLUTIONS[int(rng.random() * len(names.COMPLAINT_RESOLUTIONS))]
            if resolved > g.cutoff:
                status, resolved, resolution = Complaint.Status.IN_PROGRESS, None, ""
        t.complaint.add(
            (
                t.complaint.new_id(),
                self.sid,
                customer,
                about,
                handler,
                channel,
                major,
                summary,
                g.at(received),
                g.day(due),
                status,
                resolution,
                g.at(resolved) if resolved else None,
            )
        )

    # the month's other records ---------------------------------------------------------------------------

    def _monthly(self) -> None:
        g, rng, t = self.g, self.rng, self.t
        until = g.until_ord
        manager = self.managers[Role.SALES_MANAGER].id
        deputy = self.managers[Role.DEPUTY_MANAGER].id
        share = rng.uniform(7.0, 16.0)
        competitor_models = {cid: price for m in self.brand.models for cid, price in m.competitors}
        months = []
        first = month_start(g.window_start)
        while first.toordinal() <= until:
            months.append(first)
            first = month_start(datetime.date(first.year, first.month, 28) + datetime.timedelta(days=5))
        surveys = 0
        for start in months:
            # The part of the calendar month inside the period: from s to e.
            ms = start.toordinal()
            last_of_month = month_start(start + datetime.timedelta(days=32)).toordinal() - 1
            s, e = max(ms, g.window_start.toordinal()), min(until, last_of_month)
            # Presentation audits: the showroom twice, each secondary dealer once.
            for day in (ms + 9, ms + 24):
                if s <= day <= e:
                    t.audit.add(
                        (
                            t.audit.new_id(),
                            self.sid,
                            None,
                            g.day(day),
                            Decimal(rng.randint(780, 980)) / 10,
                            manager if rng.random() < 0.6 else deputy,
                            names.PRESENTATION_NOTES[int(rng.random() * len(names.PRESENTATION_NOTES))],
                        )
                    )
            for did, _ in self.dealers:
                day = ms + rng.randint(3, 25)
                if s <= day <= e:
                    t.audit.add(
                        (
                            t.audit.new_id(),
                            self.sid,
                            did,
                            g.day(day),
                            Decimal(rng.randint(650, 950)) / 10,
                            deputy,
                            names.PRESENTATION_NOTES[int(rng.random() * len(names.PRESENTATION_NOTES))],
                        )
                    )
            # Promotions of the month, and a launch event for a model launched this month.
            promos = names.PROMOTIONS_BY_MONTH[start.month]
            for k in range(rng.randint(1, 2)):
                p_start = max(s, ms + (0 if k == 0 else 14))
                if p_start > e:
                    continue
                t.promotion.add(
                    (
                        t.promotion.new_id(),
                        self.sid,
                        promos[k],
                        g.day(p_start),
                        g.day(min(p_start + rng.randint(6, 13), last_of_month)),
                        Decimal(rng.randint(600, 980)) / 10,
                        manager,
                    )
                )
            for m in self.brand.models:
                if s <= m.launch <= e:
                    t.promotion.add(
                        (
                            t.promotion.new_id(),
                            self.sid,
                            names.PROMOTION_LAUNCH.format(model=m.spec.name),
                            g.day(m.launch),
                            g.day(m.launch + 2),
                            Decimal(rng.randint(800, 990)) / 10,
                            manager,
                        )
                    )
                    self._training_all(
                        names.TRAINING_COURSE_LAUNCH.format(model=m.spec.name),
                        m.launch - 7,
                        Decimal("3.0"),
                        manager,
                    )
            # Market share from the survey: months that have ended (else the month before the period).
            survey_month = start if last_of_month <= until else None
            if survey_month is None and start == months[-1] and not surveys:
                survey_month = month_start(start, 1)
            if survey_month is not None:
                surveys += 1
                share = max(2.0, min(30.0, share + rng.uniform(-0.8, 0.8)))
                t.survey.add(
                    (
                        t.survey.new_id(),
                        self.sid,
                        survey_month,
                        Decimal(round(share * 100)) / 100,
                        names.SURVEY_SOURCE,
                    )
                )
            # Competitor prices seen this month.
            for cid, price in competitor_models.items():
                day = s + int(rng.random() * (e - s + 1))
                reporters = self.consultants_on(day)
                t.competitor.add(
                    (
                        t.competitor.new_id(),
                        self.sid,
                        cid,
                        g.day(day),
                        money(round100(price * rng.uniform(0.86, 0.97))),
                        names.COMPETITOR_OFFERS[int(rng.random() * len(names.COMPETITOR_OFFERS))],
                        names.COMPETITOR_SOURCES[int(rng.random() * len(names.COMPETITOR_SOURCES))],
                        reporters[int(rng.random() * len(reporters))] if reporters else manager,
                    )
                )
            # Training: the monthly product session, external courses.
            if s <= ms + 9 <= e:
                self._training_all(names.TRAINING_COURSE_MONTHLY, ms + 9, Decimal("2.0"), manager)
            for _ in range(rng.randint(1, 3)):
                day = s + int(rng.random() * (e - s + 1))
                people = self.consultants_on(day)
                if people:
                    course = names.TRAINING_COURSES_EXTERNAL[
                        int(rng.random() * len(names.TRAINING_COURSES_EXTERNAL))
                    ]
                    t.training.add(
                        (
                            t.training.new_id(),
                            self.sid,
                            people[int(rng.random() * len(people))],
                            course,
                            g.day(day),
                            Decimal(rng.choice((4, 6, 8))),
                            rng.random() < 0.9,
                            None,
                        )
                    )
        # Onboarding of consultants hired in the period, by their team's supervisor.
        for slot in self.slots:
            for person, start, _ in slot.chain:
                if start and g.window_start.toordinal() <= start:
                    day = start + rng.randint(1, 5)
                    if day <= until and day <= person.leave:
                        t.training.add(
                            (
                                t.training.new_id(),
                                self.sid,
                                person.id,
                                names.TRAINING_COURSE_ONBOARDING,
                                g.day(day),
                                Decimal("8.0"),
                                rng.random() < 0.95,
                                self.supervisor(slot.team, day),
                            )
                        )

    def _training_all(self, course: str, day: int, hours: Decimal, trainer: int) -> None:
        g, t = self.g, self.t
        if not g.window_start.toordinal() <= day <= g.until_ord:
            return
        for staff in self.consultants_on(day):
            t.training.add((t.training.new_id(), self.sid, staff, course, g.day(day), hours, True, trainer))


def _grade_for(days_to_order: int) -> str:
    if days_to_order <= 7:
        return "H"
    if days_to_order <= 15:
        return "A"
    if days_to_order <= 30:
        return "B"
    return "C"


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
