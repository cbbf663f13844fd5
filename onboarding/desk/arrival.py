"""The desk's side of the relocation plan: one candidate's plan (route, arrival, steps done,
not needed or reopened), the rule rows behind the plan's figures with their history, and
where to go for help in each municipality. Registered on the desk's blueprint."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from onboarding.candidate.forms import StepDoneForm
from onboarding.db import rollback
from onboarding.desk.forms import DeskPlanForm, HelpForm, NotNeededForm, RuleForm
from onboarding.desk.views import bp
from onboarding.forms import ButtonForm
from onboarding.i18n import format_date, format_decimal
from onboarding.services import relocation, relocation_rules
from onboarding.services.access import visible_candidate
from onboarding.services.errors import Refused
from onboarding.vocabulary import RELOCATION_RULE_LABELS, RULE_CHANGE_LABELS
from onboarding.web import validated

PLAN_ACTIONS = {
    "done": "desk.plan_step_done",
    "reopen": "desk.plan_step_reopen",
    "not_needed": "desk.plan_step_not_needed",
}


def _plan_page(candidate_id: int, form: DeskPlanForm | None = None, message: str | None = None):
    candidate = visible_candidate(current_user, candidate_id)
    if form is None:
        form = DeskPlanForm(
            formdata=None,
            residence_route=candidate.residence_route or "",
            arrival_on=candidate.arrival_on,
            home_municipality=candidate.home_municipality or "",
        )
    return render_template(
        "desk/plan.html",
        candidate=candidate,
        plan=relocation.plan_for(candidate),
        form=form,
        message=message,
        actions=PLAN_ACTIONS,
        recordable=relocation.recordable_by(current_user, candidate),
        rows=relocation.recorded_steps(candidate),
        help_entries=relocation.help_for(candidate),
        expired=relocation.red_flags([candidate]).get(candidate.id, ()),
    )


@bp.get("/candidates/<int:candidate_id>/plan")
def plan(candidate_id: int):
    return _plan_page(candidate_id)


@bp.post("/candidates/<int:candidate_id>/plan")
def save_plan(candidate_id: int):
    """The route chosen with the candidate, the arrival day and where they live."""
    form = DeskPlanForm()
    if not form.validate_on_submit():
        return _plan_page(candidate_id, form, _("The plan could not be saved.")), 422
    candidate = visible_candidate(current_user, candidate_id, for_update=True)
    try:
        relocation.set_route(current_user, candidate, form.residence_route.data or None)
        relocation.record_arrival(
            current_user, candidate, form.arrival_on.data, form.home_municipality.data or None
        )
    except Refused as error:
        rollback()
        return _plan_page(candidate_id, form, error.message), error.status
    flash(_("The plan has been saved."), "success")
    return redirect(url_for("desk.plan", candidate_id=candidate_id))


def _step_changed(candidate_id: int, change, message: str):
    """Run `change(candidate)` (a service call) on the locked candidate, then back to the plan."""
    change(visible_candidate(current_user, candidate_id, for_update=True))
    flash(message, "success")
    return redirect(url_for("desk.plan", candidate_id=candidate_id))


@bp.post("/candidates/<int:candidate_id>/plan/<step>/done")
def plan_step_done(candidate_id: int, step: str):
    form = validated(StepDoneForm(), _("The step could not be recorded."))
    return _step_changed(
        candidate_id,
        lambda candidate: relocation.mark_done(current_user, candidate, step, form.done_on.data),
        _("The step has been recorded as done."),
    )


@bp.post("/candidates/<int:candidate_id>/plan/<step>/not-needed")
def plan_step_not_needed(candidate_id: int, step: str):
    form = validated(NotNeededForm(), _("The step could not be recorded."))
    return _step_changed(
        candidate_id,
        lambda candidate: relocation.mark_not_needed(
            current_user, candidate, step, form.reason.data
        ),
        _("The step has been recorded as not needed."),
    )


@bp.post("/candidates/<int:candidate_id>/plan/<step>/reopen")
def plan_step_reopen(candidate_id: int, step: str):
    validated(ButtonForm(), _("The step could not be reopened."))
    return _step_changed(
        candidate_id,
        lambda candidate: relocation.reopen(current_user, candidate, step),
        _("The step is open again."),
    )


def _save(form, save, failed: str) -> str | None:
    """Validate a posted `form` and run `save()` (a service call). None once saved; else the
    message to show with the form: the service's refusal (its writes undone) or `failed`
    for field errors. A GET shows the form and saves nothing."""
    if request.method != "POST":
        return None
    if not form.validate_on_submit():
        return failed
    try:
        save()
    except Refused as error:
        rollback()
        return error.message
    return None


# The rule rows.


@bp.route("/relocation-rules", methods=["GET", "POST"])
def relocation_rule_list():
    form = RuleForm(formdata=None) if request.method == "GET" else RuleForm()
    message = _save(
        form,
        lambda: relocation_rules.add_rule(current_user, form.data_for()),
        _("The rule row could not be saved."),
    )
    if request.method == "POST" and message is None:
        flash(_("The rule row has been added; the plans now use it."), "success")
        return redirect(url_for("desk.relocation_rule_list"))
    page = render_template(
        "desk/relocation_rules.html",
        rules=relocation_rules.rules(),
        changes=relocation_rules.changes(),
        form=form,
        message=message,
        labels=RELOCATION_RULE_LABELS,
    )
    return page, 422 if message else 200


@bp.route("/relocation-rules/<int:rule_id>", methods=["GET", "POST"])
def relocation_rule(rule_id: int):
    row = relocation_rules.get_rule(rule_id)
    form = RuleForm() if request.method == "POST" else RuleForm(obj=row)
    message = _save(
        form,
        lambda: relocation_rules.change_rule(current_user, rule_id, form.data_for()),
        _("The rule row could not be saved."),
    )
    if request.method == "POST" and message is None:
        flash(_("The rule row has been changed; the plans now use it."), "success")
        return redirect(url_for("desk.relocation_rule_list"))
    page = render_template(
        "desk/relocation_rule.html",
        row=row,
        form=form,
        message=message,
        delete_form=ButtonForm(formdata=None),
        labels=RELOCATION_RULE_LABELS,
    )
    return page, 422 if message else 200


@bp.post("/relocation-rules/<int:rule_id>/delete")
def delete_relocation_rule(rule_id: int):
    validated(ButtonForm(), _("The rule row could not be deleted."))
    relocation_rules.delete_rule(current_user, rule_id)
    flash(_("The rule row has been deleted."), "success")
    return redirect(url_for("desk.relocation_rule_list"))


# Help in each municipality.


@bp.route("/municipalities", methods=["GET", "POST"])
def municipality_help():
    form = HelpForm(formdata=None) if request.method == "GET" else HelpForm()
    message = _save(
        form,
        lambda: relocation_rules.save_help(current_user, form.data_for()),
        _("The help entry could not be saved."),
    )
    if request.method == "POST" and message is None:
        flash(_("The help entry has been saved."), "success")
        return redirect(url_for("desk.municipality_help"))
    page = render_template(
        "desk/municipalities.html",
        entries=relocation_rules.help_entries(),
        form=form,
        message=message,
        delete_form=ButtonForm(formdata=None),
    )
    return page, 422 if message else 200


@bp.route("/municipalities/<int:help_id>", methods=["GET", "POST"])
def municipality_help_entry(help_id: int):
    entry = relocation_rules.get_help(help_id)
    if request.method == "POST":
        form = HelpForm()
    else:
        form = HelpForm(obj=entry)
        form.fill_from(entry)
    message = _save(
        form,
        lambda: relocation_rules.save_help(current_user, form.data_for(), help_id),
        _("The help entry could not be saved."),
    )
    if request.method == "POST" and message is None:
        flash(_("The help entry has been saved."), "success")
        return redirect(url_for("desk.municipality_help"))
    page = render_template("desk/municipality.html", entry=entry, form=form, message=message)
    return page, 422 if message else 200


@bp.post("/municipalities/<int:help_id>/delete")
def delete_municipality_help(help_id: int):
    validated(ButtonForm(), _("The help entry could not be deleted."))
    relocation_rules.delete_help(current_user, help_id)
    flash(_("The help entry has been deleted."), "success")
    return redirect(url_for("desk.municipality_help"))


@bp.app_template_global()
def rule_change_label(action: str) -> str:
    return str(RULE_CHANGE_LABELS.get(action, action))


@bp.app_template_global()
def rule_snapshot(snapshot: dict) -> str:
    """A rule row as the history keeps it (strings), in the reader's locale."""
    parts = [
        format_decimal(Decimal(snapshot["value"])),
        format_date(date.fromisoformat(snapshot["effective_from"]), "medium"),
        snapshot["source_url"],
    ]
    if not snapshot.get("verified", True):
        parts.append(_("not verified"))
    return " · ".join(parts)
