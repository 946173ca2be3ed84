"""Hostile spreadsheets, built by hand (zipfile and bytes, streamed: none is held whole in memory), for
tests/test_file_limits.py and bench/hostile_files.py. Each is a few bytes to a few MB, and each would cost a
reader that trusts it minutes of CPU or gigabytes of memory.

A workbook here is the smallest .xlsx openpyxl reads: content types, relationships, a workbook, one sheet and
a shared-strings part; the sheet's rows and the strings are passed as chunks of XML.
"""

from __future__ import annotations

import io
import itertools
import random
import struct
import zipfile
from collections.abc import Callable, Iterable, Iterator

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELATIONSHIP = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PACKAGE = "http://schemas.openxmlformats.org/package/2006"
TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml"
PARTS = {
    "[Content_Types].xml": f'<?xml version="1.0" encoding="UTF-8"?><Types xmlns="{PACKAGE}/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    f'<Override PartName="/xl/workbook.xml" ContentType="{TYPE}.sheet.main+xml"/>'
    f'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="{TYPE}.worksheet+xml"/>'
    f'<Override PartName="/xl/sharedStrings.xml" ContentType="{TYPE}.sharedStrings+xml"/>'
    f'<Override PartName="/xl/styles.xml" ContentType="{TYPE}.styles+xml"/></Types>',
    "_rels/.rels": f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{PACKAGE}/relationships">'
    f'<Relationship Id="rId1" Type="{RELATIONSHIP}/officeDocument" Target="xl/workbook.xml"/></Relationships>',
    "xl/workbook.xml": f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{MAIN}" xmlns:r="{RELATIONSHIP}">'
    '<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>',
    "xl/_rels/workbook.xml.rels": f'<?xml version="1.0" encoding="UTF-8"?><Relationships '
    f'xmlns="{PACKAGE}/relationships"><Relationship Id="rId1" Type="{RELATIONSHIP}/worksheet" '
    f'Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="{RELATIONSHIP}/sharedStrings" '
    f'Target="sharedStrings.xml"/><Relationship Id="rId3" Type="{RELATIONSHIP}/styles" Target="styles.xml"/>'
    '</Relationships>',
}
STYLES_HEAD = f'<?xml version="1.0" encoding="UTF-8"?><styleSheet xmlns="{MAIN}"><fonts count="1"><font/></fonts>' \
              '<fills count="1"><fill><patternFill patternType="none"/></fill></fills>' \
              '<borders count="1"><border/></borders><cellStyleXfs count="1"><xf numFmtId="0"/></cellStyleXfs>'
STYLES_TAIL = '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>'
STYLES = f'{STYLES_HEAD}<cellXfs count="1"><xf numFmtId="0"/></cellXfs>{STYLES_TAIL}'
MEGABYTE = 1 << 20
HEADER = ["store", "lead", "staff", "at", "channel", "outcome", "grade_after", "due_on", "next_due_on", "note"]


def strings(*texts: str) -> list[bytes]:
    return [f"<si><t>{text}</t></si>".encode() for text in texts]


HEADER_STRINGS = strings(*HEADER)  # shared strings 0-9: the follow-up columns


def cell(reference: str, shared: int | None = None, inline: str | None = None) -> bytes:
    if inline is not None:
        return f'<c r="{reference}" t="inlineStr"><is><t>{inline}</t></is></c>'.encode()
    return f'<c r="{reference}" t="s"><v>{shared}</v></c>'.encode() if shared is not None else \
        f'<c r="{reference}"/>'.encode()


def row(number: int, *cells: bytes) -> bytes:
    return f'<row r="{number}">'.encode() + b"".join(cells) + b"</row>"


HEADER_ROW = row(1, *(cell(f"{chr(65 + i)}1", i) for i in range(len(HEADER))))


