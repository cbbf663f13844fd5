"""The desk's lists as CSV for spreadsheets: UTF-8 with a BOM (so Excel reads the accents),
column headers in the reader's language, and no cell that a spreadsheet would run.

Dates are written as ISO 8601 (YYYY-MM-DD), which every spreadsheet reads as a date.
"""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload, selectinload

from onboarding.csvfiles import to_csv
from onboarding.extensions import db
from onboarding.i18n import country_name, phase_label
from onboarding.models import Campaign, Candidate, Partner
from onboarding.services import board, campaigns
from onboarding.vocabulary import (
    CAMPAIGN_KIND_LABELS,
    COMPANY_SIZE_LABELS,
    OUTREACH_CHANNEL_LABELS,
    PARTNER_KIND_LABELS,
    PARTNER_STATUS_LABELS,
    PROJECT_KIND_LABELS,
    REMINDER_STATUS_LABELS,
    STEM_FIELD_LABELS,
)


def _iso(value) -> str:
    return value.isoformat() if value else ""


def _day(moment) -> str:
    return moment.date().isoformat() if moment else ""


def _names(model, ids) -> dict[int, str]:
    ids = {i for i in ids if i is not None}
    if not ids:
        return {}
    return dict(db.session.execute(select(model.id, model.name).where(model.id.in_(ids))).all())


def candidates_csv(board_filter: board.BoardFilter) -> str:
    """The board's candidates (same filters: phase, country, name search), in board order."""
    rows = db.session.scalars(board.board_query(board_filter)).all()
    campaign_names = _names(Campaign, (c.campaign_id for c in rows))
    partner_names = _names(Partner, (c.partner_id for c in rows))
    header = [
        _("Name"), _("Email address"), _("Country code"), _("Country"),
        _("Origin institution"), _("STEM field"), _("Graduation date"), _("Outreach channel"),
        _("Phase"), _("Mentor"), _("Campaign"), _("Partner"), _("Registered on"),
    ]  # fmt: skip
    return to_csv(
        header,
        (
            [
                c.user.name,
                c.user.email,
                c.country_code,
                country_name(c.country_code),
                c.origin_institution,
                str(STEM_FIELD_LABELS.get(c.stem_field, c.stem_field)),
                _iso(c.graduation_date),
                str(OUTREACH_CHANNEL_LABELS.get(c.outreach_channel, c.outreach_channel)),
                phase_label(c.phase),
                c.mentor.name if c.mentor else "",
                campaign_names.get(c.campaign_id, ""),
                partner_names.get(c.partner_id, ""),
                _day(c.created_at),
            ]
            for c in rows
        ),
    )


def partners_csv() -> str:
    partners = db.session.scalars(
        select(Partner)
        .options(selectinload(Partner.campaigns))
        .order_by(func.lower(Partner.name), Partner.id)
    ).all()
    referred = dict(
        db.session.execute(
            select(Candidate.partner_id, func.count(Candidate.id))
            .where(Candidate.partner_id.is_not(None))
            .group_by(Candidate.partner_id)
        ).all()
    )
    header = [
        _("Organisation"), _("Partnership"), _("Status"), _("Contact person"),
        _("Email address"), _("Website"), _("Country"), _("Applied on"), _("Decided on"),
        _("Campaigns"), _("Referred candidates"),
    ]  # fmt: skip
    return to_csv(
        header,
        (
            [
                p.name,
                str(PARTNER_KIND_LABELS.get(p.kind, p.kind)),
                str(PARTNER_STATUS_LABELS.get(p.status, p.status)),
                p.contact_name,
                p.contact_email,
                p.website or "",
                country_name(p.country_code) if p.country_code else "",
                _day(p.created_at),
                _day(p.reviewed_at),
                "; ".join(sorted(c.name for c in p.campaigns)),
                referred.get(p.id, 0),
            ]
            for p in partners
        ),
    )


def campaigns_csv() -> str:
    header = [
        _("Campaign"), _("Type"), _("Target countries"), _("Target regions"), _("Start date"),
        _("End date"), _("Partners"), _("Prospects"),
    ]  # fmt: skip
    return to_csv(
        header,
        (
            [
                row.campaign.name,
                str(CAMPAIGN_KIND_LABELS.get(row.campaign.kind, row.campaign.kind)),
                "; ".join(country_name(code) for code in row.campaign.target_countries or []),
                row.campaign.target_regions or "",
                _iso(row.campaign.starts_on),
                _iso(row.campaign.ends_on),
                "; ".join(p.name for p in row.campaign.partners),
                row.prospects,
            ]
            for row in campaigns.listing()
        ),
    )


def companies_csv() -> str:
    """Every company with each of its projects on a line (a company without projects once)."""
    from onboarding.models import Company

    header = [
        _("Company"), _("Municipality"), _("Sector"), _("Size"), _("Contact person"),
        _("Contact email"), _("Innovation project"), _("Kind"), _("Start date"), _("Seats"),
        _("Status"),
    ]  # fmt: skip
    rows = []
    for company in db.session.scalars(
        select(Company).options(selectinload(Company.projects)).order_by(Company.name)
    ):
        base = [
            company.name, company.municipality, company.sector,
            COMPANY_SIZE_LABELS[company.size] if company.size else "",
            company.contact_person or "", company.contact_email or "",
        ]  # fmt: skip
        if not company.projects:
            rows.append([*base, "", "", "", "", ""])
        for project in company.projects:
            rows.append(
                [*base, project.title, PROJECT_KIND_LABELS[project.kind],
                 _iso(project.start_date), project.seats,
                 _("open") if project.is_open else _("closed")]
            )  # fmt: skip
    return to_csv(header, rows)


def reminders_csv(status: str | None) -> str:
    """The reminder queue (optionally one status), with errors, newest first."""
    from onboarding.models import Reminder
    from onboarding.services import reminders

    query = (
        select(Reminder)
        .options(joinedload(Reminder.recipient))
        .order_by(Reminder.due_at.desc(), Reminder.id.desc())
    )
    if status:
        query = query.where(Reminder.status == status)
    header = [_("Due"), _("Reminder"), _("To"), _("Status"), _("Attempts"), _("Error")]
    rows = [
        [r.due_at.isoformat(timespec="minutes"), reminders.subject(r), r.recipient.name,
         REMINDER_STATUS_LABELS[r.status], r.attempts, r.last_error or ""]
        for r in db.session.scalars(query)
    ]  # fmt: skip
    return to_csv(header, rows)
