"""One-time form tokens: a form sent twice in quick succession is done once.

A form that must not be done twice (a meeting, a placement, a registration, a partner
application) carries a random token in a hidden field. The first submit that gets through
stores the token's hash with the address its answer went to, in the same transaction as
the work itself; a later submit of the same form gets that answer again. The unique key
decides a race: on PostgreSQL the second insert waits for the first transaction and then
fails; SQLite serialises writers, so the second submit already sees the first one's row.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError

from onboarding.db import rows_changed
from onboarding.extensions import db
from onboarding.models import FormToken, utcnow

# Long enough for a page left open over a weekend; a token older than that may be purged.
KEEP = timedelta(days=7)


def token_hash(form_name: str, token: str) -> str:
    return hashlib.sha256(f"{form_name}:{token}".encode()).hexdigest()


def earlier_result(form_name: str, token: str) -> str | None:
    """Where the answer to an earlier submit of this form went, if there was one."""
    if not token:
        return None
    return db.session.scalar(
        select(FormToken.result).where(FormToken.token_hash == token_hash(form_name, token))
    )


def claim(form_name: str, token: str) -> str | None:
    """Take the token before doing the form's work. None: go ahead (and `finish` later).
    Otherwise a concurrent submit of the same form has just been done: its answer."""
    if not token:
        return None
    digest = token_hash(form_name, token)
    try:
        with db.session.begin_nested():
            db.session.add(FormToken(token_hash=digest, result=""))
    except IntegrityError:
        return earlier_result(form_name, token) or ""
    return None


def finish(form_name: str, token: str, result: str) -> None:
    """Record where the answer went, for a later submit of the same form."""
    if token:
        db.session.execute(
            update(FormToken)
            .where(FormToken.token_hash == token_hash(form_name, token))
            .values(result=result[:300])
        )


def purge(now: datetime | None = None) -> int:
    """Forget tokens older than KEEP (a form sent again after that is done again)."""
    cutoff = (now or utcnow()) - KEEP
    return rows_changed(delete(FormToken).where(FormToken.created_at < cutoff))
