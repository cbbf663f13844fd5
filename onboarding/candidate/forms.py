from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, DateField, SelectField, StringField
from wtforms.validators import Optional, Regexp

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
from onboarding.services.profile_fields import STEM_FIELD_LABELS


class ProfileForm(BaseForm):
    name = name_field()
    phone = StringField(
        _l("Phone number"),
        validators=[
            Optional(),
            max_length(40),
            Regexp(
                r"^\+?[0-9 ()./-]{6,40}$",
                message=_l("Enter a phone number with digits, e.g. +264 61 123 4567."),
            ),
        ],
    )
    origin_institution = StringField(
        _l("Origin institution"), validators=[required(), max_length(200)]
    )
    stem_field = SelectField(_l("STEM field"), choices=options(STEM_FIELD_LABELS.items()))
    graduation_date = DateField(_l("Graduation date"), validators=[input_required()])
    locale = locale_field()
    consent = BooleanField(_l("I consent to the processing of my data for this programme"))
    version = version_field()
