"""How each person wants each kind of event: email and app, app only, or a daily digest."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select

from onboarding.extensions import db
from onboarding.models import NotificationPreference
from workflows.notifications import DEFAULT_CHANNEL


def channels_for(user_ids: Iterable[int], category: str) -> dict[int, str]:
    """Each person's channel for `category` (the default where they chose none), in one query."""
    ids = list(user_ids)
    chosen: dict[int, str] = {}
    if ids:
        chosen = dict(
            db.session.execute(
                select(NotificationPreference.user_id, NotificationPreference.channel).where(
                    NotificationPreference.user_id.in_(ids),
                    NotificationPreference.category == category,
                )
            ).all()
        )
    return {user_id: chosen.get(user_id, DEFAULT_CHANNEL) for user_id in ids}
