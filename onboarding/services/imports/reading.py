"""Stage 1: reading the file — size, encoding, delimiter, header and rows. A file that
cannot be read at all is refused here, before any job exists."""

from __future__ import annotations

import csv
import io

from flask import current_app
from flask_babel import gettext as _

from onboarding.csvfiles import unguard
from onboarding.extensions import db
from onboarding.i18n import format_decimal
from onboarding.services.errors import Refused
from onboarding.services.imports.columns import (
    KEYS,
    OPTIONAL_COLUMNS,
    REQUIRED_COLUMNS,
    header_keys,
    normalised,
)

__all__ = ["COLUMNS", "OPTIONAL_COLUMNS", "REQUIRED_COLUMNS", "decode", "read_rows"]

MAX_BYTES = 2 * 1024 * 1024
MAX_ROWS = 5000
# On SQLite the import's one transaction holds the single write lock; 1,000 rows take a few
# seconds, well within the time other writers wait (db.BUSY_TIMEOUT_MS).
SQLITE_MAX_ROWS = 1000
COLUMNS = KEYS


def max_bytes() -> int:
    return current_app.config.get("IMPORT_MAX_BYTES", MAX_BYTES)


def max_rows() -> int:
    default = SQLITE_MAX_ROWS if db.engine.dialect.name == "sqlite" else MAX_ROWS
    return current_app.config.get("IMPORT_MAX_ROWS", default)


def decode(content: bytes) -> str:
    """The file's text; refused with a clear message when it is not UTF-8 text."""
    if len(content) > max_bytes():
        raise Refused(
            _(
                "The file is larger than %(size)s MB. Split it into smaller files.",
                size=format_decimal(max_bytes() / (1024 * 1024)),
            )
        )
    if content.startswith(b"PK\x03\x04") or content.startswith(b"\xd0\xcf\x11\xe0"):
        raise Refused(
            _(
                "This is a spreadsheet workbook, not a CSV file. "
                "Save it as “CSV UTF-8” and upload that file."
            )
        )
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise Refused(
            _(
                "The file is not saved as UTF-8. In your spreadsheet choose "
                "“Save as” → “CSV UTF-8” and upload the file again."
            )
        ) from error
    if "\x00" in text:  # UTF-16 that happened to decode, or a binary file
        raise Refused(
            _(
                "The file is not saved as UTF-8. In your spreadsheet choose "
                "“Save as” → “CSV UTF-8” and upload the file again."
            )
        )
    if not text.strip():
        raise Refused(_("The file is empty."))
    return text


def _delimiter(header_line: str) -> str:
    # Spreadsheets in Belgium and the Netherlands save "CSV" with semicolons.
    counts = {sep: header_line.count(sep) for sep in (",", ";", "\t")}
    return max(counts, key=lambda sep: counts[sep]) if any(counts.values()) else ","


def read_rows(text: str) -> list[tuple[int, dict[str, str]]]:
    """(spreadsheet row number, values by column) for each non-blank row; the header is
    row 1. Refused when columns are missing or there are too many rows."""
    first_line = text.lstrip("\r\n").split("\n", 1)[0]
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(first_line))
    try:
        records = list(reader)
    except csv.Error as error:
        raise Refused(
            _(
                "The file could not be read as CSV. "
                "Check that it is a comma- or semicolon-separated text file."
            )
        ) from error
    numbered = [
        (number, record)
        for number, record in enumerate(records, 1)
        if any(cell.strip() for cell in record)
    ]
    if not numbered:
        raise Refused(_("The file is empty."))
    _header_number, header = numbered[0]
    # A column is named by its key or by its label in nl, af or en (as the export writes it).
    known = header_keys()
    positions: dict[str, int] = {}
    for index, name in enumerate(header):
        key = known.get(normalised(name))
        if key:
            positions.setdefault(key, index)
    missing = [column for column in REQUIRED_COLUMNS if column not in positions]
    if missing:
        raise Refused(
            _(
                "The file lacks these columns: %(missing)s. "
                "Its first row must name the columns: %(expected)s.",
                missing=", ".join(missing),
                expected=", ".join(COLUMNS),
            )
        )
    data = numbered[1:]
    if not data:
        raise Refused(_("The file has column names but no rows below them."))
    if len(data) > max_rows():
        raise Refused(
            _(
                "The file has %(count)s rows; at most %(max)s can be imported at once. "
                "Split it into smaller files.",
                count=format_decimal(len(data)),
                max=format_decimal(max_rows()),
            )
        )

    def cell(record: list[str], column: str) -> str:
        index = positions.get(column)
        if index is None or index >= len(record):
            return ""
        return unguard(record[index].strip())  # our exports' formula guard, undone

    return [(number, {c: cell(record, c) for c in COLUMNS}) for number, record in data]
