"""Forms of the privacy pages: accepting and withdrawing consent, consent recorded by the
welcome desk, and the notice's versions."""

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, StringField, TextAreaField
from wtforms.validators import Optional

from onboarding.forms import BaseForm, confirmation, max_length, required
from onboarding.services.consent import BODY_LENGTH, CHANGES_LENGTH, NOTE_LENGTH

SHARE_LABEL = _l("Companies may see my profile when I am proposed to them")


class AcceptForm(BaseForm):
    accept = confirmation(
        _l("I have read the privacy notice and consent to the processing of my data"),
        _l("Tick the box to give your consent."),
    )
    share_with_companies = BooleanField(SHARE_LABEL)


class WithdrawForm(BaseForm):
    confirm = confirmation(
        _l(
            "I withdraw my consent: I will no longer get reminders that are not essential, "
            "I am left out of matching, I will not be proposed to companies, and my onboarding "
            "cannot move on until I consent again"
        ),
        _l("Tick the box to confirm that you withdraw your consent."),
    )


class OnBehalfForm(BaseForm):
    note = TextAreaField(
        _l("How was the consent received?"), validators=[required(), max_length(NOTE_LENGTH)]
    )
    share_with_companies = BooleanField(
        _l("Companies may see the candidate's profile when they are proposed")
    )


class NoticeForm(BaseForm):
    body_en = TextAreaField(_l("Text in English"), validators=[required(), max_length(BODY_LENGTH)])
    body_nl = TextAreaField(_l("Text in Dutch"), validators=[required(), max_length(BODY_LENGTH)])
    body_af = TextAreaField(
        _l("Text in Afrikaans"), validators=[required(), max_length(BODY_LENGTH)]
    )
    changes = StringField(
        _l("What changed since the previous version"),
        validators=[Optional(), max_length(CHANGES_LENGTH)],
    )


class PublishForm(BaseForm):
    confirm = confirmation(
        _l("Publish this version: every candidate will be asked to accept it again"),
        _l("Tick the box to confirm the publication."),
    )
