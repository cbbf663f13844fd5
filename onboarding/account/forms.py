from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import PasswordField, RadioField, StringField
from wtforms.validators import AnyOf

from onboarding.auth.forms import NewPasswordForm
from onboarding.forms import (
    BaseForm,
    VersionForm,
    confirmation,
    locale_field,
    max_length,
    name_field,
    options,
    required,
)
from workflows.notifications import (
    CATEGORIES,
    CATEGORY_LABELS,
    CHANNEL_LABELS,
    CHANNELS,
    categories_for,
)

NOT_A_CHOICE = _l("Not a valid choice.")


def _channel_field(category: str) -> RadioField:
    return RadioField(
        _l(CATEGORY_LABELS[category]),
        choices=options((channel, _l(CHANNEL_LABELS[channel])) for channel in CHANNELS),
        validators=[required(), AnyOf(CHANNELS, message=NOT_A_CHOICE)],
        validate_choice=False,
    )


class NotificationSettingsForm(BaseForm):
    """One choice per kind of notification (workflows/notifications.py CATEGORIES); the
    view keeps only the kinds of the person's role (`for_role`)."""

    progress = _channel_field("progress")
    mentoring = _channel_field("mentoring")
    documents = _channel_field("documents")
    placements = _channel_field("placements")
    messages = _channel_field("messages")
    reminders = _channel_field("reminders")
    partners = _channel_field("partners")
    imports = _channel_field("imports")

    def for_role(self, role: str) -> NotificationSettingsForm:
        kept = set(categories_for(role))
        for category in CATEGORIES:
            if category not in kept:
                delattr(self, category)
        return self

    @property
    def categories(self) -> list[str]:
        return [category for category in CATEGORIES if category in self]

    def choices(self) -> dict[str, str]:
        return {category: self[category].data for category in self.categories}


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
