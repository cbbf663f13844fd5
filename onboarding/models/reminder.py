"""The durable outbox: one row per message to one person, claimed with a lease to send.

A row is a reminder (planned from `workflows/reminders.py`, due later), an event
notification (`workflows/notifications.py`, due when it is written, in the transaction of
the change) or a daily digest listing the notifications a person chose to get that way.
Reminders and notifications share the dispatcher, its lease, retries and Message-ID."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from onboarding.models.base import Base, UTCDateTime, utcnow
from onboarding.models.user import User, _in
from onboarding.vocabulary import REMINDER_STATUSES
from workflows.notifications import CHANNELS
from workflows.reminders import RULES_BY_KEY

OUTBOX_KINDS = ("reminder", "event", "digest")

if TYPE_CHECKING:  # resolved by SQLAlchemy at run time; imported for the type checker only
    from onboarding.models.candidate import Candidate


class Reminder(Base):
    __tablename__ = "reminders"
    __table_args__ = (
        CheckConstraint(_in("status", REMINDER_STATUSES), name="status_allowed"),
        CheckConstraint(_in("kind", OUTBOX_KINDS), name="kind_allowed"),
        CheckConstraint(
            f"delivery IS NULL OR {_in('delivery', CHANNELS)}", name="delivery_allowed"
        ),
        # A person with an account, or (an applicant) an address and a language.
        CheckConstraint(
            "recipient_id IS NOT NULL OR (to_email IS NOT NULL AND to_locale IS NOT NULL)",
            name="has_recipient",
        ),
        # The dispatcher's claim query (due pending rows, expired leases) and the desk's
        # queue in its order: per status by due time, sent and cancelled rows by when.
        Index("ix_reminders_queue", "status", "due_at", "id"),
        Index("ix_reminders_sent", "status", "sent_at", "id"),
        Index("ix_reminders_cancelled", "status", "cancelled_at", "id"),
        Index("ix_reminders_candidate_status", "candidate_id", "status"),
        Index("ix_reminders_recipient_status", "recipient_id", "status"),
        # A person's in-app notifications, newest first, and their unread count.
        Index("ix_reminders_recipient_in_app", "recipient_id", "in_app_at"),
        Index("ix_reminders_digest_id", "digest_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20), default="reminder", server_default="reminder")
    # The reminder rule, the event's key, or "digest".
    rule: Mapped[str] = mapped_column(String(40))
    occurrence: Mapped[int] = mapped_column(Integer, default=1)
    candidate_id: Mapped[int | None] = mapped_column(
        ForeignKey("candidates.id", ondelete="CASCADE")
    )
    recipient_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    # Someone without an account (a partner applicant): by email only, in this language.
    to_email: Mapped[str | None] = mapped_column(String(254))
    to_name: Mapped[str | None] = mapped_column(String(200))
    to_locale: Mapped[str | None] = mapped_column(String(5))
    # Which of the event's audiences the recipient is in (picks the link to their page).
    audience: Mapped[str | None] = mapped_column(String(20))
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    anchor: Mapped[str] = mapped_column(String(40))  # ISO date or datetime the rule counts from
    params: Mapped[dict] = mapped_column(JSON, default=dict)
    essential: Mapped[bool] = mapped_column(default=True)
    status: Mapped[str] = mapped_column(String(20), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    claimed_by: Mapped[str | None] = mapped_column(String(80))
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Since when the recipient sees it in the app (an event: at once; a reminder: once sent).
    in_app_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # How it reached the recipient: email (and app), app only, or listed in a digest.
    delivery: Mapped[str | None] = mapped_column(String(10))
    digest_id: Mapped[int | None] = mapped_column(ForeignKey("reminders.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    recipient: Mapped[User | None] = relationship()
    candidate: Mapped[Candidate | None] = relationship()

    @property
    def grace(self) -> timedelta | None:
        """How late its rule lets it be sent (None for a rule that no longer exists)."""
        rule = RULES_BY_KEY.get(self.rule)
        return rule.grace if rule else None

    @property
    def message_id(self) -> str:
        """Stable across resends, so a rare duplicate after a crash is recognisable."""
        prefix = "reminder" if self.kind == "reminder" else "notification"
        return f"<{prefix}-{self.id}@onthaal.local>"


class NotificationPreference(Base):
    """How a person wants one kind of event (workflows/notifications.py CATEGORIES); a
    kind without a row gets the default (email and app)."""

    __tablename__ = "notification_preferences"
    __table_args__ = (CheckConstraint(_in("channel", CHANNELS), name="channel_allowed"),)

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    category: Mapped[str] = mapped_column(String(20), primary_key=True)
    channel: Mapped[str] = mapped_column(String(10))


class MailServerStatus(Base):
    """Whether the dispatcher could reach the mail server, kept for the desk's banner: one
    row per server name ("smtp"), written only when that changes or while it is down."""

    __tablename__ = "mail_server_status"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    down_since: Mapped[datetime | None] = mapped_column(UTCDateTime)  # None: reachable
    last_failure_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    failures: Mapped[int] = mapped_column(Integer, default=0)  # tries since down_since
    last_error: Mapped[str | None] = mapped_column(Text)
    recovered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class OutboxCount(Base):
    """Changes to the number of outbox rows per kind and status: the database's triggers
    append +1 and -1 rows in the transaction of every change (migration 0019), so that the
    queue's tabs and pager sum a few rows instead of counting the whole outbox. Inserts only:
    concurrent changes never wait for one another; the worker folds the rows together
    (`onboarding.db.fold_counts`)."""

    __tablename__ = "outbox_counts"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20))
    delta: Mapped[int] = mapped_column(Integer)
