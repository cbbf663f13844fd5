"""The company portal through its services: sign-in links (made and emailed by the worker,
once, for a while, never for an unknown address or a deactivated contact), the placement
steps a company contact takes (audited, told to candidate, mentor and desk), what a contact
may see (their own company's placements of candidates who share their profile, and of them
only the shared fields), and projects a company proposes (pending, not matched, until the
desk approves them)."""

from __future__ import annotations

import dataclasses
import re
from datetime import date, timedelta

import pytest
from flask_babel import force_locale
from flask_babel import gettext as translate
from sqlalchemy import select

from onboarding.db import transaction
from onboarding.extensions import db
from onboarding.models import AuditEvent, Invitation, Job, Placement, Project, Reminder, utcnow
from onboarding.services import (
    auth,
    candidates,
    companies,
    company_contacts,
    company_portal,
    jobs,
    matching,
    people,
    placements,
    reminders,
)
from onboarding.services.errors import Conflict, Forbidden, NotFound, Refused
from tests.factories import make_candidate, make_company, make_user
from tests.mail import text_of

START = date.today() + timedelta(days=60)


def reload(model, key):
    db.session.expire_all()
    return db.session.get(model, key)


def soon(days: int = 3):
    return (utcnow() + timedelta(days=days)).replace(microsecond=0)


def held(hours: int = 2):
    return (utcnow() - timedelta(hours=hours)).replace(microsecond=0)


def contact(company, name: str, locale: str = "en", **fields):
    """A company contact as the desk makes one: role company, no password."""
    return make_user("company", name=name, locale=locale, company=company, password_hash=None,
                     **fields)  # fmt: skip


def audiences(rule: str, since: int = 0) -> list[tuple[str, int]]:
    """(audience, recipient) of the outbox rows of `rule`, after row `since`."""
    return sorted(
        (row.audience, row.recipient_id)
        for row in db.session.scalars(
            select(Reminder).where(Reminder.rule == rule, Reminder.id > since)
        )
    )


def last_outbox_id() -> int:
    return max(db.session.scalars(select(Reminder.id)).all(), default=0)


def actions(candidate_id: int) -> list[tuple[str, int | None, str | None]]:
    return [
        (row.action, row.actor_id, row.reason)
        for row in db.session.scalars(
            select(AuditEvent)
            .where(AuditEvent.candidate_id == candidate_id, AuditEvent.action.like("placement_%"))
            .order_by(AuditEvent.id)
        )
    ]


@dataclasses.dataclass
class World:
    staff: object
    mentor: object
    company: object
    other_company: object
    contact: object  # of company, Dutch
    colleague: object  # a second contact of company
    other_contact: object  # of other_company
    candidate: object  # shares their profile with companies
    private: object  # does not
    project: object


@pytest.fixture
def world(ctx):
    staff = make_user("staff")
    mentor = make_user("mentor")
    company = make_company("Kempen Zonnewarmte")
    other_company = make_company("Hasselt Hydrogen", municipality="Hasselt")
    project = Project(company=company, kind="internship", title="Heat storage pilot",
                      stem_fields=["energy"], skills=["python"], seats=2, is_open=True)  # fmt: skip
    db.session.add(project)
    db.session.commit()
    return World(
        staff=staff,
        mentor=mentor,
        company=company,
        other_company=other_company,
        contact=contact(company, "An Claes", "nl"),
        colleague=contact(company, "Bram Jacobs"),
        other_contact=contact(other_company, "Jef Peeters"),
        candidate=make_candidate(
            name="Lindiwe Khumalo",
            phase="company_placement",
            mentor=mentor,
            stem_field="energy",
            signed_off_at=utcnow(),
            share_with_companies=True,
            available_from=START,
        ),  # fmt: skip
        private=make_candidate(
            name="Tendai Moyo",
            phase="company_placement",
            mentor=mentor,
            stem_field="energy",
            signed_off_at=utcnow(),
        ),  # fmt: skip
        project=project,
    )


def propose(world: World, candidate, company=None) -> Placement:
    company = company or world.company
    with transaction():
        return candidates.record_placement(
            world.staff, candidate.id, company_id=company.id,
            project_title="" if company is world.company else "Electrolyser controls",
            project_id=world.project.id if company is world.company else None,
        )  # fmt: skip


def links_in(outbox, email: str) -> list[str]:
    found = []
    for message in outbox.messages:
        if message["To"] == email:
            body = message.get_body(preferencelist=("plain",)).get_content()
            found += re.findall(r"https?://\S+/company/sign-in/(\S+)", body)
    return found


# -- sign-in links ---------------------------------------------------------------------------


