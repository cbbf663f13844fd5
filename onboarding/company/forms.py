"""Forms of the company portal; a placement step and a project use the desk's own forms."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import AnyOf, Optional

from onboarding.desk.forms import PlacementStepForm, ProjectForm
from onboarding.forms import BaseForm, ButtonForm, email_field, max_length, options, required

__all__ = ["PlacementStepForm", "ProjectProposalForm"]


class SignInRequestForm(BaseForm):
    email = email_field(_l("Your email address"))


class SignInForm(ButtonForm):
    """Signing in with the link is a button: a mail scanner that opens the link does not
    use it up."""


class ProjectProposalForm(ProjectForm):
    """A project the company proposes: the desk opens it for matching when it approves."""

    is_open = None


class ContactDetailsForm(BaseForm):
    contact_person = StringField(_l("Contact person"), validators=[required(), max_length(120)])
    contact_email = email_field(_l("Contact email"))


class CheckinForm(BaseForm):
    day = HiddenField(validators=[required(), AnyOf(["30", "90"])])
    rating = SelectField(
        _l("How is it going? (1 = badly, 5 = very well)"),
        choices=options([("", _l("Choose…")), *((str(n), str(n)) for n in range(1, 6))]),
        validators=[required()],
    )
    comment = TextAreaField(_l("Comment"), validators=[Optional(), max_length(2000)])
