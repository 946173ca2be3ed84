"""A small hand-built dealer world for scope and view tests: every record knows which consultant made it.

Group G1 has region R1 (stores S1, S2) and region R2 (store S3); group G2 has store S4.
S1 has teams T1 (c1, c2, supervisor sup1) and T2 (c3). S2 has consultant c4, S3 c5, S4 c6.
Each consultant owns a full deal chain: customer, lead, follow-up, visit, test drive, order (c1's order is
shared 50/50 with c2), payment, derivative sale, delivery, C-card call, lost sale, complaint, training and
attendance.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import count

from django.db.models import Model
from django.test import Client
from django.utils import timezone

from dealerkpi.catalog.models import Brand, MarginClass, Trim, TrimPrice, VehicleModel
from dealerkpi.conduct.models import Fault, FaultType, ProcessCheck
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
from dealerkpi.market.models import CompetitorPrice, MarketShareSurvey, PresentationAudit, PromotionExecution
from dealerkpi.org.models import DealerGroup, Region, Role, RoleAssignment, Staff, Store, Team, TeamMembership, User
from dealerkpi.people.models import AttendanceRecord, TrainingRecord
from dealerkpi.plans.models import Plan, publish_version
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

PASSWORD = "demo1234"
HIRED = datetime.date(2025, 1, 1)
_serial = count(1)


def make_vin(serial: int) -> str:
    body = f"LDK{serial:05d}A"[:8] + "0" + f"R{serial:07d}"[-8:]
    return body[:8] + vin_check_digit(body) + body[9:]


def at(day: int, hour: int = 10) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime(2026, 10, day, hour))


@dataclass
class World:
    stores: dict[str, Store] = field(default_factory=dict)
    staff: dict[str, Staff] = field(default_factory=dict)
    users: dict[str, User] = field(default_factory=dict)
    teams: dict[str, Team] = field(default_factory=dict)
    owners: dict[tuple[type[Model], int], frozenset[str]] = field(default_factory=dict)  # "store:S1" if none
    trim: Trim | None = None

    def tag(self, record: Model, *owners: str) -> Model:
        self.owners[(type(record), record.pk)] = frozenset(owners)
        return record


def _staff(world: World, key: str, role: str, group: DealerGroup, store: Store | None,
           region: Region | None = None) -> Staff:
    staff = Staff.objects.create(
        group=group, store=store, region=region, employee_no=f"E{next(_serial):05d}", name=key, role=role,
        hire_date=HIRED,
    )
    RoleAssignment.objects.create(staff=staff, role=role, store=store, valid_from=HIRED)
    user = User.objects.create_user(username=key, password=PASSWORD, staff=staff)
    world.staff[key], world.users[key] = staff, user
    return staff


def _catalogue(world: World) -> None:
    brand = Brand.objects.create(code="YH", name="远航")
    high = MarginClass.objects.create(code="high", name="高毛利", rank=1)
    model = VehicleModel.objects.create(brand=brand, code="YH-S7", name="S7", segment="SUV")
    world.trim = Trim.objects.create(vehicle_model=model, code="YH-S7-LUX", name="2.0T 豪华版", margin_class=high)
    TrimPrice.objects.create(trim=world.trim, valid_from=HIRED, guide_price=Decimal("229800"),
                             floor_price=Decimal("209800"), cost=Decimal("205000"))
    rival = Brand.objects.create(code="RV", name="对手", is_competitor=True)
    VehicleModel.objects.create(brand=rival, code="RV-X5", name="X5", segment="SUV")


def _organisation(world: World) -> None:
    g1 = DealerGroup.objects.create(code="G1", name="华东集团")
    g2 = DealerGroup.objects.create(code="G2", name="其他集团")
    r1 = Region.objects.create(group=g1, code="R1", name="苏南")
    r2 = Region.objects.create(group=g1, code="R2", name="苏北")
    r3 = Region.objects.create(group=g2, code="R3", name="浙江")
    for code, region in (("S1", r1), ("S2", r1), ("S3", r2), ("S4", r3)):
        world.stores[code] = Store.objects.create(region=region, code=code, name=f"{code}店", city="苏州")
    s1 = world.stores["S1"]
    world.teams["T1"] = Team.objects.create(store=s1, name="一组")
    world.teams["T2"] = Team.objects.create(store=s1, name="二组")
    for key, store, team in (("c1", "S1", "T1"), ("c2", "S1", "T1"), ("c3", "S1", "T2"),
                             ("c4", "S2", None), ("c5", "S3", None), ("c6", "S4", None)):
        group = g2 if store == "S4" else g1
        staff = _staff(world, key, Role.CONSULTANT, group, world.stores[store])
        if team:
            TeamMembership.objects.create(staff=staff, team=world.teams[team], valid_from=HIRED)
    sup = _staff(world, "sup1", Role.SUPERVISOR, g1, s1)
    TeamMembership.objects.create(staff=sup, team=world.teams["T1"], valid_from=HIRED, is_leader=True)
    for key, role in (("m1", Role.SALES_MANAGER), ("gm1", Role.GENERAL_MANAGER), ("hr1", Role.HR),
                      ("fin1", Role.FINANCE)):
        _staff(world, key, role, g1, s1)
    _staff(world, "m2", Role.SALES_MANAGER, g1, world.stores["S2"])
    _staff(world, "ho_group", Role.HEAD_OFFICE, g1, None)
    _staff(world, "ho_r1", Role.HEAD_OFFICE, g1, None, region=r1)
    _staff(world, "ho_g2", Role.HEAD_OFFICE, g2, None)
    User.objects.create_superuser(username="admin", password=PASSWORD)
    User.objects.create_user(username="nostaff", password=PASSWORD)


def _store_records(world: World, store: Store, manager: Staff) -> None:
    """Records that belong to the store rather than to a person: shared by its sales staff."""
    key = f"store:{store.code}"
    serial = next(_serial)
    vehicle = Vehicle.objects.create(store=store, vin=make_vin(serial), trim=world.trim, colour="白",
                                     cost=Decimal("205000"), arrived_on=datetime.date(2026, 9, 1),
                                     status=Vehicle.Status.IN_STOCK)
    dealer = SecondaryDealer.objects.create(store=store, code=f"SD{serial}", name=f"二网{serial}",
                                            territory="吴江区")
    world.tag(vehicle, key)
    world.tag(dealer, key)
    world.tag(Transfer.objects.create(store=store, vehicle=vehicle, moved_on=datetime.date(2026, 9, 2),
                                      to_dealer=dealer), key)
    world.tag(IntentGrade.objects.create(store=store, code="H", name="H 级", follow_up_days=7), key)
    world.tag(PromotionExecution.objects.create(store=store, name="国庆促销", starts_on=datetime.date(2026, 10, 1),
                                                ends_on=datetime.date(2026, 10, 7), score=Decimal("88"),
                                                assessed_by=manager), key)
    world.tag(PresentationAudit.objects.create(store=store, audited_on=datetime.date(2026, 10, 9),
                                               score=Decimal("92"), auditor=manager), key)
    world.tag(MarketShareSurvey.objects.create(store=store, month=datetime.date(2026, 10, 1),
                                               share=Decimal("12.5"), source="第三方调研"), key)
    rival = VehicleModel.objects.get(code="RV-X5")
    world.tag(CompetitorPrice.objects.create(store=store, competitor_model=rival, seen_on=datetime.date(2026, 10, 3),
                                             price=Decimal("219000"), source="展厅", reported_by=manager), key)


def _deal_chain(world: World, key: str, partner: str | None = None) -> None:
    staff = world.staff[key]
    store = staff.store
    serial = next(_serial)
    deal = (key, partner) if partner else (key,)
    customer = world.tag(Customer.objects.create(store=store, owner=staff, name=f"客户{serial}",
                                                 phone=f"139{serial:08d}", district="姑苏区", created_at=at(1)), key)
    lead = world.tag(Lead.objects.create(store=store, customer=customer, owner=staff, source="walk_in",
                                         intended_model=world.trim.vehicle_model, grade="H", created_at=at(1),
                                         next_follow_up_on=datetime.date(2026, 10, 8)), key)
    world.tag(FollowUp.objects.create(store=store, lead=lead, staff=staff, at=at(2), channel="phone",
                                      outcome="reached", grade_after="H", due_on=datetime.date(2026, 10, 2)), key)
    world.tag(ShowroomVisit.objects.create(store=store, lead=lead, consultant=staff, arrived_at=at(3)), key)
    demo = Vehicle.objects.create(store=store, vin=make_vin(serial), trim=world.trim, colour="黑",
                                  cost=Decimal("205000"), status=Vehicle.Status.DEMO)
    world.tag(demo, f"store:{store.code}")
    world.tag(TestDrive.objects.create(store=store, lead=lead, consultant=staff, vehicle=demo, starts_at=at(3, 11),
                                       ends_at=at(3, 12), licence_checked=True, agreement_signed=True), key)
    sold = Vehicle.objects.create(store=store, vin=make_vin(serial + 50000), trim=world.trim, colour="白",
                                  cost=Decimal("205000"), status=Vehicle.Status.DELIVERED)
    world.tag(sold, f"store:{store.code}")
    order = world.tag(Order.objects.create(store=store, lead=lead, customer=customer, consultant=staff,
                                           trim=world.trim, colour="白", vehicle=sold, ordered_at=at(4),
                                           guide_price=Decimal("229800"), floor_price=Decimal("209800"),
                                           price=Decimal("205800")), *deal)
    shares = [(staff, Decimal("100"))] if partner is None else [(staff, Decimal("50")),
                                                               (world.staff[partner], Decimal("50"))]
    for person, share in shares:
        world.tag(OrderCredit.objects.create(store=store, order=order, staff=person, share=share), *deal)
    world.tag(OrderApproval.objects.create(store=store, order=order, kind="below_floor", requested_by=staff,
                                           requested_at=at(4)), *deal)
    world.tag(Payment.objects.create(store=store, order=order, kind="deposit", amount=Decimal("5000"),
                                     paid_at=at(4)), *deal)
    world.tag(DerivativeSale.objects.create(store=store, order=order, kind="insurance", amount=Decimal("6800"),
                                            income=Decimal("1020")), *deal)
    delivery = world.tag(
        Delivery.objects.create(store=store, order=order, vehicle=sold, delivered_at=at(10)), *deal
    )
    world.tag(DeliveryFollowUp.objects.create(store=store, delivery=delivery, staff=staff,
                                              due_on=datetime.date(2026, 10, 11)), key)
    lost_lead = world.tag(Lead.objects.create(store=store, customer=customer, owner=staff, source="phone",
                                              intended_model=world.trim.vehicle_model, grade="F", status="lost",
                                              created_at=at(5)), key)
    world.tag(LostSale.objects.create(store=store, lead=lost_lead, reason="price", requested_by=staff,
                                      requested_at=at(6)), key)
    cancelled = world.tag(Order.objects.create(store=store, lead=lost_lead, customer=customer, consultant=staff,
                                               trim=world.trim, colour="红", ordered_at=at(5),
                                               guide_price=Decimal("229800"), floor_price=Decimal("209800"),
                                               price=Decimal("219800"), status="cancelled"), key)
    world.tag(OrderCredit.objects.create(store=store, order=cancelled, staff=staff), key)
    world.tag(Reversal.objects.create(store=store, order=cancelled, kind="cancellation", at=at(7),
                                      reason="客户改变主意", recorded_by=staff), key)
    world.tag(Complaint.objects.create(store=store, customer=customer, about_staff=staff, channel="in_store",
                                       summary="交车等待太久", received_at=at(12),
                                       due_on=datetime.date(2026, 10, 15)), key)
    world.tag(TrainingRecord.objects.create(store=store, staff=staff, course="新车型培训",
                                            held_on=datetime.date(2026, 10, 9), hours=Decimal("3")), key)
    world.tag(AttendanceRecord.objects.create(store=store, staff=staff, day=datetime.date(2026, 10, 9),
                                              status="present"), key)
    late, _new = FaultType.objects.get_or_create(group=staff.group, name="晨会迟到",
                                                 defaults={"default_points": 2, "default_amount": Decimal("50")})
    world.tag(Fault.objects.create(store=store, staff=staff, day=datetime.date(2026, 10, 9), fault_type=late,
                                   points=2, amount=Decimal("50"), description="晨会迟到10分钟", recorded_by=staff,
                                   recorded_at=at(9), status=Fault.Status.APPROVED), key)
    world.tag(ProcessCheck.objects.create(store=store, staff=staff, kind="reception", day=datetime.date(2026, 10, 3),
                                          score=Decimal("80"), recorded_by=staff, recorded_at=at(3)), key)


def build_world() -> World:
    world = World()
    _organisation(world)
    _catalogue(world)
    for code in ("S1", "S2", "S3", "S4"):
        manager = Staff.objects.filter(store=world.stores[code], role=Role.SALES_MANAGER).first()
        _store_records(world, world.stores[code], manager or world.staff["c6" if code == "S4" else "c5"])
    _deal_chain(world, "c1", partner="c2")
    for key in ("c2", "c3", "c4", "c5", "c6"):
        _deal_chain(world, key)
    return world


def delivered_deal(world: World, key: str, at: datetime.datetime, shares: dict[str, int] | None = None) -> Delivery:
    """A car ordered and delivered at `at` in the person's store, credited by `shares` (default: all to them)."""
    staff = world.staff[key]
    serial = next(_serial) + 200000
    customer = Customer.objects.create(store=staff.store, owner=staff, name=f"客户{serial}", phone=f"136{serial:08d}",
                                       created_at=at)
    sold = Vehicle.objects.create(store=staff.store, vin=make_vin(serial), trim=world.trim, colour="白",
                                  cost=Decimal("200000"), status=Vehicle.Status.DELIVERED)
    order = Order.objects.create(store=staff.store, customer=customer, consultant=staff, trim=world.trim, colour="白",
                                 vehicle=sold, ordered_at=at, guide_price=Decimal("229800"),
                                 floor_price=Decimal("209800"), price=Decimal("219800"), status="delivered")
    for person, share in (shares or {key: 100}).items():
        OrderCredit.objects.create(store=staff.store, order=order, staff=world.staff[person], share=share)
    return Delivery.objects.create(store=staff.store, order=order, vehicle=sold, delivered_at=at)


def world_with_consultant_plan(document: str) -> World:
    """The world with `document` published as S1's group's consultant plan from January 2026."""
    world = build_world()
    plan = Plan.objects.create(group=world.stores["S1"].region.group, code="consultant", name="顾问方案",
                               role="consultant")
    publish_version(plan, document, datetime.date(2026, 1, 1))
    return world


def signed_in(username: str) -> Client:
    """A test client logged in as the world's user, reading pages in English."""
    client = Client()
    client.login(username=username, password=PASSWORD)
    client.cookies["django_language"] = "en"
    return client
