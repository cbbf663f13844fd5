"""Mentors: their own mentees only, assessments, meetings, sign-off and their transitions."""

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from onboarding.forms import AssessmentForm, TransitionForm
from onboarding.mentor.forms import MeetingForm, SignOffForm
from onboarding.pages import (
    MENTEE_PAGE,
    candidate_page,
    fire_from_form,
    record_assessment_from_form,
    side_form,
)
from onboarding.services import board, candidates
from onboarding.web import claim_once, finish_once, role_required, sent_before

bp = Blueprint("mentor", __name__, url_prefix="/mentor")


@bp.before_request
@role_required("mentor")
def mentors_only():
    return None


@bp.get("/")
def index():
    return render_template("mentor/index.html", rows=board.mentee_rows(current_user))


@bp.get("/mentees/<int:candidate_id>")
def mentee(candidate_id: int):
    return candidate_page(candidate_id, MENTEE_PAGE)


@bp.post("/mentees/<int:candidate_id>/transition")
def transition(candidate_id: int):
    fire_from_form(MENTEE_PAGE, candidate_id, TransitionForm())
    return redirect(url_for("mentor.mentee", candidate_id=candidate_id))


@bp.post("/mentees/<int:candidate_id>/assessments")
def record_assessment(candidate_id: int):
    record_assessment_from_form(MENTEE_PAGE, candidate_id, AssessmentForm())
    return redirect(url_for("mentor.mentee", candidate_id=candidate_id))


@bp.post("/mentees/<int:candidate_id>/meetings")
def log_meeting(candidate_id: int):
    form = MeetingForm()
    if (earlier := sent_before(form)) is not None:
        return earlier
    message = _("The meeting could not be logged.")
    with side_form(MENTEE_PAGE, candidate_id, "meeting_form", form, message):
        claim_once(form)
        candidates.log_meeting(current_user, candidate_id, form.met_on.data, form.note.data)
    flash(_("The meeting has been logged."), "success")
    return finish_once(form, url_for("mentor.mentee", candidate_id=candidate_id))


@bp.post("/mentees/<int:candidate_id>/signoff")
def sign_off(candidate_id: int):
    message = _("Readiness could not be signed off.")
    with side_form(MENTEE_PAGE, candidate_id, "signoff_form", SignOffForm(), message) as form:
        candidates.sign_off(current_user, candidate_id, form.version.data)
    flash(_("You have signed off that the candidate is ready for placement."), "success")
    return redirect(url_for("mentor.mentee", candidate_id=candidate_id))
