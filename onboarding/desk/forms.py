from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    DecimalField,
    EmailField,
    HiddenField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    URLField,
)
from wtforms.validators import (
    URL,
    Email,
    NumberRange,
    Optional,
    StopValidation,
    ValidationError,
)
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
from onboarding.services.companies import ProjectData, normalise_skills
from onboarding.services.placements import needs_start_date
from onboarding.services.relocation_rules import HelpData, RuleData
from onboarding.vocabulary import (
    COMPANY_SIZE_LABELS,
    HELP_KIND_LABELS,
    OUTREACH_CHANNEL_LABELS,
    PROJECT_KIND_LABELS,
    RELOCATION_RULE_LABELS,
    RESIDENCE_ROUTE_LABELS,
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

    def project_data(self) -> ProjectData:
        """The project as the service takes it (a form without `is_open`: not open)."""
        return ProjectData(
            kind=self.kind.data,
            title=self.title.data,
            description=self.description.data or "",
            stem_fields=self.stem_fields.data or [],
            skills=normalise_skills(self.skills.data or ""),
            min_dutch_level=self.min_dutch_level.data or None,
            start_date=self.start_date.data,
            seats=self.seats.data,
            is_open=bool(self.is_open.data) if self.is_open is not None else False,
        )


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


# The relocation plan: a candidate's route and arrival, a step not needed, the rule rows and
# the help in each municipality.


def finite_number(form, field) -> None:
    """ "NaN" and "Infinity" parse as decimals but are no figure (and NaN cannot be compared)."""
    if field.data is not None and not field.data.is_finite():
        raise StopValidation(_l("Enter a number."))


class DeskPlanForm(BaseForm):
    residence_route = SelectField(_l("Residence route"), validators=[Optional()])
    arrival_on = DateField(_l("Arrival date in Belgium"), validators=[Optional()])
    home_municipality = SelectField(_l("Municipality where they live"), validators=[Optional()])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.residence_route.choices = options(
            [("", _l("Not chosen yet")), *RESIDENCE_ROUTE_LABELS.items()]
        )
        self.home_municipality.choices = options(
            [("", _l("Not yet known")), *((m, m) for m in LIMBURG_MUNICIPALITIES)]
        )


class NotNeededForm(BaseForm):
    reason = TextAreaField(
        _l("Why this step is not needed"), validators=[required(), max_length(500)]
    )


class RuleForm(BaseForm):
    key = SelectField(_l("Rule"), validators=[required()])
    value = DecimalField(
        _l("Value"),
        places=2,
        validators=[input_required(), finite_number, NumberRange(min=0, max=9999999999,
                    message=_l("The value must be zero or more."))],
    )  # fmt: skip
    effective_from = DateField(_l("In force from"), validators=[input_required()])
    source_url = URLField(
        _l("Source (web address)"),
        validators=[required(), max_length(500), URL(message=_l("Give a full web address."))],
    )
    checked_on = DateField(_l("Last checked on"), validators=[Optional()])
    verified = BooleanField(_l("Verified against the source"))
    note = TextAreaField(_l("Note"), validators=[Optional(), max_length(1000)])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.key.choices = options([("", _l("Choose…")), *RELOCATION_RULE_LABELS.items()])

    def data_for(self) -> RuleData:
        return RuleData(
            key=self.key.data,
            value=self.value.data,
            effective_from=self.effective_from.data,
            source_url=self.source_url.data,
            checked_on=self.checked_on.data,
            verified=bool(self.verified.data),
            note=self.note.data or "",
        )


class HelpForm(BaseForm):
    municipality = SelectField(_l("Municipality"), validators=[required()])
    kind = SelectField(_l("Kind of help"), validators=[required()])
    name = StringField(_l("Name"), validators=[required(), max_length(200)])
    address = StringField(_l("Address"), validators=[required(), max_length(300)])
    hours_nl = TextAreaField(_l("Opening hours in Dutch"), validators=[Optional(), max_length(500)])
    hours_af = TextAreaField(
        _l("Opening hours in Afrikaans"), validators=[Optional(), max_length(500)]
    )
    hours_en = TextAreaField(
        _l("Opening hours in English"), validators=[Optional(), max_length(500)]
    )
    url = URLField(
        _l("Website"),
        validators=[Optional(), max_length(500), URL(message=_l("Give a full web address."))],
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.municipality.choices = options(
            [("", _l("Choose…")), *((m, m) for m in LIMBURG_MUNICIPALITIES)]
        )
        self.kind.choices = options([("", _l("Choose…")), *HELP_KIND_LABELS.items()])

    def fill_from(self, entry) -> None:
        for locale in ("nl", "af", "en"):
            getattr(self, f"hours_{locale}").data = (entry.hours or {}).get(locale, "")

    def data_for(self) -> HelpData:
        return HelpData(
            municipality=self.municipality.data,
            kind=self.kind.data,
            name=self.name.data,
            address=self.address.data,
            hours={
                locale: getattr(self, f"hours_{locale}").data or "" for locale in ("nl", "af", "en")
            },
            url=self.url.data or "",
        )
