"""Translated names of a candidate's profile fields (used in guard messages such as
"missing: …"). The labels of choice values live in `onboarding.vocabulary`."""

from flask_babel import lazy_gettext as _l

FIELD_LABELS = {
    "name": _l("Full name"),
    "email": _l("Email address"),
    "country": _l("Country of origin"),
    "origin_institution": _l("Origin institution"),
    "stem_field": _l("STEM field"),
    "graduation_date": _l("Graduation date"),
    "outreach_channel": _l("Outreach channel"),
    "phone": _l("Phone number"),
}


def field_label(name: str) -> str:
    return str(FIELD_LABELS.get(name, name))
