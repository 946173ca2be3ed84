"""The sales policy of the day and spiffs on the hand-built world. The world's trim (S7 2.0T 豪华版) lists guide
229,800, floor 209,800, cost 205,000; a consultant's default authority is 3,000 yuan. In October 2026 c1 shares a
deal 50/50 with c2 (delivered on the 10th), c2 and c3 each have a deal of their own (the 10th)."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from dealerkpi import metrics
from dealerkpi.core.models import AuditEntry
from dealerkpi.org.scope import viewer_for
from dealerkpi.pay import runs, workflow
from dealerkpi.pay.models import Run, Statement
from dealerkpi.plans.engine import Period
from dealerkpi.sales import policy, services
from dealerkpi.sales.models import Order, OrderApproval, SalesPolicy, Spiff
from tests.test_desk_sales import in_stock, open_lead
from tests.test_runs import PLAN
from tests.world import World, at, build_world, delivered_deal, signed_in, world_with_consultant_plan

pytestmark = pytest.mark.django_db
OCTOBER = Period(2026, 10)


def trim_policy(world: World, ceiling: str, first: int = 1, last: int = 31, **more: object) -> SalesPolicy:
    return SalesPolicy.objects.create(store=world.stores["S1"], trim=world.trim,
                                      valid_from=datetime.date(2026, 10, first), valid_to=datetime.date(2026, 10, last),
                                      discount_ceiling=Decimal(ceiling), **more)


def order_at(world: World, price: str, when: datetime.datetime) -> Order:
    terms = services.OrderTerms(trim=world.trim, price_line=world.trim.prices.get(), colour="白",
                                price=Decimal(price), gifts_cost=Decimal("0"),
                                credits=(services.Credit(world.staff["c1"], Decimal("100")),))
    return services.place_order(open_lead(world, "c1"), terms, world.staff["c1"], at=when)


def spiff(world: World, amount: str, first: int, last: int, **on: object) -> Spiff:
    return Spiff.objects.create(store=world.stores["S1"], title=f"S7 冲量 {amount}",
                                valid_from=datetime.date(2026, 10, first), valid_to=datetime.date(2026, 10, last),
                                amount=Decimal(amount),
                                published_by=world.staff["m1"], published_at=at(first),
                                **(on or {"vehicle_model": world.trim.vehicle_model}))


# --- the policy of the day -----------------------------------------------------------------------------------------

def test_the_days_ceiling_sets_the_floor_and_a_price_below_it_needs_the_manager_naming_the_policy() -> None:
    world = build_world()
    ceiling = trim_policy(world, "10000", first=15, gifts="脚垫+贴膜", finance_offer="两年0息")
    # before the policy: the list's floor 209,800; 218,800 is 11,000 off, over the 3,000 authority only
    before = order_at(world, "218800", at(14))
    assert (before.floor_price, before.policy) == (Decimal("209800"), None)
    assert set(before.approvals.values_list("kind", flat=True)) == {OrderApproval.Kind.OVER_AUTHORITY}
    # in force: floor = 229,800 - 10,000 = 219,800, so 218,800 is below the floor: the manager decides
    during = order_at(world, "218800", at(16))
    assert (during.floor_price, during.policy) == (Decimal("219800"), ceiling)
    below = during.approvals.get(kind=OrderApproval.Kind.BELOW_FLOOR)
    assert "10000" in below.reason and str(ceiling) in below.reason
    # the price-breach count reads the same floor: the world's order at 205,800 (unapproved) and this one are
    # breaches, the earlier one at 218,800 is not (above the list's floor)
    found = metrics.compute(["price_floor_breaches"], [world.stores["S1"].pk], OCTOBER)
    assert found.value(world.staff["c1"].pk, "price_floor_breaches") == 2
    services.decide(below, viewer_for(world.users["m1"]), approve=True)
    found = metrics.compute(["price_floor_breaches"], [world.stores["S1"].pk], OCTOBER)
    assert found.value(world.staff["c1"].pk, "price_floor_breaches") == 1


def test_a_vehicles_policy_beats_its_trims_when_the_vehicle_is_allocated() -> None:
    world = build_world()
    trim_policy(world, "5000")  # floor 224,800
    aged = in_stock(world)
    special = SalesPolicy.objects.create(store=world.stores["S1"], vehicle=aged,
                                         valid_from=datetime.date(2026, 10, 1), valid_to=datetime.date(2026, 10, 31),
                                         discount_ceiling=Decimal("15000"))
    order = order_at(world, "220000", at(16))  # 9,800 off: below the trim policy's floor of 224,800
    assert order.floor_price == Decimal("224800")
    services.schedule_delivery(order, aged.pk, at(17), world.staff["c1"], at=at(16))
    order.refresh_from_db()
    assert (order.floor_price, order.policy) == (Decimal("214800"), special)  # 229,800 - 15,000
    assert policy.policy_in_force(world.stores["S1"].pk, world.trim.pk, datetime.date(2026, 10, 16)).vehicle is None


def test_the_policy_page_is_for_the_stores_management_and_audited() -> None:
    world = build_world()
    assert signed_in("c1").get(reverse("sales-policy")).status_code == 403
    assert signed_in("sup1").get(reverse("sales-policy")).status_code == 403
    manager = signed_in("m1")
    sent = manager.post(reverse("sales-policy"), {
        "policy": "1", "policy-trim": world.trim.pk, "policy-valid_from": "2026-10-01",
        "policy-valid_to": "2026-10-31", "policy-discount_ceiling": "8000", "policy-gifts": "脚垫"})
    assert sent.status_code == 302
    saved = SalesPolicy.objects.get()
    assert AuditEntry.objects.filter(object_id=str(saved.pk), action="create").exists()
    other_store = SalesPolicy.objects.create(store=world.stores["S2"], trim=world.trim,
                                             valid_from=datetime.date(2026, 10, 1),
                                             valid_to=datetime.date(2026, 10, 31), discount_ceiling=Decimal("1"))
    assert manager.get(reverse("sales-policy-edit", args=[other_store.pk])).status_code == 404
    both = manager.post(reverse("sales-policy"), {
        "policy": "1", "policy-trim": world.trim.pk, "policy-vehicle": in_stock(world).pk,
        "policy-valid_from": "2026-10-01", "policy-valid_to": "2026-09-30", "policy-discount_ceiling": "x"})
    assert both.status_code == 400 and SalesPolicy.objects.filter(store=world.stores["S1"]).count() == 1


def test_a_spiff_form_sent_twice_publishes_once_and_starts_today_or_later() -> None:
    world = build_world()
    manager = signed_in("m1")
    today = timezone.localdate()
    form = {"spiff": "1", "spiff-title": "本周S7每台加500", "spiff-vehicle_model": world.trim.vehicle_model.pk,
            "spiff-valid_from": str(today), "spiff-valid_to": str(today + datetime.timedelta(days=6)),
            "spiff-amount": "500", "spiff-entry_token": "7d1f0c8e-3a1b-4c2d-9e8f-0a1b2c3d4e5f"}
    assert manager.post(reverse("sales-policy"), form).status_code == 302
    assert manager.post(reverse("sales-policy"), form).status_code == 302
    assert Spiff.objects.get().published_by == world.staff["m1"]
    late = {**form, "spiff-entry_token": "", "spiff-valid_from": str(today - datetime.timedelta(days=1))}
    assert manager.post(reverse("sales-policy"), late).status_code == 400
    neither = {**form, "spiff-entry_token": "", "spiff-vehicle_model": ""}
    assert manager.post(reverse("sales-policy"), neither).status_code == 400
    assert Spiff.objects.count() == 1


# --- spiffs in the month's run --------------------------------------------------------------------------------------

def test_the_run_pays_each_spiff_on_a_line_with_its_deals_and_the_figures_agree() -> None:
    world = world_with_consultant_plan(PLAN)
    spiff(world, "500", 15, 31)  # the world's deals of the 10th are before it: they earn nothing
    spiff(world, "200", 15, 31, trim=world.trim)  # the trim's beats the model's: one spiff a deal
    shared = delivered_deal(world, "c1", at(20), {"c1": 50, "c2": 50})
    own = delivered_deal(world, "c3", at(21))
    spiff(world, "900", 1, 31, vehicle=own.vehicle)  # c3's car has its own: the vehicle's beats the trim's
    run = runs.compute(runs.new_run(world.stores["S1"], OCTOBER))
    assert run.status == Run.Status.DRAFT, run.error
    lines = {s.staff.name: list(s.lines.filter(kind="spiff")) for s in Statement.objects.filter(run=run)}
    # c1 and c2: half of the shared car each at the trim's 200 = 100; c3: the whole car at the vehicle's 900
    assert {name: [line.amount for line in found] for name, found in lines.items()} == {
        "c1": [Decimal("100")], "c2": [Decimal("100")], "c3": [Decimal("900")]}
    assert lines["c1"][0].deals == [{"deal": str(shared.pk), "quantity": "0.5", "amount": "100"}]
    assert lines["c3"][0].deals[0]["deal"] == str(own.pk)
    for statement in Statement.objects.filter(run=run):
        assert statement.total == sum(line.amount for line in statement.lines.all())
    # c1: base 1,200 + 300 per car x 1 (0.5 of the world's deal, 0.5 of this one) + 100 spiff
    assert Statement.objects.get(run=run, staff=world.staff["c1"]).total == Decimal("1200") + 300 + 100
    found = metrics.compute(["spiff_units", "spiff_amount"], [world.stores["S1"].pk], OCTOBER)
    assert found.of(world.staff["c2"].pk) == {"spiff_units": Decimal("0.5"), "spiff_amount": Decimal("100")}
    assert found.of(world.staff["c3"].pk) == {"spiff_units": Decimal("1"), "spiff_amount": Decimal("900")}
    behind = metrics.records("spiff_amount", [world.stores["S1"].pk], OCTOBER, world.staff["c1"].pk)
    assert list(behind.records.values_list("pk", flat=True)) == [shared.pk]
    page = signed_in("gm1").get(reverse("run-detail", args=[run.pk]))
    assert [(s["people"], s["amount"]) for s in page.context["spiffs"]] == [(2, Decimal("200")), (1, Decimal("900"))]


def test_a_spiff_is_withdrawable_until_a_run_paying_it_is_approved() -> None:
    world = world_with_consultant_plan(PLAN)
    withdrawn, paid = spiff(world, "300", 15, 31), spiff(world, "500", 15, 31, trim=world.trim)
    delivered_deal(world, "c3", at(20))
    policy.withdraw_spiff(withdrawn)
    with pytest.raises(ValidationError):
        policy.withdraw_spiff(withdrawn)  # a second click
    run = runs.compute(runs.new_run(world.stores["S1"], OCTOBER))
    assert [line.amount for line in Statement.objects.get(run=run, staff=world.staff["c3"]).lines.filter(kind="spiff")
            ] == [Decimal("500")]
    for name, move in (("m1", workflow.submit), ("gm1", workflow.approve)):
        run = move(run, viewer_for(world.users[name]), world.users[name])
    paid.refresh_from_db()
    assert paid.paid_at is not None
    with pytest.raises(ValidationError):
        policy.withdraw_spiff(paid)
    assert signed_in("m1").post(reverse("spiff-withdraw", args=[paid.pk])).status_code == 302
    assert Spiff.objects.get(pk=paid.pk).status == Spiff.Status.PUBLISHED


def test_today_shows_the_policy_and_spiffs_running_to_the_consultant() -> None:
    world = build_world()
    today = timezone.localdate()
    SalesPolicy.objects.create(store=world.stores["S1"], trim=world.trim, valid_from=today, valid_to=today,
                               discount_ceiling=Decimal("12000"), gifts="行车记录仪", finance_offer="首付两成")
    Spiff.objects.create(store=world.stores["S1"], title="周末冲量", vehicle_model=world.trim.vehicle_model,
                         valid_from=today, valid_to=today, amount=Decimal("500"), published_by=world.staff["m1"],
                         published_at=timezone.now())
    page = signed_in("c1").get(reverse("desk-today")).content.decode()
    assert "行车记录仪" in page and "首付两成" in page and "周末冲量" in page
    other = signed_in("c4").get(reverse("desk-today")).content.decode()  # another store's consultant
    assert "周末冲量" not in other
