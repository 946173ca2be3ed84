"""A store's month rebuilt from files alone (issue 15's "done when"): store S1 of the hand-built world
(tests/world.py) is written to files through the templates' columns (staff and teams, catalogue, targets,
customers and A-cards, visits, vehicles, orders, payments, deliveries), the files are imported into a new store S9
of the same group through the importer only, and the month's bonus run of S9 gives every person the statement S1
gives them (totals and lines). Employee numbers and VINs are unique in the whole system, so the files carry them
renamed ("R" before the employee number, another VIN); a mobile is unique in its store only and is kept.

What the plan below reads is what can be imported: units delivered against person targets, front gross profit,
new A-cards, first visits, the test-drive rate, the showroom closing rate and collections. Not importable yet, and so
left out of the plan: derivative sales (insurance, finance...), complaints, C-card calls done, attendance, training,
manual ratings, reversals (a cancellation's record) and approvals."""

from __future__ import annotations

import csv
import datetime
import io
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone, translation
from openpyxl import Workbook

from dealerkpi.catalog.models import TrimPrice
from dealerkpi.core.audit import acting_as
from dealerkpi.core.models import AuditEntry
from dealerkpi.core.scope import Reach, Viewer
from dealerkpi.crm import models as crm
from dealerkpi.crm.models import Lead, ShowroomVisit
from dealerkpi.imports.columns import COLUMNS
from dealerkpi.imports.models import ImportBatch
from dealerkpi.imports.service import Options, Outcome, import_file
from dealerkpi.imports.undo import blockers, undo
from dealerkpi.imports.workbooks import header_names
from dealerkpi.org.models import RoleAssignment, Store, TeamMembership, User
from dealerkpi.pay import runs
from dealerkpi.pay.models import Statement
from dealerkpi.plans.engine import Period
from dealerkpi.sales.models import Delivery, Order, Payment
from dealerkpi.sales.services import CHECKLIST
from dealerkpi.stock.models import Vehicle
from dealerkpi.targets.models import Target
from tests.world import World, make_vin, world_with_consultant_plan

pytestmark = pytest.mark.django_db

OCTOBER = Period(2026, 10)
ADMIN = Viewer(Reach.EVERYTHING)
PLAN = """
plan: rebuild
name: 重建方案
role: consultant
version: "r1"
period: month
policies: {division_by_zero: zero, missing_target: skip, missing_value: zero}
indicators:
  volume: {label: 销量, metric: units_delivered, target: person, scoring: {kind: linear, cap: 150}}
  profit: {label: 前端毛利, metric: front_gross_profit, target: 500, scoring: {kind: linear, cap: 150}}
  leads: {label: 新开客户, metric: new_leads, target: 2, scoring: {kind: linear, cap: 150}}
  visits: {label: 首次到店, metric: first_visits, target: 1, scoring: {kind: linear, cap: 150}}
  drives: {label: 试驾率, metric: test_drive_rate, target: 50, scoring: {kind: linear, cap: 150}}
  closing: {label: 成交率, metric: visit_to_order_rate, target: 50, scoring: {kind: linear, cap: 150}}
  cash: {label: 回款, metric: collections, target: 10000, scoring: {kind: linear, cap: 150}}
weights:
  default: {volume: 40, profit: 15, leads: 10, visits: 10, drives: 5, closing: 10, cash: 10}
base_pay:
  - {amount: 1200}
pay:
  unit_award: {label: 单车奖, kind: per_unit, amount: 300}
"""
# The order the kinds are imported in: what a row refers to is there before it.
KINDS = ("catalogue", "staff", "targets", "leads", "visits", "vehicles", "test_drives", "orders", "payments",
         "deliveries")
RECORD_KINDS = ("catalogue", "staff", "targets", "leads", "visits", "test_drives", "orders", "payments")


def renamed(number: str) -> str:
    return f"R{number}"


def local(moment: datetime.datetime | None) -> str:
    return "" if moment is None else f"{timezone.localtime(moment):%Y-%m-%d %H:%M}"


