"""One place that maps errors to translated pages with the right HTTP status."""

from flask import Flask, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from onboarding.services.errors import DomainError
from onboarding.web import is_safe_next


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
        ),
        status,
    )


def init_app(app: Flask) -> None:
    @app.errorhandler(DomainError)
    def domain_error(error: DomainError):
        titles = {
            403: _("Not allowed"),
            404: _("Not found"),
            409: _("Conflict"),
            422: _("Not possible yet"),
        }
        return render_error(
            error.status, titles.get(error.status, _("Error")), error.message, error.details
        )

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
        }
        title, message = messages.get(error.code or 500, (_("Error"), _("Something went wrong.")))
        return render_error(error.code or 500, title, message)

    @app.errorhandler(500)
    def server_error(error):
        return render_error(
            500,
            _("Something went wrong"),
            _("An unexpected error occurred. Nothing was saved; please try again."),
        )
