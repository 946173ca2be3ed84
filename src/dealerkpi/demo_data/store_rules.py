"""The showroom floor and the store's rules in the generated groups: each store's floor duty roster for the month
under way and the next week, its customer-ownership and attendance rules, the sales policies of the month and a
spiff running this week, its standard steps of a reception and a delivery with a few process checks and faults,
the tasks the GM and the manufacturer handed down this month, and the manufacturer's CSI/SSI results for some
deliveries. Everything dated is in the month under way (the surveys excepted: they are of past deliveries too),
after the last month a bonus run is approved for, so no statement changes. Drawn from a random stream of its own,
so the rest of the generated data does not change."""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from random import Random

from django.db import transaction
from django.db.models import Model, Q

from dealerkpi.catalog.models import TrimPrice
from dealerkpi.conduct.models import CheckedStep, ChecklistKind, Fault, FaultType, ProcessCheck, ProcessStep
from dealerkpi.conduct.services import score
from dealerkpi.crm.models import FloorShift, OwnershipRule, SurveyResult
from dealerkpi.demo_data.clock import SH, month_start
from dealerkpi.demo_data.draws import pick_one, rng_for
from dealerkpi.org.models import DealerGroup, Role, Staff, Store
from dealerkpi.people.models import AttendanceRecord, AttendanceRules
from dealerkpi.sales.models import Delivery, SalesPolicy, Spiff
from dealerkpi.stock.models import Vehicle
from dealerkpi.tasks.models import Task

ROSTER_AHEAD = 7  # days after the last day on the roster
SHIFTS = ((datetime.time(8, 30), datetime.time(17, 30)), (datetime.time(9, 30), datetime.time(18, 30)))
LEAVE_AHEAD = 0.05  # of the planned days: a consultant on leave
POLICY_TRIMS = 3  # trims with a policy of the month
EXTRA_ROOM = Decimal(1000)  # the policy's ceiling above the price list's guide − floor
AGED_EXTRA = Decimal(5000)  # the aged car's
SPIFF_AMOUNT = Decimal(500)
SURVEY_MONTHS = 3  # the surveys: of deliveries from the 1st this many months back
SURVEYED = 0.2  # of the deliveries
STEPS = {
    ChecklistKind.RECEPTION: (("迎宾问候", 1), ("需求分析", 2), ("六方位绕车介绍", 2), ("邀约试乘试驾", 2),
                              ("报价与异议处理", 2), ("留档与送别", 1)),
    ChecklistKind.DELIVERY: (("交车前检查(PDI)", 2), ("车辆功能讲解", 2), ("随车文件交接", 1),
                             ("交车仪式", 1), ("介绍售后顾问", 1)),
}
FAULT_TYPES = (  # (name, points, yuan)
    ("晨会迟到", 1, 50), ("未按时回访A卡", 2, 100), ("展厅接待未按流程", 3, 200), ("私下承诺未审批优惠", 5, 500),
)
FAULTS = (  # (status, fault type, what happened)
    (Fault.Status.PROPOSED, 1, "3张A卡超过回访日未跟进"),
    (Fault.Status.APPROVED, 0, "晨会迟到15分钟"),
    (Fault.Status.APPEALED, 2, "接待客户未做需求分析，神秘顾客记录"),
    (Fault.Status.REJECTED, 1, "系统显示未回访，实际电话已联系"),
)
TASKS = (  # (source, owner's role, title, days after the month's 1st it is due, done)
    (Task.Source.MANUFACTURER, Role.SALES_MANAGER, "上报本月展厅活动照片及客流数据", 3, False),
    (Task.Source.GENERAL_MANAGER, Role.SUPERVISOR, "完成本组A卡质量抽查并提交整改清单", 2, True),
    (Task.Source.MANUFACTURER, Role.CONSULTANT, "完成新车型线上产品知识考试", 4, True),
    (Task.Source.GENERAL_MANAGER, Role.SALES_MANAGER, "制定月底冲量方案", 20, False),
)


@dataclass
class StorePeople:
    consultants: list[Staff]  # employed on a day of the roster
    supervisors: list[Staff]
    manager: Staff
    general_manager: Staff
    working: list[Staff]  # the consultants employed on the last day


