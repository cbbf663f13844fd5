"""Passwords (Argon2id) and one-time links that expire: invitations to a new account and
password resets share one mechanism (`Invitation` rows with a purpose; only a hash is kept)."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from email_validator import EmailNotValidError, validate_email
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select, update

from onboarding.db import count_of, end_read, flush_unique, rows_changed
from onboarding.extensions import db
from onboarding.models import LOCALES, Invitation, Partner, User, utcnow
from onboarding.rules import is_plain_name
from onboarding.services import account_events, audit, sessions
from onboarding.services.errors import Refused


@lru_cache(maxsize=4)
def _hasher_for(params: tuple) -> PasswordHasher:
    return PasswordHasher(**dict(params))


def _hasher() -> PasswordHasher:
    # Argon2id with the library's defaults; the test suite lowers the cost via config.
    return _hasher_for(tuple(sorted(current_app.config.get("PASSWORD_HASH_PARAMS", {}).items())))


@lru_cache(maxsize=4)
def _dummy_hash(hasher: PasswordHasher) -> str:
    # Verified against when the email is unknown, so both paths take as long.
    return hasher.hash("not-a-real-password")


def hash_password(password: str) -> str:
    return _hasher().hash(password)


@dataclass(frozen=True)
class Attempt:
    """A login attempt's outcome: `user` when email and password are right (and the account
    may log in), `account_id` of the account the email names, if any (for the audit log)."""

    user: User | None
    account_id: int | None


def authenticate(email: str, password: str) -> Attempt:
    """Check an email and password (both outcomes take as long; an unknown address is
    checked against a dummy hash).

    The hash is checked with no transaction open (`end_read`): Argon2 is slow on purpose,
    and on SQLite a login's transaction would otherwise hold the write lock meanwhile."""
    user = db.session.scalars(select(User).where(User.email == email.strip().lower())).one_or_none()
    hasher = _hasher()
    stored = user.password_hash if user and user.password_hash else _dummy_hash(hasher)
    may_log_in = user is not None and bool(user.password_hash) and user.active
    user_id = user.id if user is not None else None
    end_read()
    try:
        hasher.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return Attempt(None, user_id)
    if not may_log_in or user_id is None:
        return Attempt(None, user_id)
    rehashed = hash_password(password) if hasher.check_needs_rehash(stored) else None
    user = db.session.get(User, user_id)
    if user is None:
        return Attempt(None, None)
    if rehashed is not None:
        user.password_hash = rehashed
    return Attempt(user, user_id)


def password_matches(user: User, password: str) -> bool:
    """Whether `password` is `user`'s current one (the hash is checked outside a read)."""
    stored = user.password_hash
    end_read()
    if not stored:
        return False
    try:
        return _hasher().verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False


def set_password(user: User, password_hash: str, *, actor: User | None, kind: str) -> None:
    """Store a new password hash and end every open session of the person (the caller
    signs the current one in again if it should go on)."""
    user.password_hash = password_hash
    user.password_changed_at = utcnow()
    sessions.end_all(user)
    account_events.record(kind, user, actor)


def change_password(user: User, current: str, new: str) -> None:
    """The signed-in person's own change: the current password first."""
    if not password_matches(user, current):
        raise Refused(_("Your current password is not correct."))
    set_password(user, hash_password(new), actor=user, kind="password_changed")


def email_taken(email: str, *, other_than: int | None = None) -> bool:
    """Whether an account (other than `other_than`'s) has this address (stored lower case)."""
    statement = select(func.count(User.id)).where(User.email == email)
    if other_than is not None:
        statement = statement.where(User.id != other_than)
    return count_of(statement) > 0


def email_taken_message() -> str:
    return _("A person with this email address is already registered.")


def checked_identity(email: str, name: str, locale: str) -> tuple[str, str]:
    """A new account's email address and name as stored (lower case, single spaces), or
    Refused with what is wrong: a language we do not speak, a name with symbols, an invalid
    or already registered address. The command line and the desk's People area use it."""
    email = email.strip().lower()
    name = " ".join(name.split())
    if locale not in LOCALES:
        raise Refused(
            _("Choose one of the languages: %(languages)s.", languages=", ".join(LOCALES))
        )
    if not name or not is_plain_name(name):
        raise Refused(_("A name may only contain letters, spaces, hyphens, apostrophes and dots."))
    try:
        validate_email(email, check_deliverability=False)
    except EmailNotValidError as error:
        raise Refused(_("Enter a valid email address.")) from error
    if email_taken(email):
        raise Refused(email_taken_message())
    return email, name


