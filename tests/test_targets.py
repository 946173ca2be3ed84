"""Targets: validation, one row per level, the seasonal split to the fen, the engine's view, the split form,
the Excel import, and who may see and change what."""

from __future__ import annotations

import csv
import datetime
import io
from decimal import Decimal
from html.parser import HTMLParser

import pytest
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation
from openpyxl import Workbook, load_workbook

from dealerkpi.core.audit import acting_as
from dealerkpi.core.models import AuditEntry
from dealerkpi.org.models import Role, Staff, TeamMembership, User
from dealerkpi.pay import runs
from dealerkpi.pay.models import Statement
from dealerkpi.plans.engine import Period
from dealerkpi.plans.engine import Target as EngineTarget
from dealerkpi.plans.engine.catalogue import METRICS
from dealerkpi.plans.metric_labels import GROUP_OF, LABELS, UNITS
from dealerkpi.plans.models import Plan, publish_version
from dealerkpi.targets.models import AnnualTarget, SeasonalDistribution, Target
from dealerkpi.targets.services import (
    generate_monthly,
    import_split,
    import_template,
    save_split,
    seasonal_split,
    split_remaining,
    split_status,
    split_statuses,
    store_team,
    targets_for,
)
from tests.world import HIRED, PASSWORD, World, build_world

pytestmark = pytest.mark.django_db

OCTOBER = datetime.date(2026, 10, 1)
PROFILE = [Decimal(p) for p in ("7.3", "8.1", "9.2", "7.7", "8.0", "8.4", "7.9", "8.6", "8.8", "9.1", "8.3", "8.6")]
EVEN = [Decimal("8.33")] * 11 + [Decimal("8.37")]


@pytest.fixture
def world() -> World:
    return build_world()


def store_target(world: World, metric: str, value: str, store: str = "S1", month: datetime.date = OCTOBER) -> Target:
    return Target.objects.create(store=world.stores[store], month=month, metric=metric, value=Decimal(value))


def person_target(world: World, key: str, metric: str, value: str, month: datetime.date = OCTOBER) -> Target:
    staff = world.staff[key]
    return Target.objects.create(store=staff.store, staff=staff, month=month, metric=metric, value=Decimal(value))


def audit_of(record: object, action: str) -> AuditEntry:
    return AuditEntry.objects.get(content_type=ContentType.objects.get_for_model(record), object_id=str(record.pk),
                                  action=action)


def messages_of(error: ValidationError) -> list[str]:
    return [m for ms in error.message_dict.values() for m in ms] if hasattr(error, "error_dict") else error.messages


def url(name: str, world: World, store: str = "S1", **params: str) -> str:
    query = "&".join(f"{k}={v}" for k, v in {"store": world.stores[store].pk, "month": "2026-10", **params}.items())
    return f"{reverse(name)}?{query}"


def login(client, username: str) -> None:  # noqa: ANN001
    assert client.login(username=username, password=PASSWORD)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"  # English chosen with the language menu


# --- models ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("changes", "field", "expected"), [
    ({"month": datetime.date(2026, 10, 15)}, "month", "first day, e.g. 2026-10-01"),
    ({"metric": "units_sold"}, "metric", "Unknown metric “units_sold”"),
    ({"metric": "units_by_margin_class"}, "metric", "units_by_margin_class needs a parameter"),
    ({"metric": "units_by_margin_class:premium"}, "metric", "takes one of high, normal, low"),
    ({"metric": "units_by_model:NOPE"}, "metric", "No vehicle model has the code “NOPE”"),
    ({"metric": "units_delivered:high"}, "metric", "takes no parameter"),
    ({"value": Decimal("-1")}, "value", "A target cannot be negative."),
])
def test_a_wrong_target_is_refused_with_a_clear_message(world: World, changes: dict, field: str,
                                                        expected: str) -> None:
    target = Target(store=world.stores["S1"], month=OCTOBER, metric="units_delivered", value=Decimal("10"))
    for name, value in changes.items():
        setattr(target, name, value)
    with translation.override("en"):
        with pytest.raises(ValidationError) as caught:
            target.full_clean()
        assert any(expected in message for message in caught.value.message_dict[field]), caught.value.message_dict


def test_sub_targets_by_model_and_margin_class_are_accepted(world: World) -> None:
    for metric in ("units_by_model:YH-S7", "units_by_margin_class:high", "sales_amount", "insurance_penetration"):
        Target(store=world.stores["S1"], month=OCTOBER, metric=metric, value=Decimal("3")).full_clean()


def test_a_person_and_a_team_must_belong_to_the_store(world: World) -> None:
    with translation.override("en"):
        wrong_store = Target(store=world.stores["S2"], staff=world.staff["c1"], month=OCTOBER,
                             metric="units_delivered", value=Decimal("3"))
        with pytest.raises(ValidationError) as caught:
            wrong_store.full_clean()
        assert "c1 does not work in this store." in caught.value.message_dict["staff"]
        both = Target(store=world.stores["S1"], team=world.teams["T1"], staff=world.staff["c1"], month=OCTOBER,
                      metric="units_delivered", value=Decimal("3"))
        with pytest.raises(ValidationError) as caught:
            both.full_clean()
        assert any("leave the team empty" in m for m in caught.value.message_dict["team"])


