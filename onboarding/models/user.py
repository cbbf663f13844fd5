"""People who log in: candidates, mentors and welcome-desk staff, and their invitations."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from flask_login import UserMixin
from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from onboarding.models.base import Base, UTCDateTime, utcnow

if TYPE_CHECKING:  # resolved by SQLAlchemy at run time; imported for the type checker only
    from onboarding.models.candidate import Candidate
from workflows.onboarding import DEFAULT_MENTOR_CAPACITY, ROLES

LOCALES = ("nl", "af", "en")


def _in(column: str, values) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class User(UserMixin, Base):
    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint(_in("role", ROLES), name="role_allowed"),
        CheckConstraint(_in("locale", LOCALES), name="locale_allowed"),
        CheckConstraint("email = lower(email)", name="email_lowercase"),
        CheckConstraint("mentor_capacity IS NULL OR mentor_capacity >= 0", name="capacity"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    password_hash: Mapped[str | None] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(20))
    locale: Mapped[str] = mapped_column(String(5), default="en")
    mentor_capacity: Mapped[int | None] = mapped_column(Integer)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Non-essential reminders can be turned off; deadline reminders always go out.
    reminders_opt_out: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    # Secret part of the person's private calendar feed URL; reset gives a new one.
    calendar_token: Mapped[str | None] = mapped_column(String(64), unique=True)

    candidate: Mapped[Candidate | None] = relationship(
        back_populates="user", foreign_keys="Candidate.user_id", uselist=False
    )

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive accounts
        return self.active

    @property
    def capacity(self) -> int:
        if self.mentor_capacity is None:
            return DEFAULT_MENTOR_CAPACITY
        return self.mentor_capacity

    def __repr__(self) -> str:
        return f"<User {self.id} {self.role}>"


class Invitation(Base):
    """A one-time link that lets a candidate set their password; only its hash is kept."""

    __tablename__ = "invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    user: Mapped[User] = relationship(foreign_keys=[user_id])
