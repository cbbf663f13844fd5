"""The one path for phase changes: role, guards, audit row and commit, all or nothing."""

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from onboarding.db import transaction
from onboarding.extensions import db
from onboarding.models import (
    AuditEvent,
    Candidate,
    Invitation,
    LanguageAssessment,
    MentoringMeeting,
    Reminder,
)
from onboarding.services import candidates, placements, workflow
from onboarding.services.errors import Conflict, Forbidden, NotFound, Refused
from tests.factories import (
    make_assessment,
    make_candidate,
    make_company,
    make_placement,
    make_user,
)


def audit_rows(candidate_id):
    return db.session.scalars(
        select(AuditEvent).where(AuditEvent.candidate_id == candidate_id).order_by(AuditEvent.id)
    ).all()


def reload(candidate_id) -> Candidate:
    db.session.expire_all()
    return db.session.get(Candidate, candidate_id)


@pytest.fixture
def staff(ctx):
    return make_user("staff")


def test_fire_changes_phase_writes_audit_and_plans_immersion(staff):
    candidate = make_candidate()
    version = candidate.version_id
    with transaction():
        workflow.fire(
            staff,
            candidate.id,
            "start_immersion",
            expected_version=version,
            start_date=date(2026, 11, 30),
        )
    candidate = reload(candidate.id)
    assert candidate.phase == "language_immersion"
    assert candidate.immersion_start == date(2026, 11, 30)
    assert candidate.immersion_planned_end == date(2027, 2, 28)
    assert candidate.version_id == version + 1
    (row,) = audit_rows(candidate.id)
    assert (row.actor_id, row.action, row.from_phase, row.to_phase) == (
        staff.id,
        "start_immersion",
        "outreach",
        "language_immersion",
    )
    assert row.at is not None and row.at.tzinfo is not None


@pytest.mark.parametrize(
    ("setup", "trigger", "error"),
    [
        ({"phase": "outreach"}, "complete_immersion", Conflict),  # not from this phase
        ({"phase": "outreach", "consent": False}, "start_immersion", Refused),  # guard
        ({"phase": "outreach"}, "no_such_trigger", NotFound),
    ],
)
def test_refused_trigger_changes_nothing(staff, setup, trigger, error):
    candidate = make_candidate(**setup)
    before = (candidate.phase, candidate.version_id)
    with pytest.raises(error), transaction():
        workflow.fire(staff, candidate.id, trigger, expected_version=candidate.version_id)
    candidate = reload(candidate.id)
    assert (candidate.phase, candidate.version_id) == before
    assert audit_rows(candidate.id) == []


def test_guard_refusal_lists_translated_reasons(staff):
    candidate = make_candidate(consent=False)
    with pytest.raises(Refused) as refused, transaction():
        workflow.fire(staff, candidate.id, "start_immersion", expected_version=None)
    assert refused.value.status == 422
    assert any("consent" in detail for detail in refused.value.details)


def test_wrong_role_is_forbidden_and_changes_nothing(ctx):
    mentor = make_user("mentor")
    candidate = make_candidate(phase="outreach", mentor=mentor)
    with pytest.raises(Forbidden), transaction():
        workflow.fire(mentor, candidate.id, "start_immersion", expected_version=None)
    assert reload(candidate.id).phase == "outreach"
    assert audit_rows(candidate.id) == []


def test_mentor_cannot_reach_someone_elses_mentee(ctx):
    mentor, other = make_user("mentor"), make_user("mentor")
    candidate = make_candidate(phase="mentoring", mentor=mentor, signed_off_at=None)
    with pytest.raises(NotFound), transaction():
        workflow.fire(other, candidate.id, "propose_placement", expected_version=None)


def test_stale_version_is_a_conflict(staff):
    candidate = make_candidate()
    stale = candidate.version_id
    with transaction():
        workflow.fire(
            staff, candidate.id, "pause", expected_version=stale, reason="Waiting for the visa."
        )
    with pytest.raises(Conflict), transaction():
        workflow.fire(staff, candidate.id, "withdraw", expected_version=stale, reason="Moved")
    candidate = reload(candidate.id)
    assert candidate.phase == "on_hold"
    assert [r.action for r in audit_rows(candidate.id)] == ["pause"]


