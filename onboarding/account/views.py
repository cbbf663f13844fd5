"""Every signed-in person: notifications, settings (notification preferences among them)
and the private calendar feed."""

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import refresh
from flask_login import current_user

from onboarding.account.forms import (
    ChangePasswordForm,
    ConfirmPasswordForm,
    EnableTwoFactorForm,
    NotificationSettingsForm,
    ProfileSettingsForm,
    ResetCalendarForm,
)
from onboarding.auth.login import start_session
from onboarding.forms import BaseForm, VersionForm
from onboarding.links import public_url
from onboarding.services import account, auth, calendar, reminders, twofactor
from onboarding.services.errors import Refused
from onboarding.services.notifications import preferences
from onboarding.web import page_arg, role_required, validated, writes_on_get

bp = Blueprint("account", __name__)

EVERYONE = ("candidate", "mentor", "staff", "partner")
# A company contact has no password or settings page, but reads their notifications.
READERS = (*EVERYONE, "company")


@bp.app_context_processor
def unread_notifications() -> dict:
    """The header's unread count, read once per rendered page (templates never query)."""
    if not current_user or not current_user.is_authenticated:
        return {"unread_notifications": 0}
    return {"unread_notifications": reminders.unread_count(current_user)}


@bp.get("/notifications")
@role_required(*READERS)
def notifications():
    return render_template(
        "account/notifications.html",
        page=reminders.notifications_for(current_user, page_arg(request.args)),
        upcoming=reminders.upcoming_for(current_user),
        subject=reminders.subject,
    )


@bp.get("/notifications/<int:notification_id>")
@writes_on_get  # opening it marks it read
@role_required(*READERS)
def open_notification(notification_id: int):
    row = reminders.open_notification(current_user, notification_id)
    return redirect(reminders.link_of(row) or url_for("account.notifications"))


@bp.post("/notifications/read")
@role_required(*READERS)
def mark_read():
    validated(VersionForm(), _("The notifications could not be marked as read."))
    reminders.mark_all_read(current_user)
    return redirect(url_for("account.notifications"))


def _hints() -> tuple[str, ...]:
    return (current_user.name, current_user.email)


def _settings_page(status: int = 200, refusal: str | None = None, **refused: BaseForm):
    """The settings page with its forms; `refused` replaces one that failed, as typed
    (`refusal`: the service's message for the notification form)."""
    forms: dict[str, BaseForm] = {
        "notification_form": NotificationSettingsForm(
            formdata=None, data=preferences.preferences_of(current_user)
        ).for_role(current_user.role),
        "profile_form": ProfileSettingsForm(
            formdata=None, name=current_user.name, locale=current_user.locale
        ),
        "password_form": ChangePasswordForm(formdata=None, hints=_hints()),
    }
    forms.update(refused)
    token = calendar.ensure_token(current_user)
    return render_template(
        "account/settings.html",
        feed_url=public_url("account.calendar_feed", token=token),
        refusal=refusal,
        **forms,
    ), status


@bp.get("/settings")
@writes_on_get  # the calendar feed's token is made on the first visit
@role_required(*EVERYONE)
def settings():
    return _settings_page()


@bp.post("/settings/notifications")
@role_required(*EVERYONE)
def save_notifications():
    form = NotificationSettingsForm().for_role(current_user.role)
    if not form.validate_on_submit():
        return _settings_page(422, notification_form=form)
    try:
        preferences.save(current_user, form.choices())
    except Refused as error:
        return _settings_page(422, notification_form=form, refusal=error.message)
    flash(_("Your notification settings have been saved."), "success")
    return redirect(url_for("account.settings", _anchor="notifications"))


@bp.post("/settings/profile")
@role_required(*EVERYONE)
def save_profile():
    form = ProfileSettingsForm()
    if not form.validate_on_submit():
        return _settings_page(422, profile_form=form)
    account.update_profile(current_user, form.name.data, form.locale.data)
    refresh()
    flash(_("Your name and language have been saved."), "success")
    return redirect(url_for("account.settings"))


