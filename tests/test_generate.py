"""The demo-data generator: the bulk writer on both databases, determinism, the distributions it promises
(docs/data.md), the integrity of what it writes, and the `generate` command end to end."""

from __future__ import annotations

import datetime
import hashlib
from collections import defaultdict
from decimal import Decimal
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, F, Sum

from dealerkpi.catalog.models import MarginClass, Trim, TrimPrice, VehicleModel
from dealerkpi.core.bulk import BulkWriter
from dealerkpi.core.validators import validate_mainland_mobile, validate_vin
from dealerkpi.crm.models import Complaint, Customer, FollowUp, Lead, LostSale, ShowroomVisit
from dealerkpi.crm.models import TestDrive as Drive
from dealerkpi.demo_data.generate import AlreadyPopulated, Generator
from dealerkpi.demo_data.scales import SCALES, Scale
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
from dealerkpi.people.models import Departure
from dealerkpi.sales.models import (
    Delivery,
    DeliveryFollowUp,
    DerivativeSale,
    Order,
    OrderCredit,
    Payment,
    Reversal,
)
from dealerkpi.stock.models import Vehicle

SH = ZoneInfo("Asia/Shanghai")
UNTIL = datetime.date(2025, 6, 30)  # a month end: the period is three whole months, April to June
MONTHS = 3
STORES = 2
WINDOW_START = datetime.datetime(2025, 4, 1, tzinfo=SH)
WINDOW_END = datetime.datetime(2025, 7, 1, tzinfo=SH)
STORE_MONTHS = STORES * MONTHS


def tiny(stores: int, months: int) -> Scale:
    return SCALES["S"].override(stores=stores, months=months)


def digest() -> str:
    """Every generated row of every table, in id order."""
    h = hashlib.sha256()
    for model in Generator.models():
        for row in model._default_manager.order_by("pk").values_list():
            h.update(repr(row).encode())
    return h.hexdigest()