def seed_store_rules(until: datetime.date, seed: int) -> dict[str, int]:
    """The floor, rules, policies, conduct, tasks and surveys of every generated store; the rows written by table."""
    first = month_start(until)
    rows: dict[type[Model], list[Model]] = defaultdict(list)
    for group in DealerGroup.objects.order_by("pk"):
        rows[FaultType] += [FaultType(group=group, name=name, default_points=points, default_amount=Decimal(amount))
                            for name, points, amount in FAULT_TYPES]
    stores = list(Store.objects.filter(brand__isnull=False).select_related("region").order_by("pk"))
    ruled = set(OwnershipRule.objects.values_list("store_id", flat=True))
    people = [_people(store, first, until) for store in stores]
    for index, store in enumerate(stores):
        rng = rng_for(seed, "store rules", index)
        rows[FloorShift] += _roster(rng, store, people[index].consultants, first, until)
        if store.pk not in ruled:
            rows[OwnershipRule].append(OwnershipRule(store=store))
        rows[AttendanceRules].append(AttendanceRules(store=store))
        rows[SalesPolicy] += _policies(rng, store, first, until)
        rows[Spiff] += _spiff(rng, store, people[index].manager, first, until)
        rows[Task] += _tasks(store, people[index], first, until)
        rows[SurveyResult] += _surveys(rng, store, first, until)
    with transaction.atomic():
        for model in (FloorShift, OwnershipRule, AttendanceRules, SalesPolicy, Spiff, Task, SurveyResult, FaultType):
            model.objects.bulk_create(rows[model])
        for index, store in enumerate(stores):
            rng = rng_for(seed, "store conduct", index)
            _conduct(rng, store, people[index], first, until, rows)
    return {model._meta.label: len(written) for model, written in rows.items()}


def _people(store: Store, first: datetime.date, until: datetime.date) -> StorePeople:
    staff = list(Staff.objects.filter(store=store, hire_date__lte=until + datetime.timedelta(days=ROSTER_AHEAD))
                 .filter(Q(leave_date__isnull=True) | Q(leave_date__gte=first)).order_by("employee_no"))
    by_role: dict[str, list[Staff]] = defaultdict(list)
    for person in staff:
        by_role[person.role].append(person)
    working = [person for person in by_role[Role.CONSULTANT] if person.is_employed_on(until)]
    return StorePeople(by_role[Role.CONSULTANT], by_role[Role.SUPERVISOR], by_role[Role.SALES_MANAGER][0],
                       by_role[Role.GENERAL_MANAGER][0], working)


def _roster(rng: Random, store: Store, consultants: list[Staff], first: datetime.date,
            until: datetime.date) -> list[FloorShift]:
    """A shift a day for each consultant employed that day, early or late by the week: on the days that are over
    (and today) as their attendance has it (no shift on a rest day, on leave when absent or on leave); ahead, a
    rest on the weekday they rested last, now and then on leave."""
    attendance = {(staff_id, day): status for staff_id, day, status in AttendanceRecord.objects.filter(
        store=store, day__gte=first - datetime.timedelta(days=7), day__lte=until).values_list("staff_id", "day",
                                                                                            "status")}
    rest_weekday = {staff_id: day.weekday() for (staff_id, day), status in sorted(attendance.items())
                    if status == AttendanceRecord.Status.REST}
    shifts = []
    for offset in range((until - first).days + ROSTER_AHEAD + 1):
        day = first + datetime.timedelta(days=offset)
        for n, person in enumerate(consultants):
            if not person.is_employed_on(day):
                continue
            if day <= until:
                status = attendance.get((person.pk, day))
                if status is None or status == AttendanceRecord.Status.REST:
                    continue
                on_leave = status not in (AttendanceRecord.Status.PRESENT, AttendanceRecord.Status.LATE)
            else:
                if rest_weekday.get(person.pk) == day.weekday():
                    continue
                on_leave = rng.random() < LEAVE_AHEAD
            starts, ends = SHIFTS[(n + day.isocalendar().week) % len(SHIFTS)]
            shifts.append(FloorShift(store=store, staff=person, day=day, starts=starts, ends=ends,
                                     on_leave=on_leave))
    return shifts


