"""Logging in and out, accepting an invitation, resetting a forgotten password, and
switching the interface language."""

import time
from pathlib import Path
from urllib.parse import urlencode, urlsplit

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import refresh
from flask_login import current_user

from onboarding.auth.forms import (
    AcceptInvitationForm,
    ForgotPasswordForm,
    LanguageForm,
    LoginCodeForm,
    LoginForm,
    ResetPasswordForm,
)
from onboarding.auth.login import end_session, start_session
from onboarding.extensions import db
from onboarding.i18n import LANGUAGE_COOKIE
from onboarding.models import LOCALES, User, utcnow
from onboarding.services import account_events, auth, recovery, sessions, throttle, twofactor
from onboarding.services.errors import Refused
from onboarding.web import home_url, is_safe_next

bp = Blueprint("auth", __name__)

# A right password waits this long (seconds) for its second factor, in the session.
PENDING = "pending_second_factor"
PENDING_SECONDS = 300
MUST_ENROL = "must_enrol_two_factor"
ENROLMENT_ENDPOINTS = {
    "account.two_factor",
    "account.enable_two_factor",
    "auth.logout",
    "auth.switch_language",
    "auth.favicon",
    "static",
}


@bp.get("/")
def index():
    return redirect(home_url())


@bp.get("/favicon.ico")
def favicon():
    """Browsers ask for /favicon.ico whatever the page links; it is a static file, cacheable."""
    # Read whole (411 bytes): a streamed file would stay open for a client that never reads it.
    icon = Path(current_app.static_folder or "", "favicon.ico").read_bytes()
    response = current_app.response_class(icon, mimetype="image/vnd.microsoft.icon")
    response.cache_control.public = True
    response.cache_control.max_age = 86400
    return response


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(home_url())
    form = LoginForm(next=request.args.get("next", ""))
    if form.validate_on_submit():
        email = form.email.data.strip().lower()
        # Failures count per account and per client address; when either is used up, the
        # answer is 429 before any password is checked (right or wrong).
        limits = [
            ("LOGIN_LIMIT_ACCOUNT", "login-account", email),
            ("LOGIN_LIMIT_ADDRESS", "login-address", request.remote_addr or ""),
        ]
        throttle.refuse_if_exhausted(limits)
        attempt = auth.authenticate(email, form.password.data)
        if attempt.user is not None and twofactor.enabled(attempt.user):
            return _second_factor_next(attempt.user, form.next.data)
        if attempt.user is not None:
            throttle.forget(*limits[0])
            return _signed_in(attempt.user, form.next.data)
        throttle.count_failure(limits)
        account_events.record_refusal("login_failed", attempt.account_id)
        if throttle.retry_after(*limits[0]):
            account_events.record_refusal("login_throttled", attempt.account_id)
        form.password.errors.append(_("The email address or password is not correct."))
    status = 422 if form.errors else 200
    return render_template("auth/login.html", form=form), status


def _signed_in(user: User, target: str | None):
    """Open the session of a person who proved who they are."""
    user.last_login_at = utcnow()
    account_events.record("login", user)
    start_session(user)
    refresh()
    flash(_("Welcome, %(name)s.", name=user.name), "success")
    if twofactor.required_for(user) and not twofactor.enabled(user):
        session[MUST_ENROL] = True
        flash(_("Welcome-desk accounts must use two-factor authentication. Set it up now."), "info")
        return redirect(url_for("account.two_factor"))
    return redirect(target if target and is_safe_next(target) else home_url())


def _second_factor_next(user: User, target: str | None):
    """The password was right: remember that (briefly) and ask for the second factor."""
    session.clear()
    session[PENDING] = {
        "user": user.id,
        "generation": user.session_generation,
        "until": int(time.time()) + PENDING_SECONDS,
        "next": target if target and is_safe_next(target) else "",
    }
    return redirect(url_for("auth.login_code"))


def _pending_user() -> tuple[User, str] | None:
    pending = session.get(PENDING)
    if not isinstance(pending, dict) or pending.get("until", 0) < time.time():
        return None
    user = db.session.get(User, int(pending.get("user", 0)))
    if user is None or not user.active or user.session_generation != pending.get("generation"):
        return None
    return user, str(pending.get("next") or "")


