"""Partner applications and decisions, campaigns, and the CSV writer's formula guard."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from onboarding import csvfiles
from onboarding.db import transaction
from onboarding.extensions import db
from onboarding.models import Campaign, Partner, Reminder, utcnow
from onboarding.services import campaigns, partners, reminders
from onboarding.services.errors import Conflict, Forbidden, NotFound, Refused
from tests.factories import make_candidate, make_partner, make_user


def delivered(outbox) -> list:
    """What the dispatcher has sent once it ran (the confirmation goes through the outbox)."""
    db.session.commit()
    reminders.dispatch(now=utcnow() + timedelta(seconds=1), worker="w", until_empty=True)
    return outbox.messages


APPLICATION = partners.Application(
    name="  Namibia University of Science and Technology ",
    kind="contributing",
    contact_name="Selma Shilongo",
    contact_email=" Selma@NUST.example.org ",
    website="https://nust.example.org/partners",
    country_code="na",
    message="We would like to think along.",
)


def partner_count() -> int:
    return db.session.scalar(select(func.count(Partner.id)))


def accepted_partner(name: str = "University of Namibia") -> Partner:
    return make_partner(name)


# -- applications ---------------------------------------------------------------------------


def test_an_application_is_stored_as_applied(ctx):
    with transaction():
        partner = partners.apply(APPLICATION)
    assert (partner.name, partner.status, partner.contact_email, partner.country_code) == (
        "Namibia University of Science and Technology",
        "applied",
        "selma@nust.example.org",
        "NA",
    )
    assert partner.reviewed_at is None


@pytest.mark.parametrize(
    "changes",
    [
        {"kind": "sponsor"},
        {"website": "javascript:alert(1)"},
        {"website": "ftp://files.example.org"},
        {"website": "https://"},
        {"website": "http://exa mple.org"},
        {"country_code": "XX"},
    ],
)
def test_a_bad_application_is_refused_and_nothing_stored(ctx, changes):
    from dataclasses import replace

    with pytest.raises(Refused), transaction():
        partners.apply(replace(APPLICATION, **changes))
    assert partner_count() == 0


def test_an_open_application_holds_its_key_until_it_is_decided(ctx, outbox):
    from dataclasses import replace

    with transaction():
        partner = partners.apply(APPLICATION)
    assert partner.open_key == (
        "namibia university of science and technology|selma@nust.example.org"
    )
    assert [m["To"] for m in delivered(outbox)] == ["selma@nust.example.org"]
    twin = replace(APPLICATION, name="NAMIBIA  university of Science and Technology")
    with pytest.raises(Refused) as refused, transaction():
        partners.apply(twin)
    assert "already being reviewed" in refused.value.message
    assert partner_count() == 1
    assert len(delivered(outbox)) == 1  # a refused application sends nothing
    with transaction():
        partners.decide(make_user("staff"), partner.id, "decline")
    assert db.session.get(Partner, partner.id).open_key is None
    with transaction():
        again = partners.apply(twin)
    assert again.open_key == "namibia university of science and technology|selma@nust.example.org"
    assert partner_count() == 2


def test_an_unreachable_mail_server_does_not_undo_the_application(ctx, app):
    from tests.conftest import free_port, mail_port

    with transaction():
        partner = partners.apply(APPLICATION)
    with mail_port(app, free_port()):
        reminders.dispatch(now=utcnow() + timedelta(seconds=1), worker="w")
    assert db.session.get(Partner, partner.id).status == "applied"
    db.session.expire_all()
    (confirmation,) = db.session.scalars(
        select(Reminder).where(Reminder.rule == "partner_application_confirmed")
    )
    # the confirmation waits in the outbox for its next attempt
    assert confirmation.to_email == "selma@nust.example.org"
    assert confirmation.status == "pending" and confirmation.sent_at is None


@pytest.mark.parametrize(
    ("value", "valid"),
    [("https://example.org", True), ("HTTP://example.org/a?b=c", True),
     ("example.org", False), ("data:text/html,hi", False), ("", False)],
)  # fmt: skip
def test_valid_website(value, valid):
    assert partners.valid_website(value) is valid


# -- decisions ------------------------------------------------------------------------------


def test_accept_then_a_second_decision_is_a_conflict(ctx):
    staff = make_user("staff")
    with transaction():
        partner = partners.apply(APPLICATION)
    with transaction():
        decided = partners.decide(staff, partner.id, "accept", "  Welcome. ")
    assert (decided.status, decided.decision_note, decided.reviewed_by_id) == (
        "accepted",
        "Welcome.",
        staff.id,
    )
    assert decided.reviewed_at is not None
    for decision in ("decline", "accept"):
        with pytest.raises(Conflict), transaction():
            partners.decide(staff, partner.id, decision)
    assert db.session.get(Partner, partner.id).status == "accepted"


def test_decline_with_an_optional_note(ctx):
    with transaction():
        partner = partners.apply(APPLICATION)
    with transaction():
        declined = partners.decide(make_user("staff"), partner.id, "decline")
    assert (declined.status, declined.decision_note) == ("declined", None)


def test_decide_refusals(ctx):
    staff, mentor = make_user("staff"), make_user("mentor")
    with transaction():
        partner = partners.apply(APPLICATION)
    with pytest.raises(NotFound), transaction():
        partners.decide(staff, 999_999, "accept")
    with pytest.raises(Forbidden), transaction():
        partners.decide(mentor, partner.id, "accept")
    with pytest.raises(Refused), transaction():
        partners.decide(staff, partner.id, "maybe")
    assert db.session.get(Partner, partner.id).status == "applied"


def test_overview_lists_accepted_partners_with_the_candidates_they_referred(ctx):
    unam = accepted_partner("University of Namibia")
    nust = accepted_partner("NUST")
    with transaction():
        waiting = partners.apply(APPLICATION)
    declined = make_partner("Declined Org", decision="decline")
    hilma = make_candidate(name="Hilma Amupolo", partner_id=unam.id)
    anna = make_candidate(name="Anna Shikongo", partner_id=unam.id)
    make_candidate(name="Not Referred")
    with transaction():
        overview = partners.overview()
    assert [p.id for p in overview.applied] == [waiting.id]
    assert [p.id for p in overview.declined] == [declined.id]
    assert [(p.name, [c.id for c in referred]) for p, referred in overview.accepted] == [
        ("NUST", []),
        ("University of Namibia", [anna.id, hilma.id]),
    ]
    assert nust.id in {p.id for p in partners.accepted_partners()}


# -- campaigns ------------------------------------------------------------------------------


def campaign_data(**changes) -> campaigns.CampaignData:
    values = {
        "name": "Windhoek inspiration mission",
        "kind": "inspiration_mission",
        "target_countries": ("na", "ZA"),
        "target_regions": " Khomas ",
        "starts_on": date(2026, 3, 1),
        "ends_on": date(2026, 3, 10),
        "partner_ids": (),
    }
    return campaigns.CampaignData(**{**values, **changes})


def test_create_and_update_a_campaign(ctx):
    staff = make_user("staff")
    partner = accepted_partner()
    with transaction():
        campaign = campaigns.create(staff, campaign_data(partner_ids=(partner.id,)))
    assert (campaign.target_countries, campaign.target_regions) == (["NA", "ZA"], "Khomas")
    assert [p.id for p in campaign.partners] == [partner.id]
    with transaction():
        updated = campaigns.update(staff, campaign.id, campaign_data(
            name="Windhoek mission 2026", kind="knowledge_tourism", target_countries=(),
            target_regions="", starts_on=None, ends_on=None, partner_ids=()))  # fmt: skip
    assert (updated.name, updated.kind, updated.target_countries, updated.target_regions) == (
        "Windhoek mission 2026",
        "knowledge_tourism",
        [],
        None,
    )
    assert updated.partners == []


@pytest.mark.parametrize(
    "changes",
    [
        {"kind": "webinar"},
        {"target_countries": ("NA", "XX")},
        {"starts_on": date(2026, 3, 10), "ends_on": date(2026, 3, 1)},
        {"name": "KNOWLEDGE TOURISM 2026"},  # taken, whatever the case
    ],
)
def test_bad_campaigns_are_refused(ctx, changes):
    staff = make_user("staff")
    with transaction():
        campaigns.create(staff, campaign_data(name="Knowledge tourism 2026"))
    with pytest.raises(Refused), transaction():
        campaigns.create(staff, campaign_data(**changes))
    assert db.session.scalar(select(func.count(Campaign.id))) == 1


def test_only_accepted_partners_join_a_campaign(ctx):
    staff = make_user("staff")
    with transaction():
        applied = partners.apply(APPLICATION)
    with pytest.raises(Refused), transaction():
        campaigns.create(staff, campaign_data(partner_ids=(applied.id,)))
    with pytest.raises(Refused), transaction():
        campaigns.create(staff, campaign_data(partner_ids=(999_999,)))


def test_a_campaign_lists_the_prospects_it_reached(ctx):
    staff = make_user("staff")
    with transaction():
        campaign = campaigns.create(staff, campaign_data())
    with transaction():
        other = campaigns.create(staff, campaign_data(name="Other", starts_on=None, ends_on=None))
    reached = [make_candidate(name=n, campaign_id=campaign.id) for n in ("Zed Zulu", "Amy Abel")]
    make_candidate(name="Elsewhere")
    assert [c.id for c in campaigns.prospects(campaign.id)] == [reached[1].id, reached[0].id]
    rows = {row.campaign.id: row.prospects for row in campaigns.listing()}
    assert rows == {campaign.id: 2, other.id: 0}
    with pytest.raises(NotFound):
        campaigns.get(999_999)


# -- CSV ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cell", "written"),
    [("=1+1", "'=1+1"), ("+32 11 22 33 44", "'+32 11 22 33 44"), ("-2", "'-2"),
     ("@SUM(A1)", "'@SUM(A1)"), ("\t=1", "'\t'=1"), ("Genk", "Genk"), ("a=b", "a=b"),
     (None, ""), (3, "3")],
)  # fmt: skip
def test_formula_guard(cell, written):
    # "\t=1": a tab can split the cell again, so the piece after it is guarded too (L2).
    assert csvfiles.guard(cell) == written


def test_to_csv_has_a_bom_and_parses_back():
    text = csvfiles.to_csv(["Naam", "Stad"], [['Zoë, "Z"', '=HYPERLINK("x")']])
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text[1:])))
    assert rows == [["Naam", "Stad"], ['Zoë, "Z"', '\'=HYPERLINK("x")']]


@pytest.mark.parametrize(
    ("cell", "written"),
    [("Genk;=HYPERLINK(\"x\")", "Genk;'=HYPERLINK(\"x\")"), ("a,+1", "a,'+1"),
     ("a;b;@SUM(A1)", "a;b;'@SUM(A1)"), ("=1;=2", "'=1;'=2"), ("Sint-Truiden", "Sint-Truiden"),
     ("a; =1", "a; =1")],
)  # fmt: skip
def test_formula_guard_covers_every_piece_a_spreadsheet_may_split_off(cell, written):
    assert csvfiles.guard(cell) == written
