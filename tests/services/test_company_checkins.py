"""The check-ins 30 and 90 days after a placement started, for the company: the reminder
rules plan them for the company's active contacts (only while the candidate shares their
profile with companies), the email links to the check-in form, a contact answers once, not
before it is open, and the desk's and mentor's pages read the answers."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from onboarding.db import transaction
from onboarding.extensions import db
from onboarding.models import DocumentAccess, Placement, PlacementCheckin, Reminder
from onboarding.services import company_portal, documents, reminders
from onboarding.services.errors import NotFound, Refused
from onboarding.services.reminders import rendering
from tests.factories import make_candidate, make_company, make_user


def contact(company, name: str, **fields):
    return make_user("company", name=name, company=company, password_hash=None, **fields)


def started(candidate, company, days_ago: int) -> Placement:
    placement = Placement(candidate_id=candidate.id, company_id=company.id,
                          project_title="Grid storage pilot", status="started",
                          start_date=date.today() - timedelta(days=days_ago))  # fmt: skip
    db.session.add(placement)
    db.session.commit()
    return placement


def company_rows(candidate) -> list[Reminder]:
    return list(
        db.session.scalars(
            select(Reminder)
            .where(Reminder.candidate_id == candidate.id, Reminder.rule.like("company_checkin%"))
            .order_by(Reminder.rule, Reminder.recipient_id)
        )
    )


def test_the_check_ins_are_planned_for_the_companys_active_contacts(ctx):
    company, other = make_company(), make_company()
    els, jef = contact(company, "Els Vermeulen"), contact(company, "Jef Peeters")
    contact(company, "Gone Contact", active=False)
    contact(other, "Other Company")
    candidate = make_candidate(phase="placed", share_with_companies=True)
    placement = started(candidate, company, days_ago=3)
    with transaction():
        reminders.reschedule(candidate)
    rows = company_rows(candidate)
    assert [(r.rule, r.recipient_id) for r in rows] == [
        ("company_checkin_30", els.id), ("company_checkin_30", jef.id),
        ("company_checkin_90", els.id), ("company_checkin_90", jef.id),
    ]  # fmt: skip
    assert {r.params["placement_id"] for r in rows} == {placement.id}
    assert {r.essential for r in rows} == {False}
    # The email's link is the placement's check-in form of that day.
    assert rendering.link_of(rows[0], external=True).endswith(
        f"/company/placements/{placement.id}/check-in/30"
    )
    assert rendering.link_of(rows[2], external=True).endswith(
        f"/company/placements/{placement.id}/check-in/90"
    )


def test_no_check_in_for_the_company_of_a_candidate_who_does_not_share(ctx):
    company = make_company()
    contact(company, "Els Vermeulen")
    candidate = make_candidate(phase="placed", share_with_companies=False)
    started(candidate, company, days_ago=3)
    with transaction():
        reminders.reschedule(candidate)
    assert company_rows(candidate) == []
    # The candidate's own check-ins are planned as before.
    rules = db.session.scalars(
        select(Reminder.rule).where(Reminder.candidate_id == candidate.id)
    ).all()
    assert sorted(rules) == ["checkin_30", "checkin_90"]


def test_a_contact_answers_each_open_check_in_once(ctx):
    company = make_company()
    els = contact(company, "Els Vermeulen")
    candidate = make_candidate(phase="placed", share_with_companies=True)
    placement = started(candidate, company, days_ago=40)

    page = company_portal.placement_page(els, placement.id)
    assert (page.checkins_open, page.checkins_done) == ((30,), ())
    with pytest.raises(Refused):  # the 90-day one is not open yet
        company_portal.record_checkin(els, placement.id, 90, 4, "")
    db.session.rollback()
    with pytest.raises(Refused):
        company_portal.record_checkin(els, placement.id, 30, 6, "")
    db.session.rollback()
    with transaction():
        company_portal.record_checkin(els, placement.id, 30, 4, "  Goed begonnen  ")
    with pytest.raises(Refused):  # once per contact
        company_portal.record_checkin(els, placement.id, 30, 5, "")
    db.session.rollback()

    stored = db.session.scalars(select(PlacementCheckin)).one()
    assert (stored.day, stored.rating, stored.comment, stored.author_id) == (
        30, 4, "Goed begonnen", els.id
    )  # fmt: skip
    page = company_portal.placement_page(els, placement.id)
    assert (page.checkins_open, page.checkins_done) == ((), (30,))
    # The desk's and the mentor's pages read it.
    assert [c.id for c in company_portal.checkins_for(candidate.id)] == [stored.id]


def test_another_companys_contact_cannot_answer(ctx):
    company, other = make_company(), make_company()
    stranger = contact(other, "Other Company")
    candidate = make_candidate(phase="placed", share_with_companies=True)
    placement = started(candidate, company, days_ago=40)
    with pytest.raises(NotFound):
        company_portal.record_checkin(stranger, placement.id, 30, 4, "")
    assert db.session.scalars(select(PlacementCheckin)).all() == []


PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n" + b"cv of the candidate" * 10


def test_a_contact_downloads_the_cv_once_verified_and_the_candidate_sees_who(ctx):
    company, other = make_company(), make_company()
    els, stranger = contact(company, "Els Vermeulen"), contact(other, "Other Company")
    candidate = make_candidate(phase="placed", share_with_companies=True)
    placement = started(candidate, company, days_ago=3)
    cv = documents.upload(candidate.user, "cv", PDF, "cv.pdf")
    documents.upload(candidate.user, "passport", PDF, "passport.pdf")
    db.session.commit()
    with pytest.raises(NotFound):  # not verified yet
        company_portal.read_cv(els, placement.id)
    assert company_portal.placement_page(els, placement.id).card.has_cv is False
    db.session.rollback()
    documents.review(make_user("staff"), cv.id, "verified")
    db.session.commit()

    assert company_portal.placement_page(els, placement.id).card.has_cv is True
    with transaction():
        document, content = company_portal.read_cv(els, placement.id)
    assert (document.id, content) == (cv.id, PDF)
    logged = db.session.scalars(
        select(DocumentAccess).where(DocumentAccess.candidate_id == candidate.id)
    ).all()
    assert [(row.viewer_id, row.viewer_role, row.document_id) for row in logged] == [
        (els.id, "company", cv.id)
    ]
    with pytest.raises(NotFound):
        company_portal.read_cv(stranger, placement.id)
