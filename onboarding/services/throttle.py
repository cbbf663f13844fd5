"""Throttling of guessable things (passwords, reset requests) per account and per address.

Counts live in Flask-Limiter's storage (`RATELIMIT_STORAGE_URI`: in memory by default, Redis
for several processes or hosts) and are kept with its moving-window strategy from the `limits`
library. Only failures count; a check refuses before the slow password hash is even tried.
"""

from __future__ import annotations

import math
import time

from flask import current_app
from flask_babel import ngettext
from limits import parse

from onboarding.extensions import limiter
from onboarding.i18n import format_time
from onboarding.services.errors import Throttled


def _key(kind: str, value: str) -> tuple[str, str]:
    prefix = current_app.config["RATELIMIT_KEY_PREFIX"]
    return (f"{prefix}-{kind}", value.strip().lower()[:254] or "-")


def retry_after(setting: str, kind: str, value: str) -> int:
    """Seconds until one more attempt is allowed under the limit named by `setting` (0: now)."""
    item = parse(current_app.config[setting])
    strategy = limiter.limiter
    if strategy.test(item, *_key(kind, value)):
        return 0
    reset_at, _remaining = strategy.get_window_stats(item, *_key(kind, value))
    return max(1, math.ceil(reset_at - time.time()))


def refuse_if_exhausted(checks: list[tuple[str, str, str]]) -> None:
    """Raise `Throttled` if any (setting, kind, value) limit is used up, saying when to retry."""
    wait = max((retry_after(*check) for check in checks), default=0)
    if wait:
        raise Throttled(too_many_message(wait), wait)


def count_failure(checks: list[tuple[str, str, str]]) -> None:
    for setting, kind, value in checks:
        limiter.limiter.hit(parse(current_app.config[setting]), *_key(kind, value))


def forget(setting: str, kind: str, value: str) -> None:
    """Clear a count (a successful login clears its account's failures)."""
    limiter.limiter.clear(parse(current_app.config[setting]), *_key(kind, value))


def too_many_message(wait_seconds: int) -> str:
    from datetime import UTC, datetime, timedelta

    at = datetime.now(UTC) + timedelta(seconds=wait_seconds)
    minutes = max(1, math.ceil(wait_seconds / 60))
    return ngettext(
        "Too many attempts. Try again in %(num)d minute (at %(time)s, Brussels time).",
        "Too many attempts. Try again in %(num)d minutes (at %(time)s, Brussels time).",
        minutes,
        time=format_time(at),
    )
