from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import EmailField, HiddenField, PasswordField
from wtforms.validators import Email, EqualTo, Length, ValidationError

from onboarding.forms import BaseForm, locale_field, max_length, required


class LoginForm(BaseForm):
    email = EmailField(
        _l("Email address"),
        validators=[
            required(),
            max_length(254),
            Email(message=_l("Enter a valid email address.")),
        ],
    )
    password = PasswordField(_l("Password"), validators=[required(), max_length(200)])
    next = HiddenField()


def strong_enough(form, field) -> None:
    minimum = current_app.config["MIN_PASSWORD_LENGTH"]
    if len(field.data or "") < minimum:
        raise ValidationError(
            _("Choose a password of at least %(count)s characters.", count=minimum)
        )


class AcceptInvitationForm(BaseForm):
    password = PasswordField(
        _l("Choose a password"), validators=[required(), max_length(200), strong_enough]
    )
    confirm = PasswordField(
        _l("Repeat the password"),
        validators=[
            required(),
            EqualTo("password", message=_l("The two passwords are not the same.")),
        ],
    )
    locale = locale_field()


class LanguageForm(BaseForm):
    locale = locale_field()
    next = HiddenField()


__all__ = ["AcceptInvitationForm", "LanguageForm", "Length", "LoginForm"]
