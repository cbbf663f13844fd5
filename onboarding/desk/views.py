"""The welcome desk: pipeline board, registration, and the full candidate page."""

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.datastructures import MultiDict

from onboarding.db import after_commit, rollback
from onboarding.desk.forms import (
    AssignMentorForm,
    CompanyContactForm,
    CompanyForm,
    CorrectDetailsForm,
    PlacementForm,
    PlacementStepForm,
    ProjectForm,
    ProjectReviewForm,
    ProposeForm,
    RegisterCandidateForm,
)
from onboarding.forms import AssessmentForm, ButtonForm, TransitionForm, VersionForm
from onboarding.i18n import country_name
from onboarding.pages import (
    DESK_PAGE,
    candidate_page,
    fire_from_form,
    placement_candidate_id,
    record_assessment_from_form,
    send_invitation,
    side_form,
)
from onboarding.services import (
    board,
    candidates,
    companies,
    company_contacts,
    company_portal,
    exports,
    matching,
    people,
    placements,
    relocation,
    reminders,
    workflow,
)
from onboarding.services.access import visible_candidate
from onboarding.services.errors import Conflict, Refused
from onboarding.vocabulary import (
    COMPANY_SIZE_LABELS,
    OUTBOX_KIND_LABELS,
    PLACEMENT_STATUS_LABELS,
    PROJECT_APPROVAL_LABELS,
    PROJECT_KIND_LABELS,
    REMINDER_STATUS_LABELS,
    REMINDER_STATUSES,
    STEM_FIELD_LABELS,
)
from onboarding.web import (
    claim_once,
    csv_download,
    csv_form,
    finish_once,
    page_arg,
    role_required,
    sent_before,
    text_arg,
    validated,
)
from workflows.onboarding import PHASES

bp = Blueprint("desk", __name__, url_prefix="/desk")


@bp.before_request
@role_required("staff")
def staff_only():
    return None


def board_filter_from(
    args: MultiDict[str, str], mentor_ids: set[int] | None = None
) -> board.BoardFilter:
    """The board's filters from the query string (the board and its CSV export). A value
    the board does not know (a phase, a sort order, a mentor, a page) is left out, as if
    not given; `mentor_ids`: the mentors one may filter on (None: any id)."""
    mentor = args.get("mentor", "")
    mentor_id = int(mentor) if mentor.isdigit() and len(mentor) <= 18 else None
    if mentor_id is not None and mentor_ids is not None and mentor_id not in mentor_ids:
        mentor_id = None
    sort = args.get("sort")
    return board.BoardFilter(
        phase=args.get("phase") if args.get("phase") in PHASES else None,
        country=text_arg(args, "country", 2).upper() or None,
        search=text_arg(args, "q", 120),
        page=page_arg(args),
        mentor_id=mentor_id,
        without_mentor=mentor == board.NO_MENTOR,
        sort=sort if sort in board.SORTS else None,
        overdue_steps=args.get("overdue") == board.OVERDUE_ARG,
    )


@bp.get("/", endpoint="board")
def board_view():
    mentors = board.mentor_options()
    board_filter = board_filter_from(request.args, {m.id for m in mentors})
    countries = sorted(board.countries_in_use(), key=lambda code: country_name(code).lower())
    page = board.board_page(board_filter, current_app.config["BOARD_PAGE_SIZE"], countries)
    return render_template(
        "desk/board.html",
        filter=board_filter,
        counts=board.phase_counts(board_filter),
        page=page,
        steps=workflow.next_steps(page.items, current_user.role),
        countries=countries,
        mentors=mentors,
        phases=PHASES,
        stuck=board.stuck_candidates(board_filter),
        late_steps=relocation.overdue_steps(c.id for c in page.items),
        red_flags=relocation.red_flags(page.items),
    )


@bp.route("/candidates/new", methods=["GET", "POST"])
def register():
    form = RegisterCandidateForm()
    if form.is_submitted() and (earlier := sent_before(form)) is not None:
        return earlier
    if form.validate_on_submit():
        claim_once(form)
        candidate, token = candidates.register(
            current_user,
            candidates.Registration(
                **form.candidate_details(),
                consent_recorded=form.consent.data,
                consent_note=form.consent_note.data if form.consent.data else None,
            ),
        )
        flash(_("%(name)s has been registered.", name=candidate.name), "success")
        send_invitation(candidate.user, token)
        return finish_once(form, url_for("desk.candidate", candidate_id=candidate.id))
    status = 422 if form.errors else 200
    return render_template("desk/register.html", form=form), status


