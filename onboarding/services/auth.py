"""Passwords (Argon2id) and one-time invitation links that expire."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta
from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select, update

from onboarding.extensions import db
from onboarding.models import Invitation, User, utcnow
from onboarding.services import audit
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


def authenticate(email: str, password: str) -> User | None:
    user = db.session.scalars(select(User).where(User.email == email.strip().lower())).one_or_none()
    hasher = _hasher()
    stored = user.password_hash if user and user.password_hash else _dummy_hash(hasher)
    try:
        hasher.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return None
    if user is None or not user.password_hash or not user.active:
        return None
    if hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.last_login_at = utcnow()
    return user


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_invitation(user: User, created_by: User | None, now: datetime | None = None) -> str:
    """Add an invitation for `user` to the session (the caller commits), sent `now` (default:
    the current time); returns the token."""
    now = now or utcnow()
    token = secrets.token_urlsafe(32)
    hours = current_app.config["INVITATION_VALID_HOURS"]
    db.session.add(
        Invitation(
            user=user,
            token_hash=_digest(token),
            created_at=now,
            expires_at=now + timedelta(hours=hours),
            created_by_id=created_by.id if created_by else None,
        )
    )
    return token


def invitation_for(token: str, now: datetime | None = None) -> Invitation | None:
    """The invitation if it is still usable at `now`, else None (unknown, used or expired)."""
    invitation = db.session.scalars(
        select(Invitation).where(Invitation.token_hash == _digest(token))
    ).one_or_none()
    if (
        invitation is None
        or invitation.used_at is not None
        or invitation.expires_at < (now or utcnow())
    ):
        return None
    return invitation


def accept_invitation(token: str, password: str, locale: str, now: datetime | None = None) -> User:
    """Set the password once; a second use of the same link, or a late one, is refused."""
    now = now or utcnow()
    invitation = invitation_for(token, now)
    if invitation is None:
        raise Refused(_("This invitation link is invalid, expired or already used."))
    # Claim the invitation atomically so two submissions cannot both succeed.
    claimed = db.session.execute(
        update(Invitation)
        .where(Invitation.id == invitation.id, Invitation.used_at.is_(None))
        .values(used_at=now)
    ).rowcount
    if claimed != 1:
        raise Refused(_("This invitation link is invalid, expired or already used."))
    user = invitation.user
    user.password_hash = hash_password(password)
    user.locale = locale
    # Older invitations for the same person stop working too.
    db.session.execute(
        update(Invitation)
        .where(Invitation.user_id == user.id, Invitation.used_at.is_(None))
        .values(used_at=now)
    )
    if user.candidate is not None:
        audit.record(user.candidate, user, "invitation_accepted", at=now)
    return user
