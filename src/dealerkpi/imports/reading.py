"""How the importers read an uploaded file: with the house reader (``core.spreadsheets``: CSV in UTF-8 or GBK,
or Excel .xlsx, row by row, within its limits), its refusals in the user's language; and the file's fingerprint
for the audit.

The first row is the header. Row numbers are the ones the user sees in Excel (the header is row 1).
"""

from __future__ import annotations

import dataclasses
import hashlib
from typing import IO

from django.conf import settings
from django.utils.translation import gettext

from dealerkpi.core.spreadsheets import EXCEL_ROWS, TOO_LARGE, TOO_MANY_ROWS, read_sheet

# The house reader's names as the importers know them.
from dealerkpi.core.spreadsheets import Limits as Limits
from dealerkpi.core.spreadsheets import Sheet as Table
from dealerkpi.core.spreadsheets import Unreadable as Unreadable
from dealerkpi.core.spreadsheets import column_letter as column_letter

CHUNK = 1 << 20
# The page: the house reader's limits (20 MB, 100 MB unpacked, ...) with fewer rows; settings.IMPORT_LIMITS
# changes any of them (e.g. {"rows": 20_000}). Each bounds what one upload can cost a web worker (docs/imports.md).
WEB_LIMITS = Limits(rows=50_000)
# The command reads a file on the server, given by an administrator: bounded too, by what Excel holds.
COMMAND_LIMITS = Limits(megabytes=1_024, rows=EXCEL_ROWS - 1, unpacked_megabytes=8_192, elements=100_000_000,
                        formats=10_000_000)
WEB_ONLY = (TOO_LARGE, TOO_MANY_ROWS)  # refusals the command makes only of far larger files


def web_limits() -> Limits:
    return dataclasses.replace(WEB_LIMITS, **settings.IMPORT_LIMITS)


def fingerprint(raw: IO[bytes]) -> tuple[str, int]:
    """SHA-256 and size of the whole file, for the audit."""
    raw.seek(0)
    digest, size = hashlib.sha256(), 0
    while chunk := raw.read(CHUNK):
        digest.update(chunk)
        size += len(chunk)
    raw.seek(0)
    return digest.hexdigest(), size


def open_table(raw: IO[bytes], name: str, limits: Limits) -> Table:
    """The file's first sheet; raises ``Unreadable`` (with a message in the user's language), here or while
    its rows are read."""
    return read_sheet(raw, name, limits, translate=gettext)


def refusal(problem: Unreadable, web: bool) -> str:
    """Why the file was refused; on the page, with the way out when its limits refused the file."""
    if web and problem.code in WEB_ONLY:
        return f"{problem.message} {gettext('Split it, or import it with the dealerkpi import command.')}"
    return problem.message
