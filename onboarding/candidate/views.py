"""Candidates: their own onboarding (phase, timeline, next step) and their profile."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import refresh
from flask_login import current_user

from onboarding.candidate.forms import ArrivalForm, ProfileForm, StepDoneForm
from onboarding.forms import ButtonForm
from onboarding.services import (
    board,
    calendar,
    candidates,
    documents,
    history,
    relocation,
    workflow,
)
from onboarding.services.access import own_candidate
from onboarding.vocabulary import (
    AUDIENCE_LABELS_FOR_CANDIDATE,
    HELP_KIND_LABELS,
    OUTREACH_CHANNEL_LABELS,
    PLACEMENT_STATUS_LABELS,
    RULE_UNIT_LABELS,
    STEM_FIELD_LABELS,
    STEP_STATUS_LABELS,
)
from onboarding.web import role_required, validated
from workflows.onboarding import ACTIVE_PHASES, PLACED
from workflows.relocation import STEPS_BY_CODE

bp = Blueprint("candidate", __name__, url_prefix="/me")


@bp.before_request
@role_required("candidate")
def candidates_only():
    return None


@bp.get("/")
def dashboard():
    candidate = own_candidate(current_user)
    facts = workflow.facts_for(candidate, "candidate")
    step = workflow.step_for(candidate, facts)
    detail = board.candidate_detail(candidate)
    return render_template(
        "candidate/dashboard.html",
        candidate=candidate,
        detail=detail,
        step=step,
        step_text=workflow.step_text(step),
        waits_on=AUDIENCE_LABELS_FOR_CANDIDATE.get(step.waits_on) if step.waits_on else None,
        timeline=history.timeline(candidate),
        deadlines=calendar.candidate_deadlines(candidate),
        checklist=documents.checklist_for(candidate),
        journey=(*ACTIVE_PHASES, PLACED),
        labels={
            "channel": OUTREACH_CHANNEL_LABELS,
            "stem": STEM_FIELD_LABELS,
            "placement": PLACEMENT_STATUS_LABELS,
        },
    )


@bp.route("/profile", methods=["GET", "POST"])
def profile():
    candidate = own_candidate(current_user)
    if request.method == "POST":
        # Only what was sent: a field left out of the post is empty, never the stored value
        # (for skills that is a list of rows, which the form cannot read).
        form = ProfileForm()
    else:
        form = ProfileForm(
            obj=candidate,
            name=current_user.name,
            locale=current_user.locale,
            consent=candidate.consent_at is not None,
            version=candidate.version_id,
        )
        # The rows behind these fields are objects; the form shows their plain values.
        form.skills.data = ", ".join(s.skill for s in candidate.skills)
        form.other_fields.data = [f.stem_field for f in candidate.other_fields]
        form.preferred_municipalities.data = [
            m.municipality for m in candidate.preferred_municipalities
        ]
    if form.validate_on_submit():
        candidates.update_profile(
            current_user,
            candidates.ProfileUpdate(
                name=form.name.data,
                phone=form.phone.data or "",
                origin_institution=form.origin_institution.data,
                stem_field=form.stem_field.data,
                graduation_date=form.graduation_date.data,
                locale=form.locale.data,
                consent=form.consent.data,
                degree_level=form.degree_level.data or None,
                skills=tuple((form.skills.data or "").split(",")),
                other_fields=tuple(form.other_fields.data or ()),
                dutch_level=form.dutch_level.data or None,
                english_level=form.english_level.data or None,
                available_from=form.available_from.data,
                preferred_municipalities=tuple(form.preferred_municipalities.data or ()),
            ),
            form.version.data,
        )
        refresh()
        flash(_("Your profile has been saved."), "success")
        return redirect(url_for("candidate.dashboard"))
    status = 422 if form.errors else 200
    return render_template("candidate/profile.html", form=form, candidate=candidate), status


@bp.route("/plan", methods=["GET", "POST"])
def plan():
    """The relocation plan in order: what is done, what is next, who it waits on, by when;
    the arrival form; the help entries of the candidate's municipality."""
    candidate = own_candidate(current_user)
    form = ArrivalForm() if request.method == "POST" else ArrivalForm(obj=candidate)
    if form.validate_on_submit():
        relocation.record_arrival(
            current_user, candidate, form.arrival_on.data, form.home_municipality.data or None
        )
        flash(_("Your arrival details have been saved."), "success")
        return redirect(url_for("candidate.plan"))
    status = 422 if form.errors else 200
    page = render_template(
        "candidate/plan.html",
        candidate=candidate,
        plan=relocation.plan_for(candidate),
        form=form,
        done_form=StepDoneForm(formdata=None),
        recordable=relocation.recordable_by(current_user, candidate),
        rows=relocation.recorded_steps(candidate),
        help_entries=relocation.help_for(candidate),
    )
    return page, status


@bp.post("/plan/<step>/done")
def plan_step_done(step: str):
    candidate = own_candidate(current_user)
    form = validated(StepDoneForm(), _("The step could not be recorded."))
    relocation.mark_done(current_user, candidate, step, form.done_on.data)
    flash(_("The step has been recorded as done."), "success")
    return redirect(url_for("candidate.plan"))


@bp.post("/plan/<step>/reopen")
def plan_step_reopen(step: str):
    candidate = own_candidate(current_user)
    validated(ButtonForm(), _("The step could not be reopened."))
    relocation.reopen(current_user, candidate, step)
    flash(_("The step is open again."), "success")
    return redirect(url_for("candidate.plan"))


# Labels the plan's templates show (the candidate's page and the desk's and mentor's).
@bp.app_template_global()
def step_status_label(status: str) -> str:
    return str(STEP_STATUS_LABELS.get(status, status))


@bp.app_template_global()
def audience_for_candidate(actor: str) -> str:
    return str(AUDIENCE_LABELS_FOR_CANDIDATE.get(actor, actor))


@bp.app_template_global()
def rule_unit_label(unit: str) -> str:
    return str(RULE_UNIT_LABELS.get(unit, unit))


@bp.app_template_global()
def help_kind_label(kind: str) -> str:
    return str(HELP_KIND_LABELS.get(kind, kind))


@bp.app_template_filter()
def plan_step_title(code: str) -> str:
    step = STEPS_BY_CODE.get(code)
    return _(step.title) if step else code
