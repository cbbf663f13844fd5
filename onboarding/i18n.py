"""Locale choice and locale-aware formatting (nl, af, en).

Order: a page tied to one person (an invitation link) shows in that person's language
(`g.page_locale`) → the signed-in user's setting → the `lang` cookie set by the switch before
login → the browser's Accept-Language (af-ZA → af, nl-BE → nl) → English.
"""

from __future__ import annotations

from functools import lru_cache

from babel import Locale
from flask import Flask, g, has_request_context, request
from flask_babel import format_decimal, get_locale, gettext
from flask_login import current_user

from onboarding.extensions import babel
from onboarding.models import LOCALES
from workflows.onboarding import PHASE_LABELS

LANGUAGE_COOKIE = "lang"
LANGUAGE_NAMES = {"nl": "Nederlands", "af": "Afrikaans", "en": "English"}

# Countries the programme recruits from are listed first in the country field.
PROGRAMME_COUNTRIES = ("NA", "ZA", "BW", "ZM", "ZW", "NL", "DE", "BE", "FR", "LU")


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
    app.jinja_env.filters["number"] = format_decimal
    app.jinja_env.policies["ext.i18n.trimmed"] = True


def translate(message: str, params: dict | None = None) -> str:
    """Translate a msgid marked with N_ in workflows/, formatting numbers for the locale."""
    params = {
        key: format_decimal(value) if isinstance(value, int) else value
        for key, value in (params or {}).items()
    }
    return gettext(message, **params)


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