def test_the_worker_makes_the_link_and_emails_it_in_the_contacts_language(app, world, outbox):
    with transaction():
        added = company_contacts.add_contact(
            world.staff, world.company.id, "Lotte.Janssens@Example.org ", "Lotte Janssens", "nl"
        )
    assert (added.role, added.company_id, added.password_hash) == ("company", world.company.id,
                                                                    None)  # fmt: skip
    # The request only queued a job: no link exists yet, nothing was sent.
    assert db.session.scalars(select(Invitation).where(Invitation.user_id == added.id)).all() == []
    assert outbox.messages == []
    assert jobs.work() == 1
    (link,) = db.session.scalars(select(Invitation).where(Invitation.user_id == added.id)).all()
    minutes = app.config["SIGN_IN_LINK_VALID_MINUTES"]
    assert link.purpose == "sign_in"
    assert link.expires_at - link.created_at == timedelta(minutes=minutes)
    job = db.session.scalars(select(Job).where(Job.kind == "company_sign_in")).one()
    assert job.status == "done"

    (message,) = [m for m in outbox.messages if m["To"] == "lotte.janssens@example.org"]
    with force_locale("nl"):
        subject = translate("Your sign-in link for Onthaal")
    assert message["Subject"] == subject
    body = message.get_body(preferencelist=("plain",)).get_content()
    assert "Beste Lotte," in body  # the contact's language, not the desk's
    assert "Kempen Zonnewarmte" in body
    (token,) = links_in(outbox, "lotte.janssens@example.org")
    assert token not in link.token_hash

    # The link works once.
    assert company_contacts.sign_in(token).id == added.id
    db.session.commit()
    assert reload(Invitation, link.id).used_at is not None
    with pytest.raises(Refused):
        company_contacts.sign_in(token)


def test_a_link_expires_after_its_minutes(app, world):
    minutes = app.config["SIGN_IN_LINK_VALID_MINUTES"]
    almost = auth.new_invitation(
        world.contact, None, utcnow() - timedelta(minutes=minutes - 1), purpose="sign_in"
    )
    db.session.commit()
    assert company_contacts.sign_in(almost).id == world.contact.id
    db.session.commit()
    late = auth.new_invitation(
        world.contact, None, utcnow() - timedelta(minutes=minutes, seconds=1), purpose="sign_in"
    )
    db.session.commit()
    with pytest.raises(Refused):
        company_contacts.sign_in(late)


def test_a_link_of_another_kind_does_not_sign_in(world):
    reset = auth.new_invitation(world.contact, None, purpose="reset")
    db.session.commit()
    with pytest.raises(Refused):
        company_contacts.sign_in(reset)
    with pytest.raises(Refused):
        company_contacts.sign_in("no-such-token")


def test_asking_for_a_link_sends_one_to_a_contact_only_and_keeps_no_address(world, outbox):
    with transaction():
        company_contacts.request_link(" An.Claes@Elsewhere.example.org")  # nobody's address
        company_contacts.request_link(world.contact.email.upper())
        company_contacts.request_link("nobody@example.org")
        company_contacts.request_link(world.staff.email)  # not a company contact
    queued = db.session.scalars(select(Job).where(Job.kind == "company_sign_in")).all()
    assert len(queued) == 4  # the same work whatever the address
    assert jobs.work() == 4
    assert [m["To"] for m in outbox.messages] == [world.contact.email]
    assert len(links_in(outbox, world.contact.email)) == 1
    for job in db.session.scalars(select(Job).where(Job.kind == "company_sign_in")):
        assert (job.status, job.payload) == ("done", {})  # the addresses are forgotten
    made = db.session.scalars(select(Invitation.user_id).where(Invitation.purpose == "sign_in"))
    assert list(made) == [world.contact.id]


def test_a_deactivated_contact_gets_no_link_and_their_link_stops_working(world, outbox):
    token = auth.new_invitation(world.contact, None, purpose="sign_in")
    other = auth.new_invitation(world.colleague, None, purpose="sign_in")
    db.session.commit()
    # Revoked by the People area: the open link expires.
    with transaction():
        people.deactivate(world.staff, world.contact.id)
    with pytest.raises(Refused):
        company_contacts.sign_in(token)
    # Deactivated with the link still unexpired: refused all the same.
    world.colleague.active = False
    db.session.commit()
    with pytest.raises(Refused):
        company_contacts.sign_in(other)
    # The desk cannot send one, and a contact's own request sends nothing.
    with pytest.raises(Refused):
        company_contacts.send_link(world.staff, world.contact)
    with transaction():
        company_contacts.request_link(world.contact.email)
    jobs.work()
    assert outbox.messages == []


def test_only_the_desk_adds_contacts_and_sends_links(world):
    with pytest.raises(Forbidden):
        company_contacts.add_contact(world.contact, world.company.id, "x@example.org", "X Y", "en")
    with pytest.raises(Forbidden):
        company_contacts.send_link(world.mentor, world.contact)
    with pytest.raises(Refused):  # company B's contact is no contact of company A
        company_contacts.contact_of(world.staff, world.company.id, world.other_contact.id)


