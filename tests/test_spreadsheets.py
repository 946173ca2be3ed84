"""The house reader and writer (core.spreadsheets) on real files built here: CSV in GBK and in UTF-8 with a BOM,
Excel workbooks; the limits, each refusal naming its row, column and limit; and what the writer writes read
back by the reader."""

import csv
import datetime
import io
from decimal import Decimal
from typing import Any

import pytest
from django.utils import translation
from django.utils.translation import gettext
from openpyxl import Workbook, load_workbook

from dealerkpi.core.spreadsheets import (
    FIGURE_FORMAT,
    LIMITS,
    MONEY_FORMAT,
    Amount,
    Book,
    Figure,
    Highlighted,
    Label,
    Limits,
    NotANumber,
    Unreadable,
    cell_number,
    cell_text,
    csv_bytes,
    read_sheet,
)

HEADER = ["工号", "姓名", "units_delivered", "备注"]
ROWS = [["E001", "张三", "12", "周末来店"], ["E002", "李四", "8", ""]]


def csv_file(rows: list[list[Any]], encoding: str = "utf-8", delimiter: str = ",") -> io.BytesIO:
    text = io.StringIO()
    csv.writer(text, delimiter=delimiter).writerows(rows)
    return io.BytesIO(text.getvalue().encode(encoding))


def xlsx_file(rows: list[list[Any]], title: str = "Sheet", other_sheet: str = "") -> io.BytesIO:
    book = Workbook()
    if other_sheet:
        book.active.title = other_sheet
        book.active.append(["wrong sheet"])
        book.create_sheet(title)
    sheet = book[title]
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    out.seek(0)
    return out


def read(raw: io.BytesIO, name: str, limits: Limits = LIMITS, **options: Any) -> tuple[list[Any], list[Any]]:
    with read_sheet(raw, name, limits, **options) as sheet:
        return sheet.header, list(sheet.rows())


def refusal(raw: io.BytesIO, name: str, limits: Limits = LIMITS) -> Unreadable:
    with pytest.raises(Unreadable) as refused:
        read(raw, name, limits)
    return refused.value


# --- reading ---------------------------------------------------------------------------------------------------


def test_a_gbk_csv_as_chinese_excel_saves_it() -> None:
    raw = csv_file([HEADER, *ROWS], "gbk")
    with pytest.raises(UnicodeDecodeError):
        raw.getvalue().decode("utf-8")
    assert read(raw, "目标.csv") == (HEADER, [(2, ROWS[0]), (3, ROWS[1][:3])])  # a row ends at its last filled cell


def test_a_utf8_csv_with_a_bom_and_semicolons() -> None:
    raw = csv_file([HEADER, *ROWS], "utf-8-sig", delimiter=";")
    assert raw.getvalue().startswith(b"\xef\xbb\xbf")
    header, rows = read(raw, "targets.CSV")
    assert header[0] == "工号"  # no byte-order mark left in the first name
    assert rows[0] == (2, ROWS[0])


def test_csv_rows_keep_the_numbers_excel_shows_with_line_breaks_and_blank_rows() -> None:
    raw = io.BytesIO(b'a,b\r\n"two\r\nlines",x\r\n,\r\n\r\nlast,y\r\n')
    with read_sheet(raw, "f.csv") as sheet:
        assert list(sheet.rows()) == [(2, ["two\r\nlines", "x"]), (3, []), (4, []), (5, ["last", "y"])]
    raw.seek(0)
    with read_sheet(raw, "f.csv") as sheet:
        assert [number for number, _cells in sheet.filled_rows()] == [2, 5]


def test_the_callers_file_stays_open() -> None:
    raw = csv_file([HEADER, *ROWS])
    read(raw, "f.csv")
    assert not raw.closed


def test_an_xlsx_gives_text_exact_numbers_dates_and_yes_no() -> None:
    moment = datetime.datetime(2026, 10, 5, 14, 30)
    raw = xlsx_file([HEADER, ["E001", "张三", 12, 2400000.5], ["E002", "李四", 8.0, 0.1],
                     ["E003", True, moment, datetime.datetime(2026, 10, 5)]])
    header, rows = read(raw, "targets.xlsx")
    assert header == HEADER
    assert rows[0] == (2, ["E001", "张三", 12, Decimal("2400000.5")])
    assert rows[1][1][2:] == [8, Decimal("0.1")]  # never a float: 0.1 stays 0.1, 8.0 is 8
    assert rows[2] == (4, ["E003", True, moment, datetime.datetime(2026, 10, 5)])
    assert [cell_text(cell) for cell in rows[2][1]] == ["E003", "1", "2026-10-05 14:30:00", "2026-10-05"]


def test_an_xlsx_sheet_by_name_or_else_the_first() -> None:
    raw = xlsx_file([["person", "period"], ["wang", "2025-03"]], title="history", other_sheet="summary")
    assert read(raw, "run.xlsx", sheet="history")[0] == ["person", "period"]
    raw.seek(0)
    assert read(raw, "run.xlsx", sheet="no such sheet")[0] == ["wrong sheet"]


