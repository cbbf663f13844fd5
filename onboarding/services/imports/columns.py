"""The import's columns, one home: their keys and labels, which are required, and the values a
choice column accepts. The import page's column list, the template file, the reading of a
header, the checking of a choice and the candidates export all read them from here.

A column is found by its key (`stem_field`) or by its label in any of the three languages
("STEM field", "STEM-vakgebied" …); a choice by its code (`computer_science`) or its label in
any language ("Computer science", "Informatica", "Rekenaarwetenskap"), in any case.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

from onboarding.csvfiles import MACHINE, CsvForm, to_csv
from onboarding.i18n import LANGUAGE_NAMES
from onboarding.models import LOCALES
from onboarding.vocabulary import OUTREACH_CHANNEL_LABELS, STEM_FIELD_LABELS

CONSENT_LABELS = {"yes": _l("yes"), "no": _l("no")}
# Also read as consent given or not (English, Dutch and Afrikaans, and spreadsheet booleans).
YES = {"yes", "y", "ja", "j", "true", "waar", "1"}
NO = {"no", "n", "nee", "false", "onwaar", "0", ""}


@dataclass(frozen=True)
class Column:
    key: str
    label: object  # a lazy string
    required: bool
    choices: Mapping[str, object] = field(default_factory=dict)  # code → label
    note: object = ""  # what the column holds, when it is not a choice


COLUMNS = (
    Column("name", _l("Name"), True, note=_l("First and last name.")),
    Column("email", _l("Email address"), True, note=_l("The invitation goes to this address.")),
    Column(
        "country",
        _l("Country code"),
        True,
        note=_l("The country of origin as a two-letter ISO code, such as NA or ZA."),
    ),
    Column("origin_institution", _l("Origin institution"), True),
    Column("stem_field", _l("STEM field"), True, choices=STEM_FIELD_LABELS),
    Column(
        "graduation_date",
        _l("Graduation date"),
        True,
        note=_l("YYYY-MM-DD, or day/month/year as your spreadsheet writes it (30/06/2025)."),
    ),
    Column("outreach_channel", _l("Outreach channel"), True, choices=OUTREACH_CHANNEL_LABELS),
    Column(
        "language",
        _l("Language"),
        False,
        choices=LANGUAGE_NAMES,
        note=_l("The language of the invitation; English if empty."),
    ),
    Column(
        "consent",
        _l("Consent"),
        False,
        choices=CONSENT_LABELS,
        note=_l("Whether the person consented to data processing; no if empty."),
    ),
)
BY_KEY = {column.key: column for column in COLUMNS}
REQUIRED_COLUMNS = tuple(column.key for column in COLUMNS if column.required)
OPTIONAL_COLUMNS = tuple(column.key for column in COLUMNS if not column.required)
KEYS = tuple(BY_KEY)

# The example row of the template file.
EXAMPLE: dict[str, object] = {
    "name": "Hilma Amupolo",
    "email": "hilma.amupolo@example.org",
    "country": "NA",
    "origin_institution": "University of Namibia",
    "stem_field": "computer_science",
    "graduation_date": date(2025, 6, 30),
    "outreach_channel": "partner_referral",
    "language": "en",
    "consent": "yes",
}


def normalised(text: str) -> str:
    """A header or a value as compared: any case, spaces, hyphens and underscores alike."""
    return re.sub(r"[\s_-]+", "_", text.strip().casefold())


def _in_every_language(label: object) -> set[str]:
    texts = set()
    for locale in LOCALES:
        with force_locale(locale):
            texts.add(normalised(str(label)))
    return texts


def header_keys() -> dict[str, str]:
    """Every header a column is known by → the column's key."""
    known: dict[str, str] = {}
    for column in COLUMNS:
        for text in {normalised(column.key), *_in_every_language(column.label)}:
            known.setdefault(text, column.key)
    return known


def choice_codes() -> dict[str, dict[str, str]]:
    """For each choice column: every code and label it accepts → the code."""
    accepted: dict[str, dict[str, str]] = {}
    for column in COLUMNS:
        if not column.choices:
            continue
        codes: dict[str, str] = {}
        for code, label in column.choices.items():
            for text in {normalised(code), *_in_every_language(label)}:
                codes.setdefault(text, code)
        accepted[column.key] = codes
    return accepted


def accepted_labels(key: str) -> str:
    """A choice column's labels in the reader's language, for an error message."""
    return ", ".join(f"“{label}”" for label in BY_KEY[key].choices.values())


def template_csv(form: CsvForm = MACHINE) -> str:
    """The template file: the header and one example row. For other programs with the keys
    and codes; for Excel with the labels in the reader's language (both import as they are)."""
    if not form.local:
        return to_csv(KEYS, [[EXAMPLE[key] for key in KEYS]], form)
    example = [
        column.choices.get(str(EXAMPLE[column.key]), EXAMPLE[column.key]) for column in COLUMNS
    ]
    return to_csv([column.label for column in COLUMNS], [example], form)
