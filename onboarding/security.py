"""Security headers on every response, and secrets in URLs kept out of logs and Referers.

`init_app` adds one `after_request` hook. The Content-Security-Policy allows only our own
origin and no inline code or style at all (no template or chart uses a `style=` attribute,
a `<style>` or a `<script>`; tests/web/test_security_headers.py renders the pages to keep it
so); a view that sets a stricter policy of its own (a document download's sandbox) keeps it.
`Cache-Control: no-store` goes on every page for a signed-in person and on every download;
a view that set its own caching (the calendar feed) keeps it, and static files stay cacheable.

Some links carry a secret in their path: invitations, reset links, calendar feeds and the
companies' sign-in links. `TOKEN_PATH` is the one list of them. Those pages are answered with
`Referrer-Policy: no-referrer`, and `TokenFilter` replaces the secret in log lines (werkzeug's
request log here, gunicorn's access log through `onboarding.gunicorn_conf`).
"""

from __future__ import annotations

import logging
import re

from flask import Flask, Response, current_app, g, request, session

# A path that holds a secret: group "keep" is what stays readable, "token" is the secret.
TOKEN_PATH = re.compile(
    r"(?P<keep>/(?:invitation|reset|company/sign-in)/)(?P<token>[^/?#\s\"]+)"
    r"|(?P<keep_feed>/calendar/)(?P<feed>[^/?#\s\"]+?)(?=\.ics)"
)
REDACTED = "[redacted]"

CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)
PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"
HSTS = "max-age=31536000; includeSubDomains"


def holds_token(path: str) -> bool:
    return TOKEN_PATH.search(path) is not None


def redact(text: str) -> str:
    """`text` with the secret of every token path replaced by `[redacted]`."""

    def replace(match: re.Match[str]) -> str:
        return (match.group("keep") or match.group("keep_feed")) + REDACTED

    return TOKEN_PATH.sub(replace, text)


class TokenFilter(logging.Filter):
    """Redacts token paths in a log record (its message is rendered once, then replaced)."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken record is logging's to report, not ours
            return True
        if holds_token(message):
            record.msg = redact(message)
            record.args = None
        return True


TOKEN_FILTER = TokenFilter()


def init_app(app: Flask) -> None:
    # The development server's request log (`flask run`); gunicorn's is gunicorn_conf's.
    logging.getLogger("werkzeug").addFilter(TOKEN_FILTER)
    app.after_request(add_headers)


def _signed_in() -> bool:
    # Flask-Login's user when the request loaded it; otherwise the session says whether
    # someone is signed in (no database query here: this runs on error pages too).
    user = g.get("_login_user")
    if user is not None:
        return bool(user.is_authenticated)
    return "_user_id" in session


def add_headers(response: Response) -> Response:
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    headers["Referrer-Policy"] = "no-referrer" if holds_token(request.path) else "same-origin"
    headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    if current_app.config.get("SESSION_COOKIE_SECURE"):
        headers.setdefault("Strict-Transport-Security", HSTS)
    if request.endpoint != "static" and "Cache-Control" not in headers:
        download = "attachment" in headers.get("Content-Disposition", "")
        if download or _signed_in():
            headers["Cache-Control"] = "no-store"
    return response
