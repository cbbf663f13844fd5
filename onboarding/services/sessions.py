"""Server-side ends to sessions.

Flask's session is a signed cookie that the server cannot take back, so each session carries
the account's `session_generation` from when it was opened, and the user loader refuses a
session whose generation is no longer the account's. Raising the generation ends every open
session of the person at their next request: at logout, password change or reset,
deactivation and a change of role or email address.
"""

from __future__ import annotations

from onboarding.models import User


def end_all(user: User) -> None:
    """End every open session of `user` (the caller's unit of work commits it)."""
    user.session_generation = (user.session_generation or 0) + 1