def new_account(
    email: str,
    name: str,
    locale: str,
    role: str,
    *,
    created_by: User | None,
    mentor_capacity: int | None = None,
    partner: Partner | None = None,
) -> tuple[User, str]:
    """An account without a password, and a one-time link to choose one (the same expiring
    invitation a candidate gets): no password is ever chosen for someone else. A partner
    contact's account names its organisation."""
    email, name = checked_identity(email, name, locale)
    user = User(
        email=email,
        name=name,
        role=role,
        locale=locale,
        mentor_capacity=mentor_capacity,
        partner=partner,
    )
    db.session.add(user)
    flush_unique(email_taken_message())
    return user, new_invitation(user, created_by=created_by)


def create_staff_account(email: str, name: str, locale: str = "nl") -> tuple[User, str]:
    """A welcome-desk account and its invitation link, for the command line: no password
    ever passes a command line."""
    return new_account(email, name, locale, "staff", created_by=None)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _valid_for(purpose: str) -> timedelta:
    if purpose == "reset":
        return timedelta(minutes=current_app.config["RESET_LINK_VALID_MINUTES"])
    if purpose == "sign_in":
        return timedelta(minutes=current_app.config["SIGN_IN_LINK_VALID_MINUTES"])
    return timedelta(hours=current_app.config["INVITATION_VALID_HOURS"])


def new_invitation(
    user: User,
    created_by: User | None,
    now: datetime | None = None,
    *,
    purpose: str = "invitation",
) -> str:
    """Add a one-time link for `user` to the session (the caller commits), made `now`
    (default: the current time): an invitation, or a password reset; returns the token.

    Only the newest link works: every earlier link of the person that is still open expires
    now (a resent invitation must not leave a forwarded or mistyped one usable)."""
    now = now or utcnow()
    token = secrets.token_urlsafe(32)
    if user.id is not None:
        expire_links(user, now)
    db.session.add(
        Invitation(
            user=user,
            token_hash=_digest(token),
            created_at=now,
            expires_at=now + _valid_for(purpose),
            created_by_id=created_by.id if created_by else None,
            purpose=purpose,
        )
    )
    return token


def invitation_for(
    token: str, now: datetime | None = None, *, purpose: str = "invitation"
) -> Invitation | None:
    """The link if it is still usable at `now` for `purpose`, else None (unknown, used,
    expired, or made for the other purpose)."""
    if len(token) > 100:
        return None
    invitation = db.session.scalars(
        select(Invitation).where(
            Invitation.token_hash == _digest(token), Invitation.purpose == purpose
        )
    ).one_or_none()
    if (
        invitation is None
        or invitation.used_at is not None
        or invitation.expires_at <= (now or utcnow())
    ):
        return None
    return invitation


def claim_link(token: str, purpose: str, now: datetime) -> Invitation:
    """Use a one-time link for `purpose` at `now`: atomically, so that two submissions
    cannot both succeed. Refused if it is unknown, used, expired or for another purpose."""
    invitation = invitation_for(token, now, purpose=purpose)
    if invitation is None:
        raise Refused(_("This link is invalid, expired or already used."))
    claimed = rows_changed(
        update(Invitation)
        .where(Invitation.id == invitation.id, Invitation.used_at.is_(None))
        .values(used_at=now)
    )
    if claimed != 1:
        raise Refused(_("This link is invalid, expired or already used."))
    return invitation


def expire_links(user: User, now: datetime | None = None) -> None:
    """Every open link of the person stops working (a deactivated account)."""
    now = now or utcnow()
    db.session.execute(
        update(Invitation)
        .where(
            Invitation.user_id == user.id,
            Invitation.used_at.is_(None),
            Invitation.expires_at > now,
        )
        .values(expires_at=now)
        .execution_options(synchronize_session=False)
    )


def _use_link(token: str, password: str, purpose: str, now: datetime) -> User:
    """Claim a one-time link and set the password it was made for; every other open link of
    the person stops working. The password is hashed first, with no transaction open."""
    end_read()
    password_hash = hash_password(password)
    invitation = claim_link(token, purpose, now)
    user = invitation.user
    db.session.execute(
        update(Invitation)
        .where(Invitation.user_id == user.id, Invitation.used_at.is_(None))
        .values(used_at=now)
    )
    kind = "reset_used" if purpose == "reset" else "invitation_accepted"
    set_password(user, password_hash, actor=user, kind=kind)
    return user


def accept_invitation(token: str, password: str, locale: str, now: datetime | None = None) -> User:
    """Set the password once; a second use of the same link, or a late one, is refused."""
    now = now or utcnow()
    user = _use_link(token, password, "invitation", now)
    user.locale = locale
    if user.candidate is not None:
        audit.record(user.candidate, user, "invitation_accepted", at=now)
    return user


def reset_password(token: str, password: str, now: datetime | None = None) -> User:
    """Set a new password with a reset link (once, before it expires); every open session
    of the person ends."""
    user = _use_link(token, password, "reset", now or utcnow())
    if not user.active:
        raise Refused(_("This link is invalid, expired or already used."))
    return user
