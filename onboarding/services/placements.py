"""A placement's steps (workflows/placement.py), fired like the onboarding's: role and
guards checked, audit row on the candidate's history, reminders rescheduled. `fire` is the
one path for every placement change; it never commits (the caller's unit of work does).

A candidate has at most one live placement per project, or — without a project — per
company and title: `refuse_duplicate` says so before a new one is added, and two partial
unique indexes (migration 0004) hold it against concurrent requests too.
"""

from __future__ import annotations

from datetime import date, datetime

from flask_babel import gettext as _
from sqlalchemy import func, select

from onboarding.extensions import db
from onboarding.models import Candidate, Company, Placement, Project, User, utcnow
from onboarding.services import audit, reminders
from onboarding.services.access import require_role, visible_candidate
from onboarding.services.errors import NotFound, Refused
from onboarding.services.refusals import engine_refusals
from workflows.placement import (
    LIVE_STATUSES,
    PLACEMENT,
    SECURED_STATUSES,
    STATUS_LABELS,
    PlacementFacts,
)


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
) -> Placement:
    """Fire `trigger` on the placement on behalf of `actor`, or raise a DomainError."""
    require_role(actor, "staff")
    placement = db.session.get(Placement, placement_id)
    if placement is None:
        raise NotFound(_("This placement does not exist."))
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
    placement.decided_at = utcnow()
    audit.record(
        candidate,
        actor,
        f"placement_{trigger}",
        reason=reason,
        detail=f"{placement.company.name}: {placement.project_title}",
    )
    reminders.reschedule(candidate)
    return placement


# -- recording a new placement ---------------------------------------------------------------


def duplicate_message(candidate: Candidate, company: Company, title: str) -> str:
    return _(
        "%(name)s already has a placement in progress for “%(title)s” at %(company)s.",
        name=candidate.name,
        title=title,
        company=company.name,
    )


def refuse_duplicate(
    candidate: Candidate, company: Company, project: Project | None, title: str
) -> None:
    """Refuse a second live placement of the candidate for the same project, or without a
    project, for the same company and title (the rule the partial unique indexes hold)."""
    query = select(Placement.id).where(
        Placement.candidate_id == candidate.id, Placement.status.in_(LIVE_STATUSES)
    )
    if project is not None:
        query = query.where(Placement.project_id == project.id)
    else:
        query = query.where(
            Placement.project_id.is_(None),
            Placement.company_id == company.id,
            Placement.project_title == title,
        )
    if db.session.scalar(query.limit(1)) is not None:
        raise Refused(duplicate_message(candidate, company, title))
