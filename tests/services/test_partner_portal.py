"""The partner portal's services: an accepted partner's contact sees their own referrals
only, the funnel of them, the directory of the other listed partners, and refers prospects
with the desk's registration rules."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from onboarding.db import transaction
from onboarding.extensions import db
from onboarding.models import AuditEvent, Campaign, Candidate, Invitation, User
from onboarding.services import auth, candidates, partner_portal, people
from onboarding.services.errors import Forbidden, NotFound, Refused
from tests.factories import make_candidate, make_partner, make_user


def contact_of(partner, email: str | None = None) -> User:
    staff = make_user("staff")
    with transaction():
        user, token = partner_portal.invite_contact(
            staff, partner.id, email or f"contact{partner.id}@partner.example", "Selma Shilongo",
            "af",
        )  # fmt: skip
    assert token
    return user


def registration(**overrides) -> candidates.Registration:
    values = {
        "name": "Thabo Mokoena",
        "email": "thabo.mokoena@example.org",
        "country_code": "ZA",
        "origin_institution": "University of Cape Town",
        "stem_field": "energy",
        "graduation_date": date(2025, 6, 30),
        "outreach_channel": "campus_event",  # a partner cannot choose: it is theirs
        "locale": "af",
        "consent_recorded": True,  # nor record consent: the candidate gives it
        "consent_note": "signed at the fair",
        "campaign_id": None,
        "partner_id": None,
    }
    values.update(overrides)
    return candidates.Registration(**values)


def test_only_an_accepted_partner_gets_a_contact_invited_like_staff(ctx):
    waiting = make_partner("Polytechnic of Namibia", decision=None)
    with pytest.raises(Refused):
        partner_portal.invite_contact(make_user("staff"), waiting.id, "a@b.example", "A B", "en")
    with pytest.raises(Forbidden):
        partner_portal.invite_contact(make_user("mentor"), waiting.id, "a@b.example", "A B", "en")

    partner = make_partner("University of Namibia")
    contact = contact_of(partner)
    assert (contact.role, contact.partner_id, contact.password_hash) == (
        "partner",
        partner.id,
        None,
    )
    invitation = db.session.scalars(
        select(Invitation).where(Invitation.user_id == contact.id)
    ).one()
    assert invitation.purpose == "invitation"  # chooses a password like a colleague
    assert partner_portal.contacts(partner.id) == [contact]


def test_referrals_are_the_organisations_own_only(ctx):
    ours, theirs = make_partner("University of Namibia"), make_partner("University of Botswana")
    contact = contact_of(ours)
    mine = make_candidate(name="Ndapewa Shikongo", partner_id=ours.id)
    make_candidate(name="Kagiso Molefe", partner_id=theirs.id)
    make_candidate(name="Nobody Referred")
    assert [c.id for c in partner_portal.referrals(contact)] == [mine.id]


def test_a_partner_contact_of_a_partner_no_longer_accepted_sees_nothing(ctx):
    partner = make_partner("University of Namibia")
    contact = contact_of(partner)
    partner.status = "declined"
    db.session.commit()
    with pytest.raises(NotFound):
        partner_portal.referrals(contact)
    with pytest.raises(Forbidden):
        partner_portal.referrals(make_user("staff"))


def test_the_funnel_counts_their_referrals_per_campaign(ctx):
    ours, theirs = make_partner("University of Namibia"), make_partner("University of Botswana")
    campaign = Campaign(name="Windhoek fair 2026", kind="knowledge_tourism", partners=[ours])
    db.session.add(campaign)
    db.session.commit()
    contact = contact_of(ours)
    make_candidate(partner_id=ours.id, campaign_id=campaign.id, phase="mentoring")
    make_candidate(partner_id=ours.id)
    make_candidate(partner_id=theirs.id, campaign_id=campaign.id)

    funnels = partner_portal.funnels(contact)
    assert [(f.title, f.report.total) for f in funnels] == [
        ("All your referrals", 2),
        ("Windhoek fair 2026", 1),
    ]
    now = {row.phase: row.now for row in funnels[1].report.funnel}
    assert now["mentoring"] == 1 and now["outreach"] == 0


def test_the_directory_lists_the_other_accepted_partners_that_chose_so(ctx):
    ours = make_partner("University of Namibia")
    listed = make_partner("University of Botswana")
    unlisted = make_partner("University of Zambia")
    waiting = make_partner("Polytechnic of Namibia", decision=None)
    contact = contact_of(ours)
    other = contact_of(listed, "other@partner.example")
    for partner in (listed, waiting):
        partner.listed = True
    db.session.commit()
    assert unlisted.listed is False

    assert partner_portal.directory(contact) == [listed]
    with transaction():
        partner_portal.save_listing(contact, True, "  Internships in Windhoek ", "")
    assert (ours.listed, ours.offers, ours.seeks) == (True, "Internships in Windhoek", None)
    assert partner_portal.directory(other) == [ours]


def test_a_referral_arrives_in_outreach_with_the_partner_linked(ctx):
    partner = make_partner("University of Namibia")
    contact = contact_of(partner)
    with transaction():
        candidate, token = candidates.register(contact, registration())
    assert token
    stored = db.session.get(Candidate, candidate.id)
    assert (stored.phase, stored.partner_id, stored.outreach_channel) == (
        "outreach", partner.id, "partner_referral"
    )  # fmt: skip
    assert stored.consent_at is None  # the candidate consents themself, after the invitation
    actions = db.session.scalars(
        select(AuditEvent.action).where(AuditEvent.candidate_id == candidate.id)
    ).all()
    assert actions == ["registered"]
    assert [c.id for c in partner_portal.referrals(contact)] == [candidate.id]


def test_a_referral_follows_the_registration_rules(ctx):
    partner = make_partner("University of Namibia")
    other_campaign = Campaign(name="Gaborone fair", kind="knowledge_tourism")
    db.session.add(other_campaign)
    db.session.commit()
    contact = contact_of(partner)
    make_candidate(email="taken@example.org")
    with pytest.raises(Refused):  # an address already registered
        candidates.register(contact, registration(email="taken@example.org"))
    db.session.rollback()
    with pytest.raises(Refused):  # a campaign the partner is not in
        candidates.register(contact, registration(campaign_id=other_campaign.id))
    db.session.rollback()
    assert db.session.scalar(select(Candidate.id).where(Candidate.partner_id == partner.id)) is None


def test_a_deactivated_partner_contact_cannot_use_an_open_invitation(ctx):
    partner = make_partner("University of Namibia")
    staff = make_user("staff")
    with transaction():
        contact, token = partner_portal.invite_contact(
            staff, partner.id, "selma@partner.example", "Selma Shilongo", "af"
        )
    assert auth.invitation_for(token) is not None
    with transaction():
        people.deactivate(staff, contact.id)
    assert auth.invitation_for(token) is None  # the link stopped working with the account
    with pytest.raises(Refused):
        auth.accept_invitation(token, "a-long-enough-passphrase-2026", "af")