@bp.get("/candidates/<int:candidate_id>")
def candidate(candidate_id: int):
    return candidate_page(candidate_id, DESK_PAGE)


@bp.post("/candidates/<int:candidate_id>/transition")
def transition(candidate_id: int):
    fire_from_form(DESK_PAGE, candidate_id, TransitionForm())
    return redirect(url_for("desk.candidate", candidate_id=candidate_id))


@bp.post("/candidates/<int:candidate_id>/mentor")
def assign_mentor(candidate_id: int):
    message = _("The mentor could not be assigned.")
    with side_form(DESK_PAGE, candidate_id, "mentor_form", AssignMentorForm(), message) as form:
        candidate = candidates.assign_mentor(
            current_user, candidate_id, form.mentor_id.data, form.version.data
        )
    mentor = candidate.mentor.name if candidate.mentor else ""
    flash(_("%(name)s is now the mentor.", name=mentor), "success")
    return redirect(url_for("desk.candidate", candidate_id=candidate_id))


@bp.post("/candidates/<int:candidate_id>/assessments")
def record_assessment(candidate_id: int):
    record_assessment_from_form(DESK_PAGE, candidate_id, AssessmentForm())
    return redirect(url_for("desk.candidate", candidate_id=candidate_id))


@bp.post("/candidates/<int:candidate_id>/placements")
def record_placement(candidate_id: int):
    form = PlacementForm()
    if (earlier := sent_before(form)) is not None:
        return earlier
    message = _("The placement could not be recorded.")
    with side_form(DESK_PAGE, candidate_id, "placement_form", form, message):
        claim_once(form)
        candidates.record_placement(
            current_user,
            candidate_id,
            company_id=form.company_id.data,
            project_id=form.project_id.data,
            project_title=form.project_title.data or "",
            interview_at=form.interview_utc(),
        )
    flash(_("The placement has been recorded."), "success")
    return finish_once(form, url_for("desk.candidate", candidate_id=candidate_id))


@bp.post("/placements/<int:placement_id>/transition")
def placement_step(placement_id: int):
    candidate_id = placement_candidate_id(placement_id)
    form = PlacementStepForm()
    key = (placement_id, form.trigger.data or "")  # which step's form on the page
    message = _("The step could not be taken.")
    with side_form(DESK_PAGE, candidate_id, "step_form", form, message, key):
        placement = placements.fire(
            current_user,
            placement_id,
            form.trigger.data,
            reason=form.reason.data or "",
            interview_at=form.interview_utc(),
            start_date=form.start_date.data,
        )
    flash(_("The placement is now “%(status)s”.", status=placement_status(placement)), "success")
    return redirect(url_for("desk.candidate", candidate_id=candidate_id))


@bp.post("/candidates/<int:candidate_id>/invitation")
def resend_invitation(candidate_id: int):
    message = _("The invitation could not be sent.")
    with side_form(DESK_PAGE, candidate_id, "invitation_form", VersionForm(), message):
        candidate, token = candidates.reinvite(current_user, candidate_id)
    send_invitation(candidate.user, token)
    return redirect(url_for("desk.candidate", candidate_id=candidate_id))


@bp.route("/candidates/<int:candidate_id>/details", methods=["GET", "POST"])
def correct_details(candidate_id: int):
    """The desk corrects a candidate's registration details (GET: the form as stored)."""
    candidate = visible_candidate(current_user, candidate_id)
    if request.method == "POST":
        form = CorrectDetailsForm(own_user_id=candidate.user_id)
    else:
        form = CorrectDetailsForm(
            obj=candidate,
            own_user_id=candidate.user_id,
            name=candidate.user.name,
            email=candidate.user.email,
            locale=candidate.user.locale,
            country=candidate.country_code,
            version=candidate.version_id,
        )
    message = None
    if form.validate_on_submit():
        try:
            correction = candidates.correct_details(
                current_user,
                candidate_id,
                candidates.Details(**form.candidate_details()),
                form.version.data,
            )
        except (Refused, Conflict) as error:
            rollback()  # what the service changed before it refused is not shown as stored
            candidate = visible_candidate(current_user, candidate_id)
            return render_template(
                "desk/details.html", candidate=candidate, form=form, message=error.message
            ), error.status
        if correction.changed:
            flash(_("The details of %(name)s have been corrected.", name=candidate.name), "success")
        else:
            flash(_("Nothing was changed: the details were already as sent."), "info")
        if correction.address_change is not None:
            tell_both_addresses(correction.address_change)
        return redirect(url_for("desk.candidate", candidate_id=candidate_id))
    if form.errors:
        message = _("The details could not be saved.")
    status = 422 if form.errors else 200
    return render_template(
        "desk/details.html", candidate=candidate, form=form, message=message
    ), status


