"""A person's own settings."""

from sqlalchemy import or_, select

from onboarding.extensions import db
from onboarding.models import Candidate, User
from onboarding.services import account_events, reminders


def set_reminder_opt_out(user: User, opt_out: bool) -> None:
    """Store the choice and re-plan the reminders it affects, in one transaction."""
    user.reminders_opt_out = opt_out
    related = select(Candidate).where(
        or_(Candidate.user_id == user.id, Candidate.mentor_id == user.id)
    )
    for candidate in db.session.scalars(related):
        reminders.reschedule(candidate)


def update_profile(user: User, name: str, locale: str) -> None:
    """The person's own name and language; each change lands in the account audit log."""
    name = " ".join(name.split())
    if name != user.name:
        account_events.record("name_changed", user, detail=f"{user.name} → {name}")
        user.name = name
    if locale != user.locale:
        account_events.record("language_changed", user, detail=f"{user.locale} → {locale}")
        user.locale = locale
