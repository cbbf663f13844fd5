"""Forms of the erasure and legal-hold pages."""

from flask_babel import lazy_gettext as _l
from wtforms import TextAreaField

from onboarding.forms import BaseForm, confirmation, max_length, required
from onboarding.services.retention import HOLD_REASON_LENGTH


class EraseForm(BaseForm):
    confirmed = confirmation(
        _l(
            "I confirm that everything listed above is erased for good. The anonymous phase "
            "history stays for the reports."
        ),
        _l("Tick the box to confirm the erasure."),
    )


class HoldForm(BaseForm):
    reason = TextAreaField(
        _l("Reason for the legal hold"), validators=[required(), max_length(HOLD_REASON_LENGTH)]
    )


class ErasureRequestForm(BaseForm):
    confirmed = confirmation(
        _l(
            "I ask the welcome desk to erase my account, profile, documents and everything "
            "else Onthaal holds about me."
        ),
        _l("Tick the box to confirm your request."),
    )
