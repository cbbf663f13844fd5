"""Stage 3: the job row — a previewed file with its ready rows and bad rows, claimed once."""

from __future__ import annotations

import json

from flask_babel import gettext as _
from sqlalchemy import select, update

from onboarding.db import rows_changed
from onboarding.extensions import db
from onboarding.models import Campaign, ImportJob, Partner, User
from onboarding.services.access import get_or_not_found, require_role
from onboarding.services.errors import Conflict, NotFound, Refused
from onboarding.services.imports.reading import decode, read_rows
from onboarding.services.imports.rows import check_rows


def _clean_filename(filename: str) -> str:
    name = (filename or "").replace("\\", "/").rsplit("/", 1)[-1].strip()
    return name[:255] or "import.csv"


def preview(
    actor: User, *, filename: str, content: bytes, partner_id: int, campaign_id: int | None
) -> ImportJob:
    """Check the file and store a previewed job; refuses an unreadable file (no job). A
    partner's contact imports for their own organisation, into one of its campaigns."""
    require_role(actor, "staff", "partner")
    if actor.role == "partner":
        from onboarding.services import partner_portal

        own = partner_portal.own_partner(actor)
        partner_id = own.id
        campaign_id = partner_portal.allowed_campaign(own, campaign_id)
    partner = db.session.get(Partner, partner_id)
    if partner is None or partner.status != "accepted":
        raise Refused(_("Choose one of the accepted partners."))
    if campaign_id is not None and db.session.get(Campaign, campaign_id) is None:
        raise Refused(_("Choose one of the listed campaigns."))
    rows = read_rows(decode(content))
    ready, errors = check_rows(rows)
    job = ImportJob(
        created_by_id=actor.id,
        filename=_clean_filename(filename),
        partner_id=partner.id,
        campaign_id=campaign_id,
        status="previewed",
        rows=ready,
        errors=errors,
        total_rows=len(rows),
        processed_rows=0,
    )
    db.session.add(job)
    db.session.flush()
    return job


def get_job(job_id: int) -> ImportJob:
    return get_or_not_found(ImportJob, job_id, _("This import does not exist."))


def job_for(actor: User, job_id: int) -> ImportJob:
    """An import the person may see: any for the desk, their own organisation's for a
    partner's contact (another one's is not found)."""
    require_role(actor, "staff", "partner")
    job = get_job(job_id)
    if actor.role == "partner" and (actor.partner_id is None or job.partner_id != actor.partner_id):
        raise NotFound(_("This import does not exist."))
    return job


def recent_jobs(limit: int = 10, *, partner_id: int | None = None) -> list[ImportJob]:
    statement = select(ImportJob).order_by(ImportJob.id.desc()).limit(limit)
    if partner_id is not None:
        statement = statement.where(ImportJob.partner_id == partner_id)
    return list(db.session.scalars(statement))


def can_run_again(job: ImportJob) -> bool:
    """A run that stopped before it finished (its worker crashed every time) left nothing
    behind: the same rows can be run again."""
    if job.status != "failed" or not job.failure:
        return False
    try:
        return json.loads(job.failure).get("code") == "crashed"
    except ValueError:
        return False


def claim(actor: User, job_id: int) -> ImportJob:
    """Mark a clean previewed job "importing", once (a second click is a Conflict); a run
    that crashed may be claimed again."""
    job = job_for(actor, job_id)
    ready = job.status == "previewed" or can_run_again(job)
    if not ready:
        raise Conflict(_("This import has already been run."))
    if job.errors:
        raise Refused(_("This file has errors. Correct them in the file and upload it again."))
    # One conditional UPDATE, so two clicks at once cannot both claim it.
    changed = rows_changed(
        update(ImportJob)
        .where(ImportJob.id == job_id, ImportJob.status == job.status)
        .values(status="importing", processed_rows=0, failure=None)
        .execution_options(synchronize_session=False)
    )
    if changed != 1:
        raise Conflict(_("This import has already been run."))
    db.session.refresh(job)
    return job
