"""Delivery: `dispatch(now)` is what the scheduler ticks. It claims due rows atomically with a
lease (`FOR UPDATE SKIP LOCKED` on PostgreSQL) and commits the claim, sends, then marks them
sent. The dispatcher is its own unit of work, in steps: the claim must be committed before
anything is sent, so `dispatch` (and only it) ends each step with `transaction()`. Any number
of dispatchers may run; a crashed one's rows are claimed again when the lease expires and
resent with the same Message-ID.

A due row whose moment passed more than its rule's grace period ago (the dispatcher was
down, SMTP kept failing) is marked expired in the claim's transaction and never sent.
"""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import Message

from flask import current_app
from flask_babel import gettext
from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm import joinedload

from onboarding.db import rows_changed, transaction
from onboarding.extensions import db
from onboarding.models import Reminder, utcnow
from onboarding.services import mail
from onboarding.services.access import get_or_not_found
from onboarding.services.errors import Conflict
from onboarding.services.reminders.rendering import build_email
from workflows.reminders import RULES


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def _claimable(now: datetime):
    """Due pending rows (not waiting for a retry), and rows whose lease ran out."""
    return or_(
        and_(
            Reminder.status == "pending",
            Reminder.due_at <= now,
            or_(Reminder.next_attempt_at.is_(None), Reminder.next_attempt_at <= now),
        ),
        and_(Reminder.status == "sending", Reminder.claimed_until < now),
    )


def _too_late(now: datetime):
    """Rows due more than their rule's grace period before `now` (the cut-off per rule is
    computed here, so both databases compare plain timestamps)."""
    return or_(*(and_(Reminder.rule == r.key, Reminder.due_at < now - r.grace) for r in RULES))


def expire(now: datetime) -> int:
    """Mark claimable rows that are too late to send as expired; returns how many."""
    stale = select(Reminder.id).where(_claimable(now), _too_late(now))
    if db.engine.dialect.name == "postgresql":
        stale = stale.with_for_update(skip_locked=True)
    return rows_changed(
        update(Reminder)
        .where(Reminder.id.in_(stale.scalar_subquery()))
        .values(status="expired", claimed_until=None)
        .execution_options(synchronize_session=False)
    )


def claim(now: datetime, worker: str, batch: int, lease: timedelta) -> list[int]:
    """Atomically take up to `batch` due reminders (and expired leases) for `worker`; a row
    too late to send is never taken (`expire` marks it)."""
    due = and_(_claimable(now), ~_too_late(now))
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
    return sorted(claimed)


@dataclass
class DispatchResult:
    claimed: int = 0
    sent: int = 0
    failed: int = 0
    retrying: int = 0
    skipped: int = 0
    expired: int = 0


def dispatch(
    now: datetime | None = None,
    *,
    worker: str | None = None,
    batch: int | None = None,
    until_empty: bool = False,
) -> DispatchResult:
    """Expire reminders too late to send, claim the due ones, send them, and mark them.
    Returns what happened."""
    config = current_app.config
    now = now or utcnow()
    worker = worker or worker_name()
    batch = batch or config["REMINDER_BATCH_SIZE"]
    lease = timedelta(seconds=config["REMINDER_LEASE_SECONDS"])
    result = DispatchResult()
    while True:
        with transaction():
            result.expired += expire(now)
            ids = claim(now, worker, batch, lease)
        result.claimed += len(ids)
        if ids:
            _deliver(ids, now, worker, result)
        if not until_empty or not ids:
            return result


def _deliver(ids: list[int], now: datetime, worker: str, result: DispatchResult) -> None:
    """Render, send and mark claimed rows; no transaction is open while SMTP is talked to."""
    with transaction():  # reads only: it ends the read transaction before sending
        messages = _render(ids)
    sent_ids, errors = _send(messages)
    skipped = [reminder_id for reminder_id, message in messages if message is None]
    with transaction():
        _mark(sent_ids, skipped, errors, now, worker, result)


def _render(ids: list[int]) -> list[tuple[int, Message | None]]:
    """(reminder id, message) per claimed row; None for a non-essential one opted out of."""
    reminders = db.session.scalars(
        select(Reminder)
        .options(joinedload(Reminder.recipient), joinedload(Reminder.candidate))
        .where(Reminder.id.in_(ids))
        .order_by(Reminder.id)
    ).all()
    messages: list[tuple[int, Message | None]] = []
    # One request context for the batch: url_for needs one, and making it per message
    # costs more than rendering the message.
    base = current_app.config["PUBLIC_BASE_URL"].rstrip("/")
    with current_app.test_request_context(base_url=base):
        for reminder in reminders:
            if not reminder.essential and reminder.recipient.reminders_opt_out:
                messages.append((reminder.id, None))
                continue
            messages.append((reminder.id, build_email(reminder)))
    return messages


def _send(messages: list[tuple[int, Message | None]]) -> tuple[list[int], dict[int, str]]:
    """Send over one SMTP session: (ids the server accepted, error text by id)."""
    sent_ids: list[int] = []
    errors: dict[int, str] = {}
    try:
        with mail.connection() as smtp:
            for reminder_id, message in messages:
                if message is None:
                    continue
                try:
                    smtp.send(message)
                    sent_ids.append(reminder_id)
                except mail.MailError as error:
                    errors[reminder_id] = str(error)
    except mail.MailError as error:  # could not even connect: every message waits
        for reminder_id, message in messages:
            if message is not None and reminder_id not in sent_ids:
                errors[reminder_id] = str(error)
    return sent_ids, errors


def _mark(sent_ids, skipped, errors, now, worker, result: DispatchResult) -> None:
    """Record the outcome; only rows this worker still holds are touched."""
    mine = and_(Reminder.claimed_by == worker, Reminder.status == "sending")
    # Count what was really updated: a row whose lease expired belongs to another worker.
    if sent_ids:
        result.sent += rows_changed(
            update(Reminder)
            .where(Reminder.id.in_(sent_ids), mine)
            .values(status="sent", sent_at=utcnow(), claimed_until=None, last_error=None)
            .execution_options(synchronize_session=False)
        )
    if skipped:
        result.skipped += rows_changed(
            update(Reminder)
            .where(Reminder.id.in_(skipped), mine)
            .values(status="cancelled", cancelled_at=now, claimed_until=None)
            .execution_options(synchronize_session=False)
        )
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
    db.session.flush()


def retry(reminder_id: int) -> Reminder:
    """Queue a failed reminder again (if it is too late by then, the next tick expires it)."""
    reminder = get_or_not_found(Reminder, reminder_id, gettext("This reminder does not exist."))
    if reminder.status != "failed":
        raise Conflict(gettext("Only a failed reminder can be sent again."))
    reminder.status = "pending"
    reminder.attempts = 0
    reminder.next_attempt_at = None
    reminder.last_error = None
    return reminder
