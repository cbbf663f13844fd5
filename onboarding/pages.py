"""What the staff and mentor candidate pages share: the read model and the common forms."""

from __future__ import annotations

from flask import flash, render_template
from flask_babel import gettext as _
from flask_login import current_user

from onboarding.db import after_commit
from onboarding.desk.forms import AssignMentorForm, PlacementForm
from onboarding.forms import AssessmentForm, TransitionForm, VersionForm, options
from onboarding.i18n import phase_label
from onboarding.models import User
from onboarding.services import (
    board,
    candidates,
    companies,
    documents,
    history,
    invitations,
    placements,
    workflow,
)
from onboarding.services.access import visible_candidate
from onboarding.services.diagram import render as render_diagram
from onboarding.services.profile_fields import (
    AUDIENCE_LABELS,
    OUTREACH_CHANNEL_LABELS,
    PLACEMENT_STATUS_LABELS,
    STEM_FIELD_LABELS,
)
from onboarding.web import validated
from workflows.onboarding import ONBOARDING, PHASES


def workflow_diagram(phase: str):
    edge_labels = {s.trigger: _(s.label) for s in ONBOARDING.specs}
    edge_labels["_title"] = _("The onboarding workflow; the current phase is highlighted.")
    return render_diagram(ONBOARDING, phase, {p: phase_label(p) for p in PHASES}, edge_labels)


def candidate_page(candidate_id: int, template: str, **extra):
    actor: User = current_user
    candidate = visible_candidate(actor, candidate_id)
    facts = workflow.facts_for(candidate, actor.role)
    step = workflow.step_for(candidate, facts)
    detail = board.candidate_detail(candidate)
    context = {
        "candidate": candidate,
        "detail": detail,
        "facts": facts,
        "step": step,
        "step_text": workflow.step_text(step),
        "waits_on": AUDIENCE_LABELS.get(step.waits_on) if step.waits_on else None,
        "actions": workflow.actions_for(candidate, actor.role, facts),
        "timeline": history.timeline(candidate),
        "transition_form": TransitionForm(formdata=None),
        "assessment_form": AssessmentForm(formdata=None),
        "version_form": VersionForm(formdata=None),
        "labels": {
            "channel": OUTREACH_CHANNEL_LABELS,
            "stem": STEM_FIELD_LABELS,
            "placement": PLACEMENT_STATUS_LABELS,
        },
        "invitation_pending": candidates.invitation_pending(candidate),
        "checklist": documents.checklist_for(candidate),
    }
    if actor.role == "staff":
        mentor_form = AssignMentorForm(formdata=None)
        mentor_options = board.mentor_options()
        mentor_form.mentor_id.choices = options(
            (m.id, f"{m.name} ({m.load}/{m.capacity})") for m in mentor_options
        )
        placement_form = PlacementForm(formdata=None)
        company_list = board.companies()
        placement_form.company_id.choices = options((c.id, c.name) for c in company_list)
        names = {c.id: c.name for c in company_list}
        placement_form.project_id.choices = options(
            [("", _("None")), *(
                (p.id, f"{names.get(company_id, '')} — {p.title}")
                for company_id, projects in companies.open_projects_by_company().items()
                for p in projects
            )]
        )  # fmt: skip
        context.update(
            mentor_form=mentor_form,
            placement_form=placement_form,
            placement_actions=placements.steps_for(detail.placements, actor.role),
            diagram=workflow_diagram(candidate.phase),
        )
    context.update(extra)
    return render_template(template, **context)


def fire_from_form(candidate_id: int, form: TransitionForm) -> None:
    validated(form, _("The step could not be taken."))
    candidate = workflow.fire(
        current_user,
        candidate_id,
        form.trigger.data,
        expected_version=form.version.data,
        reason=form.reason.data or "",
        override_reason=form.override_reason.data or "",
        start_date=form.start_date.data,
    )
    flash(
        _("Done: %(name)s is now in the phase “%(phase)s”.",
          name=candidate.name, phase=phase_label(candidate.phase)),
        "success",
    )  # fmt: skip


def record_assessment_from_form(candidate_id: int, form: AssessmentForm) -> None:
    validated(form, _("The assessment could not be recorded."))
    candidates.record_assessment(
        current_user, candidate_id, form.level.data, form.assessed_on.data, form.note.data or ""
    )
    flash(_("The Dutch assessment has been recorded."), "success")


def send_invitation(user: User, token: str) -> None:
    """Email the invitation in the person's own language once the request has committed;
    say so if the mail server fails."""
    invite = invitations.Invite.for_user(user, token)

    def send_and_tell() -> None:
        if invitations.send([invite]):
            flash(
                _(
                    "The invitation email could not be sent. "
                    "Try again later with “Send invitation again”."
                ),
                "warning",
            )
        else:
            flash(_("An invitation has been emailed to %(email)s.", email=invite.email), "info")

    after_commit(send_and_tell)
