"""Deadlines, meetings and interviews: on the candidate's dashboard and in private iCalendar
feeds (RFC 5545, built with the `icalendar` package) at a secret, resettable URL."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask_babel import gettext as _
from icalendar import Calendar, Event
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from onboarding.extensions import db
from onboarding.models import Candidate, MentoringMeeting, Placement, User, utcnow
from onboarding.services import dutch
from onboarding.services import reminders as reminder_service
from workflows.dates import programme_today
from workflows.onboarding import COMPANY_PLACEMENT, LANGUAGE_IMMERSION, MENTORING, PLACED
from workflows.placement import AWAITING_INTERVIEW_STATUSES, OPEN_STATUSES, SECURED_STATUSES
from workflows.reminders import RULES_BY_KEY

INTERVIEW_PHASES = RULES_BY_KEY["interview_tomorrow"].phases


@dataclass(frozen=True)
class Item:
    uid: str
    when: date | datetime
    title: str
    deadline: bool = False


def candidate_deadlines(candidate: Candidate, today: date | None = None) -> list[Item]:
    """What lies ahead for the candidate, soonest first (shown on their dashboard)."""
    today = today or programme_today()
    items: list[Item] = []
    if candidate.phase == LANGUAGE_IMMERSION and candidate.immersion_planned_end:
        end = candidate.immersion_planned_end
        if not dutch.passed_target(candidate.id):
            items.append(
                Item(f"assessment-{candidate.id}-{end}", end - timedelta(days=14),
                     _("Book your Dutch assessment"), deadline=True)
            )  # fmt: skip
        items.append(
            Item(f"immersion-end-{candidate.id}-{end}", end,
                 _("Language immersion ends (planned)"), deadline=True)
        )  # fmt: skip
    for placement in _placements([candidate.id]):
        items.extend(_placement_items(placement, today))
    if candidate.phase == PLACED:
        for reminder in reminder_service.upcoming_for(candidate.user):
            if reminder.rule.startswith("checkin_"):
                items.append(
                    Item(f"reminder-{reminder.id}", reminder.due_at.date(),
                         reminder_service.subject(reminder))
                )  # fmt: skip
    return sorted(
        (i for i in items if _day(i.when) >= today), key=lambda i: (_day(i.when), i.title)
    )


def _day(value: date | datetime) -> date:
    return value.date() if isinstance(value, datetime) else value


def _placements(candidate_ids: list[int] | None) -> list[Placement]:
    query = (
        select(Placement)
        .options(joinedload(Placement.company), joinedload(Placement.candidate).joinedload(
            Candidate.user))
        .where(Placement.status.in_((*OPEN_STATUSES, *SECURED_STATUSES)))
    )  # fmt: skip
    if candidate_ids is not None:
        query = query.where(Placement.candidate_id.in_(candidate_ids))
    return list(db.session.scalars(query))


def _placement_items(placement: Placement, today: date, with_name: bool = False) -> list[Item]:
    who = f"{placement.candidate.name}: " if with_name else ""
    items = []
    # An interview is an appointment while the placement waits for it and the candidate is
    # in a phase with interviews (as its reminder): not once the placement has moved past
    # it, nor after the candidate is placed or has left.
    if (
        placement.interview_at
        and placement.status in AWAITING_INTERVIEW_STATUSES
        and placement.candidate.phase in INTERVIEW_PHASES
    ):
        items.append(
            Item(f"interview-{placement.id}", placement.interview_at,
                 who + _("Placement interview at %(company)s", company=placement.company.name))
        )  # fmt: skip
    if placement.status in SECURED_STATUSES and placement.start_date:
        items.append(
            Item(f"start-{placement.id}", placement.start_date,
                 who + _("First day at %(company)s", company=placement.company.name))
        )  # fmt: skip
    return items


def _meetings(candidate_ids: list[int], with_name: bool) -> list[Item]:
    meetings = db.session.scalars(
        select(MentoringMeeting)
        .options(joinedload(MentoringMeeting.mentor))
        .where(MentoringMeeting.candidate_id.in_(candidate_ids))
    )
    names = {}
    if with_name:
        names = dict(
            db.session.execute(
                select(Candidate.id, User.name)
                .join(User, Candidate.user_id == User.id)
                .where(Candidate.id.in_(candidate_ids))
            ).all()
        )
    return [
        Item(f"meeting-{m.id}", m.met_on,
             (f"{names[m.candidate_id]}: " if with_name else "") + _("Mentoring meeting"))
        for m in meetings
    ]  # fmt: skip


def items_for(user: User) -> list[Item]:
    """Everything in the person's calendar feed (past meetings included)."""
    today = programme_today()
    if user.role == "candidate":
        candidate = db.session.scalars(
            select(Candidate).where(Candidate.user_id == user.id)
        ).one_or_none()
        if candidate is None:
            return []
        return candidate_deadlines(candidate, today - timedelta(days=365)) + _meetings(
            [candidate.id], with_name=False
        )
    if user.role == "mentor":
        mentee_ids = list(
            db.session.scalars(select(Candidate.id).where(Candidate.mentor_id == user.id))
        )
        items = _meetings(mentee_ids, with_name=True)
        for placement in _placements(mentee_ids):
            items.extend(_placement_items(placement, today, with_name=True))
        for reminder in reminder_service.upcoming_for(user, limit=200):
            items.append(
                Item(f"reminder-{reminder.id}", reminder.due_at.date(),
                     reminder_service.subject(reminder), deadline=True)
            )  # fmt: skip
        return items
    items = []
    for placement in _placements(None):
        if placement.candidate.phase in (MENTORING, COMPANY_PLACEMENT, PLACED):
            items.extend(_placement_items(placement, today, with_name=True))
    return items


def feed(user: User) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", "-//Onthaal//Onboarding//EN")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", _("Onthaal: %(name)s", name=user.name))
    calendar.add("x-wr-timezone", "Europe/Brussels")
    stamp = utcnow()
    for item in items_for(user):
        event = Event()
        event.add("uid", f"{item.uid}@onthaal.local")
        event.add("dtstamp", stamp)
        event.add("summary", item.title)
        event.add("dtstart", item.when)
        if isinstance(item.when, datetime):
            event.add("dtend", item.when + timedelta(hours=1))
        else:
            event.add("dtend", item.when + timedelta(days=1))
        if item.deadline:
            event.add("categories", [_("Deadline")])
        calendar.add_component(event)
    return calendar.to_ical()


def user_for_token(token: str) -> User | None:
    if not token or len(token) > 64:
        return None
    return db.session.scalars(
        select(User).where(User.calendar_token == token, User.active)
    ).one_or_none()


def reset_token(user: User) -> str:
    user.calendar_token = secrets.token_urlsafe(32)
    db.session.flush()
    return user.calendar_token


def ensure_token(user: User) -> str:
    return user.calendar_token or reset_token(user)