@pytest.mark.parametrize("level", ["store", "team", "person"])
def test_one_target_per_level_metric_and_month(world: World, level: str) -> None:
    who = {"store": {}, "team": {"team": world.teams["T1"]}, "person": {"staff": world.staff["c1"]}}[level]
    fields = {"store": world.stores["S1"], "month": OCTOBER, "metric": "units_delivered", **who}
    Target.objects.create(value=Decimal("10"), **fields)
    again = Target(value=Decimal("12"), **fields)
    with translation.override("en"), pytest.raises(ValidationError) as caught:
        again.full_clean()
    assert any("already has a target for this metric and month" in m for m in messages_of(caught.value))
    with transaction.atomic(), pytest.raises(IntegrityError):
        again.save()  # the database refuses it too (NULLs are distinct on PostgreSQL: conditional constraints)


def test_the_three_levels_live_side_by_side(world: World) -> None:
    store_target(world, "units_delivered", "30")
    Target.objects.create(store=world.stores["S1"], team=world.teams["T1"], month=OCTOBER,
                          metric="units_delivered", value=Decimal("20"))
    person_target(world, "c1", "units_delivered", "10")
    person_target(world, "c2", "units_delivered", "10")
    store_target(world, "units_delivered", "31", month=datetime.date(2026, 11, 1))
    assert Target.objects.count() == 5


@pytest.mark.parametrize(("percents", "message"), [
    ([Decimal("8.33")] * 12, "sum to 99.96; they must sum to exactly 100 (0.04 missing)"),
    ([Decimal("10")] * 12, "sum to 120; they must sum to exactly 100 (20 too many)"),
])
def test_a_seasonal_distribution_must_sum_to_exactly_100(world: World, percents: list[Decimal],
                                                         message: str) -> None:
    distribution = SeasonalDistribution(store=world.stores["S1"], year=2026,
                                        **dict(zip(SeasonalDistribution.MONTH_FIELDS, percents, strict=True)))
    with translation.override("en"), pytest.raises(ValidationError) as caught:
        distribution.full_clean()
    assert any(message in m for m in caught.value.messages), caught.value.messages
    SeasonalDistribution.even(world.stores["S1"], 2026).full_clean()


def test_an_annual_target_in_cars_is_whole(world: World) -> None:
    annual = AnnualTarget(store=world.stores["S1"], year=2026, metric="units_delivered", value=Decimal("1000.5"))
    with translation.override("en"), pytest.raises(ValidationError) as caught:
        annual.full_clean()
    assert "whole numbers" in caught.value.message_dict["value"][0]


# --- the seasonal split ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(("value", "percents", "unit"), [
    pytest.param(Decimal("1000"), PROFILE, "units", id="1000 cars, uneven profile"),
    pytest.param(Decimal("12345678.91"), PROFILE, "yuan", id="12,345,678.91 yuan, uneven profile"),
    pytest.param(Decimal("7"), EVEN, "units", id="fewer cars than months"),
    pytest.param(Decimal("1"), EVEN, "units", id="one car"),
    pytest.param(Decimal("0.05"), EVEN, "yuan", id="five fen over twelve months"),
    pytest.param(Decimal("0.10"), EVEN, "yuan", id="ten fen: half-up would overshoot"),
    pytest.param(Decimal("100000.01"), [Decimal("0")] * 11 + [Decimal("100")], "yuan", id="all in December"),
    pytest.param(Decimal("99999.99"), [Decimal("33.33"), Decimal("33.33"), Decimal("33.34")] + [Decimal("0")] * 9,
                 "yuan", id="first quarter only, thirds"),
    pytest.param(Decimal("1234"), [Decimal("0.01")] * 11 + [Decimal("99.89")], "count", id="tiny shares"),
])
def test_the_months_sum_exactly_to_the_annual_figure(value: Decimal, percents: list[Decimal], unit: str) -> None:
    months = seasonal_split(value, percents, unit)
    assert len(months) == 12
    assert sum(months) == value
    assert all(m >= 0 for m in months)
    for month, share in zip(months, percents, strict=True):
        quota = value * share / 100
        if unit in ("units", "count"):
            assert month == month.to_integral_value() and abs(month - quota) < 1
        else:
            assert month == month.quantize(Decimal("0.01")) and abs(month - quota) < Decimal("0.06")
        if share == 0:
            assert month == 0


def test_largest_remainder_gives_leftover_cars_to_the_largest_fractions_earlier_month_first() -> None:
    # Quotas 0.833 a month and 0.837 in December: December's fraction is largest, then January onwards.
    assert seasonal_split(Decimal("10"), EVEN, "units") == [1] * 9 + [0, 0, 1]


def test_yuan_round_half_up_and_the_difference_goes_to_the_last_month() -> None:
    months = seasonal_split(Decimal("100"), [Decimal("33.33"), Decimal("33.33"), Decimal("33.34")] + [0] * 9, "yuan")
    assert months[:3] == [Decimal("33.33"), Decimal("33.33"), Decimal("33.34")]
    months = seasonal_split(Decimal("1000.00"), EVEN, "yuan")  # 83.30 a month, December 83.70
    assert months == [Decimal("83.30")] * 11 + [Decimal("83.70")]
    months = seasonal_split(Decimal("100.01"), EVEN, "yuan")  # 8.330833 -> 8.33, December 8.370837 -> 8.37 + 0.01
    assert months == [Decimal("8.33")] * 11 + [Decimal("8.38")]


def test_a_few_fen_spread_thin_never_make_a_month_negative() -> None:
    # Half-up gives 0.01 in each month (0.00833), 12 fen for 10: the last month would be -0.01.
    months = seasonal_split(Decimal("0.10"), EVEN, "yuan")
    assert sum(months) == Decimal("0.10") and min(months) == 0
    assert months == [Decimal("0.01")] * 9 + [Decimal("0.00"), Decimal("0.00"), Decimal("0.01")]