def tell_both_addresses(change: people.AddressChange) -> None:
    """Email the old and the new address once the request has committed; say so if the
    mail server fails."""

    def send_and_tell() -> None:
        if people.notify_address_change(change):
            flash(
                _("The emails about the new address could not all be sent. "
                  "Tell %(name)s yourself.", name=change.name),
                "warning",
            )  # fmt: skip
        else:
            flash(
                _("%(old)s and %(new)s have been told about the new address.",
                  old=change.old_email, new=change.new_email),
                "info",
            )  # fmt: skip

    after_commit(send_and_tell)


def _queue_filter() -> tuple[str | None, str | None]:
    """The queue's status and kind from the query string (unknown values: all)."""
    status = request.args.get("status")
    kind = request.args.get("kind")
    return (
        status if status in REMINDER_STATUSES else None,
        kind if kind in OUTBOX_KIND_LABELS else None,
    )


@bp.get("/reminders")
def reminder_queue():
    status, kind = _queue_filter()
    counts = reminders.queue_counts(kind)
    return render_template(
        "desk/reminders.html",
        status=status,
        kind=kind,
        statuses=REMINDER_STATUSES,
        counts=counts,
        outage=reminders.mail_outage(),
        page=reminders.queue(status, page_arg(request.args), kind=kind, counts=counts),
        subject=reminders.subject,
        recipient=reminders.recipient_label,
        status_labels=REMINDER_STATUS_LABELS,
        kind_labels=OUTBOX_KIND_LABELS,
    )


@bp.post("/reminders/<int:reminder_id>/retry")
def retry_reminder(reminder_id: int):
    validated(VersionForm(), _("The reminder could not be retried."))
    reminders.retry(reminder_id)
    flash(_("The reminder will be sent again at the next dispatch."), "success")
    return redirect(url_for("desk.reminder_queue", status="failed"))


def placement_status(placement) -> str:
    return str(PLACEMENT_STATUS_LABELS[placement.status])


LABELS = {
    "size": COMPANY_SIZE_LABELS,
    "kind": PROJECT_KIND_LABELS,
    "stem": STEM_FIELD_LABELS,
    "approval": PROJECT_APPROVAL_LABELS,
}


def _company_data(form: CompanyForm) -> companies.CompanyData:
    return companies.CompanyData(
        name=form.name.data,
        sector=form.sector.data,
        municipality=form.municipality.data,
        contact_person=form.contact_person.data or "",
        contact_email=form.contact_email.data or "",
        size=form.size.data or None,
    )


@bp.get("/companies")
def company_list():
    return render_template(
        "desk/companies.html", companies=companies.companies_with_counts(), labels=LABELS
    )


@bp.route("/companies/new", methods=["GET", "POST"])
def new_company():
    form = CompanyForm()
    if form.validate_on_submit():
        company = companies.save_company(current_user, _company_data(form))
        flash(_("%(name)s has been added.", name=company.name), "success")
        return redirect(url_for("desk.company", company_id=company.id))
    return render_template("desk/company_form.html", form=form), 422 if form.errors else 200


@bp.route("/companies/<int:company_id>", methods=["GET", "POST"])
def company(company_id: int):
    record = companies.company_with_projects(company_id)
    form = CompanyForm(obj=record)
    if form.validate_on_submit():
        companies.save_company(current_user, _company_data(form), company_id)
        flash(_("The company has been saved."), "success")
        return redirect(url_for("desk.company", company_id=company_id))
    return _company_page(record, form=form), (422 if form.errors else 200)


def _company_page(record, **forms):
    """The desk's company page: details, projects, the contacts of the company portal."""
    pages = {
        "form": CompanyForm(obj=record, formdata=None),
        "project_form": ProjectForm(formdata=None),
        "contact_form": CompanyContactForm(formdata=None),
        **forms,
    }
    return render_template(
        "desk/company.html",
        company=record,
        contacts=company_contacts.contacts(record.id),
        labels=LABELS,
        **pages,
    )


