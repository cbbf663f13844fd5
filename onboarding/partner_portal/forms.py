"""Forms of the partner portal."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, DateField, SelectField, StringField, TextAreaField
from wtforms.validators import Optional, ValidationError

from onboarding.desk.forms import _choices, known_country, mark_required
from onboarding.forms import (
    BaseForm,
    email_field,
    input_required,
    locale_field,
    max_length,
    name_field,
    once_field,
    optional_int,
    options,
    required,
)
from onboarding.i18n import country_choices
from onboarding.partners.forms import NOT_A_CHOICE
from onboarding.services.auth import email_taken
from onboarding.vocabulary import STEM_FIELD_LABELS


class ReferForm(BaseForm):
    """A prospect the partner refers: the desk's registration details, without the channel
    (a partner referral), the partner (theirs) and consent (the candidate's to give)."""

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
    locale = locale_field()
    campaign_id = SelectField(_l("Outreach campaign"), coerce=optional_int, validators=[Optional()])
    once = once_field()

    def __init__(self, *args, campaigns=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.country.choices = options([("", _l("Choose…")), *country_choices()])
        self.stem_field.choices = _choices(STEM_FIELD_LABELS)
        self.campaign_id.choices = options([("", _l("None")), *((c.id, c.name) for c in campaigns)])
        mark_required(self)

    def validate_email(self, field) -> None:
        if email_taken((field.data or "").strip().lower()):
            raise ValidationError(_l("A person with this email address is already registered."))


class ListingForm(BaseForm):
    listed = BooleanField(_l("List our organisation in the partner directory"))
    offers = TextAreaField(_l("What we offer"), validators=[Optional(), max_length(2000)])
    seeks = TextAreaField(_l("What we are looking for"), validators=[Optional(), max_length(2000)])


class PartnerContactForm(BaseForm):
    name = name_field()
    email = email_field()
    locale = locale_field()


class PartnerImportForm(BaseForm):
    """A CSV file of prospects for the partner's own organisation, into one of its campaigns."""

    file = FileField(
        _l("CSV file"), validators=[FileRequired(message=_l("Choose a CSV file to upload."))]
    )
    campaign_id = SelectField(_l("Campaign (optional)"), validate_choice=False)

    def __init__(self, *args, campaigns=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.campaign_id.choices = options(
            [("", _l("None")), *((str(c.id), c.name) for c in campaigns)]
        )

    def validate_campaign_id(self, field) -> None:
        if (field.data or "") not in {choice.value for choice in field.choices}:
            raise ValidationError(NOT_A_CHOICE)

    def campaign(self) -> int | None:
        return int(self.campaign_id.data) if self.campaign_id.data else None
