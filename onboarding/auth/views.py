"""Logging in and out, accepting an invitation, and switching the interface language."""

from urllib.parse import urlencode, urlsplit

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import refresh
from flask_login import current_user, login_user, logout_user

from onboarding.auth.forms import AcceptInvitationForm, LanguageForm, LoginForm
from onboarding.i18n import LANGUAGE_COOKIE
from onboarding.models import LOCALES
from onboarding.services import auth
from onboarding.services.errors import Refused
from onboarding.web import home_url, is_safe_next

bp = Blueprint("auth", __name__)


@bp.get("/")
def index():
    return redirect(home_url())


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(home_url())
    form = LoginForm(next=request.args.get("next", ""))
    if form.validate_on_submit():
        user = auth.authenticate(form.email.data, form.password.data)
        if user is not None:
            login_user(user)
            refresh()
            flash(_("Welcome, %(name)s.", name=user.name), "success")
            target = form.next.data
            return redirect(target if is_safe_next(target) else home_url())
        form.password.errors.append(_("The email address or password is not correct."))
    status = 422 if form.errors else 200
    return render_template("auth/login.html", form=form), status


@bp.post("/logout")
def logout():
    logout_user()
    flash(_("You have been logged out."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/invitation/<token>", methods=["GET", "POST"])
def accept_invitation(token: str):
    invitation = auth.invitation_for(token)
    if invitation is None:
        return render_template("auth/invitation_invalid.html"), 404
    # The page speaks the language the desk chose for the person (not the browser's), unless
    # they pick another one here: in the form, or with the header switch (?lang=).
    chosen = request.form.get("locale") or request.args.get("lang")
    g.page_locale = chosen if chosen in LOCALES else invitation.user.locale
    form = AcceptInvitationForm(locale=g.page_locale)
    if form.validate_on_submit():
        try:
            user = auth.accept_invitation(token, form.password.data, form.locale.data)
        except Refused:
            return render_template("auth/invitation_invalid.html"), 404
        if current_user.is_authenticated:
            logout_user()
        login_user(user)
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
