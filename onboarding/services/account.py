"""A person's own settings."""

from sqlalchemy import or_, select

from onboarding.extensions import db
from onboarding.models import Candidate, User
from onboarding.services import reminders


def set_reminder_opt_out(user: User, opt_out: bool) -> None:
    """Store the choice and re-plan the reminders it affects, in one transaction."""
    user.reminders_opt_out = opt_out
    related = select(Candidate).where(
        or_(Candidate.user_id == user.id, Candidate.mentor_id == user.id)
    )
    for candidate in db.session.scalars(related):
        reminders.reschedule(candidate)
