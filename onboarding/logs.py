"""Structured logs: one JSON object per line on stderr, for the web process, the worker and
the commands alike, and one line per request.

Each request gets an id (`X-Request-ID`: taken from the trusted proxy when it sends a
well-formed one, otherwise made here), returned in the response's header, shown on error
pages so that a person can quote it, and added to every line logged while the request
runs. The request line names the route's template (`/reset/<token>`), never the path
that was asked for, and the signed-in person by id only. Every line passes through
`security.TOKEN_FILTER`, so a secret in a path that another logger quotes is redacted too.
"""

from __future__ import annotations

import logging
import re
import sys
import time
import uuid

from flask import Flask, Response, current_app, g, has_request_context, request, session
from pythonjsonlogger.json import JsonFormatter

from onboarding.security import TOKEN_FILTER

REQUEST_ID_HEADER = "X-Request-ID"
# What a proxy's request id may look like: no spaces, quotes or control characters.
WELL_FORMED_ID = re.compile(r"[A-Za-z0-9._-]{8,128}")
request_log = logging.getLogger("onboarding.requests")
_configured = False


def formatter() -> JsonFormatter:
    """`{"time": …, "level": …, "logger": …, "message": …, <extra fields>}`, time in UTC."""
    return JsonFormatter(
        ["levelname", "name", "message"],
        rename_fields={"levelname": "level", "name": "logger"},
        timestamp="time",
        json_ensure_ascii=False,
    )


class RequestIdFilter(logging.Filter):
    """Adds the current request's id to a line logged while a request runs."""

    def filter(self, record: logging.LogRecord) -> bool:
        if has_request_context() and "request_id" in g and not hasattr(record, "request_id"):
            record.request_id = g.request_id
        return True


def handler(stream=None) -> logging.Handler:
    """A handler writing our JSON lines, with the token filter and the request id."""
    out = logging.StreamHandler(stream or sys.stderr)
    out.setFormatter(formatter())
    out.addFilter(TOKEN_FILTER)
    out.addFilter(RequestIdFilter())
    return out


def configure(level: str = "INFO") -> None:
    """Send every logger's lines through one JSON handler on stderr (once per process)."""
    global _configured
    if _configured:
        return
    _configured = True
    from flask.logging import default_handler

    root = logging.getLogger()
    root.addHandler(handler())
    root.setLevel(level)
    # Flask's own handler on the app's logger (`onboarding`) would print its lines twice.
    logging.getLogger("onboarding").removeHandler(default_handler)
    # Our request line replaces the development server's own (its start-up lines stay);
    # APScheduler would log every tick of every interval job.
    logging.getLogger("werkzeug").addFilter(_without_request_lines)
    logging.getLogger("apscheduler").setLevel(logging.WARNING)


def _without_request_lines(record: logging.LogRecord) -> bool:
    """werkzeug's own line per request (`<address> - - [<time>] "GET …" 200 -`), left out."""
    return not (record.levelno == logging.INFO and " - - [" in str(record.msg))


def request_id() -> str:
    """This request's id (made on first use)."""
    if "request_id" not in g:
        offered = request.headers.get(REQUEST_ID_HEADER, "")
        trusted = bool(current_app.config.get("TRUSTED_PROXIES"))
        from_proxy = trusted and WELL_FORMED_ID.fullmatch(offered)
        g.request_id = offered if from_proxy else uuid.uuid4().hex
    return g.request_id


def route() -> str:
    """The matched route's template (`/reset/<token>`): what logs and metrics name, never
    the path itself."""
    return request.url_rule.rule if request.url_rule is not None else "<unmatched>"


def elapsed() -> float | None:
    """Seconds since this request began (None before our first hook ran)."""
    started = g.get("request_started")
    return time.perf_counter() - started if started is not None else None


def _start() -> None:
    g.request_started = time.perf_counter()
    request_id()


def _user() -> str:
    # The person as Flask-Login loaded them, or as the session names them: never a query.
    user = g.get("_login_user")
    if user is not None:
        return str(user.id) if user.is_authenticated else "anonymous"
    return str(session.get("_user_id") or "anonymous")


def _finish(response: Response) -> Response:
    response.headers[REQUEST_ID_HEADER] = identifier = request_id()
    duration = elapsed() or 0.0
    request_log.info(
        "request",
        extra={
            "request_id": identifier,
            "method": request.method,
            "route": route(),
            "status": response.status_code,
            "duration_ms": round(duration * 1000, 1),
            "user": _user(),
        },
    )
    return response


def init_app(app: Flask) -> None:
    if app.config.get("LOG_TO_STDERR"):
        configure(app.config.get("LOG_LEVEL", "INFO"))
    # First of all hooks: the id exists before any other hook can fail.
    app.before_request_funcs.setdefault(None, []).insert(0, _start)
    app.after_request(_finish)
