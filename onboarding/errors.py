"""One place that maps errors to translated pages with the right HTTP status."""

import logging
import math
import time

from flask import Flask, render_template, request
from flask_babel import gettext as _
from flask_limiter import RateLimitExceeded
from flask_wtf.csrf import CSRFError
from markupsafe import escape
from werkzeug.exceptions import HTTPException

from onboarding.extensions import db, limiter
from onboarding.logs import request_id, route
from onboarding.metrics import THROTTLED
from onboarding.services.errors import DomainError, Throttled
from onboarding.web import is_safe_next
from workflows.i18n import N_

log = logging.getLogger(__name__)

SERVER_ERROR = (
    N_("Something went wrong"),
    N_("An unexpected error occurred. Nothing was saved; please try again."),
)
# The 500 page when even the normal page cannot be drawn (no template, no database).
BARE_PAGE = (
    '<!doctype html><html><head><meta charset="utf-8"><title>{title}</title></head>'
    "<body><h1>{title}</h1><p>{message}</p><p>{reference}</p></body></html>"
)


def _back_link() -> str | None:
    referrer = request.referrer or ""
    host = request.host_url
    if referrer.startswith(host):
        path = "/" + referrer[len(host) :]
        return path if is_safe_next(path) else None
    return None


def render_error(status: int, title: str, message: str, details=()):
    return (
        render_template(
            "errors/error.html",
            status=status,
            title=title,
            message=message,
            details=details,
            back=_back_link(),
            request_id=request_id(),
        ),
        status,
    )


def _limit_retry_after() -> int:
    """Seconds until the route's exhausted limit (Flask-Limiter's, this request) allows more."""
    current = limiter.current_limit
    if current is None:
        return 60
    reset_at, _remaining = current.window  # `reset_at` itself is rounded up a second
    return max(1, math.ceil(reset_at - time.time()))


def init_app(app: Flask) -> None:
    @app.errorhandler(DomainError)
    def domain_error(error: DomainError):
        titles = {
            403: _("Not allowed"),
            404: _("Not found"),
            409: _("Conflict"),
            422: _("Not possible yet"),
            429: _("Please wait"),
        }
        page = render_error(
            error.status, titles.get(error.status, _("Error")), error.message, error.details
        )
        if isinstance(error, Throttled):
            THROTTLED.labels(route()).inc()
            return (*page, {"Retry-After": str(error.retry_after)})
        return page

    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError):
        return render_error(
            400,
            _("Form expired"),
            _("The form was sent without a valid security token. Reload the page and try again."),
        )

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        messages = {
            400: (_("Bad request"), _("The request could not be understood.")),
            403: (_("Not allowed"), _("You do not have access to this page.")),
            404: (_("Not found"), _("This page does not exist or is not yours to see.")),
            405: (_("Not allowed"), _("This action cannot be done this way.")),
            413: (_("Too large"), _("What you sent is too large.")),
            429: (
                _("Please wait"),
                _("You sent this too often in a short time. Please try again later."),
            ),
        }
        title, message = messages.get(error.code or 500, (_("Error"), _("Something went wrong.")))
        page = render_error(error.code or 500, title, message)
        if isinstance(error, RateLimitExceeded):
            THROTTLED.labels(route()).inc()
            return (*page, {"Retry-After": str(_limit_retry_after())})
        return page

    @app.errorhandler(500)
    def server_error(error):
        # First undo what failed: after a database error the session cannot run another
        # statement until it is rolled back, and the page reads the signed-in person.
        try:
            db.session.rollback()
        except Exception:  # the database is gone: the page must still be answered
            log.exception("rollback before the error page failed")
        title, message = SERVER_ERROR
        try:
            return render_error(500, _(title), _(message))
        except Exception:  # e.g. the reader's language needs the database that just failed
            log.exception("the error page could not be drawn")
            reference = f"Reference: {request_id()}"
            page = BARE_PAGE.format(
                title=escape(title), message=escape(message), reference=escape(reference)
            )
            return page, 500