def _policies(rng: Random, store: Store, first: datetime.date, until: datetime.date) -> list[SalesPolicy]:
    """A policy of the month for a few of the brand's trims, a little more room than the price list's, and one for
    the car longest in stock."""
    last = month_start(first, back=-1) - datetime.timedelta(days=1)
    prices = list(TrimPrice.objects.filter(trim__vehicle_model__brand_id=store.brand_id, valid_from__lte=until)
                  .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=until)).order_by("trim_id"))
    chosen = rng.sample(prices, min(POLICY_TRIMS, len(prices)))
    policies = [SalesPolicy(store=store, trim_id=price.trim_id, valid_from=first, valid_to=last,
                            discount_ceiling=price.guide_price - price.floor_price + EXTRA_ROOM,
                            gifts="贴膜、脚垫、行车记录仪", finance_offer="首付两成，24期免息")
                for price in sorted(chosen, key=lambda price: price.trim_id)]
    aged = (Vehicle.objects.filter(store=store, status=Vehicle.Status.IN_STOCK, arrived_on__lte=until)
            .order_by("arrived_on", "pk").first())
    if aged is not None:
        price = next((p for p in prices if p.trim_id == aged.trim_id), None)
        room = (price.guide_price - price.floor_price if price else Decimal(0)) + AGED_EXTRA
        policies.append(SalesPolicy(store=store, vehicle=aged, valid_from=first, valid_to=last,
                                    discount_ceiling=room, gifts="库存车专项：送首年保养", finance_offer=""))
    return policies


def _spiff(rng: Random, store: Store, manager: Staff, first: datetime.date, until: datetime.date) -> list[Spiff]:
    """A spiff on one of the brand's models from this week's Monday (or the month's 1st) to its Sunday (or the
    month's last day)."""
    models = list(TrimPrice.objects.filter(trim__vehicle_model__brand_id=store.brand_id)
                  .values_list("trim__vehicle_model_id", "trim__vehicle_model__name").distinct()
                  .order_by("trim__vehicle_model_id"))
    if not models:
        return []
    model_id, name = pick_one(rng, models)
    last = month_start(first, back=-1) - datetime.timedelta(days=1)
    starts = max(first, until - datetime.timedelta(days=until.weekday()))
    ends = min(last, starts + datetime.timedelta(days=6 - starts.weekday()))
    published = datetime.datetime.combine(starts, datetime.time(8, 30), tzinfo=SH)
    return [Spiff(store=store, title=f"{name}本周冲量奖", vehicle_model_id=model_id, valid_from=starts,
                  valid_to=ends, amount=SPIFF_AMOUNT, published_by=manager, published_at=published)]


def _tasks(store: Store, people: StorePeople, first: datetime.date, until: datetime.date) -> list[Task]:
    """The month's tasks: done ones closed with a note on the morning of their due day, open ones overdue when due
    before today."""
    owners = {Role.SALES_MANAGER: people.manager, Role.SUPERVISOR: (people.supervisors or [people.manager])[0],
              Role.CONSULTANT: (people.working or [people.manager])[0]}
    tasks = []
    for source, role, title, days, done in TASKS:
        due = first + datetime.timedelta(days=days)
        closed = done and due <= until
        created_by = people.general_manager if source == Task.Source.GENERAL_MANAGER else people.manager
        tasks.append(Task(
            store=store, source=source, title=title, owner=owners[role], due_on=due, created_by=created_by,
            status=Task.Status.DONE if closed else Task.Status.OPEN,
            evidence_note="已完成，记录见附件说明" if closed else "",
            closed_at=datetime.datetime.combine(due, datetime.time(11), tzinfo=SH) if closed else None,
            closed_by=owners[role] if closed else None))
    return tasks


def _surveys(rng: Random, store: Store, first: datetime.date, until: datetime.date) -> list[SurveyResult]:
    """CSI or SSI for one in five deliveries since the 1st ``SURVEY_MONTHS`` months back, surveyed a week or two
    after the delivery (none after the last day), scored mostly in the nineties."""
    since = datetime.datetime.combine(month_start(first, back=SURVEY_MONTHS), datetime.time(), tzinfo=SH)
    delivered = (Delivery.objects.filter(store=store, delivered_at__gte=since).order_by("delivered_at", "pk")
                 .values_list("pk", "order__consultant_id", "vehicle_id", "delivered_at"))
    results = []
    for delivery_id, consultant_id, vehicle_id, at in delivered:
        if rng.random() >= SURVEYED:
            continue
        surveyed = at.astimezone(SH).date() + datetime.timedelta(days=7 + int(rng.random() * 8))
        kind = SurveyResult.Kind.CSI if rng.random() < 0.5 else SurveyResult.Kind.SSI
        score_ = Decimal(rng.randint(780, 1000)) / 10
        if surveyed <= until:
            results.append(SurveyResult(store=store, kind=kind, reference=f"{kind.upper()}-{store.code}-{delivery_id}",
                                        consultant_id=consultant_id, vehicle_id=vehicle_id, surveyed_on=surveyed,
                                        score=score_))
    return results


