"""What went wrong, row by row: every problem is counted, the first ``KEPT`` are kept with their row, column,
value and message (in the language active when the file was checked)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

KEPT = 100_000  # problems kept for the page and the error report; more are counted only
SHOWN = 200  # problems listed on the page and by the command


@dataclass(frozen=True, slots=True)
class RowError:
    row: int | None  # as the user sees it in the file (the header is row 1); None for the whole file
    column: str  # "B (A卡)", or "" for the whole row or file
    value: str
    message: str


@dataclass
class Report:
    errors: list[RowError] = field(default_factory=list)
    error_count: int = 0
    rows: int = 0  # data rows read (blank rows are skipped)
    written: int = 0
    unchanged: int = 0  # rows whose records were there already (a file imported again changes nothing)
    bad_rows: set[int] = field(default_factory=set)

    @property
    def ok(self) -> bool:
        return self.error_count == 0

    def add(self, row: int | None, column: str, value: str, message: str) -> None:
        self.error_count += 1
        if row is not None:
            self.bad_rows.add(row)
        if len(self.errors) < KEPT:
            self.errors.append(RowError(row, column, value[:100], message))

    def file_error(self, message: str) -> None:
        self.add(None, "", "", message)

    def refused(self, message: str) -> None:
        """The file is refused as a whole (beyond a limit, or malformed): this reason replaces the problems of the
        rows read before."""
        self.errors.clear()
        self.bad_rows.clear()
        self.error_count = 0
        self.file_error(message)

    def sorted_errors(self) -> list[RowError]:
        return sorted(self.errors, key=lambda e: (e.row or 0, e.column))

    def shown(self) -> list[RowError]:
        return self.sorted_errors()[:SHOWN]

    @property
    def more(self) -> int:
        """Problems not listed on the page."""
        return max(0, self.error_count - SHOWN)

    def messages_by_row(self) -> dict[int | None, str]:
        found: dict[int | None, list[str]] = defaultdict(list)
        for error in self.sorted_errors():
            found[error.row].append(f"{error.column}: {error.message}" if error.column else error.message)
        return {row: "\n".join(messages) for row, messages in found.items()}
