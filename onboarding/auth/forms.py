from flask_babel import lazy_gettext as _l
from wtforms import EmailField, HiddenField, PasswordField, StringField
from wtforms.validators import Email, EqualTo, Length, ValidationError

from onboarding.forms import BaseForm, locale_field, max_length, required
from onboarding.passwords import weakness


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
    """The password rule (`onboarding.passwords`); the form's `password_hints` are the
    person's name and email address."""
    problem = weakness(field.data or "", getattr(form, "password_hints", ()))
    if problem:
        raise ValidationError(problem)


class NewPasswordForm(BaseForm):
    """Choosing a password: twice, by the password rule."""

    password_hints: tuple[str, ...] = ()

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

    def __init__(self, *args, hints: tuple[str, ...] = (), **kwargs):
        super().__init__(*args, **kwargs)
        self.password_hints = hints


class AcceptInvitationForm(NewPasswordForm):
    locale = locale_field()


class ResetPasswordForm(NewPasswordForm):
    pass


class ForgotPasswordForm(BaseForm):
    email = EmailField(
        _l("Email address"),
        validators=[
            required(),
            max_length(254),
            Email(message=_l("Enter a valid email address.")),
        ],
    )


class LoginCodeForm(BaseForm):
    code = StringField(
        _l("Code from your authenticator app, or a recovery code"),
        validators=[required(), max_length(20)],
    )


class LanguageForm(BaseForm):
    locale = locale_field()
    next = HiddenField()


__all__ = [
    "AcceptInvitationForm",
    "ForgotPasswordForm",
    "LanguageForm",
    "LoginCodeForm",
    "Length",
    "LoginForm",
    "NewPasswordForm",
    "ResetPasswordForm",
]