@bp.post("/companies/<int:company_id>/contacts")
def add_company_contact(company_id: int):
    record = companies.company_with_projects(company_id)
    form = CompanyContactForm()
    if not form.validate_on_submit():
        return _company_page(record, contact_form=form), 422
    try:
        contact = company_contacts.add_contact(
            current_user, company_id, form.email.data, form.name.data, form.locale.data
        )
    except Refused as error:
        rollback()
        form.email.errors = [*form.email.errors, error.message]
        return _company_page(record, contact_form=form), 422
    flash(_("%(name)s can now sign in: a link is on its way to %(email)s.",
            name=contact.name, email=contact.email), "success")  # fmt: skip
    return redirect(url_for("desk.company", company_id=company_id) + "#contacts")


@bp.post("/companies/<int:company_id>/contacts/<int:user_id>/link")
def send_company_link(company_id: int, user_id: int):
    validated(ButtonForm(), _("The link could not be sent."))
    contact = company_contacts.contact_of(current_user, company_id, user_id)
    company_contacts.send_link(current_user, contact)
    flash(_("A new sign-in link is on its way to %(email)s.", email=contact.email), "success")
    return redirect(url_for("desk.company", company_id=company_id) + "#contacts")


@bp.post("/projects/<int:project_id>/review")
def review_project(project_id: int):
    form = validated(ProjectReviewForm(), _("The project could not be reviewed."))
    project = company_portal.review_project(
        current_user, project_id, form.decision.data == "approve"
    )
    if project.approval == "approved":
        flash(_("“%(title)s” is approved and open for candidates.", title=project.title),
              "success")  # fmt: skip
    else:
        flash(_("“%(title)s” is not approved.", title=project.title), "success")
    return redirect(url_for("desk.project", project_id=project_id))


@bp.post("/companies/<int:company_id>/projects")
def new_project(company_id: int):
    record = companies.company_with_projects(company_id)
    form = ProjectForm()
    if form.validate_on_submit():
        project = companies.save_project(current_user, company_id, form.project_data())
        flash(_("The project has been added."), "success")
        return redirect(url_for("desk.project", project_id=project.id))
    return _company_page(record, project_form=form), 422


@bp.route("/projects/<int:project_id>", methods=["GET", "POST"])
def project(project_id: int):
    record = companies.get_project(project_id)
    form = ProjectForm(obj=record)
    if not form.is_submitted():
        form.skills.data = ", ".join(record.skills or [])  # obj would show the raw list
    if form.validate_on_submit():
        companies.save_project(current_user, record.company_id, form.project_data(), project_id)
        flash(_("The project has been saved."), "success")
        return redirect(url_for("desk.project", project_id=project_id))
    return render_template(
        "desk/project.html",
        project=record,
        form=form,
        seats_left=matching.seats_left(record),
        matches=matching.candidates_for(record),
        review_form=ProjectReviewForm(formdata=None),
        labels=LABELS,
    ), (422 if form.errors else 200)


@bp.post("/projects/<int:project_id>/propose")
def propose(project_id: int):
    record = companies.get_project(project_id)
    form = validated(ProposeForm(), _("The candidate could not be proposed."))
    candidates.record_placement(
        current_user,
        form.candidate_id.data,
        company_id=record.company_id,
        project_id=record.id,
        project_title=record.title,
    )
    flash(_("The candidate has been proposed for this project."), "success")
    return redirect(url_for("desk.candidate", candidate_id=form.candidate_id.data))


@bp.get("/candidates/<int:candidate_id>/matches")
def candidate_matches(candidate_id: int):
    candidate = visible_candidate(current_user, candidate_id)
    return render_template(
        "desk/matches.html",
        candidate=candidate,
        matches=matching.projects_for(candidate),
        left_out=matching.excluded(candidate),
        cannot_propose=candidates.placement_not_possible(candidate),
        labels=LABELS,
    )


# -- the desk's lists as CSV ----------------------------------------------------------------


@bp.get("/export/candidates.csv")
def export_candidates():
    return csv_download(
        exports.candidates_csv(board_filter_from(request.args), csv_form()), "candidates.csv"
    )


@bp.get("/export/companies.csv")
def export_companies():
    return csv_download(exports.companies_csv(csv_form()), "companies.csv")


@bp.get("/export/reminders.csv")
def export_reminders():
    status, kind = _queue_filter()
    return csv_download(exports.reminders_csv(status, csv_form(), kind=kind), "reminders.csv")
