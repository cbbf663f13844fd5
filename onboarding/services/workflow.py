"""The one path by which a candidate changes phase.

`fire` checks the actor's role and the guards, fires the trigger on the shared machine,
writes the audit row, runs the transition's follow-ups (through their own workflows) and
reschedules reminders. It never commits: the caller's unit of work (`onboarding.db`) does,
so a refusal or a conflict anywhere rolls everything back. Optimistic locking
(Candidate.version_id) turns a concurrent change into a Conflict instead of a lost update.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from functools import cache

from flask_babel import gettext as _
from sqlalchemy import Select, bindparam, func, select
from sqlalchemy.orm import aliased

from onboarding.extensions import db
from onboarding.i18n import phase_label, translate
from onboarding.models import Candidate, Placement, User, utcnow
from onboarding.services import audit, conversations, dutch, notifications, placements, reminders
from onboarding.services.access import visible_candidate
from onboarding.services.errors import Conflict, Refused, conflict_message
from onboarding.services.refusals import engine_refusals, refusal_text
from onboarding.vocabulary import AUDIENCE_LABELS
from workflows.engine import TransitionSpec
from workflows.onboarding import (
    MENTORED_PHASES,
    ONBOARDING,
    NextStep,
    OnboardingFacts,
    next_step,
)
from workflows.placement import ACCEPTED, LIVE_STATUSES, SECURED_STATUSES, interview_over


def facts_for(
    candidate: Candidate,
    role: str,
    *,
    reason: str = "",
    override_reason: str = "",
    start_date: date | None = None,
    now: datetime | None = None,
) -> OnboardingFacts:
    """What the guards need to know, read in a fixed number of queries."""
    facts = facts_for_many([candidate], role, now=now)[candidate.id]
    return replace(facts, reason=reason, override_reason=override_reason, start_date=start_date)


@cache
def _load_and_level() -> Select:
    """Per candidate in `ids`, in one statement: the mentor's load (the mentored candidates
    of the same mentor) and the best Dutch level recorded. Built once: an alias copies
    every column."""
    others = aliased(Candidate)
    mentor_load = (
        select(func.count(others.id))
        .where(others.mentor_id == Candidate.mentor_id, others.phase.in_(MENTORED_PHASES))
        .correlate(Candidate)
        .scalar_subquery()
    )
    return select(Candidate.id, mentor_load, dutch.best_level_of(Candidate.id)).where(
        Candidate.id.in_(bindparam("ids", expanding=True))
    )


def facts_for_many(
    candidates: Sequence[Candidate], role: str, *, now: datetime | None = None
) -> dict[int, OnboardingFacts]:
    """The guards' facts for many candidates at once (a page of the board, a mentor's
    mentees), in two queries whatever their number; by candidate id. Load the candidates'
    `mentor` with them (joinedload) or each one costs a query."""
    now = now or utcnow()
    ids = [c.id for c in candidates]
    if not ids:
        return {}
    read = db.session.execute(_load_and_level(), {"ids": ids}).all()
    loads = {candidate_id: load for candidate_id, load, _level in read}
    levels = {candidate_id: level for candidate_id, _load, level in read}
    interviews: dict[int, list[datetime | None]] = {}
    for candidate_id, interview_at in db.session.execute(
        select(Placement.candidate_id, Placement.interview_at).where(
            Placement.candidate_id.in_(ids),
            Placement.status.in_(SECURED_STATUSES),
            Placement.start_date.is_not(None),
        )
    ).all():
        interviews.setdefault(candidate_id, []).append(interview_at)
    target = dutch.target_level()
    facts = {}
    for candidate in candidates:
        mentor = candidate.mentor
        # The mentor's load without this candidate (who may be one of the mentored).
        load = loads.get(candidate.id, 0) if candidate.mentor_id is not None else 0
        if mentor is not None and candidate.phase in MENTORED_PHASES:
            load -= 1
        accepted = tuple(interviews.get(candidate.id, ()))
        facts[candidate.id] = OnboardingFacts(
            role=role,
            missing_profile_fields=candidate.missing_profile_fields(),
            consent_given=candidate.consent_at is not None,
            best_dutch_level=levels.get(candidate.id),
            dutch_target=target,
            mentor_assigned=mentor is not None,
            mentor_name=mentor.name if mentor else "",
            mentor_load=max(load, 0),
            mentor_capacity=mentor.capacity if mentor else 0,
            signed_off=candidate.signed_off_at is not None,
            accepted_placement=bool(accepted),
            accepted_interviews=accepted,
            now=now,
            paused_from=candidate.paused_from,
        )
    return facts


def lock_mentor(mentor_id: int | None) -> None:
    """Serialise changes that count against one mentor's capacity.

    The candidate's version only guards that candidate; two *different* mentees entering
    mentoring with the same mentor at once would both see a free place. Locking the mentor's
    row (PostgreSQL `SELECT … FOR UPDATE`) makes the second wait and then count the first.
    SQLite already serialises writers (BEGIN IMMEDIATE), where FOR UPDATE is left out.
    """
    if mentor_id is not None:
        db.session.execute(select(User.id).where(User.id == mentor_id).with_for_update())


def fire(
    actor: User,
    candidate_id: int,
    trigger: str,
    *,
    expected_version: int | None,
    reason: str = "",
    override_reason: str = "",
    start_date: date | None = None,
    confirmed: bool = True,
    now: datetime | None = None,
) -> Candidate:
    """Fire `trigger` for the candidate on behalf of `actor`, or raise a DomainError. The
    step is dated `now` (default: the current time): the phase's entry, the audit row and
    the reminders planned from it. A step that asks for confirmation (`confirm` in its
    definition) is refused from a form that came without it (`confirmed=False`)."""
    now = now or utcnow()
    candidate = visible_candidate(actor, candidate_id)
    if not confirmed and any(s.confirm for s in ONBOARDING.specs_for(trigger, candidate.phase)):
        raise Refused(_("Tick the box to confirm this step."))
    check_version(candidate, expected_version)
    lock_mentor(candidate.mentor_id)
    ctx = facts_for(
        candidate,
        actor.role,
        reason=reason,
        override_reason=override_reason,
        start_date=start_date,
    )
    source = candidate.phase
    not_here = _(
        "This action is not possible while the candidate is in the phase “%(phase)s”.",
        phase=phase_label(source),
    )
    with engine_refusals(not_here):
        spec = ONBOARDING.fire(candidate, trigger, actor.role, ctx)
    candidate.phase_entered_at = now
    for follow_up in spec.follow_ups:
        FOLLOW_UPS[follow_up](actor, candidate, reason, now)
    audit.record(
        candidate,
        actor,
        trigger,
        from_phase=source,
        to_phase=spec.dest,
        reason=reason or override_reason,
        detail="dutch_override" if _used_override(ctx) else None,
        at=now,
    )
    reminders.reschedule(candidate, now)
    if spec.dest != source:
        params = {"phase": spec.dest, "from_phase": source}
        notifications.notify(
            "phase_changed", candidate=candidate, actor=actor, params=params, now=now
        )
    conversations.phase_changed(candidate, source, spec.dest, now)
    return candidate


def withdraw_live_placements(actor: User, candidate: Candidate, reason: str, now: datetime) -> None:
    """Withdraw every placement still in play, each through the placement workflow."""
    for placement in list(candidate.placements):
        if placement.status in LIVE_STATUSES:
            placements.fire(actor, placement.id, "withdraw", reason=reason, now=now)


def start_accepted_placement(actor: User, candidate: Candidate, reason: str, now: datetime) -> None:
    """The placement the desk has just confirmed starts, through the placement workflow
    (its `start` step is automatic: this is the only way there)."""
    for placement in list(candidate.placements):
        if (
            placement.status == ACCEPTED
            and placement.start_date is not None
            and interview_over(placement.interview_at, now)
        ):
            placements.fire(actor, placement.id, "start", follow_up=True, now=now)


# Follow-ups a transition may declare ("then" in workflows/onboarding.py); each is called
# with (actor, candidate, reason, now) and dates its own changes `now`.
FOLLOW_UPS = {
    "withdraw_live_placements": withdraw_live_placements,
    "start_accepted_placement": start_accepted_placement,
}


def check_version(candidate: Candidate, expected_version: int | None) -> None:
    """The form showed `expected_version`; anything newer means someone else changed it."""
    if expected_version is not None and candidate.version_id != expected_version:
        raise Conflict(conflict_message())


def _used_override(ctx: OnboardingFacts) -> bool:
    from workflows.onboarding import level_at_least

    return bool(ctx.override_reason.strip()) and not level_at_least(
        ctx.best_dutch_level, ctx.dutch_target
    )


@dataclass(frozen=True)
class Action:
    trigger: str
    label: str
    needs_reason: bool
    allows_override: bool
    needs_start_date: bool
    blocked_by: tuple[str, ...]
    confirm: str = ""  # the box to tick first, if the step asks for it


def actions_for(candidate: Candidate, role: str, facts: OnboardingFacts) -> list[Action]:
    """Triggers `role` may fire now, each with the reasons it would be refused (if any)."""
    actions = []
    for trigger in ONBOARDING.available(candidate.phase, role):
        specs: list[TransitionSpec] = [
            s for s in ONBOARDING.specs_for(trigger, candidate.phase) if role in s.roles
        ]
        if trigger == "resume":
            specs = [s for s in specs if s.dest == candidate.paused_from] or specs
        spec = specs[0]
        blocked = tuple(
            refusal_text(r)
            for g in spec.guards
            if g.name != "reason_given" and (r := g.check(facts)) is not None
        )
        actions.append(
            Action(
                trigger=trigger,
                label=_(spec.label),
                needs_reason=spec.needs_reason,
                allows_override=role == "staff"
                and any(g.name == "dutch_target_met" for g in spec.guards),
                needs_start_date="plan_immersion" in spec.effects,
                blocked_by=blocked,
                confirm=_(spec.confirm) if spec.confirm else "",
            )
        )
    return actions


def step_for(candidate: Candidate, facts: OnboardingFacts) -> NextStep:
    return next_step(candidate.phase, facts)


def step_text(step: NextStep) -> str:
    return translate(step.message, step.params)


@dataclass(frozen=True)
class StepShown:
    """A candidate's next step as a list shows it: the text, and whom it waits on."""

    text: str
    waits_on: str | None


def next_steps(candidates: Sequence[Candidate], role: str) -> dict[int, StepShown]:
    """Each candidate's next step and whom it waits on, worded as on the candidate pages
    (the same `step_for`), for a list of candidates in a fixed number of queries."""
    facts = facts_for_many(candidates, role)
    shown = {}
    for candidate in candidates:
        step = step_for(candidate, facts[candidate.id])
        waits_on = str(AUDIENCE_LABELS[step.waits_on]) if step.waits_on else None
        shown[candidate.id] = StepShown(step_text(step), waits_on)
    return shown
