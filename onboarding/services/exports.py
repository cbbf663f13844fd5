"""The desk's lists as CSV, in the two forms of `onboarding.csvfiles`: for other programs
(comma, ISO dates, UTC) and for Belgian Excel (semicolon, the reader's dates, Brussels time,
decimal commas). Column headers are in the reader's language and values are typed (dates,
moments, numbers): the form decides how they are written.

The candidates export is also the import's format: its machine form has the import's column
keys and codes (plus the board's columns, which the import ignores), its Excel form the same
columns' labels, which the import reads too.
"""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload, selectinload

from onboarding.csvfiles import MACHINE, CsvForm, to_csv
from onboarding.extensions import db
from onboarding.i18n import LANGUAGE_NAMES, country_name, phase_label
from onboarding.models import Campaign, Candidate, Partner
from onboarding.services import board, campaigns
from onboarding.services.imports.columns import BY_KEY, CONSENT_LABELS
from onboarding.vocabulary import (
    CAMPAIGN_KIND_LABELS,
    COMPANY_SIZE_LABELS,
    OUTBOX_KIND_LABELS,
    OUTREACH_CHANNEL_LABELS,
    PARTNER_KIND_LABELS,
    PARTNER_STATUS_LABELS,
    PROJECT_KIND_LABELS,
    REMINDER_STATUS_LABELS,
    STEM_FIELD_LABELS,
)


def _names(model, ids) -> dict[int, str]:
    ids = {i for i in ids if i is not None}
    if not ids:
        return {}
    return dict(db.session.execute(select(model.id, model.name).where(model.id.in_(ids))).all())


def candidates_csv(board_filter: board.BoardFilter, form: CsvForm = MACHINE) -> str:
    """The board's candidates (same filters: phase, country, name search), in board order."""
    rows = db.session.scalars(board.board_query(board_filter)).all()
    campaign_names = _names(Campaign, (c.campaign_id for c in rows))
    partner_names = _names(Partner, (c.partner_id for c in rows))
    if not form.local:  # the import's keys and codes, then the board's columns
        header = [
            *BY_KEY, "phase", "mentor", "campaign", "partner", "registered_at",
        ]  # fmt: skip
        return to_csv(
            header,
            (
                [
                    c.user.name,
                    c.user.email,
                    c.country_code,
                    c.origin_institution,
                    c.stem_field,
                    c.graduation_date,
                    c.outreach_channel,
                    c.user.locale,
                    "yes" if c.consent_at else "no",
                    c.phase,
                    c.mentor.name if c.mentor else "",
                    campaign_names.get(c.campaign_id, ""),
                    partner_names.get(c.partner_id, ""),
                    c.created_at,
                ]  # fmt: skip
                for c in rows
            ),
            form,
        )
    labels: list[object] = [
        *(BY_KEY[key].label for key in ("name", "email", "country")), _("Country"),
        *(BY_KEY[key].label for key in BY_KEY if key not in ("name", "email", "country")),
        _("Phase"), _("Mentor"), _("Campaign"), _("Partner"), _("Registered on"),
    ]  # fmt: skip
    return to_csv(
        labels,
        (
            [
                c.user.name,
                c.user.email,
                c.country_code,
                country_name(c.country_code),
                c.origin_institution,
                STEM_FIELD_LABELS.get(c.stem_field, c.stem_field),
                c.graduation_date,
                OUTREACH_CHANNEL_LABELS.get(c.outreach_channel, c.outreach_channel),
                LANGUAGE_NAMES.get(c.user.locale, c.user.locale),
                CONSENT_LABELS["yes" if c.consent_at else "no"],
                phase_label(c.phase),
                c.mentor.name if c.mentor else "",
                campaign_names.get(c.campaign_id, ""),
                partner_names.get(c.partner_id, ""),
                c.created_at,
            ]
            for c in rows
        ),
        form,
    )


def partners_csv(form: CsvForm = MACHINE) -> str:
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
                p.created_at,
                p.reviewed_at,
                "; ".join(sorted(c.name for c in p.campaigns)),
                referred.get(p.id, 0),
            ]
            for p in partners
        ),
        form,
    )


def campaigns_csv(form: CsvForm = MACHINE) -> str:
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
                row.campaign.starts_on,
                row.campaign.ends_on,
                "; ".join(p.name for p in row.campaign.partners),
                row.prospects,
            ]
            for row in campaigns.listing()
        ),
        form,
    )


def companies_csv(form: CsvForm = MACHINE) -> str:
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
                 project.start_date, project.seats,
                 _("open") if project.is_open else _("closed")]
            )  # fmt: skip
    return to_csv(header, rows, form)


def reminders_csv(status: str | None, form: CsvForm = MACHINE, *, kind: str | None = None) -> str:
    """The outbox queue (optionally one status, one kind: reminders, notifications, daily
    summaries), with errors, newest first."""
    from onboarding.models import Reminder
    from onboarding.services import reminders

    query = (
        select(Reminder)
        .options(joinedload(Reminder.recipient))
        .order_by(Reminder.due_at.desc(), Reminder.id.desc())
    )
    if status:
        query = query.where(Reminder.status == status)
    if kind:
        query = query.where(Reminder.kind == kind)
    header = [_("Due"), _("Kind"), _("Subject"), _("To"), _("Status"), _("Attempts"), _("Error")]
    rows = [
        [r.due_at, OUTBOX_KIND_LABELS[r.kind], reminders.subject(r), reminders.recipient_label(r),
         REMINDER_STATUS_LABELS[r.status], r.attempts, r.last_error or ""]
        for r in db.session.scalars(query)
    ]  # fmt: skip
    return to_csv(header, rows, form)
