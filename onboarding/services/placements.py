"""A placement's steps (workflows/placement.py), fired like the onboarding's: role and
guards checked, audit row on the candidate's history, reminders rescheduled. `fire` is the
one path for every placement change; it never commits (the caller's unit of work does).

A candidate has at most one live placement per project, or — without a project — per
company and title: `refuse_duplicate` says so before a new one is added, and two partial
unique indexes (migration 0006) hold it against concurrent requests too.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from flask_babel import gettext as _
from sqlalchemy import func, select

from onboarding.db import count_of
from onboarding.extensions import db
from onboarding.models import Candidate, Company, Placement, Project, User, utcnow
from onboarding.services import audit, company_contacts, notifications, reminders
from onboarding.services.access import (
    company_placement,
    get_or_not_found,
    require_role,
    shared_with_company,
    visible_candidate,
)
from onboarding.services.errors import Refused
from onboarding.services.matching import seats_taken
from onboarding.services.refusals import engine_refusals, refusal_text
from workflows.notifications import EVENTS_BY_KEY
from workflows.placement import (
    FORM_INPUT_GUARDS,
    LIVE_STATUSES,
    PLACEMENT,
    SECURED_STATUSES,
    STATUS_LABELS,
    PlacementFacts,
)


def _facts(
    placement: Placement,
    role: str,
    *,
    now: datetime,
    taken: int,
    other_secured: int,
    **inputs,
) -> PlacementFacts:
    """Facts for one placement; `taken`: seats of its project held by other placements."""
    seats = placement.project.seats - taken if placement.project is not None else 1
    return PlacementFacts(
        role=role,
        seats_left=seats,
        now=now,
        recorded_interview_at=placement.interview_at,
        other_secured=other_secured,
        **inputs,
    )


def _read_facts(placement: Placement, role: str, now: datetime, **inputs) -> PlacementFacts:
    others = select(func.count(Placement.id)).where(
        Placement.status.in_(SECURED_STATUSES), Placement.id != placement.id
    )
    taken = 0
    if placement.project_id is not None:
        taken = count_of(others.where(Placement.project_id == placement.project_id))
    other_secured = count_of(others.where(Placement.candidate_id == placement.candidate_id))
    return _facts(placement, role, now=now, taken=taken, other_secured=other_secured, **inputs)


def fire(
    actor: User,
    placement_id: int,
    trigger: str,
    *,
    reason: str = "",
    interview_at: datetime | None = None,
    start_date: date | None = None,
    follow_up: bool = False,
    now: datetime | None = None,
) -> Placement:
    """Fire `trigger` on the placement on behalf of `actor`, or raise a DomainError; the
    step is dated `now` (default: the current time).

    `follow_up`: the step is another transition's follow-up (the onboarding's
    confirm_placement starting the placement); only then is an automatic step taken."""
    now = now or utcnow()
    require_role(actor, "staff", "company")
    if actor.role == "company":
        placement = company_placement(actor, placement_id)
        candidate = placement.candidate
    else:
        placement = get_or_not_found(Placement, placement_id, _("This placement does not exist."))
        candidate = visible_candidate(actor, placement.candidate_id)
    source = placement.status
    facts = _read_facts(
        placement,
        actor.role,
        now,
        reason=reason,
        interview_at=interview_at,
        start_date=start_date or placement.start_date,
    )
    not_here = _(
        "This step is not possible while the placement is “%(status)s”.",
        status=_(STATUS_LABELS[source]),
    )
    by_itself = _("A placement starts when the desk confirms the placement of the candidate.")
    with engine_refusals(not_here, by_itself):
        PLACEMENT.fire(placement, trigger, actor.role, facts, follow_up=follow_up)
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
    notify_step(actor, placement, now)
    return placement


def notify_step(actor: User, placement: Placement, now: datetime) -> None:
    """Tell the candidate and their mentor where the placement now stands (the event
    `placement_<status>`, where one is defined), with what its text needs."""
    key = f"placement_{placement.status}"
    if key not in EVENTS_BY_KEY:
        return
    interview, start = placement.interview_at, placement.start_date
    params = {
        "placement_id": placement.id,
        "company": placement.company.name,
        "project": placement.project_title,
        "interview_at": interview.isoformat() if interview else None,
        "start_date": start.isoformat() if start else None,
        "reason": placement.closed_reason,
    }
    # The company's contacts hear of every step (if the candidate shares their profile with
    # companies); the desk, of the steps a company contact took.
    candidate = placement.candidate
    people = {
        "company": company_contacts.active_contacts(placement.company_id)
        if shared_with_company(candidate)
        else [],
        "desk": company_contacts.desk() if actor.role == "company" else [],
    }
    notifications.notify(
        key, candidate=candidate, actor=actor, params=params, people=people, now=now
    )


# -- what the desk page offers ---------------------------------------------------------------


@dataclass(frozen=True)
class Step:
    trigger: str
    label: str
    needs_reason: bool
    needs_interview: bool
    needs_start_date: bool
    blocked_by: tuple[str, ...]


def needs_start_date(trigger: str) -> bool:
    """Whether the step records the start date (its form then asks for one)."""
    return any(s.trigger == trigger and "set_start_date" in s.effects for s in PLACEMENT.specs)


def steps_for(placements: list[Placement], role: str) -> dict[int, list[Step]]:
    """For each of one candidate's placements (pass them all), the steps `role` may take by
    hand now, each with the reasons it would be refused — except what its own form asks."""
    now = utcnow()
    project_ids = sorted({p.project_id for p in placements if p.project_id is not None})
    taken = seats_taken(project_ids) if project_ids else {}
    secured = {p.id for p in placements if p.status in SECURED_STATUSES}
    steps: dict[int, list[Step]] = {}
    for placement in placements:
        own_seat = 1 if placement.id in secured else 0
        facts = _facts(
            placement,
            role,
            now=now,
            taken=(taken.get(placement.project_id, 0) if placement.project_id else 0) - own_seat,
            other_secured=len(secured - {placement.id}),
            start_date=placement.start_date,
        )
        steps[placement.id] = []
        for trigger in PLACEMENT.available(placement.status, role):
            spec = next(
                s
                for s in PLACEMENT.specs_for(trigger, placement.status)
                if role in s.roles and not s.automatic
            )
            blocked = tuple(
                refusal_text(refusal)
                for guard in spec.guards
                if guard.name not in FORM_INPUT_GUARDS
                and (refusal := guard.check(facts)) is not None
            )
            steps[placement.id].append(
                Step(
                    trigger=trigger,
                    label=_(spec.label),
                    needs_reason=spec.needs_reason,
                    needs_interview="set_interview" in spec.effects,
                    needs_start_date=needs_start_date(trigger),
                    blocked_by=blocked,
                )
            )
    return steps


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