def test_complete_immersion_needs_passing_level_or_staff_override(staff):
    mentor = make_user("mentor")
    candidate = make_candidate(phase="language_immersion", mentor=mentor)
    make_assessment(candidate, "A2")
    with pytest.raises(Refused), transaction():
        workflow.fire(
            mentor,
            candidate.id,
            "complete_immersion",
            expected_version=None,
            override_reason="Mentors cannot override",
        )
    with transaction():
        workflow.fire(
            staff,
            candidate.id,
            "complete_immersion",
            expected_version=None,
            override_reason="Native-level Dutch shown at interview; test later.",
        )
    candidate = reload(candidate.id)
    assert candidate.phase == "mentoring"
    (row,) = audit_rows(candidate.id)
    assert row.detail == "dutch_override"
    assert row.reason == "Native-level Dutch shown at interview; test later."


def test_mentor_completes_immersion_with_passing_assessment(ctx):
    mentor = make_user("mentor")
    candidate = make_candidate(phase="language_immersion", mentor=mentor)
    make_assessment(candidate, "B2")
    with transaction():
        workflow.fire(mentor, candidate.id, "complete_immersion", expected_version=None)
    assert reload(candidate.id).phase == "mentoring"


def test_programme_target_is_a_setting(app, staff):
    mentor = make_user("mentor")
    candidate = make_candidate(phase="language_immersion", mentor=mentor)
    make_assessment(candidate, "B1")
    app.config["DUTCH_TARGET_LEVEL"] = "B2"
    try:
        with pytest.raises(Refused) as refused, transaction():
            workflow.fire(staff, candidate.id, "complete_immersion", expected_version=None)
        assert "B2" in refused.value.details[0]
    finally:
        app.config["DUTCH_TARGET_LEVEL"] = "B1"


def test_mentor_capacity_counts_active_mentees(staff):
    mentor = make_user("mentor", mentor_capacity=2)
    for _ in range(2):
        make_candidate(phase="mentoring", mentor=mentor)
    make_candidate(phase="placed", mentor=mentor)  # no longer counts
    candidate = make_candidate(phase="language_immersion", mentor=mentor)
    make_assessment(candidate, "C1")
    with pytest.raises(Refused) as refused, transaction():
        workflow.fire(staff, candidate.id, "complete_immersion", expected_version=None)
    assert mentor.name in refused.value.details[0]
    mentor.mentor_capacity = 3
    db.session.commit()
    with transaction():
        workflow.fire(staff, candidate.id, "complete_immersion", expected_version=None)
    assert reload(candidate.id).phase == "mentoring"


def test_placement_path_and_fall_through(staff):
    mentor = make_user("mentor")
    candidate = make_candidate(phase="mentoring", mentor=mentor)
    with pytest.raises(Refused), transaction():
        workflow.fire(mentor, candidate.id, "propose_placement", expected_version=None)
    from onboarding.services import candidates

    with transaction():
        candidates.sign_off(mentor, candidate.id, None)
    with transaction():
        workflow.fire(mentor, candidate.id, "propose_placement", expected_version=None)
    with pytest.raises(Refused), transaction():
        workflow.fire(staff, candidate.id, "confirm_placement", expected_version=None)
    placement = make_placement(candidate, accepted=True)
    with pytest.raises(Refused), transaction():  # a reason is required
        workflow.fire(staff, candidate.id, "placement_fell_through", expected_version=None)
    with transaction():
        workflow.fire(
            staff,
            candidate.id,
            "placement_fell_through",
            expected_version=None,
            reason="Company froze hiring",
        )
    candidate = reload(candidate.id)
    assert candidate.phase == "mentoring"
    db.session.refresh(placement)
    assert placement.status == "withdrawn"  # the placement workflow has no "fell through"
    assert placement.closed_reason == "Company froze hiring"


def test_pause_and_resume_return_to_the_phase_left(staff):
    candidate = make_candidate(phase="language_immersion")
    with transaction():
        workflow.fire(
            staff, candidate.id, "pause", expected_version=None, reason="Waiting for the visa."
        )
    assert reload(candidate.id).paused_from == "language_immersion"
    with transaction():
        workflow.fire(staff, candidate.id, "resume", expected_version=None)
    candidate = reload(candidate.id)
    assert (candidate.phase, candidate.paused_from) == ("language_immersion", None)


def test_audit_trail_matches_state_after_a_journey(staff):
    mentor = make_user("mentor")
    candidate = make_candidate(mentor=mentor)
    for trigger, kwargs in [
        ("start_immersion", {}),
        ("pause", {"reason": "Waiting for the visa."}),
        ("resume", {}),
        ("complete_immersion", {"override_reason": "Certificate from home university"}),
        ("withdraw", {"reason": "Took a job in Namibia"}),
    ]:
        with transaction():
            workflow.fire(staff, candidate.id, trigger, expected_version=None, **kwargs)
    rows = audit_rows(candidate.id)
    assert [r.to_phase for r in rows] == [
        "language_immersion",
        "on_hold",
        "language_immersion",
        "mentoring",
        "withdrawn",
    ]
    assert all(a.to_phase == b.from_phase for a, b in zip(rows, rows[1:], strict=False))
    candidate = reload(candidate.id)
    assert candidate.phase == rows[-1].to_phase == "withdrawn"
    assert candidate.withdrawn_reason == "Took a job in Namibia"
    assert db.session.scalar(select(func.count(AuditEvent.id))) == len(rows)


