"""Attendance (考勤): a day judged by the store's rules, recorded and corrected once per person and day (audited), the
figures a plan deducts on, and the monthly sheet under each reader's scope. Every expected figure is worked out by
hand in the comments."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import translation
from openpyxl import load_workbook

from dealerkpi import metrics
from dealerkpi.core.models import AuditEntry
from dealerkpi.imports.undo import undo
from dealerkpi.pay import runs
from dealerkpi.pay.models import Statement, StatementLine
from dealerkpi.people.attendance import Day, judged, record_day
from dealerkpi.people.models import DEFAULT_RULES, AttendanceRecord, AttendanceRules
from dealerkpi.plans.engine import Period
from tests.test_imports import ADMIN, csv_file, errors_by_row, run
from tests.world import World, signed_in, world_with_consultant_plan

pytestmark = pytest.mark.django_db
OCTOBER = Period(2026, 10)
PLAN = """
plan: attendance_test
name: 考勤测试方案
role: consultant
version: "a1"
period: month
policies: {division_by_zero: zero, missing_target: skip, missing_value: zero}
indicators:
  volume:
    label: 销量
    metric: units_delivered
    target: 2
    scoring: {kind: linear, cap: 120}
weights:
  default: {volume: 100}
base_pay:
  - {amount: 1200}
pay:
  late:
    label: 迟到扣款
    kind: fine
    count: max(0, late_arrivals - 2)
    amount: 50
"""
Status = AttendanceRecord.Status


def t(text: str) -> datetime.time:
    return datetime.time.fromisoformat(text)


def oct_(day: int) -> datetime.date:
    return datetime.date(2026, 10, day)


@pytest.fixture
def world() -> World:
    return world_with_consultant_plan(PLAN)


def c1_month(world: World) -> None:
    """c1's October under the default rules (08:30 to 17:30, 5 minutes of grace, absent from 120 minutes late)."""
    store, c1 = world.stores["S1"], world.staff["c1"]
    for day, clock_in in ((12, "08:40"), (13, "08:50"), (14, "09:00"), (15, "09:30"), (16, "08:34"), (19, "11:00")):
        record_day(store, c1, oct_(day), Day(clock_in=t(clock_in), clock_out=t("17:30")))
    record_day(store, c1, oct_(20), Day(status=Status.LEAVE, leave_kind="annual"))
    record_day(store, c1, oct_(21), Day(status=Status.ABSENT))


# -- the day judged by the rules -----------------------------------------------------------------------------------


@pytest.mark.parametrize(("clock_in", "clock_out", "expected"), [
    ("08:35", "17:30", (Status.PRESENT, 0, 0)),  # 5 minutes after 08:30: within the grace
    ("08:36", "17:30", (Status.LATE, 6, 0)),  # 6 minutes: late, counted from 08:30, not from the grace's end
    ("10:29", "17:30", (Status.LATE, 119, 0)),  # 119 minutes: still late
    ("10:30", "17:30", (Status.ABSENT, 0, 0)),  # 120 minutes: a day absent (旷工)
    ("08:00", "17:00", (Status.PRESENT, 0, 30)),  # left 30 minutes before 17:30
    ("08:45", None, (Status.LATE, 15, 0)),  # no clock-out: nothing counted as leaving early
])
def test_a_day_is_judged_from_the_clock_by_the_default_rules(clock_in: str, clock_out: str | None,
                                                             expected: tuple[str, int, int]) -> None:
    verdict = judged(DEFAULT_RULES, t(clock_in), t(clock_out) if clock_out else None)
    assert (verdict.status, verdict.minutes_late, verdict.minutes_early) == expected


def test_no_clock_in_is_a_day_absent() -> None:
    assert judged(DEFAULT_RULES, None, None).status == Status.ABSENT


def test_the_stores_own_rules_judge_its_days(world: World) -> None:
    store = world.stores["S1"]
    AttendanceRules.objects.create(store=store, work_starts=t("09:00"), work_ends=t("18:00"), grace_minutes=0,
                                   absent_after_minutes=60)
    # 09:01 is late by 1 minute with no grace; 10:00 is 60 minutes late: absent; 17:50 is 10 minutes early.
    late = record_day(store, world.staff["c1"], oct_(12), Day(clock_in=t("09:01"), clock_out=t("17:50")))
    assert (late.status, late.minutes_late, late.minutes_early) == (Status.LATE, 1, 10)
    absent = record_day(store, world.staff["c1"], oct_(13), Day(clock_in=t("10:00")))
    assert absent.status == Status.ABSENT and absent.clock_in == t("10:00")


