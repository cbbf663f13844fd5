from datetime import UTC

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    EmailField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import Email, Optional, ValidationError

from onboarding.forms import (
    BaseForm,
    input_required,
    locale_field,
    max_length,
    name_field,
    options,
    required,
    version_field,
)
from onboarding.i18n import country_choices, valid_country
from onboarding.services.candidates import email_taken
from onboarding.services.profile_fields import OUTREACH_CHANNEL_LABELS, STEM_FIELD_LABELS
from workflows.reminders import PROGRAMME_TZ


def _choices(labels: dict):
    return options([("", _l("Choose…")), *labels.items()])


def known_country(form, field) -> None:
    if not valid_country(field.data or ""):
        raise ValidationError(_l("Choose a country from the list."))


class RegisterCandidateForm(BaseForm):
    name = name_field()
    email = EmailField(
        _l("Email address"),
        validators=[required(), max_length(254), Email(message=_l("Enter a valid email address."))],
    )
    country = SelectField(
        _l("Country of origin"), validators=[required(), known_country], validate_choice=False
    )
    origin_institution = StringField(
        _l("Origin institution"), validators=[required(), max_length(200)]
    )
    stem_field = SelectField(_l("STEM field"), validators=[required()])
    graduation_date = DateField(_l("Graduation date"), validators=[input_required()])
    outreach_channel = SelectField(_l("Outreach channel"), validators=[required()])
    locale = locale_field()
    consent = BooleanField(_l("The candidate has consented to the processing of their data"))

    def validate_email(self, field) -> None:
        # Checked again (and backed by a unique constraint) in the service; here it keeps
        # what the desk typed on the form instead of a separate error page.
        if email_taken((field.data or "").strip().lower()):
            raise ValidationError(_l("A person with this email address is already registered."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.country.choices = options([("", _l("Choose…")), *country_choices()])
        self.stem_field.choices = _choices(STEM_FIELD_LABELS)
        self.outreach_channel.choices = _choices(OUTREACH_CHANNEL_LABELS)


class AssignMentorForm(BaseForm):
    mentor_id = SelectField(
        _l("Mentor"), coerce=int, validate_choice=False, validators=[input_required()]
    )
    version = version_field()


class PlacementForm(BaseForm):
    company_id = SelectField(
        _l("Company"), coerce=int, validate_choice=False, validators=[input_required()]
    )
    project_title = StringField(_l("Innovation project"), validators=[required(), max_length(200)])
    start_date = DateField(_l("Start date"), validators=[Optional()])
    interview_at = DateTimeLocalField(
        _l("Interview (Brussels time)"), validators=[Optional()], format="%Y-%m-%dT%H:%M"
    )
    accepted = BooleanField(_l("The company has accepted this placement"))

    def interview_utc(self):
        """The interview as typed in Brussels time, stored in UTC."""
        if self.interview_at.data is None:
            return None
        local = self.interview_at.data.replace(tzinfo=PROGRAMME_TZ)
        return local.astimezone(UTC)


class PlacementDecisionForm(BaseForm):
    decision = SelectField(
        _l("Decision"), choices=options([("accept", _l("Accept")), ("decline", _l("Decline"))])
    )
    start_date = DateField(_l("Start date"), validators=[Optional()])
    reason = TextAreaField(_l("Reason"), validators=[Optional(), max_length(2000)])
