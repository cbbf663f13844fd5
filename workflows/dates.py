"""Calendar arithmetic used by the workflow (pure Python, no dateutil needed), and the
programme's calendar day: the day as read in Brussels, whatever the server's time zone
(after 23:00 UTC in winter it is already tomorrow there)."""

import calendar
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

PROGRAMME_TZ = ZoneInfo("Europe/Brussels")


def local_date(moment: datetime) -> date:
    """The programme's calendar day at an aware `moment`."""
    return moment.astimezone(PROGRAMME_TZ).date()


def programme_today(now: datetime | None = None) -> date:
    """Today in Brussels (at `now`, default the current time) — never `date.today()`."""
    return local_date(now or datetime.now(UTC))


def add_months(start: date, months: int) -> date:
    """The same day `months` later, clamped to the month's end (31 Jan + 1 → 28/29 Feb)."""
    month_index = start.month - 1 + months
    year = start.year + month_index // 12
    month = month_index % 12 + 1
    day = min(start.day, calendar.monthrange(year, month)[1])
    return date(year, month, day)
