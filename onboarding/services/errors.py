"""Domain errors, each with a translated message and the HTTP status it maps to."""

from __future__ import annotations


class DomainError(Exception):
    status = 400

    def __init__(self, message: str, details: list[str] | None = None):
        super().__init__(message)
        self.message = message
        self.details = details or []


class Forbidden(DomainError):
    status = 403


class NotFound(DomainError):
    status = 404


class Conflict(DomainError):
    status = 409


class Refused(DomainError):
    """The request is understood but a business rule says no (a guard, a bad value)."""

    status = 422


def conflict_message() -> str:
    """What a user reads when a versioned row changed under them (HTTP 409)."""
    from flask_babel import gettext as _

    return _(
        "Someone else changed this candidate in the meantime. "
        "Reload the page to see the latest state; nothing was saved."
    )


class Throttled(DomainError):
    """Too many attempts: answered 429 with when to try again (`retry_after`, seconds)."""

    status = 429

    def __init__(self, message: str, retry_after: int):
        super().__init__(message)
        self.retry_after = max(1, retry_after)
