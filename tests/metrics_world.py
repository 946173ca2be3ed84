"""A small hand-made store for the metrics tests, October 2025 (Asia/Shanghai), every figure worked out by hand
in tests/test_metrics.py.

Store S (teams A and B; supervisor sup leads A; manager mgr) and store X (consultant xia, outside the scope).
ann is in A; bob is in A until 15 October and in B from the 16th; cat is in B; dan (A) left on 30 June 2025.
Models: M1 (margin class high, in its introduction stage since September) and M2 (low, mature).

Deals (price / vehicle cost / gifts):
- D1 ann+bob 50/50, M1, 200000 / 190000 / 2000, delivered 10 Oct, insurance (6000, income 900) and finance
  (100000, income 3000), paid 200000 on 8 Oct.
- D2 bob, M2, 100000 / 95000 / 0, delivered 20 Oct, accessories 3000 (income 1200), paid 10000 on 2 Oct and
  90000 on 5 Nov.
- D3 ann, M1, 150000 / 140000 / 0, delivered 20 Sep, paid 15 Sep, unwound 12 Oct.
- D4 cat, M1, 120000 / 110000 / 0, delivered 5 Oct, paid 5 Oct, unwound 25 Oct, refunded 26 Oct.
- C ann, cancelled: ordered 3 Oct (deposit 5000), cancelled 4 Oct, refunded 5 Oct.
- O6 ann, ordered 6 Oct below the floor, no approval, cross-region. O7 ann, 7 Oct below floor, approved.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import count

from django.utils import timezone

from dealerkpi.catalog.models import Brand, LifecycleStage, MarginClass, Trim, VehicleModel
from dealerkpi.crm.models import Complaint, Customer, FollowUp, Lead, LostSale, ShowroomVisit, TestDrive
from dealerkpi.market.models import MarketShareSurvey, PresentationAudit, PromotionExecution
from dealerkpi.org.models import DealerGroup, Region, Role, RoleAssignment, Staff, Store, Team, TeamMembership
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
from tests.world import make_vin

HIRED = datetime.date(2024, 1, 1)
_serial = count(70000)


def day(month: int, dd: int, year: int = 2025) -> datetime.date:
    return datetime.date(year, month, dd)


def at(month: int, dd: int, hour: int = 10, year: int = 2025) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime(year, month, dd, hour))


def D(value: str | int) -> Decimal:  # noqa: N802 - short on purpose in hand-worked figures
    return Decimal(str(value))


@dataclass
class MetricsWorld:
    store: Store
    other: Store
    group: DealerGroup
    teams: dict[str, Team] = field(default_factory=dict)
    staff: dict[str, Staff] = field(default_factory=dict)
    trims: dict[str, Trim] = field(default_factory=dict)
    models: dict[str, VehicleModel] = field(default_factory=dict)
    orders: dict[str, Order] = field(default_factory=dict)
    deliveries: dict[str, Delivery] = field(default_factory=dict)
    leads: dict[str, Lead] = field(default_factory=dict)
    records: dict[str, object] = field(default_factory=dict)

    def id(self, key: str) -> int:
        return self.staff[key].pk

    # -- builders ---------------------------------------------------------------------------------------

    def person(self, key: str, role: str = Role.CONSULTANT, store: Store | None = None,
               leave: datetime.date | None = None) -> Staff:
        store = store or self.store
        staff = Staff.objects.create(group=self.group, store=store, employee_no=f"M{next(_serial)}", name=key,
                                     role=role, hire_date=HIRED, leave_date=leave)
        RoleAssignment.objects.create(staff=staff, role=role, store=store, valid_from=HIRED, valid_to=leave)
        self.staff[key] = staff
        return staff

    def member(self, key: str, team: str, start: datetime.date = HIRED, end: datetime.date | None = None,
               leader: bool = False) -> None:
        TeamMembership.objects.create(staff=self.staff[key], team=self.teams[team], valid_from=start, valid_to=end,
                                      is_leader=leader)

    def vehicle(self, trim: str, cost: int | str = 100000, store: Store | None = None) -> Vehicle:
        return Vehicle.objects.create(store=store or self.store, vin=make_vin(next(_serial)), trim=self.trims[trim],
                                      colour="白", cost=D(cost), status=Vehicle.Status.DELIVERED)

    def customer(self, owner: str) -> Customer:
        serial = next(_serial)
        staff = self.staff[owner]
        return Customer.objects.create(store=staff.store, owner=staff, name=f"客户{serial}", phone=f"138{serial:08d}",
                                       created_at=at(9, 1))

    def lead(self, owner: str, created: datetime.datetime, **extra: object) -> Lead:
        staff = self.staff[owner]
        return Lead.objects.create(store=staff.store, customer=self.customer(owner), owner=staff, source="walk_in",
                                   intended_model=self.models["M1"], grade=extra.pop("grade", "A"),
                                   created_at=created, **extra)

    def order(self, key: str, credits: dict[str, int], trim: str, price: int, ordered: datetime.datetime,
              floor: int | None = None, gifts: int = 0, cross_region: bool = False) -> Order:
        consultant = self.staff[next(iter(credits))]
        store = consultant.store
        order = Order.objects.create(
            store=store, customer=self.customer(consultant.name), consultant=consultant, trim=self.trims[trim],
            colour="白", ordered_at=ordered, guide_price=D(price) * 2, floor_price=D(floor if floor else price),
            price=D(price), gifts_cost=D(gifts), is_cross_region=cross_region,
        )
        for who, share in credits.items():
            OrderCredit.objects.create(store=store, order=order, staff=self.staff[who], share=D(share))
        self.orders[key] = order
        return order

    def deliver(self, key: str, cost: int, delivered: datetime.datetime) -> Delivery:
        order = self.orders[key]
        vehicle = self.vehicle(order.trim.vehicle_model.code, cost, order.store)
        order.vehicle = vehicle
        order.status = Order.Status.DELIVERED
        order.save(update_fields=["vehicle", "status"])
        delivery = Delivery.objects.create(store=order.store, order=order, vehicle=vehicle, delivered_at=delivered)
        self.deliveries[key] = delivery
        return delivery

    def pay(self, key: str, amount: int, when: datetime.datetime) -> Payment:
        order = self.orders[key]
        kind = Payment.Kind.REFUND if amount < 0 else Payment.Kind.BALANCE
        return Payment.objects.create(store=order.store, order=order, kind=kind, amount=D(amount), paid_at=when)

    def derivative(self, key: str, kind: str, amount: int, income: int) -> None:
        order = self.orders[key]
        DerivativeSale.objects.create(store=order.store, order=order, kind=kind, amount=D(amount), income=D(income))

    def reverse(self, key: str, kind: str, when: datetime.datetime) -> None:
        order = self.orders[key]
        Reversal.objects.create(store=order.store, order=order, kind=kind, at=when, reason="测试",
                                recorded_by=self.staff["mgr"])
        order.status = Order.Status.CANCELLED if kind == Reversal.Kind.CANCELLATION else Order.Status.UNWOUND
        order.save(update_fields=["status"])


def organisation() -> MetricsWorld:
    group = DealerGroup.objects.create(code="MG", name="测试集团")
    region = Region.objects.create(group=group, code="MR", name="测试大区")
    brand = Brand.objects.create(code="MB", name="测试品牌")
    store = Store.objects.create(region=region, code="MS", name="测试店", city="苏州", brand=brand)
    other = Store.objects.create(region=region, code="MX", name="别的店", city="无锡", brand=brand)
    world = MetricsWorld(store=store, other=other, group=group)
    high = MarginClass.objects.create(code="high", name="高毛利", rank=1)
    low = MarginClass.objects.create(code="low", name="低毛利", rank=3)
    for code, margin, stage in (("M1", high, "introduction"), ("M2", low, "maturity")):
        model = VehicleModel.objects.create(brand=brand, code=code, name=code)
        world.models[code] = model
        world.trims[code] = Trim.objects.create(vehicle_model=model, code=f"{code}-T", name="标准版",
                                                margin_class=margin)
        LifecycleStage.objects.create(vehicle_model=model, stage=stage, valid_from=day(9, 1))
    for name in ("A", "B"):
        world.teams[name] = Team.objects.create(store=store, name=name)
    return world


def build_metrics_world() -> MetricsWorld:
    world = organisation()
    w = world
    for key in ("ann", "bob", "cat"):
        w.person(key)
    w.person("dan", leave=day(6, 30))
    w.person("sup", Role.SUPERVISOR)
    w.person("mgr", Role.SALES_MANAGER)
    w.person("xia", store=w.other)
    w.member("ann", "A")
    w.member("bob", "A", end=day(10, 15))
    w.member("bob", "B", start=day(10, 16))
    w.member("cat", "B")
    w.member("dan", "A", end=day(6, 30))
    w.member("sup", "A", leader=True)
    _deals(w)
    _funnel(w)
    _care(w)
    _market(w)
    _people(w)
    _other_store(w)
    return w


def _deals(w: MetricsWorld) -> None:
    kind = DerivativeSale.Kind
    w.order("D1", {"ann": 50, "bob": 50}, "M1", 200000, at(10, 1), gifts=2000)
    w.deliver("D1", 190000, at(10, 10))
    w.derivative("D1", kind.INSURANCE, 6000, 900)
    w.derivative("D1", kind.FINANCE, 100000, 3000)
    w.pay("D1", 200000, at(10, 8))

    w.order("D2", {"bob": 100}, "M2", 100000, at(10, 2))
    w.deliver("D2", 95000, at(10, 20))
    w.derivative("D2", kind.ACCESSORIES, 3000, 1200)
    w.pay("D2", 10000, at(10, 2, 15))
    w.pay("D2", 90000, at(11, 5))

    w.order("D3", {"ann": 100}, "M1", 150000, at(9, 1))
    w.pay("D3", 150000, at(9, 15))
    w.deliver("D3", 140000, at(9, 20))
    w.reverse("D3", Reversal.Kind.UNWIND, at(10, 12))

    w.order("D4", {"cat": 100}, "M1", 120000, at(10, 2))
    w.pay("D4", 120000, at(10, 5, 9))
    w.deliver("D4", 110000, at(10, 5))
    w.reverse("D4", Reversal.Kind.UNWIND, at(10, 25))
    w.pay("D4", -120000, at(10, 26))

    w.order("C", {"ann": 100}, "M1", 180000, at(10, 3))
    w.pay("C", 5000, at(10, 3))
    w.reverse("C", Reversal.Kind.CANCELLATION, at(10, 4))
    w.pay("C", -5000, at(10, 5))

    w.order("O6", {"ann": 100}, "M1", 170000, at(10, 6), floor=175000, cross_region=True)
    o7 = w.order("O7", {"ann": 100}, "M1", 170000, at(10, 7), floor=175000)
    OrderApproval.objects.create(store=w.store, order=o7, kind="below_floor", requested_by=w.staff["ann"],
                                 requested_at=at(10, 7), status="approved", decided_by=w.staff["mgr"],
                                 decided_at=at(10, 7, 12))


def _funnel(w: MetricsWorld) -> None:
    for n in range(4):
        w.leads[f"ann{n}"] = w.lead("ann", at(10, 2 + n))
    w.leads["ann_sep"] = w.lead("ann", at(9, 28))
    for n in range(2):
        w.leads[f"bob{n}"] = w.lead("bob", at(10, 3 + n))
    LostSale.objects.create(store=w.store, lead=w.leads["ann3"], reason="price", requested_by=w.staff["ann"],
                            requested_at=at(10, 19), status="approved", decided_by=w.staff["sup"],
                            decided_at=at(10, 20))
    LostSale.objects.create(store=w.store, lead=w.leads["ann2"], reason="price", requested_by=w.staff["ann"],
                            requested_at=at(10, 21), status="requested")
    ann = w.staff["ann"]
    for first, intent in ((True, True), (True, True), (False, True), (True, False)):
        ShowroomVisit.objects.create(store=w.store, lead=w.leads["ann0"], consultant=ann, arrived_at=at(10, 9),
                                     is_first_visit=first, has_intent=intent)
    demo = w.vehicle("M1")
    for status in (TestDrive.Status.DONE, TestDrive.Status.CANCELLED):
        TestDrive.objects.create(store=w.store, lead=w.leads["ann0"], consultant=ann, vehicle=demo,
                                 starts_at=at(10, 9, 11), ends_at=at(10, 9, 12), status=status)


def _care(w: MetricsWorld) -> None:
    ann = w.staff["ann"]
    lead = w.leads["ann0"]
    w.records["on_time"] = FollowUp.objects.create(store=w.store, lead=lead, staff=ann, at=at(10, 5, 20),
                                                   channel="phone", outcome="reached", grade_after="A",
                                                   due_on=day(10, 5), next_due_on=day(10, 9))
    w.records["late"] = FollowUp.objects.create(store=w.store, lead=lead, staff=ann, at=at(10, 11),
                                                channel="phone", outcome="reached", grade_after="A",
                                                due_on=day(10, 9), next_due_on=day(11, 20))
    Lead.objects.filter(pk=lead.pk).update(next_follow_up_on=day(11, 20))
    Lead.objects.filter(pk=w.leads["ann1"].pk).update(next_follow_up_on=day(10, 14))  # missed
    Lead.objects.filter(pk=w.leads["ann2"].pk).update(next_follow_up_on=day(10, 30))  # not yet due on the 28th
    delivery = w.deliveries["D1"]
    for due, done in ((day(10, 12), at(10, 12, 18)), (day(10, 13), None), (day(10, 31), None)):
        DeliveryFollowUp.objects.create(store=w.store, delivery=delivery, staff=ann, due_on=due, done_at=done)
    Complaint.objects.create(store=w.store, about_staff=ann, channel="in_store", summary="等待久",
                             received_at=at(10, 12), due_on=day(10, 20))
    Complaint.objects.create(store=w.store, about_staff=ann, channel="oem_hotline", is_major=True, summary="投诉",
                             received_at=at(10, 15), due_on=day(10, 25))
    Complaint.objects.create(store=w.store, about_staff=ann, channel="in_store", summary="九月",
                             received_at=at(9, 15), due_on=day(9, 25))
    Complaint.objects.create(store=w.store, about_staff=w.staff["sup"], channel="subordinate", summary="排班",
                             received_at=at(10, 18), due_on=day(10, 25))


def _market(w: MetricsWorld) -> None:
    mgr = w.staff["mgr"]
    for audited, score in ((day(10, 9), 90), (day(10, 20), 80), (day(9, 20), 50)):
        PresentationAudit.objects.create(store=w.store, audited_on=audited, score=D(score), auditor=mgr)
    PromotionExecution.objects.create(store=w.store, name="国庆", starts_on=day(9, 28), ends_on=day(10, 7),
                                      score=D(88), assessed_by=mgr)
    PromotionExecution.objects.create(store=w.store, name="双十一", starts_on=day(11, 1), ends_on=day(11, 11),
                                      score=D(60), assessed_by=mgr)
    for month, share, source in ((day(9, 1), "12.5", "调研甲"), (day(10, 1), "11", "调研甲"),
                                 (day(10, 1), "12", "调研乙")):
        MarketShareSurvey.objects.create(store=w.store, month=month, share=D(share), source=source)
    dealers = [
        SecondaryDealer.objects.create(store=w.store, code=f"SD{n}", name=f"二网{n}", territory="吴江区",
                                       is_active=n < 3)
        for n in range(4)
    ]
    holds = w.vehicle("M1")
    Transfer.objects.create(store=w.store, vehicle=holds, moved_on=day(10, 3), to_dealer=dealers[0])
    moved_back = w.vehicle("M1")
    Transfer.objects.create(store=w.store, vehicle=moved_back, moved_on=day(10, 2), to_dealer=dealers[1])
    Transfer.objects.create(store=w.store, vehicle=moved_back, moved_on=day(10, 20), from_dealer=dealers[1])
    mature = w.vehicle("M2")
    Transfer.objects.create(store=w.store, vehicle=mature, moved_on=day(10, 3), to_dealer=dealers[2])
    inactive = w.vehicle("M1")
    Transfer.objects.create(store=w.store, vehicle=inactive, moved_on=day(10, 3), to_dealer=dealers[3])


def _people(w: MetricsWorld) -> None:
    ann, bob, sup = w.staff["ann"], w.staff["bob"], w.staff["sup"]
    for dd, status in ((1, "present"), (2, "late"), (3, "absent"), (4, "rest"), (5, "leave")):
        AttendanceRecord.objects.create(store=w.store, staff=ann, day=day(10, dd), status=status)
    AttendanceRecord.objects.create(store=w.store, staff=ann, day=day(9, 30), status="absent")
    for staff, held, hours, passed in ((ann, day(10, 9), "3", True), (ann, day(10, 20), "2.5", True),
                                       (bob, day(10, 9), "4", False)):
        TrainingRecord.objects.create(store=w.store, staff=staff, course="新车型", held_on=held, hours=D(hours),
                                      passed=passed, trainer=sup)


def _other_store(w: MetricsWorld) -> None:
    """Records of another store: never in store S's figures."""
    w.order("X1", {"xia": 100}, "M1", 160000, at(10, 2))
    w.deliver("X1", 150000, at(10, 9))
    w.lead("xia", at(10, 2))