class Files:
    """Store S1's records as the rows of each kind's file, keyed by the template's column names."""

    def __init__(self, world: World, store: Store, to: str) -> None:
        self.world, self.store, self.to = world, store, to
        self.vins: dict[str, str] = {}

    def rows(self, kind: str) -> list[dict[str, Any]]:
        return getattr(self, kind)()

    def catalogue(self) -> list[dict[str, Any]]:
        return [{"brand": p.trim.vehicle_model.brand.code, "model": p.trim.vehicle_model.code,
                 "model_name": p.trim.vehicle_model.name, "segment": p.trim.vehicle_model.segment,
                 "trim": p.trim.code, "trim_name": p.trim.name, "margin_class": p.trim.margin_class.code,
                 "price_from": p.valid_from, "guide_price": p.guide_price, "floor_price": p.floor_price,
                 "cost": p.cost} for p in TrimPrice.objects.select_related("trim__vehicle_model__brand",
                                                                           "trim__margin_class")]

    def staff(self) -> list[dict[str, Any]]:
        teams = {m.staff_id: m for m in TeamMembership.objects.select_related("team")}
        rows = []
        for spell in RoleAssignment.objects.filter(store=self.store).select_related("staff").order_by("pk"):
            person, membership = spell.staff, teams.get(spell.staff_id)
            rows.append({"store": self.to, "employee_no": renamed(person.employee_no), "name": person.name,
                         "role": spell.role, "hire_date": person.hire_date, "leave_date": person.leave_date or "",
                         "role_from": spell.valid_from, "team": membership.team.name if membership else "",
                         "team_leader": int(bool(membership and membership.is_leader)),
                         "base_salary": person.base_salary or ""})
        return rows

    def targets(self) -> list[dict[str, Any]]:
        return [{"store": self.to, "month": f"{t.month:%Y-%m}", "metric": t.metric, "value": t.value,
                 "team": t.team.name if t.team else "",
                 "employee_no": renamed(t.staff.employee_no) if t.staff else ""}
                for t in Target.objects.filter(store=self.store).select_related("team", "staff")]

    def leads(self) -> list[dict[str, Any]]:
        return [{"store": self.to, "mobile": lead.customer.phone, "customer": lead.customer.name,
                 "owner": renamed(lead.owner.employee_no), "source": lead.source,
                 "intended_model": lead.intended_model.code if lead.intended_model else "", "grade": lead.grade,
                 "opened_at": local(lead.created_at), "next_follow_up_on": lead.next_follow_up_on or "",
                 "closed_at": local(lead.closed_at), "district": lead.customer.district}
                for lead in Lead.objects.filter(store=self.store).select_related("customer", "owner",
                                                                                 "intended_model")]

    def visits(self) -> list[dict[str, Any]]:
        return [{"store": self.to, "mobile": v.lead.customer.phone if v.lead else "",
                 "opened_at": local(v.lead.created_at) if v.lead else "",
                 "consultant": renamed(v.consultant.employee_no), "arrived_at": local(v.arrived_at),
                 "left_at": local(v.left_at), "first_visit": int(v.is_first_visit), "party_size": v.party_size,
                 "has_intent": int(v.has_intent), "was_invited": int(v.was_invited),
                 "test_drive_taken": int(v.test_drive_taken)}
                for v in ShowroomVisit.objects.filter(store=self.store).select_related("lead__customer",
                                                                                      "consultant")]

    def test_drives(self) -> list[dict[str, Any]]:
        return [{"store": self.to, "mobile": d.lead.customer.phone, "opened_at": local(d.lead.created_at),
                 "consultant": renamed(d.consultant.employee_no), "vin": self.vins[d.vehicle.vin],
                 "starts_at": local(d.starts_at), "ends_at": local(d.ends_at), "status": d.status,
                 "licence_checked": int(d.licence_checked), "agreement_signed": int(d.agreement_signed),
                 "feedback": d.feedback}
                for d in crm.TestDrive.objects.filter(store=self.store).select_related("lead__customer", "consultant",
                                                                                  "vehicle")]

    def _orders(self) -> list[Order]:
        return list(Order.objects.filter(store=self.store).select_related("customer", "consultant", "trim",
                                                                          "vehicle", "reversal")
                    .prefetch_related("credits__staff").order_by("pk"))

    def vehicles(self) -> list[dict[str, Any]]:
        rows = []
        for vehicle in Vehicle.objects.filter(store=self.store, status=Vehicle.Status.DEMO).select_related("trim"):
            self.vins[vehicle.vin] = make_vin(900000 + vehicle.pk)
            rows.append({"store": self.to, "vin": self.vins[vehicle.vin], "trim": vehicle.trim.code,
                         "colour": vehicle.colour, "cost": vehicle.cost, "demo": 1})
        for order in self._orders():
            vehicle = order.vehicle
            if vehicle is None:
                continue
            self.vins[vehicle.vin] = make_vin(900000 + vehicle.pk)
            # The hand-built world leaves sold cars without their arrival day: they arrived by the order.
            arrived = vehicle.arrived_on or timezone.localdate(order.ordered_at)
            rows.append({"store": self.to, "vin": self.vins[vehicle.vin], "trim": vehicle.trim.code,
                         "colour": vehicle.colour, "cost": vehicle.cost, "financed_from": vehicle.financed_from or "",
                         "arrived_on": arrived})
        return rows

    def orders(self) -> list[dict[str, Any]]:
        rows = []
        for order in self._orders():
            partner = [c for c in order.credits.all() if c.staff_id != order.consultant_id]
            rows.append({"store": self.to, "order_no": f"DMS-{order.pk}", "mobile": order.customer.phone,
                         "customer": order.customer.name, "consultant": renamed(order.consultant.employee_no),
                         "trim": order.trim.code, "colour": order.colour, "ordered_at": local(order.ordered_at),
                         "guide_price": order.guide_price, "floor_price": order.floor_price, "price": order.price,
                         "gifts_cost": order.gifts_cost,
                         "status": "cancelled" if order.status == Order.Status.CANCELLED else "confirmed",
                         "cancelled_at": local(order.reversal.at) if hasattr(order, "reversal") else "",
                         "cancel_reason": order.reversal.reason if hasattr(order, "reversal") else "",
                         "partner": renamed(partner[0].staff.employee_no) if partner else "",
                         "partner_share": partner[0].share if partner else ""})
        return rows

    def payments(self) -> list[dict[str, Any]]:
        return [{"store": self.to, "order_no": f"DMS-{p.order_id}", "kind": p.kind, "amount": p.amount,
                 "paid_at": local(p.paid_at)} for p in Payment.objects.filter(store=self.store)]

    def deliveries(self) -> list[dict[str, Any]]:
        return [{"store": self.to, "order_no": f"DMS-{d.order_id}", "vin": self.vins[d.vehicle.vin],
                 "scheduled_for": local(d.scheduled_for), "delivered_at": local(d.delivered_at),
                 **{name: 1 for name in CHECKLIST}}
                for d in Delivery.objects.filter(store=self.store, delivered_at__isnull=False).select_related(
                    "vehicle")]

    def file(self, kind: str, chinese: bool) -> tuple[bytes, str]:
        """The kind's file: CSV with the English names, or a workbook with the Chinese ones."""
        columns = COLUMNS[kind]
        rows = [[row.get(column.key, "") for column in columns] for row in self.rows(kind)]
        if not chinese:
            out = io.StringIO()
            writer = csv.writer(out)
            writer.writerow([column.key for column in columns])
            writer.writerows(rows)
            return out.getvalue().encode(), f"{kind}.csv"
        with translation.override("zh-hans"):
            header = header_names(columns)
        book = Workbook()
        book.active.append(header)
        for row in rows:
            book.active.append([str(cell) if isinstance(cell, (Decimal, datetime.date)) else cell for cell in row])
        out = io.BytesIO()
        book.save(out)
        return out.getvalue(), f"{kind}.xlsx"


