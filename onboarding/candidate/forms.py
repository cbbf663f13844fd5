from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, DateField, SelectField, SelectMultipleField, StringField
from wtforms.validators import Optional, Regexp

from onboarding.forms import (
    BaseForm,
    input_required,
    locale_field,
    max_length,
    name_field,
    options,
    required,
    skills_field,
    version_field,
)
from onboarding.reference import LIMBURG_MUNICIPALITIES
from onboarding.vocabulary import DEGREE_LEVEL_LABELS, STEM_FIELD_LABELS
from workflows.onboarding import CEFR_LEVELS


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
    other_fields = SelectMultipleField(
        _l("Other STEM fields"), choices=options(STEM_FIELD_LABELS.items()),
        validators=[Optional()],
    )  # fmt: skip
    graduation_date = DateField(_l("Graduation date"), validators=[input_required()])
    degree_level = SelectField(
        _l("Degree"),
        choices=options([("", _l("Choose…")), *DEGREE_LEVEL_LABELS.items()]),
        validators=[Optional()],
    )
    skills = skills_field()
    dutch_level = SelectField(
        _l("Dutch level (CEFR)"),
        choices=options([("", _l("Not known")), *((lvl, lvl) for lvl in CEFR_LEVELS)]),
        validators=[Optional()],
    )
    english_level = SelectField(
        _l("English level (CEFR)"),
        choices=options([("", _l("Not known")), *((lvl, lvl) for lvl in CEFR_LEVELS)]),
        validators=[Optional()],
    )
    available_from = DateField(_l("Available from"), validators=[Optional()])
    preferred_municipalities = SelectMultipleField(
        _l("Preferred municipalities in Limburg"),
        choices=options((m, m) for m in LIMBURG_MUNICIPALITIES),
        validators=[Optional()],
    )
    locale = locale_field()
    consent = BooleanField(_l("I consent to the processing of my data for this programme"))
    version = version_field()


def municipality_choices():
    return options([("", _l("Not yet known")), *((m, m) for m in LIMBURG_MUNICIPALITIES)])


class ArrivalForm(BaseForm):
    """The arrival day (the plan's deadlines count from it) and where the candidate lives."""

    arrival_on = DateField(_l("Arrival date in Belgium"), validators=[Optional()])
    home_municipality = SelectField(
        _l("Municipality where you live"), choices=municipality_choices, validators=[Optional()]
    )


class StepDoneForm(BaseForm):
    done_on = DateField(_l("Done on"), validators=[required()])
