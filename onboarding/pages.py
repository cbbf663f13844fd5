"""What the staff and mentor candidate pages share: the read model, the common forms, and
the one way every side form of these pages answers when it is refused (`side_form`)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import NoReturn

from flask import abort, flash, make_response, render_template
from flask_babel import gettext as _
from flask_login import current_user

from onboarding.db import after_commit, rollback
from onboarding.desk.forms import AssignMentorForm, PlacementForm, PlacementStepForm
from onboarding.forms import (
    AssessmentForm,
    BaseForm,
    TransitionForm,
    VersionForm,
    is_hidden,
    options,
)
from onboarding.i18n import phase_label
from onboarding.mentor.forms import MeetingForm
from onboarding.models import Placement, User
from onboarding.services import (
    board,
    candidates,
    companies,
    company_portal,
    documents,
    history,
    invitations,
    placements,
    relocation,
    workflow,
)
from onboarding.services.access import get_or_not_found, visible_candidate
from onboarding.services.diagram import render as render_diagram
from onboarding.services.errors import Conflict, Refused
from onboarding.vocabulary import (
    AUDIENCE_LABELS,
    OUTREACH_CHANNEL_LABELS,
    PLACEMENT_STATUS_LABELS,
    STEM_FIELD_LABELS,
)
from workflows.onboarding import ONBOARDING, PHASES

DESK_PAGE = "desk/candidate.html"
MENTEE_PAGE = "mentor/mentee.html"


@dataclass
class SideForm:
    """A side form of a candidate page that was sent and refused, shown again where it was:
    as typed, each field's errors next to the field, `message` and `details` at the form.

    `name` is the form's name in the page ("assessment_form", …); `key` tells apart forms of
    one kind that the page shows several times (the trigger of a step; placement and trigger).
    """

    name: str
    form: BaseForm
    message: str
    details: tuple[str, ...] = ()
    key: object = None
    shown: bool = False

    def is_for(self, name: str, key: object = None) -> bool:
        return self.name == name and self.key == key

    def show_at(self, name: str, key: object = None) -> bool:
        """Whether the message belongs at this form; the page then knows it has been shown
        (a form that is no longer offered gets its message at the top of the page)."""
        if self.is_for(name, key):
            self.shown = True
        return self.is_for(name, key)


def unseen_errors(form: BaseForm) -> tuple[str, ...]:
    """Errors no one would see next to a field: those of hidden fields (a stale or tampered
    version or trigger), and those of the form as a whole."""
    hidden = (str(message) for field in form if is_hidden(field) for message in field.errors)
    return (*hidden, *(str(message) for message in form.form_errors))


@contextmanager
def side_form(
    template: str, candidate_id: int, name: str, form: BaseForm, message: str, key=None
) -> Iterator[BaseForm]:
    """Validate a side form of a candidate page, then run the body: the service call.

    A field error (422), a refusal of the service (Refused, 422) or a change by someone else
    in the meantime (Conflict, 409) answers with the same candidate page and that status: the
    form as typed, the errors next to their fields and the message at the form. The service
    raised before it committed, so nothing was saved (and a request whose response is >= 400
    rolls back). NotFound and Forbidden still go to the error page: there is no page to show.
    """
    if not form.validate_on_submit():
        if any(field.errors for field in form if not is_hidden(field)):
            message = " ".join((message, _("Please correct the marked fields.")))
        refused = SideForm(name, form, message, unseen_errors(form), key)
        _page_again(template, candidate_id, refused, 422)
    try:
        yield form
    except (Refused, Conflict) as error:
        # Undo what the service wrote before it refused, so the page shows what is stored.
        rollback()
        refused = SideForm(name, form, error.message, tuple(error.details), key)
        _page_again(template, candidate_id, refused, error.status)


def _page_again(template: str, candidate_id: int, refused: SideForm, status: int) -> NoReturn:
    # Raised with the response itself: the view's `with` block ends here, and the page is
    # rendered inside the view, where a NotFound still becomes the 404 page.
    abort(make_response(candidate_page(candidate_id, template, refused=refused), status))


def placement_candidate_id(placement_id: int) -> int:
    """Whose page a placement's step forms are on (the step's address names the placement)."""
    placement = get_or_not_found(Placement, placement_id, _("This placement does not exist."))
    return placement.candidate_id


def workflow_diagram(phase: str):
    edge_labels = {s.trigger: _(s.label) for s in ONBOARDING.specs}
    edge_labels["_title"] = _("The onboarding workflow; the current phase is highlighted.")
    return render_diagram(ONBOARDING, phase, {p: phase_label(p) for p in PHASES}, edge_labels)


def candidate_page(candidate_id: int, template: str, *, refused: SideForm | None = None):
    """The candidate page for the current user's role; with `refused`, that side form is
    shown as it was sent, with its errors."""
    actor: User = current_user
    candidate = visible_candidate(actor, candidate_id)
    facts = workflow.facts_for(candidate, actor.role)
    step = workflow.step_for(candidate, facts)
    detail = board.candidate_detail(candidate)
    papers = documents.documents_of(candidate)
    # Blank forms; the transition and placement-step forms are drawn once per step, and the
    # template fills in the refused one where its trigger (and placement) is drawn.
    forms = {
        "transition_form": TransitionForm(formdata=None),
        "assessment_form": AssessmentForm(formdata=None),
        "version_form": VersionForm(formdata=None),
    }
    if actor.role == "staff":
        forms["mentor_form"] = AssignMentorForm(formdata=None, mentor_id=candidate.mentor_id)
        forms["placement_form"] = PlacementForm(formdata=None)
        forms["step_form"] = PlacementStepForm(formdata=None)
    if actor.role == "mentor":
        forms["meeting_form"] = MeetingForm(formdata=None)
    if refused is not None and refused.key is None:  # a form the page draws once
        forms[refused.name] = refused.form
    context = {
        "candidate": candidate,
        "detail": detail,
        "facts": facts,
        "step": step,
        "step_text": workflow.step_text(step),
        "waits_on": AUDIENCE_LABELS.get(step.waits_on) if step.waits_on else None,
        "actions": workflow.actions_for(candidate, actor.role, facts),
        "timeline": history.timeline(candidate),
        **forms,
        "refused": refused,
        "labels": {
            "channel": OUTREACH_CHANNEL_LABELS,
            "stem": STEM_FIELD_LABELS,
            "placement": PLACEMENT_STATUS_LABELS,
        },
        "invitation_pending": candidates.invitation_pending(candidate),
        # What the companies answered to the 30- and 90-day check-ins (desk and mentor).
        "checkins": company_portal.checkins_for(candidate.id)
        if actor.role in ("staff", "mentor")
        else [],
        "checklist": documents.checklist_for(candidate, papers),
        "overdue_steps": relocation.overdue_steps([candidate.id]).get(candidate.id, []),
        "expired": relocation.red_flag_of(candidate, papers),
    }
    if actor.role == "staff":
        mentor_options = board.mentor_options()
        # Without a mentor the select starts empty: showing the first mentor would look as
        # if they had been assigned.
        unassigned = [("", _("— choose a mentor —"))] if candidate.mentor_id is None else []
        forms["mentor_form"].mentor_id.choices = options(
            [*unassigned, *((m.id, f"{m.name} ({m.load}/{m.capacity})") for m in mentor_options)]
        )
        placement_form = forms["placement_form"]
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
            placement_actions=placements.steps_for(detail.placements, actor.role),
            diagram=workflow_diagram(candidate.phase),
        )
    return render_template(template, **context)


def fire_from_form(template: str, candidate_id: int, form: TransitionForm) -> None:
    message = _("The step could not be taken.")
    trigger = form.trigger.data or ""  # the key of the step's form on the page
    with side_form(template, candidate_id, "transition_form", form, message, trigger):
        candidate = workflow.fire(
            current_user,
            candidate_id,
            form.trigger.data,
            expected_version=form.version.data,
            reason=form.reason.data or "",
            override_reason=form.override_reason.data or "",
            start_date=form.start_date.data,
            confirmed=bool(form.confirmed.data),
        )
    flash(
        _("Done: %(name)s is now in the phase “%(phase)s”.",
          name=candidate.name, phase=phase_label(candidate.phase)),
        "success",
    )  # fmt: skip


def record_assessment_from_form(template: str, candidate_id: int, form: AssessmentForm) -> None:
    message = _("The assessment could not be recorded.")
    with side_form(template, candidate_id, "assessment_form", form, message):
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
