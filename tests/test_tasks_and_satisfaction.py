"""Issue 19, customer satisfaction and tasks handed down: C-card scores and the manufacturer's surveys (CSI, SSI) as
figures per person and store, their import, and tasks from the GM or the manufacturer with owner, due day, evidence
and status: the way of a task under a lock, who sees and does what, the home pages, "tasks done on time"."""

from __future__ import annotations

import datetime
import io
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from dealerkpi import metrics
from dealerkpi.core.models import AuditEntry
from dealerkpi.core.scope import visible_to
from dealerkpi.crm.models import SurveyResult
from dealerkpi.imports.service import import_file
from dealerkpi.oem.figures import read_store_months, store_figures_of
from dealerkpi.oem.models import CommercialPolicy
from dealerkpi.oem.policy import standings
from dealerkpi.org.scope import viewer_for
from dealerkpi.plans import engine
from dealerkpi.plans.engine import Period
from dealerkpi.plans.engine.catalogue import METRICS, catalogue
from dealerkpi.sales.models import DeliveryFollowUp
from dealerkpi.tasks import services
from dealerkpi.tasks.models import EvidenceFile, Task
from tests.metrics_world import day, organisation
from tests.world import World, build_world, delivered_deal, signed_in

pytestmark = pytest.mark.django_db

MARCH = Period(2026, 3)
AFTER_MARCH = datetime.date(2026, 4, 15)
PNG = b"\x89PNG\r\n\x1a\n" + b"0" * 20


@pytest.fixture
def world() -> World:
    return build_world()


def moment(day: datetime.date, hour: int = 10) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


def task_for(world: World, owner: str, due_on: datetime.date, title: str = "上报展厅照片") -> Task:
    staff = world.staff[owner]
    return Task.objects.create(store=staff.store, source=Task.Source.MANUFACTURER, title=title, owner=staff,
                               due_on=due_on, created_by=world.staff["gm1"])


# -- a task's way ------------------------------------------------------------------------------------------------


def test_a_task_is_done_only_with_evidence_once_and_audited(world: World) -> None:
    task = task_for(world, "c1", datetime.date(2026, 3, 10))
    with pytest.raises(ValidationError):
        services.complete(task, "   ", None, world.staff["c1"].pk, moment(datetime.date(2026, 3, 9)))
    with pytest.raises(ValidationError):  # a file that is not a document is refused, told by its bytes
        services.complete(task, "照片已上传", SimpleUploadedFile("photo.png", b"MZ not a png"), world.staff["c1"].pk,
                          moment(datetime.date(2026, 3, 9)))
    done = services.complete(task, "照片已上传", SimpleUploadedFile("photo.png", PNG), world.staff["c1"].pk,
                             moment(datetime.date(2026, 3, 9)))
    assert (done.status, done.evidence_note, done.evidence_name) == (Task.Status.DONE, "照片已上传", "photo.png")
    assert bytes(EvidenceFile.objects.get(task=task).content) == PNG
    with pytest.raises(ValidationError):  # the second click finds it done
        services.complete(task, "again", None, world.staff["c1"].pk, moment(datetime.date(2026, 3, 9)))
    with pytest.raises(ValidationError):
        services.cancel(task, world.staff["gm1"].pk, moment(datetime.date(2026, 3, 9)))
    actions = list(AuditEntry.objects.filter(object_id=str(task.pk), content_type__model="task")
                   .order_by("pk").values_list("action", flat=True))
    assert actions == [AuditEntry.Action.CREATE, AuditEntry.Action.UPDATE]


def test_each_sees_the_tasks_of_their_scope(world: World) -> None:
    mine = task_for(world, "c1", datetime.date(2026, 3, 10))
    colleague = task_for(world, "c3", datetime.date(2026, 3, 10))  # team T2, not sup1's
    elsewhere = task_for(world, "c6", datetime.date(2026, 3, 10))  # store S4, another group

    def seen(user: str) -> set[int]:
        return set(visible_to(Task.objects.all(), viewer_for(world.users[user])).values_list("pk", flat=True))

    assert seen("c1") == {mine.pk}
    assert seen("sup1") == {mine.pk}
    assert seen("m1") == seen("gm1") == {mine.pk, colleague.pk}
    assert seen("ho_group") == {mine.pk, colleague.pk}
    assert seen("ho_g2") == {elsewhere.pk}
    assert signed_in("c1").get(reverse("task-detail", args=[colleague.pk])).status_code == 404
    assert signed_in("m2").get(reverse("task-detail", args=[mine.pk])).status_code == 404