# -- the placement steps of a company --------------------------------------------------------


def test_a_contact_takes_the_companys_steps_each_audited_and_told(world):
    placement = propose(world, world.candidate)
    cid = world.candidate.id
    told = {
        ("candidate", world.candidate.user_id),
        ("mentor", world.mentor.id),
        ("desk", world.staff.id),
        ("company", world.colleague.id),  # the other contact of the company; not the actor
    }

    def step(trigger: str, rule: str, **kwargs) -> Placement:
        since = last_outbox_id()
        with transaction():
            placements.fire(world.contact, placement.id, trigger, **kwargs)
        assert set(audiences(rule, since)) == told, trigger
        assert actions(cid)[-1][:2] == (f"placement_{trigger}", world.contact.id)
        return reload(Placement, placement.id)

    interview = soon()
    done = step("schedule_interview", "placement_interview", interview_at=interview)
    assert (done.status, done.interview_at) == ("interview", interview)

    # No offer before the interview has taken place; recording it needs a past time.
    with pytest.raises(Refused), transaction():
        placements.fire(world.contact, placement.id, "make_offer")
    with pytest.raises(Refused) as ahead, transaction():
        placements.fire(world.contact, placement.id, "record_interview", interview_at=soon(1))
    assert any("still ahead" in detail for detail in ahead.value.details)
    took_place = held()
    done = step("record_interview", "placement_interview", interview_at=took_place)
    assert (done.status, done.interview_at) == ("interview", took_place)

    done = step("make_offer", "placement_offer")
    assert done.status == "offer"

    with pytest.raises(Refused), transaction():  # a start date is needed
        placements.fire(world.contact, placement.id, "confirm_start_date")
    # the start date is told as the offer's news (placement_offer, with the date)
    done = step("confirm_start_date", "placement_offer", start_date=START)
    assert (done.status, done.start_date) == ("offer", START)

    with pytest.raises(Refused), transaction():  # declining needs a reason
        placements.fire(world.contact, placement.id, "decline")
    done = step("decline", "placement_declined", reason="The project was cancelled.")
    assert (done.status, done.closed_reason) == ("declined", "The project was cancelled.")
    assert actions(cid)[-1] == ("placement_decline", world.contact.id,
                                "The project was cancelled.")  # fmt: skip


def test_the_desks_own_steps_are_not_told_to_the_desk(world):
    placement = propose(world, world.candidate)
    since = last_outbox_id()
    with transaction():
        placements.fire(world.staff, placement.id, "schedule_interview", interview_at=soon())
    assert set(audiences("placement_interview", since)) == {
        ("candidate", world.candidate.user_id),
        ("mentor", world.mentor.id),
        ("company", world.contact.id),
        ("company", world.colleague.id),
    }


def test_a_contact_may_not_take_the_desks_steps(world):
    placement = propose(world, world.candidate)
    with pytest.raises(Forbidden), transaction():
        placements.fire(world.contact, placement.id, "withdraw", reason="No")
    assert reload(Placement, placement.id).status == "proposed"


def test_another_companys_placement_is_not_found(world):
    placement = propose(world, world.candidate)
    with pytest.raises(NotFound), transaction():
        placements.fire(world.other_contact, placement.id, "schedule_interview",
                        interview_at=soon())  # fmt: skip
    with pytest.raises(NotFound):
        company_portal.placement_page(world.other_contact, placement.id)
    assert reload(Placement, placement.id).status == "proposed"
    assert company_portal.placement_page(world.contact, placement.id).placement.id == placement.id


# -- what a company sees: consent scope -------------------------------------------------------


def test_a_candidate_who_does_not_share_is_not_shown_nor_told_about(world):
    shared = propose(world, world.candidate)
    since = last_outbox_id()
    private = propose(world, world.private)
    # the company hears nothing about the candidate who does not share
    assert "company" not in {a for a, _ in audiences("placement_proposed", since)}
    overview = company_portal.overview(world.contact)
    shown = [row.placement.id for p in overview.projects for row in p.placements]
    assert shown == [shared.id]
    with pytest.raises(NotFound):
        company_portal.placement_page(world.contact, private.id)
    with pytest.raises(NotFound), transaction():
        placements.fire(world.contact, private.id, "schedule_interview", interview_at=soon())
    # nor is the other company's overview showing anything of company A
    assert company_portal.overview(world.other_contact).projects == []


def test_a_withdrawn_consent_hides_the_candidate_again(world):
    placement = propose(world, world.candidate)
    world.candidate.consent_withdrawn_at = utcnow()
    db.session.commit()
    with pytest.raises(NotFound):
        company_portal.placement_page(world.contact, placement.id)
    overview = company_portal.overview(world.contact)
    assert [row for p in overview.projects for row in p.placements] == []