def test_an_empty_file_has_no_header_and_no_rows() -> None:
    assert read(io.BytesIO(b""), "empty.csv") == ([], [])


@pytest.mark.parametrize(("data", "name", "message"), [
    pytest.param(b"\xff\xfe\xfa\xff" * 10, "f.csv", "The CSV file is neither UTF-8 nor GBK text.", id="encoding"),
    pytest.param(b"a\n" + b"x" * 140_000, "f.csv", "Line 2 of the CSV file holds a cell of more than 131,072 "
                 "characters; a cell may hold at most 10,000.", id="beyond-what-the-csv-module-reads"),
    pytest.param(b"not a zip", "f.xlsx", "The file is not a readable Excel workbook (.xlsx).", id="not-a-workbook"),
    pytest.param(b"", "old.xls", "Save the file as an Excel workbook (.xlsx) or as CSV and upload it again.",
                 id="old-excel"),
    pytest.param(b"", "notes.txt", "Upload an Excel workbook (.xlsx) or a CSV file.", id="not-a-spreadsheet"),
])
def test_a_file_that_cannot_be_read_is_refused_with_a_reason(data: bytes, name: str, message: str) -> None:
    problem = refusal(io.BytesIO(data), name)
    assert problem.message == message and problem.row is None


# --- limits ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_too_many_rows_are_refused_at_the_first_row_beyond_the_limit(kind: str) -> None:
    rows = [HEADER, ROWS[0], [], ROWS[1], ROWS[0], ROWS[1]]  # the blank row does not count
    raw = csv_file(rows) if kind == "csv" else xlsx_file(rows)
    problem = refusal(raw, f"f.{kind}", Limits(rows=3))
    assert (problem.row, problem.message) == (6, "The file has more than 3 rows.")
    raw.seek(0)
    assert len(read(raw, f"f.{kind}", Limits(rows=4))[1]) == 5


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_too_many_columns_are_refused_naming_the_row_and_the_limit(kind: str) -> None:
    rows = [HEADER, ROWS[0] + ["", "", None], [*ROWS[1], "extra"]]  # empty cells at the end do not count
    raw = csv_file(rows) if kind == "csv" else xlsx_file(rows)
    problem = refusal(raw, f"f.{kind}", Limits(columns=4))
    assert (problem.row, problem.message) == (3, "Row 3 has 5 columns; a file may have at most 4.")


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_a_cell_too_large_is_refused_naming_its_row_column_and_the_limit(kind: str) -> None:
    rows = [HEADER, ROWS[0], ["E002", "李四", "8", "长" * 1001]]
    raw = csv_file(rows) if kind == "csv" else xlsx_file(rows)
    problem = refusal(raw, f"f.{kind}", Limits(cell_characters=1000))
    assert (problem.row, problem.column) == (3, "D")
    assert problem.message == "Row 3, column D holds 1,001 characters; a cell may hold at most 1,000."


def test_the_header_is_checked_too() -> None:
    problem = refusal(csv_file([HEADER + ["x" * 50]]), "f.csv", Limits(cell_characters=20))
    assert (problem.row, problem.column) == (1, "E")


def test_a_file_too_large_is_refused_before_it_is_read() -> None:
    raw = csv_file([HEADER, *[ROWS[0]] * 40_000])
    assert 1 << 20 < len(raw.getvalue()) < 2 << 20
    assert refusal(raw, "f.csv", Limits(megabytes=1)).message == "The file is larger than 1 MB."
    raw.seek(0)
    assert len(read(raw, "f.csv", Limits(megabytes=2))[1]) == 40_000


def test_refusals_in_the_users_language() -> None:
    with translation.override("zh-hans"):
        english = refusal(csv_file([HEADER, *ROWS]), "f.csv", Limits(rows=1))  # no translator: as written
        with pytest.raises(Unreadable) as chinese:
            read(csv_file([HEADER, *ROWS]), "f.csv", Limits(rows=1), translate=gettext)
    assert english.message == "The file has more than 1 rows."
    assert chinese.value.message == "文件超过 1 行。"


# --- cells -----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("cell", "expected"), [
    ("1,800,000", Decimal("1800000")), (" 12.50 ", Decimal("12.50")), (8, Decimal(8)),
    (Decimal("0.1"), Decimal("0.1")), ("", None), (None, None), ("  ", None),
])
def test_cell_number(cell: object, expected: Decimal | None) -> None:
    assert cell_number(cell) == expected


@pytest.mark.parametrize("cell", ["twelve", "NaN", "Infinity", True, datetime.datetime(2026, 10, 5)])
def test_cell_number_refuses_what_is_not_a_number(cell: object) -> None:
    with pytest.raises(NotANumber):
        cell_number(cell)


# --- writing ---------------------------------------------------------------------------------------------------