def _conduct(rng: Random, store: Store, people: StorePeople, first: datetime.date, until: datetime.date,
             rows: dict[type[Model], list[Model]]) -> None:
    """The standard steps; a reception and a delivery check a consultant on every other day of the month, by the
    supervisor or a mystery shopper, each step passed nine times in ten; and a fault in each state of ``FAULTS``.
    The first check and the appealed fault are of the first consultant, the demo's login."""
    steps = {kind: ProcessStep.objects.bulk_create(
        ProcessStep(store=store, kind=kind, name=name, weight=weight, position=n)
        for n, (name, weight) in enumerate(listed)) for kind, listed in STEPS.items()}
    rows[ProcessStep] += [step for listed in steps.values() for step in listed]
    if not people.working:
        return
    checker = (people.supervisors or [people.manager])[0]
    checks, results = [], []
    for n, day in enumerate(first + datetime.timedelta(days=d) for d in range(0, (until - first).days + 1, 2)):
        kind = (ChecklistKind.RECEPTION, ChecklistKind.DELIVERY)[n % 2]
        passed = [(step, rng.random() < 0.9) for step in steps[kind]]
        shopper = "厂家神秘顾客" if n % 3 == 2 else ""
        checks.append(ProcessCheck(
            store=store, staff=_demo_or_any(rng, people, n == 0), kind=kind, day=day,
            checker=None if shopper else checker, shopper=shopper,
            score=score((step.weight, ok) for step, ok in passed), recorded_by=checker,
            recorded_at=datetime.datetime.combine(day, datetime.time(11, 30), tzinfo=SH)))
        results.append(passed)
    ProcessCheck.objects.bulk_create(checks)
    rows[ProcessCheck] += checks
    rows[CheckedStep] += CheckedStep.objects.bulk_create(
        CheckedStep(process_check=check, step=step, name=step.name, weight=step.weight, passed=ok)
        for check, passed in zip(checks, results, strict=True) for step, ok in passed)
    types = list(FaultType.objects.filter(group_id=store.region.group_id, store__isnull=True).order_by("pk"))
    rows[Fault] += Fault.objects.bulk_create(_fault(rng, store, people, types, first, until, *fault)
                                             for fault in FAULTS)


def _fault(rng: Random, store: Store, people: StorePeople, types: list[FaultType], first: datetime.date,
           until: datetime.date, status: str, type_index: int, what: str) -> Fault:
    """A fault recorded by the supervisor on a day of the month before the last, decided by the manager the next
    day unless still waiting, and appealed an hour after."""
    day = first + datetime.timedelta(days=int(rng.random() * max(1, (until - first).days - 1)))
    recorded = datetime.datetime.combine(day, datetime.time(10), tzinfo=SH)
    decided = recorded + (datetime.timedelta(days=1) if day < until else datetime.timedelta(hours=1))
    fault_type = types[type_index]
    staff = _demo_or_any(rng, people, status == Fault.Status.APPEALED)
    fault = Fault(store=store, staff=staff, day=day, fault_type=fault_type, points=fault_type.default_points,
                  amount=fault_type.default_amount, description=what,
                  recorded_by=(people.supervisors or [people.manager])[0], recorded_at=recorded, status=status)
    if status != Fault.Status.PROPOSED:
        fault.decided_by, fault.decided_at = people.manager, decided
        fault.decision_reason = "属实" if status != Fault.Status.REJECTED else "有通话记录，不成立"
    if status == Fault.Status.APPEALED:
        fault.appeal_reason, fault.appealed_at = "当时在处理另一位客户的交车", decided + datetime.timedelta(hours=1)
    return fault


def _demo_or_any(rng: Random, people: StorePeople, demo: bool) -> Staff:
    """The first consultant employed on the last day (the one `dealerkpi demo` shows a login for), or any."""
    return people.working[0] if demo else pick_one(rng, people.working)