def test_generating_writes_the_months_of_every_annual_target_and_is_audited(world: World) -> None:
    store = world.stores["S1"]
    SeasonalDistribution.objects.create(store=store, year=2026,
                                        **dict(zip(SeasonalDistribution.MONTH_FIELDS, PROFILE, strict=True)))
    AnnualTarget.objects.create(store=store, year=2026, metric="units_delivered", value=Decimal("1000"))
    AnnualTarget.objects.create(store=store, year=2026, metric="sales_amount", value=Decimal("12345678.91"))
    AnnualTarget.objects.create(store=store, year=2026, metric="insurance_penetration", value=Decimal("85"))
    assert generate_monthly(store, 2026, user=world.users["m1"]) == 36
    rows = Target.objects.filter(store=store, month__year=2026, team__isnull=True, staff__isnull=True)
    totals = {metric: sum(r.value for r in rows if r.metric == metric) for metric in ("units_delivered",
                                                                                    "sales_amount")}
    assert totals == {"units_delivered": Decimal("1000"), "sales_amount": Decimal("12345678.91")}
    assert {r.value for r in rows if r.metric == "insurance_penetration"} == {Decimal("85")}
    assert rows.get(metric="units_delivered", month=OCTOBER).value == 91  # 9.1% of 1,000
    entry = audit_of(rows.get(metric="units_delivered", month=OCTOBER), "create")
    assert entry.actor == world.users["m1"]
    assert generate_monthly(store, 2026) == 0


# --- what the engine gets -------------------------------------------------------------------------------------


def test_targets_for_gives_the_engine_person_and_team_targets(world: World) -> None:
    store_target(world, "units_delivered", "30")
    Target.objects.create(store=world.stores["S1"], team=world.teams["T1"], month=OCTOBER,
                          metric="units_delivered", value=Decimal("20"))
    person_target(world, "c1", "units_delivered", "12")
    person_target(world, "c1", "units_by_margin_class:high", "3")
    person_target(world, "c2", "units_delivered", "8")
    person_target(world, "c1", "units_delivered", "99", month=datetime.date(2026, 11, 1))
    store_target(world, "units_delivered", "40", store="S2")
    c1, c2, t1 = str(world.staff["c1"].pk), str(world.staff["c2"].pk), str(world.teams["T1"].pk)
    assert targets_for(world.stores["S1"].pk, OCTOBER) == (
        EngineTarget(metrics={"units_delivered": Decimal("30")}, team=store_team(world.stores["S1"].pk)),
        EngineTarget(metrics={"units_delivered": Decimal("20")}, team=t1),
        EngineTarget(metrics={"units_by_margin_class:high": Decimal("3"), "units_delivered": Decimal("12")},
                     person=c1),
        EngineTarget(metrics={"units_delivered": Decimal("8")}, person=c2),
    )
    assert targets_for(world.stores["S1"].pk, "2026-10") == targets_for(world.stores["S1"].pk, OCTOBER)


def test_targets_for_takes_one_query_however_many_consultants(world: World, django_assert_num_queries) -> None:
    person_target(world, "c1", "units_delivered", "12")
    with django_assert_num_queries(1):
        few = targets_for(world.stores["S1"].pk, OCTOBER)
    store = world.stores["S1"]
    for n in range(25):
        staff = Staff.objects.create(group=store.region.group, store=store, employee_no=f"X{n:04d}", name=f"x{n}",
                                     role=Role.CONSULTANT, hire_date=HIRED)
        for metric in ("units_delivered", "sales_amount", "front_gross_profit"):
            Target.objects.create(store=store, staff=staff, month=OCTOBER, metric=metric, value=Decimal(n))
    with django_assert_num_queries(1):
        many = targets_for(store.pk, OCTOBER)
    assert (len(few), len(many)) == (1, 26)


SALES_MANAGER_PLAN = """
plan: test_sales_manager
name: 测试经理方案
role: sales_manager
version: "t1"
period: month
policies: {division_by_zero: zero, missing_target: skip, missing_value: zero}
indicators:
  volume:
    label: 部门销量
    metric: units_delivered
    scope: team
    target: team
    scoring: {kind: linear, cap: 120}
weights:
  default: {volume: 100}
base_pay:
  - {amount: 8000}
pay:
  override:
    label: 超计划提成
    kind: per_unit
    scope: team
    amount: 100
    multiply_by: team.sum.units_delivered / team.target.units_delivered
"""


def test_the_sales_manager_is_assessed_against_the_store_target_without_one_of_their_own(world: World) -> None:
    """The store's target is the store-wide team's: the manager needs no copy of it among their own targets."""
    plan = Plan.objects.create(group=world.stores["S1"].region.group, code="sales_manager", name="经理方案",
                               role=Role.SALES_MANAGER)
    publish_version(plan, SALES_MANAGER_PLAN, datetime.date(2026, 1, 1))
    store_target(world, "units_delivered", "4")
    person_target(world, "c1", "units_delivered", "3")  # a consultant's share: not the manager's team's target
    run = runs.compute(runs.new_run(world.stores["S1"], Period(2026, 10)))
    (statement,) = Statement.objects.filter(run=run)
    assert statement.staff == world.staff["m1"] and not statement.warnings
    volume = statement.indicators.get(code="volume")
    assert volume.target == Decimal("4") and volume.actual == Decimal("3")  # the store's three cars in October
    assert Decimal(statement.targets["volume"]) == 4 and statement.month_targets == {}


# --- the split ------------------------------------------------------------------------------------------------


