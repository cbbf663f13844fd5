from flask_babel import lazy_gettext as _l
from wtforms import BooleanField

from onboarding.forms import BaseForm


class ReminderSettingsForm(BaseForm):
    opt_out = BooleanField(
        _l("Turn off non-essential reminders (deadline reminders are always sent)")
    )
