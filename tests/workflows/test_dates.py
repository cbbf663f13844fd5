"""add_months: same day N months later, clamped to the end of shorter months."""

from __future__ import annotations

import calendar
from datetime import date, timedelta

import pytest

from workflows.dates import add_months


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        # month-end clamping
        (date(2026, 1, 31), 1, date(2026, 2, 28)),
        (date(2028, 1, 31), 1, date(2028, 2, 29)),  # leap year
        (date(2024, 1, 30), 1, date(2024, 2, 29)),
        (date(2026, 3, 31), 1, date(2026, 4, 30)),
        (date(2026, 8, 31), 6, date(2027, 2, 28)),
        (date(2028, 2, 29), 12, date(2029, 2, 28)),  # leap day, next year has none
        (date(2028, 2, 29), 48, date(2032, 2, 29)),
        # year rollover
        (date(2026, 11, 30), 3, date(2027, 2, 28)),  # the immersion example
        (date(2027, 11, 30), 3, date(2028, 2, 29)),
        (date(2026, 11, 15), 3, date(2027, 2, 15)),
        (date(2026, 12, 31), 1, date(2027, 1, 31)),
        (date(2026, 10, 1), 3, date(2027, 1, 1)),
        # whole years and no-ops
        (date(2026, 5, 17), 12, date(2027, 5, 17)),
        (date(2026, 12, 31), 12, date(2027, 12, 31)),
        (date(2026, 10, 31), 24, date(2028, 10, 31)),
        (date(2026, 1, 15), 0, date(2026, 1, 15)),
        (date(2026, 1, 31), 0, date(2026, 1, 31)),
    ],
    ids=str,
)
def test_add_months(start, months, expected):
    assert add_months(start, months) == expected


def test_add_months_properties_over_three_years():
    """For every start day in 2026–2028 and 0–36 months: right month, day kept or clamped."""
    day = date(2026, 1, 1)
    checked = 0
    while day < date(2029, 1, 1):
        for months in range(37):
            result = add_months(day, months)
            assert (result.year * 12 + result.month) - (day.year * 12 + day.month) == months
            last = calendar.monthrange(result.year, result.month)[1]
            assert result.day == min(day.day, last)
            checked += 1
        day += timedelta(days=1)
    assert checked == 1096 * 37
