"""How each person wants each kind of event: email and app, app only, or a daily digest.

A kind without a row gets the default (`DEFAULT_CHANNEL`, email and app). Essential events
and reminders (deadlines, password reset links, a data copy) ignore the choice: they always
come by email too. Reminders are planned ahead, so the dispatcher reads the "reminders"
choice when one goes out (`services.reminders.delivery`)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from flask_babel import gettext
from sqlalchemy import delete, select

from onboarding.extensions import db
from onboarding.models import NotificationPreference, User
from onboarding.services.errors import Refused
from workflows.notifications import CHANNELS, DEFAULT_CHANNEL, categories_for


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


def preferences_of(user: User) -> dict[str, str]:
    """{category: channel} for every kind of event the person's role concerns, in the order
    the settings page lists them."""
    chosen = dict(
        db.session.execute(
            select(NotificationPreference.category, NotificationPreference.channel).where(
                NotificationPreference.user_id == user.id
            )
        ).all()
    )
    return {
        category: chosen.get(category, DEFAULT_CHANNEL) for category in categories_for(user.role)
    }


def save(user: User, choices: Mapping[str, str]) -> None:
    """Store the person's choices ({category: channel}); every category must be one of
    their role's and every channel a known one, else Refused and nothing changes. A choice
    equal to the default is stored as no row."""
    allowed = categories_for(user.role)
    unknown = [category for category in choices if category not in allowed]
    bad = [category for category, channel in choices.items() if channel not in CHANNELS]
    if unknown or bad:
        raise Refused(
            gettext("Your notification settings could not be saved."),
            [gettext("Choose one of the options for every kind of notification.")],
        )
    current = preferences_of(user)
    for category, channel in choices.items():
        if current.get(category) == channel:
            continue
        db.session.execute(
            delete(NotificationPreference).where(
                NotificationPreference.user_id == user.id,
                NotificationPreference.category == category,
            )
        )
        if channel != DEFAULT_CHANNEL:
            db.session.add(
                NotificationPreference(user_id=user.id, category=category, channel=channel)
            )
    db.session.flush()


def forget(user: User) -> None:
    """Delete every preference of the person (their erasure)."""
    db.session.execute(
        delete(NotificationPreference).where(NotificationPreference.user_id == user.id)
    )
