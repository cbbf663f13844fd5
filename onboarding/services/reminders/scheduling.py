"""Scheduling: `reschedule(candidate)` reconciles the candidate's open reminders with the rules
in `workflows/reminders.py` (only the essential ones while the candidate's consent is
withdrawn, `services.consent`). Callers run it inside the transaction of the change that caused
it (a phase change, a meeting, an assessment), so reminders are created, moved and cancelled
atomically with their reason. A pending reminder whose reason still holds but whose moment
passed more than its rule's grace period ago is marked expired (and none is created that
late). Nothing here commits.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from functools import cache

from sqlalchemy import Select, bindparam, func, select
from sqlalchemy.orm import joinedload

from onboarding.extensions import db
from onboarding.models import (
    AuditEvent,
    Candidate,
    MentoringMeeting,
    Placement,
    Reminder,
    User,
    utcnow,
)
from onboarding.services import dutch
from workflows.dates import local_date
from workflows.onboarding import level_at_least
from workflows.placement import AWAITING_INTERVIEW_STATUSES, SECURED_STATUSES
from workflows.relocation import EXPIRING_KINDS, expiries
from workflows.reminders import ITEM_ANCHORS, RULES_BY_KEY, PlannedReminder, ReminderFacts, plan


def facts_for(candidate: Candidate, now: datetime | None = None) -> ReminderFacts:
    """What the rules may know about the candidate at `now` (default: the current time)."""
    return facts_for_many([candidate], now)[candidate.id]


@cache
def _facts_statement() -> Select:
    """The facts' statement, built once (it is large: building it costs more than running
    it); bound to `ids` and `now`."""
    from onboarding.services.relocation import latest_valid_until  # it imports this module

    def of_candidate(model, value, *conditions):
        return (
            select(value)
            .where(model.candidate_id == Candidate.id, *conditions)
            .correlate(Candidate)
            .scalar_subquery()
        )

    return select(
        Candidate.id,
        of_candidate(MentoringMeeting, func.max(MentoringMeeting.met_on)),
        # Mentoring starts when the candidate last entered the mentoring phase.
        of_candidate(
            AuditEvent,
            func.max(AuditEvent.at),
            AuditEvent.to_phase == "mentoring",
            AuditEvent.from_phase != "mentoring",
        ),
        # Only an interview still ahead of a placement waiting for it: once the placement
        # has moved on (offer and later) or the interview time has passed, nobody is
        # reminded of it.
        of_candidate(
            Placement,
            func.min(Placement.interview_at),
            Placement.status.in_(AWAITING_INTERVIEW_STATUSES),
            Placement.interview_at > bindparam("now"),
        ),
        of_candidate(
            Placement, func.max(Placement.start_date), Placement.status.in_(SECURED_STATUSES)
        ),
        dutch.best_level_of(Candidate.id),
        *(latest_valid_until(Candidate.id, kind) for kind in EXPIRING_KINDS),
    ).where(Candidate.id.in_(bindparam("ids", expanding=True)))


def facts_for_many(
    candidates: Sequence[Candidate], now: datetime | None = None
) -> dict[int, ReminderFacts]:
    """`facts_for` for many candidates in one statement whatever their number, by id: each
    fact a correlated subquery that an index on the table's candidate_id serves, so that a
    phase change reads them in one round trip and a page of the board in one too."""
    now = now or utcnow()
    ids = [c.id for c in candidates]
    if not ids:
        return {}
    found = {
        row[0]: row[1:]
        for row in db.session.execute(_facts_statement(), {"ids": ids, "now": now}).all()
    }
    target = dutch.target_level()
    facts = {}
    for candidate in candidates:
        last_meeting, started, next_interview, start, level, *valid_until = found[candidate.id]
        entered = candidate.phase_entered_at or now
        facts[candidate.id] = ReminderFacts(
            phase=candidate.phase,
            phase_entered_on=local_date(entered),
            immersion_planned_end=candidate.immersion_planned_end,
            passed_dutch_target=level_at_least(level, target),
            last_meeting_on=last_meeting,
            mentoring_started_on=local_date(started) if started else None,
            next_interview_at=next_interview,
            placement_start=start,
            permit_expiries=expiries(dict(zip(EXPIRING_KINDS, valid_until, strict=True))),
        )
    return facts


def overdue(
    candidates: Sequence[Candidate],
    now: datetime | None = None,
    *,
    facts: dict[int, ReminderFacts] | None = None,
) -> dict[int, list[PlannedReminder]]:
    """What is overdue for each candidate: the reminders the rules still call for whose
    moment has passed (the deadline is not met, or it would have stopped them), for the
    mentor or the desk — the ones worded about the candidate, not to them. By id; pass
    `facts` (from `facts_for_many` at the same `now`) when already read."""
    now = now or utcnow()
    if facts is None:
        facts = facts_for_many(candidates, now)
    return {
        candidate_id: [
            planned
            for planned in plan(candidate_facts, now, include_expired=True)
            if planned.due_at <= now
            and planned.audience in ("mentor", "desk")
            # A permit about to lapse is not a missed deadline; once lapsed it is a red flag.
            and RULES_BY_KEY[planned.rule].anchor not in ITEM_ANCHORS
        ]
        for candidate_id, candidate_facts in facts.items()
    }


def _recipients(
    candidate: Candidate, audience: str, staff: list[User], company: list[User]
) -> list[User]:
    if audience == "candidate":
        return [candidate.user]
    if audience == "mentor":
        return [candidate.mentor] if candidate.mentor else []
    if audience == "company":
        return company
    return staff


def started_placement(candidate: Candidate) -> Placement | None:
    """The placement the candidate started (the newest, should there be more)."""
    return db.session.scalars(
        select(Placement)
        .where(Placement.candidate_id == candidate.id, Placement.status == "started")
        .order_by(Placement.start_date.desc(), Placement.id.desc())
        .limit(1)
    ).first()


def _company_contacts(candidate: Candidate) -> tuple[list[User], int | None]:
    """The active contacts of the company where the candidate started, if the candidate
    shares their profile with companies, and that placement's id."""
    from onboarding.services.access import shared_with_company

    placement = started_placement(candidate)
    if placement is None or not shared_with_company(candidate):
        return [], None
    contacts = db.session.scalars(
        select(User)
        .where(
            User.company_id == placement.company_id,
            User.role == "company",
            User.active.is_(True),
        )
        .order_by(User.id)
    ).all()
    return list(contacts), placement.id


