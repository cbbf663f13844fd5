from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, PasswordField, StringField

from onboarding.auth.forms import NewPasswordForm
from onboarding.forms import (
    BaseForm,
    VersionForm,
    confirmation,
    locale_field,
    max_length,
    name_field,
    required,
)


class ReminderSettingsForm(BaseForm):
    opt_out = BooleanField(
        _l("Turn off non-essential reminders (deadline reminders are always sent)")
    )


class ProfileSettingsForm(BaseForm):
    name = name_field()
    locale = locale_field()


class ChangePasswordForm(NewPasswordForm):
    current = PasswordField(_l("Current password"), validators=[required(), max_length(200)])


class EnableTwoFactorForm(BaseForm):
    code = StringField(_l("Code shown by the app"), validators=[required(), max_length(20)])


class ConfirmPasswordForm(BaseForm):
    password = PasswordField(_l("Your password"), validators=[required(), max_length(200)])


class ResetCalendarForm(VersionForm):
    confirmed = confirmation(
        _l("The old calendar address stops working."),
        _l("Tick the box to confirm that the old address may stop working."),
    )
