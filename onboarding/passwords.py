"""The password rule, checked at every place a password is chosen (invitation, reset,
change): at least MIN_PASSWORD_LENGTH characters and not easy to guess.

"Easy to guess" is zxcvbn's estimate (Dropbox's strength estimator; its frequency lists hold
the most common passwords, names and words, and it sees keyboard patterns, repeats, dates and
l33t spellings). Scores below 3 — "safely unguessable" needs about 10^8 guesses — are refused.
The person's own name and email address count as guessable words.
"""

from __future__ import annotations

import re

from flask import current_app
from flask_babel import gettext as _
from zxcvbn import zxcvbn

MIN_SCORE = 3
MAX_CHECKED = 72  # zxcvbn refuses longer input; a longer password is checked on its start


def _hints(hints: tuple[str, ...]) -> list[str]:
    words: list[str] = []
    for hint in hints:
        words.extend(part for part in re.split(r"[\s@._\-+]+", hint.lower()) if len(part) > 2)
    return words


def weakness(password: str, hints: tuple[str, ...] = ()) -> str | None:
    """Why `password` is refused (translated), or None when it may be used. `hints` are the
    person's name and email address."""
    minimum = current_app.config["MIN_PASSWORD_LENGTH"]
    if len(password) < minimum:
        return _("Choose a password of at least %(count)s characters.", count=minimum)
    lowered = password.lower()
    if any(len(word) > 3 and lowered == word for word in _hints(hints)):
        return _("Do not use your name or email address as your password.")
    if zxcvbn(password[:MAX_CHECKED], user_inputs=_hints(hints))["score"] < MIN_SCORE:
        return _(
            "This password is too easy to guess: it is common, or built from a word, a name, "
            "a date or a keyboard pattern. Add a few uncommon words or use a longer passphrase."
        )
    return None
