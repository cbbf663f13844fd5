"""Scheduling and delivering reminders.

`reschedule(candidate)` reconciles the candidate's pending reminders with the rules in
`workflows/reminders.py`; callers run it inside the transaction of the change that caused it
(a phase change, a meeting, an assessment), so reminders are created, moved and cancelled
atomically with their reason.

`dispatch(now)` is what the scheduler ticks: it claims due rows atomically with a lease
(`FOR UPDATE SKIP LOCKED` on PostgreSQL), commits the claim, sends, then marks them sent.
Any number of dispatchers may run; a crashed one's rows are claimed again when the lease
expires and resent with the same Message-ID.
"""

from __future__ import annotations

import logging
import os
import socket
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask import current_app, has_request_context, render_template, url_for
from flask_babel import force_locale, format_date, format_datetime, gettext
from sqlalchemy import and_, case, func, or_, select, update
from sqlalchemy.orm import joinedload

from onboarding.extensions import db
from onboarding.i18n import phase_label
from onboarding.models import (
    AuditEvent,
    Candidate,
    LanguageAssessment,
    MentoringMeeting,
    Placement,
    Reminder,
    User,
    utcnow,
)
from onboarding.services import mail
from onboarding.services.errors import Conflict, NotFound
from workflows.onboarding import CEFR_LEVELS
from workflows.placement import OPEN_STATUSES, SECURED_STATUSES
from workflows.reminders import RULES_BY_KEY, PlannedReminder, ReminderFacts, plan

log = logging.getLogger(__name__)

OPEN = ("pending", "sending")


# -- scheduling -----------------------------------------------------------------------------


def passed_dutch_target(candidate: Candidate) -> bool:
    """A recorded assessment at or above the programme's target level."""
    target = current_app.config["DUTCH_TARGET_LEVEL"]
    best = db.session.scalar(
        select(func.max(LanguageAssessment.level)).where(
            LanguageAssessment.candidate_id == candidate.id
        )
    )
    return best is not None and CEFR_LEVELS.index(best) >= CEFR_LEVELS.index(target)


def facts_for(candidate: Candidate) -> ReminderFacts:
    last_meeting = db.session.scalar(
        select(func.max(MentoringMeeting.met_on)).where(
            MentoringMeeting.candidate_id == candidate.id
        )
    )
    # Mentoring starts when the candidate last entered the mentoring phase.
    mentoring_started = db.session.scalar(
        select(func.max(AuditEvent.at)).where(
            AuditEvent.candidate_id == candidate.id,
            AuditEvent.to_phase == "mentoring",
            AuditEvent.from_phase != "mentoring",
        )
    )
    now = utcnow()
    next_interview = db.session.scalar(
        select(func.min(Placement.interview_at)).where(
            Placement.candidate_id == candidate.id,
            Placement.status.in_((*OPEN_STATUSES, *SECURED_STATUSES)),
            Placement.interview_at > now - timedelta(days=1),
        )
    )
    start = db.session.scalar(
        select(func.max(Placement.start_date)).where(
            Placement.candidate_id == candidate.id, Placement.status.in_(SECURED_STATUSES)
        )
    )
    entered = candidate.phase_entered_at or now
    return ReminderFacts(
        phase=candidate.phase,
        phase_entered_on=local_date(entered),
        immersion_planned_end=candidate.immersion_planned_end,
        passed_dutch_target=passed_dutch_target(candidate),
        last_meeting_on=last_meeting,
        mentoring_started_on=local_date(mentoring_started) if mentoring_started else None,
        next_interview_at=next_interview,
        placement_start=start,
    )


def local_date(moment: datetime) -> date:
    from workflows.reminders import PROGRAMME_TZ

    return moment.astimezone(PROGRAMME_TZ).date()


def _recipients(candidate: Candidate, audience: str, staff: list[User]) -> list[User]:
    if audience == "candidate":
        return [candidate.user]
    if audience == "mentor":
        return [candidate.mentor] if candidate.mentor else []
    return staff


