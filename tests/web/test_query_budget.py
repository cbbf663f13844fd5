"""No N+1: the board, the mentor's home and the candidate page issue as many statements for
300 candidates as for 10 (and for a long history as for a short one)."""

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from onboarding.extensions import db
from onboarding.models import (
    AuditEvent,
    Candidate,
    Company,
    Document,
    LanguageAssessment,
    MentoringMeeting,
    Placement,
    User,
)
from tests.factories import make_user
from tests.statements import StatementCounter

PHASES = ["outreach", "language_immersion", "mentoring", "company_placement", "placed"]


def add_candidates(count: int, mentors: list[User], offset: int) -> list[int]:
    """Bulk rows with history, assessments, meetings and placements for each candidate."""
    company = Company(name=f"Budget Co {offset}", municipality="Hasselt", sector="Data")
    db.session.add(company)
    candidates = []
    for index in range(offset, offset + count):
        user = User(
            email=f"budget{index}@example.org", name=f"Budget {index}", role="candidate",
            locale="en", password_hash="unused",
        )  # fmt: skip
        mentor = mentors[index % len(mentors)]
        candidate = Candidate(
            user=user, country_code=["NA", "ZA", "BW", "NL"][index % 4],
            origin_institution="UNAM", stem_field="physics", graduation_date=date(2025, 6, 1),
            outreach_channel="partner_referral", phase=PHASES[index % 5], mentor=mentor,
        )  # fmt: skip
        candidates.append(candidate)
    db.session.add_all(candidates)
    db.session.flush()
    for candidate in candidates:
        db.session.add_all(
            [
                AuditEvent(candidate_id=candidate.id, actor_id=candidate.mentor_id,
                           action="meeting_logged", from_phase=candidate.phase,
                           to_phase=candidate.phase),  # fmt: skip
                LanguageAssessment(candidate_id=candidate.id, level="B1",
                                   assessed_on=date.today(), recorded_by_id=candidate.mentor_id),
                MentoringMeeting(candidate_id=candidate.id, mentor_id=candidate.mentor_id,
                                 met_on=date.today() - timedelta(days=2), note="ok"),
                Placement(candidate_id=candidate.id, company=company, project_title="P",
                          status="proposed"),
            ]
        )  # fmt: skip
    db.session.commit()
    return [c.id for c in candidates]


def board_counts(counter, client, mentor_id: int, candidate_id: int) -> dict[str, int]:
    """Statements per page; every board variant shows rows with 10 candidates already
    (candidate 2 is in mentoring in Botswana), so none is measured empty."""
    pages = {
        "board": "/desk/",
        "board filtered": "/desk/?phase=mentoring&country=BW&q=budget",
        "board by mentor, sorted": f"/desk/?mentor={mentor_id}&sort=-since",
        "board by country": "/desk/?sort=country&q=UNAM",
        "board beyond the last page": "/desk/?page=999",
        "candidate": f"/desk/candidates/{candidate_id}",
    }
    return {
        name: counter.measure(lambda path=path: client.get(path)) for name, path in pages.items()
    }


@pytest.fixture
def staff_client(client, data, login):
    with data():
        staff = make_user("staff")
        email = staff.email
    return login(client, email)


def test_board_and_candidate_page_do_not_grow_with_candidates(staff_client, data, rollback):
    counter = StatementCounter(rollback)
    with data():
        mentors = [make_user("mentor") for _ in range(3)]
        first_ids = add_candidates(10, mentors, 0)
        mentor_id = mentors[0].id
    small = board_counts(counter, staff_client, mentor_id, first_ids[2])
    with data():
        more_mentors = [make_user("mentor") for _ in range(12)]
        add_candidates(290, mentors + more_mentors, 10)
        candidate = db.session.get(Candidate, first_ids[2])
        # A longer history for the same candidate, too.
        for day in range(40):
            db.session.add(
                AuditEvent(candidate_id=candidate.id, action="profile_updated",
                           from_phase=candidate.phase, to_phase=candidate.phase)
            )  # fmt: skip
            db.session.add(
                MentoringMeeting(candidate_id=candidate.id, mentor_id=candidate.mentor_id,
                                 met_on=date.today() - timedelta(days=day), note="n")
            )  # fmt: skip
        db.session.commit()
    large = board_counts(counter, staff_client, mentor_id, first_ids[2])
    assert large == small
    # A generous absolute cap as well, so a page cannot quietly start issuing dozens.
    assert all(count <= 22 for count in small.values()), small


def test_mentor_home_does_not_grow_with_mentees(client, data, login, rollback):
    counter = StatementCounter(rollback)
    with data():
        mentor = make_user("mentor", mentor_capacity=500)
        email = mentor.email
        add_candidates(4, [mentor], 0)
    login(client, email)
    small = counter.measure(lambda: client.get("/mentor/"))
    with data():
        mentor = db.session.scalar(select(User).where(User.email == email))
        add_candidates(60, [mentor], 4)
        for candidate in db.session.scalars(
            select(Candidate).where(Candidate.mentor_id == mentor.id)
        ):
            # Long in their phase, so that reminders are overdue on the larger page.
            candidate.phase_entered_at = candidate.phase_entered_at - timedelta(days=200)
            candidate_id = candidate.id
            db.session.add(
                Document(candidate_id=candidate_id, kind="passport", status="verified",
                         stored_name=f"{candidate_id:032x}", original_name="p.pdf",
                         content_type="application/pdf", size=10, sha256="0" * 64)
            )  # fmt: skip
        db.session.commit()
    large = counter.measure(lambda: client.get("/mentor/"))
    assert large == small
    assert small <= 20, small
