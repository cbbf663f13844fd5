"""The company portal (/company): signing in with an emailed link, the company's projects
and proposed candidates, the placement steps a company takes, proposing a project, and the
company's contact data. Another company's placement is not found (404)."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import refresh
from flask_login import current_user

from onboarding.auth.login import end_session, start_session
from onboarding.company.forms import (
    CheckinForm,
    ContactDetailsForm,
    PlacementStepForm,
    ProjectProposalForm,
    SignInForm,
    SignInRequestForm,
)
from onboarding.db import rollback
from onboarding.pages import SideForm
from onboarding.services import (
    auth,
    company_contacts,
    company_portal,
    documents,
    placements,
    throttle,
)
from onboarding.services.errors import Conflict, Refused
from onboarding.vocabulary import (
    PLACEMENT_STATUS_LABELS,
    PROJECT_APPROVAL_LABELS,
    PROJECT_KIND_LABELS,
    STEM_FIELD_LABELS,
)
from onboarding.web import form_errors, private_download, role_required, writes_on_get

bp = Blueprint("company", __name__, url_prefix="/company")

LABELS = {
    "placement": PLACEMENT_STATUS_LABELS,
    "approval": PROJECT_APPROVAL_LABELS,
    "kind": PROJECT_KIND_LABELS,
    "stem": STEM_FIELD_LABELS,
}


@bp.route("/sign-in", methods=["GET", "POST"])
def sign_in():
    """A contact asks for a link: the same answer whatever the address."""
    form = SignInRequestForm()
    if form.validate_on_submit():
        email = form.email.data.strip().lower()
        limits = [
            ("RESET_LIMIT", "sign-in-link-account", email),
            ("RESET_LIMIT", "sign-in-link-address", request.remote_addr or ""),
        ]
        throttle.refuse_if_exhausted(limits)
        throttle.count_failure(limits)  # every request counts, known address or not
        company_contacts.request_link(email)
        return render_template("company/link_sent.html", email=email)
    return render_template("company/sign_in.html", form=form), 422 if form.errors else 200


@bp.route("/sign-in/<token>", methods=["GET", "POST"])
def sign_in_with_link(token: str):
    """GET shows a button (a mail scanner's visit does not use the link); POST signs in."""
    link = auth.invitation_for(token, purpose="sign_in")
    if link is None or not link.user.active or link.user.role != "company":
        return render_template("company/link_invalid.html"), 404
    form = SignInForm()
    if form.validate_on_submit():
        try:
            user = company_contacts.sign_in(token)
        except Refused:
            return render_template("company/link_invalid.html"), 404
        end_session()
        start_session(user)
        refresh()
        return redirect(url_for("company.home"))
    return render_template("company/sign_in_with_link.html", form=form, person=link.user)


@bp.get("/")
@role_required("company")
def home():
    return render_template(
        "company/home.html", overview=company_portal.overview(current_user), labels=LABELS
    )


@bp.get("/placements/<int:placement_id>")
@role_required("company")
def placement(placement_id: int):
    return _placement_page(placement_id)


def _placement_page(placement_id: int, refused: SideForm | None = None):
    """The placement page; with `refused`, that step's form shown again with its errors."""
    page = company_portal.placement_page(current_user, placement_id)
    return render_template(
        "company/placement.html",
        page=page,
        form=PlacementStepForm(formdata=None),
        refused=refused,
        labels=LABELS,
    )


@bp.get("/placements/<int:placement_id>/cv")
@writes_on_get  # the download is logged for the candidate
@role_required("company")
def cv(placement_id: int):
    """The candidate's CV, once the desk verified it (never another document)."""
    document, content = company_portal.read_cv(current_user, placement_id)
    name = documents.display_name(document.original_name, document.content_type)
    return private_download(content, document.content_type, name)


@bp.post("/placements/<int:placement_id>/steps")
@role_required("company")
def placement_step(placement_id: int):
    form = PlacementStepForm()
    message = _("The step could not be taken.")
    key = form.trigger.data or ""
    if not form.validate_on_submit():
        refused = SideForm("step_form", form, message, tuple(form_errors(form)), key)
        return _placement_page(placement_id, refused), 422
    try:
        done = placements.fire(
            current_user,
            placement_id,
            form.trigger.data,
            reason=form.reason.data or "",
            interview_at=form.interview_utc(),
            start_date=form.start_date.data,
        )
    except (Refused, Conflict) as error:
        rollback()  # nothing of the refused step stays
        refused = SideForm("step_form", form, error.message, tuple(error.details), key)
        return _placement_page(placement_id, refused), 409 if isinstance(error, Conflict) else 422
    flash(
        _("The placement is now “%(status)s”.", status=str(PLACEMENT_STATUS_LABELS[done.status])),
        "success",
    )
    return redirect(url_for("company.placement", placement_id=placement_id))


@bp.route("/placements/<int:placement_id>/check-in/<int:day>", methods=["GET", "POST"])
@role_required("company")
def checkin(placement_id: int, day: int):
    """The short check-in 30 or 90 days after a placement started."""
    page = company_portal.placement_page(current_user, placement_id)
    if day not in company_portal.CHECKIN_DAYS:
        abort(404)
    form = CheckinForm()
    if form.validate_on_submit():
        company_portal.record_checkin(
            current_user, placement_id, day, int(form.rating.data), form.comment.data or ""
        )
        flash(_("Thank you: the welcome desk and the mentor will read your check-in."), "success")
        return redirect(url_for("company.placement", placement_id=placement_id))
    status = 422 if form.errors else 200
    return render_template("company/checkin.html", page=page, day=day, form=form), status


@bp.route("/projects/new", methods=["GET", "POST"])
@role_required("company")
def propose_project():
    company = company_portal.own_company(current_user)
    form = ProjectProposalForm()
    if form.validate_on_submit():
        company_portal.propose_project(current_user, form.project_data())
        flash(_("Thank you: the welcome desk will review the project."), "success")
        return redirect(url_for("company.home"))
    status = 422 if form.errors else 200
    return render_template("company/project_form.html", form=form, company=company), status


@bp.route("/details", methods=["GET", "POST"])
@role_required("company")
def details():
    company = company_portal.own_company(current_user)
    form = ContactDetailsForm(obj=company)
    if form.validate_on_submit():
        company_portal.save_contact_details(
            current_user, form.contact_person.data, form.contact_email.data
        )
        flash(_("The contact details have been saved."), "success")
        return redirect(url_for("company.home"))
    status = 422 if form.errors else 200
    return render_template("company/details.html", form=form, company=company), status
