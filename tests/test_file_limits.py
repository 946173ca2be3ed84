"""Oversized and malformed files (issue 12): each hostile file of tests/hostile.py, uploaded for import, is refused
with its reason within a stated bound of time and memory; the error report stays bounded; a CSV file whose quote
is not closed is refused naming its line; a NUL character is a row error, never a database error; the targets
import and the plan engine's reader are bounded too; and a run's statements PDF is made by a job (as a file uploaded
for import is read by one: tests/test_imports.py).

The bounds (15 s, 200 MB more resident memory at the peak) are generous: bench/hostile_files.py measures the
figures that docs/reliability.md states, each file in a fresh process."""

from __future__ import annotations

import datetime
import gc
import io
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import pytest
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone, translation
from openpyxl import load_workbook

from dealerkpi.core import spreadsheets
from dealerkpi.core.scope import Reach, Viewer
from dealerkpi.crm import services as crm
from dealerkpi.crm.models import FollowUp
from dealerkpi.imports.models import ImportBatch
from dealerkpi.imports.service import Options, Outcome, import_file
from dealerkpi.imports.workbooks import REPORT_CELLS, REPORT_ROWS
from dealerkpi.org.models import User
from dealerkpi.pay.models import Run, RunPdf
from dealerkpi.plans.engine.io import InputFileError, read_rows
from dealerkpi.targets.services import import_split
from tests import hostile
from tests.test_exports import make_run
from tests.test_imports import FOLLOW_UP_HEADER, card, contact, csv_file, log_in, uploaded
from tests.world import World, build_world

pytestmark = pytest.mark.django_db

# 15 s: the 3 million short CSV rows took 5.2-5.4 s under the suite on a night this machine ran three times slower
# than usual (under 5 s on other days); a file read whole, not refused as it streams, shows in memory first.
SECONDS, MEGABYTES = 15, 200
ADMIN = Viewer(Reach.EVERYTHING)
T = TypeVar("T")
REFUSALS = {  # hostile file: the refusal (the template, before its first figure)
    "xfd.xlsx": spreadsheets.TOO_MANY_COLUMNS,
    "xfd-empty.xlsx": spreadsheets.TOO_MANY_CELLS,
    "far.xlsx": spreadsheets.BEYOND_EXCEL,
    "bomb.xlsx": spreadsheets.UNPACKS_TOO_LARGE,
    "bomb50.xlsx": spreadsheets.PACKED_TOO_TIGHT,
    "lying.xlsx": spreadsheets.NOT_A_WORKBOOK,
    "long.xlsx": spreadsheets.WORKBOOK_CELL_TOO_LARGE,
    "strings.xlsx": spreadsheets.TOO_MANY_FORMATS,
    "styles.xlsx": spreadsheets.TOO_MANY_FORMATS,
    "cells.xlsx": spreadsheets.TOO_MANY_ELEMENTS,
    "rows.csv": spreadsheets.TOO_MANY_ROWS,
    "blank.csv": spreadsheets.BEYOND_EXCEL,
    "line.csv": spreadsheets.CSV_LINE_TOO_LONG,
}


@pytest.fixture
def world() -> World:
    world = build_world()
    crm.create_default_grades(world.stores["S1"])
    return world


def resident_megabytes(field: str) -> float:
    """VmRSS (now) or VmHWM (the peak since it was last reset) of this process, from /proc (Linux)."""
    line = next(line for line in Path("/proc/self/status").read_text().splitlines() if line.startswith(field))
    return int(line.split()[1]) / 1024


def measured(work: Callable[[], T]) -> tuple[T, float, float]:
    """What ``work`` returns, the seconds it took and how far it raised the process's resident memory at its
    peak, in MB (the peak is reset first: writing 5 to /proc/self/clear_refs)."""
    gc.collect()
    Path("/proc/self/clear_refs").write_text("5")
    before, started = resident_megabytes("VmRSS"), time.perf_counter()
    result = work()
    return result, time.perf_counter() - started, resident_megabytes("VmHWM") - before


def imported(data: bytes, name: str, via: str = ImportBatch.Via.WEB) -> Outcome:
    with translation.override("en"):
        return import_file("follow_ups", io.BytesIO(data), name, ADMIN, Options(via=via, actor="test"))


# --- hostile files ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("label", list(hostile.HOSTILE))
def test_a_hostile_file_is_refused_within_the_bounds(label: str) -> None:
    name, build = hostile.HOSTILE[label]
    data = build()
    outcome, seconds, peak = measured(lambda: imported(data, name))
    assert [error.row for error in outcome.report.errors] == [None]
    assert outcome.report.errors[0].message.startswith(REFUSALS[name].split("%(")[0])
    batch = outcome.batch
    assert (batch.outcome, batch.written, batch.report) == (ImportBatch.Outcome.REJECTED, 0, None)
    assert seconds < SECONDS, f"{label}: {seconds:.1f} s"
    assert peak < MEGABYTES, f"{label}: {peak:.0f} MB"


