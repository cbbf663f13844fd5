"""The one way to write a candidate's audit row (their history), for every kind of change."""

from __future__ import annotations

from datetime import datetime

from onboarding.extensions import db
from onboarding.models import AuditEvent, Candidate, User, utcnow

DETAIL_LENGTH = 300  # the column's size: a long company name plus title is cut, not refused


def record(
    candidate: Candidate,
    actor: User | None,
    action: str,
    *,
    from_phase: str | None = None,
    to_phase: str | None = None,
    reason: str | None = None,
    detail: str | None = None,
    at: datetime | None = None,
) -> AuditEvent:
    """Add one audit row for `candidate` (in its current phase unless told otherwise), dated
    `at` (default: now)."""
    if detail is not None and len(detail) > DETAIL_LENGTH:
        detail = detail[: DETAIL_LENGTH - 1] + "…"
    event = AuditEvent(
        candidate_id=candidate.id,
        actor_id=actor.id if actor is not None else None,
        action=action,
        from_phase=from_phase or candidate.phase,
        to_phase=to_phase or candidate.phase,
        reason=(reason or "").strip() or None,
        detail=detail,
        at=at or utcnow(),
    )
    db.session.add(event)
    return event
