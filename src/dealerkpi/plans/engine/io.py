"""Spreadsheet inputs (.csv or .xlsx, read by core.spreadsheets) for the CLI, with errors naming the file, row
and column; and results written to .json or .xlsx (in the house style) with the full trace.

Row numbers are the spreadsheet's: the header is row 1.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, replace
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from dealerkpi.core.money import HUNDRED, ZERO
from dealerkpi.core.spreadsheets import (
    Amount,
    Book,
    NotANumber,
    Unreadable,
    cell_number,
    cell_text,
    read_sheet,
    readable,
)

from .catalogue import DEAL_FIGURES, Catalogue
from .inputs import Actuals, Credit, Deal, History, MonthRecord, Period, PeriodInputs, Person, Rating, Target
from .trace import PersonResult


class InputFileError(ValueError):
    """A problem in an input file, naming the file, row and column."""


@dataclass(frozen=True)
class Row:
    file: str
    row_number: int
    cells: Mapping[str, str]

    def where(self, column: str) -> str:
        return f"{self.file} row {self.row_number}, column {column}"

    def text(self, column: str, required: bool = False) -> str:
        value = self.cells.get(column, "").strip()
        if required and not value:
            raise InputFileError(f"{self.where(column)}: is empty")
        return value

    def number(self, column: str, default: Decimal | None = None) -> Decimal | None:
        value = self.text(column)
        try:
            number = cell_number(value)
        except NotANumber:
            raise InputFileError(f"{self.where(column)}: {value!r} is not a number") from None
        return default if number is None else number

    def required_number(self, column: str) -> Decimal:
        value = self.number(column)
        if value is None:
            raise InputFileError(f"{self.where(column)}: is empty")
        return value

    def day(self, column: str, required: bool = False) -> date | None:
        value = self.text(column, required)
        if not value:
            return None
        try:
            return date.fromisoformat(value[:10])
        except ValueError:
            raise InputFileError(f"{self.where(column)}: {value!r} is not a date (YYYY-MM-DD)") from None

    def period(self, column: str) -> Period:
        try:
            return Period.parse(self.text(column, required=True))
        except ValueError as problem:
            raise InputFileError(f"{self.where(column)}: {problem}") from None


def _read(path: Path, sheet: str | None) -> tuple[list[str], list[Row]]:
    """The header and the rows with something in them, as text."""
    with path.open("rb") as raw, read_sheet(raw, path.name, sheet=sheet) as table:
        header = [cell_text(name) for name in table.header]
        rows = [Row(path.name, number, dict(zip(header, map(cell_text, cells), strict=False)))
                for number, cells in table.filled_rows()]
    return header, rows


def read_rows(path: str | Path, required: Sequence[str] = (), sheet: str | None = None) -> tuple[list[str], list[Row]]:
    """The header and the non-empty rows of a .csv or .xlsx file (its `sheet`, else the first)."""
    path = Path(path)
    if not readable(path.name):
        raise InputFileError(f"{path.name}: only .csv and .xlsx files can be read")
    try:
        header, rows = _read(path, sheet)
    except OSError as problem:
        raise InputFileError(f"{path.name}: cannot be read ({problem.strerror or problem})") from None
    except Unreadable as problem:
        raise InputFileError(f"{path.name}: {problem.message}") from None
    if not header:
        raise InputFileError(f"{path.name}: is empty; row 1 must name the columns")
    for column in required:
        if column not in header:
            raise InputFileError(f"{path.name} row 1: column {column!r} is missing")
    return header, rows


def _metrics(row: Row, columns: Iterable[str]) -> dict[str, Decimal]:
    found = {}
    for column in columns:
        value = row.number(column)
        if value is not None:
            found[column] = value
    return found


def _metric_columns(path: str | Path, header: list[str], fixed: Sequence[str], metrics: Catalogue) -> list[str]:
    columns = [column for column in header if column and column not in fixed]
    for column in columns:
        if problem := metrics.problem(column):
            raise InputFileError(f"{Path(path).name} row 1, column {column}: {problem}")
    return columns


PERSON_COLUMNS = ("base_salary", "minimum_wage", "days_employed")  # the person's own, not their team row's


def read_actuals(
    path: str | Path, metrics: Catalogue, default_role: str
) -> tuple[tuple[Person, ...], tuple[Actuals, ...]]:
    """People and their actuals: columns person, name, role, team, optionally base_salary, minimum_wage and
    days_employed, then one column per metric.

    A person who changed team has one row per team; their team at the period's end is the last row's. The
    person's own columns may be given on any of their rows, the same wherever given.
    """
    fixed = ("person", "name", "role", "team", *PERSON_COLUMNS)
    header, rows = read_rows(path, ("person",))
    columns = _metric_columns(path, header, fixed, metrics)
    people: dict[str, Person] = {}
    own: dict[str, dict[str, Decimal]] = {}
    actuals = []
    for row in rows:
        person = row.text("person", required=True)
        people[person] = Person(person, row.text("name") or person, row.text("role") or default_role, row.text("team"))
        _own_figures(row, own.setdefault(person, {}))
        actuals.append(Actuals(person, row.text("team"), _metrics(row, columns)))
    return tuple(_with_own(person, own[person.id]) for person in people.values()), tuple(actuals)


def _own_figures(row: Row, given: dict[str, Decimal]) -> None:
    """Add the row's base_salary, minimum_wage and days_employed to what the person's earlier rows gave."""
    for column in PERSON_COLUMNS:
        value = row.number(column)
        if value is None:
            continue
        if value < ZERO:
            raise InputFileError(f"{row.where(column)}: {value} is negative")
        if column == "days_employed" and value != value.to_integral_value():
            raise InputFileError(f"{row.where(column)}: {value} is not a whole number of days")
        if given.get(column, value) != value:
            raise InputFileError(f"{row.where(column)}: {value} differs from {given[column]} on an earlier row")
        given[column] = value


def _with_own(person: Person, given: dict[str, Decimal]) -> Person:
    days = given.get("days_employed")
    return replace(person, base_salary=given.get("base_salary"), minimum_wage=given.get("minimum_wage"),
                   days_employed=None if days is None else int(days))


def read_targets(path: str | Path, metrics: Catalogue) -> tuple[Target, ...]:
    """Targets: columns person (empty for a team's own target), team, then one column per metric."""
    header, rows = read_rows(path, ("person",))
    columns = _metric_columns(path, header, ("person", "team"), metrics)
    targets = []
    for row in rows:
        if not row.text("person") and not row.text("team"):
            raise InputFileError(f"{row.where('person')}: give a person, or a team for a team target")
        targets.append(Target(_metrics(row, columns), row.text("person"), row.text("team")))
    return tuple(targets)


DEAL_COLUMNS = ("deal", "delivered_on", "unwound_on", "model_code", "margin_class", "person", "share", "team")


def read_deals(path: str | Path) -> tuple[Deal, ...]:
    """Deals, one row per credited person: a shared deal repeats its id with each person's share."""
    header, rows = read_rows(path, ("deal", "delivered_on", "person"))
    for column in header:
        if column and column not in DEAL_COLUMNS and column not in DEAL_FIGURES:
            raise InputFileError(
                f"{Path(path).name} row 1, column {column}: not a deal column; use "
                f"{', '.join(DEAL_COLUMNS + DEAL_FIGURES)}"
            )
    first: dict[str, Row] = {}
    credits: dict[str, list[Credit]] = {}
    for row in rows:
        deal = row.text("deal", required=True)
        first.setdefault(deal, row)
        credits.setdefault(deal, []).append(
            Credit(row.text("person", required=True), row.number("share", HUNDRED) or ZERO, row.text("team"))
        )
    return tuple(
        Deal(
            deal,
            row.day("delivered_on", required=True) or date.min,
            tuple(credits[deal]),
            _metrics(row, [column for column in header if column in DEAL_FIGURES]),
            row.text("model_code"),
            row.text("margin_class"),
            row.day("unwound_on"),
        )
        for deal, row in first.items()
    )


def read_ratings(path: str | Path) -> tuple[Rating, ...]:
    """Manual ratings: columns person, indicator, value, comment, rated_by."""
    _, rows = read_rows(path, ("person", "indicator", "value"))
    return tuple(
        Rating(
            row.text("person", required=True),
            row.text("indicator", required=True),
            row.required_number("value"),
            row.text("comment"),
            row.text("rated_by"),
        )
        for row in rows
    )


HISTORY_ITEMS = ("metric", "target", "total_score", "carried_balance", "draw_outstanding", "paid_for_deal")


def read_history(path: str | Path) -> dict[str, History]:
    """Earlier periods, one fact a row: person, period, item, name, value (the `history` sheet of an
    earlier run's .xlsx works as is)."""
    _, rows = read_rows(path, ("person", "period", "item", "value"), sheet="history")
    months: dict[str, dict[Period, dict[str, Any]]] = {}
    balances: dict[str, dict[str, Any]] = {}
    for row in rows:
        person, item = row.text("person", required=True), row.text("item", required=True)
        if item not in HISTORY_ITEMS:
            raise InputFileError(f"{row.where('item')}: {item!r} is not one of {', '.join(HISTORY_ITEMS)}")
        value = row.required_number("value")
        if item in ("metric", "target", "total_score"):
            month = months.setdefault(person, {}).setdefault(
                row.period("period"), {"metric": {}, "target": {}, "total_score": None}
            )
            if item == "total_score":
                month[item] = value
            else:
                month[item][row.text("name", required=True)] = value
        elif item == "paid_for_deal":
            balances.setdefault(person, {}).setdefault("paid", {})[row.text("name", required=True)] = value
        else:
            balances.setdefault(person, {})[item] = value
    return {
        person: History(
            tuple(
                MonthRecord(period, facts["metric"], facts["target"], facts["total_score"])
                for period, facts in sorted(months.get(person, {}).items())
            ),
            balances.get(person, {}).get("carried_balance", ZERO),
            balances.get(person, {}).get("draw_outstanding", ZERO),
            balances.get(person, {}).get("paid", {}),
        )
        for person in {*months, *balances}
    }


# --- results -------------------------------------------------------------------------------------


def _plain(value: object) -> object:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    return value


def result_data(result: PersonResult) -> dict[str, object]:
    """A result as JSON-ready data, Decimals as strings."""
    data = asdict(result)
    data["total"] = result.total
    return {key: _plain(value) for key, value in data.items()}


def history_rows(inputs: PeriodInputs, results: Sequence[PersonResult]) -> Iterator[list[str]]:
    """This period as history for the next run: person, period, item, name, value."""
    period = str(inputs.period)
    for row in inputs.actuals:
        for name, value in row.metrics.items():
            yield [row.person, period, "metric", name, str(value)]
    for target in inputs.targets:
        for name, value in target.metrics.items():
            if target.person:
                yield [target.person, period, "target", name, str(value)]
    for result in results:
        if result.total_score is not None:
            yield [result.person, period, "total_score", "", str(result.total_score)]
        yield [result.person, period, "carried_balance", "", str(result.carried_balance)]
        yield [result.person, period, "draw_outstanding", "", str(result.draw_outstanding)]
        for deal, amount in result.paid_for_deals.items():
            yield [result.person, period, "paid_for_deal", deal, str(amount)]


def write_json(path: str | Path, inputs: PeriodInputs, results: Sequence[PersonResult]) -> None:
    data = {
        "period": str(inputs.period),
        "stage": inputs.stage or "",
        "results": [result_data(result) for result in results],
    }
    Path(path).write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")


def _sheet(book: Book, title: str, header: list[str], rows: Iterable[Sequence[object]]) -> None:
    sheet = book.sheet(title, header)
    for row in rows:
        sheet.append(list(row))


def _compact(values: Mapping[str, Decimal]) -> str:
    return "; ".join(f"{name}={value}" for name, value in values.items())


SUMMARY_COLUMNS = ["person", "name", "team", "plan", "version", "period", "weight_set", "total_score", "coefficient",
                   "total", "carried_balance", "draw_outstanding", "error", "notes"]
INDICATOR_COLUMNS = ["person", "indicator", "label", "actual", "target", "achievement", "score", "weight",
                     "weighted_score", "rule", "inputs", "note"]
LINE_COLUMNS = ["person", "category", "kind", "rule", "label", "amount", "exact", "inputs", "values"]


def write_xlsx(path: str | Path, inputs: PeriodInputs, results: Sequence[PersonResult]) -> None:
    """Sheets: summary, indicators, lines, deals (each line's deal shares), gates, history; amounts of money
    formatted to the fen."""
    book = Book()
    _sheet(book, "summary", SUMMARY_COLUMNS, (
        [r.person, r.name, r.team, r.plan, r.version, r.period, r.weight_set, r.total_score, r.coefficient,
         Amount(r.total), Amount(r.carried_balance), Amount(r.draw_outstanding), r.error, " | ".join(r.notes)]
        for r in results
    ))
    _sheet(book, "indicators", INDICATOR_COLUMNS, (
        [r.person, i.id, i.label, i.actual, i.target, i.achievement, i.score, i.weight, i.weighted_score, i.rule,
         _compact(i.inputs), i.note]
        for r in results for i in r.indicators
    ))
    _sheet(book, "lines", LINE_COLUMNS, (
        [r.person, line.category, line.kind, line.rule, line.label, Amount(line.amount), line.exact,
         _compact(line.inputs), _compact(line.values)]
        for r in results for line in r.lines
    ))
    _sheet(book, "deals", ["person", "rule", "deal", "quantity", "amount"], (
        [r.person, line.rule, share.deal, share.quantity, share.amount]  # unrounded: as it is
        for r in results for line in r.lines for share in line.deals
    ))
    _sheet(book, "gates", ["person", "gate", "label", "condition", "held", "factor", "inputs"], (
        [r.person, g.id, g.label, g.condition, "yes" if g.held else "no", g.factor, _compact(g.inputs)]
        for r in results for g in r.gates
    ))
    _sheet(book, "history", ["person", "period", "item", "name", "value"], history_rows(inputs, results))
    Path(path).write_bytes(book.save())
