"""Partners (public application, desk review), outreach campaigns, CSV import of prospects
and the partner and campaign lists as CSV."""

import logging

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from onboarding.db import rollback
from onboarding.extensions import limiter
from onboarding.forms import VersionForm
from onboarding.pages import send_invitation
from onboarding.partner_portal.forms import PartnerContactForm
from onboarding.partners.forms import CampaignForm, DecisionForm, ImportForm, PartnerApplicationForm
from onboarding.services import campaigns, exports, imports, partner_portal, partners
from onboarding.services.errors import Refused
from onboarding.vocabulary import (
    CAMPAIGN_KIND_LABELS,
    PARTNER_KIND_LABELS,
    PARTNER_STATUS_LABELS,
)
from onboarding.web import (
    claim_once,
    csv_download,
    csv_form,
    finish_once,
    role_required,
    sent_before,
    validated,
)

bp = Blueprint("partners", __name__)
log = logging.getLogger(__name__)

PREVIEW_ROWS = 100  # rows shown on the preview page; every row is checked and imported


def _labels() -> dict:
    return {
        "kind": PARTNER_KIND_LABELS,
        "status": PARTNER_STATUS_LABELS,
        "campaign": CAMPAIGN_KIND_LABELS,
    }


# -- the public call ------------------------------------------------------------------------


def _partner_form_limit() -> str:
    return current_app.config["PARTNER_FORM_LIMIT"]


@bp.route("/partners/apply", methods=["GET", "POST"])
@limiter.limit(_partner_form_limit, methods=["POST"])  # per client address; 429 beyond it
def apply():
    form = PartnerApplicationForm()
    thanks = url_for("partners.apply_thanks")
    if form.is_submitted() and form.sent_by_a_robot():
        # Answered as a success, so the robot learns nothing; nothing stored, nothing sent.
        log.info("partner form: the hidden field was filled in; nothing stored")
        return redirect(thanks)
    if form.is_submitted() and (earlier := sent_before(form)) is not None:
        return earlier
    refusal = None
    if form.validate_on_submit():
        claim_once(form)
        try:
            partners.apply(
                partners.Application(
                    name=form.name.data,
                    kind=form.kind.data,
                    contact_name=form.contact_name.data,
                    contact_email=form.email.data,
                    website=form.website.data or "",
                    country_code=form.country.data or "",
                    message=form.message.data or "",
                    locale=str(get_locale()),
                )
            )
        except Refused as error:  # e.g. already applied: the form again, with the reason
            refusal = error.message
        else:
            return finish_once(form, thanks)
    status = 422 if refusal or form.errors else 200
    return render_template("partners/apply.html", form=form, refusal=refusal), status


@bp.get("/partners/apply/thanks")
def apply_thanks():
    return render_template("partners/apply_thanks.html")


# -- the desk's review ----------------------------------------------------------------------


@bp.get("/desk/partners")
@role_required("staff")
def partner_list():
    return render_template(
        "partners/partner_list.html", overview=partners.overview(), labels=_labels()
    )


@bp.get("/desk/partners/<int:partner_id>")
@role_required("staff")
def partner_detail(partner_id: int):
    return _detail_page(partners.get(partner_id))


def _detail_page(partner, contact_form: PartnerContactForm | None = None):
    return render_template(
        "partners/partner_detail.html",
        partner=partner,
        referred=partners.referred([partner.id])[partner.id],
        form=DecisionForm(formdata=None),
        contacts=partner_portal.contacts(partner.id),
        contact_form=contact_form or PartnerContactForm(formdata=None),
        labels=_labels(),
    )


@bp.post("/desk/partners/<int:partner_id>/contacts")
@role_required("staff")
def invite_partner_contact(partner_id: int):
    """An account in the partner portal for the contact of an accepted partner."""
    partner = partners.get(partner_id)
    form = PartnerContactForm()
    if not form.validate_on_submit():
        return _detail_page(partner, form), 422
    try:
        user, token = partner_portal.invite_contact(
            current_user, partner_id, form.email.data, form.name.data, form.locale.data
        )
    except Refused as error:
        rollback()
        form.email.errors = [*form.email.errors, error.message]
        return _detail_page(partner, form), 422
    send_invitation(user, token)
    return redirect(url_for("partners.partner_detail", partner_id=partner_id) + "#contacts")


@bp.post("/desk/partners/<int:partner_id>/decision")
@role_required("staff")
def decide(partner_id: int):
    form = validated(DecisionForm(), _("The decision could not be recorded."))
    partner = partners.decide(current_user, partner_id, form.decision.data, form.note.data or "")
    if partner.status == "accepted":
        flash(_("%(name)s is now a partner.", name=partner.name), "success")
    else:
        flash(_("The application of %(name)s has been declined.", name=partner.name), "success")
    return redirect(url_for("partners.partner_detail", partner_id=partner_id))


# -- campaigns ------------------------------------------------------------------------------