def imported(kind: str, data: bytes, name: str) -> Outcome:
    with translation.override("en"):
        outcome = import_file(kind, io.BytesIO(data), name, ADMIN, Options())
    assert outcome.ok, (kind, [(e.row, e.column, e.value, e.message) for e in outcome.report.errors[:10]])
    return outcome


def statements(store: Store) -> dict[str, Any]:
    """Each person's statement by employee number: the total, scores, actuals, targets and lines."""
    run = runs.compute(runs.new_run(store, OCTOBER))
    found = {}
    for statement in Statement.objects.filter(run=run).select_related("staff").prefetch_related("lines"):
        number = statement.staff.employee_no
        found[number[1:] if number.startswith("R") else number] = {
            "total": statement.total, "score": statement.total_score, "coefficient": statement.coefficient,
            "actuals": statement.actuals, "targets": statement.targets, "warnings": statement.warnings,
            "lines": [(line.position, line.category, line.kind, line.rule, line.label, line.amount, line.exact,
                       line.inputs, line.values) for line in statement.lines.all()],
        }
    return found


def test_a_stores_month_is_rebuilt_from_files_alone() -> None:
    world = world_with_consultant_plan(PLAN)
    s1 = world.stores["S1"]
    for key, units in (("c1", 1), ("c2", 2), ("c3", 1)):
        Target.objects.create(store=s1, staff=world.staff[key], month=OCTOBER.first_day, metric="units_delivered",
                              value=units)
    crm.TestDrive.objects.filter(store=s1).update(status=crm.TestDrive.Status.DONE)  # the world leaves them scheduled
    source = statements(s1)
    assert any(Decimal(s["actuals"].get("drives", "0")) > 0 for s in source.values())
    assert {number for number, s in source.items() if s["total"] > 1200} == {
        world.staff[key].employee_no for key in ("c1", "c2", "c3")}  # the month pays something to compare

    s9 = Store.objects.create(region=s1.region, code="S9", name="S9店", city="苏州")
    files = Files(world, s1, "S9")
    written = {}
    with acting_as(User.objects.get(username="admin")):
        for position, kind in enumerate(KINDS):
            data, name = files.file(kind, chinese=position % 2 == 1)
            written[kind] = (data, name)
            outcome = imported(kind, data, name)
            assert outcome.report.written > 0 or kind == "catalogue", kind
    assert statements(s9) == source

    # The same files again change nothing (deliveries are refused as delivered already, as before).
    counts = {model: model.objects.count() for model in (Lead, Order, Payment, ShowroomVisit, Target, crm.TestDrive)}
    for kind in RECORD_KINDS:
        outcome = imported(kind, *written[kind])
        assert (outcome.report.written, outcome.report.unchanged) == (0, outcome.report.rows), kind
    assert counts == {model: model.objects.count() for model in counts}
    imported_targets = {str(pk) for pk in Target.objects.filter(store=s9).values_list("pk", flat=True)}
    audited = set(AuditEntry.objects.filter(content_type__model="target", action="create", actor_name="admin")
                  .values_list("object_id", flat=True))
    assert len(imported_targets) == 3 and imported_targets <= audited


