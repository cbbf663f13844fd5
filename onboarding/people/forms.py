from flask_babel import lazy_gettext as _l
from wtforms import IntegerField, SelectField
from wtforms.validators import NumberRange, Optional, ValidationError

from onboarding.forms import (
    BaseForm,
    email_field,
    input_required,
    locale_field,
    name_field,
    once_field,
    options,
)
from onboarding.models import User
from onboarding.services.auth import email_taken
from onboarding.services.people import MAX_MENTOR_CAPACITY
from onboarding.vocabulary import INVITABLE_ROLES, ROLE_LABELS


def capacity_range() -> NumberRange:
    return NumberRange(min=0, max=MAX_MENTOR_CAPACITY, message=_l("Between %(min)s and %(max)s."))


class InvitePersonForm(BaseForm):
    name = name_field()
    email = email_field()
    locale = locale_field()
    role = SelectField(
        _l("Role"), choices=options((role, ROLE_LABELS[role]) for role in INVITABLE_ROLES)
    )
    mentor_capacity = IntegerField(
        _l("Mentor capacity"),
        default=lambda: User().capacity,
        validators=[Optional(), capacity_range()],
    )
    once = once_field()

    def validate_email(self, field) -> None:
        # Checked again (with the unique constraint behind it) in the service.
        if email_taken((field.data or "").strip().lower()):
            raise ValidationError(_l("A person with this email address is already registered."))


class CapacityForm(BaseForm):
    capacity = IntegerField(_l("Capacity"), validators=[input_required(), capacity_range()])
