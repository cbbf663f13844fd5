"""Forms of the partners area: the public application, decisions, campaigns, CSV import."""

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import AnyOf, Email, Optional, ValidationError

from onboarding.forms import BaseForm, max_length, name_field, once_field, options, required
from onboarding.i18n import country_choices, valid_country
from onboarding.services import campaigns, partners
from onboarding.vocabulary import CAMPAIGN_KIND_LABELS, PARTNER_KINDS

NOT_A_CHOICE = _l("Not a valid choice.")


def _email_field(label):
    return EmailField(
        label,
        validators=[required(), max_length(254), Email(message=_l("Enter a valid email address."))],
    )


def http_url(form, field) -> None:
    if field.data and not partners.valid_website(field.data):
        raise ValidationError(_l("Enter a web address that starts with http:// or https://."))


def optional_country(form, field) -> None:
    if field.data and not valid_country(field.data):
        raise ValidationError(_l("Choose a country from the list."))


class PartnerApplicationForm(BaseForm):
    name = StringField(_l("Organisation"), validators=[required(), max_length(200)])
    kind = RadioField(
        _l("How would you like to take part?"),
        choices=options(
            [
                ("lead", _l("As a lead partner: we take the lead")),
                ("contributing", _l("As a contributing partner: we think along")),
            ]
        ),
        validators=[required(), AnyOf(PARTNER_KINDS, message=NOT_A_CHOICE)],
        validate_choice=False,
    )
    contact_name = name_field(_l("Contact person"))
    email = _email_field(_l("Email address"))
    website = StringField(
        _l("Website (optional)"), validators=[Optional(), max_length(300), http_url]
    )
    country = SelectField(
        _l("Country (optional)"), validators=[optional_country], validate_choice=False
    )
    message = TextAreaField(
        _l("Your message (optional)"), validators=[Optional(), max_length(4000)]
    )
    # The honeypot: people do not see it (templates/partners/apply.html hides it), robots that
    # fill in every field do. Its name is one autofill leaves alone.
    referral_code = StringField(
        _l("Leave this field empty."), validators=[Optional(), max_length(200)]
    )
    once = once_field()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.country.choices = options([("", _l("Choose…")), *country_choices()])

    def sent_by_a_robot(self) -> bool:
        """The hidden field was filled in."""
        return bool(self.referral_code.raw_data and self.referral_code.raw_data[0])


class DecisionForm(BaseForm):
    decision = SelectField(
        _l("Decision"), choices=options([("accept", _l("Accept")), ("decline", _l("Decline"))])
    )
    note = TextAreaField(_l("Note (optional)"), validators=[Optional(), max_length(2000)])
    confirmed = BooleanField(
        _l("Accepting: this organisation becomes a partner that campaigns, referrals and "
           "imports can name.")
    )  # fmt: skip

    def validate_confirmed(self, field) -> None:
        if self.decision.data == "accept" and not field.data:
            raise ValidationError(_("Tick the box to accept this organisation as a partner."))


class CampaignForm(BaseForm):
    name = StringField(_l("Name"), validators=[required(), max_length(200)])
    kind = SelectField(_l("Type"), validators=[required()])
    target_countries = SelectMultipleField(_l("Target countries"), validate_choice=False)
    target_regions = StringField(_l("Target regions"), validators=[Optional(), max_length(300)])
    starts_on = DateField(_l("Start date"), validators=[Optional()])
    ends_on = DateField(_l("End date"), validators=[Optional()])
    partner_ids = SelectMultipleField(_l("Partner organisations"), validate_choice=False)

    def __init__(self, *args, campaign_id: int | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.campaign_id = campaign_id
        self.kind.choices = options([("", _l("Choose…")), *CAMPAIGN_KIND_LABELS.items()])
        self.target_countries.choices = options(country_choices())
        self.partner_ids.choices = options(
            (str(p.id), p.name) for p in partners.accepted_partners()
        )

    def validate_name(self, field) -> None:
        if field.data and campaigns.name_taken(field.data, self.campaign_id):
            raise ValidationError(_l("A campaign with this name already exists."))

    def validate_target_countries(self, field) -> None:
        if not all(valid_country(code) for code in field.data or []):
            raise ValidationError(_l("Choose countries from the list."))

    def validate_ends_on(self, field) -> None:
        if field.data and self.starts_on.data and field.data < self.starts_on.data:
            raise ValidationError(_l("The end date cannot be before the start date."))

    def validate_partner_ids(self, field) -> None:
        allowed = {choice.value for choice in field.choices}
        if not set(field.data or []) <= allowed:
            raise ValidationError(_l("Choose partners from the list."))

    def partner_id_values(self) -> tuple[int, ...]:
        return tuple(int(value) for value in self.partner_ids.data or [])


class ImportForm(BaseForm):
    file = FileField(
        _l("CSV file"), validators=[FileRequired(message=_l("Choose a CSV file to upload."))]
    )
    partner_id = SelectField(_l("Partner"), validators=[required()], validate_choice=False)
    campaign_id = SelectField(_l("Campaign (optional)"), validate_choice=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.partner_id.choices = options(
            [("", _l("Choose…")), *((str(p.id), p.name) for p in partners.accepted_partners())]
        )
        self.campaign_id.choices = options(
            [("", _l("None")), *((str(i), name) for i, name in campaigns.choices())]
        )

    def validate_partner_id(self, field) -> None:
        if field.data not in {choice.value for choice in field.choices if choice.value}:
            raise ValidationError(NOT_A_CHOICE)

    def validate_campaign_id(self, field) -> None:
        if (field.data or "") not in {choice.value for choice in field.choices}:
            raise ValidationError(NOT_A_CHOICE)

    def campaign(self) -> int | None:
        return int(self.campaign_id.data) if self.campaign_id.data else None
