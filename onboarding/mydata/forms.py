"""Forms of the data pages: the candidate's request for a copy, and the desk's postal one."""

from flask_babel import lazy_gettext as _l
from wtforms import StringField

from onboarding.forms import BaseForm, max_length, required


class ExportRequestForm(BaseForm):
    """No fields: the button asks for a copy of the candidate's own data."""


class PostalExportForm(BaseForm):
    note = StringField(
        _l("How the request was received"),
        validators=[required(), max_length(300)],
    )
