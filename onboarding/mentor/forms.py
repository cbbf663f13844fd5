from flask_babel import lazy_gettext as _l
from wtforms import DateField, TextAreaField

from onboarding.forms import (
    BaseForm,
    VersionForm,
    confirmation,
    input_required,
    max_length,
    not_in_future,
    once_field,
    required,
)


class SignOffForm(VersionForm):
    confirmed = confirmation(
        _l("I confirm that the candidate is ready for a company placement."),
        _l("Tick the box to confirm the sign-off."),
    )


class MeetingForm(BaseForm):
    met_on = DateField(_l("Meeting date"), validators=[input_required(), not_in_future])
    note = TextAreaField(_l("Note"), validators=[required(), max_length(4000)])
    once = once_field()