def test_every_step_is_dated_at_the_injected_moment(staff):
    """Services stamp the `now` they are given (audit rows, phase entry, consent, assessment,
    meeting, sign-off, placement steps, invitation), never the clock of the machine."""
    mentor = make_user("mentor")
    day = timedelta(days=1)
    t0 = datetime(2025, 3, 3, 9, 15, tzinfo=UTC)  # a Monday, long ago
    moments = [t0 + n * day for n in range(12)]
    with transaction():
        candidate, _token = candidates.register(
            staff,
            candidates.Registration(
                name="Selma Amukoto",
                email="selma@example.org",
                country_code="NA",
                origin_institution="University of Namibia",
                stem_field="physics",
                graduation_date=date(2024, 6, 30),
                outreach_channel="partner_referral",
                locale="en",
                consent_recorded=True,
            ),
            now=moments[0],
        )
    candidate_id = candidate.id
    with transaction():
        workflow.fire(
            staff,
            candidate_id,
            "start_immersion",
            expected_version=None,
            start_date=moments[1].date(),
            now=moments[1],
        )
    with pytest.raises(Refused), transaction():  # after the moment's day: in the future then
        candidates.record_assessment(staff, candidate_id, "B1", moments[3].date(), now=moments[2])
    with transaction():
        candidates.record_assessment(staff, candidate_id, "B1", moments[2].date(), now=moments[2])
        candidates.assign_mentor(staff, candidate_id, mentor.id, None, now=moments[3])
        workflow.fire(
            mentor, candidate_id, "complete_immersion", expected_version=None, now=moments[4]
        )
        candidates.log_meeting(
            mentor, candidate_id, moments[5].date(), "Kennismaking", now=moments[5]
        )
        candidates.sign_off(mentor, candidate_id, None, now=moments[6])
        workflow.fire(
            mentor, candidate_id, "propose_placement", expected_version=None, now=moments[7]
        )
        placement = candidates.record_placement(
            staff,
            candidate_id,
            company_id=make_company().id,
            project_title="Zonnepark",
            interview_at=moments[9],
            now=moments[8],
        )
        placements.fire(staff, placement.id, "make_offer", now=moments[10])
        placements.fire(staff, placement.id, "accept", start_date=date(2025, 4, 1), now=moments[11])
    candidate = reload(candidate_id)
    rows = audit_rows(candidate_id)
    assert [(r.action, r.at) for r in rows] == [
        ("registered", moments[0]),
        ("consent_recorded", moments[0]),
        ("start_immersion", moments[1]),
        ("assessment_recorded", moments[2]),
        ("mentor_assigned", moments[3]),
        ("complete_immersion", moments[4]),
        ("meeting_logged", moments[5]),
        ("signed_off", moments[6]),
        ("propose_placement", moments[7]),
        ("placement_recorded", moments[8]),
        ("placement_schedule_interview", moments[8]),
        ("placement_make_offer", moments[10]),
        ("placement_accept", moments[11]),
    ]
    assert candidate.created_at == candidate.user.created_at == moments[0]
    assert candidate.consent_at == moments[0]
    assert candidate.phase_entered_at == moments[7]
    assert candidate.signed_off_at == moments[6]
    (assessment,) = db.session.scalars(
        select(LanguageAssessment).where(LanguageAssessment.candidate_id == candidate_id)
    )
    assert assessment.created_at == moments[2]
    (meeting,) = db.session.scalars(
        select(MentoringMeeting).where(MentoringMeeting.candidate_id == candidate_id)
    )
    assert meeting.created_at == moments[5]
    db.session.refresh(placement)
    assert (placement.created_at, placement.decided_at) == (moments[8], moments[11])
    (invitation,) = db.session.scalars(
        select(Invitation).where(Invitation.user_id == candidate.user_id)
    )
    assert invitation.created_at == moments[0] and invitation.expires_at > moments[0]
    # Reminders planned and cancelled along the way carry the moments too.
    cancelled = db.session.scalars(
        select(Reminder.cancelled_at).where(
            Reminder.candidate_id == candidate_id, Reminder.status == "cancelled"
        )
    ).all()
    assert cancelled and set(cancelled) <= set(moments)
