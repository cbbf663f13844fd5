from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    EmailField,
    HiddenField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import Email, NumberRange, Optional, ValidationError
from wtforms.widgets import HiddenInput

from onboarding.forms import (
    REQUIRED,
    BaseForm,
    brussels_to_utc,
    email_field,
    input_required,
    locale_field,
    max_length,
    name_field,
    once_field,
    optional_int,
    options,
    required,
    skills_field,
    version_field,
)
from onboarding.i18n import country_choices, valid_country
from onboarding.reference import LIMBURG_MUNICIPALITIES
from onboarding.services.auth import email_taken
from onboarding.services.placements import needs_start_date
from onboarding.vocabulary import (
    COMPANY_SIZE_LABELS,
    OUTREACH_CHANNEL_LABELS,
    PROJECT_KIND_LABELS,
    STEM_FIELD_LABELS,
)
from workflows.onboarding import CEFR_LEVELS


def _choices(labels: dict):
    return options([("", _l("Choose…")), *labels.items()])


def known_country(form, field) -> None:
    if not valid_country(field.data or ""):
        raise ValidationError(_l("Choose a country from the list."))


def mark_required(form: BaseForm) -> None:
    """Say "(required)" after the label of each required field, so that it shows before the
    form is sent (the inputs carry the `required` attribute too)."""
    marker = _("(required)")
    for field in form:
        if field.flags.required and field.label and not field.label.text.endswith(marker):
            field.label.text = f"{field.label.text} {marker}"


class CandidateFields(BaseForm):
    """A candidate's registration details with their checks, shared by the registration and
    the desk's correction of them: a country from the list, a free email address, a campaign
    and only an accepted partner (the choices). Required fields say so in their label."""

    name = name_field()
    email = email_field()
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
    campaign_id = SelectField(_l("Outreach campaign"), coerce=optional_int, validators=[Optional()])
    partner_id = SelectField(
        _l("Referred by partner"), coerce=optional_int, validators=[Optional()]
    )

    def candidate_details(self) -> dict:
        """The typed details as the services' `Registration` and `Details` name them."""
        return {
            "name": self.name.data,
            "email": self.email.data,
            "country_code": self.country.data,
            "origin_institution": self.origin_institution.data,
            "stem_field": self.stem_field.data,
            "graduation_date": self.graduation_date.data,
            "outreach_channel": self.outreach_channel.data,
            "locale": self.locale.data,
            "campaign_id": self.campaign_id.data,
            "partner_id": self.partner_id.data,
        }

    def validate_email(self, field) -> None:
        # Checked again (and backed by a unique constraint) in the service; here it keeps
        # what the desk typed on the form instead of a separate error page.
        email = (field.data or "").strip().lower()
        if email_taken(email, other_than=self.own_user_id):
            raise ValidationError(_l("A person with this email address is already registered."))

    def __init__(self, *args, own_user_id: int | None = None, **kwargs):
        # The account whose details are corrected: its own address is not "taken".
        self.own_user_id = own_user_id
        super().__init__(*args, **kwargs)
        self.country.choices = options([("", _l("Choose…")), *country_choices()])
        self.stem_field.choices = _choices(STEM_FIELD_LABELS)
        self.outreach_channel.choices = _choices(OUTREACH_CHANNEL_LABELS)
        from onboarding.services.board import campaign_and_partner_choices

        campaigns, partners = campaign_and_partner_choices()
        self.campaign_id.choices = options([("", _l("None")), *campaigns])
        self.partner_id.choices = options([("", _l("None")), *partners])
        mark_required(self)


class RegisterCandidateForm(CandidateFields):
    consent = BooleanField(_l("The candidate has consented to the processing of their data"))
    consent_note = StringField(
        _l("How was the consent received?"), validators=[Optional(), max_length(300)]
    )
    once = once_field()


class CorrectDetailsForm(CandidateFields):
    version = version_field()


class AssignMentorForm(BaseForm):
    # optional_int: the empty "choose a mentor" option (refused as not filled in).
    mentor_id = SelectField(
        _l("Mentor"), coerce=optional_int, validate_choice=False, validators=[input_required()]
    )
    version = version_field()


