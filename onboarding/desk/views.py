"""The welcome desk: pipeline board, registration, and the full candidate page."""

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from onboarding.desk.forms import (
    AssignMentorForm,
    PlacementDecisionForm,
    PlacementForm,
    RegisterCandidateForm,
)
from onboarding.forms import AssessmentForm, TransitionForm, VersionForm
from onboarding.models import REMINDER_STATUSES
from onboarding.pages import (
    candidate_page,
    fire_from_form,
    record_assessment_from_form,
    send_invitation,
)
from onboarding.services import board, candidates, reminders
from onboarding.services.profile_fields import REMINDER_STATUS_LABELS
from onboarding.web import role_required, validated
from workflows.onboarding import PHASES

bp = Blueprint("desk", __name__, url_prefix="/desk")


@bp.before_request
@role_required("staff")
def staff_only():
    return None


@bp.get("/", endpoint="board")
def board_view():
    args = request.args
    phase = args.get("phase") if args.get("phase") in PHASES else None
    country = args.get("country", "").upper()[:2] or None
    board_filter = board.BoardFilter(
        phase=phase,
        country=country,
        search=args.get("q", "")[:120],
        page=args.get("page", 1, type=int) or 1,
    )
    return render_template(
        "desk/board.html",
        filter=board_filter,
        counts=board.phase_counts(board_filter),
        page=board.board_page(board_filter, current_app.config["BOARD_PAGE_SIZE"]),
        countries=board.countries_in_use(),
        phases=PHASES,
        stuck=board.stuck_candidates(),
    )


@bp.route("/candidates/new", methods=["GET", "POST"])
def register():
    form = RegisterCandidateForm()
    if form.validate_on_submit():
        candidate, token = candidates.register(
            current_user,
            candidates.Registration(
                name=form.name.data,
                email=form.email.data,
                country_code=form.country.data,
                origin_institution=form.origin_institution.data,
                stem_field=form.stem_field.data,
                graduation_date=form.graduation_date.data,
                outreach_channel=form.outreach_channel.data,
                locale=form.locale.data,
                consent_recorded=form.consent.data,
            ),
        )
        flash(_("%(name)s has been registered.", name=candidate.name), "success")
        send_invitation(candidate.user, token)
        return redirect(url_for("desk.candidate", candidate_id=candidate.id))
    status = 422 if form.errors else 200
    return render_template("desk/register.html", form=form), status


@bp.get("/candidates/<int:candidate_id>")
def candidate(candidate_id: int):
    return candidate_page(candidate_id, "desk/candidate.html")


@bp.post("/candidates/<int:candidate_id>/transition")
def transition(candidate_id: int):
    fire_from_form(candidate_id, TransitionForm())
    return redirect(url_for("desk.candidate", candidate_id=candidate_id))


@bp.post("/candidates/<int:candidate_id>/mentor")
def assign_mentor(candidate_id: int):
    form = validated(AssignMentorForm(), _("The mentor could not be assigned."))
    candidate = candidates.assign_mentor(
        current_user, candidate_id, form.mentor_id.data, form.version.data
    )
    flash(_("%(name)s is now the mentor.", name=candidate.mentor.name), "success")
    return redirect(url_for("desk.candidate", candidate_id=candidate_id))


@bp.post("/candidates/<int:candidate_id>/assessments")
def record_assessment(candidate_id: int):
    record_assessment_from_form(candidate_id, AssessmentForm())
    return redirect(url_for("desk.candidate", candidate_id=candidate_id))


@bp.post("/candidates/<int:candidate_id>/placements")
def record_placement(candidate_id: int):
    form = validated(PlacementForm(), _("The placement could not be recorded."))
    candidates.record_placement(
        current_user,
        candidate_id,
        company_id=form.company_id.data,
        project_title=form.project_title.data,
        start_date=form.start_date.data,
        accepted=form.accepted.data,
        interview_at=form.interview_utc(),
    )
    flash(_("The placement has been recorded."), "success")
    return redirect(url_for("desk.candidate", candidate_id=candidate_id))


@bp.post("/placements/<int:placement_id>/decision")
def decide_placement(placement_id: int):
    form = validated(PlacementDecisionForm(), _("The decision could not be recorded."))
    placement = candidates.decide_placement(
        current_user, placement_id, form.decision.data, form.start_date.data, form.reason.data
    )
    flash(_("The decision has been recorded."), "success")
    return redirect(url_for("desk.candidate", candidate_id=placement.candidate_id))


@bp.post("/candidates/<int:candidate_id>/invitation")
def resend_invitation(candidate_id: int):
    validated(VersionForm(), _("The invitation could not be sent."))
    candidate, token = candidates.reinvite(current_user, candidate_id)
    send_invitation(candidate.user, token)
    return redirect(url_for("desk.candidate", candidate_id=candidate_id))


@bp.get("/reminders")
def reminder_queue():
    status = request.args.get("status")
    status = status if status in REMINDER_STATUSES else None
    return render_template(
        "desk/reminders.html",
        status=status,
        statuses=REMINDER_STATUSES,
        counts=reminders.queue_counts(),
        page=reminders.queue(status, request.args.get("page", 1, type=int) or 1),
        subject=reminders.subject,
        status_labels=REMINDER_STATUS_LABELS,
    )


@bp.post("/reminders/<int:reminder_id>/retry")
def retry_reminder(reminder_id: int):
    validated(VersionForm(), _("The reminder could not be retried."))
    reminders.retry(reminder_id)
    flash(_("The reminder will be sent again at the next dispatch."), "success")
    return redirect(url_for("desk.reminder_queue", status="failed"))
