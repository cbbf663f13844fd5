"""Erasure, legal hold and retention pages: the desk's privacy overview, the erasure
confirmation, legal holds, and the candidate's own request for erasure."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from onboarding.retention.forms import EraseForm, ErasureRequestForm, HoldForm
from onboarding.services import erasure, retention
from onboarding.services.access import visible_candidate
from onboarding.web import page_arg, role_required

bp = Blueprint("retention", __name__)


@bp.get("/desk/privacy")
@role_required("staff")
def privacy():
    due = retention.due()
    log = retention.purge_log(page_arg(request.args), current_app.config["BOARD_PAGE_SIZE"])
    names = retention.candidates_by_id(
        [item.candidate_id for item in due] + [purge.candidate_id for purge in log.items]
    )
    return render_template(
        "retention/privacy.html",
        requests=retention.erasure_requests(),
        withdrawals=retention.consent_withdrawals(),
        holds=retention.legal_holds(),
        due=due,
        log=log,
        candidates=names,
        rule_labels=retention.RULE_LABELS,
        notice_days=current_app.config["PURGE_NOTICE_DAYS"],
    )


def _erase_page(candidate, form, status: int = 200):
    counts = erasure.what_goes(candidate) if candidate.erased_at is None else {}
    return (
        render_template(
            "retention/erase.html",
            candidate=candidate,
            form=form,
            counts=counts,
            labels=erasure.WHAT_GOES_LABELS,
        ),
        status,
    )


@bp.route("/desk/candidates/<int:candidate_id>/erase", methods=["GET", "POST"])
@role_required("staff")
def erase(candidate_id: int):
    candidate = visible_candidate(current_user, candidate_id)
    form = EraseForm()
    if not form.is_submitted():
        return _erase_page(candidate, form)
    erasure.refuse_unless_erasable(candidate)
    if not form.validate():
        return _erase_page(candidate, form, 422)
    erasure.erase(current_user, candidate)
    flash(_("The candidate's personal data has been erased."), "success")
    return redirect(url_for("retention.privacy"))


@bp.post("/desk/candidates/<int:candidate_id>/hold")
@role_required("staff")
def hold(candidate_id: int):
    candidate = visible_candidate(current_user, candidate_id)
    form = HoldForm()
    if not form.validate():
        return render_template("retention/hold.html", candidate=candidate, form=form), 422
    retention.hold(current_user, candidate, form.reason.data)
    flash(_("The legal hold is in place: erasure and the purge leave this candidate alone."),
          "success")  # fmt: skip
    return redirect(url_for("desk.candidate", candidate_id=candidate.id))


@bp.post("/desk/candidates/<int:candidate_id>/hold/release")
@role_required("staff")
def release(candidate_id: int):
    candidate = visible_candidate(current_user, candidate_id)
    retention.release(current_user, candidate)
    flash(_("The legal hold has been released."), "success")
    return redirect(url_for("desk.candidate", candidate_id=candidate.id))


@bp.post("/me/erasure")
@role_required("candidate")
def request_erasure():
    form = ErasureRequestForm()
    if not form.validate():
        candidate = erasure.own_candidate(current_user)
        return render_template("retention/request.html", candidate=candidate, form=form), 422
    erasure.request_erasure(current_user)
    flash(_("Your request has been sent: the welcome desk will erase your data."), "success")
    return redirect(url_for("account.settings"))


@bp.post("/me/erasure/cancel")
@role_required("candidate")
def cancel_erasure():
    erasure.cancel_erasure_request(current_user)
    flash(_("Your request for erasure has been withdrawn."), "success")
    return redirect(url_for("account.settings"))
