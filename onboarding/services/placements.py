"""A placement's steps (workflows/placement.py), fired like the onboarding's: role and
guards checked, audit row on the candidate's history, reminders rescheduled. `fire` is the
one path for every placement change; it never commits (the caller's unit of work does)."""

from __future__ import annotations

from datetime import date, datetime

from flask_babel import gettext as _
from sqlalchemy import func, select

from onboarding.extensions import db
from onboarding.models import Placement, User, utcnow
from onboarding.services import audit, reminders
from onboarding.services.access import get_or_not_found, require_role, visible_candidate
from onboarding.services.refusals import engine_refusals
from workflows.placement import PLACEMENT, SECURED_STATUSES, STATUS_LABELS, PlacementFacts


def _facts(placement: Placement, role: str, **inputs) -> PlacementFacts:
    seats = 1
    if placement.project_id is not None:
        taken = db.session.scalar(
            select(func.count(Placement.id)).where(
                Placement.project_id == placement.project_id,
                Placement.status.in_(SECURED_STATUSES),
                Placement.id != placement.id,
            )
        )
        seats = placement.project.seats - taken
    return PlacementFacts(role=role, seats_left=seats, **inputs)


def fire(
    actor: User,
    placement_id: int,
    trigger: str,
    *,
    reason: str = "",
    interview_at: datetime | None = None,
    start_date: date | None = None,
    now: datetime | None = None,
) -> Placement:
    """Fire `trigger` on the placement on behalf of `actor`, or raise a DomainError; the
    step is dated `now` (default: the current time)."""
    now = now or utcnow()
    require_role(actor, "staff")
    placement = get_or_not_found(Placement, placement_id, _("This placement does not exist."))
    candidate = visible_candidate(actor, placement.candidate_id)
    source = placement.status
    facts = _facts(
        placement,
        actor.role,
        reason=reason,
        interview_at=interview_at,
        start_date=start_date or placement.start_date,
    )
    not_here = _(
        "This step is not possible while the placement is “%(status)s”.",
        status=_(STATUS_LABELS[source]),
    )
    with engine_refusals(not_here):
        PLACEMENT.fire(placement, trigger, actor.role, facts)
    placement.decided_at = now
    audit.record(
        candidate,
        actor,
        f"placement_{trigger}",
        reason=reason,
        detail=f"{placement.company.name}: {placement.project_title}",
        at=now,
    )
    reminders.reschedule(candidate, now)
    return placement
