"""Stage 2: checking every row by the registration rules, and against the file itself and
the people already registered. Problems are codes with parameters, translated when shown
(`presentation`), so every reader sees them in their own language."""

from __future__ import annotations

import re
from datetime import date, datetime

from email_validator import EmailNotValidError, validate_email
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from onboarding.extensions import db
from onboarding.i18n import valid_country
from onboarding.models import User
from onboarding.rules import is_plain_name
from onboarding.services.imports.columns import (
    NO,
    REQUIRED_COLUMNS,
    YES,
    accepted_labels,
    choice_codes,
    normalised,
)

MAX_LENGTHS = {"name": 120, "email": 254, "origin_institution": 200}
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
# Day first, as Excel with Belgian (or British, or Afrikaans) settings saves a date: 30/06/2025,
# 30-06-2025 or 30.06.2025.
DAY_FIRST_DATE = re.compile(r"(\d{1,2})([/.-])(\d{1,2})\2(\d{4})")
CHOICE_COLUMNS = ("stem_field", "outreach_channel", "language")

# Row problems, by code; %(column)s is the column's name as written in the file's header.
ROW_MESSAGES = {
    "required": _l("%(column)s: a value is required."),
    "too_long": _l("%(column)s: use at most %(max)s characters."),
    "name_invalid": _l(
        "%(column)s: a name may only contain letters, spaces, hyphens, apostrophes and dots."
    ),
    "email_invalid": _l("%(column)s: “%(value)s” is not a valid email address."),
    "email_repeated": _l("%(column)s: %(value)s is already in row %(other)s of this file."),
    "email_taken": _l("%(column)s: a person with the address %(value)s is already registered."),
    "country_unknown": _l(
        "%(column)s: “%(value)s” is not a two-letter country code (ISO 3166), such as NA or ZA."
    ),
    "choice_invalid": _l("%(column)s: “%(value)s” is not one of: %(allowed)s."),
    "date_invalid": _l(
        "%(column)s: “%(value)s” is not a date written as YYYY-MM-DD or DD/MM/YYYY."
    ),
    "consent_invalid": _l("%(column)s: write yes or no, not “%(value)s”."),
}


def _problem(code: str, column: str, **params) -> dict:
    return {"code": code, "column": column, **params}


def _shown(value: str) -> str:
    return value if len(value) <= 60 else value[:57] + "…"


def _invalid_choice(column: str, value: str) -> dict:
    # The accepted labels are named when the problem is shown, in the reader's language.
    return _problem("choice_invalid", column, value=_shown(value), choices=column)


def allowed_text(problem: dict) -> str:
    """The values a choice problem names: the column's labels in the reader's language (rows
    checked before the labels were stored keep their list of codes)."""
    if "choices" in problem:
        return accepted_labels(problem["choices"])
    return problem.get("allowed", "")


def parse_date(text: str) -> date | None:
    """2025-06-30 or 30/06/2025 (also with - or .) as a date; None if it is neither."""
    try:
        if ISO_DATE.fullmatch(text):
            return datetime.strptime(text, "%Y-%m-%d").date()
        day_first = DAY_FIRST_DATE.fullmatch(text)
        if day_first:
            day, _sep, month, year = day_first.groups()
            return date(int(year), int(month), int(day))
    except ValueError:
        return None
    return None


def check_row(
    values: dict[str, str], codes: dict[str, dict[str, str]] | None = None
) -> tuple[dict | None, list[dict]]:
    """The row ready for `candidates.register` (or None) and its problems. `codes` is
    `columns.choice_codes()`, computed once per file."""
    codes = codes if codes is not None else choice_codes()
    problems: list[dict] = []
    for column in REQUIRED_COLUMNS:
        if not values[column]:
            problems.append(_problem("required", column))
    for column, limit in MAX_LENGTHS.items():
        if len(values[column]) > limit:
            problems.append(_problem("too_long", column, max=limit))
    name = values["name"]
    # The same rule as the registration form's name field.
    if name and len(name) <= MAX_LENGTHS["name"] and not is_plain_name(name):
        problems.append(_problem("name_invalid", "name"))
    email = values["email"].lower()
    if email and len(email) <= MAX_LENGTHS["email"]:
        try:  # the same check as WTForms' Email validator on the registration form
            validate_email(email, check_deliverability=False, allow_smtputf8=True)
        except EmailNotValidError:
            problems.append(_problem("email_invalid", "email", value=_shown(values["email"])))
    country = values["country"].upper()
    if country and not valid_country(country):
        problems.append(_problem("country_unknown", "country", value=_shown(values["country"])))
    chosen: dict[str, str | None] = {}
    for column in CHOICE_COLUMNS:
        # "computer_science", "Computer science", "Informatica" → computer_science
        chosen[column] = codes[column].get(normalised(values[column]))
        if values[column] and chosen[column] is None:
            problems.append(_invalid_choice(column, values[column]))
    graduation = None
    if values["graduation_date"]:
        graduation = parse_date(values["graduation_date"])
        if graduation is None:
            value = _shown(values["graduation_date"])
            problems.append(_problem("date_invalid", "graduation_date", value=value))
    locale = chosen["language"] or "en"
    consent = normalised(values["consent"])
    consent = codes["consent"].get(consent, consent)
    if consent not in YES | NO:
        problems.append(_problem("consent_invalid", "consent", value=_shown(values["consent"])))
    if problems or graduation is None:  # a required, valid date: no problem means one
        return None, problems
    return {
        "name": name,
        "email": email,
        "country_code": country,
        "origin_institution": values["origin_institution"],
        "stem_field": chosen["stem_field"],
        "graduation_date": graduation.isoformat(),
        "outreach_channel": chosen["outreach_channel"],
        "locale": locale,
        "consent": consent in YES,
    }, []


def _registered(emails: list[str]) -> set[str]:
    found: set[str] = set()
    for start in range(0, len(emails), 500):
        chunk = emails[start : start + 500]
        found.update(db.session.scalars(select(User.email).where(User.email.in_(chunk))))
    return found


def check_rows(rows: list[tuple[int, dict[str, str]]]) -> tuple[list[dict], list[dict]]:
    """(rows ready to import, [{"row": n, "problems": [...]}]) for the whole file."""
    ready: list[dict] = []
    errors: list[dict] = []
    first_row_of: dict[str, int] = {}
    checked: list[tuple[int, dict | None, list[dict], str | None]] = []
    codes = choice_codes()
    for number, values in rows:
        row, problems = check_row(values, codes)
        email: str | None = values["email"].lower()
        if email and not any(p["column"] == "email" for p in problems):
            if email in first_row_of:
                other = first_row_of[email]
                problems.append(_problem("email_repeated", "email", value=email, other=other))
            else:
                first_row_of[email] = number
        else:
            email = None
        checked.append((number, row, problems, email))
    taken = _registered(list(first_row_of))
    for number, row, problems, email in checked:
        if email in taken:
            problems.append(_problem("email_taken", "email", value=_shown(email)))
        if problems or row is None:
            errors.append({"row": number, "problems": problems})
        else:
            ready.append({"row": number, **row})
    return ready, errors
