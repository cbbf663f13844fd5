"""Outreach campaigns: what kind, where, when, with which partners, and who they reached."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload, selectinload

from onboarding.db import count_of, flush_unique
from onboarding.extensions import db
from onboarding.i18n import valid_country
from onboarding.models import Campaign, Candidate, Partner, User
from onboarding.services.access import get_or_not_found, require_role
from onboarding.services.errors import Refused
from onboarding.vocabulary import CAMPAIGN_KINDS


@dataclass(frozen=True)
class CampaignData:
    name: str
    kind: str
    target_countries: tuple[str, ...] = ()
    target_regions: str = ""
    starts_on: date | None = None
    ends_on: date | None = None
    partner_ids: tuple[int, ...] = ()


def name_taken(name: str, except_id: int | None = None) -> bool:
    query = select(func.count(Campaign.id)).where(func.lower(Campaign.name) == name.strip().lower())
    if except_id is not None:
        query = query.where(Campaign.id != except_id)
    return count_of(query) > 0


def _taken_message() -> str:
    return _("A campaign with this name already exists.")


def _apply(campaign: Campaign, data: CampaignData) -> None:
    if data.kind not in CAMPAIGN_KINDS:
        raise Refused(_("Choose one of the campaign types."))
    countries = sorted({code.strip().upper() for code in data.target_countries if code.strip()})
    if not all(valid_country(code) for code in countries):
        raise Refused(_("Choose countries from the list."))
    if data.starts_on and data.ends_on and data.ends_on < data.starts_on:
        raise Refused(_("The end date cannot be before the start date."))
    if name_taken(data.name, campaign.id):
        raise Refused(_taken_message())
    partner_ids = set(data.partner_ids)
    partners = list(
        db.session.scalars(
            select(Partner).where(Partner.id.in_(partner_ids), Partner.status == "accepted")
        )
    )
    if len(partners) != len(partner_ids):
        raise Refused(_("Only accepted partners can take part in a campaign."))
    campaign.name = data.name.strip()
    campaign.kind = data.kind
    campaign.target_countries = countries
    campaign.target_regions = data.target_regions.strip() or None
    campaign.starts_on = data.starts_on
    campaign.ends_on = data.ends_on
    campaign.partners = sorted(partners, key=lambda p: p.name.lower())


def create(actor: User, data: CampaignData) -> Campaign:
    require_role(actor, "staff")
    campaign = Campaign()
    _apply(campaign, data)
    db.session.add(campaign)
    flush_unique(_taken_message())  # the same name saved at the same moment elsewhere
    return campaign


def update(actor: User, campaign_id: int, data: CampaignData) -> Campaign:
    require_role(actor, "staff")
    campaign = get(campaign_id)
    _apply(campaign, data)
    flush_unique(_taken_message())
    return campaign


def get(campaign_id: int) -> Campaign:
    return get_or_not_found(
        Campaign, campaign_id, _("This campaign does not exist."), selectinload(Campaign.partners)
    )


def prospects(campaign_id: int) -> list[Candidate]:
    """The candidates this campaign reached (Candidate.campaign_id), in name order."""
    return list(
        db.session.scalars(
            select(Candidate)
            .join(User, Candidate.user_id == User.id)
            .options(joinedload(Candidate.user))
            .where(Candidate.campaign_id == campaign_id)
            .order_by(func.lower(User.name), Candidate.id)
        )
    )


def prospect_counts() -> dict[int, int]:
    rows = db.session.execute(
        select(Candidate.campaign_id, func.count(Candidate.id))
        .where(Candidate.campaign_id.is_not(None))
        .group_by(Candidate.campaign_id)
    )
    return {campaign_id: count for campaign_id, count in rows if campaign_id is not None}


@dataclass(frozen=True)
class CampaignRow:
    campaign: Campaign
    prospects: int


def listing() -> list[CampaignRow]:
    """Every campaign, newest start first (undated last), with its partners and reach."""
    campaigns = db.session.scalars(
        select(Campaign)
        .options(selectinload(Campaign.partners))
        .order_by(Campaign.starts_on.desc().nulls_last(), func.lower(Campaign.name))
    ).all()
    counts = prospect_counts()
    return [CampaignRow(c, counts.get(c.id, 0)) for c in campaigns]


def choices() -> list[tuple[int, str]]:
    return [
        (campaign_id, name)
        for campaign_id, name in db.session.execute(
            select(Campaign.id, Campaign.name).order_by(func.lower(Campaign.name))
        )
    ]
