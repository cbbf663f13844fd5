"""A person's own settings."""

from onboarding.models import User
from onboarding.services import account_events


def update_profile(user: User, name: str, locale: str) -> None:
    """The person's own name and language; each change lands in the account audit log."""
    name = " ".join(name.split())
    if name != user.name:
        account_events.record("name_changed", user, detail=f"{user.name} → {name}")
        user.name = name
    if locale != user.locale:
        account_events.record("language_changed", user, detail=f"{user.locale} → {locale}")
        user.locale = locale
