"""Form base class and fields shared by several areas.

WTForms' own messages ("Not a valid choice.", …) are routed through our catalog so that
they appear in nl, af and en like every other message.
"""

from __future__ import annotations

import re
import secrets
from datetime import UTC, date, datetime

from flask_babel import get_translations
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    DateTimeField,
    EmailField,
    HiddenField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    DataRequired,
    Email,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    StopValidation,
    ValidationError,
)
from wtforms.widgets import HiddenInput

from onboarding.i18n import LANGUAGE_NAMES, format_date
from onboarding.rules import SKILL_LENGTH, is_plain_name, skill_items
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


# -- what every field of every form refuses (BaseForm adds these validators itself) -----------

# The largest integer either database stores (signed 64 bits): a larger one in a form would be
# an OverflowError in the SQLite driver. Ids, versions and counts are never negative.
MAX_INT = 2**63 - 1
# Plausible dates for this programme: a year 1 or 9999 is a typing slip (or a probe) and
# overflows date arithmetic (time zones, durations) further on.
FIRST_DAY = date(1950, 1, 1)
LAST_DAY = date(2100, 12, 31)
# C0 control characters (and DEL), except TAB; multi-line fields also keep CR and LF.
# PostgreSQL refuses NUL in text; the others corrupt CSV exports, e-mails and iCalendar.
_CONTROL_MULTI_LINE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_CONTROL_SINGLE_LINE = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")


def has_control_characters(value: str, *, multi_line: bool = False) -> bool:
    pattern = _CONTROL_MULTI_LINE if multi_line else _CONTROL_SINGLE_LINE
    return pattern.search(value) is not None


def control_characters_message(value: str, *, multi_line: bool = False) -> str:
    """The translated refusal of a text with control characters (a form field, a filter)."""
    if not multi_line and not _CONTROL_MULTI_LINE.search(value):
        return _("This field takes a single line: remove the line breaks.")
    return _("Remove the invisible control characters from this text.")


def plain_text(form, field) -> None:
    """No control characters in a text field (line breaks only where the field has lines).
    Stops the field's other validators: none of them may send such a value to the database."""
    value = field.data
    multi_line = isinstance(field, TextAreaField)
    if isinstance(value, str) and has_control_characters(value, multi_line=multi_line):
        raise StopValidation(control_characters_message(value, multi_line=multi_line))


def date_range_message() -> str:
    return _(
        "Enter a date between %(first)s and %(last)s.",
        first=format_date(FIRST_DAY, "long"),
        last=format_date(LAST_DAY, "long"),
    )


def in_date_range(value: date | None) -> bool:
    if isinstance(value, datetime):
        value = value.date()
    return value is None or FIRST_DAY <= value <= LAST_DAY


def plausible_date(form, field) -> None:
    if not in_date_range(field.data):
        raise StopValidation(date_range_message())


def _out_of_range(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and not 0 <= value <= MAX_INT


def bounded_int(form, field) -> None:
    values = field.data if isinstance(field.data, list | tuple) else (field.data,)
    if any(_out_of_range(value) for value in values):
        raise StopValidation(_l("This number is too large or negative."))


def _numeric_select(field) -> bool:
    """A select whose values become numbers and that takes any value (checked later)."""
    return (
        isinstance(field, SelectField | SelectMultipleField)
        and field.coerce is not str
        and not field.validate_choice
    )


def _has_own_range(field) -> bool:
    return any(
        isinstance(v, NumberRange)
        and v.min is not None
        and v.max is not None
        and v.min >= 0
        and v.max <= MAX_INT
        for v in field.validators
    )


def shared_validators(field) -> list:
    """The validators every field of its kind gets, run before its own."""
    if isinstance(field, StringField | TextAreaField):
        return [plain_text]
    if isinstance(field, DateTimeField):  # DateField and DateTimeLocalField too
        return [plausible_date]
    if (isinstance(field, IntegerField) and not _has_own_range(field)) or _numeric_select(field):
        return [bounded_int]
    return []


class BaseForm(FlaskForm):
    """Every form: WTForms' messages from our catalog, and the shared validators of each
    field's kind (no control characters in text, plausible dates, integers a database
    stores), so that no form can forget them."""

    class Meta:
        def get_translations(self, form):
            return _CatalogTranslations()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self:
            if isinstance(field, SelectMultipleField) and field.raw_data:
                # A blank among the values (a hand-made post) would make Optional() stop
                # the field's validation before the choices are checked.
                field.raw_data = [value for value in field.raw_data if value != ""]
                if isinstance(field.data, list):
                    field.data = [value for value in field.data if value not in ("", None)]
            if isinstance(field, TextAreaField) and isinstance(field.data, str):
                # Browsers send a line break as CR LF but count it as one character against
                # maxlength: store it as one, so that a text the browser let through fits.
                field.data = field.data.replace("\r\n", "\n")
            shared = shared_validators(field)
            if shared:
                # A new list: the unbound field's list is shared by every form instance.
                field.validators = [*shared, *field.validators]


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


def each_skill_fits(form, field) -> None:
    if any(len(skill) > SKILL_LENGTH for skill in skill_items(field.data or "")):
        raise ValidationError(
            _l("Each skill may have at most %(max)d characters.") % {"max": SKILL_LENGTH}
        )


def skills_field() -> StringField:
    """Skills separated by commas: the list as a whole, and each skill as stored."""
    return StringField(
        _l("Skills (separated by commas)"),
        validators=[Optional(), max_length(1000), each_skill_fits],
    )


def name_field(label=None) -> StringField:
    return StringField(
        label or _l("Full name"), validators=[required(), max_length(120), plain_name]
    )


def email_field(label=None) -> EmailField:
    """An email address as `users.email` holds it (the service lower-cases it)."""
    return EmailField(
        label or _l("Email address"),
        validators=[required(), max_length(254), Email(message=_l("Enter a valid email address."))],
    )


def options(pairs) -> list[SelectChoice]:
    """(value, label) pairs as WTForms choices."""
    return [SelectChoice(value, label) for value, label in pairs]


def locale_field() -> SelectField:
    return SelectField(_l("Language"), choices=options(LANGUAGE_NAMES.items()))


def new_token() -> str:
    return secrets.token_urlsafe(24)


def once_field() -> HiddenField:
    """A form's one-time token (services/submissions.py): a new one each time the form is
    drawn, sent back as it was when the form is shown again after an error."""
    return HiddenField(default=new_token, validators=[Optional(), max_length(64)])


def sent_token(form) -> str:
    """The one-time token the submit carried ("" when it carried none: no protection)."""
    field = form.once
    return field.data if field.raw_data and isinstance(field.data, str) else ""


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
    confirmed = BooleanField()  # the step's own confirmation text is its label on the page


def confirmation(label, message) -> BooleanField:
    """A box to tick before a one-click action with consequences (no script needed)."""
    return BooleanField(label, validators=[DataRequired(message=message)])


class AssessmentForm(BaseForm):
    level = SelectField(_l("CEFR level"), choices=options((lvl, lvl) for lvl in CEFR_LEVELS))
    assessed_on = DateField(_l("Assessment date"), validators=[input_required(), not_in_future])
    note = StringField(_l("Note"), validators=[Optional(), max_length(500)])


class VersionForm(BaseForm):
    version = version_field()


class ButtonForm(BaseForm):
    """A form that is a button: only its CSRF token."""


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
