"""The account audit log: one way to write what happened to an account, and to read it.

Most events belong to the change they describe and commit with it (`record`). A refused
attempt — a failed login, a throttled one — is answered with an error status, whose unit of
work rolls back; `record_refusal` writes those in a transaction of their own afterwards, so
the log keeps what an attacker tried.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask import has_request_context, request
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import Select, select
from sqlalchemy.orm import joinedload

from onboarding.db import after_rollback, transaction
from onboarding.extensions import db
from onboarding.metrics import ACCOUNT_REFUSALS
from onboarding.models import AccountEvent, User, utcnow
from onboarding.vocabulary import ACCOUNT_EVENT_KINDS

DETAIL_LENGTH = 300
ADDRESS_LENGTH = 45


def _address() -> str | None:
    if not has_request_context():
        return None
    return (request.remote_addr or "")[:ADDRESS_LENGTH] or None


def _clip(detail: str | None) -> str | None:
    if detail is None:
        return None
    detail = " ".join(detail.split())
    return detail if len(detail) <= DETAIL_LENGTH else detail[: DETAIL_LENGTH - 1] + "…"


def record(
    kind: str,
    user: User | None,
    actor: User | None = None,
    *,
    detail: str | None = None,
    at: datetime | None = None,
) -> AccountEvent:
    """Add one event about `user`'s account, done by `actor` (default: the person themself),
    to the current unit of work. `detail` is never a secret (no password, token or code)."""
    if kind not in ACCOUNT_EVENT_KINDS:
        raise ValueError(f"unknown account event {kind!r}")
    if actor is None:
        actor = user
    event = AccountEvent(
        kind=kind,
        user_id=user.id if user is not None else None,
        actor_id=actor.id if actor is not None else None,
        detail=_clip(detail),
        address=_address(),
        at=at or utcnow(),
    )
    db.session.add(event)
    return event


def record_refusal(kind: str, user_id: int | None, *, detail: str | None = None) -> None:
    """Record an event that must stay even though the request is answered with an error
    (and so rolls back): it is written in its own transaction after that rollback."""
    if kind not in ACCOUNT_EVENT_KINDS:
        raise ValueError(f"unknown account event {kind!r}")
    address, at, detail = _address(), utcnow(), _clip(detail)
    ACCOUNT_REFUSALS.labels(kind).inc()

    def write() -> None:
        with transaction():
            db.session.add(
                AccountEvent(
                    kind=kind,
                    user_id=user_id,
                    actor_id=user_id,
                    detail=detail,
                    address=address,
                    at=at,
                )
            )

    after_rollback(write)


@dataclass(frozen=True)
class EventFilter:
    kind: str | None = None
    person: str | None = None  # part of the account's name or email
    user_id: int | None = None  # one account's events


def _statement(filters: EventFilter) -> Select[AccountEvent]:
    statement = (
        select(AccountEvent)
        .options(joinedload(AccountEvent.user), joinedload(AccountEvent.actor))
        .order_by(AccountEvent.at.desc(), AccountEvent.id.desc())
    )
    if filters.kind:
        statement = statement.where(AccountEvent.kind == filters.kind)
    if filters.user_id is not None:
        statement = statement.where(AccountEvent.user_id == filters.user_id)
    if filters.person:
        pattern = f"%{filters.person.lower()}%"
        statement = statement.join(User, User.id == AccountEvent.user_id).where(
            (db.func.lower(User.name).like(pattern)) | (User.email.like(pattern))
        )
    return statement


def events(filters: EventFilter, *, limit: int = 50, offset: int = 0) -> list[AccountEvent]:
    """The newest events first, filtered by kind and by the person concerned (with the
    account and the actor loaded)."""
    return list(db.session.scalars(_statement(filters).limit(limit).offset(offset)))


def events_page(filters: EventFilter, page: int, per_page: int) -> Pagination:
    """One page of `events`, for the desk's account audit log."""
    return db.paginate(_statement(filters), page=max(page, 1), per_page=per_page, error_out=False)
