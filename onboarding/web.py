"""Small helpers shared by the blueprints: role checks and safe redirects."""

from __future__ import annotations

import io
from functools import wraps
from urllib.parse import urlsplit

from flask import Response, abort, flash, redirect, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.datastructures import MultiDict
from werkzeug.routing import IntegerConverter
from werkzeug.wrappers import Response as BaseResponse

from onboarding import csvfiles
from onboarding.extensions import login_manager
from onboarding.forms import (
    control_characters_message,
    form_errors,
    has_control_characters,
    sent_token,
)
from onboarding.services import documents, submissions
from onboarding.services.errors import Refused

# The largest id either database stores (a signed 64-bit integer): a larger number in a URL
# is a 404 instead of an OverflowError from the SQLite driver.
MAX_ID = 2**63 - 1
MAX_PAGE = 100_000


class BoundedIntConverter(IntegerConverter):
    """`<int:...>` in every route: 0 to MAX_ID, anything else does not match (404)."""

    def __init__(self, map, *args, **kwargs):  # noqa: A002 - werkzeug's parameter name
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


def page_arg(args: MultiDict[str, str]) -> int:
    """The `page` query parameter: a positive number within bounds, else page 1."""
    raw = args.get("page", "")
    if not raw.isdigit() or len(raw) > 6:
        return 1
    return min(max(int(raw), 1), MAX_PAGE)


def text_arg(args: MultiDict[str, str], name: str, limit: int) -> str:
    """A free-text query parameter (a search), cut to `limit` characters. One with control
    characters is refused (422), as a form field would be: PostgreSQL refuses a NUL."""
    value = args.get(name, "")[:limit]
    if has_control_characters(value):
        raise Refused(_("The search could not be run."), [control_characters_message(value)])
    return value


def _tell_done_once() -> None:
    flash(_("This form had already been sent: it was done once, and this is the result."), "info")


def sent_before(form) -> BaseResponse | None:
    """The first answer again when this form (its one-time token) was done before."""
    result = submissions.earlier_result(type(form).__name__, sent_token(form))
    if result is None:
        return None
    _tell_done_once()
    return redirect(result or home_url())


def claim_once(form) -> None:
    """Take the form's token before its work; a concurrent submit that was done meanwhile
    answers with its result instead (this unit of work then rolls back)."""
    result = submissions.claim(type(form).__name__, sent_token(form))
    if result is not None:
        _tell_done_once()
        abort(redirect(result or home_url()))


def finish_once(form, target: str) -> BaseResponse:
    """Record where the form's answer goes, and go there."""
    submissions.finish(type(form).__name__, sent_token(form), target)
    return redirect(target)


def role_required(*roles: str):
    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


def writes_on_get(view):
    """Mark a view that may write on GET (e.g. creating a missing token on first visit):
    on SQLite its transaction then takes the write lock at once, like a POST's."""
    view.writes_on_get = True
    return view


def is_safe_next(target: str | None) -> bool:
    if not target:
        return False
    if "\\" in target or target.startswith("//"):
        return False  # browsers read "/\\host" and "//host" as another site
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc and target.startswith("/")


def home_url() -> str:
    if not current_user.is_authenticated:
        return url_for("auth.login")
    return {
        "staff": url_for("desk.board"),
        "mentor": url_for("mentor.index"),
        "candidate": url_for("candidate.dashboard"),
        "company": url_for("company.home"),
        "partner": url_for("partner_portal.home"),
    }[current_user.role]


def csv_form() -> csvfiles.CsvForm:
    """The CSV form the request asks for: `?format=excel` for Belgian Excel, else the
    comma/UTC form for other programs."""
    return csvfiles.form_from(request.args)


def csv_download(text: str, filename: str) -> Response:
    """A CSV file (from `onboarding.csvfiles.to_csv`) as a download; the spreadsheet form
    is named after the machine form (candidates-excel.csv)."""
    filename = csvfiles.filename(filename, csv_form())
    return Response(
        text.encode("utf-8"),
        content_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def upload_refusal() -> str | None:
    """For a form that takes a file (a document, a message attachment): refuse a body
    declared too large before it is read, so a huge upload is never parsed; and cap what
    the request may read. The refusal's message, or None."""
    if request.method != "POST":
        return None
    request.max_content_length = documents.max_request_bytes()
    try:
        documents.check_declared_size(request.content_length)
    except Refused as error:
        return error.message
    return None


def private_download(content: bytes, content_type: str, name: str) -> Response:
    """A stored file (a document, a message attachment) as a download that no browser
    renders in the page: attachment, never sniffed, sandboxed, never cached. From memory
    (at most the upload limit): no file handle left for the server to close."""
    response = send_file(
        io.BytesIO(content),
        mimetype=content_type,
        as_attachment=True,
        download_name=name,
        conditional=False,
        etag=False,
        max_age=None,
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.headers["Cache-Control"] = "private, no-store"
    return response


def validated(form, message: str):
    """Validate a compact form or raise Refused listing every field error (HTTP 422)."""
    if not form.validate_on_submit():
        raise Refused(message, form_errors(form))
    return form
