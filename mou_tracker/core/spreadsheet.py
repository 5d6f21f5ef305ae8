"""CSV for spreadsheets: one rule for every export (clauses, amendments, discussion, audit trail)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

#: Excel on Windows reads a CSV without a byte-order mark in the local code page (Cyrillic becomes mojibake);
#: with it, as UTF-8. Other readers (LibreOffice, Python's "utf-8-sig") skip it.
BYTE_ORDER_MARK = "\ufeff"

_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_cell(value: object) -> str:
    """A value as a cell that a spreadsheet never reads as a formula (CSV injection): text starting with a formula
    character gets a leading apostrophe. None is an empty cell."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def write_csv(header: Iterable[str], rows: Iterable[Iterable[object]]) -> str:
    """The whole CSV: byte-order mark, header, then the rows, every cell made safe."""
    out = io.StringIO()
    out.write(BYTE_ORDER_MARK)
    writer = csv.writer(out)
    writer.writerow(list(header))
    for row in rows:
        writer.writerow([spreadsheet_cell(value) for value in row])
    return out.getvalue()