def _campaign_data(form: CampaignForm) -> campaigns.CampaignData:
    return campaigns.CampaignData(
        name=form.name.data,
        kind=form.kind.data,
        target_countries=tuple(form.target_countries.data or ()),
        target_regions=form.target_regions.data or "",
        starts_on=form.starts_on.data,
        ends_on=form.ends_on.data,
        partner_ids=form.partner_id_values(),
    )


@bp.get("/desk/campaigns", endpoint="campaigns")
@role_required("staff")
def campaign_list():
    return render_template("partners/campaigns.html", rows=campaigns.listing(), labels=_labels())


@bp.route("/desk/campaigns/new", methods=["GET", "POST"])
@role_required("staff")
def new_campaign():
    form = CampaignForm()
    if form.validate_on_submit():
        campaign = campaigns.create(current_user, _campaign_data(form))
        flash(_("The campaign “%(name)s” has been created.", name=campaign.name), "success")
        return redirect(url_for("partners.campaign", campaign_id=campaign.id))
    status = 422 if form.errors else 200
    return render_template("partners/campaign.html", form=form, campaign=None), status


@bp.route("/desk/campaigns/<int:campaign_id>", methods=["GET", "POST"])
@role_required("staff")
def campaign(campaign_id: int):
    current = campaigns.get(campaign_id)
    saved = {
        "name": current.name,
        "kind": current.kind,
        "target_countries": list(current.target_countries or []),
        "target_regions": current.target_regions or "",
        "starts_on": current.starts_on,
        "ends_on": current.ends_on,
        "partner_ids": [str(p.id) for p in current.partners],
    }
    # The saved values fill the form on GET only: a POST is judged on what it sends.
    form = CampaignForm(campaign_id=current.id, data=saved if request.method == "GET" else None)
    if form.validate_on_submit():
        campaigns.update(current_user, campaign_id, _campaign_data(form))
        flash(_("The campaign has been saved."), "success")
        return redirect(url_for("partners.campaign", campaign_id=campaign_id))
    status = 422 if form.errors else 200
    return render_template(
        "partners/campaign.html",
        form=form,
        campaign=current,
        prospects=campaigns.prospects(campaign_id),
    ), status


# -- importing prospects --------------------------------------------------------------------


@bp.route("/desk/import", methods=["GET", "POST"])
@role_required("staff")
def import_start():
    form = ImportForm()
    refused = False
    if form.validate_on_submit():
        try:
            job = imports.preview(
                current_user,
                filename=form.file.data.filename or "",
                # Read one byte past the limit: enough to know the file is too large.
                content=form.file.data.stream.read(imports.max_bytes() + 1),
                partner_id=int(form.partner_id.data),
                campaign_id=form.campaign(),
            )
        except Refused as error:
            form.file.errors.append(error.message)
            refused = True
        else:
            return redirect(url_for("partners.import_job", job_id=job.id))
    status = 422 if refused or form.errors else 200
    return import_start_page(form, imports.recent_jobs(), "desk"), status


def import_start_page(form, recent, area: str) -> str:
    """The upload page with the accepted columns, for the desk or a partner's contact."""
    return render_template(
        "partners/import_start.html",
        form=form,
        area=area,
        recent=recent,
        columns=imports.columns.COLUMNS,
        max_rows=imports.max_rows(),
    )


@bp.get("/desk/import/template.csv")
@role_required("staff")
def import_template():
    """The columns and one example row, to fill in (machine form, or ?format=excel)."""
    return csv_download(imports.template_csv(csv_form()), "prospects-template.csv")


@bp.get("/desk/import/<int:job_id>")
@role_required("staff")
def import_job(job_id: int):
    return import_job_page(imports.job_for(current_user, job_id), "desk")


def import_job_page(job, area: str) -> Response:
    """An import's page, for the desk or (area "partner") a partner's contact."""
    response = Response(
        render_template(
            "partners/import_job.html",
            job=job,
            area=area,
            partner=partners.get(job.partner_id) if job.partner_id else None,
            campaign=campaigns.get(job.campaign_id) if job.campaign_id else None,
            row_errors=imports.row_errors(job),
            progress=imports.progress_of(job),
            failure=imports.failure_text(job),
            preview=imports.preview_rows(job, PREVIEW_ROWS),
            preview_limit=PREVIEW_ROWS,
            run_again=imports.can_run_again(job),
        )
    )
    if job.status == "importing":
        response.headers["Refresh"] = "1"  # besides the <meta> tag, for any client
    return response


@bp.post("/desk/import/<int:job_id>/run")
@role_required("staff")
def import_run(job_id: int):
    validated(VersionForm(), _("The import could not be started."))
    imports.start(current_user, job_id)
    return redirect(url_for("partners.import_job", job_id=job_id))


# -- exports --------------------------------------------------------------------------------


@bp.get("/desk/export/partners.csv")
@role_required("staff")
def export_partners():
    return csv_download(exports.partners_csv(csv_form()), "partners.csv")


@bp.get("/desk/export/campaigns.csv")
@role_required("staff")
def export_campaigns():
    return csv_download(exports.campaigns_csv(csv_form()), "campaigns.csv")