def params_for(candidate: Candidate) -> dict:
    """The values a reminder's text names, kept with the row."""
    return {"candidate": candidate.name, "phase": candidate.phase}


def reschedule(candidate: Candidate, now: datetime | None = None) -> None:
    """Make the candidate's open reminders match the rules at `now`. Does not commit."""
    now = now or utcnow()
    db.session.flush()
    # An erased candidate is reminded of nothing, and nobody is reminded about them.
    erased = candidate.erased_at is not None
    desired = [] if erased else plan(facts_for(candidate, now), now, include_expired=True)
    staff = []
    if any(p.audience == "desk" for p in desired):
        staff = list(db.session.scalars(select(User).where(User.role == "staff", User.active)))
    company: list[User] = []
    placement_id = None
    if any(p.audience == "company" for p in desired):
        company, placement_id = _company_contacts(candidate)
    # A candidate who withdrew consent gets only the essential reminders (deadlines), and
    # nobody is reminded about them of anything else.
    essential_only = candidate.consent_withdrawn_at is not None
    wanted: dict[tuple, PlannedReminder] = {}
    too_late: set[tuple] = set()  # still called for, but past the rule's grace period
    for planned in desired:
        for person in _recipients(candidate, planned.audience, staff, company):
            # A person's preference is read at dispatch (app only, digest): planned anyway.
            if not planned.essential and essential_only:
                continue
            key = (planned.rule, person.id, planned.occurrence, planned.due_at, planned.about)
            if planned.expired:
                too_late.add(key)
            else:
                wanted[key] = planned
    existing = db.session.scalars(
        select(Reminder).where(
            Reminder.candidate_id == candidate.id,
            Reminder.kind == "reminder",  # the outbox's event notifications are not planned
            Reminder.status != "cancelled",
        )
    ).all()
    have = set()
    for reminder in existing:
        held = (
            reminder.rule,
            reminder.recipient_id,
            reminder.occurrence,
            reminder.due_at,
            (reminder.params or {}).get("about"),
        )
        if reminder.status == "pending" and held in too_late:
            reminder.status = "expired"
        elif reminder.status == "pending" and held not in wanted:
            reminder.status = "cancelled"
            reminder.cancelled_at = now
        else:
            have.add(held)
    for key, planned in wanted.items():
        if key in have:
            continue
        rule, recipient_id, occurrence, due_at, about = key
        db.session.add(
            Reminder(
                rule=rule,
                occurrence=occurrence,
                candidate_id=candidate.id,
                recipient_id=recipient_id,
                due_at=due_at,
                anchor=planned.anchor.isoformat(),
                params={
                    **params_for(candidate),
                    # The company's check-in form is per placement.
                    **({"placement_id": placement_id} if planned.audience == "company" else {}),
                    **({"about": about} if about else {}),
                },
                essential=planned.essential,
            )
        )


def reschedule_all(now: datetime | None = None) -> int:
    """Re-plan every active candidate (after a rules change, or nightly for 'stuck')."""
    count = 0
    active = select(Candidate).where(Candidate.erased_at.is_(None))
    for candidate in db.session.scalars(active.options(joinedload(Candidate.user))):
        reschedule(candidate, now)
        count += 1
    return count
