"""People who log in: candidates, mentors and welcome-desk staff, and their invitations."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from flask_login import UserMixin
from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Index, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from onboarding.models.base import Base, UTCDateTime, utcnow

if TYPE_CHECKING:  # resolved by SQLAlchemy at run time; imported for the type checker only
    from onboarding.models.candidate import Candidate
    from onboarding.models.company import Company
    from onboarding.models.partner import Partner
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
        # A company contact belongs to one company, a partner contact to one partner; no
        # one else to either.
        CheckConstraint("(role = 'company') = (company_id IS NOT NULL)", name="company_contact"),
        CheckConstraint("(role = 'partner') = (partner_id IS NOT NULL)", name="partner_contact"),
        # The desk's list of people, by name (migration 0021). PostgreSQL only: SQLite cannot
        # reflect an index on an expression, which autogenerate would then report missing.
        Index("ix_users_name_order", text("lower(name)"), "id").ddl_if(dialect="postgresql"),
        # The board's mentor list: the few mentors among many accounts, by name.
        Index("ix_users_role_name", "role", "name"),
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
    # Secret part of the person's private calendar feed URL; reset gives a new one.
    calendar_token: Mapped[str | None] = mapped_column(String(64), unique=True)
    # Sessions carry the generation they were opened in; raising it (logout, password change,
    # reset, deactivation) ends every open session of the person at their next request.
    session_generation: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    password_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Two-factor authentication (TOTP): the shared secret, set when the person turns it on;
    # the last time step used, so one code cannot be used twice.
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    totp_enabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    totp_last_step: Mapped[int | None] = mapped_column(Integer)
    company_id: Mapped[int | None] = mapped_column(
        ForeignKey("companies.id", ondelete="RESTRICT"), index=True
    )
    partner_id: Mapped[int | None] = mapped_column(
        # partners.reviewed_by_id points back at users: this one is added after both tables.
        ForeignKey("partners.id", ondelete="RESTRICT", use_alter=True),
        index=True,
    )

    candidate: Mapped[Candidate | None] = relationship(
        back_populates="user", foreign_keys="Candidate.user_id", uselist=False
    )
    company: Mapped[Company | None] = relationship(foreign_keys=[company_id])
    partner: Mapped[Partner | None] = relationship(foreign_keys=[partner_id])

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


# sign_in: a company contact's emailed sign-in link (they have no password).
LINK_PURPOSES = ("invitation", "reset", "sign_in")


class Invitation(Base):
    """A one-time link that lets a person choose a password: an invitation to a new account,
    or a reset after a forgotten password. Only its hash is kept."""

    __tablename__ = "invitations"
    __table_args__ = (CheckConstraint(_in("purpose", LINK_PURPOSES), name="purpose_allowed"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    purpose: Mapped[str] = mapped_column(
        String(20), default="invitation", server_default="invitation"
    )

    user: Mapped[User] = relationship(foreign_keys=[user_id])


class RecoveryCode(Base):
    """A single-use code that stands in for a two-factor code; only its hash is kept."""

    __tablename__ = "recovery_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class AccountEvent(Base):
    """The account audit log: logins, failures, throttles, resets, password and 2FA changes,
    invitations, deactivations, role and email changes. `user` is the account concerned
    (None for a failed login with an unknown address), `actor` who did it."""

    __tablename__ = "account_events"
    __table_args__ = (Index("ix_account_events_user_at", "user_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(String(40), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    address: Mapped[str | None] = mapped_column(String(45))  # the client's IP address
    detail: Mapped[str | None] = mapped_column(String(300))

    user: Mapped[User | None] = relationship(foreign_keys=[user_id])
    actor: Mapped[User | None] = relationship(foreign_keys=[actor_id])
