"""Candidate documents: upload, review by the desk, download by those allowed.

The routes live under the areas they belong to (/me, /desk, /mentor) but in this one
blueprint; each view checks its role itself, and the service decides who sees which
candidate (anyone else gets 404).
"""

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from onboarding.documents.forms import (
    DeleteOwnDocumentForm,
    RemoveDocumentForm,
    ReviewForm,
    UploadForm,
)
from onboarding.services import documents
from onboarding.services.access import own_candidate, visible_candidate
from onboarding.services.errors import Refused
from onboarding.web import (
    private_download,
    role_required,
    upload_refusal,
    validated,
    writes_on_get,
)

bp = Blueprint("documents", __name__)


@bp.record_once
def configure(state) -> None:
    state.app.config.setdefault("DOCUMENT_MAX_BYTES", documents.DEFAULT_MAX_BYTES)
    state.app.config.setdefault("DOCUMENT_MAX_PER_CANDIDATE", documents.DEFAULT_MAX_PER_CANDIDATE)


@bp.app_template_global()
def document_kind_label(kind: str) -> str:
    return documents.kind_label(kind)


def _page(template: str, candidate, **extra):
    listed = documents.documents_of(candidate)
    return render_template(
        template,
        candidate=candidate,
        documents=listed,
        checklist=documents.checklist_for(candidate, listed),
        **extra,
    )


@bp.route("/me/documents", methods=["GET", "POST"])
@role_required("candidate")
def my_documents():
    candidate = own_candidate(current_user)
    refusal = upload_refusal()
    form = UploadForm(formdata=None) if refusal else UploadForm()
    if refusal is None and form.validate_on_submit():
        upload = form.file.data
        try:
            document = documents.upload(
                current_user, form.kind.data, upload, upload.filename, form.valid_until.data
            )
        except Refused as error:
            refusal = error.message
        else:
            flash(
                _("“%(name)s” has been uploaded. The welcome desk will review it.",
                  name=document.original_name),
                "success",
            )  # fmt: skip
            return redirect(url_for("documents.my_documents"))
    status = 422 if refusal or form.errors else 200
    page = _page(
        "documents/mine.html",
        candidate,
        form=form,
        refusal=refusal,
        max_megabytes=documents.max_megabytes(),
        delete_form=DeleteOwnDocumentForm(formdata=None),
    )
    return page, status


@bp.post("/me/documents/<int:document_id>/delete")
@role_required("candidate")
def delete_own(document_id: int):
    validated(DeleteOwnDocumentForm(), _("The document could not be deleted."))
    document = documents.delete_own(current_user, document_id)
    flash(_("“%(name)s” has been deleted.", name=document.original_name), "success")
    return redirect(url_for("documents.my_documents"))


@bp.get("/documents/<int:document_id>")
@writes_on_get  # staff's and mentors' downloads are logged for the candidate
@role_required("candidate", "mentor", "staff")
def download(document_id: int):
    document, content = documents.read_document(current_user, document_id)
    # The name's extension is always the stored (sniffed) type's, also for rows stored before
    # uploads were renamed: a PDF sent as "diploma.html" is saved as "diploma.pdf".
    name = documents.display_name(document.original_name, document.content_type)
    return private_download(content, document.content_type, name)


@bp.get("/desk/candidates/<int:candidate_id>/documents")
@writes_on_get  # the candidate sees that the desk opened their documents
@role_required("staff")
def review_list(candidate_id: int):
    candidate = visible_candidate(current_user, candidate_id)
    documents.opened_list(current_user, candidate)
    return _page(
        "documents/review.html",
        candidate,
        form=ReviewForm(formdata=None),
        remove_form=RemoveDocumentForm(formdata=None),
    )


@bp.post("/desk/documents/<int:document_id>/review")
@role_required("staff")
def review(document_id: int):
    form = validated(ReviewForm(), _("The review could not be recorded."))
    document = documents.review(current_user, document_id, form.decision.data, form.reason.data)
    if document.status == "verified":
        flash(_("“%(name)s” is verified.", name=document.original_name), "success")
    else:
        flash(_("“%(name)s” is rejected.", name=document.original_name), "success")
    return redirect(url_for("documents.review_list", candidate_id=document.candidate_id))


@bp.post("/desk/documents/<int:document_id>/delete")
@role_required("staff")
def remove(document_id: int):
    form = validated(RemoveDocumentForm(), _("The document could not be removed."))
    document = documents.delete_by_desk(current_user, document_id, form.reason.data)
    flash(_("“%(name)s” has been removed.", name=document.original_name), "success")
    return redirect(url_for("documents.review_list", candidate_id=document.candidate_id))


@bp.get("/mentor/mentees/<int:candidate_id>/documents")
@writes_on_get  # the candidate sees that their mentor opened their documents
@role_required("mentor")
def mentee_documents(candidate_id: int):
    candidate = visible_candidate(current_user, candidate_id)
    documents.opened_list(current_user, candidate)
    return _page("documents/mentee.html", candidate)