def test_a_day_corrected_stays_one_record_and_keeps_what_it_said_before(world: World) -> None:
    store, c1 = world.stores["S1"], world.staff["c1"]
    record_day(store, c1, oct_(12), Day(clock_in=t("08:50")))
    corrected = record_day(store, c1, oct_(12), Day(clock_in=t("08:30"), note="打卡机故障, 主管确认"))
    assert AttendanceRecord.objects.filter(staff=c1, day=oct_(12)).count() == 1
    assert (corrected.status, corrected.minutes_late) == (Status.PRESENT, 0)
    change = AuditEntry.objects.filter(object_id=str(corrected.pk), action=AuditEntry.Action.UPDATE).get()
    assert change.before["status"] == Status.LATE and change.after["status"] == Status.PRESENT
    assert change.before["minutes_late"] == 20 and change.after["note"] == "打卡机故障, 主管确认"


# -- the figures ---------------------------------------------------------------------------------------------------


def test_the_months_figures_and_the_records_behind_them(world: World) -> None:
    c1_month(world)
    found = metrics.compute(["late_arrivals", "minutes_late", "absent_days", "leave_days", "attendance_rate"],
                            [world.stores["S1"].pk], OCTOBER)
    c1 = world.staff["c1"].pk
    # Late on the 12th (10 minutes), 13th (20), 14th (30), 15th (60): 4 days, 120 minutes. The 16th (08:34) is within
    # the grace. Absent: the 19th (11:00 is 150 minutes late) and the 21st. On leave: the 20th.
    assert found.value(c1, "late_arrivals") == 4
    assert found.value(c1, "minutes_late") == 120
    assert found.value(c1, "absent_days") == 2
    assert found.value(c1, "leave_days") == 1
    # The world's own day (the 9th, present) too: worked 4 late + the 16th + the 9th = 6 of 8 working days = 75%.
    assert found.value(c1, "attendance_rate") == 75
    behind = metrics.records("minutes_late", [world.stores["S1"].pk], OCTOBER, c1)
    assert behind.slug == "attendance"
    assert [r.day.day for r in behind.records] == [12, 13, 14, 15]
    assert [r.day.day for r in metrics.records("absent_days", [world.stores["S1"].pk], OCTOBER, c1).records] == [19, 21]


def test_the_plan_deducts_50_per_late_arrival_after_the_second(world: World) -> None:
    c1_month(world)
    run = runs.compute(runs.new_run(world.stores["S1"], OCTOBER))
    statement = Statement.objects.get(run=run, staff=world.staff["c1"])
    fine = StatementLine.objects.get(statement=statement, rule="late")
    # 4 late arrivals, the first 2 free: (4 - 2) x 50 = 100 deducted.
    assert fine.amount == Decimal("-100.00")
    assert statement.total == Decimal("1100.00")  # base 1,200 - 100 (the plan pays nothing per car)
    client = signed_in("m1")  # the draft run's statements are the manager's until it is approved
    behind = reverse("statement-figure-records", args=[statement.pk, "late_arrivals"])
    assert behind in client.get(reverse("statement-detail", args=[statement.pk])).content.decode()
    listed = client.get(behind)
    assert listed.status_code == 200 and listed.context["count"] == 4  # the 12th to the 15th
    for not_on_a_line in ("absent_days", "no_such_metric"):
        assert client.get(reverse("statement-figure-records", args=[statement.pk, not_on_a_line])).status_code == 404
    assert signed_in("m2").get(behind).status_code == 404, "another store's statement"
    c2 = Statement.objects.get(run=run, staff=world.staff["c2"])
    assert not StatementLine.objects.filter(statement=c2, rule="late", amount__lt=0).exists(), "c2 was never late"


# -- recording a day at the desk -----------------------------------------------------------------------------------


def test_a_supervisor_records_a_late_day_of_the_team_and_corrects_it(world: World) -> None:
    client = signed_in("sup1")
    url = reverse("attendance-day")
    answer = client.post(url, {"staff": world.staff["c1"].pk, "day": "2026-10-12", "kind": "clock",
                               "clock_in": "08:45", "clock_out": "17:40", "note": ""})
    assert answer.status_code == 302
    record = AttendanceRecord.objects.get(staff=world.staff["c1"], day=oct_(12))
    assert (record.status, record.minutes_late) == (Status.LATE, 15)  # 08:45 is 15 minutes after 08:30
    opened = client.get(url, {"staff": world.staff["c1"].pk, "day": "2026-10-12"})
    assert opened.context["form"].initial["clock_in"] == t("08:45"), "the day opens to be corrected"
    client.post(url, {"staff": world.staff["c1"].pk, "day": "2026-10-12", "kind": "leave", "leave_kind": "sick",
                      "note": "补病假条"})
    record.refresh_from_db()
    assert (record.status, record.leave_kind, record.clock_in, record.minutes_late) == (Status.LEAVE, "sick", None, 0)
    assert AttendanceRecord.objects.filter(staff=world.staff["c1"], day=oct_(12)).count() == 1