def test_the_gm_hands_a_task_down_and_the_owner_completes_it_with_a_file(world: World) -> None:
    gm, consultant = signed_in("gm1"), signed_in("c1")
    assert consultant.get(reverse("task-new")).status_code == 403  # consultants hand nothing down
    due = timezone.localdate() - datetime.timedelta(days=1)
    response = gm.post(reverse("task-new"), {"source": "general_manager", "title": "整理试驾车", "details": "",
                                             "owner": world.staff["c1"].pk, "due_on": due.isoformat()})
    task = Task.objects.get(title="整理试驾车")
    assert response.status_code == 302 and task.created_by == world.staff["gm1"] and task.store == world.stores["S1"]
    assert "整理试驾车" in consultant.get(reverse("home")).content.decode()  # overdue on the owner's home page
    assert "整理试驾车" in signed_in("m1").get(reverse("home")).content.decode()  # and on the manager's
    assert "整理试驾车" not in signed_in("c2").get(reverse("home")).content.decode()
    assert signed_in("c2").post(reverse("task-detail", args=[task.pk]), {"complete": "1", "note": "x"}).status_code \
        == 404  # not theirs to see
    refused = consultant.post(reverse("task-detail", args=[task.pk]), {"complete": "1", "note": ""})
    assert refused.status_code == 200 and Task.objects.get(pk=task.pk).status == Task.Status.OPEN
    done = consultant.post(reverse("task-detail", args=[task.pk]),
                           {"complete": "1", "note": "已整理", "file": SimpleUploadedFile("car.png", PNG)})
    assert done.status_code == 302 and Task.objects.get(pk=task.pk).status == Task.Status.DONE
    evidence = consultant.get(reverse("task-evidence", args=[task.pk]))
    assert evidence["Content-Type"] == "image/png" and evidence.content == PNG
    assert "整理试驾车" not in consultant.get(reverse("home")).content.decode()


# -- the figures -------------------------------------------------------------------------------------------------


def test_tasks_done_on_time_per_owner(world: World) -> None:
    at = world.staff["c1"].pk
    on_time = task_for(world, "c1", datetime.date(2026, 3, 10))
    services.complete(on_time, "ok", None, at, moment(datetime.date(2026, 3, 10), 23))  # on its day (Shanghai)
    late = task_for(world, "c1", datetime.date(2026, 3, 12))
    services.complete(late, "ok", None, at, moment(datetime.date(2026, 3, 13)))
    task_for(world, "c1", datetime.date(2026, 3, 20))  # open past its day: due, not on time
    services.cancel(task_for(world, "c1", datetime.date(2026, 3, 21)), at, moment(datetime.date(2026, 3, 1)))
    task_for(world, "c1", datetime.date(2026, 4, 1))  # due next month
    found = metrics.compute(["tasks_due", "tasks_done_on_time", "task_on_time_rate"], [world.stores["S1"].pk],
                            MARCH, as_of=AFTER_MARCH)
    # due: on time, late, open = 3 (the cancelled and April's are not); on time 1; 1 / 3 = 33.3333%
    assert found.of(world.staff["c1"].pk) == {"tasks_due": 3, "tasks_done_on_time": 1,
                                              "task_on_time_rate": Decimal("33.3333")}
    behind = metrics.records("task_on_time_rate", [world.stores["S1"].pk], MARCH, world.staff["c1"].pk,
                             as_of=AFTER_MARCH)
    assert [list(found.records) for found in behind] == [[on_time], [on_time, late, *Task.objects.filter(
        due_on=datetime.date(2026, 3, 20))]]