def test_an_import_is_undone_while_nothing_depends_on_it() -> None:
    world = world_with_consultant_plan(PLAN)
    s1 = world.stores["S1"]
    Store.objects.create(region=s1.region, code="S9", name="S9店", city="苏州")
    files = Files(world, s1, "S9")
    batches = {kind: imported(kind, *files.file(kind, chinese=False)).batch for kind in KINDS if kind != "targets"}
    orders = batches["orders"]
    assert ImportBatch.objects.get(pk=orders.pk).outcome == ImportBatch.Outcome.IMPORTED

    with translation.override("en"):
        refused = undo(orders.pk, ADMIN)  # delivered since: the deliveries and payments hold the orders
    assert not refused.ok and refused.blockers
    assert any("delivery" in text for text in map(str, refused.blockers))
    assert Order.objects.filter(store__code="S9").exists()

    assert undo(batches["payments"].pk, ADMIN).ok  # nothing depends on a payment
    assert not Payment.objects.filter(store__code="S9").exists()
    assert ImportBatch.objects.get(pk=batches["payments"].pk).outcome == ImportBatch.Outcome.UNDONE
    assert not undo(batches["payments"].pk, ADMIN).ok  # once
    assert blockers(batches["visits"]) == []
    assert undo(batches["visits"].pk, ADMIN).ok and not ShowroomVisit.objects.filter(store__code="S9").exists()