@bp.route("/login/code", methods=["GET", "POST"])
def login_code():
    pending = _pending_user()
    if pending is None:
        session.pop(PENDING, None)
        flash(_("Please log in again."), "info")
        return redirect(url_for("auth.login"))
    user, target = pending
    form = LoginCodeForm()
    if form.validate_on_submit():
        limits = [("LOGIN_LIMIT_ACCOUNT", "login-account", user.email)]
        throttle.refuse_if_exhausted(limits)
        if twofactor.verify(user, form.code.data):
            throttle.forget(*limits[0])
            return _signed_in(user, target)
        throttle.count_failure(limits)
        account_events.record_refusal("two_factor_failed", user.id)
        form.code.errors.append(_("This code is not correct or was already used."))
    status = 422 if form.errors else 200
    return render_template("auth/login_code.html", form=form), status


@bp.before_app_request
def enrol_two_factor_first():
    """A staff member who must use two-factor and has not set it up sees only that page."""
    if not session.get(MUST_ENROL) or request.endpoint in ENROLMENT_ENDPOINTS:
        return None
    if not current_user.is_authenticated or twofactor.enabled(current_user):
        session.pop(MUST_ENROL, None)
        return None
    return redirect(url_for("account.two_factor"))


@bp.post("/logout")
def logout():
    if current_user.is_authenticated:
        user = current_user._get_current_object()
        # Logging out ends the person's sessions everywhere: a copied cookie stops working.
        sessions.end_all(user)
        account_events.record("logout", user)
    end_session()
    flash(_("You have been logged out."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/forgot-password", methods=["GET", "POST"])
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        email = form.email.data.strip().lower()
        limits = [
            ("RESET_LIMIT", "reset-account", email),
            ("RESET_LIMIT", "reset-address", request.remote_addr or ""),
        ]
        throttle.refuse_if_exhausted(limits)
        throttle.count_failure(limits)  # every request counts, known address or not
        recovery.request_reset(email)
        return render_template("auth/reset_sent.html", email=email)
    status = 422 if form.errors else 200
    return render_template("auth/forgot_password.html", form=form), status


@bp.route("/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    link = auth.invitation_for(token, purpose="reset")
    if link is None or not link.user.active:
        return render_template("auth/reset_invalid.html"), 404
    person = link.user
    g.page_locale = person.locale
    form = ResetPasswordForm(hints=(person.name, person.email))
    if form.validate_on_submit():
        try:
            auth.reset_password(token, form.password.data)
        except Refused:
            return render_template("auth/reset_invalid.html"), 404
        end_session()
        flash(
            _("Your new password is set, and you were logged out everywhere. Log in with it."),
            "success",
        )
        return redirect(url_for("auth.login"))
    status = 422 if form.errors else 200
    return render_template("auth/reset_password.html", form=form, person=person), status


@bp.route("/invitation/<token>", methods=["GET", "POST"])
def accept_invitation(token: str):
    invitation = auth.invitation_for(token)
    if invitation is None:
        return render_template("auth/invitation_invalid.html"), 404
    # The page speaks the language the desk chose for the person (not the browser's), unless
    # they pick another one here: in the form, or with the header switch (?lang=).
    chosen = request.form.get("locale") or request.args.get("lang")
    g.page_locale = chosen if chosen in LOCALES else invitation.user.locale
    person = invitation.user
    form = AcceptInvitationForm(locale=g.page_locale, hints=(person.name, person.email))
    if form.validate_on_submit():
        try:
            user = auth.accept_invitation(token, form.password.data, form.locale.data)
        except Refused:
            return render_template("auth/invitation_invalid.html"), 404
        user.last_login_at = utcnow()
        start_session(user)
        refresh()
        flash(_("Your account is ready. Welcome to Onthaal!"), "success")
        return redirect(home_url())
    status = 422 if form.errors else 200
    return render_template("auth/accept_invitation.html", form=form, person=invitation.user), status


@bp.post("/language")
def switch_language():
    form = LanguageForm()
    if not form.validate_on_submit():
        abort(400)
    locale = form.locale.data
    if current_user.is_authenticated:
        current_user.locale = locale
    target = form.next.data if is_safe_next(form.next.data) else home_url()
    if urlsplit(target).path.startswith("/invitation/"):
        target = f"{urlsplit(target).path}?{urlencode({'lang': locale})}"  # see accept_invitation
    response = redirect(target)
    response.set_cookie(
        LANGUAGE_COOKIE, locale, max_age=365 * 24 * 3600, httponly=True, samesite="Lax"
    )
    return response