def test_a_supervisor_cannot_record_outside_the_team_and_bad_input_is_a_field_error(world: World) -> None:
    client = signed_in("sup1")
    url = reverse("attendance-day")
    other_team = client.post(url, {"staff": world.staff["c3"].pk, "day": "2026-10-12", "kind": "clock",
                                   "clock_in": "08:45"})
    assert other_team.status_code == 200 and "staff" in other_team.context["form"].errors
    for bad in ({"clock_in": "25:99"}, {"clock_in": ""}, {"clock_in": "09:00", "clock_out": "08:00"},
                {"kind": "leave", "leave_kind": ""}, {"day": "2999-01-01"}):
        data = {"staff": world.staff["c1"].pk, "day": "2026-10-12", "kind": "clock", **bad}
        answer = client.post(url, data)
        assert answer.status_code == 200 and answer.context["form"].errors, bad
    assert not AttendanceRecord.objects.filter(day=oct_(12)).exists()
    assert signed_in("c1").get(url).status_code == 403, "consultants do not record attendance"
    assert signed_in("hr1").get(url).status_code == 403


def test_only_the_stores_managers_set_its_rules(world: World) -> None:
    url = reverse("attendance-rules")
    assert signed_in("sup1").get(url).status_code == 403
    client = signed_in("m1")
    refused = client.post(url, {"work_starts": "09:00", "work_ends": "08:00", "grace_minutes": "5",
                                "absent_after_minutes": "120"})
    assert refused.status_code == 200 and "work_ends" in refused.context["form"].errors
    client.post(url, {"work_starts": "09:00", "work_ends": "18:00", "grace_minutes": "10",
                      "absent_after_minutes": "90"})
    rules = AttendanceRules.objects.get(store=world.stores["S1"])
    assert (rules.work_starts, rules.grace_minutes) == (t("09:00"), 10)
    assert AuditEntry.objects.filter(object_id=str(rules.pk), action=AuditEntry.Action.CREATE).exists()


# -- the monthly sheet ---------------------------------------------------------------------------------------------


def sheet_people(username: str, **query: object) -> list[str]:
    answer = signed_in(username).get(reverse("attendance-sheet"), {"month": "2026-10", **query})
    assert answer.status_code == 200
    return [line.person.name for line in answer.context["sheet"].lines]


def test_the_sheet_shows_the_team_to_its_supervisor_and_the_store_to_its_manager(world: World) -> None:
    c1_month(world)
    assert sheet_people("sup1") == ["c1", "c2", "sup1"]  # T1's members and the supervisor; not c3 of T2
    manager = sheet_people("m1")
    assert {"c1", "c2", "c3", "sup1", "m1"} <= set(manager) and "c4" not in manager
    assert signed_in("c1").get(reverse("attendance-sheet")).status_code == 403
    assert signed_in("m2").get(reverse("attendance-sheet"), {"store": world.stores["S1"].pk}).status_code == 404


def test_the_sheet_marks_each_day_and_totals_from_the_metrics(world: World) -> None:
    c1_month(world)
    answer = signed_in("m1").get(reverse("attendance-sheet"), {"month": "2026-10"})
    line = next(line for line in answer.context["sheet"].lines if line.person.name == "c1")
    assert len(line.days) == 31
    assert [shown for _record, shown in line.days[11:21]] == ["迟10", "迟20", "迟30", "迟60", "✓", "", "", "旷",
                                                              "假", "旷"]
    assert line.figures["late_arrivals"] == 4 and line.figures["minutes_late"] == 120
    assert "The store has set no attendance rules" in answer.content.decode()


def test_the_sheet_downloads_as_a_workbook(world: World, tmp_path) -> None:
    c1_month(world)
    answer = signed_in("sup1").get(reverse("attendance-sheet-xlsx"), {"month": "2026-10"})
    assert answer.status_code == 200
    saved = tmp_path / "sheet.xlsx"
    saved.write_bytes(answer.content)
    rows = list(load_workbook(saved).active.iter_rows(values_only=True))
    c1 = next(row for row in rows if row[1] == "c1")
    assert c1[2 + 11] == "迟10"  # the 12th
    assert c1[2 + 31:2 + 35] == (4, 120, 2, 1)  # late, minutes late, absent, leave
    assert not any(row[1] == "c3" for row in rows), "the supervisor's workbook holds the team only"
    assert AuditEntry.objects.filter(action=AuditEntry.Action.DOWNLOAD, object_repr="attendance-sheet").exists()


