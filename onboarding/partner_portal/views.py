"""The partner portal (/partner): the organisation's referrals and their phase, its funnel,
the partner directory, the organisation's listing, and referring a prospect."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from onboarding.forms import VersionForm
from onboarding.pages import send_invitation
from onboarding.partner_portal.forms import ListingForm, PartnerImportForm, ReferForm
from onboarding.partners.views import import_job_page, import_start_page
from onboarding.reports.views import funnel_section
from onboarding.services import candidates, imports, partner_portal
from onboarding.services.errors import Refused
from onboarding.vocabulary import PARTNER_KIND_LABELS, STEM_FIELD_LABELS
from onboarding.web import (
    claim_once,
    csv_download,
    csv_form,
    finish_once,
    role_required,
    sent_before,
    validated,
)

bp = Blueprint("partner_portal", __name__, url_prefix="/partner")


@bp.get("/")
@role_required("partner")
def home():
    partner = partner_portal.own_partner(current_user)
    return render_template(
        "partner_portal/home.html",
        partner=partner,
        referrals=partner_portal.referrals(current_user),
        funnels=[
            (funnel.title, funnel_section(funnel.report), funnel.report.total)
            for funnel in partner_portal.funnels(current_user)
        ],
        stem=STEM_FIELD_LABELS,
    )


@bp.get("/directory")
@role_required("partner")
def directory():
    return render_template(
        "partner_portal/directory.html",
        partners=partner_portal.directory(current_user),
        kinds=PARTNER_KIND_LABELS,
    )


@bp.route("/listing", methods=["GET", "POST"])
@role_required("partner")
def listing():
    partner = partner_portal.own_partner(current_user)
    form = ListingForm(obj=partner)
    if form.validate_on_submit():
        partner_portal.save_listing(
            current_user, form.listed.data, form.offers.data or "", form.seeks.data or ""
        )
        flash(_("Your organisation's listing has been saved."), "success")
        return redirect(url_for("partner_portal.directory"))
    status = 422 if form.errors else 200
    return render_template("partner_portal/listing.html", form=form, partner=partner), status


@bp.route("/refer", methods=["GET", "POST"])
@role_required("partner")
def refer():
    partner = partner_portal.own_partner(current_user)
    form = ReferForm(campaigns=partner_portal.campaigns_of(partner))
    if form.is_submitted() and (earlier := sent_before(form)) is not None:
        return earlier
    if form.validate_on_submit():
        claim_once(form)
        candidate, token = candidates.register(
            current_user,
            candidates.Registration(
                name=form.name.data,
                email=form.email.data,
                country_code=form.country.data,
                origin_institution=form.origin_institution.data,
                stem_field=form.stem_field.data,
                graduation_date=form.graduation_date.data,
                outreach_channel="partner_referral",
                locale=form.locale.data,
                consent_recorded=False,
                campaign_id=form.campaign_id.data,
            ),
        )
        send_invitation(candidate.user, token)
        flash(
            _("%(name)s has been referred and receives an invitation by email.",
              name=candidate.name),
            "success",
        )  # fmt: skip
        return finish_once(form, url_for("partner_portal.home"))
    status = 422 if form.errors else 200
    return render_template("partner_portal/refer.html", form=form, partner=partner), status


# -- importing prospects: the desk's preview-then-import flow, for their own organisation ---


@bp.route("/import", methods=["GET", "POST"])
@role_required("partner")
def import_start():
    partner = partner_portal.own_partner(current_user)
    form = PartnerImportForm(campaigns=partner_portal.campaigns_of(partner))
    refused = False
    if form.validate_on_submit():
        try:
            job = imports.preview(
                current_user,
                filename=form.file.data.filename or "",
                content=form.file.data.stream.read(imports.max_bytes() + 1),
                partner_id=partner.id,
                campaign_id=form.campaign(),
            )
        except Refused as error:
            form.file.errors.append(error.message)
            refused = True
        else:
            return redirect(url_for("partner_portal.import_job", job_id=job.id))
    status = 422 if refused or form.errors else 200
    recent = imports.recent_jobs(partner_id=partner.id)
    return import_start_page(form, recent, "partner"), status


@bp.get("/import/template.csv")
@role_required("partner")
def import_template():
    return csv_download(imports.template_csv(csv_form()), "prospects-template.csv")


@bp.get("/import/<int:job_id>")
@role_required("partner")
def import_job(job_id: int):
    return import_job_page(imports.job_for(current_user, job_id), "partner")


@bp.post("/import/<int:job_id>/run")
@role_required("partner")
def import_run(job_id: int):
    validated(VersionForm(), _("The import could not be started."))
    imports.start(current_user, job_id)
    return redirect(url_for("partner_portal.import_job", job_id=job_id))