@bp.post("/settings/password")
@role_required(*EVERYONE)
def change_password():
    form = ChangePasswordForm(hints=_hints())
    if not form.validate_on_submit():
        return _settings_page(422, password_form=form)
    user = current_user._get_current_object()
    try:
        auth.change_password(user, form.current.data, form.password.data)
    except Refused as error:
        form.current.errors = [error.message]
        return _settings_page(422, password_form=form)
    start_session(user)  # this session goes on; every other one has ended
    flash(_("Your password has been changed. Other devices have been logged out."), "success")
    return redirect(url_for("account.settings"))


SETUP_SECRET = "two_factor_setup"  # the secret being set up, until a code proves it


def _two_factor_page(status: int = 200, **forms: BaseForm):
    user = current_user._get_current_object()
    context: dict = {"enabled": twofactor.enabled(user), "required": twofactor.required_for(user)}
    if context["enabled"]:
        context["codes_left"] = twofactor.recovery_codes_left(user)
        context["disable_form"] = forms.get("disable_form") or ConfirmPasswordForm(formdata=None)
        context["codes_form"] = forms.get("codes_form") or ConfirmPasswordForm(formdata=None)
    else:
        secret = session.get(SETUP_SECRET) or twofactor.new_secret()
        session[SETUP_SECRET] = secret
        context["secret"] = secret
        context["qr"] = twofactor.qr_data_uri(user, secret)
        context["form"] = forms.get("form") or EnableTwoFactorForm(formdata=None)
    return render_template("account/two_factor.html", **context), status


def _recovery_codes_page(codes: list[str]):
    return render_template("account/recovery_codes.html", codes=codes)


@bp.get("/settings/two-factor")
@role_required(*EVERYONE)
def two_factor():
    return _two_factor_page()


@bp.post("/settings/two-factor")
@role_required(*EVERYONE)
def enable_two_factor():
    form = EnableTwoFactorForm()
    secret = session.get(SETUP_SECRET)
    if not form.validate_on_submit() or not secret:
        return _two_factor_page(422, form=form)
    try:
        codes = twofactor.enable(current_user, secret, form.code.data)
    except Refused as error:
        form.code.errors = [error.message]
        return _two_factor_page(422, form=form)
    session.pop(SETUP_SECRET, None)
    session.pop("must_enrol_two_factor", None)
    return _recovery_codes_page(codes)


def _password_confirmed(form: ConfirmPasswordForm) -> bool:
    if not form.validate_on_submit():
        return False
    if not auth.password_matches(current_user, form.password.data):
        form.password.errors = [_("Your password is not correct.")]
        return False
    return True


@bp.post("/settings/two-factor/disable")
@role_required(*EVERYONE)
def disable_two_factor():
    form = ConfirmPasswordForm()
    if not _password_confirmed(form):
        return _two_factor_page(422, disable_form=form)
    try:
        twofactor.disable(current_user)
    except Refused as error:
        form.password.errors = [error.message]
        return _two_factor_page(422, disable_form=form)
    flash(_("Two-factor authentication is off."), "success")
    return redirect(url_for("account.two_factor"))


@bp.post("/settings/two-factor/recovery-codes")
@role_required(*EVERYONE)
def new_recovery_codes():
    form = ConfirmPasswordForm()
    if not _password_confirmed(form):
        return _two_factor_page(422, codes_form=form)
    return _recovery_codes_page(twofactor.new_recovery_codes(current_user))


@bp.post("/settings/calendar")
@role_required(*EVERYONE)
def reset_calendar():
    validated(ResetCalendarForm(), _("The calendar link could not be reset."))
    calendar.reset_token(current_user)
    flash(_("Your calendar link has been replaced; the old link no longer works."), "success")
    return redirect(url_for("account.settings"))


@bp.get("/calendar/<token>.ics")
def calendar_feed(token: str):
    user = calendar.user_for_token(token)
    if user is None:
        abort(404)
    from flask_babel import force_locale

    with force_locale(user.locale):
        body = calendar.feed(user)
    return Response(
        body,
        mimetype="text/calendar",
        headers={"Cache-Control": "private, max-age=300", "Content-Disposition": "inline"},
    )
