"""Process checks and faults (docs/conduct.md): a check's score worked out by hand, the fault's way (recorded with
its evidence, decided by the sales manager, appealed, decided by the GM) through the pages, each step under a lock
(a second click is refused), scope, and the figures: process scores and checks, fault points and amount."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from dealerkpi import metrics
from dealerkpi.conduct import services
from dealerkpi.conduct.models import CheckedStep, Fault, FaultType, ProcessCheck, ProcessStep
from dealerkpi.core.models import AuditEntry
from dealerkpi.crm.models import ShowroomVisit
from dealerkpi.org.scope import viewer_for
from dealerkpi.plans.engine import Period
from tests.world import PASSWORD, World, build_world

pytestmark = pytest.mark.django_db
OCTOBER = Period(2026, 10)
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
Status = Fault.Status


@pytest.fixture
def world() -> World:
    return build_world()


def client_of(username: str) -> Client:
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    assert client.login(username=username, password=PASSWORD)
    return client


def fault_of(world: World, key: str, status: str, day: int, points: int, amount: str, month: int = 10) -> Fault:
    staff = world.staff[key]
    return Fault.objects.create(store=staff.store, staff=staff, day=datetime.date(2026, month, day), points=points,
                                amount=Decimal(amount), fault_type=FaultType.objects.get(group=staff.group),
                                description="未按规定着装", recorded_by=world.staff["sup1"],
                                recorded_at=timezone.now(), status=status)


def reception_steps(world: World) -> list[ProcessStep]:
    s1 = world.stores["S1"]
    return [ProcessStep.objects.create(store=s1, kind="reception", name=name, weight=weight, position=n)
            for n, (name, weight) in enumerate((("30秒内迎接", 30), ("需求分析", 20), ("六方位绕车", 50)))]


# --- the score --------------------------------------------------------------------------------------------------


def test_the_score_is_the_weighted_share_of_the_steps_passed() -> None:
    assert services.score([(30, True), (20, False), (50, True)]) == Decimal("80.00")  # (30 + 50) / 100
    assert services.score([(1, True), (1, False), (1, False)]) == Decimal("33.33")  # 100 / 3 = 33.333...
    assert services.score([(1, True), (1, True), (1, False)]) == Decimal("66.67")  # 200 / 3 = 66.666... half-up
    assert services.score([(7, False)]) == Decimal("0.00")
    with pytest.raises(ValidationError):
        services.score([])


def test_a_supervisor_checks_a_reception_step_by_step_and_the_check_keeps_its_steps(world: World) -> None:
    steps = reception_steps(world)
    c1, c2 = world.staff["c1"], world.staff["c2"]
    visit, other_visit = (ShowroomVisit.objects.create(store=c1.store, consultant=person, arrived_at=timezone.now())
                          for person in (c1, c2))  # the form offers the visits of the last month
    sup = client_of("sup1")
    url = reverse("process-check-new") + "?kind=reception"
    assert sup.get(url).status_code == 200
    sent = {"staff": c1.pk, "day": "2026-10-03", "visit": visit.pk, "notes": "绕车介绍不完整",
            f"step_{steps[0].pk}": "on", f"step_{steps[1].pk}": "on"}
    assert sup.post(url, {**sent, "visit": other_visit.pk}).status_code == 400, "c2's visit is not c1's"
    assert sup.post(url, {**sent, "staff": world.staff["c3"].pk}).status_code == 400, "c3 is not in sup1's team"
    response = sup.post(url, sent)
    assert response.status_code == 302
    check = ProcessCheck.objects.get(recorded_by=world.staff["sup1"])  # the world's are recorded by their consultant
    assert (check.score, check.checker, check.shopper, check.visit) == (Decimal("50.00"), world.staff["sup1"], "",
                                                                         visit)  # (30 + 20) / 100
    ProcessStep.objects.filter(pk=steps[2].pk).update(weight=10)  # a later change of the standard...
    assert list(CheckedStep.objects.filter(process_check=check).values_list("name", "weight", "passed")) == [
        ("30秒内迎接", 30, True), ("需求分析", 20, True), ("六方位绕车", 50, False)]  # ...leaves the check as it was
    page = sup.get(reverse("process-check-detail", args=[check.pk])).content.decode()
    assert "50.00" in page and "六方位绕车" in page

    shopper = sup.post(url, {**sent, "shopper": "神秘顾客公司A", f"step_{steps[2].pk}": "on"})
    assert shopper.status_code == 302
    by_shopper = ProcessCheck.objects.get(shopper="神秘顾客公司A")
    assert (by_shopper.checker, by_shopper.score) == (None, Decimal("100.00"))  # a source, not a login


def test_only_leaders_check_and_only_the_sales_management_sets_the_standards(world: World) -> None:
    reception_steps(world)
    assert client_of("c1").get(reverse("process-check-new")).status_code == 403
    assert client_of("sup1").get(reverse("process-standards")).status_code == 403
    manager = client_of("m1")
    added = manager.post(reverse("process-standards"), {"action": "step", "kind": "delivery", "name": "交车仪式",
                                                          "weight": 40, "position": 1, "is_active": "on"})
    assert added.status_code == 302
    step = ProcessStep.objects.get(name="交车仪式")
    changed = manager.post(reverse("process-standards"), {"action": "step", "step": step.pk, "kind": "delivery",
                                                            "name": "交车仪式", "weight": 25, "position": 1})
    assert changed.status_code == 302
    step.refresh_from_db()
    assert (step.weight, step.is_active) == (25, False)
    other = ProcessStep.objects.create(store=world.stores["S2"], kind="delivery", name="S2的步骤", weight=5)
    assert manager.post(reverse("process-standards"), {"action": "step", "step": other.pk, "kind": "delivery",
                                                       "name": "改", "weight": 1, "position": 1}).status_code == 404
    assert manager.post(reverse("process-standards"), {"action": "fault_type", "name": "试驾未登记",
                                                       "default_points": 3, "default_amount": "100"}).status_code == 302
    assert FaultType.objects.get(name="试驾未登记").store == world.stores["S1"]


# --- the fault's way ------------------------------------------------------------------------------------------


def test_a_fault_recorded_decided_appealed_and_overturned_through_the_pages(world: World) -> None:
    late = FaultType.objects.get(group=world.staff["c1"].group)  # 2 points, 50 yuan by default
    sup = client_of("sup1")
    sent = {"staff": world.staff["c1"].pk, "fault_type": late.pk, "day": "2026-10-20",
            "description": "晨会迟到15分钟", "evidence_file": SimpleUploadedFile("考勤截图.png", b"not a picture")}
    assert sup.post(reverse("fault-new"), sent).status_code == 400, "a file that is no PNG is refused"
    sent["evidence_file"] = SimpleUploadedFile("考勤截图.pdf", PDF)
    assert sup.post(reverse("fault-new"), sent).status_code == 302
    fault = Fault.objects.get(day=datetime.date(2026, 10, 20))
    assert (fault.status, fault.points, fault.amount, fault.recorded_by) == (
        Status.PROPOSED, 2, Decimal("50.00"), world.staff["sup1"]), "the type's points and amount"
    assert (bytes(fault.evidence), fault.evidence_type) == (PDF, "application/pdf")
    url = reverse("fault-detail", args=[fault.pk])

    assert client_of("c1").post(url, {"action": "appeal", "grounds": "x"}).status_code == 403, "not approved yet"
    assert client_of("sup1").post(url, {"action": "decide", "decision": "approved", "reason": "x"}).status_code == 403
    manager = client_of("m1")
    assert manager.post(url, {"action": "decide", "decision": "approved", "reason": ""}).status_code == 400
    assert manager.post(url, {"action": "decide", "decision": "approved", "reason": "考勤记录属实"}).status_code == 302
    assert manager.post(url, {"action": "decide", "decision": "rejected", "reason": "再点一次"}).status_code == 403, \
        "decided: the form is gone"
    fault.refresh_from_db()
    assert (fault.status, fault.decided_by) == (Status.APPROVED, world.staff["m1"])

    consultant = client_of("c1")
    assert consultant.post(url, {"action": "appeal", "grounds": "当天经理批准外出接车"}).status_code == 302
    gm = client_of("gm1")
    assert f'data-fault="{fault.pk}"' in gm.get(reverse("approvals")).content.decode()
    overturned = {"action": "decide_appeal", "decision": "overturned", "reason": "外出有审批"}
    assert gm.post(url, overturned).status_code == 302
    fault.refresh_from_db()
    assert (fault.status, fault.appeal_decided_by) == (Status.OVERTURNED, world.staff["gm1"])
    audited = AuditEntry.objects.filter(content_type=ContentType.objects.get_for_model(Fault),
                                        object_id=str(fault.pk)).order_by("pk")
    assert [entry.after.get("status") for entry in audited] == ["proposed", "approved", "appealed", "overturned"]
    assert all("evidence" not in entry.after for entry in audited), "the file stays out of the audit trail"

    download = consultant.get(reverse("fault-evidence", args=[fault.pk]))
    assert (download.content, download["Content-Disposition"], download["X-Content-Type-Options"]) == (
        PDF, f'attachment; filename="fault-{fault.pk}.pdf"', "nosniff")
    assert client_of("c2").get(reverse("fault-evidence", args=[fault.pk])).status_code == 404


def test_a_second_decision_finds_the_fault_decided(world: World) -> None:
    fault = fault_of(world, "c1", Status.PROPOSED, 20, 2, "50")
    now = timezone.now()
    services.decide(fault, True, "属实", world.staff["m1"], now)
    with pytest.raises(ValidationError, match="already been decided"):
        services.decide(fault, False, "双击", world.staff["m1"], now)  # the same (stale) fault, a second click
    services.appeal(fault, "有理由", now)
    with pytest.raises(ValidationError):
        services.appeal(fault, "再申诉", now)
    services.decide_appeal(fault, True, "维持", world.staff["gm1"], now)
    with pytest.raises(ValidationError, match="already been decided"):
        services.decide_appeal(fault, False, "双击", world.staff["gm1"], now)
    fault.refresh_from_db()
    assert fault.status == Status.UPHELD


def test_the_register_shows_each_reader_their_scope(world: World) -> None:
    def listed(username: str, query: str = "") -> set[str]:
        page = client_of(username).get(reverse("fault-list") + query).content.decode()
        return {fault.staff.name for fault in Fault.objects.select_related("staff")
                if f'data-fault="{fault.pk}"' in page}

    assert listed("c1") == {"c1"}
    assert listed("sup1") == {"c1", "c2"}  # team T1
    assert listed("m1") == {"c1", "c2", "c3"}  # store S1
    assert listed("m1", f"?staff={world.staff['c3'].pk}") == {"c3"}
    assert listed("m1", "?status=proposed") == set()
    assert listed("ho_group", f"?store={world.stores['S2'].pk}") == {"c4"}
    c3_fault = Fault.objects.get(staff=world.staff["c3"])
    assert client_of("c1").get(reverse("fault-detail", args=[c3_fault.pk])).status_code == 404
    assert client_of("sup1").get(reverse("fault-detail", args=[c3_fault.pk])).status_code == 404
    assert client_of("m2").get(reverse("fault-detail", args=[c3_fault.pk])).status_code == 404  # another store
    assert client_of("c1").get(reverse("fault-new")).status_code == 403
    own = fault_of(world, "m1", Status.PROPOSED, 20, 1, "10")  # nobody decides a fault against themselves
    theirs = fault_of(world, "c3", Status.PROPOSED, 20, 1, "10")
    assert list(services.pending_faults(viewer_for(world.users["m1"]))) == [theirs]
    assert not client_of("m1").get(reverse("fault-detail", args=[own.pk])).context["actions"]
    assert list(services.pending_faults(viewer_for(world.users["m2"]))) == []  # another store's manager


# --- the figures --------------------------------------------------------------------------------------------------


def test_process_and_fault_figures_count_by_hand_and_link_to_their_records(world: World) -> None:
    # c1 has the world's approved fault (9 Oct: 2 points, 50 yuan) and reception check (3 Oct: 80).
    fault_of(world, "c1", Status.APPEALED, 12, 3, "100.50")  # counts while the appeal waits
    fault_of(world, "c1", Status.UPHELD, 13, 1, "20")  # counts
    fault_of(world, "c1", Status.PROPOSED, 14, 5, "500")  # not yet
    fault_of(world, "c1", Status.REJECTED, 15, 5, "500")  # never
    fault_of(world, "c1", Status.OVERTURNED, 16, 5, "500")  # no more
    fault_of(world, "c1", Status.APPROVED, 30, 4, "40", month=9)  # September's: not October's
    c1 = world.staff["c1"]
    for kind, score in (("reception", "90.5"), ("delivery", "70"), ("delivery", "75.25")):
        ProcessCheck.objects.create(store=c1.store, staff=c1, kind=kind, day=datetime.date(2026, 10, 20),
                                    score=Decimal(score), recorded_by=world.staff["sup1"], recorded_at=timezone.now())
    s1 = [world.stores["S1"].pk]
    names = ["fault_points", "fault_amount", "reception_process_score", "delivery_process_score", "process_checks"]
    with CaptureQueriesContext(connection) as queries:
        actuals = metrics.compute(names, s1, OCTOBER)
    assert actuals.value(c1.pk, "fault_points") == Decimal("6")  # 2 + 3 + 1
    assert actuals.value(c1.pk, "fault_amount") == Decimal("170.5")  # 50 + 100.50 + 20
    assert actuals.value(c1.pk, "reception_process_score") == Decimal("85.25")  # (80 + 90.5) / 2
    assert actuals.value(c1.pk, "delivery_process_score") == Decimal("72.625")  # (70 + 75.25) / 2
    assert actuals.value(c1.pk, "process_checks") == Decimal("4")
    assert actuals.value(world.staff["c2"].pk, "fault_points") == Decimal("2")  # the world's one
    assert actuals.value(world.staff["c2"].pk, "delivery_process_score") is None  # no delivery checked
    assert len(queries) <= 6, "one query per source, whatever the number of people"

    behind = metrics.records("fault_amount", s1, OCTOBER, c1.pk)
    assert behind.slug == "faults"
    assert sorted(behind.records.values_list("day__day", flat=True)) == [9, 12, 13]
    checks = metrics.records("delivery_process_score", s1, OCTOBER, c1.pk)
    assert (checks.slug, checks.records.count()) == ("process-checks", 2)
