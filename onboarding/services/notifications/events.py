"""Writing event notifications: one outbox row per recipient, in the caller's transaction.

Called by the service that made the change, next to its audit row, so the notification
exists exactly when the change does (a rollback takes both). Nothing is sent here: a row the
recipient gets by email waits for the dispatcher (`services.reminders.delivery`); one they
get in the app only, or in their daily digest, is delivered to the app at once.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, update

from onboarding.db import rows_changed
from onboarding.extensions import db
from onboarding.models import Candidate, Reminder, User, utcnow
from onboarding.services.notifications.preferences import channels_for
from workflows.notifications import EVENTS_BY_KEY, Event


@dataclass(frozen=True)
class Applicant:
    """Someone without an account, told by email in the language they used."""

    email: str
    name: str
    locale: str


def notify(
    key: str,
    *,
    candidate: Candidate | None = None,
    actor: User | None = None,
    params: Mapping[str, Any] | None = None,
    people: Mapping[str, Iterable[User]] | None = None,
    applicant: Applicant | None = None,
    by_email: bool = True,
    now: datetime | None = None,
) -> list[Reminder]:
    """Notify the audience of event `key` (workflows/notifications.py). `people` names the
    recipients of the audiences only the caller knows (old_mentor, starter, requester,
    members); candidate, mentor and desk are read from `candidate`. The actor is never told;
    nothing that is not essential is written about a candidate who withdrew consent.
    `by_email=False` keeps it in the app (a throttled message). Returns the rows written."""
    event = EVENTS_BY_KEY[key]
    now = now or utcnow()
    if candidate is not None and candidate.erased_at is not None:
        return []
    # As with reminders (services.reminders.scheduling): while a candidate's consent is
    # withdrawn, only essential events about them are processed, for anyone.
    if candidate is not None and candidate.consent_withdrawn_at is not None and not event.essential:
        return []
    values: dict[str, Any] = dict(params or {})
    if candidate is not None:
        values.setdefault("candidate", candidate.name)
        values.setdefault("candidate_id", candidate.id)
    rows: list[Reminder] = []
    if applicant is not None and "applicant" in event.audience:
        rows.append(_row(event, values, now, audience="applicant", applicant=applicant))
    recipients = _recipients(event, candidate, actor, people or {})
    for audience in dict.fromkeys(audience for audience, _ in recipients):
        users = [user for a, user in recipients if a == audience]
        channels = channels_for([user.id for user in users], event.category)
        for user in users:
            channel = "email" if event.essential else channels[user.id]
            if channel == "email" and not by_email:
                channel = "app"
            rows.append(_row(event, values, now, audience=audience, user=user, channel=channel))
    db.session.add_all(rows)
    return rows


def _recipients(
    event: Event,
    candidate: Candidate | None,
    actor: User | None,
    people: Mapping[str, Iterable[User]],
) -> list[tuple[str, User]]:
    """(audience, person) pairs: each active person once, the actor never."""
    seen: set[int] = {actor.id} if actor is not None else set()
    pairs: list[tuple[str, User]] = []
    for audience in event.audience:
        for user in _audience(audience, candidate, people):
            if user is None or not user.active or user.id in seen:
                continue
            seen.add(user.id)
            pairs.append((audience, user))
    return pairs


def _audience(
    audience: str, candidate: Candidate | None, people: Mapping[str, Iterable[User]]
) -> Iterable[User | None]:
    if audience in people:
        return people[audience]
    if audience == "candidate" and candidate is not None:
        return [candidate.user]
    if audience == "mentor" and candidate is not None:
        return [candidate.mentor]
    if audience == "desk":
        return db.session.scalars(
            select(User).where(User.role == "staff", User.active.is_(True)).order_by(User.id)
        )
    return []


def _row(
    event: Event,
    params: dict[str, Any],
    now: datetime,
    *,
    audience: str,
    user: User | None = None,
    applicant: Applicant | None = None,
    channel: str = "email",
) -> Reminder:
    """One outbox row. By email: pending for the dispatcher. In the app only, or for the
    digest: delivered to the app now (the digest lists it later)."""
    delivered = channel != "email"
    return Reminder(
        kind="event",
        rule=event.key,
        candidate_id=params.get("candidate_id"),
        recipient=user,
        to_email=applicant.email if applicant else None,
        to_name=applicant.name if applicant else None,
        to_locale=applicant.locale if applicant else None,
        audience=audience,
        due_at=now,
        anchor=now.isoformat(),
        params=params,
        essential=event.essential,
        status="sent" if delivered else "pending",
        sent_at=now if delivered else None,
        delivery=channel if delivered else None,
        in_app_at=now if event.in_app and user is not None else None,
    )


def settle_in_app(until: datetime) -> int:
    """Event emails still waiting from `until` or before are left in the app only, never
    sent: for a past told after the fact (the demo's stories, when no dispatcher ran), so
    that the first dispatcher tick does not mail months-old news. Returns how many."""
    return rows_changed(
        update(Reminder)
        .where(
            Reminder.kind == "event",
            Reminder.status == "pending",
            Reminder.recipient_id.is_not(None),
            Reminder.due_at <= until,
        )
        .values(status="sent", sent_at=Reminder.due_at, delivery="app")
        .execution_options(synchronize_session=False)
    )
