"""Reading reminders: a person's upcoming ones and notifications, and the desk's queue."""

from __future__ import annotations

from sqlalchemy import case, func, select, update
from sqlalchemy.orm import joinedload

from onboarding.db import count_of
from onboarding.extensions import db
from onboarding.models import Candidate, MailServerStatus, Reminder, User, utcnow
from onboarding.services.reminders.delivery import MAIL_SERVER

OPEN = ("pending", "sending")


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
    return count_of(
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


# The queue shows what needs attention first: failures, then what is going out next.
QUEUE_ORDER = {"failed": 0, "sending": 1, "pending": 2, "sent": 3, "expired": 4, "cancelled": 5}


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
    elif status == "expired":
        query = query.order_by(Reminder.due_at.desc(), Reminder.id.desc())
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


def mail_outage() -> MailServerStatus | None:
    """The dispatcher's last word on the mail server, if it could not reach it (the desk's
    banner); None once a message went out again."""
    return db.session.scalar(
        select(MailServerStatus).where(
            MailServerStatus.name == MAIL_SERVER, MailServerStatus.down_since.is_not(None)
        )
    )
