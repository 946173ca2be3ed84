"""The metrics library against a hand-made store (tests/metrics_world.py): every expected figure is worked
out by hand in the comments, not recomputed by the code under test."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.db.models import OuterRef
from django.test import TestCase
from django.test.utils import CaptureQueriesContext

from dealerkpi import metrics
from dealerkpi.crm.models import FollowUp, Lead, ShowroomVisit
from dealerkpi.metrics.period import SHANGHAI, local_day, team_of_day
from dealerkpi.metrics.registry import SOURCES
from dealerkpi.org.models import Team, TeamMembership
from dealerkpi.people.models import AttendanceRecord, TrainingRecord
from dealerkpi.plans.engine import Credit, Period, PeriodInputs, catalogue
from dealerkpi.plans.engine.figures import gather_figures
from dealerkpi.sales.models import DerivativeSale
from tests.metrics_world import D, MetricsWorld, at, build_metrics_world, day, organisation

OCTOBER = Period(2025, 10)
AS_OF = day(10, 28)
EVERYTHING = metrics.all_names(["M1", "M2"])


class OctoberTests(TestCase):
    world: MetricsWorld

    @classmethod
    def setUpTestData(cls) -> None:
        cls.world = build_metrics_world()
        cls.delivered = metrics.compute(EVERYTHING, [cls.world.store.pk], OCTOBER, as_of=AS_OF)

    def value(self, key: str, name: str, actuals: metrics.PeriodActuals | None = None) -> Decimal | None:
        return (actuals or self.delivered).value(self.world.id(key), name)

    def row(self, key: str, team: str | None) -> dict[str, Decimal]:
        team_id = self.world.teams[team].pk if team else None
        found = [r for r in self.delivered.rows if r.staff_id == self.world.id(key) and r.team_id == team_id]
        self.assertEqual(len(found), 1, f"one row for {key} in {team}")
        return dict(found[0].metrics)

    # -- deals --------------------------------------------------------------------------------------------

    def test_split_deal_and_unwind_of_an_earlier_month(self) -> None:
        # ann: half of D1 (+0.5) and D3 delivered in September, unwound on 12 October (-1).
        self.assertEqual(self.value("ann", "units_delivered"), D("-0.5"))
        self.assertEqual(self.value("ann", "sales_amount"), D(100000 - 150000))
        # D1: (200000 - 190000 - 2000) / 2 = 4000; D3: -(150000 - 140000) = -10000.
        self.assertEqual(self.value("ann", "front_gross_profit"), D(-6000))
        self.assertEqual(self.value("ann", "insurance_units"), D("0.5"))
        self.assertEqual(self.value("ann", "insurance_premium"), D(3000))
        self.assertEqual(self.value("ann", "finance_fee"), D(1500))
        self.assertEqual(self.value("ann", "units_by_model:M1"), D("-0.5"))
        self.assertEqual(self.value("ann", "units_by_margin_class:high"), D("-0.5"))
        self.assertEqual(self.value("ann", "units_by_model:M2"), D(0))
        # Net units are negative: no penetration or per-unit figure rather than a nonsense ratio.
        self.assertIsNone(self.value("ann", "insurance_penetration"))
        self.assertIsNone(self.value("ann", "gross_profit_per_unit"))

    def test_unwound_deal_counts_in_its_own_month(self) -> None:
        september = metrics.compute(["units_delivered", "sales_amount"], [self.world.store.pk], Period(2025, 9))
        self.assertEqual(september.value(self.world.id("ann"), "units_delivered"), D(1))
        self.assertEqual(september.value(self.world.id("ann"), "sales_amount"), D(150000))

    def test_delivered_and_unwound_in_the_same_month_nets_to_nothing(self) -> None:
        self.assertEqual(self.value("cat", "units_delivered"), D(0))
        self.assertEqual(self.value("cat", "sales_amount"), D(0))
        self.assertIsNone(self.value("cat", "insurance_penetration"))  # no units: empty denominator
        # Collections: 120000 paid, 120000 refunded.
        self.assertEqual(self.value("cat", "collections"), D(0))

    def test_team_change_mid_month_splits_additive_metrics(self) -> None:
        # bob is in A until 15 October: D1 (10 Oct) in A, D2 (20 Oct) in B.
        in_a, in_b = self.row("bob", "A"), self.row("bob", "B")
        self.assertEqual(in_a["units_delivered"], D("0.5"))
        self.assertEqual(in_b["units_delivered"], D(1))
        self.assertEqual(in_a["front_gross_profit"], D(4000))
        self.assertEqual(in_b["front_gross_profit"], D(5000))
        self.assertEqual(in_b["units_by_margin_class:low"], D(1))
        # Collections by payment day: D1 200000/2 on 8 Oct and D2's 10000 on 2 Oct, both while in A.
        self.assertEqual(in_a["collections"], D(110000))
        self.assertEqual(in_a["new_leads"], D(2))
        self.assertEqual(in_a["training_hours"], D(4))
        # Receivables at the end: D2 owes 100000 - 10000, on the team of its delivery day.
        self.assertEqual(in_b["receivables_outstanding"], D(90000))
        # Rates once, on the row of the team at the period's end (B).
        self.assertNotIn("insurance_penetration", in_a)
        self.assertEqual(in_b["insurance_penetration"], D("33.3333"))  # 0.5 / 1.5
        self.assertEqual(in_b["finance_penetration"], D("33.3333"))
        self.assertEqual(in_b["gross_profit_per_unit"], D(6000))  # (4000 + 5000) / 1.5
        self.assertEqual(in_b["accessories_per_unit"], D(2000))  # 3000 / 1.5
        self.assertEqual(in_b["trade_in_penetration"], D(0))
        self.assertEqual(in_b["lead_to_order_rate"], D(50))  # D2 / 2 leads

    def test_engine_accepts_the_rows(self) -> None:
        figures = gather_figures(PeriodInputs(OCTOBER, (), actuals=self.delivered.for_engine()), catalogue())
        self.assertEqual(figures.actual(str(self.world.id("bob")), "units_delivered"), D("1.5"))
        self.assertEqual(figures.team_sum(str(self.world.teams["A"].pk), "units_delivered"), D(0))  # ann -0.5

    def test_paid_crediting_moves_a_deal_to_the_month_it_was_paid(self) -> None:
        store = [self.world.store.pk]
        paid = metrics.compute(["units_delivered"], store, OCTOBER, metrics.Crediting.PAID)
        # D2 is paid in full only on 5 November: October keeps bob's half of D1 only.
        self.assertEqual(paid.value(self.world.id("bob"), "units_delivered"), D("0.5"))
        self.assertEqual(paid.value(self.world.id("ann"), "units_delivered"), D("-0.5"))
        november = metrics.compute(["units_delivered"], store, Period(2025, 11), "paid")
        self.assertEqual(november.value(self.world.id("bob"), "units_delivered"), D(1))
        row = [r for r in november.rows if r.staff_id == self.world.id("bob") and r.metrics["units_delivered"]]
        self.assertEqual(row[0].team_id, self.world.teams["B"].pk)
        delivered_november = metrics.compute(["units_delivered"], store, Period(2025, 11))
        self.assertEqual(delivered_november.value(self.world.id("bob"), "units_delivered"), D(0))

    def test_deals_for_the_engine(self) -> None:
        w = self.world
        deals = metrics.deals([w.store.pk], OCTOBER)
        by_id = {deal.id: deal for deal in deals}
        ids = {key: str(w.deliveries[key].pk) for key in ("D1", "D2", "D3", "D4")}
        self.assertEqual([deal.id for deal in deals], [ids["D3"], ids["D4"], ids["D1"], ids["D2"]])
        d1 = by_id[ids["D1"]]
        team_a, team_b = str(w.teams["A"].pk), str(w.teams["B"].pk)
        self.assertEqual(d1.credits, (Credit(str(w.id("ann")), D(50), team_a), Credit(str(w.id("bob")), D(50), team_a)))
        self.assertEqual(d1.figures["front_gross_profit"], D(8000))
        self.assertEqual(d1.figures["finance_fee"], D(3000))
        self.assertEqual((d1.model_code, d1.margin_class, d1.unwound_on), ("M1", "high", None))
        self.assertEqual(by_id[ids["D2"]].credits, (Credit(str(w.id("bob")), D(100), team_b),))
        self.assertEqual(by_id[ids["D3"]].delivered_on, day(9, 20))
        self.assertEqual(by_id[ids["D3"]].unwound_on, day(10, 12))
        self.assertEqual(by_id[ids["D4"]].unwound_on, day(10, 25))
        paid = {deal.id: deal for deal in metrics.deals([w.store.pk], OCTOBER, "paid")}
        self.assertNotIn(ids["D2"], paid)
        november = metrics.deals([w.store.pk], Period(2025, 11), "paid")
        self.assertEqual([(deal.id, deal.delivered_on) for deal in november], [(ids["D2"], day(11, 5))])

    # -- orders, funnel, care --------------------------------------------------------------------------

    def test_orders_cancelled_order_not_counted(self) -> None:
        # ann's orders in October: D1, O6, O7 (C was cancelled); 4 leads opened.
        self.assertEqual(self.value("ann", "lead_to_order_rate"), D(75))
        self.assertEqual(self.value("ann", "visit_to_order_rate"), D(100))  # 3 orders / 3 intent visits
        self.assertEqual(self.value("ann", "cross_region_sales"), D(1))
        self.assertEqual(self.value("ann", "price_floor_breaches"), D(1))  # O6; O7 was approved
        self.assertEqual(self.value("ann", "collections"), D(100000))  # C: +5000 -5000

    def test_funnel(self) -> None:
        self.assertEqual(self.value("ann", "new_leads"), D(4))
        self.assertEqual(self.value("ann", "first_visits"), D(2))
        self.assertEqual(self.value("ann", "test_drive_rate"), D(50))  # 1 done / 2 first intent visits
        self.assertEqual(self.value("ann", "lost_sale_rate"), D(25))  # 1 approved / 4 leads
        self.assertIsNone(self.value("cat", "lead_to_order_rate"))  # an order but no lead opened
        self.assertIsNone(self.value("bob", "test_drive_rate"))

    def test_follow_up_compliance(self) -> None:
        # Due: A-card on time (5 Oct), late (due 9, done 11), missed (ann1 due 14, no contact); C-card on time
        # (12 Oct), missed (13 Oct). Not counted: ann2 due 30 Oct and a C-card due 31 Oct (after as_of 28 Oct).
        self.assertEqual(self.value("ann", "follow_up_compliance"), D(40))
        self.assertEqual(self.value("ann", "c_card_follow_ups_done"), D(1))
        self.assertIsNone(self.value("bob", "follow_up_compliance"))
        end = metrics.compute(["follow_up_compliance"], [self.world.store.pk], OCTOBER, as_of=day(11, 30))
        self.assertEqual(end.value(self.world.id("ann"), "follow_up_compliance"), D("28.5714"))  # 2 / 7

    def test_complaints(self) -> None:
        self.assertEqual(self.value("ann", "complaints"), D(2))
        self.assertEqual(self.value("ann", "major_complaints"), D(1))
        self.assertEqual(self.value("sup", "subordinate_complaints"), D(1))
        self.assertEqual(self.value("sup", "complaints"), D(0))

    # -- store, people ---------------------------------------------------------------------------------

    def test_store_level_figures_go_to_everyone_of_the_store(self) -> None:
        for key in ("ann", "bob", "mgr"):
            self.assertEqual(self.value(key, "presentation_score"), D(85))  # (90 + 80) / 2
            self.assertEqual(self.value(key, "promotion_score"), D(88))
            self.assertEqual(self.value(key, "market_share"), D("11.5"))  # (11 + 12) / 2
            self.assertEqual(self.value(key, "market_share_change"), D(-1))  # 11.5 - 12.5
            self.assertEqual(self.value(key, "new_model_distribution"), D("33.3333"))  # SD0 of SD0, SD1, SD2
        self.assertEqual(len([r for r in self.delivered.rows if r.staff_id == self.world.id("ann")]), 1)

    def test_people(self) -> None:
        self.assertEqual(self.value("ann", "attendance_rate"), D("66.6667"))  # 2 of 3 working days
        self.assertIsNone(self.value("bob", "attendance_rate"))
        self.assertEqual(self.value("ann", "training_hours"), D("5.5"))
        self.assertEqual(self.value("sup", "people_developed"), D(1))  # ann; bob did not pass
        # Team A: 8 month-ends x 3 (ann, bob, dan) + 3 x 2 + 1 (ann) = 31; dan left: 1 / (31/12) = 38.7097%.
        self.assertEqual(self.value("sup", "team_attrition_rate"), D("38.7097"))
        # Store: 8 x 5 + 4 x 4 = 56; 1 / (56/12) = 21.4286%.
        self.assertEqual(self.value("mgr", "team_attrition_rate"), D("21.4286"))
        self.assertIsNone(self.value("ann", "team_attrition_rate"))
        self.assertNotIn(self.world.id("dan"), self.delivered.people)

    def test_scope_is_the_stores(self) -> None:
        self.assertNotIn(self.world.id("xia"), {row.staff_id for row in self.delivered.rows})
        other = metrics.compute(["units_delivered", "new_leads", "market_share"], [self.world.other.pk], OCTOBER)
        self.assertEqual(other.value(self.world.id("xia"), "units_delivered"), D(1))
        self.assertEqual(other.value(self.world.id("xia"), "new_leads"), D(1))
        self.assertIsNone(other.value(self.world.id("xia"), "market_share"))  # no survey: no value
        self.assertIsNone(other.value(self.world.id("ann"), "units_delivered"))

    def test_unknown_names(self) -> None:
        for name in ("units", "units_by_model", "sales_amount:M1"):
            with pytest.raises(metrics.UnknownMetric):
                metrics.compute([name], [self.world.store.pk], OCTOBER)

    # -- records -----------------------------------------------------------------------------------------

    def records(self, name: str, key: str, **kwargs: object) -> dict[str, list[int]]:
        found = metrics.records(name, [self.world.store.pk], OCTOBER, self.world.id(key), as_of=AS_OF, **kwargs)
        return {f"{rs.slug}:{rs.label}": sorted(rs.records.values_list("pk", flat=True)) for rs in found}

    def test_records_behind_units_delivered(self) -> None:
        w = self.world
        found = metrics.records("units_delivered", [w.store.pk], OCTOBER, w.id("ann"))
        self.assertEqual([rs.slug for rs in found], ["deliveries"])
        self.assertEqual(found.slug, "deliveries")
        self.assertEqual(found.records.count(), 2)
        rows = {r.pk: (r.credited_share, r.counts) for r in found[0].records}
        self.assertEqual(rows, {w.deliveries["D1"].pk: (D(50), 1), w.deliveries["D3"].pk: (D(100), -1)})
        penetration = self.records("insurance_penetration", "bob")
        self.assertEqual(penetration["deliveries:numerator"], [w.deliveries["D1"].pk])
        self.assertEqual(penetration["deliveries:denominator"], sorted([w.deliveries["D1"].pk, w.deliveries["D2"].pk]))
        self.assertEqual(self.records("units_by_model:M2", "bob"), {"deliveries:": [w.deliveries["D2"].pk]})

    def test_records_behind_follow_up_compliance(self) -> None:
        w = self.world
        found = self.records("follow_up_compliance", "ann")
        self.assertEqual(found["follow-ups:on time"], [w.records["on_time"].pk])
        self.assertEqual(found["follow-ups:late"], [w.records["late"].pk])
        self.assertEqual(found["leads:missed"], [w.leads["ann1"].pk])
        self.assertEqual(len(found["c-cards:on time"]), 1)
        self.assertEqual(len(found["c-cards:late or missed"]), 1)
        self.assertEqual(FollowUp.objects.get(pk=found["follow-ups:late"][0]).due_on, day(10, 9))

    def test_records_behind_orders_money_and_people(self) -> None:
        w = self.world
        self.assertEqual(self.records("price_floor_breaches", "ann"), {"orders:": [w.orders["O6"].pk]})
        rate = self.records("lead_to_order_rate", "ann")
        self.assertEqual(rate["orders:numerator"], sorted(w.orders[k].pk for k in ("D1", "O6", "O7")))
        self.assertEqual(rate["leads:denominator"], sorted(w.leads[f"ann{n}"].pk for n in range(4)))
        self.assertEqual(len(self.records("collections", "bob")["payments:"]), 2)
        self.assertEqual(self.records("receivables_outstanding", "bob"), {"orders:": [w.orders["D2"].pk]})
        # dan left with no departure record: listed apart from the departures (none)
        leavers = {"departures:leavers": [], "staff:unrecorded": [w.id("dan")]}
        self.assertEqual(self.records("team_attrition_rate", "sup"), leavers)
        self.assertEqual(self.records("team_attrition_rate", "mgr"), leavers)
        self.assertEqual(len(self.records("presentation_score", "ann")["presentation-audits:"]), 2)
        distribution = self.records("new_model_distribution", "ann")
        self.assertEqual(len(distribution["secondary-dealers:numerator"]), 1)
        self.assertEqual(len(distribution["secondary-dealers:denominator"]), 3)
        self.assertEqual(len(self.records("people_developed", "sup")["trainings:"]), 2)

    def test_every_metric_lists_records_on_a_browse_page(self) -> None:
        from dealerkpi.core.registry import browse_entry, registry

        for name in EVERYTHING:
            for record_set in metrics.records(name, [self.world.store.pk], OCTOBER, self.world.id("ann")):
                self.assertIn(record_set.slug, registry.browse, name)
                self.assertIs(record_set.records.model, browse_entry(record_set.slug).model, name)
                list(record_set.records[:5])


def test_every_catalogue_metric_is_defined() -> None:
    from dealerkpi.metrics.sales import with_figures
    from dealerkpi.plans.engine.catalogue import DEAL_FIGURES, METRICS

    assert set(metrics.DEFINITIONS) == set(METRICS)
    assert {definition.unit for definition in metrics.DEFINITIONS.values()} <= {
        "units", "yuan", "percent", "count", "score", "hours", "days", "minutes"
    }
    annotated = with_figures(DerivativeSale.objects.none()).query.annotations
    assert set(annotated) == {f"fig_{name}" for name in DEAL_FIGURES}


class QueryCountTests(TestCase):
    def add_consultants(self, world: MetricsWorld, team: Team, first: int, count: int) -> None:
        for n in range(first, first + count):
            key = f"c{n}"
            world.person(key)
            TeamMembership.objects.create(staff=world.staff[key], team=team, valid_from=day(1, 1))
            lead = world.lead(key, at(10, 3))
            ShowroomVisit.objects.create(store=world.store, lead=lead, consultant=world.staff[key],
                                         arrived_at=at(10, 4))
            FollowUp.objects.create(store=world.store, lead=lead, staff=world.staff[key], at=at(10, 6),
                                    channel="phone", outcome="reached", grade_after="A", due_on=day(10, 6))
            Lead.objects.filter(pk=lead.pk).update(next_follow_up_on=day(10, 12))
            world.order(f"o{n}", {key: 100}, "M1", 150000, at(10, 5))
            world.deliver(f"o{n}", 140000, at(10, 9))
            world.pay(f"o{n}", 150000, at(10, 8))
            world.derivative(f"o{n}", DerivativeSale.Kind.INSURANCE, 5000, 700)
            AttendanceRecord.objects.create(store=world.store, staff=world.staff[key], day=day(10, 1), status="present")
            TrainingRecord.objects.create(store=world.store, staff=world.staff[key], course="礼仪", held_on=day(10, 2),
                                          hours=D(2))

    def queries(self, world: MetricsWorld, crediting: str) -> tuple[int, metrics.PeriodActuals]:
        with CaptureQueriesContext(connection) as captured:
            actuals = metrics.compute(EVERYTHING, [world.store.pk], OCTOBER, crediting, as_of=AS_OF)
        return len(captured.captured_queries), actuals

    def test_same_number_of_queries_for_2_and_6_consultants(self) -> None:
        world = organisation()
        world.person("mgr")
        self.add_consultants(world, world.teams["A"], 0, 2)
        for crediting in ("delivered", "paid"):
            two, actuals = self.queries(world, crediting)
            self.assertEqual(actuals.value(world.id("c0"), "units_delivered"), D(1))
            # a query per source of figures, the period's unwinds read first by the two of deals; who, teams
            self.assertLessEqual(two, len(SOURCES) + 8)
        self.add_consultants(world, world.teams["B"], 2, 4)
        for crediting in ("delivered", "paid"):
            six, actuals = self.queries(world, crediting)
            self.assertEqual(six, two)
            self.assertEqual(actuals.value(world.id("c5"), "insurance_penetration"), D(100))
        with CaptureQueriesContext(connection) as captured:
            deals = metrics.deals([world.store.pk], OCTOBER)
        self.assertEqual(len(deals), 6)
        self.assertEqual(len(captured.captured_queries), 2)  # the month's unwinds, then the deals


@pytest.mark.django_db
def test_the_attendance_figures_split_by_the_team_of_the_day() -> None:
    """bob is late on 1 October in team A and on 20 October in team B (he moves on the 16th): each day counts in the
    team of its day, and his month sums both."""
    world = build_metrics_world()
    bob = world.staff["bob"]
    team_a, team_b = world.teams["A"], world.teams["B"]
    for on, minutes in ((day(10, 1), 12), (day(10, 20), 30)):
        AttendanceRecord.objects.create(store=world.store, staff=bob, day=on, status="late", minutes_late=minutes)
    found = metrics.compute(["late_arrivals", "minutes_late"], [world.store.pk], OCTOBER)
    by_team = {row.team_id: row.metrics for row in found.rows if row.staff_id == bob.pk}
    assert by_team[team_a.pk]["minutes_late"] == 12 and by_team[team_b.pk]["minutes_late"] == 30
    assert found.value(bob.pk, "late_arrivals") == 2 and found.value(bob.pk, "minutes_late") == 42  # 12 + 30


@pytest.mark.django_db
def test_with_two_memberships_in_force_the_one_that_started_last_gives_the_team() -> None:
    """dora is in team A all year; from 10 to 20 October also in B and C, which started the same day: B wins (the
    lower team id) and A is hers again from the 21st. Each late day counts once, in the team of its day, as the
    team_of_day() subquery gives it."""
    world = organisation()
    world.teams["C"] = Team.objects.create(store=world.store, name="C")
    world.person("dora")
    world.member("dora", "A")
    world.member("dora", "C", day(10, 10), day(10, 20))
    world.member("dora", "B", day(10, 10), day(10, 20))
    dora = world.staff["dora"]
    for on, minutes in ((day(10, 5), 1), (day(10, 12), 10), (day(10, 20), 100), (day(10, 25), 1000)):
        AttendanceRecord.objects.create(store=world.store, staff=dora, day=on, status="late", minutes_late=minutes)
    found = metrics.compute(["minutes_late"], [world.store.pk], OCTOBER)
    by_team = {row.team_id: row.metrics["minutes_late"] for row in found.rows if row.staff_id == dora.pk}
    assert by_team == {world.teams["A"].pk: 1001, world.teams["B"].pk: 110}
    one_by_one = AttendanceRecord.objects.filter(staff=dora).annotate(
        team=team_of_day("staff_id", OuterRef("day"))).values_list("minutes_late", "team")
    assert {minutes: team for minutes, team in one_by_one} == {
        1: world.teams["A"].pk, 10: world.teams["B"].pk, 100: world.teams["B"].pk, 1000: world.teams["A"].pk}


@pytest.mark.django_db
def test_a_timestamps_local_day_is_its_shanghai_day_at_midnight_and_under_the_summer_time_of_1990() -> None:
    """local_day() in the database against Python's own conversion: a minute either side of Shanghai's midnight,
    and a summer night of 1990, when Shanghai was UTC+9 (SQLite's fast path applies a fixed UTC+8 only from
    1992 on)."""
    world = organisation()
    world.person("eve")
    lead = world.lead("eve", at(10, 3))
    moments = [
        datetime.datetime(2025, 10, 5, 15, 59, 59, 999999, tzinfo=datetime.UTC),  # 23:59:59.999999 on the 5th
        datetime.datetime(2025, 10, 5, 16, 0, tzinfo=datetime.UTC),  # midnight: the 6th
        datetime.datetime(2025, 12, 31, 16, 30, tzinfo=datetime.UTC),  # 00:30 on New Year's Day
        datetime.datetime(1990, 7, 1, 15, 30, tzinfo=datetime.UTC),  # 00:30 on 2 July under summer time (UTC+9)
    ]
    for moment in moments:
        FollowUp.objects.create(store=world.store, lead=lead, staff=world.staff["eve"], at=moment,
                                channel="phone", outcome="reached", grade_after="A")
    found = dict(FollowUp.objects.filter(lead=lead).annotate(day=local_day("at")).values_list("at", "day"))
    expected = [datetime.date(2025, 10, 5), datetime.date(2025, 10, 6), datetime.date(2026, 1, 1),
                datetime.date(1990, 7, 2)]
    assert [found[moment] for moment in moments] == expected
    assert [moment.astimezone(SHANGHAI).date() for moment in moments] == expected