def test_the_card_has_only_the_shared_fields(world):
    placement = propose(world, world.candidate)
    page = company_portal.placement_page(world.contact, placement.id)
    card = page.card
    # What the candidate shares, and whether a verified CV can be downloaded (no other
    # document, no address, no notes).
    assert {f.name for f in dataclasses.fields(card)} == {
        "name", "stem_field", "skills", "dutch_level", "available_from", "has_cv",
    }  # fmt: skip
    assert (card.name, card.stem_field, card.available_from, card.has_cv) == (
        "Lindiwe Khumalo", "energy", START, False,
    )  # fmt: skip
    (row,) = company_portal.overview(world.contact).projects[0].placements
    assert row.card == card


# -- projects a company proposes --------------------------------------------------------------


def proposal(world: World) -> Project:
    data = companies.ProjectData(
        kind="vacancy", title="Process engineer", description="", stem_fields=["energy"],
        skills=["python"], min_dutch_level=None, start_date=None, seats=1, is_open=True,
    )  # fmt: skip
    with transaction():
        return company_portal.propose_project(world.contact, data)


def test_a_proposed_project_waits_for_the_desk_and_is_not_matched(world):
    since = last_outbox_id()
    project = proposal(world)
    project = reload(Project, project.id)
    assert (project.approval, project.is_open, project.proposed_by_id) == (
        "pending", False, world.contact.id,
    )  # fmt: skip
    assert project.company_id == world.company.id
    assert audiences("project_proposed", since) == [("desk", world.staff.id)]
    assert matching.candidates_for(project) == []
    assert project.id not in [m.project.id for m in matching.projects_for(world.candidate)]


def test_approving_opens_the_project_and_tells_the_contacts(world, outbox):
    project = proposal(world)
    reminders.dispatch(now=utcnow() + timedelta(seconds=1), worker="w", until_empty=True)
    outbox.clear()  # the desk's news of the proposal
    since = last_outbox_id()
    with transaction():
        company_portal.review_project(world.staff, project.id, approve=True)
    reminders.dispatch(now=utcnow() + timedelta(seconds=1), worker="w", until_empty=True)
    mails = {m["To"]: text_of(m) for m in outbox.messages}
    assert set(mails) == {world.contact.email, world.colleague.email}
    assert "/company/" in mails[world.colleague.email]
    project = reload(Project, project.id)
    assert (project.approval, project.is_open) == ("approved", True)
    assert project.reviewed_at is not None
    # company B's contact hears nothing, nor does the desk that decided
    assert audiences("project_approved", since) == sorted(
        [("company", world.contact.id), ("company", world.colleague.id)]
    )
    assert world.candidate.id in [m.candidate.id for m in matching.candidates_for(project)]
    with pytest.raises(Conflict), transaction():  # reviewed once
        company_portal.review_project(world.staff, project.id, approve=False)


def test_declining_keeps_the_project_closed_and_tells_the_contacts(world):
    project = proposal(world)
    since = last_outbox_id()
    with transaction():
        company_portal.review_project(world.staff, project.id, approve=False)
    project = reload(Project, project.id)
    assert (project.approval, project.is_open) == ("declined", False)
    assert audiences("project_declined", since) == sorted(
        [("company", world.contact.id), ("company", world.colleague.id)]
    )
    assert matching.candidates_for(project) == []


def test_only_the_desk_reviews_and_only_a_contact_proposes(world):
    project = proposal(world)
    with pytest.raises(Forbidden):
        company_portal.review_project(world.contact, project.id, approve=True)
    with pytest.raises(Forbidden):
        company_portal.overview(world.staff)


def test_the_steps_news_reaches_each_reader_by_email_with_their_own_page(world, outbox):
    placement = propose(world, world.candidate)
    reminders.dispatch(now=utcnow() + timedelta(seconds=1), worker="w", until_empty=True)
    outbox.clear()  # the proposal's news
    with transaction():
        placements.fire(world.contact, placement.id, "schedule_interview", interview_at=soon())
    db.session.commit()
    reminders.dispatch(now=utcnow() + timedelta(seconds=1), worker="w", until_empty=True)
    by_reader = {m["To"]: text_of(m) for m in outbox.messages}
    assert set(by_reader) == {
        world.candidate.user.email, world.mentor.email, world.staff.email, world.colleague.email,
    }  # fmt: skip
    assert f"/company/placements/{placement.id}" in by_reader[world.colleague.email]
    assert f"/desk/candidates/{world.candidate.id}" in by_reader[world.staff.email]
    assert "Lindiwe Khumalo has an interview with Kempen Zonnewarmte" in " ".join(
        by_reader[world.colleague.email].split()
    )