def test_split_status_and_remaining(world: World) -> None:
    store_target(world, "units_delivered", "30")
    person_target(world, "c1", "units_delivered", "12")
    status = split_status(world.stores["S1"], OCTOBER, "units_delivered")
    assert (status.store_target, status.allocated, status.remaining) == (Decimal("30"), Decimal("12"), Decimal("18"))
    assert split_remaining(world.stores["S1"], OCTOBER, "units_delivered") == Decimal("18")
    assert split_remaining(world.stores["S1"], OCTOBER, "sales_amount") is None


def test_the_split_counts_the_sales_forces_shares_not_a_managers_own_target(client, world: World) -> None:
    """A store-wide role's own target (the manager's year of cars) is the store's figure again, not a share."""
    store_target(world, "units_delivered", "30")
    person_target(world, "c1", "units_delivered", "12")
    person_target(world, "c2", "units_delivered", "8")
    person_target(world, "m1", "units_delivered", "30")
    store = world.stores["S1"]
    status = split_status(store, OCTOBER, "units_delivered")
    assert (status.store_target, status.allocated, status.remaining) == (Decimal("30"), Decimal("20"), Decimal("10"))
    assert split_statuses(store, OCTOBER) == [status]
    login(client, "m1")
    month = client.get(url("targets-month", world))
    assert [(column.total, column.remaining) for column in month.context["columns"]] == [(Decimal("20"),
                                                                                          Decimal("10"))]
    assert [(s, name.code, *figures) for s, name, *figures in month.context["statuses"]] == [
        (status, "units_delivered", "30", "20", "10")]
    split = client.get(url("targets-split", world, metric="units_delivered")).content.decode()
    assert 'data-testid="sum">20<' in split and 'data-testid="remaining">10<' in split
    with translation.override("en"), pytest.raises(ValidationError):
        save_split(store, OCTOBER, "units_delivered", {world.staff["c3"].pk: Decimal("11")})
    save_split(store, OCTOBER, "units_delivered", {world.staff["c3"].pk: Decimal("10")})
    assert split_status(store, OCTOBER, "units_delivered").remaining == 0


def test_save_split_refuses_more_than_the_store_target(world: World) -> None:
    store_target(world, "units_delivered", "30")
    c1, c2 = world.staff["c1"].pk, world.staff["c2"].pk
    with translation.override("en"), pytest.raises(ValidationError) as caught:
        save_split(world.stores["S1"], OCTOBER, "units_delivered", {c1: Decimal("20"), c2: Decimal("11")})
    assert "add up to 31, 1 more than the store target of 30" in caught.value.messages[0]
    assert not Target.objects.filter(staff__isnull=False).exists()
    save_split(world.stores["S1"], OCTOBER, "units_delivered", {c1: Decimal("20"), c2: Decimal("10")})
    save_split(world.stores["S1"], OCTOBER, "units_delivered", {c1: None, c2: Decimal("10")})
    assert list(Target.objects.filter(staff__isnull=False).values_list("staff_id", "value")) == [(c2, Decimal("10"))]


def test_the_split_form_shows_the_store_target_and_what_remains(client, world: World) -> None:
    store_target(world, "units_delivered", "30")
    person_target(world, "c1", "units_delivered", "12")
    login(client, "m1")
    response = client.get(url("targets-split", world, metric="units_delivered"))
    assert response.status_code == 200
    page = response.content.decode()
    assert 'id="split-target">30<' in page and 'id="split-remaining" data-testid="remaining">18<' in page
    assert 'id="split-sum" data-testid="sum">12<' in page
    for key in ("c1", "c2", "c3", "sup1"):
        assert f'name="share_{world.staff[key].pk}"' in page
    assert f'name="share_{world.staff["c4"].pk}"' not in page  # another store's consultant


