"""Locale choice and locale-aware formatting (nl, af, en).

Order: a page tied to one person (an invitation link) shows in that person's language
(`g.page_locale`) → the signed-in user's setting → the `lang` cookie set by the switch before
login → the browser's Accept-Language (af-ZA → af, nl-BE → nl) → English.

The UI's locale stays nl, af or en (catalogs, `users.locale`, the switch, `<html lang>`);
dates and numbers are formatted the way they are read here, in the regional locale of
`FORMAT_LOCALES` (nl_BE 12/10/2026, en_GB 12/10/2026 09:00, never US 10/12/26 9:00 AM), in
Brussels time and without seconds. Every date, time and number a person reads goes through
the helpers below (and the Jinja filters `dateformat`, `datetimeformat`, `timeformat`,
`number` that wrap them), not through Flask-Babel's own `format_*`.
"""

from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal
from functools import lru_cache

from babel import Locale, dates, numbers
from flask import Flask, g, has_request_context, request
from flask_babel import get_locale, gettext, to_user_timezone
from flask_login import current_user

from onboarding.extensions import babel
from onboarding.models import LOCALES
from workflows.onboarding import PHASE_LABELS

LANGUAGE_COOKIE = "lang"
LANGUAGE_NAMES = {"nl": "Nederlands", "af": "Afrikaans", "en": "English"}

# Countries the programme recruits from are listed first in the country field.
PROGRAMME_COUNTRIES = ("NA", "ZA", "BW", "ZM", "ZW", "NL", "DE", "BE", "FR", "LU")

# Babel's formatting locale per UI language: `nl` alone is the Netherlands (12-10-2026) and
# `en` the United States (10/12/26, 9:00 AM).
FORMAT_LOCALES = {"nl": "nl_BE", "af": "af_ZA", "en": "en_GB"}
# Hours and minutes in every locale we use (nl_BE, af_ZA and en_GB all write 24-hour time).
TIME_PATTERN = "HH:mm"


def select_locale() -> str | None:
    if not has_request_context():
        return None  # CLI and scheduler wrap their work in force_locale(...)
    if g.get("page_locale") in LOCALES:
        return g.page_locale
    if current_user and current_user.is_authenticated and current_user.locale in LOCALES:
        return current_user.locale
    cookie = request.cookies.get(LANGUAGE_COOKIE)
    if cookie in LOCALES:
        return cookie
    return request.accept_languages.best_match(LOCALES) or "en"


def init_app(app: Flask) -> None:
    babel.init_app(app, locale_selector=select_locale)
    app.jinja_env.globals.update(
        LANGUAGE_NAMES=LANGUAGE_NAMES,
        phase_label=phase_label,
        country_name=country_name,
        current_locale=lambda: str(get_locale()),
    )
    # Replace Flask-Babel's filters: regional locale, Brussels time, no seconds.
    app.jinja_env.filters.update(
        dateformat=format_date,
        datetimeformat=format_datetime,
        timeformat=format_time,
        number=format_decimal,
    )
    app.jinja_env.policies["ext.i18n.trimmed"] = True


def translate(message: str, params: dict | None = None) -> str:
    """Translate a msgid marked with N_ in workflows/, formatting numbers for the locale."""
    params = {
        key: format_decimal(value) if isinstance(value, int) else value
        for key, value in (params or {}).items()
    }
    return gettext(message, **params)


@lru_cache(maxsize=8)
def _parsed(code: str) -> Locale:
    return Locale.parse(code)


def format_locale() -> Locale:
    """Babel's locale for formatting: the UI language in its regional form (nl → nl_BE)."""
    locale = get_locale()
    code = str(locale) if locale else "en"
    return _parsed(FORMAT_LOCALES.get(code, code))


def _local(moment: datetime) -> datetime:
    """A stored moment (aware, or naive UTC) in Brussels time."""
    return to_user_timezone(moment)


def format_date(value: date | datetime | None, format: str = "medium") -> str:
    """A calendar day: "12/10/2026" (short), "12 okt 2026" (medium), "12 oktober 2026" (long).
    A moment is first turned into its Brussels day."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = _local(value).date()
    return dates.format_date(value, format, locale=format_locale())


def format_time(value: datetime | time | None, format: str | None = None) -> str:
    """Hours and minutes in Brussels time, never seconds."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = _local(value)
    return dates.format_time(value, TIME_PATTERN, locale=format_locale())


def format_datetime(value: datetime | None, format: str = "medium") -> str:
    """The Brussels day in the given style with its time as HH:mm, joined the locale's way:
    "12/10/2026, 09:00" (short), "12 Oct 2026, 09:00" (medium)."""
    if value is None:
        return ""
    local = _local(value)
    locale = format_locale()
    pattern = str(locale.datetime_formats.get(format, locale.datetime_formats["medium"]))
    return pattern.replace("{1}", format_date(local, format)).replace(
        "{0}", dates.format_time(local, TIME_PATTERN, locale=locale)
    )


def format_decimal(number: int | float | Decimal, format: str | None = None) -> str:
    return numbers.format_decimal(number, format=format, locale=format_locale())


def format_percent(number: int | float | Decimal, format: str | None = None) -> str:
    return numbers.format_percent(number, format=format, locale=format_locale())


def phase_label(phase: str) -> str:
    return gettext(PHASE_LABELS[phase])


@lru_cache(maxsize=8)
def _countries(locale: str) -> tuple[tuple[str, str], ...]:
    territories: dict[str, str] = dict(Locale.parse(locale).territories)
    codes = sorted(
        (code for code in territories if len(code) == 2 and code.isalpha() and code.isupper()),
        key=lambda code: territories[code],
    )
    # Exclude CLDR pseudo-regions and groupings that are not countries of origin.
    excluded = {"EU", "EZ", "UN", "ZZ", "QO", "XA", "XB", "XK"}
    return tuple((code, territories[code]) for code in codes if code not in excluded)


def country_choices() -> list[tuple[str, str]]:
    countries = dict(_countries(str(get_locale())))
    first = [(code, countries[code]) for code in PROGRAMME_COUNTRIES]
    rest = [(code, name) for code, name in countries.items() if code not in PROGRAMME_COUNTRIES]
    return first + rest


def valid_country(code: str) -> bool:
    return code in dict(_countries("en"))


def country_name(code: str) -> str:
    return dict(_countries(str(get_locale()))).get(code, code)
