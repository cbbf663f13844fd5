"""Reminder rules as data: who is reminded of what, when, and when it stops.

Each rule names the phases it lives in, an anchor (a date taken from the candidate's facts),
an offset, the audience, optional repeats, a stop condition and a grace period. `plan(facts)`
turns the rules into the reminders that should be pending right now; the service reconciles
the database with that plan in the same transaction as the change that caused it, so leaving
a phase, logging a meeting or passing an assessment cancels or moves reminders by itself.

The grace period is how late a reminder may still go out. One whose moment passed more than
its grace period ago is *expired*: it is never planned, and the dispatcher marks such a row
expired instead of sending it (after a dispatcher outage, "your interview is tomorrow" must
not arrive after the interview).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from workflows.dates import PROGRAMME_TZ
from workflows.i18n import N_
from workflows.onboarding import (
    ACTIVE_PHASES,
    COMPANY_PLACEMENT,
    LANGUAGE_IMMERSION,
    MENTORING,
    OUTREACH,
    PLACED,
)

# Reminders anchored on a calendar day go out at this local time.
SEND_AT_LOCAL = time(9, 0)

# How long a candidate may stay in a phase before the desk sees them as stuck.
PHASE_LIMIT_DAYS = {
    OUTREACH: 30,
    LANGUAGE_IMMERSION: 100,  # three months of immersion, plus a little slack
    MENTORING: 120,
    COMPANY_PLACEMENT: 60,
}


@dataclass(frozen=True)
class ReminderFacts:
    """What the rules may know about one candidate (built by the service)."""

    phase: str
    phase_entered_on: date
    immersion_planned_end: date | None = None
    passed_dutch_target: bool = False
    last_meeting_on: date | None = None
    mentoring_started_on: date | None = None
    next_interview_at: datetime | None = None  # aware UTC
    placement_start: date | None = None
    # The latest valid-until date of each permit or card on file (workflows.relocation).
    permit_expiries: tuple[tuple[str, date], ...] = ()


@dataclass(frozen=True)
class ReminderRule:
    key: str
    phases: tuple[str, ...]
    anchor: str
    offset_days: int | dict[str, int]
    audience: str  # candidate | mentor | desk | company (the contacts of the company)
    essential: bool  # deadlines stay even when a person turns reminders off
    subject: str
    grace: timedelta  # how late it may still be sent; later than that it expires
    repeat_every_days: int | None = None
    max_times: int = 1
    stop_when: str | None = None


@dataclass(frozen=True)
class PlannedReminder:
    rule: str
    audience: str
    occurrence: int
    due_at: datetime  # aware UTC
    anchor: date | datetime
    essential: bool = field(default=True)
    # Its moment passed more than the rule's grace period ago: never sent (only returned by
    # `plan(..., include_expired=True)`, so the service can mark a pending row expired).
    expired: bool = False
    # What the reminder is about when a rule has several anchors (a permit's kind).
    about: str | None = None


def _last_meeting_or_start(facts: ReminderFacts) -> date | None:
    return facts.last_meeting_on or facts.mentoring_started_on


ANCHORS: dict[str, Callable[[ReminderFacts], date | datetime | None]] = {
    "immersion_planned_end": lambda f: f.immersion_planned_end,
    "next_interview_at": lambda f: f.next_interview_at,
    "placement_start": lambda f: f.placement_start,
    "last_meeting_or_mentoring_start": _last_meeting_or_start,
    "phase_entered_on": lambda f: f.phase_entered_on,
}

# Anchors with several values: one reminder per (item, date), e.g. per permit on file. A new
# valid-until date is a new anchor: the reminders of the old date are cancelled.
ITEM_ANCHORS: dict[str, Callable[[ReminderFacts], tuple[tuple[str, date], ...]]] = {
    "permit_valid_until": lambda f: f.permit_expiries,
}

# While a permit matters: from outreach (a permit may already run) until after placement.
PERMIT_PHASES = (*ACTIVE_PHASES, PLACED)

STOPS: dict[str, Callable[[ReminderFacts], bool]] = {
    "dutch_target_passed": lambda f: f.passed_dutch_target,
}

BASE_RULES: tuple[ReminderRule, ...] = (
    ReminderRule(
        key="book_assessment",
        phases=(LANGUAGE_IMMERSION,),
        anchor="immersion_planned_end",
        offset_days=-14,
        audience="candidate",
        essential=True,
        subject=N_("Book your Dutch assessment: your immersion ends on %(date)s"),
        # Still useful a few days late: the assessment can be booked until the end.
        grace=timedelta(days=3),
        stop_when="dutch_target_passed",
    ),
    ReminderRule(
        key="interview_tomorrow",
        # Interviews can be planned while the candidate is still in mentoring, too.
        phases=(MENTORING, COMPANY_PLACEMENT),
        anchor="next_interview_at",
        offset_days=-1,
        audience="candidate",
        essential=True,
        subject=N_("Your placement interview is tomorrow, %(date)s"),
        # Due 24 hours before; 12 hours later "tomorrow" may no longer be true.
        grace=timedelta(hours=12),
    ),
    ReminderRule(
        key="checkin_30",
        phases=(PLACED,),
        anchor="placement_start",
        offset_days=30,
        audience="candidate",
        essential=False,
        subject=N_("One month at your company: how is it going?"),
        grace=timedelta(days=7),
    ),
    ReminderRule(
        key="checkin_90",
        phases=(PLACED,),
        anchor="placement_start",
        offset_days=90,
        audience="candidate",
        essential=False,
        subject=N_("Three months at your company: time for a check-in"),
        grace=timedelta(days=14),
    ),
    # The company's contacts are asked too, with a short check-in form (1-5 and a comment)
    # that the desk and the mentor read.
    ReminderRule(
        key="company_checkin_30",
        phases=(PLACED,),
        anchor="placement_start",
        offset_days=30,
        audience="company",
        essential=False,
        subject=N_("One month with %(candidate)s: how is it going?"),
        grace=timedelta(days=7),
    ),
    ReminderRule(
        key="company_checkin_90",
        phases=(PLACED,),
        anchor="placement_start",
        offset_days=90,
        audience="company",
        essential=False,
        subject=N_("Three months with %(candidate)s: time for a check-in"),
        grace=timedelta(days=14),
    ),
    ReminderRule(
        key="mentor_meeting_due",
        phases=(MENTORING, COMPANY_PLACEMENT),
        anchor="last_meeting_or_mentoring_start",
        offset_days=21,
        audience="mentor",
        essential=False,
        subject=N_("No meeting with %(candidate)s logged for three weeks"),
        grace=timedelta(days=7),  # the desk's escalation follows three weeks later
    ),
    ReminderRule(
        key="mentor_meeting_escalation",
        phases=(MENTORING, COMPANY_PLACEMENT),
        anchor="last_meeting_or_mentoring_start",
        offset_days=42,
        audience="desk",
        essential=True,
        subject=N_("Escalation: no mentoring meeting with %(candidate)s for six weeks"),
        grace=timedelta(days=14),
    ),
    ReminderRule(
        key="outreach_follow_up",
        phases=(OUTREACH,),
        anchor="phase_entered_on",
        offset_days=7,
        repeat_every_days=7,
        max_times=3,
        audience="desk",
        essential=True,
        subject=N_("Follow up %(candidate)s: no progress in outreach since %(date)s"),
        grace=timedelta(days=7),  # by then the next follow-up has taken over
    ),
    ReminderRule(
        key="immersion_overdue",
        phases=(LANGUAGE_IMMERSION,),
        anchor="immersion_planned_end",
        offset_days=1,
        audience="desk",
        essential=True,
        subject=N_(
            "%(candidate)s passed the planned end of immersion without a passing assessment"
        ),
        grace=timedelta(days=14),
        stop_when="dutch_target_passed",
    ),
    ReminderRule(
        key="stuck_in_phase",
        phases=ACTIVE_PHASES,
        anchor="phase_entered_on",
        offset_days=PHASE_LIMIT_DAYS,
        audience="desk",
        essential=True,
        subject=N_("%(candidate)s has been in the phase “%(phase)s” longer than its limit"),
        grace=timedelta(days=14),  # the pipeline board lists stuck candidates anyway
    ),
)


def _permit_rule(
    key: str,
    audience: str,
    subject: str,
    grace: timedelta,
    phases: tuple[str, ...] = PERMIT_PHASES,
) -> ReminderRule:
    """90 and then 30 days before a permit or card expires (a renewal takes months)."""
    return ReminderRule(
        key=key,
        phases=phases,
        anchor="permit_valid_until",
        offset_days=-90,
        repeat_every_days=60,
        max_times=2,
        audience=audience,
        essential=True,
        subject=subject,
        grace=grace,
    )


PERMIT_RULES = (
    # A few days late is still in time for a renewal; the desk's copy stays longer.
    _permit_rule(
        "permit_expiry",
        "candidate",
        N_("%(permit)s: valid until %(date)s. Start the renewal in time"),
        timedelta(days=6),
    ),
    _permit_rule(
        "permit_expiry_desk",
        "desk",
        N_("%(candidate)s: %(permit)s valid until %(date)s"),
        timedelta(days=14),
    ),
    # The company hears of it once the candidate works there.
    _permit_rule(
        "permit_expiry_company",
        "company",
        N_("%(candidate)s: %(permit)s valid until %(date)s"),
        timedelta(days=14),
        phases=(PLACED,),
    ),
)
RULES = (*BASE_RULES, *PERMIT_RULES)
RULES_BY_KEY = {rule.key: rule for rule in RULES}


def local_morning(day: date) -> datetime:
    """09:00 in Brussels on `day`, as UTC (summer and winter time handled by zoneinfo)."""
    return datetime.combine(day, SEND_AT_LOCAL, tzinfo=PROGRAMME_TZ).astimezone(UTC)


def due_time(anchor: date | datetime, offset_days: int) -> datetime:
    if isinstance(anchor, datetime):
        return anchor.astimezone(UTC) + timedelta(days=offset_days)
    return local_morning(anchor + timedelta(days=offset_days))


def plan(
    facts: ReminderFacts,
    now: datetime,
    rules: tuple[ReminderRule, ...] = RULES,
    *,
    include_expired: bool = False,
) -> list[PlannedReminder]:
    """The reminders that should exist now. Occurrences already overtaken by a later past
    occurrence are left out, so a late start never fires a burst of stale reminders; so are
    occurrences whose moment passed more than the rule's grace period ago (with
    `include_expired`, those come back marked `expired`)."""
    planned: list[PlannedReminder] = []
    for rule in rules:
        if facts.phase not in rule.phases:
            continue
        if rule.stop_when and STOPS[rule.stop_when](facts):
            continue
        offset = (
            rule.offset_days[facts.phase]
            if isinstance(rule.offset_days, dict)
            else rule.offset_days
        )
        for about, anchor in _anchors(rule, facts):
            times = [
                due_time(anchor, offset + index * (rule.repeat_every_days or 0))
                for index in range(rule.max_times)
            ]
            for index, due in enumerate(times):
                overtaken = index + 1 < len(times) and times[index + 1] <= now
                if overtaken:
                    continue
                expired = is_expired(rule, due, now)
                if expired and not include_expired:
                    continue
                planned.append(
                    PlannedReminder(
                        rule.key,
                        rule.audience,
                        index + 1,
                        due,
                        anchor,
                        rule.essential,
                        expired,
                        about,
                    )
                )
    return planned


def _anchors(
    rule: ReminderRule, facts: ReminderFacts
) -> tuple[tuple[str | None, date | datetime], ...]:
    if rule.anchor in ITEM_ANCHORS:
        return ITEM_ANCHORS[rule.anchor](facts)
    anchor = ANCHORS[rule.anchor](facts)
    return () if anchor is None else ((None, anchor),)


def is_expired(rule: ReminderRule, due_at: datetime, now: datetime) -> bool:
    """The moment passed more than the rule's grace period ago: too late to send."""
    return now - due_at > rule.grace


def stuck_since(phase: str, entered_on: date, today: date) -> int | None:
    """Days over the phase's limit, or None when the candidate is within it."""
    limit = PHASE_LIMIT_DAYS.get(phase)
    if limit is None:
        return None
    over = (today - entered_on).days - limit
    return over if over > 0 else None
