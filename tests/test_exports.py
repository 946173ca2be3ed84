"""Exports of a bonus run: statements as PDF, the run as an Excel workbook, the payroll file (.xlsx, .csv),
and who may download what."""

from __future__ import annotations

import csv
import datetime
import io
import shutil
import subprocess
import tempfile
from decimal import Decimal
from pathlib import Path

from django.db import connection
from django.test import TestCase
from django.test.utils import CaptureQueriesContext
from django.urls import resolve, reverse
from django.utils import translation
from openpyxl import load_workbook

from dealerkpi.org.models import Role, Staff
from dealerkpi.pay import exports
from dealerkpi.pay.models import Run, Statement, StatementIndicator, StatementLine
from dealerkpi.plans.models import Plan, PlanVersion
from tests.world import PASSWORD, World, build_world

OCTOBER = datetime.date(2026, 10, 1)
NAMES = {"c1": "张伟", "c2": "李娜", "c3": "王芳"}
D = Decimal

# category, kind, amount: what the engine writes, plus manual adjustments
LINES = {
    "c1": [("base_pay", "base_pay", "1500.00"), ("commission", "per_unit", "3200.50"),
           ("commission", "gate", "-320.05"), ("bonus", "formula", "800.00"), ("quarterly_bonus", "formula", "1200.00"),
           ("fine", "fine", "-100.00"), ("adjustment", "adjustment", "300.00"),
           ("adjustment", "adjustment", "-50.25")],
    "c2": [("base_pay", "base_pay", "1500.00"), ("commission", "percent", "200.00"), ("draw", "draw", "800.00"),
           ("guarantee", "guarantee", "500.00"), ("clawback", "clawback", "-600.00"),
           ("annual_bonus", "formula", "2400.00")],
    "c3": [("base_pay", "base_pay", "1200.00"), ("commission", "tiers", "1800.00"),
           ("draw", "draw_recovery", "-200.00"), ("balance", "brought_forward", "-300.00"),
           ("clawback", "clawback", "-3000.00"), ("balance", "carried_forward", "500.00")],
}
# c1: base 1500, bonus 800 + 1200, commission 3200.50 - 320.05, deductions -100 - 50.25, other 300
C1_PAYROLL = {"base": D("1500.00"), "bonus": D("2000.00"), "commission": D("2880.45"),
              "deductions": D("-150.25"), "other": D("300.00"), "gross": D("6530.20")}
C2_PAYROLL = {"base": D("1500.00"), "bonus": D("2400.00"), "commission": D("200.00"),
              "deductions": D("-600.00"), "other": D("1300.00"), "gross": D("4800.00")}
C3_PAYROLL = {"base": D("1200.00"), "bonus": D("0"), "commission": D("1800.00"),
              "deductions": D("-3500.00"), "other": D("500.00"), "gross": D("0.00")}


def make_run(world: World, status: str, number: int = 1, people: tuple[str, ...] = ("c1", "c2", "c3")) -> Run:
    store = world.stores["S1"]
    plan, _created = Plan.objects.get_or_create(
        group=store.region.group, code="consultant", defaults={"name": "销售顾问绩效方案", "role": Role.CONSULTANT})
    version, _created = PlanVersion.objects.get_or_create(
        plan=plan, number=1, defaults={"document": "plan: consultant\n", "effective_from": OCTOBER})
    run = Run.objects.create(store=store, period=OCTOBER, number=number, status=status)
    for key in people:
        lines = LINES.get(key, LINES["c1"])
        staff = world.staff[key]
        total = sum((D(amount) for _c, _k, amount in lines), D("0"))
        statement = Statement.objects.create(
            run=run, store=store, staff=staff, team=world.teams["T1"] if key in ("c1", "c2") else None,
            plan_version=version, weight_set="default", total_score=D("86.5000"), coefficient=D("1.0000"),
            total=total, carried_balance=D("-800.00") if key == "c3" else D("0"),
            gates=[{"id": "min_units", "label": "销量未达60%", "condition": "unit_completion < 60", "held": key == "c3",
                    "factor": "0", "inputs": {}}],
        )
        StatementIndicator.objects.bulk_create([
            StatementIndicator(statement=statement, position=0, code="volume", label="销量 (台)", rule="linear",
                               metric="units_delivered", actual=D("9"), target=D("10"), achievement=D("90"),
                               score=D("90"), weight=D("60"), weighted_score=D("54")),
            StatementIndicator(statement=statement, position=1, code="insurance", label="保险渗透率", rule="steps",
                               actual=D("85.5"), target=None, achievement=None, score=D("85"), weight=D("40"),
                               weighted_score=D("34")),
        ])
        StatementLine.objects.bulk_create([
            StatementLine(statement=statement, position=n, category=category, kind=kind, label=f"{category} {kind}",
                          amount=D(amount), exact=amount)
            for n, (category, kind, amount) in enumerate(lines)
        ])
    return run