class PlacementForm(BaseForm):
    company_id = SelectField(
        _l("Company"), coerce=int, validate_choice=False, validators=[input_required()]
    )
    project_id = SelectField(
        _l("Project (optional)"), coerce=optional_int, validate_choice=False,
        validators=[Optional()],
    )  # fmt: skip
    project_title = StringField(_l("Innovation project"), validators=[Optional(), max_length(200)])
    interview_at = DateTimeLocalField(
        _l("Interview (Brussels time)"), validators=[Optional()], format="%Y-%m-%dT%H:%M"
    )
    once = once_field()

    def validate_project_title(self, field) -> None:
        if not (field.data or "").strip() and not self.project_id.data:
            raise ValidationError(_l("Choose a project or give the project a title."))

    def interview_utc(self):
        return brussels_to_utc(self.interview_at.data)


class PlacementStepForm(BaseForm):
    trigger = HiddenField(validators=[required(), max_length(40)])
    reason = StringField(_l("Reason"), validators=[Optional(), max_length(2000)])
    interview_at = DateTimeLocalField(
        _l("Interview (Brussels time)"), validators=[Optional()], format="%Y-%m-%dT%H:%M"
    )
    start_date = DateField(_l("Start date"), validators=[Optional()])

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        # The step that records the start date ("accept") asks for it (the page fills in one
        # recorded earlier); Optional() above would stop a field validator on an empty value.
        if self.start_date.data is None and needs_start_date(self.trigger.data or ""):
            self.start_date.errors = [*self.start_date.errors, REQUIRED]
            return False
        return valid

    def interview_utc(self):
        return brussels_to_utc(self.interview_at.data)


class ProposeForm(BaseForm):
    candidate_id = IntegerField(widget=HiddenInput(), validators=[input_required()])


class CompanyForm(BaseForm):
    name = StringField(_l("Name"), validators=[required(), max_length(200)])
    sector = StringField(_l("Sector"), validators=[required(), max_length(120)])
    municipality = SelectField(
        _l("Municipality in Limburg"),
        choices=options([("", _l("Choose…")), *((m, m) for m in LIMBURG_MUNICIPALITIES)]),
        validators=[required()],
    )
    contact_person = StringField(_l("Contact person"), validators=[Optional(), max_length(120)])
    contact_email = EmailField(
        _l("Contact email"),
        validators=[Optional(), max_length(254), Email(message=_l("Enter a valid email address."))],
    )
    size = SelectField(
        _l("Size"),
        choices=options([("", _l("Unknown")), *COMPANY_SIZE_LABELS.items()]),
        validators=[Optional()],
    )


class ProjectForm(BaseForm):
    kind = SelectField(_l("Kind"), choices=options(PROJECT_KIND_LABELS.items()))
    title = StringField(_l("Title"), validators=[required(), max_length(200)])
    description = TextAreaField(_l("Description"), validators=[Optional(), max_length(5000)])
    stem_fields = SelectMultipleField(
        _l("STEM fields"), choices=options(STEM_FIELD_LABELS.items()), validators=[Optional()]
    )
    skills = skills_field()
    min_dutch_level = SelectField(
        _l("Minimum Dutch level"),
        choices=options([("", _l("None")), *((lvl, lvl) for lvl in CEFR_LEVELS)]),
        validators=[Optional()],
    )
    start_date = DateField(_l("Start date"), validators=[Optional()])
    seats = IntegerField(
        _l("Seats"),
        default=1,
        validators=[
            input_required(),
            NumberRange(min=1, max=500, message=_l("Between %(min)s and %(max)s.")),
        ],
    )
    is_open = BooleanField(_l("Open for candidates"), default=True)


class CompanyContactForm(BaseForm):
    """A company contact: a person of the company who signs in to the company portal."""

    name = name_field()
    email = email_field()
    locale = locale_field()


class ProjectReviewForm(BaseForm):
    decision = SelectField(
        _l("Decision"),
        choices=options(
            [
                ("approve", _l("Approve: open for candidates")),
                ("decline", _l("Do not approve")),
            ]
        ),
        validators=[required()],
    )
