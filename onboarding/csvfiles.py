"""The one CSV writer for every download (lists, exports, reports), in two forms:

- `MACHINE` (the default, `?format=csv`): comma-separated, dates ISO 8601 (YYYY-MM-DD),
  moments in UTC (2027-04-18T07:00+00:00), decimal points — for other programs;
- `EXCEL` (`?format=excel`): what Excel with Belgian regional settings opens with a double
  click — semicolon-separated, decimal commas, moments in Brussels time and dates written
  the reader's way (12/10/2026 09:00).

Both are UTF-8 with a BOM (so spreadsheet programs read the accents right) and neither has a
cell that a spreadsheet would run. Views pass typed values (dates, datetimes, numbers); this
module writes them in the form asked for.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

from onboarding.i18n import format_date, format_time

FORMAT_ARG = "format"


@dataclass(frozen=True)
class CsvForm:
    name: str  # the value of ?format=
    delimiter: str
    local: bool  # Brussels time, the reader's date format, decimal commas
    suffix: str  # added to the download's file name


MACHINE = CsvForm("csv", ",", local=False, suffix="")
EXCEL = CsvForm("excel", ";", local=True, suffix="-excel")
FORMS = {form.name: form for form in (MACHINE, EXCEL)}


def form_from(args: Mapping[str, str]) -> CsvForm:
    """The form a download asks for (`?format=excel`); the machine form otherwise, so the
    old addresses keep giving what they gave."""
    return FORMS.get(args.get(FORMAT_ARG, ""), MACHINE)


# A spreadsheet runs a text cell starting with one of these as a formula ("CSV injection",
# OWASP); a leading apostrophe makes it plain text. Numbers are data, never formulas.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# Excel set to Belgian or Dutch regional settings splits a line on ";", whatever our
# separator, and a tab or line break inside a cell can start a cell of its own when the text
# is pasted or split again: every piece after one of these can be a cell.
_PIECE_START = re.compile(r"(^|[;,\t\r\n])(?=[=+\-@\t\r])")


def guard(value: object) -> str:
    """The cell as text, with every piece a spreadsheet could run made plain."""
    if value is None:
        return ""
    if isinstance(value, str):
        return _PIECE_START.sub(r"\1'", value)
    return str(value)


_GUARDED_PIECE = re.compile(r"(^|[;,\t\r\n])'(?=[=+\-@\t\r])")


def unguard(text: str) -> str:
    """A cell as it was before `guard` (the import reads our own exports back)."""
    return _GUARDED_PIECE.sub(r"\1", text)


def _number(value: int | float | Decimal, form: CsvForm) -> str:
    text = str(value)
    return text.replace(".", ",") if form.local else text


def cell(value: object, form: CsvForm = MACHINE) -> str:
    """One value as the form writes it. Numbers, dates and moments are ours and written
    as they are; every other value (text, lazy strings) goes through `guard`."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return guard(str(value))
    if isinstance(value, int | float | Decimal):
        return _number(value, form)
    if isinstance(value, datetime):
        moment = value if value.tzinfo else value.replace(tzinfo=UTC)
        if not form.local:
            return moment.astimezone(UTC).isoformat(timespec="minutes")
        # A day and a time with a space between them: what Excel reads as one date-time.
        return f"{format_date(moment, 'short')} {format_time(moment)}"
    if isinstance(value, date):
        if not form.local:
            return value.isoformat()
        return format_date(value, "short")
    return guard(str(value))


def to_csv(
    header: Iterable[object], rows: Iterable[Iterable[object]], form: CsvForm = MACHINE
) -> str:
    buffer = io.StringIO()
    # Minimal quoting with doubled quotes, as Excel writes and reads it: a cell with the
    # separator, a quote or a line break is quoted.
    writer = csv.writer(buffer, delimiter=form.delimiter, lineterminator="\r\n")
    writer.writerow([cell(value, form) for value in header])
    for row in rows:
        writer.writerow([cell(value, form) for value in row])
    return "\ufeff" + buffer.getvalue()


def filename(name: str, form: CsvForm) -> str:
    """candidates.csv, or candidates-excel.csv for the spreadsheet form."""
    stem, _dot, extension = name.rpartition(".")
    return f"{stem}{form.suffix}.{extension}"
