"""Privacy notice and consent pages: the notice for everyone (/privacy), the candidate's own
consent (/me/privacy: accept, withdraw, history), the welcome desk's versions of the notice
(/desk/privacy/notices) and consent recorded on a candidate's behalf.

A candidate whose consent is to an older version of the notice is sent to /me/privacy from
every page but a few (`ask_to_accept_again`), until they accept or withdraw."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from onboarding.consent.forms import (
    AcceptForm,
    NoticeForm,
    OnBehalfForm,
    PublishForm,
    WithdrawForm,
)
from onboarding.models import PrivacyNotice
from onboarding.services import consent
from onboarding.services.access import own_candidate, visible_candidate
from onboarding.web import role_required, validated

bp = Blueprint("consent", __name__)

# Where a candidate asked to accept the notice again may still go: the privacy pages, their
# settings, their data pages, signing in and out, the language switch and static files.
FREE_BLUEPRINTS = {"consent", "account", "mydata", "retention", "auth"}


@bp.before_app_request
def ask_to_accept_again():
    endpoint = request.endpoint
    if endpoint is None or endpoint == "static" or endpoint.split(".")[0] in FREE_BLUEPRINTS:
        return None
    if not current_user.is_authenticated or current_user.role != "candidate":
        return None
    candidate = current_user.candidate
    if candidate is None or not consent.needs_renewal(candidate):
        return None
    return redirect(url_for("consent.mine"), 303 if request.method == "POST" else 302)


def _locale() -> str:
    return str(get_locale() or "en")


def _shown(notice: PrivacyNotice | None, locale: str | None = None) -> dict:
    """What a page needs to show a notice: its blocks and the retention periods."""
    if notice is None:
        return {"notice": None, "blocks": [], "retention": []}
    return {
        "notice": notice,
        "blocks": consent.blocks(notice.body(locale or _locale())),
        "retention": consent.retention_periods(),
    }


@bp.get("/privacy")
def notice():
    return render_template("consent/notice.html", **_shown(consent.current_notice()))


def _mine(accept_form: AcceptForm, withdraw_form: WithdrawForm, status: int = 200):
    candidate = own_candidate(current_user)
    records = consent.records_of(candidate)
    return render_template(
        "consent/mine.html",
        candidate=candidate,
        state=consent.state_of(candidate, records),
        records=records,
        accept_form=accept_form,
        withdraw_form=withdraw_form,
        **_shown(consent.current_notice()),
    ), status


@bp.route("/me/privacy", methods=["GET", "POST"])
@role_required("candidate")
def mine():
    candidate = own_candidate(current_user)
    form = AcceptForm(share_with_companies=candidate.share_with_companies)
    if form.validate_on_submit():
        consent.give(current_user, candidate, share_with_companies=form.share_with_companies.data)
        flash(_("Thank you: your consent has been recorded."), "success")
        return redirect(url_for("consent.mine"))
    return _mine(form, WithdrawForm(formdata=None), 422 if form.errors else 200)


@bp.post("/me/privacy/withdraw")
@role_required("candidate")
def withdraw():
    candidate = own_candidate(current_user)
    form = WithdrawForm()
    if not form.validate_on_submit():
        return _mine(AcceptForm(formdata=None), form, 422)
    consent.withdraw(current_user, candidate)
    flash(_("Your consent has been withdrawn. The welcome desk has been told."), "success")
    return redirect(url_for("consent.mine"))


# -- the welcome desk -----------------------------------------------------------------------


@bp.get("/desk/privacy/notices")
@role_required("staff")
def notices():
    return render_template(
        "consent/notices.html",
        notices=consent.notices(),
        current_id=consent.current_notice_id(),
        draft=consent.draft(),
    )


def _text(form: NoticeForm) -> consent.NoticeText:
    return consent.NoticeText(
        body_en=form.body_en.data or "",
        body_nl=form.body_nl.data or "",
        body_af=form.body_af.data or "",
        changes=form.changes.data or "",
    )


@bp.route("/desk/privacy/notices/new", methods=["GET", "POST"])
@role_required("staff")
def new_notice():
    waiting = consent.draft()
    if waiting is not None and request.method == "GET":
        flash(_("A draft version already exists: edit it or publish it first."), "info")
        return redirect(url_for("consent.edit_notice", notice_id=waiting.id))
    if request.method == "POST":
        form = NoticeForm()
    else:
        start = consent.prefill()
        form = NoticeForm(body_en=start.body_en, body_nl=start.body_nl, body_af=start.body_af)
    if form.validate_on_submit():
        created = consent.new_draft(current_user, _text(form))
        flash(_("Draft version %(version)s has been saved.", version=created.version), "success")
        return redirect(url_for("consent.edit_notice", notice_id=created.id))
    return render_template("consent/edit_notice.html", form=form, notice=None), (
        422 if form.errors else 200
    )


@bp.route("/desk/privacy/notices/<int:notice_id>", methods=["GET", "POST"])
@role_required("staff")
def edit_notice(notice_id: int):
    record = consent.get_notice(notice_id)
    if request.method == "POST":
        consent.draft_to_edit(notice_id)  # a published version is refused (409)
        form = NoticeForm()  # only what was sent, never the stored text for a missing field
    else:
        form = NoticeForm(obj=record)
    if form.validate_on_submit():
        consent.save_draft(current_user, notice_id, _text(form))
        flash(_("Draft version %(version)s has been saved.", version=record.version), "success")
        return redirect(url_for("consent.edit_notice", notice_id=notice_id))
    return render_template(
        "consent/edit_notice.html",
        form=form,
        notice=record,
        publish_form=PublishForm(formdata=None),
        preview=_shown(record),
        texts={locale: consent.blocks(record.body(locale)) for locale in ("nl", "af", "en")},
    ), (422 if form.errors else 200)


@bp.post("/desk/privacy/notices/<int:notice_id>/publish")
@role_required("staff")
def publish_notice(notice_id: int):
    consent.draft_to_edit(notice_id)  # unknown: 404; published already: 409
    validated(PublishForm(), _("The version could not be published."))
    published = consent.publish(current_user, notice_id)
    flash(
        _(
            "Version %(version)s has been published: candidates are asked to accept it at "
            "their next visit.",
            version=published.version,
        ),
        "success",
    )
    return redirect(url_for("consent.notices"))


@bp.route("/desk/candidates/<int:candidate_id>/consent", methods=["GET", "POST"])
@role_required("staff")
def record_for(candidate_id: int):
    candidate = visible_candidate(current_user, candidate_id)
    form = OnBehalfForm(share_with_companies=candidate.share_with_companies)
    if form.validate_on_submit():
        consent.give(
            current_user,
            candidate,
            share_with_companies=form.share_with_companies.data,
            on_behalf_note=form.note.data,
        )
        flash(_("The consent of %(name)s has been recorded.", name=candidate.name), "success")
        return redirect(url_for("desk.candidate", candidate_id=candidate.id))
    records = consent.records_of(candidate)
    return render_template(
        "consent/record_for.html",
        candidate=candidate,
        form=form,
        state=consent.state_of(candidate, records),
        records=records,
        notice=consent.current_notice(),
    ), (422 if form.errors else 200)