def test_c_card_and_survey_satisfaction_per_consultant_and_store(world: World) -> None:
    store = world.stores["S1"]
    delivery = delivered_deal(world, "c1", moment(datetime.date(2026, 3, 2)))
    for on, score in ((3, 5), (5, 4), (8, None)):  # the unscored call is not averaged
        DeliveryFollowUp.objects.create(store=store, delivery=delivery, staff=world.staff["c1"],
                                        due_on=datetime.date(2026, 3, on),
                                        done_at=moment(datetime.date(2026, 3, on)), satisfaction=score)
    other = delivered_deal(world, "c2", moment(datetime.date(2026, 3, 2)))
    DeliveryFollowUp.objects.create(store=store, delivery=other, staff=world.staff["c2"],
                                    due_on=datetime.date(2026, 3, 3), done_at=moment(datetime.date(2026, 3, 3)),
                                    satisfaction=2)
    for reference, kind, key, score in (("S-1", "ssi", "c1", "92.50"), ("S-2", "ssi", "c1", "87.25"),
                                        ("C-1", "csi", "c1", "80"), ("S-3", "ssi", "c2", "70")):
        SurveyResult.objects.create(store=store, kind=kind, reference=reference, consultant=world.staff[key],
                                    surveyed_on=datetime.date(2026, 3, 20), score=Decimal(score))
    names = ["c_card_satisfaction", "c_card_scored_calls", "survey_ssi", "survey_ssi_responses", "survey_csi"]
    found = metrics.compute(names, [store.pk], MARCH, as_of=AFTER_MARCH).of(world.staff["c1"].pk)
    # C-card: (5 + 4) / 2 = 4.5; SSI: (92.50 + 87.25) / 2 = 89.875; CSI: 80 / 1
    assert found == {"c_card_satisfaction": Decimal("4.5"), "c_card_scored_calls": 2, "survey_ssi": Decimal("89.875"),
                     "survey_ssi_responses": 2, "survey_csi": 80}
    behind = metrics.records("survey_ssi", [store.pk], MARCH, world.staff["c1"].pk)
    assert sorted(behind.records.values_list("reference", flat=True)) == ["S-1", "S-2"]
    names = store_figures_of(["survey_ssi", "c_card_satisfaction"])
    figures = read_store_months([store.pk], MARCH, names).of(store.pk).figures()
    # the store's average over all its responses, never a mean of the consultants' averages:
    # SSI (92.50 + 87.25 + 70) / 3 = 83.25 (the mean of means would be 79.9375); C-card (5 + 4 + 2) / 3 = 3.6667
    assert (figures["survey_ssi"], figures["c_card_satisfaction"]) == (Decimal("83.25"), Decimal("3.6667"))


def test_the_new_figures_are_in_the_catalogue() -> None:
    for name in ("c_card_satisfaction", "survey_csi", "survey_ssi", "tasks_done_on_time", "task_on_time_rate"):
        assert METRICS[name].definition and name in metrics.DEFINITIONS


def test_survey_results_import_once_and_refuse_a_score_over_100(world: World) -> None:
    viewer = viewer_for(world.users["m1"])
    header = "store,kind,reference,consultant,surveyed_on,score\n"
    good = header + f"S1,ssi,SSI-9,{world.staff['c1'].employee_no},2026-03-20,91.5\n"
    assert import_file("surveys", io.BytesIO(good.encode()), "s.csv", viewer).report.written == 1
    assert import_file("surveys", io.BytesIO(good.encode()), "s.csv", viewer).report.written == 0  # nothing new
    bad = header + f"S1,csi,CSI-9,{world.staff['c1'].employee_no},2026-03-20,101\n"
    assert import_file("surveys", io.BytesIO(bad.encode()), "b.csv", viewer).report.written == 0
    assert SurveyResult.objects.get(reference="SSI-9").score == Decimal("91.5")


# -- in the manufacturer's policy and in a plan ------------------------------------------------------------------

SSI_POLICY = """
plan: ssi_policy
name: 满意度返利
role: store
version: "s1"
period: month
policies: {division_by_zero: zero, missing_target: zero, missing_value: zero}
indicators:
  retail: {label: 零售完成率, metric: units_delivered, target: person, scoring: {kind: linear, cap: 120}}
weights: {default: {retail: 100}}
pay:
  ssi: {label: SSI达标奖, kind: formula, amount: "if(survey_ssi >= 85, 3000, 0)"}
"""


