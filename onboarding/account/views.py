"""Every signed-in person: notifications, reminder settings and the private calendar feed."""

from flask import Blueprint, Response, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from onboarding.account.forms import ReminderSettingsForm
from onboarding.forms import VersionForm
from onboarding.links import public_url
from onboarding.services import account, calendar, reminders
from onboarding.web import role_required, validated, writes_on_get

bp = Blueprint("account", __name__)

EVERYONE = ("candidate", "mentor", "staff")


@bp.app_context_processor
def unread_notifications() -> dict:
    """The header's unread count, read once per rendered page (templates never query)."""
    if not current_user or not current_user.is_authenticated:
        return {"unread_notifications": 0}
    return {"unread_notifications": reminders.unread_count(current_user)}


@bp.get("/notifications")
@role_required(*EVERYONE)
def notifications():
    return render_template(
        "account/notifications.html",
        notifications=reminders.notifications_for(current_user),
        upcoming=reminders.upcoming_for(current_user),
        subject=reminders.subject,
    )


@bp.post("/notifications/read")
@role_required(*EVERYONE)
def mark_read():
    validated(VersionForm(), _("The notifications could not be marked as read."))
    reminders.mark_all_read(current_user)
    return redirect(url_for("account.notifications"))


@bp.route("/settings", methods=["GET", "POST"])
@writes_on_get  # the calendar feed's token is made on the first visit
@role_required(*EVERYONE)
def settings():
    form = ReminderSettingsForm(opt_out=current_user.reminders_opt_out)
    if form.validate_on_submit():
        account.set_reminder_opt_out(current_user, form.opt_out.data)
        flash(_("Your reminder settings have been saved."), "success")
        return redirect(url_for("account.settings"))
    token = calendar.ensure_token(current_user)
    return render_template(
        "account/settings.html",
        form=form,
        feed_url=public_url("account.calendar_feed", token=token),
    )


@bp.post("/settings/calendar")
@role_required(*EVERYONE)
def reset_calendar():
    validated(VersionForm(), _("The calendar link could not be reset."))
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