def _params(candidate: Candidate) -> dict:
    return {"candidate": candidate.name, "phase": candidate.phase}


def reschedule(candidate: Candidate, now: datetime | None = None) -> None:
    """Make the candidate's open reminders match the rules. Does not commit."""
    now = now or utcnow()
    db.session.flush()
    desired = plan(facts_for(candidate), now)
    staff = []
    if any(p.audience == "desk" for p in desired):
        staff = list(db.session.scalars(select(User).where(User.role == "staff", User.active)))
    wanted: dict[tuple, PlannedReminder] = {}
    for planned in desired:
        for person in _recipients(candidate, planned.audience, staff):
            if not planned.essential and person.reminders_opt_out:
                continue
            key = (planned.rule, person.id, planned.occurrence, planned.due_at)
            wanted[key] = planned
    existing = db.session.scalars(
        select(Reminder).where(
            Reminder.candidate_id == candidate.id, Reminder.status != "cancelled"
        )
    ).all()
    have = set()
    for reminder in existing:
        key = (reminder.rule, reminder.recipient_id, reminder.occurrence, reminder.due_at)
        if reminder.status == "pending" and key not in wanted:
            reminder.status = "cancelled"
            reminder.cancelled_at = now
        else:
            have.add(key)
    for key, planned in wanted.items():
        if key in have:
            continue
        rule, recipient_id, occurrence, due_at = key
        db.session.add(
            Reminder(
                rule=rule,
                occurrence=occurrence,
                candidate_id=candidate.id,
                recipient_id=recipient_id,
                due_at=due_at,
                anchor=planned.anchor.isoformat(),
                params=_params(candidate),
                essential=planned.essential,
            )
        )


def reschedule_all(now: datetime | None = None) -> int:
    """Re-plan every active candidate (after a rules change, or nightly for 'stuck')."""
    count = 0
    for candidate in db.session.scalars(select(Candidate).options(joinedload(Candidate.user))):
        reschedule(candidate, now)
        count += 1
    db.session.commit()
    return count


# -- dispatching ----------------------------------------------------------------------------


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def claim(now: datetime, worker: str, batch: int, lease: timedelta) -> list[int]:
    """Atomically take up to `batch` due reminders (and expired leases) for `worker`."""
    due = or_(
        and_(
            Reminder.status == "pending",
            Reminder.due_at <= now,
            or_(Reminder.next_attempt_at.is_(None), Reminder.next_attempt_at <= now),
        ),
        and_(Reminder.status == "sending", Reminder.claimed_until < now),
    )
    candidates = select(Reminder.id).where(due).order_by(Reminder.due_at, Reminder.id)
    candidates = candidates.limit(batch)
    if db.engine.dialect.name == "postgresql":
        # Rows another dispatcher is claiming right now are skipped, not waited for.
        candidates = candidates.with_for_update(skip_locked=True)
    # On SQLite the claim transaction starts with BEGIN IMMEDIATE: writers are serialised.
    claimed = (
        db.session.execute(
            update(Reminder)
            .where(Reminder.id.in_(candidates.scalar_subquery()))
            .values(
                status="sending",
                claimed_by=worker,
                claimed_until=now + lease,
                attempts=Reminder.attempts + 1,
            )
            .returning(Reminder.id)
            .execution_options(synchronize_session=False)
        )
        .scalars()
        .all()
    )
    db.session.commit()
    return sorted(claimed)


@dataclass
class DispatchResult:
    claimed: int = 0
    sent: int = 0
    failed: int = 0
    retrying: int = 0
    skipped: int = 0


def dispatch(
    now: datetime | None = None,
    *,
    worker: str | None = None,
    batch: int | None = None,
    until_empty: bool = False,
) -> DispatchResult:
    """Claim due reminders, send them, and mark them. Returns what happened."""
    config = current_app.config
    now = now or utcnow()
    worker = worker or worker_name()
    batch = batch or config["REMINDER_BATCH_SIZE"]
    lease = timedelta(seconds=config["REMINDER_LEASE_SECONDS"])
    result = DispatchResult()
    while True:
        ids = claim(now, worker, batch, lease)
        result.claimed += len(ids)
        if ids:
            _deliver(ids, now, worker, result)
        if not until_empty or not ids:
            return result


