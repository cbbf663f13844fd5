"""Translated labels for profile fields and fixed choice lists."""

from flask_babel import lazy_gettext as _l

from workflows.placement import STATUS_LABELS as PLACEMENT_LABELS

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

OUTREACH_CHANNEL_LABELS = {
    "internship_formula": _l("Renewed internship formula"),
    "knowledge_tourism": _l("Knowledge tourism"),
    "inspiration_mission": _l("Inspiration mission"),
    "partner_referral": _l("Partner referral"),
    "direct_application": _l("Direct application"),
}

STEM_FIELD_LABELS = {
    "engineering": _l("Engineering"),
    "computer_science": _l("Computer science"),
    "data_science": _l("Data science"),
    "mathematics": _l("Mathematics"),
    "physics": _l("Physics"),
    "chemistry": _l("Chemistry"),
    "life_sciences": _l("Life sciences"),
    "environmental_science": _l("Environmental science"),
    "energy": _l("Energy"),
    "materials_science": _l("Materials science"),
}

PLACEMENT_STATUS_LABELS = {status: _l(label) for status, label in PLACEMENT_LABELS.items()}

COMPANY_SIZE_LABELS = {
    "micro": _l("Micro (fewer than 10 people)"),
    "small": _l("Small (10–49)"),
    "medium": _l("Medium (50–249)"),
    "large": _l("Large (250 or more)"),
}

PROJECT_KIND_LABELS = {
    "innovation_project": _l("Innovation project"),
    "internship": _l("Internship"),
    "vacancy": _l("Vacancy"),
}

DEGREE_LEVEL_LABELS = {
    "bachelor": _l("Bachelor"),
    "master": _l("Master"),
    "phd": _l("PhD"),
}

REMINDER_STATUS_LABELS = {
    "pending": _l("Pending"),
    "sending": _l("Sending"),
    "sent": _l("Sent"),
    "failed": _l("Failed"),
    "expired": _l("Expired"),
    "cancelled": _l("Cancelled"),
}

AUDIENCE_LABELS_FOR_CANDIDATE = {
    "candidate": _l("you"),
    "mentor": _l("your mentor"),
    "desk": _l("the welcome desk"),
    "company": _l("a company"),
}

AUDIENCE_LABELS = {
    "candidate": _l("the candidate"),
    "mentor": _l("the mentor"),
    "desk": _l("the welcome desk"),
    "company": _l("a company"),
}


def field_label(name: str) -> str:
    return str(FIELD_LABELS.get(name, name))
