"""What the candidate pages read: the immersion with the dates that hold now, and the
candidate's upcoming deadlines — only what still lies ahead in the phase they are in."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from onboarding.db import transaction
from onboarding.extensions import db
from onboarding.models import Candidate, User, utcnow
from onboarding.services import board, calendar, candidates, placements, workflow
from tests.factories import make_candidate, make_company, make_user

# The day as read in Brussels, where the pages show dates (after 23:00 UTC in winter it is
# already tomorrow there).
TODAY = datetime.now(ZoneInfo("Europe/Brussels")).date()
STARTED = TODAY - timedelta(days=60)


@pytest.fixture
def staff(ctx):
    return make_user("staff")


@pytest.fixture
def mentor(ctx):
    return make_user("mentor")


def fire(staff: User, candidate: Candidate, trigger: str, **kwargs) -> Candidate:
    with transaction():
        workflow.fire(
            db.session.get(User, staff.id), candidate.id, trigger, expected_version=None, **kwargs
        )
    db.session.expire_all()
    return db.session.get(Candidate, candidate.id)


def in_immersion(staff: User, mentor: User) -> Candidate:
    candidate = make_candidate(mentor=mentor)
    candidate = fire(staff, candidate, "start_immersion", start_date=STARTED)
    with transaction():
        candidates.record_assessment(db.session.get(User, staff.id), candidate.id, "B1", TODAY)
    return candidate


# -- the immersion ---------------------------------------------------------------------------


def test_no_immersion_no_dates(staff):
    assert board.immersion(make_candidate(phase="mentoring")) is None


def test_during_the_immersion_its_end_is_planned(staff, mentor):
    candidate = in_immersion(staff, mentor)
    assert board.immersion(candidate) == board.Immersion(
        STARTED, candidate.immersion_planned_end, "planned"
    )
    # a pause does not end it
    candidate = fire(staff, candidate, "pause", reason="Waiting for the visa.")
    assert board.immersion(candidate).status == "planned"


def test_a_completed_immersion_shows_the_day_it_was_completed(staff, mentor):
    candidate = in_immersion(staff, mentor)
    candidate = fire(staff, candidate, "pause", reason="Waiting for the visa.")
    candidate = fire(staff, candidate, "resume")
    candidate = fire(staff, candidate, "complete_immersion")
    assert candidate.immersion_planned_end > TODAY  # completed before its planned end
    assert board.immersion(candidate) == board.Immersion(STARTED, TODAY, "completed")
    # and it stays completed whatever comes after (a pause in mentoring, a withdrawal)
    candidate = fire(staff, candidate, "pause", reason="Waiting for the visa.")
    candidate = fire(staff, candidate, "withdraw", reason="Moved to Germany")
    assert board.immersion(candidate) == board.Immersion(STARTED, TODAY, "completed")


@pytest.mark.parametrize("paused_first", [False, True])
def test_withdrawn_during_the_immersion_it_ended_early(staff, mentor, paused_first):
    candidate = in_immersion(staff, mentor)
    if paused_first:
        candidate = fire(staff, candidate, "pause", reason="Waiting for the visa.")
    candidate = fire(staff, candidate, "withdraw", reason="Found a job at home")
    assert board.immersion(candidate) == board.Immersion(STARTED, TODAY, "ended")


def test_without_a_history_the_end_is_unknown(staff):
    candidate = make_candidate(phase="mentoring", immersion_start=STARTED,
                               immersion_planned_end=STARTED + timedelta(days=91))  # fmt: skip
    assert board.immersion(candidate) == board.Immersion(STARTED, None, "ended")


# -- deadlines -------------------------------------------------------------------------------


def interview_titles(candidate: Candidate, today: date) -> list[str]:
    return [
        item.title
        for item in calendar.candidate_deadlines(candidate, today)
        if item.uid.startswith("interview-")
    ]


def test_an_interview_is_a_deadline_only_while_the_placement_waits_for_it(staff, mentor):
    candidate = make_candidate(phase="company_placement", mentor=mentor, signed_off_at=utcnow())
    company = make_company("Kempen Zonnewarmte")
    interview_at = utcnow() - timedelta(minutes=30)
    with transaction():
        placement = candidates.record_placement(
            staff, candidate.id, company_id=company.id, project_title="Heat pumps",
            interview_at=interview_at,
        )  # fmt: skip
    day = interview_at.date()
    assert interview_titles(candidate, day) == ["Placement interview at Kempen Zonnewarmte"]
    with transaction():
        placements.fire(db.session.get(User, staff.id), placement.id, "make_offer")
    assert interview_titles(candidate, day) == []  # the interview is behind the placement


def test_a_placed_candidate_has_no_interview_deadline_left(staff, mentor):
    candidate = make_candidate(phase="company_placement", mentor=mentor, signed_off_at=utcnow())
    with transaction():
        candidates.record_placement(
            staff, candidate.id, company_id=make_company().id, project_title="Grid study",
            interview_at=datetime.now().astimezone() + timedelta(days=5),
        )  # fmt: skip
    assert len(interview_titles(candidate, TODAY)) == 1
    candidate.phase = "placed"  # placed through another company's placement
    db.session.commit()
    assert interview_titles(candidate, TODAY) == []
