"""Forms of the conversation: a message (with an optional attachment) and a group message."""

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import IntegerField, SelectField, TextAreaField
from wtforms.validators import Optional
from wtforms.widgets import HiddenInput

from onboarding.forms import BaseForm, confirmation, max_length, required
from onboarding.services.conversations import MAX_LENGTH


class MessageForm(BaseForm):
    """No file check here: the service checks the attachment's content and size."""

    body = TextAreaField(_l("Your message"), validators=[required(), max_length(MAX_LENGTH)])
    attachment = FileField(_l("Attach a file (optional)"))


def _filter_field(label) -> SelectField:
    # The group chosen on the page above the form (its GET filter), carried along as it was
    # counted; the view sets the choices (phases, countries in use, campaigns).
    return SelectField(label, widget=HiddenInput(), validators=[Optional()])


class GroupMessageForm(BaseForm):
    phase = _filter_field(_l("Phase"))
    country = _filter_field(_l("Country"))
    campaign = _filter_field(_l("Campaign"))
    body = TextAreaField(_l("Message"), validators=[required(), max_length(MAX_LENGTH)])
    # How many candidates the desk saw the group match: it goes out only if that still holds.
    expected = IntegerField(widget=HiddenInput(), validators=[Optional()])
    confirmed = confirmation(
        _l("Yes, send this message to every candidate in this group."),
        _l("Tick the box to confirm that the message goes to the whole group."),
    )