def pdf_text(content: bytes, page: int | None = None) -> str:
    with tempfile.TemporaryDirectory() as folder:
        pdf = Path(folder) / "statements.pdf"
        pdf.write_bytes(content)
        pages = ["-f", str(page), "-l", str(page)] if page else []
        return subprocess.run(["pdftotext", "-enc", "UTF-8", *pages, str(pdf), "-"], check=True,
                              capture_output=True, text=True).stdout


def pdf_pages(content: bytes) -> int:
    with tempfile.TemporaryDirectory() as folder:
        pdf = Path(folder) / "statements.pdf"
        pdf.write_bytes(content)
        info = subprocess.run(["pdfinfo", str(pdf)], check=True, capture_output=True, text=True).stdout
    return int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")))


class ExportsTestCase(TestCase):
    world: World
    approved: Run

    @classmethod
    def setUpTestData(cls) -> None:
        cls.world = build_world()
        for key, name in NAMES.items():
            Staff.objects.filter(pk=cls.world.staff[key].pk).update(name=name)
        cls.approved = make_run(cls.world, Run.Status.APPROVED)

    def statements(self, run: Run | None = None):  # noqa: ANN201
        return Statement.objects.filter(run=run or self.approved)

    def statement_of(self, key: str, run: Run | None = None) -> Statement:
        return self.statements(run).get(staff=self.world.staff[key])


class PayrollTest(ExportsTestCase):
    def test_every_row_adds_up_to_the_statement_total(self) -> None:
        rows = exports.payroll_rows(self.approved, self.statements())
        self.assertEqual(len(rows), 3)
        totals = dict(self.statements().values_list("staff__employee_no", "total"))
        for row in rows:
            self.assertEqual(row.base + row.bonus + row.commission + row.deductions + row.other, row.gross)
            self.assertEqual(row.gross, totals[row.employee_no])
            self.assertLessEqual(row.deductions, 0)
            for value in (row.base, row.bonus, row.commission, row.deductions, row.other, row.gross):
                self.assertIsInstance(value, Decimal)

    def test_the_lines_fall_in_the_documented_columns(self) -> None:
        by_name = {row.name: row for row in exports.payroll_rows(self.approved, self.statements())}
        for key, expected in (("c1", C1_PAYROLL), ("c2", C2_PAYROLL), ("c3", C3_PAYROLL)):
            row = by_name[NAMES[key]]
            with self.subTest(person=key):
                self.assertEqual({f: getattr(row, f) for f in expected}, expected)
        c1 = by_name[NAMES["c1"]]
        self.assertEqual((c1.store, c1.employee_no), ("S1店", self.world.staff["c1"].employee_no))

    def test_a_statement_that_does_not_add_up_is_refused(self) -> None:
        Statement.objects.filter(pk=self.statement_of("c1").pk).update(total=D("1.00"))
        with self.assertRaises(exports.ExportError):
            exports.payroll_rows(self.approved, self.statements())

    def test_csv_has_a_bom_the_header_and_plain_amounts(self) -> None:
        with translation.override("en"):
            content = exports.payroll_csv(self.approved, self.statements())
        self.assertTrue(content.startswith(b"\xef\xbb\xbf"))
        rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
        self.assertEqual(rows[0], ["Employee number", "Name", "Store", "Role", "Base pay", "Bonus", "Commission",
                                   "Deductions", "Other",
                                   "Gross pay (before social insurance, housing fund and income tax)"])
        self.assertEqual(len(rows), 4)
        c1 = next(r for r in rows if r[1] == NAMES["c1"])
        self.assertEqual(c1[4:], ["1500.00", "2000.00", "2880.45", "-150.25", "300.00", "6530.20"])
        self.assertEqual(c1[3], "Sales consultant")
        for row in rows[1:]:
            self.assertEqual(sum(D(v) for v in row[4:9]), D(row[9]))

    def test_text_that_looks_like_a_formula_stays_text(self) -> None:
        Staff.objects.filter(pk=self.world.staff["c1"].pk).update(name="=HYPERLINK(1)")
        content = exports.payroll_csv(self.approved, self.statements()).decode("utf-8-sig")
        self.assertIn("'=HYPERLINK(1)", content)
        sheet = load_workbook(io.BytesIO(exports.payroll_xlsx(self.approved, self.statements()))).active
        cell = next(row[1] for row in sheet.iter_rows(min_row=2) if row[1].value == "=HYPERLINK(1)")
        self.assertEqual(cell.data_type, "s")  # text, not a formula

    def test_xlsx_has_numbers_formatted_to_the_fen(self) -> None:
        with translation.override("en"):
            book = load_workbook(io.BytesIO(exports.payroll_xlsx(self.approved, self.statements())))
        sheet = book.active
        header = [cell.value for cell in sheet[1]]
        self.assertEqual(header[0], "Employee number")
        self.assertEqual(header[-1], "Gross pay (before social insurance, housing fund and income tax)")
        rows = list(sheet.iter_rows(min_row=2))
        self.assertEqual(len(rows), 3)
        for row in rows:
            amounts = [D(str(cell.value)) for cell in row[4:]]
            self.assertEqual(sum(amounts[:5]), amounts[5])
            for cell in row[4:]:
                self.assertEqual(cell.number_format, "#,##0.00")
            self.assertEqual(row[0].data_type, "s")
        c1 = next(row for row in rows if row[1].value == NAMES["c1"])
        self.assertEqual(D(str(c1[9].value)).quantize(D("0.01")), C1_PAYROLL["gross"])


