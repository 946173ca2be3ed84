"""The customer KPIs (referral deliveries and rate, repeat purchases, active owned customers) on a small
hand-made store, October 2025 (Asia/Shanghai); every expected figure is worked out by hand in the comments.

ann is in team A, bob in A until 15 October and in B from the 16th, cat in B. Every car is an M1 at 100000.
Customers K1..K6; "ref" marks an order whose A-card came from a referral.

- R1 ann+bob 50/50, ref, K1, delivered 10 Oct (bob still in A). C-cards done 12 and 14 Oct (K1 twice).
- R2 bob, ref, K2, delivered 20 Oct (bob in B). No contact.
- R3 cat, ref, K6, delivered 20 Sep, C-card done 8 Oct, unwound 12 Oct: -1 referral unit in October, and K6
  is no longer cat's customer at the end.
- N1 ann, walk-in, K3, delivered 12 Oct. C-card done 3 Nov (after the period).
- P0 ann, K4, delivered 1 Mar; P1 ann+cat 50/50, K4, delivered 15 Oct: a repeat purchase. A-card follow-up of
  K4 logged 8 Oct.
- Q0 bob, K5, delivered 1 Sep and unwound 5 Sep; Q1 bob, K5, delivered 18 Oct: not a repeat (the earlier car
  was taken back). C-card done 19 Oct.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.db import connection
from django.test import TestCase
from django.test.utils import CaptureQueriesContext

from dealerkpi import metrics
from dealerkpi.crm.models import Customer, FollowUp, Lead, SourceChannel
from dealerkpi.org.models import Role, TeamMembership
from dealerkpi.plans.engine import Period
from dealerkpi.sales.models import DeliveryFollowUp, Order, Reversal
from tests.metrics_world import D, MetricsWorld, at, day, organisation

OCTOBER = Period(2025, 10)
NAMES = ("referral_deliveries", "referral_rate", "repeat_purchases", "active_owned_customers", "units_delivered")


def sale(w: MetricsWorld, key: str, credits: dict[str, int], delivered: datetime.datetime,
         customer: Customer | None = None, referral: bool = False) -> Order:
    """An M1 sold at 100000, delivered; to `customer` (default: a new one), from a referral A-card if asked."""
    order = w.order(key, credits, "M1", 100000, delivered - datetime.timedelta(days=1))
    order.customer = customer or order.customer
    if referral:
        order.lead = w.lead(order.consultant.name, order.ordered_at)
        Lead.objects.filter(pk=order.lead.pk).update(source=SourceChannel.REFERRAL, customer=order.customer)
    Order.objects.filter(pk=order.pk).update(customer=order.customer, lead=order.lead)
    w.deliver(key, 90000, delivered)
    return order


def c_card(w: MetricsWorld, key: str, staff: str, done: datetime.datetime) -> None:
    DeliveryFollowUp.objects.create(store=w.store, delivery=w.deliveries[key], staff=w.staff[staff],
                                    due_on=done.date(), done_at=done)


def build() -> MetricsWorld:
    w = organisation()
    for key in ("ann", "bob", "cat"):
        w.person(key)
    w.person("mgr", Role.SALES_MANAGER)
    w.member("ann", "A")
    w.member("bob", "A", end=day(10, 15))
    w.member("bob", "B", start=day(10, 16))
    w.member("cat", "B")
    sale(w, "R1", {"ann": 50, "bob": 50}, at(10, 10), referral=True)
    c_card(w, "R1", "ann", at(10, 12))
    c_card(w, "R1", "bob", at(10, 14))
    sale(w, "R2", {"bob": 100}, at(10, 20), referral=True)
    sale(w, "R3", {"cat": 100}, at(9, 20), referral=True)
    c_card(w, "R3", "cat", at(10, 8))
    w.reverse("R3", Reversal.Kind.UNWIND, at(10, 12))
    sale(w, "N1", {"ann": 100}, at(10, 12))
    c_card(w, "N1", "ann", at(11, 3))
    k4 = sale(w, "P0", {"ann": 100}, at(3, 1)).customer
    sale(w, "P1", {"ann": 50, "cat": 50}, at(10, 15), customer=k4)
    card = w.lead("ann", at(2, 1))
    Lead.objects.filter(pk=card.pk).update(customer=k4)
    w.records["k4_follow_up"] = FollowUp.objects.create(store=w.store, lead=card, staff=w.staff["ann"],
                                                        at=at(10, 8), channel="phone", outcome="reached",
                                                        grade_after="A")
    k5 = sale(w, "Q0", {"bob": 100}, at(9, 1)).customer
    w.reverse("Q0", Reversal.Kind.UNWIND, at(9, 5))
    sale(w, "Q1", {"bob": 100}, at(10, 18), customer=k5)
    c_card(w, "Q1", "bob", at(10, 19))
    return w


class CustomerMetricsTests(TestCase):
    world: MetricsWorld

    @classmethod
    def setUpTestData(cls) -> None:
        cls.world = build()
        cls.october = metrics.compute(NAMES, [cls.world.store.pk], OCTOBER)

    def value(self, key: str, name: str, actuals: metrics.PeriodActuals | None = None) -> Decimal | None:
        return (actuals or self.october).value(self.world.id(key), name)

    def row(self, key: str, team: str) -> dict[str, Decimal]:
        team_id = self.world.teams[team].pk
        found = [r for r in self.october.rows if r.staff_id == self.world.id(key) and r.team_id == team_id]
        self.assertEqual(len(found), 1, f"one row for {key} in {team}")
        return dict(found[0].metrics)

    def records(self, name: str, key: str) -> dict[str, list[int]]:
        found = metrics.records(name, [self.world.store.pk], OCTOBER, self.world.id(key))
        return {f"{rs.slug}:{rs.label}": sorted(rs.records.values_list("pk", flat=True)) for rs in found}

    def deliveries(self, *keys: str) -> list[int]:
        return sorted(self.world.deliveries[key].pk for key in keys)

    def test_referral_deliveries_by_share_and_net_of_unwinds(self) -> None:
        # ann: half of R1. bob: half of R1 + R2. cat: R3 of September unwound on 12 October, -1.
        self.assertEqual(self.value("ann", "referral_deliveries"), D("0.5"))
        self.assertEqual(self.value("bob", "referral_deliveries"), D("1.5"))
        self.assertEqual(self.value("cat", "referral_deliveries"), D(-1))
        self.assertEqual(self.value("mgr", "referral_deliveries"), D(0))
        # On the team of the delivery day: R1 (10 Oct) in A, R2 (20 Oct) in B.
        self.assertEqual(self.row("bob", "A")["referral_deliveries"], D("0.5"))
        self.assertEqual(self.row("bob", "B")["referral_deliveries"], D(1))
        september = metrics.compute(NAMES, [self.world.store.pk], Period(2025, 9))
        self.assertEqual(self.value("cat", "referral_deliveries", september), D(1))
        self.assertEqual(self.value("cat", "referral_rate", september), D(100))  # 1 / 1

    def test_referral_rate(self) -> None:
        # ann: 0.5 of units R1 0.5 + N1 1 + P1 0.5 = 2 -> 25%. bob: 1.5 / (0.5 + 1 + Q1 1) = 60%.
        self.assertEqual(self.value("ann", "referral_rate"), D(25))
        self.assertEqual(self.value("bob", "referral_rate"), D(60))
        self.assertEqual(self.row("bob", "B")["referral_rate"], D(60))  # once, on the end team's row
        self.assertNotIn("referral_rate", self.row("bob", "A"))
        # cat: units -1 (R3) + 0.5 (P1) = -0.5, not positive; mgr: no deliveries. No value either way.
        self.assertEqual(self.value("cat", "units_delivered"), D("-0.5"))
        self.assertIsNone(self.value("cat", "referral_rate"))
        self.assertIsNone(self.value("mgr", "referral_rate"))

    def test_repeat_purchases(self) -> None:
        # P1 went to K4, who had P0 in March: 0.5 each to ann and cat. Q1 is no repeat: K5's Q0 was unwound.
        self.assertEqual(self.value("ann", "repeat_purchases"), D("0.5"))
        self.assertEqual(self.value("cat", "repeat_purchases"), D("0.5"))
        self.assertEqual(self.value("bob", "repeat_purchases"), D(0))
        march = metrics.compute(["repeat_purchases"], [self.world.store.pk], Period(2025, 3))
        self.assertEqual(self.value("ann", "repeat_purchases", march), D(0))  # P0 was K4's first car

    def test_active_owned_customers(self) -> None:
        # ann: K1 (C-cards on 12 and 14 Oct: once) and K4 (A-card follow-up; two cars: once); K3 only
        # contacted in November. bob: K1 and K5; K2 not contacted. cat: K4; K6's car was unwound.
        self.assertEqual(self.value("ann", "active_owned_customers"), D(2))
        self.assertEqual(self.value("bob", "active_owned_customers"), D(2))
        self.assertEqual(self.value("cat", "active_owned_customers"), D(1))
        self.assertEqual(self.value("mgr", "active_owned_customers"), D(0))
        # On the team of the person's last day in the period: bob's B.
        self.assertEqual(self.row("bob", "B")["active_owned_customers"], D(2))
        self.assertNotIn("active_owned_customers", self.row("bob", "A"))
        november = metrics.compute(["active_owned_customers"], [self.world.store.pk], Period(2025, 11))
        self.assertEqual(self.value("ann", "active_owned_customers", november), D(1))  # K3

    def test_records_behind_the_figures(self) -> None:
        w = self.world
        self.assertEqual(self.records("referral_deliveries", "bob"), {"deliveries:": self.deliveries("R1", "R2")})
        unwound = metrics.records("referral_deliveries", [w.store.pk], OCTOBER, w.id("cat")).records
        self.assertEqual([(r.pk, r.credited_share, r.counts) for r in unwound],
                         [(w.deliveries["R3"].pk, D(100), -1)])
        self.assertEqual(self.records("referral_rate", "ann"), {
            "deliveries:numerator": self.deliveries("R1"),
            "deliveries:denominator": self.deliveries("R1", "N1", "P1"),
        })
        self.assertEqual(self.records("repeat_purchases", "cat"), {"deliveries:": self.deliveries("P1")})
        self.assertEqual(self.records("repeat_purchases", "bob"), {"deliveries:": []})
        customers = {key: w.orders[key].customer_id for key in ("R1", "P1", "Q1")}
        self.assertEqual(self.records("active_owned_customers", "ann"),
                         {"customers:": sorted([customers["R1"], customers["P1"]])})
        self.assertEqual(self.records("active_owned_customers", "bob"),
                         {"customers:": sorted([customers["R1"], customers["Q1"]])})


class QueryCountTests(TestCase):
    def add_consultants(self, w: MetricsWorld, first: int, count: int) -> None:
        """Each: a referral sale to a returning customer, contacted by a C-card."""
        for n in range(first, first + count):
            key = f"c{n}"
            w.person(key)
            TeamMembership.objects.create(staff=w.staff[key], team=w.teams["A"], valid_from=day(1, 1))
            returning = sale(w, f"old{n}", {key: 100}, at(3, 1)).customer
            sale(w, f"new{n}", {key: 100}, at(10, 9), customer=returning, referral=True)
            c_card(w, f"new{n}", key, at(10, 10))

    def queries(self, w: MetricsWorld) -> tuple[int, metrics.PeriodActuals]:
        with CaptureQueriesContext(connection) as captured:
            actuals = metrics.compute(NAMES, [w.store.pk], OCTOBER)
        return len(captured.captured_queries), actuals

    def test_same_number_of_queries_for_2_and_20_consultants(self) -> None:
        w = organisation()
        w.person("mgr", Role.SALES_MANAGER)
        self.add_consultants(w, 0, 2)
        two, actuals = self.queries(w)
        self.add_consultants(w, 2, 18)
        twenty, actuals = self.queries(w)
        self.assertEqual(twenty, two)
        for name, expected in (("referral_deliveries", 1), ("referral_rate", 100), ("repeat_purchases", 1),
                               ("active_owned_customers", 1)):
            self.assertEqual(actuals.value(w.id("c19"), name), D(expected), name)
        self.assertEqual(actuals.total("referral_deliveries"), D(20))
