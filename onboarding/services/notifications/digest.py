"""The daily digest: one email per person listing what they chose to get that way.

A notification (or a non-essential reminder) whose recipient chose the digest is delivered
to the app at once and waits with delivery='digest' and digest_id NULL. Once a day
(`DIGEST_HOUR`, Brussels time: the worker's cron job, or `flask digest`) each such person
gets one outbox row kind='digest' (essential: the person asked for it), due now, and the
waiting items point at it (digest_id). The dispatcher sends it like any other row,
rendering it with `build_email`.

Each person is one transaction. The items are taken with one conditional UPDATE
(`… WHERE digest_id IS NULL`): a second worker running the digest at the same moment waits
for the first's row locks (PostgreSQL) or its write lock (SQLite), then finds those items
taken and lists only what is left, so no item is ever listed twice. A digest that took
nothing is not written (rolled back).
"""

from __future__ import annotations

from datetime import datetime
from email.message import Message

from flask import render_template
from flask_babel import force_locale
from sqlalchemy import select, update

from onboarding.db import rows_changed, transaction
from onboarding.extensions import db
from onboarding.links import public_url
from onboarding.models import Reminder, User, utcnow
from onboarding.services import mail
from workflows.notifications import DIGEST


def _waiting():
    """Rows delivered to the app that the next digest of their recipient lists."""
    return (
        Reminder.delivery == "digest",
        Reminder.digest_id.is_(None),
        Reminder.status == "sent",
        Reminder.kind != "digest",
    )


def people_waiting() -> list[int]:
    """Active people with items for a digest, by id."""
    return list(
        db.session.scalars(
            select(Reminder.recipient_id)
            .join(User, User.id == Reminder.recipient_id)
            .where(*_waiting(), User.active.is_(True))
            .distinct()
            .order_by(Reminder.recipient_id)
        )
    )


def collect(user_id: int, now: datetime) -> Reminder | None:
    """Write the person's digest row and attach their waiting items to it (in the caller's
    transaction). None, and nothing written, when another worker took them all."""
    row = Reminder(
        kind="digest",
        rule=DIGEST,
        recipient_id=user_id,
        due_at=now,
        anchor=now.isoformat(),
        params={},
        essential=True,
        status="pending",
    )
    db.session.add(row)
    db.session.flush()
    taken = rows_changed(
        update(Reminder)
        .where(Reminder.recipient_id == user_id, *_waiting(), Reminder.id != row.id)
        .values(digest_id=row.id)
        .execution_options(synchronize_session=False)
    )
    if not taken:
        db.session.delete(row)
        db.session.flush()
        return None
    return row


def run(now: datetime | None = None) -> int:
    """The day's digests: one transaction per person. Returns how many were written."""
    now = now or utcnow()
    with transaction(writes=False):
        people = people_waiting()
    written = 0
    for user_id in people:
        with transaction():
            if collect(user_id, now) is not None:
                written += 1
    return written


def items_of(row: Reminder) -> list[Reminder]:
    """What a digest lists, oldest first."""
    return list(
        db.session.scalars(
            select(Reminder)
            .where(Reminder.digest_id == row.id)
            .order_by(Reminder.in_app_at, Reminder.id)
        )
    )


def build_email(row: Reminder) -> Message:
    """The digest email in its recipient's language: one line per item (its subject, its
    Brussels time without seconds, its link)."""
    from onboarding.services.reminders.rendering import link_of, subject

    recipient = row.recipient
    assert recipient is not None  # a digest always goes to a person
    items = items_of(row)
    with force_locale(recipient.locale):
        text_subject = subject(row)
        lines = [(subject(item), item.in_app_at or item.sent_at, link_of(item, external=True))
                 for item in items]  # fmt: skip
        body = render_template(
            "email/digest.txt",
            name=recipient.name,
            items=lines,
            notifications_link=public_url("account.notifications"),
            settings_link=public_url("account.settings"),
        )
    return mail.compose(
        to=recipient.email,
        subject=text_subject,
        body=body,
        locale=recipient.locale,
        message_id=row.message_id,
    )
