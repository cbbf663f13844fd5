"""Flask-Login wiring: loading the user, opening and ending sessions, and the translated
'please log in' message.

A session is Flask's signed cookie, which the server cannot take back. So a session holds
the account's session generation from when it was opened and when it was last used; the user
loader refuses it when the account moved to a new generation (`services.sessions.end_all`:
logout, password change or reset, deactivation) or after too long without a request
(SESSION_IDLE_MINUTES, longer for candidates). Logging in starts from an empty session, so
nothing of the anonymous one — its CSRF token included — carries over.
"""

from __future__ import annotations

import time

from flask import Flask, current_app, flash, g, redirect, request, session
from flask_babel import gettext
from flask_login import login_url, login_user, logout_user

from onboarding.extensions import db, login_manager
from onboarding.models import User
from workflows.i18n import N_

SESSION_EXPIRED = N_("Your session ended after a while without activity. Please log in again.")
GENERATION = "generation"
LAST_SEEN = "seen"
# The "last seen" time is written into the cookie at most this often (seconds).
SEEN_RESOLUTION = 60


def init_app(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    # A plain msgid, translated when flashed: a lazy string must never be flashed.
    login_manager.login_message = N_("Please log in to see this page.")
    login_manager.localize_callback = gettext
    login_manager.login_message_category = "info"
    login_manager.session_protection = "strong"
    login_manager.unauthorized_handler(_to_login)


def _to_login():
    """Flask-Login's redirect to the login page, saying why when the session ran out."""
    message = SESSION_EXPIRED if g.get("session_expired") else login_manager.login_message
    flash(gettext(message), "info")
    return redirect(login_url(login_manager.login_view, next_url=request.url))


def idle_seconds(user: User) -> int:
    minutes = (
        current_app.config["CANDIDATE_SESSION_IDLE_MINUTES"]
        if user.role == "candidate"
        else current_app.config["SESSION_IDLE_MINUTES"]
    )
    return minutes * 60


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    if not user_id.isdigit():
        return None
    user = db.session.get(User, int(user_id))
    if user is None or not user.active or session.get(GENERATION) != user.session_generation:
        _forget()
        return None
    now = int(time.time())
    seen = session.get(LAST_SEEN)
    if not isinstance(seen, int) or now - seen > idle_seconds(user):
        g.session_expired = True
        _forget()
        return None
    if now - seen >= SEEN_RESOLUTION:
        session[LAST_SEEN] = now
    return user


def _forget() -> None:
    """Drop the sign-in from the cookie (the rest — language, flashes — stays)."""
    for key in ("_user_id", "_fresh", "_id", GENERATION, LAST_SEEN):
        session.pop(key, None)


def start_session(user: User) -> None:
    """Sign `user` in on a fresh session: a new CSRF token, the account's generation."""
    flashes = session.get("_flashes", [])
    session.clear()
    g.pop("csrf_token", None)  # Flask-WTF's per-request cache of the old token
    login_user(user)
    session[GENERATION] = user.session_generation
    session[LAST_SEEN] = int(time.time())
    if flashes:
        session["_flashes"] = flashes


def end_session() -> None:
    logout_user()
    session.clear()
    g.pop("csrf_token", None)
