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
from onboarding.vocabulary import DOCUMENT_KIND_LABELS, RESIDENCE_ROUTE_LABELS
from workflows.onboarding import ONBOARDING
from workflows.relocation import STEPS_BY_CODE

# Recorded facts that are not phase changes.
ACTION_LABELS = {
    "registered": _l("Registered for the programme"),
    "consent_recorded": _l("Consent to data processing recorded by the welcome desk"),
    "consent_given": _l("Consent to data processing given"),
    "consent_withdrawn": _l("Consent to data processing withdrawn"),
    "invitation_sent": _l("Invitation sent again"),
    "invitation_accepted": _l("Invitation accepted, account activated"),
    "profile_updated": _l("Profile updated"),
    "details_corrected": _l("Details corrected by the welcome desk: %(detail)s"),
    "mentor_assigned": _l("Mentor assigned: %(detail)s"),
    "assessment_recorded": _l("Dutch assessment recorded: level %(detail)s"),
    "meeting_logged": _l("Mentoring meeting logged"),
    "signed_off": _l("Mentor signed off readiness for placement"),
    "placement_recorded": _l("Placement proposed: %(detail)s"),
    # The relocation plan (detail: a step code, a route, an ISO date).
    "arrival_recorded": _l("Arrival date and municipality recorded"),
    "residence_route_set": _l("Residence route chosen: %(detail)s"),
    "relocation_step_done": _l("Step done: %(detail)s"),
    "relocation_step_skipped": _l("Step not needed: %(detail)s"),
    "relocation_step_reopened": _l("Step reopened: %(detail)s"),
    # Steps of the placement workflow (action = "placement_" + trigger).
    "placement_schedule_interview": _l("Interview planned: %(detail)s"),
    "placement_record_interview": _l("Interview held: %(detail)s"),
    "placement_make_offer": _l("The company made an offer: %(detail)s"),
    "placement_accept": _l("Placement accepted: %(detail)s"),
    "placement_confirm_start_date": _l("Start date confirmed: %(detail)s"),
    "placement_start": _l("Placement started: %(detail)s"),
    "placement_decline": _l("Placement declined: %(detail)s"),
    "placement_withdraw": _l("Placement withdrawn: %(detail)s"),
    "company_checkin": _l("Check-in by the company: %(detail)s"),
    "document_uploaded": _l("Document uploaded: %(detail)s"),
    "document_verified": _l("Document verified: %(detail)s"),
    "document_rejected": _l("Document rejected: %(detail)s"),
    "document_deleted": _l("Document deleted by the candidate: %(detail)s"),
    "document_removed": _l("Document removed by the welcome desk: %(detail)s"),
    "data_export_requested": _l("Copy of the personal data requested"),
    "erasure_requested": _l("The candidate asked for their personal data to be erased"),
    "erasure_request_cancelled": _l("The candidate withdrew their request for erasure"),
    "legal_hold_placed": _l("Legal hold placed: the data is kept until it is released"),
    "legal_hold_released": _l("Legal hold released"),
    "erased": _l("Personal data erased"),
}

# The fields a correction names (`candidates.correct_details`), stored as keys.
CORRECTED_FIELDS = {
    "name": _l("name"),
    "email": _l("email address"),
    "country": _l("country of origin"),
    "origin_institution": _l("origin institution"),
    "stem_field": _l("STEM field"),
    "graduation_date": _l("graduation date"),
    "locale": _l("language"),
    "outreach_channel": _l("outreach channel"),
    "campaign": _l("outreach campaign"),
    "partner": _l("referring partner"),
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


def _detail(event: AuditEvent) -> str:
    if event.action == "details_corrected" and event.detail:
        keys = (key.strip() for key in event.detail.split(","))
        return ", ".join(str(CORRECTED_FIELDS.get(key, key)) for key in keys)
    if event.action.startswith("document_") and event.detail in DOCUMENT_KIND_LABELS:
        # A forgotten document's rows name its kind, not its file name.
        return str(DOCUMENT_KIND_LABELS[event.detail])
    if event.action.startswith("relocation_step_") and event.detail in STEPS_BY_CODE:
        return _(STEPS_BY_CODE[event.detail].title)
    if event.action == "residence_route_set":
        return str(RESIDENCE_ROUTE_LABELS.get(event.detail or "", _("none")))
    return event.detail or ""


def describe(event: AuditEvent) -> str:
    if event.action in ACTION_LABELS:
        return str(ACTION_LABELS[event.action]) % {"detail": _detail(event)}
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