class WorkbookTest(ExportsTestCase):
    def test_summary_and_lines_sheets_add_up_to_the_statements(self) -> None:
        with translation.override("en"):
            book = load_workbook(io.BytesIO(exports.run_workbook(self.approved, self.statements())))
        self.assertEqual(book.sheetnames[:2], ["Summary", "Lines"])
        summary, lines = book["Summary"], book["Lines"]
        header = [cell.value for cell in summary[exports.SUMMARY_HEADER_ROW]]
        total_column = header.index("Total")
        people = [row for row in summary.iter_rows(min_row=exports.SUMMARY_HEADER_ROW + 1, values_only=True)
                  if isinstance(row[0], int)]
        self.assertEqual(len(people), 3)
        expected = dict(self.statements().values_list("staff__name", "total"))
        self.assertEqual({row[2]: D(str(row[total_column])) for row in people}, expected)
        totals_row = [row for row in summary.iter_rows(values_only=True) if row[2] == "Total"][-1]
        self.assertEqual(D(str(totals_row[total_column])), sum(expected.values()))
        for row in people:
            parts = [D(str(row[header.index(name)])) for name in ("Base pay", "Bonus", "Commission", "Deductions",
                                                                  "Other")]
            self.assertEqual(sum(parts), D(str(row[total_column])))

        line_rows = [row for row in lines.iter_rows(min_row=2, values_only=True) if row[0]]
        self.assertEqual(len(line_rows), StatementLine.objects.filter(statement__run=self.approved).count())
        amount = [cell.value for cell in lines[1]].index("Amount")
        self.assertEqual(sum(D(str(row[amount])) for row in line_rows), sum(expected.values()))
        per_person: dict[str, Decimal] = {}
        for row in line_rows:
            per_person[row[1]] = per_person.get(row[1], D("0")) + D(str(row[amount]))
        self.assertEqual(per_person, expected)
        lines_total = [row for row in lines.iter_rows(values_only=True) if row[1] == "Total"][-1]
        self.assertEqual(D(str(lines_total[amount])), sum(expected.values()))
        self.assertEqual(lines.cell(2, amount + 1).number_format, "#,##0.00")

    def test_queries_do_not_grow_with_the_number_of_statements(self) -> None:
        bigger = make_run(self.world, Run.Status.DRAFT, number=2,
                          people=("c1", "c2", "c3", "sup1", "m1", "gm1", "hr1", "fin1"))
        counts = {}
        for run in (self.approved, bigger):
            run = Run.objects.select_related("store__region__group").get(pk=run.pk)
            for name, build in (("workbook", exports.run_workbook), ("payroll", exports.payroll_xlsx),
                                ("csv", exports.payroll_csv)):
                with CaptureQueriesContext(connection) as queries:
                    build(run, self.statements(run))
                counts[name, run.statements.count()] = len(queries)
        for name in ("workbook", "payroll", "csv"):
            self.assertEqual(counts[name, 3], counts[name, 8], name)
            self.assertLessEqual(counts[name, 3], 4, name)