def _deliver(ids: list[int], now: datetime, worker: str, result: DispatchResult) -> None:
    reminders = db.session.scalars(
        select(Reminder)
        .options(joinedload(Reminder.recipient), joinedload(Reminder.candidate))
        .where(Reminder.id.in_(ids))
        .order_by(Reminder.id)
    ).all()
    messages = []
    # One request context for the batch: url_for needs one, and making it per message
    # costs more than rendering the message.
    base = current_app.config["PUBLIC_BASE_URL"].rstrip("/")
    with current_app.test_request_context(base_url=base):
        for reminder in reminders:
            if not reminder.essential and reminder.recipient.reminders_opt_out:
                messages.append((reminder, None))
                continue
            messages.append((reminder, build_email(reminder)))
    sent_ids, errors = [], {}
    try:
        with mail.connection() as smtp:
            for reminder, message in messages:
                if message is None:
                    continue
                try:
                    smtp.send(message)
                    sent_ids.append(reminder.id)
                except mail.MailError as error:
                    errors[reminder.id] = str(error)
    except mail.MailError as error:  # could not even connect: every message waits
        for reminder, message in messages:
            if message is not None and reminder.id not in sent_ids:
                errors[reminder.id] = str(error)
    skipped = [r.id for r, m in messages if m is None]
    _mark(sent_ids, skipped, errors, now, worker, result)


def _mark(sent_ids, skipped, errors, now, worker, result: DispatchResult) -> None:
    """Record the outcome; only rows this worker still holds are touched."""
    db.session.rollback()  # end the read transaction before writing
    mine = and_(Reminder.claimed_by == worker, Reminder.status == "sending")
    # Count what was really updated: a row whose lease expired belongs to another worker.
    if sent_ids:
        result.sent += db.session.execute(
            update(Reminder)
            .where(Reminder.id.in_(sent_ids), mine)
            .values(status="sent", sent_at=utcnow(), claimed_until=None, last_error=None)
            .execution_options(synchronize_session=False)
        ).rowcount
    if skipped:
        result.skipped += db.session.execute(
            update(Reminder)
            .where(Reminder.id.in_(skipped), mine)
            .values(status="cancelled", cancelled_at=now, claimed_until=None)
            .execution_options(synchronize_session=False)
        ).rowcount
    max_attempts = current_app.config["REMINDER_MAX_ATTEMPTS"]
    base = current_app.config["REMINDER_RETRY_BASE_SECONDS"]
    for reminder_id, error in errors.items():
        reminder = db.session.get(Reminder, reminder_id)
        if reminder is None or reminder.claimed_by != worker or reminder.status != "sending":
            continue
        reminder.last_error = error[:2000]
        reminder.claimed_until = None
        if reminder.attempts >= max_attempts:
            reminder.status = "failed"
            result.failed += 1
        else:
            reminder.status = "pending"
            # Exponential backoff: base, 2×base, 4×base, … capped at one hour.
            delay = min(base * 2 ** (reminder.attempts - 1), 3600)
            reminder.next_attempt_at = now + timedelta(seconds=delay)
            result.retrying += 1
    db.session.commit()


def retry(reminder_id: int) -> Reminder:
    reminder = db.session.get(Reminder, reminder_id)
    if reminder is None:
        raise NotFound(gettext("This reminder does not exist."))
    if reminder.status != "failed":
        raise Conflict(gettext("Only a failed reminder can be sent again."))
    reminder.status = "pending"
    reminder.attempts = 0
    reminder.next_attempt_at = None
    reminder.last_error = None
    db.session.commit()
    return reminder


# -- rendering ------------------------------------------------------------------------------


def anchor_value(reminder: Reminder) -> date | datetime:
    if "T" in reminder.anchor:
        return datetime.fromisoformat(reminder.anchor)
    return date.fromisoformat(reminder.anchor)