def test_a_refusal_says_which_limit_with_its_figures() -> None:
    with pytest.raises(spreadsheets.Unreadable) as refused:
        spreadsheets.read_sheet(io.BytesIO(hostile.zip_bomb(50)), "bomb.xlsx")
    assert refused.value.code == spreadsheets.PACKED_TOO_TIGHT
    figures = refused.value.figures
    assert (figures["part"], figures["limit"]) == ("xl/sharedStrings.xml", "100")
    assert int(str(figures["ratio"]).replace(",", "")) > 1000  # deflate packs one letter repeated ~1,030 to 1


def test_the_page_refuses_a_bomb_with_its_reason(client: Any, world: World) -> None:
    log_in(client, world, "m1")
    page = uploaded(client, "follow_ups", hostile.zip_bomb(), "bomb.xlsx")
    assert 'data-testid="import-errors"' in page and "The workbook unpacks to more than 100 MB." in page
    assert ImportBatch.objects.get().outcome == ImportBatch.Outcome.REJECTED


def test_the_page_points_a_file_beyond_its_limits_to_the_command(world: World) -> None:
    rows = [contact(world, card(world, "c1"), "c1", f"2026-10-0{day} 10:00") for day in range(1, 5)]
    data = csv_file(FOLLOW_UP_HEADER, rows)
    with override_settings(IMPORT_LIMITS={"rows": 3}):
        refused = imported(data, "four.csv")
        checked = imported(data, "four.csv", via=ImportBatch.Via.COMMAND)
    assert refused.report.errors[0].message == ("The file has more than 3 rows. Split it, or import it with the "
                                                "dealerkpi import command.")
    assert checked.report.rows == 4  # the command's limits are Excel's


def test_the_targets_import_and_the_engine_are_bounded_too(tmp_path: Path, world: World) -> None:
    bomb = hostile.zip_bomb()
    with translation.override("en"):
        result = import_split(io.BytesIO(bomb), world.stores["S1"], datetime.date(2026, 10, 1), name="t.xlsx")
    assert [(e.row, e.message) for e in result.errors] == [(None, "The workbook unpacks to more than 100 MB.")]
    path = tmp_path / "inputs.xlsx"
    path.write_bytes(bomb)
    with pytest.raises(InputFileError, match="unpacks to more than 100 MB"):
        read_rows(path)


# --- the error report -------------------------------------------------------------------------------------------


def test_the_error_report_of_a_large_file_lists_its_first_rows_with_problems(world: World) -> None:
    lead, first = card(world, "c1"), datetime.datetime(2026, 10, 5, 10)
    rows = REPORT_CELLS // len(FOLLOW_UP_HEADER) + 10  # ten cells a row; rows 3, 5, 7... wrong
    data = csv_file(FOLLOW_UP_HEADER, [
        contact(world, lead, "c1", f"{first + datetime.timedelta(minutes=n):%Y-%m-%d %H:%M}",
                **({"channel": "fax"} if n % 2 else {})) for n in range(rows)])
    outcome, seconds, peak = measured(lambda: imported(data, "large.csv"))
    wrong = rows // 2
    assert outcome.report.error_count >= wrong and len(outcome.report.bad_rows) == wrong
    sheet = list(load_workbook(io.BytesIO(bytes(outcome.batch.report))).active.iter_rows(values_only=True))
    assert sheet[0][0] == "Row" and len(sheet) == 1 + REPORT_ROWS + 1
    assert [line[0] for line in sheet[1:4]] == [3, 5, 7]  # the file's row numbers: rows 3, 5, 7 are wrong
    assert "fax" in sheet[1] and sheet[1][-1]
    assert sheet[-1][0] == f"… and {wrong - REPORT_ROWS:,} more rows with problems. Correct these, then check the " \
                           "file again."
    assert seconds < 4 * SECONDS and peak < MEGABYTES  # the import of 20,000 rows, and its report


def test_the_error_report_never_copies_blank_rows(world: World) -> None:
    lead = card(world, "c1")
    data = csv_file(FOLLOW_UP_HEADER, [contact(world, lead, "c1", "2026-10-05 10:00", channel="fax")]) \
        + b",,,,,,,,,\r\n" * 30_000 + csv_file(FOLLOW_UP_HEADER, [])  # the header again: an unknown store "store"
    outcome = imported(data, "blank.csv")
    assert not outcome.ok
    sheet = list(load_workbook(io.BytesIO(bytes(outcome.batch.report))).active.iter_rows(values_only=True))
    assert len(sheet) == 3  # the header, the wrong row and the stray header: the 30,000 blank rows are not copied


# --- malformed CSV files and NUL characters ---------------------------------------------------------------------


