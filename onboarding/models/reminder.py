"""Durable reminders: one row per message to one person, claimed with a lease to send."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from onboarding.models.base import Base, UTCDateTime, utcnow
from onboarding.models.user import User, _in
from onboarding.vocabulary import REMINDER_STATUSES
from workflows.reminders import RULES_BY_KEY

if TYPE_CHECKING:  # resolved by SQLAlchemy at run time; imported for the type checker only
    from onboarding.models.candidate import Candidate


class Reminder(Base):
    __tablename__ = "reminders"
    __table_args__ = (
        CheckConstraint(_in("status", REMINDER_STATUSES), name="status_allowed"),
        # The dispatcher's claim query: due pending rows and expired leases.
        Index("ix_reminders_status_due", "status", "due_at"),
        Index("ix_reminders_candidate_status", "candidate_id", "status"),
        Index("ix_reminders_recipient_status", "recipient_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    rule: Mapped[str] = mapped_column(String(40))
    occurrence: Mapped[int] = mapped_column(Integer, default=1)
    candidate_id: Mapped[int] = mapped_column(ForeignKey("candidates.id", ondelete="CASCADE"))
    recipient_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
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
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    recipient: Mapped[User] = relationship()
    candidate: Mapped[Candidate] = relationship()

    @property
    def grace(self) -> timedelta | None:
        """How late its rule lets it be sent (None for a rule that no longer exists)."""
        rule = RULES_BY_KEY.get(self.rule)
        return rule.grace if rule else None

    @property
    def message_id(self) -> str:
        """Stable across resends, so a rare duplicate after a crash is recognisable."""
        return f"<reminder-{self.id}@onthaal.local>"


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