class PdfTest(ExportsTestCase):
    def test_one_page_per_statement(self) -> None:
        document = exports.statements_document(self.statements())
        self.assertEqual(len(document.pages), 3)
        if shutil.which("pdfinfo"):
            self.assertEqual(pdf_pages(exports.statements_pdf(self.statements())), 3)

    def test_the_chinese_text_renders(self) -> None:
        if not shutil.which("pdftotext"):
            self.skipTest("pdftotext (poppler-utils) is not installed")
        content = exports.statements_pdf(self.statements())
        text = pdf_text(content)
        for expected in ("绩效", "华东集团", "S1店", "销量 (台)", "保险渗透率", "2026-10", "6,530.20"):
            self.assertIn(expected, text)
        order = sorted(NAMES.values(), key=lambda name: Staff.objects.get(name=name).employee_no)
        for page, name in enumerate(order, start=1):
            page_text = pdf_text(content, page)
            self.assertIn(name, page_text)
            self.assertIn("华东集团", page_text)  # the company header on every page
            self.assertEqual([other for other in NAMES.values() if other in page_text], [name])

    def test_a_draft_run_is_marked_as_such(self) -> None:
        draft = make_run(self.world, Run.Status.DRAFT, number=2, people=("c1",))
        with translation.override("en"):
            self.assertIn('class="watermark">DRAFT', exports.statements_html(self.statements(draft)))
            self.assertNotIn('class="watermark"', exports.statements_html(self.statements()))
        if shutil.which("pdftotext"):  # the watermark is rotated: its letters come out one by one
            with translation.override("en"):
                text = pdf_text(exports.statements_pdf(self.statements(draft)))
            self.assertTrue(all(letter in text for letter in "DRAFT"))

    def test_pdf_queries_do_not_grow_with_the_number_of_statements(self) -> None:
        counts = []
        for people in (("c1",), ("c1", "c2", "c3")):
            statements = self.statements().filter(staff__in=[self.world.staff[k] for k in people])
            with CaptureQueriesContext(connection) as queries:
                exports.statements_html(statements)
            counts.append(len(queries))
        self.assertEqual(counts[0], counts[1])