@pytest.mark.parametrize(("scores", "rebate"), [(("92", "80"), "3000.00"), (("90", "79.98"), "0.00")])
def test_a_policy_item_on_the_store_s_ssi(scores: tuple[str, str], rebate: str) -> None:
    w = organisation()
    w.person("ann")
    w.person("bob")
    CommercialPolicy.objects.create(group=w.group, brand=w.store.brand, valid_from=day(10, 1), document=SSI_POLICY)
    for n, (key, score) in enumerate(zip(("ann", "bob"), scores, strict=True)):
        SurveyResult.objects.create(store=w.store, kind="ssi", reference=f"S{n}", consultant=w.staff[key],
                                    surveyed_on=day(10, 20), score=Decimal(score))
    # the store's SSI: (92 + 80) / 2 = 86 >= 85 pays 3,000; (90 + 79.98) / 2 = 84.99 does not
    result = standings([w.store], engine.Period(2025, 10), datetime.date(2025, 12, 10))[w.store.pk].month.result
    assert {line.rule: line.amount for line in result.lines}["ssi"] == Decimal(rebate)


SATISFACTION_PLAN = """
plan: satisfaction
name: 满意度与任务
role: consultant
version: "1"
period: month
indicators:
  ssi: {label: SSI达标, metric: survey_ssi, target: 85, scoring: {kind: pass_fail}}
weights: {default: {ssi: 100}}
pay:
  tasks: {label: 任务按时奖, kind: formula, amount: "task_on_time_rate * 2"}
"""


def test_a_plan_scores_the_consultant_s_ssi_and_pays_on_tasks_on_time(world: World) -> None:
    c1, store = world.staff["c1"], world.stores["S1"]
    plan = engine.check_plan_text(SATISFACTION_PLAN, metrics=catalogue())
    SurveyResult.objects.create(store=store, kind="ssi", reference="S-1", consultant=c1,
                                surveyed_on=datetime.date(2026, 3, 5), score=Decimal("88"))
    services.complete(task_for(world, "c1", datetime.date(2026, 3, 10)), "ok", None, c1.pk,
                      moment(datetime.date(2026, 3, 9)))
    task_for(world, "c1", datetime.date(2026, 3, 11))  # missed
    actuals = metrics.compute(engine.metrics_named(plan), [store.pk], MARCH, as_of=AFTER_MARCH).for_engine()
    inputs = engine.PeriodInputs(MARCH, (engine.Person(str(c1.pk), role="consultant"),), actuals)
    result = engine.evaluate_period(plan, inputs, catalogue())[0]
    # SSI 88 >= 85 passes; tasks on time 1 of 2 = 50% -> 50 x 2 = 100.00
    assert result.indicators[0].actual == 88 and result.indicators[0].score == 100
    assert {line.rule: line.amount for line in result.lines}["tasks"] == Decimal("100.00")


def test_the_manager_enters_a_survey_result_once_and_the_consultant_reads_theirs(world: World) -> None:
    url = reverse("survey-results")
    posted = {"kind": "csi", "reference": "CSI-7", "consultant": world.staff["c1"].pk, "surveyed_on": "2026-03-20",
              "score": "95.5", "note": ""}
    assert signed_in("c1").post(url, posted).status_code == 403  # consultants enter none
    assert signed_in("m1").post(url, posted).status_code == 302
    again = signed_in("m1").post(url, posted)  # the same survey number: a field error, not a second result
    assert again.status_code == 200 and again.context["form"].errors["reference"]
    wrong = signed_in("m1").post(url, {**posted, "reference": "CSI-8", "score": "101"})
    assert wrong.status_code == 200 and wrong.context["form"].errors["score"]
    assert SurveyResult.objects.get().score == Decimal("95.5")
    assert "CSI-7" in signed_in("c1").get(url).content.decode()
    assert "CSI-7" not in signed_in("c2").get(url).content.decode()  # a colleague's result is not theirs to see
