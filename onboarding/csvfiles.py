"""The one CSV writer for every download (lists, exports, reports): UTF-8 with a BOM, so
spreadsheet programs read the accents right, and no cell that a spreadsheet would run."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

# A spreadsheet runs a text cell starting with one of these as a formula ("CSV injection",
# OWASP); a leading apostrophe makes it plain text. Numbers are data, never formulas.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def guard(value: object) -> str:
    """The cell as text, with text that a spreadsheet would run made plain."""
    if value is None:
        return ""
    if isinstance(value, str):
        return "'" + value if value.startswith(FORMULA_STARTS) else value
    return str(value)


def to_csv(header: Iterable[object], rows: Iterable[Iterable[object]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([guard(cell) for cell in header])
    for row in rows:
        writer.writerow([guard(cell) for cell in row])
    return "\ufeff" + buffer.getvalue()
