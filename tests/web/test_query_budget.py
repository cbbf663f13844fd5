"""No N+1: the board and the candidate page issue as many statements for 300 candidates as
for 10 (and for a long history as for a short one)."""

from datetime import date, timedelta

import pytest

from onboarding.extensions import db
from onboarding.models import (
    AuditEvent,
    Candidate,
    Company,
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
    small = {
        "board": counter.measure(lambda: staff_client.get("/desk/")),
        "board filtered": counter.measure(
            lambda: staff_client.get("/desk/?phase=mentoring&country=NA&q=budget")
        ),
        "candidate": counter.measure(lambda: staff_client.get(f"/desk/candidates/{first_ids[2]}")),
    }
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
    large = {
        "board": counter.measure(lambda: staff_client.get("/desk/")),
        "board filtered": counter.measure(
            lambda: staff_client.get("/desk/?phase=mentoring&country=NA&q=budget")
        ),
        "candidate": counter.measure(lambda: staff_client.get(f"/desk/candidates/{first_ids[2]}")),
    }
    assert large == small
    # A generous absolute cap as well, so a page cannot quietly start issuing dozens.
    assert all(count <= 20 for count in small.values()), small