def test_over_allocation_is_refused_and_the_typed_values_are_kept(client, world: World) -> None:
    store_target(world, "units_delivered", "30")
    login(client, "m1")
    c1, c2, c3 = (world.staff[k].pk for k in ("c1", "c2", "c3"))
    with translation.override("en"):
        response = client.post(url("targets-split", world, metric="units_delivered"),
                               {f"share_{c1}": "17", f"share_{c2}": "9", f"share_{c3}": "7"},
                               HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    page = response.content.decode()
    assert "add up to 33, 3 more than the store target of 30" in page
    for pk, value in ((c1, "17"), (c2, "9"), (c3, "7")):
        assert f'name="share_{pk}" value="{value}"' in page
    assert 'data-testid="remaining">-3<' in page
    assert not Target.objects.filter(staff__isnull=False).exists()


def test_a_bad_number_is_a_field_error_not_a_500(client, world: World) -> None:
    store_target(world, "units_delivered", "30")
    login(client, "m1")
    c1, c2 = world.staff["c1"].pk, world.staff["c2"].pk
    response = client.post(url("targets-split", world, metric="units_delivered"),
                           {f"share_{c1}": "-2", f"share_{c2}": "abc"})
    assert response.status_code == 200
    assert response.context["form"].errors.keys() == {f"share_{c1}", f"share_{c2}"}
    assert f'name="share_{c2}" value="abc"' in response.content.decode()


def test_a_saved_split_is_audited_with_actor_before_and_after(client, world: World) -> None:
    store_target(world, "units_delivered", "30")
    existing = person_target(world, "c1", "units_delivered", "12")
    login(client, "m1")
    c1, c2 = world.staff["c1"].pk, world.staff["c2"].pk
    response = client.post(url("targets-split", world, metric="units_delivered"),
                           {f"share_{c1}": "15", f"share_{c2}": "10"})
    assert response.status_code == 302
    assert dict(Target.objects.filter(staff__isnull=False).values_list("staff_id", "value")) == {
        c1: Decimal("15"), c2: Decimal("10")}
    changed = audit_of(existing, "update")
    assert changed.actor == world.users["m1"]
    assert (Decimal(changed.before["value"]), Decimal(changed.after["value"])) == (Decimal("12"), Decimal("15"))
    created = Target.objects.get(staff_id=c2)
    entry = audit_of(created, "create")
    assert entry.before is None and Decimal(entry.after["value"]) == 10 and entry.actor == world.users["m1"]


def test_the_split_of_a_rate_is_refused_politely(client, world: World) -> None:
    login(client, "m1")
    response = client.get(url("targets-split", world, metric="insurance_penetration"))
    assert response.status_code == 200 and "form" not in response.context
    response = client.get(url("targets-split", world, metric="nonsense"))
    assert response.status_code == 200 and response.context["problem"]


# --- the import -----------------------------------------------------------------------------------------------


def xlsx(rows: list[list[object]]) -> io.BytesIO:
    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    out = io.BytesIO()
    workbook.save(out)
    out.seek(0)
    out.name = "split.xlsx"
    return out


def test_a_good_workbook_saves_every_row(world: World) -> None:
    store_target(world, "units_delivered", "30")
    c1, c2, c3 = (world.staff[k] for k in ("c1", "c2", "c3"))
    upload = xlsx([["工号", "姓名", "units_delivered", "sales_amount", "units_by_margin_class:high"],
                   [c1.employee_no, "c1", 12, 2400000.5, 3],
                   [c2.employee_no, "c2", 10, "1,800,000", None],
                   [c3.employee_no, "c3", 8.0, 0, 1]])
    result = import_split(upload, world.stores["S1"], OCTOBER, user=world.users["m1"])
    assert result.ok, result.errors
    assert (result.rows, result.saved) == (3, 8)
    saved = {(t.staff_id, t.metric): t.value for t in Target.objects.filter(staff__isnull=False)}
    assert saved[(c1.pk, "sales_amount")] == Decimal("2400000.50")
    assert saved[(c2.pk, "sales_amount")] == Decimal("1800000")
    assert (c2.pk, "units_by_margin_class:high") not in saved
    assert AuditEntry.objects.filter(action="create", actor=world.users["m1"],
                                     content_type=ContentType.objects.get_for_model(Target)).count() == 8


def test_a_workbook_with_one_bad_row_saves_nothing_and_names_the_row_and_column(world: World) -> None:
    c1, c2, c3 = (world.staff[k] for k in ("c1", "c2", "c3"))
    person_target(world, "c1", "units_delivered", "5")
    upload = xlsx([["工号", "姓名", "units_delivered", "sales_amount"],
                   [c1.employee_no, "c1", 12, 100],
                   [c2.employee_no, "c2", "twelve", 100],
                   [c3.employee_no, "c3", 8, 100]])
    with translation.override("en"):
        result = import_split(upload, world.stores["S1"], OCTOBER, user=world.users["m1"])
    assert [(e.row, e.column) for e in result.errors] == [(3, "C (units_delivered)")]
    assert "“twelve” is not a number." in result.errors[0].message
    assert result.saved == 0
    assert list(Target.objects.values_list("staff_id", "metric", "value")) == [
        (c1.pk, "units_delivered", Decimal("5"))]


def test_import_reports_unknown_people_metrics_and_over_allocation(world: World) -> None:
    store_target(world, "units_delivered", "20")
    c1, c4 = world.staff["c1"], world.staff["c4"]
    upload = xlsx([["工号", "姓名", "units_delivered", "units_sold"],
                   [c1.employee_no, "c1", 12, 1], [c4.employee_no, "c4", 1, 1], ["E99999", "?", 1, 1],
                   [c1.employee_no, "c1", -1, 1]])
    with translation.override("en"):
        result = import_split(upload, world.stores["S1"], OCTOBER)
    found = {(e.row, e.column.split(" ")[0]) for e in result.errors}
    assert found == {(1, "D"), (3, "A"), (4, "A"), (5, "A"), (5, "C")}
    # With the wrong rows fixed, shares above the store target are refused as a whole.
    upload = xlsx([["工号", "姓名", "units_delivered"], [c1.employee_no, "c1", 21]])
    with translation.override("en"):
        result = import_split(upload, world.stores["S1"], OCTOBER)
    assert [(e.row, e.column) for e in result.errors] == [(None, "C (units_delivered)")]
    assert "more than the store target of 20" in result.errors[0].message
    assert not Target.objects.filter(staff__isnull=False).exists()


def test_a_csv_from_chinese_excel_is_read(world: World) -> None:
    c1 = world.staff["c1"]
    text = io.StringIO()
    csv.writer(text).writerows([["工号", "姓名", "units_delivered"], [c1.employee_no, "张三", "6"]])
    upload = io.BytesIO(text.getvalue().encode("gb18030"))
    result = import_split(upload, world.stores["S1"], OCTOBER, name="split.csv")
    assert result.ok and Target.objects.get(staff=c1).value == 6


def test_the_template_lists_the_store_consultants_with_their_targets(world: World) -> None:
    store_target(world, "units_delivered", "30")
    person_target(world, "c2", "units_delivered", "9")
    sheet = load_workbook(io.BytesIO(import_template(world.stores["S1"], OCTOBER))).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][2:] == ("units_delivered",)
    assert [r[0] for r in rows[1:]] == sorted(world.staff[k].employee_no for k in ("c1", "c2", "c3", "sup1"))
    assert (world.staff["c2"].employee_no, "c2", 9) in rows
    # and it imports back unchanged
    out = io.BytesIO(import_template(world.stores["S1"], OCTOBER))
    assert import_split(out, world.stores["S1"], OCTOBER, name="t.xlsx").saved == 0