def sample_book() -> bytes:
    book = Book(title="Payroll S1 2026-10")
    sheet = book.sheet("Pay: 10/2026", ["#", "Name", "Net pay", "Score", "Problems"], widths=[5, 12, 13, 10, 30],
                       frozen_columns=2, above=[[Label("Store"), "S1店"], [Label("Month"), "2026-10"]],
                       filtered=True)
    sheet.append([1, "=HYPERLINK(1)", Amount(Decimal("6530.2")), Figure(Decimal("87.5")), Highlighted("问题")])
    sheet.append([2, "李四\x07", Amount(Decimal("-150.25")), Figure(None), None])
    sheet.totals("Total", label_column=2, first=3, amounts=[Decimal("6379.95")])
    book.sheet("Notes", ["Column", "What to write"]).append(["工号", "员工编号"])
    return book.save()


def test_a_workbook_in_the_house_style() -> None:
    book = load_workbook(io.BytesIO(sample_book()))
    assert book.sheetnames == ["Pay  10 2026", "Notes"]  # what Excel refuses in a sheet name is left out
    assert (book.properties.title, book.properties.creator) == ("Payroll S1 2026-10", "dealerkpi")
    sheet = book.worksheets[0]
    assert [[cell.value for cell in row] for row in sheet.iter_rows(max_row=3)] == [
        ["Store", "S1店", None, None, None], ["Month", "2026-10", None, None, None], [None] * 5]
    assert sheet["A1"].font.b and not sheet["B1"].font.b
    header = sheet[4]
    assert [cell.value for cell in header] == ["#", "Name", "Net pay", "Score", "Problems"]
    assert all(cell.font.b and cell.fill.fgColor.rgb == "00DCE6F1" and cell.border.bottom.style == "thin"
               for cell in header)
    assert sheet.freeze_panes == "C5"
    assert [sheet.column_dimensions[letter].width for letter in "ABCDE"] == [5, 12, 13, 10, 30]
    assert sheet.auto_filter.ref == "A4:E6"  # the rows, not the totals
    first, second, totals = sheet[5], sheet[6], sheet[7]
    assert (first[1].value, first[1].data_type) == ("=HYPERLINK(1)", "s")  # text, never a formula
    assert second[1].value == "李四"  # a control character Excel refuses is dropped
    assert (first[2].value, first[2].number_format) == (6530.2, MONEY_FORMAT)
    assert (first[3].value, first[3].number_format) == (87.5, FIGURE_FORMAT)
    assert first[4].fill.fgColor.rgb == "00FFE0E0" and first[4].alignment.wrap_text
    assert second[3].value is None and second[4].value is None
    assert (totals[1].value, totals[2].value, totals[2].number_format) == ("Total", 6379.95, MONEY_FORMAT)
    assert totals[2].font.b and totals[2].border.bottom.style == "double"
    notes = book["Notes"]
    assert notes.freeze_panes == "A2" and notes.column_dimensions["A"].width == 10  # widths fitted to the header


def test_what_the_writer_writes_the_reader_reads_back() -> None:
    with read_sheet(io.BytesIO(sample_book()), "pay.xlsx") as sheet:
        assert sheet.header == ["Store", "S1店"]
        rows = list(sheet.filled_rows())
    assert rows == [
        (2, ["Month", "2026-10"]), (4, ["#", "Name", "Net pay", "Score", "Problems"]),
        (5, [1, "=HYPERLINK(1)", Decimal("6530.2"), Decimal("87.5"), "问题"]),
        (6, [2, "李四", Decimal("-150.25")]), (7, [None, "Total", Decimal("6379.95")]),
    ]


def test_a_csv_file_for_excel_round_trip() -> None:
    content = csv_bytes(["工号", "姓名", "实发"], [
        ["E001", "张三", Amount(Decimal("6530.2"))], ["E002", "=cmd|' /C calc'!A0", Amount(Decimal("-150.255"))],
        ["E003", "-", Amount(None)], ["E004", Label("王五"), Figure(Decimal("0.1250"))], ["E005", 7, None],
    ])
    assert content.startswith(b"\xef\xbb\xbf") and content.count(b"\r\n") == 6
    header, rows = read(io.BytesIO(content), "payroll.csv")
    assert header == ["工号", "姓名", "实发"]
    assert [cells for _number, cells in rows] == [
        ["E001", "张三", "6530.20"],  # amounts to the fen, without thousands separators
        ["E002", "'=cmd|' /C calc'!A0", "-150.26"],  # a formula stays text; half a fen rounds away from zero
        ["E003", "'-"],
        ["E004", "王五", "0.1250"],
        ["E005", "7"],
    ]


@pytest.mark.parametrize(("amount", "shown"), [
    (Decimal("1234.5"), "1234.50"), (Decimal("0"), "0.00"), (5, "5.00"), (Decimal("-0.01"), "-0.01"),
    (Decimal("229800.00"), "229800.00"), (Decimal("0.125"), "0.13"),  # half up, as core.money.fen
])
def test_money_in_csv_to_the_fen(amount: Decimal | int, shown: str) -> None:
    content = csv_bytes(["amount"], [[Amount(amount)]]).decode("utf-8-sig")
    assert content == f"amount\r\n{shown}\r\n"