def _link(reminder: Reminder) -> str:
    rule = RULES_BY_KEY[reminder.rule]
    endpoint = {"candidate": "candidate.dashboard", "mentor": "mentor.mentee"}.get(
        rule.audience, "desk.candidate"
    )
    args = {} if rule.audience == "candidate" else {"candidate_id": reminder.candidate_id}
    if has_request_context():
        return url_for(endpoint, _external=True, **args)
    base = current_app.config["PUBLIC_BASE_URL"].rstrip("/")
    with current_app.test_request_context(base_url=base):
        return url_for(endpoint, _external=True, **args)


def subject(reminder: Reminder) -> str:
    """The reminder's one-line text in the current locale (email subject, in-app title)."""
    anchor = anchor_value(reminder)
    when = (
        format_datetime(anchor, "medium")
        if isinstance(anchor, datetime)
        else format_date(anchor, "long")
    )
    params = dict(reminder.params or {})
    return gettext(
        RULES_BY_KEY[reminder.rule].subject,
        candidate=params.get("candidate", ""),
        phase=phase_label(params["phase"]) if params.get("phase") else "",
        date=when,
    )


def build_email(reminder: Reminder):
    recipient = reminder.recipient
    link = _link(reminder)
    with force_locale(recipient.locale):
        text_subject = subject(reminder)
        body = render_template(
            f"email/reminders/{reminder.rule}.txt",
            reminder=reminder,
            recipient=recipient,
            anchor=anchor_value(reminder),
            params=reminder.params or {},
            link=link,
        )
    return mail.compose(
        to=recipient.email,
        subject=text_subject,
        body=body,
        locale=recipient.locale,
        message_id=reminder.message_id,
    )


# -- reading --------------------------------------------------------------------------------


def upcoming_for(user: User, limit: int = 10) -> list[Reminder]:
    return list(
        db.session.scalars(
            select(Reminder)
            .where(Reminder.recipient_id == user.id, Reminder.status.in_(OPEN))
            .order_by(Reminder.due_at)
            .limit(limit)
        )
    )


def notifications_for(user: User, limit: int = 50) -> list[Reminder]:
    return list(
        db.session.scalars(
            select(Reminder)
            .where(Reminder.recipient_id == user.id, Reminder.status == "sent")
            .order_by(Reminder.sent_at.desc())
            .limit(limit)
        )
    )


def unread_count(user: User) -> int:
    return db.session.scalar(
        select(func.count(Reminder.id)).where(
            Reminder.recipient_id == user.id,
            Reminder.status == "sent",
            Reminder.read_at.is_(None),
        )
    )


def mark_all_read(user: User) -> None:
    db.session.execute(
        update(Reminder)
        .where(
            Reminder.recipient_id == user.id, Reminder.status == "sent", Reminder.read_at.is_(None)
        )
        .values(read_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    db.session.commit()


# The queue shows what needs attention first: failures, then what is going out next.
QUEUE_ORDER = {"failed": 0, "sending": 1, "pending": 2, "sent": 3, "cancelled": 4}


def queue(status: str | None, page: int, per_page: int = 50):
    query = select(Reminder).options(
        joinedload(Reminder.recipient),
        joinedload(Reminder.candidate).joinedload(Candidate.user),
    )
    if status:
        query = query.where(Reminder.status == status)
    if status in ("sent", "cancelled"):
        query = query.order_by(
            func.coalesce(Reminder.sent_at, Reminder.cancelled_at).desc(), Reminder.id.desc()
        )
    else:
        query = query.order_by(
            case(QUEUE_ORDER, value=Reminder.status), Reminder.due_at, Reminder.id
        )
    return db.paginate(query, page=max(page, 1), per_page=per_page, error_out=False)


def queue_counts() -> dict[str, int]:
    rows = db.session.execute(
        select(Reminder.status, func.count(Reminder.id)).group_by(Reminder.status)
    ).all()
    return dict(rows)
