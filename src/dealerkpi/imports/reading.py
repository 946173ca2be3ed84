"""How the importers read an uploaded file: with the house reader (``core.spreadsheets``: CSV in UTF-8 or GBK,
or Excel .xlsx, row by row), its refusals in the user's language; and the file's fingerprint for the audit.

The first row is the header. Row numbers are the ones the user sees in Excel (the header is row 1).
"""

from __future__ import annotations

import hashlib
from typing import IO

from django.utils.translation import gettext

from dealerkpi.core.spreadsheets import Limits, read_sheet

# The house reader's names as the importers know them.
from dealerkpi.core.spreadsheets import Sheet as Table
from dealerkpi.core.spreadsheets import Unreadable as Unreadable
from dealerkpi.core.spreadsheets import column_letter as column_letter

CHUNK = 1 << 20
# No limit on size or rows here: the page takes files of up to 20 MB (forms.MAX_UPLOAD_BYTES) and
# service.WEB_ROWS rows, counted by the importer; the command takes files of any size.
LIMITS = Limits(rows=None, megabytes=None)


def fingerprint(raw: IO[bytes]) -> tuple[str, int]:
    """SHA-256 and size of the whole file, for the audit."""
    raw.seek(0)
    digest, size = hashlib.sha256(), 0
    while chunk := raw.read(CHUNK):
        digest.update(chunk)
        size += len(chunk)
    raw.seek(0)
    return digest.hexdigest(), size


def open_table(raw: IO[bytes], name: str) -> Table:
    """The file's first sheet; raises ``Unreadable`` (with a message in the user's language), here or while
    its rows are read."""
    return read_sheet(raw, name, LIMITS, translate=gettext)