# --- the bulk writer -------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_bulk_writer_round_trip_and_sequences():
    """Types survive the COPY (PostgreSQL) or executemany (SQLite) path, and later ORM inserts still work."""
    writer = BulkWriter(flush_rows=3)
    groups = writer.table(DealerGroup, ("id", "code", "name"))
    staff = writer.table(
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
    users = writer.table(
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
    gid = groups.new_id()
    groups.add((gid, "BW", "批量写入集团"))
    joined = datetime.datetime(2025, 1, 2, 9, 30, 15, 120000, tzinfo=SH)
    for k in range(5):
        sid = staff.new_id()
        staff.add(
            (
                sid,
                gid,
                None,
                None,
                f"BW{k:03d}",
                f"张{k}",
                Role.HEAD_OFFICE,
                "13800138000",
                datetime.date(2020, 1, 1 + k),
                None if k else datetime.date(2024, 12, 31),
                Decimal("12345.67"),
            )
        )
        users.add(
            (users.new_id(), "!", None, False, f"bw{k:03d}", "三", "张", "", False, k % 2 == 0, joined, sid)
        )
        writer.maybe_flush()
    writer.close()
    assert writer.written[Staff] == 5 and writer.written[User] == 5
    first = Staff.objects.get(employee_no="BW000")
    assert first.base_salary == Decimal("12345.67")
    assert first.leave_date == datetime.date(2024, 12, 31)
    assert first.hire_date == datetime.date(2020, 1, 1)
    user = User.objects.get(username="bw000")
    assert user.date_joined == joined and user.last_login is None and user.is_active and user.staff == first
    assert not User.objects.get(username="bw001").is_active
    # Primary keys were assigned in Python; the ORM carries on after them.
    later = DealerGroup.objects.create(code="BW2", name="后来")
    assert later.pk > gid
    assert (
        Staff.objects.create(
            group=later,
            employee_no="BW999",
            name="李",
            role=Role.HEAD_OFFICE,
            hire_date=datetime.date(2025, 1, 1),
        ).pk
        > first.pk
    )


@pytest.mark.django_db
def test_bulk_writer_ids_continue_after_existing_rows():
    existing = DealerGroup.objects.create(code="E1", name="已有")
    writer = BulkWriter()
    table = writer.table(DealerGroup, ("id", "code", "name"))
    assert table.new_id() == existing.pk + 1
    with pytest.raises(ValueError):
        writer.table(DealerGroup, ("id", "code"))


@pytest.mark.django_db
def test_foreign_keys_are_still_checked():
    """A dangling reference written by the bulk path is caught: on PostgreSQL when the keys are added back
    after the load, on SQLite by its own deferred check."""
    writer = BulkWriter()
    regions = writer.table(Region, ("id", "group_id", "code", "name"))
    if connection.vendor == "postgresql":
        with (
            pytest.raises(IntegrityError),
            transaction.atomic(),
            writer.foreign_keys_checked_at_end([Region]),
        ):
            regions.add((regions.new_id(), 987654, "R1", "无主"))
        with transaction.atomic():
            with writer.foreign_keys_checked_at_end([Region]):
                pass
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT count(*) FROM pg_constraint WHERE conrelid = 'org_region'::regclass "
                    "AND contype = 'f'"
                )
                assert cursor.fetchone()[0] == 1
    else:
        with writer.foreign_keys_checked_at_end([Region]):
            regions.add((regions.new_id(), 987654, "R1", "无主"))
        with pytest.raises(IntegrityError):
            connection.check_constraints(table_names=["org_region"])
        Region.objects.filter(group_id=987654).delete()  # or the test case's own check fails at teardown


# --- determinism and the command -------------------------------------------------------------------------


def _generate_digest(seed: int) -> str:
    with transaction.atomic():
        Generator(seed=seed, scale=tiny(1, 2), until=datetime.date(2025, 3, 12)).run()
        value = digest()
        transaction.set_rollback(True)
    return value


@pytest.mark.django_db
def test_same_seed_same_rows_other_seed_other_rows():
    first = _generate_digest(7)
    assert not DealerGroup.objects.exists()
    assert _generate_digest(7) == first
    assert _generate_digest(8) != first


@pytest.mark.django_db
def test_command_end_to_end_and_refusal():
    out = StringIO()
    call_command("generate", scale="S", seed=3, stores=1, months=1, until="2025-03-15", stdout=out)
    text = out.getvalue()
    assert "Rows written" in text and "crm.Lead" in text and "total" in text
    assert Store.objects.count() == 1 and Lead.objects.count() > 900
    assert User.objects.filter(
        username=Staff.objects.filter(store__isnull=False).first().employee_no.lower()
    ).exists()
    assert User.objects.first().check_password("demo1234")
    with pytest.raises(CommandError, match="already holds a dealer group"):
        call_command("generate", scale="S", seed=3, stores=1, months=1, until="2025-03-15", stdout=StringIO())
    with pytest.raises(AlreadyPopulated):
        Generator(seed=3, scale=tiny(1, 1), until=datetime.date(2025, 3, 15)).run()


def test_scales():
    assert (SCALES["S"].stores, SCALES["S"].months) == (2, 14)
    assert (SCALES["M"].stores, SCALES["M"].months) == (50, 12)
    assert (SCALES["L"].stores, SCALES["L"].months, SCALES["L"].regions) == (1000, 1, 20)
    assert SCALES["L"].override(stores=3).regions == 3
    assert SCALES["M"].override(months=2) == Scale("M", 50, 5, 2)


# --- one generated world: 2 stores, 3 months -------------------------------------------------------------


@pytest.fixture(scope="class")
def world(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        result = Generator(seed=11, scale=tiny(STORES, MONTHS), until=UNTIL).run()
        yield result
        transaction.set_rollback(True)


def in_window(queryset, field):
    return queryset.filter(**{f"{field}__gte": WINDOW_START, f"{field}__lt": WINDOW_END})


def deliveries():
    return in_window(Delivery.objects.all(), "delivered_at")


def consultants_per_store() -> float:
    """Consultants employed at the end, per store: a store's traffic follows its sales force."""
    return Staff.objects.filter(role=Role.CONSULTANT, leave_date__isnull=True).count() / STORES


@pytest.mark.django_db
@pytest.mark.usefixtures("world")
class TestDistributions:
    def test_leads_per_store_month(self):
        per = in_window(Lead.objects.all(), "created_at").count() / STORE_MONTHS
        assert 1200 <= per <= 1750
        assert 75 <= per / consultants_per_store() <= 95

    def test_showroom_visits(self):
        visits = in_window(ShowroomVisit.objects.all(), "arrived_at")
        assert 110 <= visits.count() / STORE_MONTHS / consultants_per_store() <= 140
        first = visits.filter(is_first_visit=True, has_intent=True)
        assert 0.25 <= first.count() / visits.count() <= 0.45
        assert visits.filter(is_first_visit=False).exists() and visits.filter(has_intent=False).exists()
        assert visits.filter(was_invited=True).exists()
        sizes = set(visits.values_list("party_size", flat=True))
        assert sizes <= {1, 2, 3, 4} and {1, 2, 3, 4} <= sizes

    def test_test_drive_rate(self):
        first = in_window(ShowroomVisit.objects.filter(is_first_visit=True, has_intent=True), "arrived_at")
        rate = first.filter(test_drive_taken=True).count() / first.count()
        assert 0.30 <= rate <= 0.45
        done = in_window(Drive.objects.filter(status=Drive.Status.DONE), "starts_at").count()
        assert 0.30 <= done / first.count() <= 0.45

    def test_order_rate(self):
        leads = in_window(Lead.objects.all(), "created_at").count()
        orders = in_window(Order.objects.all(), "ordered_at").count()
        assert 0.10 <= orders / leads <= 0.15

    def test_deliveries_per_month(self):
        per = deliveries().count() / STORE_MONTHS
        assert 120 <= per <= 190
        assert 7.5 <= per / consultants_per_store() <= 10

    def test_stock_coefficient_and_age(self):
        on_hand = Vehicle.objects.filter(status__in=["in_stock", "allocated"], arrived_on__lte=UNTIL)
        coefficient = on_hand.count() / (deliveries().count() / MONTHS)
        assert 1.3 <= coefficient <= 1.7
        ages = [(UNTIL - day).days for day in on_hand.values_list("arrived_on", flat=True)]
        bands = [
            sum(lo <= a <= hi for a in ages) / len(ages)
            for lo, hi in ((0, 30), (31, 60), (61, 90), (91, 999))
        ]
        assert bands[0] > bands[1] > bands[2] and bands[3] >= 0.05
        assert on_hand.filter(secondary_dealer__isnull=False).exists()
        assert Vehicle.objects.filter(status=Vehicle.Status.IN_TRANSIT, arrived_on__isnull=True).exists()
        assert Vehicle.objects.filter(status=Vehicle.Status.DEMO).count() >= 4 * STORES

    def test_complaint_rate(self):
        complaints = Complaint.objects.exclude(channel=Complaint.Channel.SUBORDINATE).count()
        assert 0.01 <= complaints / deliveries().count() <= 0.02
        assert Complaint.objects.filter(about_staff__isnull=False).exists()

    def test_consultants_and_teams(self):
        for store in Store.objects.all():
            current = Staff.objects.filter(store=store, role=Role.CONSULTANT, leave_date__isnull=True)
            assert 14 <= current.count() <= 20
            teams = Team.objects.filter(store=store)
            assert 3 <= teams.count() <= 4
            sizes = []
            for team in teams:
                members = TeamMembership.objects.filter(team=team, valid_to__isnull=True)
                assert members.filter(is_leader=True).count() == 1
                sizes.append(members.filter(is_leader=False).count())
            assert all(3 <= s <= 6 for s in sizes) and 4 <= sum(sizes) / len(sizes) <= 6
            for role in (
                Role.SALES_MANAGER,
                Role.DEPUTY_MANAGER,
                Role.GENERAL_MANAGER,
                Role.HR,
                Role.FINANCE,
            ):
                assert Staff.objects.filter(store=store, role=role, leave_date__isnull=True).count() == 1
        assert Staff.objects.filter(role=Role.HEAD_OFFICE, region__isnull=True).count() == 1
        assert User.objects.count() == Staff.objects.count()

    def test_yearly_turnover(self):
        year_ago = UNTIL - datetime.timedelta(days=365)
        for store in Store.objects.all():
            consultants = Staff.objects.filter(store=store, role=Role.CONSULTANT)
            leavers = consultants.filter(leave_date__gt=year_ago, leave_date__lte=UNTIL).count()
            headcount = (
                sum(
                    consultants.filter(hire_date__lte=day).exclude(leave_date__lt=day).count()
                    for day in (year_ago, UNTIL - datetime.timedelta(days=182), UNTIL)
                )
                / 3
            )
            assert 0.18 <= leavers / headcount <= 0.32

    def test_every_leaver_has_a_departure_record_that_fits(self):
        leavers = Staff.objects.filter(leave_date__isnull=False)
        departures = Departure.objects.filter(staff__in=leavers)
        assert leavers.exists() and departures.count() == leavers.count()
        assert not departures.exclude(left_on=F("staff__leave_date")).exists()
        for departure in departures.select_related("recorded_by"):
            assert Departure.reason_conflict(departure.voluntary, departure.reason) is None
            assert departure.recorded_by.role == Role.HR and departure.store_id == departure.recorded_by.store_id
            assert bool(departure.competitor) == (departure.reason == Departure.Reason.COMPETITOR_OFFER)

    def test_penetrations(self):
        delivered = list(deliveries().values_list("order_id", flat=True))
        ranges = {
            "insurance": (0.80, 0.90),
            "finance": (0.35, 0.50),
            "accessories": (0.60, 0.75),
            "extended_warranty": (0.15, 0.25),
            "trade_in": (0.10, 0.20),
        }
        for kind, (low, high) in ranges.items():
            count = DerivativeSale.objects.filter(kind=kind, order_id__in=delivered).count()
            assert low <= count / len(delivered) <= high, kind

    def test_follow_ups_on_each_grades_interval(self):
        per_lead = (
            in_window(FollowUp.objects.all(), "at").count()
            / in_window(Lead.objects.all(), "created_at").count()
        )
        assert 4.0 <= per_lead <= 6.0
        follow = in_window(FollowUp.objects.exclude(due_on=None), "at")
        late = sum(at.astimezone(SH).date() > due for at, due in follow.values_list("at", "due_on"))
        assert 0.05 <= late / follow.count() <= 0.25
        intervals = {"H": 7, "A": 15, "B": 30, "C": 60}
        for at, grade, next_due in follow.filter(grade_after__in=intervals).values_list(
            "at", "grade_after", "next_due_on"
        )[:3000]:
            assert 0 < (next_due - at.astimezone(SH).date()).days <= intervals[grade]

    def test_grade_mix_and_lost_sales(self):
        grades = dict(Lead.objects.filter(status="open").values_list("grade").annotate(n=Count("id")))
        assert {"N", "H", "A", "B", "C"} <= set(grades)
        lost = LostSale.objects.all()
        assert lost.filter(status="approved").count() / lost.count() > 0.85
        assert {r for (r,) in lost.values_list("reason").distinct()} >= {"price", "competitor", "postponed"}
        competitor = lost.filter(reason="competitor")
        assert not competitor.filter(competitor_model=None).exists()
        assert not competitor.exclude(competitor_model__brand__is_competitor=True).exists()

    def test_the_last_day_looks_live(self):
        open_leads = Lead.objects.filter(status=Lead.Status.OPEN)
        assert open_leads.filter(next_follow_up_on=UNTIL).count() > 20
        assert open_leads.filter(next_follow_up_on__lt=UNTIL).count() > 20
        ahead = Delivery.objects.filter(
            delivered_at=None, scheduled_for__gt=datetime.datetime(2025, 6, 30, 12, tzinfo=SH)
        )
        assert ahead.count() >= 5
        assert Order.objects.filter(status=Order.Status.CONFIRMED).exists()
        assert Payment.objects.filter(order__status=Order.Status.DELIVERED).exists()
        assert DeliveryFollowUp.objects.filter(done_at=None).exists()

    def test_catalogue(self):
        assert set(MarginClass.objects.values_list("code", flat=True)) == {"high", "normal", "low"}
        for model in VehicleModel.objects.filter(brand__is_competitor=False):
            assert 2 <= model.trims.count() <= 4
            assert model.stages.filter(valid_to=None).count() == 1
        assert VehicleModel.objects.filter(stages__stage="introduction", stages__valid_to=None).exists()
        for price in TrimPrice.objects.all():
            assert 90_000 <= price.guide_price <= 400_000 and price.floor_price <= price.guide_price
        assert TrimPrice.objects.filter(floor_price__lt=F("cost")).exists()  # the price fighters
        assert Trim.objects.values("margin_class").distinct().count() == 3


# --- integrity -------------------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.usefixtures("world")
class TestIntegrity:
    def test_vins_and_phones(self):
        vins = list(Vehicle.objects.values_list("vin", flat=True))
        assert len(vins) == len(set(vins)) > 500
        for vin in vins:
            validate_vin(vin)
        for phone in Customer.objects.values_list("phone", flat=True):
            validate_mainland_mobile(phone)
        for phone in Staff.objects.values_list("phone", flat=True):
            validate_mainland_mobile(phone)

    def test_orders_deliveries_and_money(self):
        assert not Delivery.objects.filter(delivered_at__lt=F("order__ordered_at")).exists()
        assert not Delivery.objects.exclude(vehicle=F("order__vehicle")).exists()
        assert not Reversal.objects.filter(at__lt=F("order__ordered_at")).exists()
        shares = OrderCredit.objects.values("order").annotate(total=Sum("share"))
        assert {row["total"] for row in shares} == {Decimal("100")}
        assert OrderCredit.objects.filter(share=Decimal("50")).exists()
        assert shares.count() == Order.objects.count()
        assert not Payment.objects.filter(kind="refund", amount__gte=0).exists()
        assert not Payment.objects.exclude(kind="refund").filter(amount__lte=0).exists()
        assert not Payment.objects.filter(paid_at__lt=F("order__ordered_at")).exists()
        below = Order.objects.filter(price__lt=F("floor_price")).exclude(status=Order.Status.CANCELLED)
        assert below.exists()
        for order in below.prefetch_related("approvals"):
            assert any(a.kind == "below_floor" for a in order.approvals.all())
        delivered = Order.objects.filter(status=Order.Status.DELIVERED)
        assert not delivered.exclude(lead__status=Lead.Status.DELIVERED).exists()
        assert not delivered.filter(delivery__delivered_at=None).exists()
        assert (
            not Vehicle.objects.filter(status="delivered")
            .exclude(order__status=Order.Status.DELIVERED)
            .exists()
        )
        assert Reversal.objects.filter(kind="cancellation").exists()

    def test_secondary_dealers_and_cross_region_sales(self):
        via = Order.objects.filter(sold_via__isnull=False).select_related("sold_via", "customer")
        assert via.exists()
        for order in via:
            inside = order.customer.district in order.sold_via.territory_districts()
            assert inside != order.is_cross_region
        assert not Order.objects.filter(sold_via=None, is_cross_region=True).exists()

    def test_test_drive_slots_never_overlap(self):
        slots = defaultdict(list)
        for vehicle, start, end in Drive.objects.values_list("vehicle", "starts_at", "ends_at"):
            slots[vehicle].append((start, end))
        for booked in slots.values():
            booked.sort()
            for (_, end), (start, _) in zip(booked, booked[1:], strict=False):
                assert start >= end
        assert not Drive.objects.exclude(started_at=None).filter(licence_checked=False).exists()
        assert set(Drive.objects.values_list("vehicle__status", flat=True)) == {"demo"}

    def test_leads_agree_with_their_follow_ups(self):
        last = {}
        for lead, at, next_due, grade in FollowUp.objects.order_by("lead", "at", "pk").values_list(
            "lead", "at", "next_due_on", "grade_after"
        ):
            last[lead] = (at, next_due, grade)
        checked = 0
        for lead in Lead.objects.values(
            "id", "last_follow_up_at", "next_follow_up_on", "status", "created_at"
        ):
            if lead["id"] not in last:
                assert lead["last_follow_up_at"] is None
                continue
            at, next_due, grade = last[lead["id"]]
            assert lead["last_follow_up_at"] == at and at >= lead["created_at"]
            if lead["status"] == Lead.Status.OPEN and grade != "F":
                assert lead["next_follow_up_on"] == next_due
                checked += 1
        assert checked > 1000

    def test_effective_dated_histories(self):
        for staff in Staff.objects.filter(store__isnull=False).prefetch_related(
            "role_history", "memberships"
        ):
            roles = sorted(staff.role_history.all(), key=lambda r: r.valid_from)
            assert roles[0].valid_from == staff.hire_date and roles[-1].valid_to == staff.leave_date
            assert roles[-1].role == staff.role
            for before, after in zip(roles, roles[1:], strict=False):
                assert before.valid_to == after.valid_from - datetime.timedelta(days=1)
            memberships = sorted(staff.memberships.all(), key=lambda m: m.valid_from)
            if staff.role in (Role.CONSULTANT, Role.SUPERVISOR):
                assert memberships and memberships[0].valid_from == staff.hire_date
        assert RoleAssignment.objects.values("staff").annotate(n=Count("id")).filter(n__gt=1).count() in (
            0,
            1,
            2,
        )

    def test_times_are_in_shop_hours(self):
        for model, name in (
            (Lead, "created_at"),
            (FollowUp, "at"),
            (ShowroomVisit, "arrived_at"),
            (Order, "ordered_at"),
            (Delivery, "delivered_at"),
            (Drive, "starts_at"),
        ):
            for value in model.objects.exclude(**{name: None}).values_list(name, flat=True)[:2000]:
                assert 8 <= value.astimezone(SH).hour <= 20, (model, value)

    def test_full_clean_on_a_sample_of_every_model(self):
        for model in Generator.models():
            rows = model._default_manager.order_by("pk")
            total = rows.count()
            assert total, model
            step = max(1, total // 25)
            pks = list(rows.values_list("pk", flat=True)[::step][:25])
            for instance in model._default_manager.filter(pk__in=pks):
                instance.full_clean()


def test_vendor_is_known():
    assert connection.vendor in ("sqlite", "postgresql")
