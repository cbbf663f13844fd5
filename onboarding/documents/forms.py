"""Forms of the documents area: the candidate's upload and the desk's review."""

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import DateField, SelectField, TextAreaField
from wtforms.validators import Optional

from onboarding.forms import REQUIRED, BaseForm, confirmation, max_length, options, required
from onboarding.services.documents import kind_label
from onboarding.vocabulary import DOCUMENT_KINDS


def kind_choices():
    # Built per request: the labels are translated into the reader's language.
    return options((kind, kind_label(kind)) for kind in DOCUMENT_KINDS)


class UploadForm(BaseForm):
    """No extension or content-type check here: the service checks the file's content."""

    kind = SelectField(_l("Which document is this?"), choices=kind_choices)
    file = FileField(_l("File (PDF, JPEG or PNG)"), validators=[FileRequired(message=REQUIRED)])
    # Asked of permits and cards only (the service says so when it is missing).
    valid_until = DateField(_l("Valid until"), validators=[Optional()])


class ReviewForm(BaseForm):
    decision = SelectField(
        _l("Decision"),
        choices=options([("verified", _l("Verified")), ("rejected", _l("Rejected"))]),
    )
    reason = TextAreaField(
        _l("Reason for rejection (the candidate sees it)"),
        validators=[Optional(), max_length(2000)],
    )


class DeleteOwnDocumentForm(BaseForm):
    confirmed = confirmation(
        _l("Yes, delete this document."),
        _l("Tick the box to confirm that the document must be deleted."),
    )


class RemoveDocumentForm(BaseForm):
    reason = TextAreaField(
        _l("Reason for removing it (kept in the history)"),
        validators=[required(), max_length(2000)],
    )
    confirmed = confirmation(
        _l("Yes, remove this document and its file."),
        _l("Tick the box to confirm that the document must be removed."),
    )