@pytest.mark.parametrize(("text", "line"), [
    ('S1,2,"never closed\nS1,3\nS1,4\n', 3),  # the rows after it would be swallowed into one cell
    ('S1,2\nS1,"3" too late\nS1,4\n', 4),
    ('S1,2\nS1,"3 runs on\nS1,4 to the next "quote\nS1,5\n', 4),
])
def test_a_malformed_csv_file_is_refused_naming_its_line(text: str, line: int) -> None:
    outcome = imported((",".join(FOLLOW_UP_HEADER) + "\nS1,1\n" + text).encode(), "quotes.csv")
    assert [e.message for e in outcome.report.errors if e.row is None] == [
        f'The CSV file cannot be read from line {line} on: a quote (") there opens a cell that is not closed '
        "properly. A cell that starts with a quote must end with one, followed by a separator or the end of the "
        "line."]
    assert outcome.batch.report is None  # the file was not read to its end: no report copies it


def test_a_nul_character_is_a_row_error_on_the_page(client: Any, world: World) -> None:
    log_in(client, world, "m1")
    lead = card(world, "c1")
    rows = [contact(world, lead, "c1", "2026-10-05 10:00", note="周末\x00来店"),
            contact(world, lead, "c1", "2026-10-06 10:00", store="S\x001"),
            contact(world, lead, "c1", "2026-10-07 10:00")]
    page = uploaded(client, "follow_ups", csv_file(FOLLOW_UP_HEADER, rows))
    batch = ImportBatch.objects.get()
    assert (batch.outcome, batch.written, batch.error_count) == (ImportBatch.Outcome.REJECTED, 0, 2)
    assert page.count("The cell holds a NUL character") == 2 and "J (note)" in page and "A (store)" in page
    assert not FollowUp.objects.filter(lead=lead, at__gte=timezone.make_aware(datetime.datetime(2026, 10, 5))).exists()


def test_a_nul_character_in_a_targets_file_is_a_row_error(world: World) -> None:
    c1 = world.staff["c1"]
    text = f"工号,姓名,units_delivered\n{c1.employee_no}\x00,张三,6\n"
    with translation.override("en"):
        result = import_split(io.BytesIO(text.encode()), world.stores["S1"], datetime.date(2026, 10, 1),
                              name="split.csv")
    assert [(e.row, e.column) for e in result.errors] == [(2, "A")]
    assert result.errors[0].message.startswith("The cell holds a NUL character")


# --- the run's statements PDF -----------------------------------------------------------------------------------


def test_the_run_pdf_is_made_by_a_job_for_who_asked(client: Any, world: World,
                                                    django_capture_on_commit_callbacks: Any) -> None:
    run = make_run(world, Run.Status.SUBMITTED)
    url = reverse("run-pdf", args=[run.pk])
    client.force_login(User.objects.get(username="m1"))
    page = client.get(url)
    assert 'data-state="missing"' in page.content.decode() and 'data-testid="run-pdf-prepare"' in page.content.decode()
    with django_capture_on_commit_callbacks(execute=False) as queued:
        assert client.post(url).status_code == 302
    assert 'data-state="preparing"' in client.get(url, headers={"HX-Request": "true"}).content.decode()
    for job in queued:  # the job (Huey's immediate mode in tests runs the real task)
        job()
    pdf = RunPdf.objects.get()
    assert (pdf.status, pdf.requested_by.username, len(pdf.statement_ids)) == (RunPdf.Status.READY, "m1", 3)
    assert 'data-testid="run-pdf-download"' in client.get(url, headers={"HX-Request": "true"}).content.decode()
    download = client.get(url)
    assert download["Content-Type"] == "application/pdf" and download.content.startswith(b"%PDF")

    client.force_login(User.objects.get(username="sup1"))  # sees their team only: their own PDF, not m1's
    assert 'data-state="missing"' in client.get(url).content.decode()
    Run.objects.filter(pk=run.pk).update(status=Run.Status.APPROVED)  # the DRAFT watermark goes
    client.force_login(User.objects.get(username="m1"))
    assert 'data-state="out_of_date"' in client.get(url).content.decode()


def test_a_run_pdf_whose_job_was_lost_may_be_asked_for_again(client: Any, world: World,
                                                             django_capture_on_commit_callbacks: Any) -> None:
    run = make_run(world, Run.Status.DRAFT)
    url = reverse("run-pdf", args=[run.pk])
    client.force_login(User.objects.get(username="m1"))
    with django_capture_on_commit_callbacks(execute=False):
        client.post(url)  # the job is never run: its worker died
    RunPdf.objects.update(requested_at=timezone.now() - datetime.timedelta(hours=1))
    assert 'data-state="failed"' in client.get(url).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url)
    assert RunPdf.objects.get().status == RunPdf.Status.READY
    assert client.get(url)["Content-Type"] == "application/pdf"


def test_a_run_pdf_is_refused_to_who_may_not_see_the_run(client: Any, world: World) -> None:
    run = make_run(world, Run.Status.DRAFT)
    for username in ("c1", "m2"):
        client.force_login(User.objects.get(username=username))
        assert client.post(reverse("run-pdf", args=[run.pk])).status_code == 404
    assert not RunPdf.objects.exists()
