"""The one CSV writer for every download (lists, exports, reports): UTF-8 with a BOM, so
spreadsheet programs read the accents right, and no cell that a spreadsheet would run."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable

# A spreadsheet runs a text cell starting with one of these as a formula ("CSV injection",
# OWASP); a leading apostrophe makes it plain text. Numbers are data, never formulas.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# Excel set to Belgian or Dutch regional settings splits a line on ";", whatever our
# separator: every piece after a ";" or "," can start a cell of its own.
_PIECE_START = re.compile(r"(^|[;,])(?=[=+\-@\t\r])")


def guard(value: object) -> str:
    """The cell as text, with every piece a spreadsheet could run made plain."""
    if value is None:
        return ""
    if isinstance(value, str):
        return _PIECE_START.sub(r"\1'", value)
    return str(value)


def to_csv(header: Iterable[object], rows: Iterable[Iterable[object]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([guard(cell) for cell in header])
    for row in rows:
        writer.writerow([guard(cell) for cell in row])
    return "\ufeff" + buffer.getvalue()
