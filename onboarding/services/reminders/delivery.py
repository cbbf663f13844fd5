"""Delivery: `dispatch(now)` is what the scheduler ticks. It claims due rows atomically with a
lease (`FOR UPDATE SKIP LOCKED` on PostgreSQL) and commits the claim, then sends them one by
one. The dispatcher is its own unit of work, in steps: the claim must be committed before
anything is sent, so `dispatch` (and only it) ends each step with `transaction()`. Any number
of dispatchers may run.

Each reminder is sent once, as far as SMTP lets anyone promise that:

- Right after the server accepted a message, its row is marked sent in a short commit of its
  own, before the next message is accepted; the same commit checks that the next row is
  still ours and renews its lease. That commit runs while the next message's envelope and
  text go out: the final "." that makes the server accept it is only sent once the commit
  is done and the row is still ours, else the message is withheld (`mail.Withheld`: the
  connection is dropped before the end, and the server discards it). While the server
  takes its time, the lease is renewed every third of it: SMTP is talked to from a thread
  of its own, the dispatcher's thread keeps the database, and no transaction is open while
  a message is on its way.
- Only rows this dispatcher still holds are sent or marked: a row whose lease ran out, or
  that another dispatcher took over, is left alone.
- A database error while marking (the connection was terminated) is tried once more on a
  fresh connection; if that fails too, the batch stops. The row keeps its lease and its
  Message-ID: sent again after the lease, it is the one possible duplicate, and recognisable.
  So is a message the server accepted in the instant before the dispatcher was killed.

A dropped SMTP connection is opened again once and the message sent again. If the server
cannot be reached at all, the rows go back to pending without counting an attempt, wait one
retry period, and the outage is logged and recorded (`MailServerStatus`) for the banner on
the desk's reminder queue; the first message sent afterwards clears it. A message the server
refuses (e.g. a 5xx for its recipient) counts an attempt and is retried with backoff.

A due row whose moment passed more than its rule's grace period ago (the dispatcher was
down, SMTP kept failing) is marked expired in the claim's transaction and never sent.

Reminders are planned ahead, so the recipient's preference for "reminders" is read when one
goes out: a non-essential reminder for someone who chose the app only is marked sent with
delivery 'app' (shown in the app, no email), one for the digest delivery 'digest' (listed
in the next daily summary, `services.notifications.digest`). Essential ones always email.
Every row kind goes this way: reminders, event notifications and digests.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import suppress
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import Message
from typing import Any, TypeVar, cast

from flask import current_app
from flask_babel import gettext
from sqlalchemy import Table, and_, bindparam, case, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import CursorResult
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import joinedload

from onboarding.db import rows_changed, transaction
from onboarding.extensions import db
from onboarding.metrics import DELIVERIES
from onboarding.models import MailServerStatus, Reminder, utcnow
from onboarding.services import leases, mail, notifications
from onboarding.services.access import get_or_not_found
from onboarding.services.errors import Conflict
from onboarding.services.notifications import digest
from onboarding.services.reminders.rendering import build_email
from workflows.reminders import RULES

log = logging.getLogger(__name__)
T = TypeVar("T")
Clock = Callable[[], datetime]
MAIL_SERVER = "smtp"  # the MailServerStatus row the dispatcher keeps
REMINDER_CATEGORY = "reminders"  # the preference non-essential reminders follow

# The two statements of the commit after each accepted message, built once: a statement
# built per message costs more than the database takes to run it (bench/reminders.py).
# Both touch a row only while this dispatcher holds it.
_outbox = cast("Table", Reminder.__table__)
_moment = bindparam("now", type_=_outbox.c.sent_at.type)
_held_by = and_(
    _outbox.c.id == bindparam("row"),
    _outbox.c.claimed_by == bindparam("worker"),
    _outbox.c.status == "sending",
)
MARK_SENT = (
    update(_outbox)
    .where(_held_by)
    .values(
        status="sent",
        sent_at=_moment,
        claimed_until=None,
        last_error=None,
        delivery="email",
        # A reminder shows in the app once sent; an event already did.
        in_app_at=func.coalesce(_outbox.c.in_app_at, _moment),
    )
)
RENEW_ONE = (
    update(_outbox)
    .where(_held_by, _outbox.c.claimed_until >= _moment)
    .values(claimed_until=bindparam("until", type_=_outbox.c.claimed_until.type))
)


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
    return leases.claim(
        Reminder,
        and_(_claimable(now), ~_too_late(now)),
        order_by=[Reminder.due_at, Reminder.id],
        worker=worker,
        until=now + lease,
        limit=batch,
        status="sending",
        attempts=Reminder.attempts + 1,
    )


@dataclass
class DispatchResult:
    claimed: int = 0
    sent: int = 0
    failed: int = 0
    retrying: int = 0
    # Not emailed: the recipient gets it in the app only or in the daily digest.
    skipped: int = 0
    expired: int = 0
    # Back to pending, no attempt counted: the mail server could not be reached.
    deferred: int = 0
    # Not sent: the lease ran out or another dispatcher took the row over.
    lost: int = 0
    # Accepted by the server but not marked (no longer ours, or the database failed): the
    # one case in which the same Message-ID may arrive twice.
    unrecorded: int = 0
    # A database error stopped the run; the rows not done keep their lease.
    stopped: bool = False


def dispatch(
    now: datetime | None = None,
    *,
    worker: str | None = None,
    batch: int | None = None,
    until_empty: bool = False,
) -> DispatchResult:
    """Expire reminders too late to send, claim the due ones, send them, and mark them.
    Returns what happened. `now` freezes the dispatcher's clock (tests, `flask dispatch
    --now`); without it every claim and lease renewal reads the current time."""
    config = current_app.config
    clock: Clock = (lambda: now) if now else utcnow
    worker = worker or leases.worker_name()
    batch = batch or config["REMINDER_BATCH_SIZE"]
    lease = timedelta(seconds=config["REMINDER_LEASE_SECONDS"])
    result = DispatchResult()
    while True:
        moment = clock()
        with transaction():
            result.expired += expire(moment)
            ids = claim(moment, worker, batch, lease)
        result.claimed += len(ids)
        if ids:
            _deliver(ids, moment, worker, result, clock)
        # After an outage or a database error, the next tick tries again.
        if result.stopped or result.deferred or not until_empty or not ids:
            return result


def _deliver(
    ids: list[int],
    now: datetime,
    worker: str,
    result: DispatchResult,
    clock: Clock | None = None,
) -> None:
    """Render, send and mark claimed rows, each marked right after the server accepted it."""
    batch = _Batch(worker, clock or (lambda: now), result)
    with transaction(writes=False):  # reads only: it ends before anything is sent
        messages = _render(ids)
        status = db.session.get(MailServerStatus, MAIL_SERVER)
        batch.server_was_down = status is not None and status.down_since is not None
    in_app = {reminder_id: channel for reminder_id, channel in messages if isinstance(channel, str)}
    if in_app:
        batch.commit(lambda counts: _mark(in_app, {}, batch.clock(), worker, counts))
        if result.stopped:
            return
    batch.send(
        [
            (reminder_id, message)
            for reminder_id, message in messages
            if isinstance(message, Message)
        ]
    )


class _Batch:
    """One claimed batch on its way: the rows this dispatcher still holds and their lease.
    SMTP is talked to from a thread of its own; this one keeps the database."""

    def __init__(self, worker: str, clock: Clock, result: DispatchResult):
        config = current_app.config
        self.worker = worker
        self.clock = clock
        self.result = result
        self.lease = timedelta(seconds=config["REMINDER_LEASE_SECONDS"])
        self.renew_every = max(self.lease.total_seconds() / 3, 0.05)
        self.retry_after = timedelta(seconds=config["REMINDER_RETRY_BASE_SECONDS"])
        self.held: set[int] = set()  # claimed by us, not yet sent, lease not run out
        self.checked: int | None = None  # held, and its lease renewed just now
        self.renewed_at = 0.0  # time.monotonic() of the last renewal of every held row
        self.server_was_down = False

    def _mine(self):
        return and_(Reminder.claimed_by == self.worker, Reminder.status == "sending")

    def send(self, messages: list[tuple[int, Message]]) -> None:
        """Send the batch one message at a time. While a message's envelope and text go
        out, this thread commits the previous message's outcome and makes sure the row of
        this one is still ours (renewing its lease); only then does it release the final
        "." that makes the server accept it (`mail.Connection.send`'s `release`). So the
        database's work and the server's overlap, and still no message is accepted before
        the one before it is recorded, nor after its row stopped being ours."""
        if not messages:
            return
        self.held = {reminder_id for reminder_id, _ in messages}
        connection = mail.Connection()
        release: _Release | None = None
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="onthaal-smtp") as smtp:
            try:
                outcome: _Outcome | None = None  # the previous message's, not yet recorded
                for index, (reminder_id, message) in enumerate(messages):
                    if reminder_id not in self.held:
                        self.result.lost += 1
                        continue
                    following = next((i for i, _ in messages[index + 1 :] if i in self.held), None)
                    release = _Release()
                    sending = smtp.submit(connection.send, message, release.wait)
                    if not self._record(outcome, reminder_id):
                        return  # the database failed twice: the batch stops (finally: withheld)
                    outcome = None
                    release.give(reminder_id in self.held and self.checked == reminder_id)
                    try:
                        self._wait(sending)
                    except mail.Withheld:
                        self.result.lost += 1
                    except mail.MailUnreachable as error:
                        rest = [i for i, _ in messages[index:] if i in self.held]
                        self._outage(rest, connection.server, str(error))
                        return
                    except mail.MailError as error:
                        outcome = _Outcome(
                            self._refused(reminder_id, str(error), following), reminder_id
                        )
                    else:
                        outcome = _Outcome(
                            self._accepted(reminder_id, following), reminder_id, accepted=True
                        )
                self._record(outcome, None)
            finally:
                if release is not None:
                    release.give(False)  # a send still waiting for its release is withheld
                smtp.submit(connection.close)  # runs after a send still under way

    def _record(self, outcome: _Outcome | None, next_id: int | None) -> bool:
        """Commit the previous message's outcome (which holds the next row), or — for the
        first message, or after one not sent — just hold the next row. False if the
        database failed twice: the batch stops."""
        work = outcome.work if outcome is not None else (lambda _: self._hold(next_id))
        if self.commit(work) is None:
            if outcome is not None and outcome.accepted:
                self.result.unrecorded += 1
            return False
        if outcome is not None:
            _log_delivery(
                outcome.reminder_id, "sent" if outcome.accepted else "refused", self.worker
            )
        if outcome is not None and outcome.accepted:
            self.server_was_down = False
        return True

    def commit(self, work: Callable[[DispatchResult], T]) -> T | None:
        """Run `work` in a short transaction of its own and count what it did once that is
        committed; once more (on a fresh connection) if the database failed. None if it
        failed again: the batch stops."""
        for attempt in (1, 2):
            counts = DispatchResult()
            try:
                with transaction():
                    value = work(counts)
            except DBAPIError as error:
                _forget_connection()
                if attempt == 1:
                    log.warning("reminders: database error, trying once more: %s", _brief(error))
                    continue
                log.error(
                    "reminders: database error, batch stopped (%s rows keep their lease): %s",
                    len(self.held),
                    _brief(error),
                )
                self.result.stopped = True
                return None
            for field in ("sent", "failed", "retrying", "skipped", "deferred", "unrecorded"):
                setattr(self.result, field, getattr(self.result, field) + getattr(counts, field))
            return value
        return None

    def _hold(self, reminder_id: int | None) -> bool:
        """Make sure the row sent next is still ours and its lease has not run out, and renew
        it; every third of the lease, renew every row still held."""
        self.checked = None
        if reminder_id is None:
            return True
        if time.monotonic() - self.renewed_at >= self.renew_every:
            self._renew()
        elif reminder_id in self.held:
            moment = self.clock()
            renewed = db.session.execute(
                RENEW_ONE,
                {"row": reminder_id, "worker": self.worker, "now": moment,
                 "until": moment + self.lease},
            )  # fmt: skip
            if not cast("CursorResult[Any]", renewed).rowcount:
                self.held.discard(reminder_id)  # no longer ours, or its lease ran out
        if reminder_id in self.held:
            self.checked = reminder_id
        return True

    def _renew(self) -> None:
        self.renewed_at = time.monotonic()
        self._renew_rows(sorted(self.held))

    def _renew_rows(self, ids: list[int]) -> None:
        """Extend the lease of these rows; forget those that are no longer ours or whose
        lease ran out (another dispatcher may take them now)."""
        if not ids:
            return
        moment = self.clock()
        kept = db.session.scalars(
            update(Reminder)
            .where(Reminder.id.in_(ids), self._mine(), Reminder.claimed_until >= moment)
            .values(claimed_until=moment + self.lease)
            .returning(Reminder.id)
            .execution_options(synchronize_session=False)
        ).all()
        self.held -= set(ids) - set(kept)

    def _wait(self, future: Future[None]) -> None:
        """Wait for the SMTP thread, renewing the lease meanwhile; raise what it raised."""
        while True:
            try:
                return future.result(timeout=self.renew_every)
            except TimeoutError:
                if future.done():
                    raise  # the send's own timeout
            try:
                with transaction():
                    self._renew()
            except DBAPIError as error:  # the message is on its way: try again later
                _forget_connection()
                log.warning("reminders: could not renew the lease: %s", _brief(error))

    def _accepted(
        self, reminder_id: int, following: int | None
    ) -> Callable[[DispatchResult], bool]:
        """Mark the row sent (only if still ours), and hold the next one."""

        def work(counts: DispatchResult) -> bool:
            _mark_sent(reminder_id, self.worker, counts)
            if not counts.sent and not self._sent_by_me(reminder_id, counts):
                counts.unrecorded += 1
                log.warning(
                    "reminders: %s was accepted by the mail server but is no longer held by "
                    "%s: it may arrive twice (same Message-ID)",
                    reminder_id,
                    self.worker,
                )
            self.held.discard(reminder_id)
            if self.server_was_down:
                _recovered(self.clock())
            return self._hold(following)

        return work

    def _sent_by_me(self, reminder_id: int, counts: DispatchResult) -> bool:
        """After a retried commit: the first one may have been stored after all."""
        row = db.session.execute(
            select(Reminder.status, Reminder.claimed_by).where(Reminder.id == reminder_id)
        ).one_or_none()
        if row is not None and tuple(row) == ("sent", self.worker):
            counts.sent += 1
            return True
        return False

    def _refused(
        self, reminder_id: int, error: str, following: int | None
    ) -> Callable[[DispatchResult], bool]:
        """The server refused the message: an attempt, retried with backoff (if still ours)."""

        def work(counts: DispatchResult) -> bool:
            _mark({}, {reminder_id: error}, self.clock(), self.worker, counts)
            self.held.discard(reminder_id)
            return self._hold(following)

        return work

    def _outage(self, ids: list[int], server: str, error: str) -> None:
        """The server cannot be reached: the rows wait without counting an attempt."""
        moment = self.clock()
        retry_at = moment + self.retry_after

        def work(counts: DispatchResult) -> bool:
            counts.deferred += rows_changed(
                update(Reminder)
                .where(Reminder.id.in_(ids), self._mine())
                .values(
                    status="pending",
                    claimed_until=None,
                    attempts=Reminder.attempts - 1,  # the claim counted one
                    next_attempt_at=retry_at,
                    last_error=error[:2000],
                )
                .execution_options(synchronize_session=False)
            )
            _record_outage(moment, error)
            return True

        before = self.result.deferred
        if self.commit(work) is None:
            return
        self.held.clear()
        log.warning(
            "reminders: mail server %s unreachable (%s): %s reminders wait until %s, "
            "no attempt counted",
            server,
            error,
            self.result.deferred - before,
            retry_at.isoformat(timespec="seconds"),
        )


@dataclass
class _Outcome:
    """What to record of a message the server answered: the commit's work, and whether the
    server accepted it (then a commit that fails leaves it accepted but unrecorded)."""

    work: Callable[[DispatchResult], bool]
    reminder_id: int
    accepted: bool = False


class _Release:
    """The dispatcher's word to the SMTP thread on the message under way: send or withhold.
    Only the first word counts."""

    def __init__(self) -> None:
        self._given = threading.Event()
        self._send = False

    def give(self, send: bool) -> None:
        if not self._given.is_set():
            self._send = send
            self._given.set()

    def wait(self) -> bool:
        self._given.wait()
        return self._send


def _brief(error: DBAPIError) -> str:
    """The driver's error without the statement and its parameters."""
    return f"{type(error.orig).__name__}: {str(error.orig).strip()}"


def _forget_connection() -> None:
    """After a database error: drop the session's state and its (probably dead) connection;
    the pool hands out a fresh one (pool_pre_ping)."""
    with suppress(DBAPIError):
        db.session.rollback()
    db.session.close()


def _record_outage(moment: datetime, error: str) -> None:
    table = MailServerStatus.__table__
    dialect = postgresql if db.engine.dialect.name == "postgresql" else sqlite
    statement = dialect.insert(MailServerStatus).values(
        name=MAIL_SERVER,
        down_since=moment,
        last_failure_at=moment,
        failures=1,
        last_error=error[:2000],
    )
    excluded = statement.excluded
    db.session.execute(
        statement.on_conflict_do_update(
            index_elements=[table.c.name],
            set_={
                "down_since": func.coalesce(table.c.down_since, excluded.down_since),
                "last_failure_at": excluded.last_failure_at,
                "failures": case((table.c.down_since.is_(None), 1), else_=table.c.failures + 1),
                "last_error": excluded.last_error,
            },
        )
    )


def _recovered(moment: datetime) -> None:
    changed = rows_changed(
        update(MailServerStatus)
        .where(MailServerStatus.name == MAIL_SERVER, MailServerStatus.down_since.is_not(None))
        .values(down_since=None, failures=0, recovered_at=moment)
        .execution_options(synchronize_session=False)
    )
    if changed:
        log.warning("reminders: the mail server is reachable again")


def _render(ids: list[int]) -> list[tuple[int, Message | str]]:
    """(row id, message) per claimed row, or (row id, channel) for a non-essential reminder
    whose recipient gets reminders in the app only ('app') or in the digest ('digest')."""
    rows = db.session.scalars(
        select(Reminder)
        .options(joinedload(Reminder.recipient), joinedload(Reminder.candidate))
        .where(Reminder.id.in_(ids))
        .order_by(Reminder.id)
    ).all()
    optional = [r for r in rows if r.kind == "reminder" and not r.essential]
    channels = notifications.channels_for(
        {r.recipient_id for r in optional if r.recipient_id is not None}, REMINDER_CATEGORY
    )
    messages: list[tuple[int, Message | str]] = []
    # One request context for the batch: url_for needs one, and making it per message
    # costs more than rendering the message.
    base = current_app.config["PUBLIC_BASE_URL"].rstrip("/")
    with current_app.test_request_context(base_url=base):
        for row in rows:
            if row.kind == "event":
                messages.append((row.id, notifications.build_event_email(row)))
            elif row.kind == "digest":
                messages.append((row.id, digest.build_email(row)))
            elif not row.essential and channels.get(row.recipient_id or 0, "email") != "email":
                messages.append((row.id, channels[row.recipient_id or 0]))
            else:
                messages.append((row.id, build_email(row)))
    for row in rows:  # rendered: the session need not expire them after each mark
        db.session.expunge(row)
    return messages


def _log_delivery(reminder_id: int, outcome: str, worker: str) -> None:
    """One line and one count per message the mail server answered (recorded): the row's
    id only, never its address or text."""
    DELIVERIES.labels(outcome).inc()
    log.info("delivery", extra={"outbox_id": reminder_id, "outcome": outcome, "worker": worker})


def _mark_sent(reminder_id: int, worker: str, result: DispatchResult) -> None:
    """The server accepted it: mark the row sent, if this worker still holds it."""
    marked = db.session.execute(MARK_SENT, {"row": reminder_id, "worker": worker, "now": utcnow()})
    result.sent += cast("CursorResult[Any]", marked).rowcount


def _mark(in_app, errors, now, worker, result: DispatchResult) -> None:
    """Record the outcome of rows not sent by email (a sent one: `MARK_SENT`); only rows
    this worker still holds are touched. `in_app`: the rows delivered without an email,
    {id: channel} (app only, or waiting for the digest); `errors`: {id: the server's refusal}."""
    mine = and_(Reminder.claimed_by == worker, Reminder.status == "sending")
    for channel in sorted(set(in_app.values())):
        ids = [reminder_id for reminder_id, chosen in in_app.items() if chosen == channel]
        result.skipped += rows_changed(
            update(Reminder)
            .where(Reminder.id.in_(ids), mine)
            .values(
                status="sent",
                sent_at=now,
                claimed_until=None,
                last_error=None,
                delivery=channel,
                in_app_at=func.coalesce(Reminder.in_app_at, now),
            )
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
