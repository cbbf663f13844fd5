"""What a partner organisation's contact sees and does in the partner portal.

A partner contact (role `partner`, one organisation each) is invited by the desk once the
organisation is an accepted partner. They see the candidates their organisation referred
and the phase each is in — no documents, no notes —, the funnel of their referrals (the
reports' figures, filtered to them) per campaign they take part in, and the directory of
the other accepted partners that chose to be listed. They refer a prospect with the
desk's own registration rules; the prospect arrives in outreach with the partner linked.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from onboarding.extensions import db
from onboarding.models import Campaign, Candidate, Partner, User, campaign_partners
from onboarding.services import auth, reports
from onboarding.services.access import get_or_not_found, require_role
from onboarding.services.errors import NotFound, Refused


def own_partner(actor: User) -> Partner:
    require_role(actor, "partner")
    partner = db.session.get(Partner, actor.partner_id) if actor.partner_id else None
    if partner is None or partner.status != "accepted":
        raise NotFound(_("No partner organisation was found for your account."))
    return partner


def referrals(actor: User) -> list[Candidate]:
    """The candidates the organisation referred (an erased one is left out), newest first."""
    partner = own_partner(actor)
    return list(
        db.session.scalars(
            select(Candidate)
            .join(User, Candidate.user_id == User.id)
            .options(joinedload(Candidate.user))
            .where(Candidate.partner_id == partner.id, Candidate.erased_at.is_(None))
            .order_by(Candidate.created_at.desc(), Candidate.id.desc())
        )
    )


def campaigns_of(partner: Partner) -> list[Campaign]:
    return list(
        db.session.scalars(
            select(Campaign)
            .join(campaign_partners, campaign_partners.c.campaign_id == Campaign.id)
            .where(campaign_partners.c.partner_id == partner.id)
            .order_by(Campaign.name)
        )
    )


@dataclass(frozen=True)
class Funnel:
    title: str
    report: reports.Report


def funnels(actor: User) -> list[Funnel]:
    """The reports' funnel of the organisation's referrals: all of them, then per campaign
    the organisation takes part in."""
    partner = own_partner(actor)
    result = [Funnel(_("All your referrals"), _report(partner.id))]
    for campaign in campaigns_of(partner):
        result.append(Funnel(campaign.name, _report(partner.id, campaign.id)))
    return result


def _report(partner_id: int, campaign_id: int | None = None) -> reports.Report:
    return reports.build_report(reports.ReportFilter(campaign=campaign_id, partner=partner_id))


def directory(actor: User) -> list[Partner]:
    """The other accepted partners that chose to be listed, by name."""
    partner = own_partner(actor)
    return list(
        db.session.scalars(
            select(Partner)
            .where(
                Partner.status == "accepted",
                Partner.listed.is_(True),
                Partner.id != partner.id,
            )
            .order_by(func.lower(Partner.name), Partner.id)
        )
    )


def save_listing(actor: User, listed: bool, offers: str, seeks: str) -> Partner:
    """Whether the organisation is in the directory, and what it offers and seeks there."""
    partner = own_partner(actor)
    partner.listed = listed
    partner.offers = offers.strip() or None
    partner.seeks = seeks.strip() or None
    return partner


def allowed_campaign(partner: Partner, campaign_id: int | None) -> int | None:
    """A referral's campaign must be one the organisation takes part in."""
    if campaign_id is None:
        return None
    if campaign_id not in {c.id for c in campaigns_of(partner)}:
        raise Refused(_("Choose one of your organisation's campaigns."))
    return campaign_id


def invite_contact(
    actor: User, partner_id: int, email: str, name: str, locale: str
) -> tuple[User, str]:
    """An account for the contact of an accepted partner, and its invitation link (the
    caller emails it after the commit, like a colleague's)."""
    require_role(actor, "staff")
    partner = get_or_not_found(Partner, partner_id, _("This partner does not exist."))
    if partner.status != "accepted":
        raise Refused(_("Only an accepted partner gets accounts in the partner portal."))
    return auth.new_account(email, name, locale, "partner", created_by=actor, partner=partner)


def contacts(partner_id: int) -> list[User]:
    return list(
        db.session.scalars(
            select(User).where(User.partner_id == partner_id).order_by(User.name, User.id)
        )
    )
