"""An event row in its recipient's language: the one-line subject (also its in-app title),
the link to the page where they act, and the email (`templates/email/events/<key>.txt`)."""

from __future__ import annotations

from datetime import date, datetime
from email.message import Message
from typing import Any

from flask import render_template, url_for
from flask_babel import force_locale, gettext

from onboarding.i18n import phase_label
from onboarding.links import public_url
from onboarding.models import Reminder
from onboarding.services import mail
from onboarding.vocabulary import (
    DOCUMENT_KIND_LABELS,
    PARTNER_KIND_LABELS,
    PLACEMENT_STATUS_LABELS,
)
from workflows.notifications import EVENTS_BY_KEY

# Parameters stored as ISO text that the templates format for the reader (the i18n filters
# `datetimeformat`, `dateformat`): moments end in "_at", calendar days in "_date".
_MOMENT_SUFFIX, _DAY_SUFFIX = "_at", "_date"


def _when(name: str, value: Any) -> Any:
    """An ISO parameter as a moment or a day; anything else (or unreadable) as it is."""
    if not isinstance(value, str) or not value:
        return value
    try:
        if name.endswith(_MOMENT_SUFFIX):
            return datetime.fromisoformat(value)
        if name.endswith(_DAY_SUFFIX):
            return date.fromisoformat(value)
    except ValueError:
        return value
    return value


def _shown(params: dict[str, Any]) -> dict[str, Any]:
    """The row's parameters as the reader sees them: codes become labels in their language,
    ISO dates become dates for the templates' filters."""
    values = {name: _when(name, value) for name, value in params.items()}
    if values.get("phase"):
        values["phase"] = phase_label(values["phase"])
    if values.get("from_phase"):
        values["from_phase"] = phase_label(values["from_phase"])
    if values.get("document_kind") in DOCUMENT_KIND_LABELS:
        values["document"] = str(DOCUMENT_KIND_LABELS[values["document_kind"]])
    if values.get("partner_kind") in PARTNER_KIND_LABELS:
        values["partner_kind"] = str(PARTNER_KIND_LABELS[values["partner_kind"]])
    if values.get("status") in PLACEMENT_STATUS_LABELS:
        values["status"] = str(PLACEMENT_STATUS_LABELS[values["status"]])
    return values


def event_subject(row: Reminder) -> str:
    """The one-line text in the current locale (email subject, in-app title)."""
    subject = EVENTS_BY_KEY[row.rule].subject_for(row.audience or "")
    return gettext(subject) % _defaults(_shown(row.params or {}))


class _Blank(dict):
    """Placeholders a row does not carry read as empty rather than failing the message."""

    def __missing__(self, key: str) -> str:
        return ""


def _defaults(values: dict[str, Any]) -> dict[str, Any]:
    return _Blank(values)


def _endpoint(row: Reminder) -> tuple[str, dict[str, Any]] | None:
    event = EVENTS_BY_KEY[row.rule]
    role = row.recipient.role if row.recipient is not None else ""
    link = event.link_for(row.audience or "", role)
    if link is None:
        return None
    params = row.params or {}
    return link.endpoint, {name: params[name] for name in link.args}


def event_link(row: Reminder, *, external: bool = False) -> str | None:
    """The page where the recipient acts on it: a path for the app, or (external) the
    address on the public URL for an email; None for an event without one."""
    target = _endpoint(row)
    if target is None:
        return None
    endpoint, args = target
    return public_url(endpoint, **args) if external else url_for(endpoint, **args)


def build_event_email(row: Reminder) -> Message:
    """The email for an event row (to its account holder, or to an applicant's address)."""
    recipient = row.recipient
    locale = recipient.locale if recipient is not None else (row.to_locale or "en")
    to = recipient.email if recipient is not None else (row.to_email or "")
    name = recipient.name if recipient is not None else (row.to_name or "")
    link = event_link(row, external=True)
    with force_locale(locale):
        subject = event_subject(row)
        body = render_template(
            f"email/events/{row.rule}.txt",
            row=row,
            params=_defaults(_shown(row.params or {})),
            name=name,
            link=link,
        )
    return mail.compose(to=to, subject=subject, body=body, locale=locale, message_id=row.message_id)