class DownloadViewsTest(ExportsTestCase):
    def login(self, username: str) -> None:
        self.assertTrue(self.client.login(username=username, password=PASSWORD))

    def payroll(self, fmt: str = "csv", run: Run | None = None):  # noqa: ANN201
        return self.client.get(reverse("run-payroll", args=[(run or self.approved).pk, fmt]))

    def test_a_consultant_downloads_their_own_statement_only(self) -> None:
        self.login("c1")
        own = self.client.get(reverse("statement-pdf", args=[self.statement_of("c1").pk]))
        self.assertEqual(own.status_code, 200)
        self.assertEqual(own["Content-Type"], "application/pdf")
        self.assertTrue(own.content.startswith(b"%PDF"))
        self.assertIn("attachment", own["Content-Disposition"])
        colleague = self.client.get(reverse("statement-pdf", args=[self.statement_of("c2").pk]))
        self.assertEqual(colleague.status_code, 404)

    def test_a_consultant_may_not_download_payroll_or_the_run(self) -> None:
        self.login("c1")
        for fmt in ("csv", "xlsx"):
            response = self.payroll(fmt)
            self.assertEqual(response.status_code, 403)
            self.assertContains(response, 'data-testid="refusal"', status_code=403)
        self.assertEqual(self.client.get(reverse("run-xlsx", args=[self.approved.pk])).status_code, 404)
        self.assertEqual(self.client.get(reverse("run-pdf", args=[self.approved.pk])).status_code, 404)

    def test_hr_downloads_payroll_of_an_approved_run(self) -> None:
        self.login("hr1")
        csv_response = self.payroll("csv")
        self.assertEqual(csv_response.status_code, 200)
        self.assertTrue(csv_response["Content-Type"].startswith("text/csv"))
        self.assertTrue(csv_response.content.startswith(b"\xef\xbb\xbf"))
        self.assertIn("payroll-S1-2026-10-v1.csv", csv_response["Content-Disposition"])
        self.assertIn(NAMES["c1"], csv_response.content.decode("utf-8-sig"))
        xlsx_response = self.payroll("xlsx")
        self.assertEqual(xlsx_response.status_code, 200)
        self.assertEqual(load_workbook(io.BytesIO(xlsx_response.content)).active.max_row, 4)

    def test_payroll_of_a_draft_run_is_refused_clearly(self) -> None:
        draft = make_run(self.world, Run.Status.DRAFT, number=2)
        self.login("hr1")
        response = self.payroll("csv", draft)
        self.assertEqual(response.status_code, 400)
        self.assertContains(response, 'data-testid="refusal"', status_code=400)
        self.assertContains(response, draft.get_status_display(), status_code=400)
        Run.objects.filter(pk=draft.pk).update(status=Run.Status.SUBMITTED)
        self.assertEqual(self.payroll("xlsx", draft).status_code, 400)
        Run.objects.filter(pk=draft.pk).update(status=Run.Status.LOCKED)
        self.assertEqual(self.payroll("xlsx", draft).status_code, 200)

    def test_who_may_download_payroll(self) -> None:
        expected = {"hr1": 200, "fin1": 200, "gm1": 200, "m1": 200, "ho_group": 200, "ho_r1": 200, "admin": 200,
                    "sup1": 403, "c1": 403, "m2": 404, "ho_g2": 404}
        for username, status in expected.items():
            self.login(username)
            with self.subTest(user=username):
                self.assertEqual(self.payroll("csv").status_code, status)

    def test_an_unknown_format_is_not_found(self) -> None:
        self.login("hr1")
        self.assertEqual(self.payroll("pdf").status_code, 404)

    def test_run_pdf_and_workbook_show_what_the_viewer_may_see(self) -> None:
        self.login("m1")
        pdf = self.client.get(reverse("run-pdf", args=[self.approved.pk]))
        self.assertEqual(pdf.status_code, 200)
        self.assertEqual(len(exports.statements_document(self.statements()).pages), 3)
        workbook = self.client.get(reverse("run-xlsx", args=[self.approved.pk]))
        self.assertEqual(workbook.status_code, 200)
        self.assertEqual(len([r for r in load_workbook(io.BytesIO(workbook.content)).worksheets[1].iter_rows(min_row=2)
                              if r[0].value]), StatementLine.objects.filter(statement__run=self.approved).count())
        # the supervisor of team T1 (c1, c2) gets their team's pages only
        self.login("sup1")
        response = self.client.get(reverse("run-xlsx", args=[self.approved.pk]))
        self.assertEqual(response.status_code, 200)
        summary = load_workbook(io.BytesIO(response.content)).worksheets[0]
        names = {row[2] for row in summary.iter_rows(min_row=exports.SUMMARY_HEADER_ROW + 1, values_only=True)
                 if isinstance(row[0], int)}
        self.assertEqual(names, {NAMES["c1"], NAMES["c2"]})
        with self.captureOnCommitCallbacks(execute=True):  # the PDF is made by a job (tests: Huey's immediate mode)
            self.client.post(reverse("run-pdf", args=[self.approved.pk]))
        made = self.client.get(reverse("run-pdf", args=[self.approved.pk]))
        self.assertEqual(made["Content-Type"], "application/pdf")
        if shutil.which("pdfinfo"):
            self.assertEqual(pdf_pages(made.content), 2)

    def test_an_export_that_does_not_add_up_is_refused_without_an_error(self) -> None:
        Statement.objects.filter(pk=self.statement_of("c1").pk).update(total=D("1.00"))
        self.login("hr1")
        self.assertEqual(self.payroll("csv").status_code, 409)
        self.assertEqual(self.client.get(reverse("run-xlsx", args=[self.approved.pk])).status_code, 409)


def test_the_site_mounts_the_exports_ahead_of_the_run_actions() -> None:
    """dealerkpi/urls.py includes export_urls under /pay/ before run_urls."""
    assert resolve("/pay/statements/1/pdf/").url_name == "statement-pdf"
    assert resolve("/pay/runs/1/pdf/").url_name == "run-pdf"
    assert resolve("/pay/runs/1/xlsx/").url_name == "run-xlsx"
    assert resolve("/pay/runs/1/payroll.csv/").url_name == "run-payroll"
