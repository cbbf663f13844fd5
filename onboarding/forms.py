"""Form base class and fields shared by several areas.

WTForms' own messages ("Not a valid choice.", …) are routed through our catalog so that
they appear in nl, af and en like every other message.
"""

from __future__ import annotations

from datetime import UTC

from flask_babel import get_translations
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError
from wtforms.widgets import HiddenInput

from onboarding.i18n import LANGUAGE_NAMES
from onboarding.rules import is_plain_name
from workflows.dates import programme_today
from workflows.onboarding import CEFR_LEVELS
from workflows.reminders import PROGRAMME_TZ


class _Extract:
    """Marks a plural msgid for `pybabel extract` (which finds calls by their name)."""

    @staticmethod
    def ngettext(singular: str, plural: str, n: int) -> tuple[str, str]:
        return singular, plural


# WTForms' built-in messages that a user can reach (a stale or hand-made form), listed so that
# `pybabel extract` puts them in our catalog. Never formatted here: WTForms does that.
WTFORMS_MESSAGES = (
    _l("Not a valid choice."),
    _l("Invalid Choice: could not coerce."),
    _Extract.ngettext(
        "'%(value)s' is not a valid choice for this field.",
        "'%(value)s' are not valid choices for this field.",
        2,
    ),
    _l("Not a valid date value."),
    _l("Not a valid datetime value."),
    _l("Not a valid integer value."),
    _l("This field is required."),
    _l("Invalid email address."),
    _l("Field must be equal to %(other_name)s."),
)


class _CatalogTranslations:
    """WTForms' translations contract: return the message translated but not formatted.

    WTForms fills in the placeholders itself (`'%(value)s' is not a valid choice …`), so
    flask_babel's gettext/ngettext, which format with their own arguments (ngettext with
    `num` only: a KeyError on `value`), must not be used here.
    """

    def gettext(self, string):
        return get_translations().ugettext(string)

    def ngettext(self, singular, plural, n):
        return get_translations().ungettext(singular, plural, n)


class BaseForm(FlaskForm):
    class Meta:
        def get_translations(self, form):
            return _CatalogTranslations()


REQUIRED = _l("This field is required.")


def required():
    return DataRequired(message=REQUIRED)


def input_required():
    return InputRequired(message=REQUIRED)


def max_length(limit: int):
    return Length(max=limit, message=_l("Use at most %(max)d characters."))


def plain_name(form, field) -> None:
    """A person's name by `rules.is_plain_name` (the CSV import applies the same rule)."""
    if not is_plain_name(field.data or ""):
        raise ValidationError(
            _l("A name may only contain letters, spaces, hyphens, apostrophes and dots.")
        )


def not_in_future(form, field) -> None:
    if field.data and field.data > programme_today():
        raise ValidationError(_l("This date cannot be in the future."))


def name_field(label=None) -> StringField:
    return StringField(
        label or _l("Full name"), validators=[required(), max_length(120), plain_name]
    )


def options(pairs) -> list[SelectChoice]:
    """(value, label) pairs as WTForms choices."""
    return [SelectChoice(value, label) for value, label in pairs]


def locale_field() -> SelectField:
    return SelectField(_l("Language"), choices=options(LANGUAGE_NAMES.items()))


def version_field() -> IntegerField:
    return IntegerField(widget=HiddenInput(), validators=[Optional()])


class TransitionForm(BaseForm):
    trigger = HiddenField(validators=[required(), max_length(40)])
    version = version_field()
    reason = TextAreaField(_l("Reason"), validators=[Optional(), max_length(2000)])
    override_reason = TextAreaField(
        _l("Override: why the Dutch target may be waived"),
        validators=[Optional(), max_length(2000)],
    )
    start_date = DateField(_l("Start date"), validators=[Optional()])


class AssessmentForm(BaseForm):
    level = SelectField(_l("CEFR level"), choices=options((lvl, lvl) for lvl in CEFR_LEVELS))
    assessed_on = DateField(_l("Assessment date"), validators=[input_required(), not_in_future])
    note = StringField(_l("Note"), validators=[Optional(), max_length(500)])


class VersionForm(BaseForm):
    version = version_field()


def brussels_to_utc(value):
    """A date and time typed in Brussels time, as aware UTC (or None)."""
    if value is None:
        return None
    return value.replace(tzinfo=PROGRAMME_TZ).astimezone(UTC)


def optional_int(value):
    """Coerce for optional select fields whose empty choice means 'none'."""
    return int(value) if value not in (None, "", "None") else None


def is_hidden(field) -> bool:
    """A field the page sends as a hidden input (a version, a trigger): no one sees it."""
    return isinstance(field.widget, HiddenInput)


def form_errors(form) -> list[str]:
    """Every field error as 'Label: message', for reporting a failed compact form. A hidden
    field's message comes alone: its label is only its name, in English ("Version")."""
    return [
        f"{field.label.text}: {message}"
        if field.label and field.label.text and not is_hidden(field)
        else str(message)
        for field in form
        for message in field.errors
    ]
