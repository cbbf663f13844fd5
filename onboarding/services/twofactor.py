"""Two-factor authentication: time-based one-time codes (TOTP, RFC 6238, with pyotp) from an
authenticator app, and single-use recovery codes for a lost phone.

Turning it on is a two-step affair: the page shows a new secret (as a QR code drawn on the
server with segno, and as text); it is stored only once the person proves their app has it by
typing a code. Each time step is accepted once (`totp_last_step`), so a code seen over a
shoulder cannot be used again. Recovery codes are kept as hashes and shown only when made.
Welcome-desk staff must use it when ONTHAAL_STAFF_2FA=required.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime

import pyotp
import segno
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import delete, or_, select, update

from onboarding.db import rows_changed
from onboarding.extensions import db
from onboarding.models import RecoveryCode, User, utcnow
from onboarding.services import account_events
from onboarding.services.errors import Refused

ISSUER = "Onthaal"
RECOVERY_CODES = 10
DRIFT_STEPS = 1  # accept the code before and after the current one (clocks drift)


def required_for(user: User) -> bool:
    return user.role == "staff" and current_app.config["STAFF_2FA"] == "required"


def enabled(user: User) -> bool:
    return user.totp_enabled_at is not None and bool(user.totp_secret)


def new_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(user: User, secret: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=ISSUER)


def qr_data_uri(user: User, secret: str) -> str:
    """The QR code an authenticator app scans, as an SVG data URI (no script, no request)."""
    return segno.make(provisioning_uri(user, secret), error="m").svg_data_uri(scale=5, border=2)


def _digits(code: str) -> str:
    return "".join(code.split())


def _matching_step(secret: str, code: str, now: datetime) -> int | None:
    """The time step `code` belongs to (within the drift allowed), or None."""
    code = _digits(code)
    if not (code.isdigit() and len(code) == 6):
        return None
    totp = pyotp.TOTP(secret)
    current = totp.timecode(now)
    for step in range(current - DRIFT_STEPS, current + DRIFT_STEPS + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def _hash_code(code: str) -> str:
    return hashlib.sha256(code.replace("-", "").strip().lower().encode()).hexdigest()


def _new_recovery_codes(user: User) -> list[str]:
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = [f"{secrets.token_hex(3)}-{secrets.token_hex(3)}" for _ in range(RECOVERY_CODES)]
    db.session.add_all(RecoveryCode(user_id=user.id, code_hash=_hash_code(c)) for c in codes)
    return codes


def enable(user: User, secret: str, code: str, now: datetime | None = None) -> list[str]:
    """Turn two-factor on with `secret` once `code` proves the app has it; returns the new
    recovery codes (shown once)."""
    now = now or utcnow()
    step = _matching_step(secret, code, now)
    if step is None:
        raise Refused(_("This code is not correct. Type the 6 digits your app shows now."))
    user.totp_secret = secret
    user.totp_enabled_at = now
    user.totp_last_step = step
    account_events.record("two_factor_enabled", user)
    return _new_recovery_codes(user)


def disable(user: User) -> None:
    if required_for(user):
        raise Refused(_("Two-factor authentication is required for welcome-desk accounts."))
    user.totp_secret = None
    user.totp_enabled_at = None
    user.totp_last_step = None
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    account_events.record("two_factor_disabled", user)


def new_recovery_codes(user: User) -> list[str]:
    if not enabled(user):
        raise Refused(_("Turn on two-factor authentication first."))
    return _new_recovery_codes(user)


def recovery_codes_left(user: User) -> int:
    return len(
        db.session.scalars(
            select(RecoveryCode.id).where(
                RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None)
            )
        ).all()
    )


def verify(user: User, code: str, now: datetime | None = None) -> bool:
    """Whether `code` — an app's code not used before, or an unused recovery code — proves
    the second factor; a code is used up by this (atomically: two requests cannot both use
    it)."""
    now = now or utcnow()
    if not enabled(user) or not code or len(code) > 20:
        return False
    step = _matching_step(user.totp_secret or "", code, now)
    if step is not None:
        return (
            rows_changed(
                update(User)
                .where(
                    User.id == user.id,
                    or_(User.totp_last_step.is_(None), User.totp_last_step < step),
                )
                .values(totp_last_step=step)
                .execution_options(synchronize_session=False)
            )
            == 1
        )
    used = rows_changed(
        update(RecoveryCode)
        .where(
            RecoveryCode.user_id == user.id,
            RecoveryCode.code_hash == _hash_code(code),
            RecoveryCode.used_at.is_(None),
        )
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    if used == 1:
        account_events.record("recovery_code_used", user)
        return True
    return False
