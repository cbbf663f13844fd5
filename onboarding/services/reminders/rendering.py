"""Rendering an outbox row in its recipient's language: subject line, email body and link."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from flask import render_template, url_for
from flask_babel import force_locale, gettext

from onboarding.i18n import format_date, format_datetime, phase_label
from onboarding.links import public_url
from onboarding.models import Candidate, Reminder
from onboarding.services import mail
from onboarding.services.notifications.rendering import event_link, event_subject
from onboarding.services.reminders.scheduling import params_for
from onboarding.vocabulary import DOCUMENT_KIND_LABELS
from workflows.notifications import DIGEST_SUBJECT
from workflows.reminders import RULES_BY_KEY, PlannedReminder


def anchor_value(reminder: Reminder) -> date | datetime:
    if "T" in reminder.anchor:
        return datetime.fromisoformat(reminder.anchor)
    return date.fromisoformat(reminder.anchor)


def _target(reminder: Reminder) -> tuple[str, dict[str, Any]]:
    """A reminder's page: the candidate's dashboard, the mentee page, the desk's file."""
    rule = RULES_BY_KEY[reminder.rule]
    if rule.key == "permit_expiry_company":
        return "company.placement", {
            "placement_id": (reminder.params or {}).get("placement_id") or 0
        }
    if rule.key == "permit_expiry":
        return "documents.my_documents", {}
    if rule.audience == "company":  # the check-in form of the placement
        params = reminder.params or {}
        return "company.checkin", {
            "placement_id": params.get("placement_id") or 0,
            "day": rule.offset_days if isinstance(rule.offset_days, int) else 30,
        }
    endpoint = {"candidate": "candidate.dashboard", "mentor": "mentor.mentee"}.get(
        rule.audience, "desk.candidate"
    )
    args: dict[str, Any] = (
        {} if rule.audience == "candidate" else {"candidate_id": reminder.candidate_id}
    )
    return endpoint, args


def link_of(row: Reminder, *, external: bool = False) -> str | None:
    """The page an outbox row is about, for its recipient: an event's page, a reminder's
    task page, a digest's notification list; the public address for an email (external),
    a path in the app otherwise."""
    if row.kind == "event":
        return event_link(row, external=external)
    args: dict[str, Any]
    if row.kind == "digest":
        endpoint, args = "account.notifications", {}
    else:
        endpoint, args = _target(row)
    return public_url(endpoint, **args) if external else url_for(endpoint, **args)


def subject(reminder: Reminder) -> str:
    """The row's one-line text in the current locale (email subject, in-app title); an
    event notification's comes from its event, a digest's is the daily summary's."""
    if reminder.kind == "event":
        return event_subject(reminder)
    if reminder.kind == "digest":
        return gettext(DIGEST_SUBJECT)
    return _subject_text(reminder.rule, anchor_value(reminder), dict(reminder.params or {}))


def recipient_label(row: Reminder) -> str:
    """Whom a row goes to, as the desk reads it: the account's name, or the address of an
    applicant without an account."""
    return row.recipient.name if row.recipient is not None else (row.to_email or "")


def planned_subject(planned: PlannedReminder, candidate: Candidate) -> str:
    """The same line for a reminder the rules call for (not necessarily a stored row)."""
    params = {**params_for(candidate), **({"about": planned.about} if planned.about else {})}
    return _subject_text(planned.rule, planned.anchor, params)


def _subject_text(rule: str, anchor: date | datetime, params: dict[str, Any]) -> str:
    when = (
        format_datetime(anchor, "medium")
        if isinstance(anchor, datetime)
        else format_date(anchor, "long")
    )
    return gettext(
        RULES_BY_KEY[rule].subject,
        candidate=params.get("candidate", ""),
        phase=phase_label(params["phase"]) if params.get("phase") else "",
        date=when,
        permit=document_label(params["about"]) if params.get("about") else "",
    )


def document_label(kind: str) -> str:
    return str(DOCUMENT_KIND_LABELS.get(kind, kind))


def build_email(reminder: Reminder):
    recipient = reminder.recipient
    assert recipient is not None  # a reminder always goes to a person
    link = link_of(reminder, external=True)
    with force_locale(recipient.locale):
        text_subject = subject(reminder)
        body = render_template(
            f"email/reminders/{reminder.rule}.txt",
            reminder=reminder,
            recipient=recipient,
            anchor=anchor_value(reminder),
            params=reminder.params or {},
            link=link,
            settings_link=public_url("account.settings"),
        )
    return mail.compose(
        to=recipient.email,
        subject=text_subject,
        body=body,
        locale=recipient.locale,
        message_id=reminder.message_id,
    )
