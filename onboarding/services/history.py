"""A candidate's timeline, read from the audit trail in one query, described per reader."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from onboarding.extensions import db
from onboarding.i18n import phase_label
from onboarding.models import AuditEvent, Candidate
from workflows.onboarding import ONBOARDING

# Recorded facts that are not phase changes.
ACTION_LABELS = {
    "registered": _l("Registered for the programme"),
    "consent_recorded": _l("Consent to data processing recorded by the welcome desk"),
    "consent_given": _l("Consent to data processing given"),
    "invitation_sent": _l("Invitation sent again"),
    "invitation_accepted": _l("Invitation accepted, account activated"),
    "profile_updated": _l("Profile updated"),
    "mentor_assigned": _l("Mentor assigned: %(detail)s"),
    "assessment_recorded": _l("Dutch assessment recorded: level %(detail)s"),
    "meeting_logged": _l("Mentoring meeting logged"),
    "signed_off": _l("Mentor signed off readiness for placement"),
    "placement_recorded": _l("Placement proposed: %(detail)s"),
    # Steps of the placement workflow (action = "placement_" + trigger).
    "placement_schedule_interview": _l("Interview planned: %(detail)s"),
    "placement_make_offer": _l("The company made an offer: %(detail)s"),
    "placement_accept": _l("Placement accepted: %(detail)s"),
    "placement_start": _l("Placement started: %(detail)s"),
    "placement_decline": _l("Placement declined: %(detail)s"),
    "placement_withdraw": _l("Placement withdrawn: %(detail)s"),
    "document_uploaded": _l("Document uploaded: %(detail)s"),
    "document_verified": _l("Document verified: %(detail)s"),
    "document_rejected": _l("Document rejected: %(detail)s"),
}


# Phase changes are described by their trigger's label from the workflow definition.
TRIGGER_LABELS = {spec.trigger: spec.label for spec in ONBOARDING.specs}


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime
    text: str
    actor: str | None
    reason: str | None
    phase_change: tuple[str, str] | None
    override: bool


def describe(event: AuditEvent) -> str:
    if event.action in ACTION_LABELS:
        return str(ACTION_LABELS[event.action]) % {"detail": event.detail or ""}
    if event.action in TRIGGER_LABELS:
        return _(TRIGGER_LABELS[event.action])
    return event.action


def timeline(candidate: Candidate, *, newest_first: bool = True) -> list[TimelineEntry]:
    order = AuditEvent.at.desc() if newest_first else AuditEvent.at.asc()
    events = db.session.scalars(
        select(AuditEvent)
        .options(joinedload(AuditEvent.actor))
        .where(AuditEvent.candidate_id == candidate.id)
        .order_by(order, AuditEvent.id.desc() if newest_first else AuditEvent.id.asc())
    ).all()
    return [
        TimelineEntry(
            at=event.at,
            text=describe(event),
            actor=event.actor.name if event.actor else None,
            reason=event.reason,
            phase_change=(
                (phase_label(event.from_phase), phase_label(event.to_phase))
                if event.from_phase != event.to_phase
                else None
            ),
            override=event.detail == "dutch_override",
        )
        for event in events
    ]