def workbook(rows: Iterable[bytes], shared: Iterable[bytes] = HEADER_STRINGS, dimension: str = "A1:J1",
             styles: Iterable[bytes] = (STYLES.encode(),), level: int = 9) -> bytes:
    """An .xlsx of one sheet: ``rows`` (XML chunks) in its sheetData, ``shared`` in its shared strings."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=level) as book:
        for name, text in PARTS.items():
            book.writestr(name, text)
        parts: dict[str, tuple[bytes, Iterable[bytes], bytes]] = {
            "xl/worksheets/sheet1.xml": (f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{MAIN}">'
                                         f'<dimension ref="{dimension}"/><sheetData>'.encode(), rows,
                                         b"</sheetData></worksheet>"),
            "xl/sharedStrings.xml": (f'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="{MAIN}">'.encode(), shared,
                                     b"</sst>"),
            "xl/styles.xml": (b"", styles, b""),
        }
        for name, (head, chunks, tail) in parts.items():
            with book.open(name, "w", force_zip64=True) as part:
                part.write(head)
                for chunk in chunks:
                    part.write(chunk)
                part.write(tail)
    return out.getvalue()


# --- the files --------------------------------------------------------------------------------------------------


def used_range_to_xfd() -> bytes:
    """A few KB: a sheet that declares A1:XFD1048576 and holds a cell at XFD1048576."""
    return workbook([HEADER_ROW, row(1_048_576, cell("XFD1048576", 0))], dimension="A1:XFD1048576")


def empty_cells_to_xfd(rows: int = 200_000) -> bytes:
    """An empty cell in column XFD of every row: each row 16,384 cells wide, all empty but the first."""
    def chunks() -> Iterator[bytes]:
        yield HEADER_ROW
        for number in range(2, rows + 2):
            yield row(number, cell(f"A{number}", 0), cell(f"XFD{number}"))
    return workbook(chunks(), dimension=f"A1:XFD{rows + 1}")


def row_far_below() -> bytes:
    """A header and one row numbered 99,999,999: a reader that fills the rows between spins for minutes."""
    return workbook([HEADER_ROW, row(99_999_999, cell("A99999999", 0))])


def zip_bomb(megabytes: int = 200) -> bytes:
    """A shared string of ``megabytes`` MB of one letter, packed into some 200 KB."""
    def text() -> Iterator[bytes]:
        yield from HEADER_STRINGS
        yield b"<si><t>"
        for _ in range(megabytes):
            yield b"A" * MEGABYTE
        yield b"</t></si>"
    return workbook([HEADER_ROW, row(2, cell("A2", len(HEADER)))], text())


def long_string(megabytes: int = 5) -> bytes:
    """A shared string of ``megabytes`` MB of random letters: it packs poorly, so only its length gives it away."""
    letters = random.Random(1)
    def text() -> Iterator[bytes]:
        yield from HEADER_STRINGS
        yield b"<si><t>"
        for _ in range(megabytes):
            yield bytes(letters.choices(b"abcdefghijklmnopqrstuvwxyz", k=MEGABYTE))
        yield b"</t></si>"
    return workbook([HEADER_ROW, row(2, cell("A2", len(HEADER)))], text())


def lying_zip(megabytes: int = 200) -> bytes:
    """A zip bomb whose directory declares its sheet 1 KB unpacked: a reader that trusted the declaration and
    read on to the end of the data would unpack 200 MB of spaces."""
    spaces = (b" " * MEGABYTE for _ in range(megabytes))
    data = bytearray(workbook(itertools.chain([HEADER_ROW], spaces)))
    name = b"xl/worksheets/sheet1.xml"
    entry = data.find(b"PK\x01\x02")  # the central directory, where zipfile reads the sizes
    while data[entry + 46:entry + 46 + len(name)] != name:
        entry = data.find(b"PK\x01\x02", entry + 4)
    struct.pack_into("<I", data, entry + 24, 1024)
    return bytes(data)


def many_strings(count: int = 300_000) -> bytes:
    """More shared strings than the limits let openpyxl parse up front (each a Python object)."""
    return workbook([HEADER_ROW], [*HEADER_STRINGS, *(f"<si><t>{n:07d}</t></si>".encode() for n in range(count))])


def many_styles(count: int = 300_000) -> bytes:
    """A styles part of ``count`` cell formats: openpyxl builds an object of each (some 14 µs and 700 bytes)."""
    numbers = random.Random(2)
    def xfs() -> Iterator[bytes]:
        yield f'{STYLES_HEAD}<cellXfs count="{count}">'.encode()
        for _ in range(count):
            yield f'<xf numFmtId="{numbers.randrange(50)}" xfId="0"/>'.encode()
        yield f"</cellXfs>{STYLES_TAIL}".encode()
    return workbook([HEADER_ROW], styles=xfs())


def many_cells(rows: int = 300_000) -> bytes:
    """Rows of ten different numbers (packing some 10 to 1): more XML elements than openpyxl may parse."""
    template = b'<row r="%d">' + b"<c><v>%d</v></c>" * 10 + b"</row>"
    chunks = (template % (number, *range(number * 10, number * 10 + 10)) for number in range(2, rows + 2))
    return workbook(itertools.chain([HEADER_ROW], chunks), dimension=f"A1:J{rows + 1}", level=1)


def million_rows_csv(rows: int = 3_000_000) -> bytes:
    """6 MB of CSV: 3 million rows of one short cell."""
    return (",".join(HEADER) + "\n").encode() + b"1\n" * rows


def blank_lines_csv(lines: int = 10_000_000) -> bytes:
    """A header and 10 million blank lines (20 MB): blank rows are not counted as rows, but they end somewhere."""
    return (",".join(HEADER) + "\n").encode() + b"\n" * lines


def one_long_line_csv(megabytes: int = 19) -> bytes:
    """A header and one line of commas: 20 million empty cells."""
    return (",".join(HEADER) + "\n").encode() + b"," * (megabytes * MEGABYTE) + b"\n"


HOSTILE: dict[str, tuple[str, Callable[[], bytes]]] = {  # name: (file name, builder)
    "used range A1:XFD1048576": ("xfd.xlsx", used_range_to_xfd),
    "an empty cell in column XFD of 200,000 rows": ("xfd-empty.xlsx", empty_cells_to_xfd),
    "a row numbered 99,999,999": ("far.xlsx", row_far_below),
    "zip bomb: a 200 MB shared string": ("bomb.xlsx", zip_bomb),
    "zip bomb: a 50 MB shared string": ("bomb50.xlsx", lambda: zip_bomb(50)),
    "zip bomb with a lying directory": ("lying.xlsx", lying_zip),
    "a 5 MB shared string of random letters": ("long.xlsx", long_string),
    "300,000 shared strings": ("strings.xlsx", many_strings),
    "300,000 cell formats": ("styles.xlsx", many_styles),
    "300,000 rows of 10 cells": ("cells.xlsx", many_cells),
    "3 million short CSV rows": ("rows.csv", million_rows_csv),
    "10 million blank CSV lines": ("blank.csv", blank_lines_csv),
    "a CSV line of 20 million cells": ("line.csv", one_long_line_csv),
}


# --- the worst files within the page's limits: what one upload can cost a web worker ----------------------------


def widest_csv(rows: int = 50_000, columns: int = 190) -> bytes:
    """19 MB: the follow-up columns and 180 more, 50,000 rows of one-digit cells, every row wrong."""
    line = ",".join("1" * columns).encode() + b"\n"
    return (",".join(HEADER) + "," * (columns - len(HEADER)) + "\n").encode() + line * rows


def most_elements(rows: int = 50_000, columns: int = 24) -> bytes:
    """50,000 rows of 24 numbers: just under the 2,500,000 XML elements a workbook may hold."""
    template = b'<row r="%d">' + b"<c><v>%d</v></c>" * columns + b"</row>"
    chunks = (template % (number, *range(number * columns, number * columns + columns))
              for number in range(2, rows + 2))
    return workbook(itertools.chain([HEADER_ROW], chunks), dimension=f"A1:X{rows + 1}", level=1)


def most_strings(count: int = 120_000) -> bytes:
    """Just under the 250,000 elements of shared strings (two each) openpyxl may parse up front; the sheet
    uses each once, in 12,000 rows of ten."""
    shared = itertools.chain(HEADER_STRINGS, (f"<si><t>{n:07d}</t></si>".encode() for n in range(count)))
    rows = (row(number, *(cell(f"{chr(65 + i)}{number}", len(HEADER) + (number - 2) * 10 + i) for i in range(10)))
            for number in range(2, count // 10 + 2))
    return workbook(itertools.chain([HEADER_ROW], rows), shared)


def most_styles(count: int = 24_000) -> bytes:
    """Just under the cell formats openpyxl may parse up front (each counting ten of the 250,000 elements)."""
    return many_styles(count)


WITHIN: dict[str, tuple[str, Callable[[], bytes]]] = {
    "CSV: 19 MB, 50,000 rows x 190 cells, every row wrong": ("widest.csv", widest_csv),
    "workbook: 50,000 rows x 24 cells (2.45 million elements)": ("elements.xlsx", most_elements),
    "workbook: 120,000 shared strings": ("strings.xlsx", most_strings),
    "workbook: 24,000 cell formats": ("styles.xlsx", most_styles),
}