# -- the time clock's export -----------------------------------------------------------------------------------------


def problems(outcome: object) -> dict[int | None, str]:
    return {row: " | ".join(messages) for row, messages in errors_by_row(outcome).items()}


def punches(world: World, *rows: tuple[str, str, str]) -> list[list[str]]:
    return [[store, world.staff[key].employee_no, at] for store, key, at in rows]


def test_the_time_clocks_export_in_gbk_with_chinese_headers_makes_each_persons_days(world: World) -> None:
    export = csv_file(["门店", "工号", "打卡时间"], punches(
        world,
        ("S1", "c1", "2026-10-12 17:20"), ("S1", "c1", "2026-10-12 08:41"), ("S1", "c1", "2026-10-12 12:00"),
        ("S1", "c1", "2026-10-13 08:50"),
        ("S1", "c2", "2026-10-12 08:30"), ("S1", "c2", "2026-10-12 18:02"),
    ), encoding="gbk")
    outcome = run("attendance", export, name="考勤机导出.csv")
    assert outcome.ok and outcome.report.written == 3, problems(outcome)  # c1's 12th and 13th, c2's 12th
    c1 = {r.day.day: r for r in AttendanceRecord.objects.filter(staff=world.staff["c1"])}
    # The 12th: first punch 08:41 is 11 minutes late, the last 17:20 is 10 minutes before 17:30; the noon punch
    # between them counts for nothing. The 13th: one punch, a clock-in with no clock-out.
    assert (c1[12].status, c1[12].clock_in, c1[12].clock_out, c1[12].minutes_late, c1[12].minutes_early) == (
        Status.LATE, t("08:41"), t("17:20"), 11, 10)
    assert (c1[13].status, c1[13].minutes_late, c1[13].clock_out) == (Status.LATE, 20, None)
    assert AttendanceRecord.objects.get(staff=world.staff["c2"], day=oct_(12)).status == Status.PRESENT
    again = run("attendance", export, name="考勤机导出.csv")
    assert again.ok and (again.report.written, again.report.unchanged) == (0, 3), "the same file changes nothing"
    assert undo(outcome.batch.pk, ADMIN).deleted == 3
    assert not AttendanceRecord.objects.filter(day__in=[oct_(12), oct_(13)]).exists()


def test_an_imported_day_corrected_at_the_desk_blocks_the_undo(world: World) -> None:
    export = rows_of(punches(world, ("S1", "c1", "2026-10-12 08:41"), ("S1", "c2", "2026-10-12 08:31")))
    outcome = run("attendance", export)
    assert outcome.ok, problems(outcome)
    record_day(world.stores["S1"], world.staff["c1"], oct_(12), Day(status=Status.LEAVE, leave_kind="sick"))
    with translation.override("en"):
        refused = undo(outcome.batch.pk, ADMIN)
    assert refused.deleted == 0 and len(refused.blockers) == 1
    assert "was changed after the import" in refused.blockers[0]
    assert AttendanceRecord.objects.get(staff=world.staff["c1"], day=oct_(12)).status == Status.LEAVE
    assert AttendanceRecord.objects.filter(staff=world.staff["c2"], day=oct_(12)).exists(), "nothing deleted"


def test_a_day_recorded_at_the_desk_is_not_overwritten_and_bad_rows_write_nothing(world: World) -> None:
    record_day(world.stores["S1"], world.staff["c1"], oct_(12), Day(status=Status.LEAVE, leave_kind="sick"))
    export = rows_of(punches(world, ("S1", "c1", "2026-10-12 08:41"), ("S1", "c2", "2026-10-12 08:31")))
    outcome = run("attendance", export)
    assert outcome.ok and (outcome.report.written, outcome.report.unchanged) == (1, 1)
    assert AttendanceRecord.objects.get(staff=world.staff["c1"], day=oct_(12)).status == Status.LEAVE
    bad = rows_of(punches(world, ("S1", "c3", "2026-10-14 08:30"), ("S1", "c4", "2026-10-14 08:30"))
                  + [["S1", "c3", "not a time"]])
    refused = run("attendance", bad)
    assert not refused.ok and set(problems(refused)) == {3, 4}  # c4 works in S2; the time is no time
    assert not AttendanceRecord.objects.filter(day=oct_(14)).exists(), "all rows or none"


def rows_of(rows: list[list[str]]) -> bytes:
    return csv_file(["store", "employee_no", "punched_at"], rows)