def test_the_import_page_saves_nothing_and_shows_the_report(client, world: World) -> None:
    c1, c2 = world.staff["c1"], world.staff["c2"]
    login(client, "m1")
    assert client.get(url("targets-import", world)).status_code == 200
    template = client.get(url("targets-import-template", world))
    assert template.status_code == 200 and template["Content-Disposition"].endswith('-2026-10.xlsx"')
    bad = xlsx([["no", "name", "units_delivered"], [c1.employee_no, "c1", 3], [c2.employee_no, "c2", "x"]])
    response = client.post(url("targets-import", world), {"file": bad}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert 'data-testid="import-errors"' in response.content.decode()
    assert not Target.objects.exists()
    good = xlsx([["no", "name", "units_delivered"], [c1.employee_no, "c1", 3], [c2.employee_no, "c2", 4]])
    response = client.post(url("targets-import", world), {"file": good})
    assert response.status_code == 302 and Target.objects.count() == 2


# --- choosing a metric by its label ---------------------------------------------------------------------------


class _VisibleText(HTMLParser):
    """The text a reader sees: no tags, no attributes (a code in a tooltip is not seen), no script."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list) -> None:  # noqa: ANN001
        self._hidden += tag in ("script", "style")

    def handle_endtag(self, tag: str) -> None:
        self._hidden -= tag in ("script", "style")

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self.parts.append(data)


def visible_text(response) -> str:  # noqa: ANN001
    reader = _VisibleText()
    reader.feed(response.content.decode())
    return " ".join(" ".join(reader.parts).split())


def test_every_metric_of_the_catalogue_has_a_label_a_group_and_a_unit() -> None:
    assert set(LABELS) == set(METRICS) == set(GROUP_OF)
    assert {metric.unit for metric in METRICS.values()} <= set(UNITS)


def test_the_metric_is_chosen_from_labels_grouped_with_units(client, world: World) -> None:
    login(client, "m1")
    response = client.get(url("targets-month", world))
    form = response.context["form"]
    groups = dict(form.fields["metric"].choices[1:])
    assert list(groups) == ["Volume", "Gross profit and output", "Derivative business", "Customers", "Market",
                            "Team and people", "Process and faults"]
    assert groups["Volume"][:3] == [("units_delivered", "Cars delivered (cars)"),
                                    ("units_by_model", "Cars delivered by model (cars)"),
                                    ("units_by_margin_class", "Cars delivered by margin class (cars)")]
    assert ("insurance_penetration", "Insurance penetration (%)") in groups["Derivative business"]
    assert ("training_hours", "Training hours (hours)") in groups["Team and people"]
    assert sum(len(choices) for choices in groups.values()) == len(METRICS)
    assert form.fields["model"].choices == [("", "—"), ("YH-S7", "S7")]  # not the competitor's X5
    assert form.fields["margin_class"].choices[1:] == [("high", "High margin"), ("normal", "Normal margin"),
                                                       ("low", "Low margin")]
    page = response.content.decode()
    assert '<optgroup label="Derivative business">' in page
    assert '<option value="units_delivered">Cars delivered (cars)</option>' in page


@pytest.mark.parametrize(("posted", "expected"), [
    ({"metric": "units_delivered"}, "units_delivered"),
    ({"metric": "units_by_model", "model": "YH-S7", "margin_class": "low"}, "units_by_model:YH-S7"),
    ({"metric": "units_by_margin_class", "margin_class": "high"}, "units_by_margin_class:high"),
])
def test_the_form_composes_the_code_from_the_family_and_the_model(client, world: World, posted: dict,
                                                                   expected: str) -> None:
    login(client, "m1")
    response = client.post(url("targets-month", world), {**posted, "value": "6"})
    assert response.status_code == 302
    assert list(Target.objects.values_list("metric", "value")) == [(expected, Decimal("6"))]
    annual_url = reverse("targets-annual") + f"?store={world.stores['S1'].pk}&year=2026"
    assert client.post(annual_url, {"action": "annual", **posted, "value": "60"}).status_code == 302
    assert list(AnnualTarget.objects.values_list("metric", "value")) == [(expected, Decimal("60"))]


@pytest.mark.parametrize(("posted", "field", "expected"), [
    ({"metric": "units_sold"}, "metric", "Select a valid choice. units_sold is not one of the available choices."),
    ({"metric": "units_by_model:YH-S7"}, "metric", "is not one of the available choices"),  # a code typed in
    ({"metric": "units_by_model", "model": "RV-X5"}, "model", "RV-X5 is not one of the available choices"),
    ({"metric": "units_by_model"}, "model", "Choose the model of this target."),
    ({"metric": "units_by_margin_class", "margin_class": "premium"}, "margin_class",
     "premium is not one of the available choices"),
    ({"metric": "units_by_margin_class"}, "margin_class", "Choose the margin class of this target."),
])
def test_a_metric_not_in_the_catalogue_or_a_model_not_sold_is_a_field_error(client, world: World, posted: dict,
                                                                           field: str, expected: str) -> None:
    login(client, "m1")
    response = client.post(url("targets-month", world), {**posted, "value": "6"})
    assert response.status_code == 200
    errors = response.context["form"].errors
    english = str(errors[field][0])
    assert set(errors) == {field} and expected in english
    annual_url = reverse("targets-annual") + f"?store={world.stores['S1'].pk}&year=2026"
    response = client.post(annual_url, {"action": "annual", **posted, "value": "60"})
    assert response.status_code == 200 and set(response.context["annual_form"].errors) == {field}
    assert not Target.objects.exists() and not AnnualTarget.objects.exists()
    if "available choices" in expected:  # Django's message, translated already; ours once `make messages` has run
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
        response = client.post(url("targets-month", world), {**posted, "value": "6"})
        assert "不在可用的选项中" in str(response.context["form"].errors[field][0])


def test_the_target_pages_show_labels_not_codes(client, world: World) -> None:
    store_target(world, "units_delivered", "30")
    store_target(world, "units_by_model:YH-S7", "12")
    store_target(world, "insurance_penetration", "60")
    person_target(world, "c1", "units_by_model:YH-S7", "5")
    AnnualTarget.objects.create(store=world.stores["S1"], year=2026, metric="units_by_margin_class:high",
                                value=Decimal("120"))
    login(client, "m1")
    annual = reverse("targets-annual") + f"?store={world.stores['S1'].pk}&year=2026"
    pages = {
        "month": (url("targets-month", world), ("Cars delivered (cars)", "Cars delivered by model · S7 (cars)",
                                                "Insurance penetration (%)")),
        "split": (url("targets-split", world, metric="units_by_model:YH-S7"),
                  ("Split of Cars delivered by model · S7 (cars) in 2026-10",)),
        "rate": (url("targets-split", world, metric="insurance_penetration"),
                 ("Insurance penetration is a rate or a score",)),
        "annual": (annual, ("Cars delivered by margin class · High margin (cars)", "Cars delivered (cars)")),
    }
    for name, (address, labels) in pages.items():
        response = client.get(address)
        text = visible_text(response)
        for label in labels:
            assert label in text, (name, label)
        for code in ("units_delivered", "units_by_model", "units_by_margin_class", "insurance_penetration", "YH-S7"):
            assert code not in text, (name, code)
    picker = client.get(url("targets-split", world, metric="units_by_model:YH-S7")).context["picker"]
    offered = {code for _group, choices in picker.fields["metric"].choices[1:] for code, _label in choices}
    assert {"units_delivered", "units_by_model:YH-S7", "units_by_margin_class:low"} <= offered
    assert "insurance_penetration" not in offered and "units_by_model" not in offered  # not split; no family alone
    saved = client.post(url("targets-month", world), {"metric": "units_by_model", "model": "YH-S7", "value": "9"},
                        follow=True)
    assert "Saved the target for Cars delivered by model · S7." in visible_text(saved)


def test_the_template_notes_each_heading_with_its_label(world: World) -> None:
    store_target(world, "units_by_model:YH-S7", "12")
    with translation.override("en"):
        workbook = load_workbook(io.BytesIO(import_template(world.stores["S1"], OCTOBER)))
    header = workbook.worksheets[0][1]
    assert [cell.value for cell in header] == ["employee number", "name", "units_by_model:YH-S7"]
    assert header[2].comment.text == "Cars delivered by model · S7 (cars)"
    notes = list(workbook.worksheets[1].iter_rows(values_only=True))
    assert ("units_by_model:YH-S7", "Cars delivered by model · S7", "cars") in notes


# --- pages and data scope -------------------------------------------------------------------------------------


@pytest.fixture
def october(world: World) -> World:
    store_target(world, "units_delivered", "30")
    Target.objects.create(store=world.stores["S1"], team=world.teams["T1"], month=OCTOBER,
                          metric="units_delivered", value=Decimal("20"))
    for key, value in (("c1", "11"), ("c2", "9"), ("c3", "7")):
        person_target(world, key, "units_delivered", value)
    person_target(world, "c4", "units_delivered", "5")
    return world


def shown_people(response) -> set[int]:  # noqa: ANN001
    import re

    return {int(pk) for pk in re.findall(r'<tr data-staff="(\d+)">', response.content.decode())}


@pytest.mark.parametrize(("username", "expected"), [
    ("c1", {"c1"}),
    ("sup1", {"c1", "c2", "sup1"}),
    ("m1", {"c1", "c2", "c3", "sup1"}),
    ("hr1", {"c1", "c2", "c3", "sup1"}),
    ("gm1", {"c1", "c2", "c3", "sup1"}),
    ("ho_group", {"c1", "c2", "c3", "sup1"}),
    ("admin", {"c1", "c2", "c3", "sup1"}),
])
def test_each_role_sees_the_people_it_may(client, october: World, username: str, expected: set[str]) -> None:
    login(client, username)
    response = client.get(url("targets-month", october))
    assert response.status_code == 200
    assert shown_people(response) == {october.staff[k].pk for k in expected}
    sees_store = username not in ("c1", "sup1")
    assert ('data-testid="store-targets"' in response.content.decode()) is sees_store
    assert response.context["may_edit"] is (username in ("m1", "ho_group", "admin"))


def test_a_consultant_sees_only_own_figures(client, october: World) -> None:
    login(client, "c1")
    page = client.get(url("targets-month", october)).content.decode()
    assert ">11<" in page and ">9<" not in page and ">30<" not in page and ">7<" not in page


def test_a_supervisor_sees_the_team_target(client, october: World) -> None:
    login(client, "sup1")
    page = client.get(url("targets-month", october)).content.decode()
    assert 'data-testid="team-targets"' in page and ">20<" in page and ">7<" not in page


@pytest.mark.parametrize("username", ["c1", "sup1", "hr1", "gm1"])
def test_readers_cannot_change_targets(client, october: World, username: str) -> None:
    login(client, username)
    c1 = october.staff["c1"].pk
    assert client.post(url("targets-split", october, metric="units_delivered"),
                       {f"share_{c1}": "1"}).status_code == 403
    assert client.get(url("targets-split", october, metric="units_delivered")).status_code == 403
    assert client.post(url("targets-month", october), {"metric": "sales_amount", "value": "1"}).status_code == 403
    assert client.post(url("targets-import", october), {}).status_code == 403
    assert client.post(reverse("targets-annual") + f"?store={october.stores['S1'].pk}&year=2026",
                       {"action": "generate"}).status_code == 403
    assert Target.objects.get(staff_id=c1).value == 11


def test_a_manager_of_another_store_cannot_reach_it(client, october: World) -> None:
    login(client, "m2")
    c1 = october.staff["c1"].pk
    assert client.get(url("targets-month", october)).status_code == 404
    assert client.post(url("targets-split", october, metric="units_delivered"),
                       {f"share_{c1}": "1"}).status_code == 404
    assert client.get(url("targets-import-template", october)).status_code == 404
    assert Target.objects.get(staff_id=c1).value == 11
    # ...and on their own store's page they see their own consultant only
    response = client.get(url("targets-month", october, store="S2"))
    assert shown_people(response) == {october.staff["c4"].pk}


def test_head_office_of_another_group_cannot_see_them(client, october: World) -> None:
    login(client, "ho_g2")
    assert client.get(url("targets-month", october)).status_code == 404
    assert client.get(url("targets-annual", october)).status_code == 404
    page = client.get(reverse("targets-month")).content.decode()
    assert october.stores["S1"].name not in page


def test_head_office_sets_a_store_target_of_its_group(client, october: World) -> None:
    login(client, "ho_group")
    response = client.post(url("targets-month", october, store="S3"), {"metric": "sales_amount",
                                                                         "value": "5000000"})
    assert response.status_code == 302
    target = Target.objects.get(store=october.stores["S3"], metric="sales_amount")
    assert audit_of(target, "create").actor == october.users["ho_group"]


def test_the_set_target_form_returns_field_errors(client, october: World) -> None:
    login(client, "m1")
    with translation.override("en"):
        response = client.post(url("targets-month", october), {"metric": "units_sold", "value": "-1"},
                               HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"metric", "value"}
    assert "Select a valid choice. units_sold is not one of the available choices." in response.content.decode()


def test_the_month_page_query_count_does_not_grow_with_the_consultants(client, october: World) -> None:
    login(client, "m1")
    with CaptureQueriesContext(connection) as few:
        client.get(url("targets-month", october))
    store = october.stores["S1"]
    for n in range(15):
        staff = Staff.objects.create(group=store.region.group, store=store, employee_no=f"Y{n:04d}", name=f"y{n}",
                                     role=Role.CONSULTANT, hire_date=HIRED)
        TeamMembership.objects.create(staff=staff, team=october.teams["T2"], valid_from=HIRED)
        Target.objects.create(store=store, staff=staff, month=OCTOBER, metric="units_delivered", value=Decimal(1))
    with CaptureQueriesContext(connection) as many:
        response = client.get(url("targets-month", october))
    assert len(shown_people(response)) == 19
    assert len(many) == len(few)


def test_the_annual_page_saves_a_distribution_and_writes_the_months(client, world: World) -> None:
    login(client, "m1")
    annual_url = reverse("targets-annual") + f"?store={world.stores['S1'].pk}&year=2026"
    assert client.get(annual_url).status_code == 200
    response = client.post(annual_url, {"action": "annual", "metric": "units_delivered", "value": "1000"})
    assert response.status_code == 302
    bad = {"action": "distribution", **{f"season-m{m:02d}": "8.3" for m in range(1, 13)}}
    with translation.override("en"):
        response = client.post(annual_url, bad, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200 and "sum to 99.6" in response.content.decode()
    assert 'name="season-m01" value="8.3"' in response.content.decode()
    good = {"action": "distribution", **{f"season-m{m:02d}": str(p) for m, p in enumerate(PROFILE, start=1)}}
    assert client.post(annual_url, good).status_code == 302
    assert client.post(annual_url, {"action": "generate"}).status_code == 302
    months = Target.objects.filter(store=world.stores["S1"], metric="units_delivered", staff__isnull=True)
    assert months.count() == 12 and sum(t.value for t in months) == 1000
    login(client, "c1")
    assert client.get(annual_url).status_code == 403


def test_the_admin_shows_head_office_the_targets_of_its_group(rf, october: World) -> None:
    from django.contrib import admin

    from dealerkpi.targets.admin import TargetAdmin

    model_admin = TargetAdmin(Target, admin.site)
    for username, stores in (("ho_group", {"S1", "S2"}), ("ho_g2", set()), ("admin", {"S1", "S2"})):
        request = rf.get("/admin/targets/target/")
        request.user = october.users[username] if username != "admin" else User.objects.get(username="admin")
        shown = {t.store.code for t in model_admin.get_queryset(request)}
        assert shown == stores, username
        assert model_admin.has_change_permission(request)
    request = rf.get("/admin/targets/target/")
    request.user = october.users["m1"]
    assert not model_admin.has_change_permission(request)


def test_a_user_without_staff_sees_nothing(client, october: World) -> None:
    user = User.objects.get(username="nostaff")
    client.force_login(user)
    assert client.get(reverse("targets-month")).status_code == 404


def test_audit_of_a_direct_change(world: World) -> None:
    target = store_target(world, "units_delivered", "30")
    with acting_as(world.users["m1"]):
        target.value = Decimal("32")
        target.save()
    entry = audit_of(target, "update")
    assert Decimal(entry.before["value"]) == 30 and Decimal(entry.after["value"]) == 32
