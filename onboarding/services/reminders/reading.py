"""Reading the outbox: a person's upcoming reminders and in-app notifications (opened,
read), and the desk's queue of every row (reminders, notifications, digests)."""

from __future__ import annotations

from flask_babel import gettext
from sqlalchemy import and_, func, select, update
from sqlalchemy.orm import joinedload

from onboarding.db import PageOf, Pages, count_of, rows_changed, summed_counts
from onboarding.extensions import db
from onboarding.models import Candidate, MailServerStatus, OutboxCount, Reminder, User, utcnow
from onboarding.services.errors import NotFound
from onboarding.services.reminders.delivery import MAIL_SERVER

OPEN = ("pending", "sending")


def upcoming_for(user: User, limit: int = 10) -> list[Reminder]:
    """The person's reminders still to come (not notifications: those are not planned)."""
    return list(
        db.session.scalars(
            select(Reminder)
            .where(
                Reminder.recipient_id == user.id,
                Reminder.kind == "reminder",
                Reminder.status.in_(OPEN),
            )
            .order_by(Reminder.due_at)
            .limit(limit)
        )
    )


def _in_app(user: User):
    """The person's rows shown in the app: events at once, reminders once sent; a digest
    is an email about them, not one of them."""
    return and_(
        Reminder.recipient_id == user.id,
        Reminder.in_app_at.is_not(None),
        Reminder.kind != "digest",
    )


def notifications_for(user: User, page: int = 1, per_page: int = 30):
    """The person's notifications, newest first, a page at a time."""
    query = (
        select(Reminder)
        .where(_in_app(user))
        .order_by(Reminder.in_app_at.desc(), Reminder.id.desc())
    )
    return db.paginate(query, page=max(page, 1), per_page=per_page, error_out=False)


def unread_count(user: User) -> int:
    return count_of(
        select(func.count(Reminder.id)).where(_in_app(user), Reminder.read_at.is_(None))
    )


def open_notification(user: User, notification_id: int) -> Reminder:
    """One of the person's notifications, marked read now; NotFound for another person's,
    for a row not shown in the app, or for none."""
    row = db.session.scalar(select(Reminder).where(Reminder.id == notification_id, _in_app(user)))
    if row is None:
        raise NotFound(gettext("This notification does not exist."))
    if row.read_at is None:
        row.read_at = utcnow()
    return row


def mark_read(user: User, *, rule: str, candidate_id: int | None = None) -> int:
    """Mark the person's unread notifications of `rule` (about `candidate_id`) read, e.g.
    a thread's message notifications once the thread is opened. Returns how many."""
    return rows_changed(
        update(Reminder)
        .where(
            _in_app(user),
            Reminder.read_at.is_(None),
            Reminder.rule == rule,
            Reminder.candidate_id == candidate_id
            if candidate_id is not None
            else Reminder.candidate_id.is_(None),
        )
        .values(read_at=utcnow())
        .execution_options(synchronize_session=False)
    )


def mark_all_read(user: User) -> None:
    db.session.execute(
        update(Reminder)
        .where(_in_app(user), Reminder.read_at.is_(None))
        .values(read_at=utcnow())
        .execution_options(synchronize_session=False)
    )


# The queue shows what needs attention first: failures, then what is going out next.
QUEUE_ORDER = {"failed": 0, "sending": 1, "pending": 2, "sent": 3, "expired": 4, "cancelled": 5}


def queue(
    status: str | None,
    page: int,
    per_page: int = 50,
    kind: str | None = None,
    *,
    counts: dict[str, int] | None = None,
) -> PageOf[Reminder]:
    """The desk's queue: every outbox row (or one status, one kind), what needs attention
    first; a page beyond the last shows the last one. Its cost depends on the page, not on
    the size of the outbox: the counts come from `queue_counts`, and the rows from the one
    or two statuses the page spans, each read in the order of an index
    (`ix_reminders_queue`, `_sent`, `_cancelled`: LIMIT and OFFSET). Pass `counts` (from
    `queue_counts(kind)`) when already read."""
    if counts is None:
        counts = queue_counts(kind)
    statuses = [status] if status else sorted(counts, key=QUEUE_ORDER.__getitem__)
    segments = [(name, counts.get(name, 0)) for name in statuses]
    where = Pages.of(sum(size for _name, size in segments), page, per_page)
    items: list[Reminder] = []
    skip, wanted = where.offset, per_page
    for name, size in segments:
        if wanted <= 0:
            break
        if skip >= size:
            skip -= size
            continue
        query = (
            select(Reminder)
            .options(
                joinedload(Reminder.recipient),
                joinedload(Reminder.candidate).joinedload(Candidate.user),
            )
            .where(Reminder.status == name)
            .order_by(*_queue_order(name, bool(status)))
            .offset(skip)
            .limit(wanted)
        )
        if kind:
            query = query.where(Reminder.kind == kind)
        found = list(db.session.scalars(query).unique())
        items.extend(found)
        wanted -= len(found)
        skip = 0
    return PageOf(items, where)


def _queue_order(status: str, alone: bool) -> list:
    """The order inside one status: due time first in the whole queue; on a status's own
    tab, sent and cancelled rows newest first (when it happened), expired ones by the
    latest due."""
    if alone and status == "sent":
        return [Reminder.sent_at.desc(), Reminder.id.desc()]
    if alone and status == "cancelled":
        return [Reminder.cancelled_at.desc(), Reminder.id.desc()]
    if alone and status == "expired":
        return [Reminder.due_at.desc(), Reminder.id.desc()]
    return [Reminder.due_at, Reminder.id]


def queue_counts(kind: str | None = None) -> dict[str, int]:
    """Rows per status (of one kind), from the few rows of `outbox_counts` (statuses with
    none left out)."""
    where = (OutboxCount.kind == kind,) if kind else ()
    return {status: n for (status,), n in summed_counts(OutboxCount, "status", where=where).items()}


def mail_outage() -> MailServerStatus | None:
    """The dispatcher's last word on the mail server, if it could not reach it (the desk's
    banner); None once a message went out again."""
    return db.session.scalar(
        select(MailServerStatus).where(
            MailServerStatus.name == MAIL_SERVER, MailServerStatus.down_since.is_not(None)
        )
    )
