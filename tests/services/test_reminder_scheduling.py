"""Reminders are created, moved and cancelled in the transaction of the change that causes them."""

from collections import Counter
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select, text
from sqlalchemy.orm.exc import StaleDataError

from onboarding.db import transaction
from onboarding.extensions import db
from onboarding.models import AuditEvent, Candidate, Reminder, utcnow
from onboarding.services import candidates, reminders, workflow
from onboarding.services.errors import Conflict, NotFound, Refused
from onboarding.services.notifications import preferences
from tests.factories import make_candidate, make_company, make_placement, make_user
from workflows.dates import add_months
from workflows.reminders import PHASE_LIMIT_DAYS, RULES_BY_KEY

BRUSSELS = ZoneInfo("Europe/Brussels")


def nine_in_brussels(day: date) -> datetime:
    """09:00 Brussels time on `day`, as aware UTC (computed here, not by the code under test)."""
    return datetime.combine(day, time(9, 0), tzinfo=BRUSSELS).astimezone(UTC)


def brussels_day(moment: datetime) -> date:
    return moment.astimezone(BRUSSELS).date()


def rows(candidate_id: int, rule: str | None = None, status: str | None = None) -> list[Reminder]:
    db.session.expire_all()
    query = (
        select(Reminder)
        .where(Reminder.candidate_id == candidate_id, Reminder.kind == "reminder")
        .order_by(Reminder.id)
    )  # the reminders the rules plan, not the outbox's event notifications
    if rule:
        query = query.where(Reminder.rule == rule)
    if status:
        query = query.where(Reminder.status == status)
    return list(db.session.scalars(query))


def snapshot(candidate_id: int) -> list[tuple]:
    return [
        (r.id, r.rule, r.recipient_id, r.occurrence, r.due_at, r.status) for r in rows(candidate_id)
    ]


def schedule(candidate: Candidate, now: datetime | None = None) -> None:
    reminders.reschedule(candidate, now or candidate.phase_entered_at)
    db.session.commit()


def mentoring_since(candidate: Candidate, started: datetime) -> None:
    """Record that the candidate entered mentoring at `started` (the rules' anchor)."""
    db.session.add(
        AuditEvent(candidate_id=candidate.id, action="complete_immersion", at=started,
                   from_phase="language_immersion", to_phase="mentoring")
    )  # fmt: skip
    db.session.commit()


def reload(candidate_id: int) -> Candidate:
    db.session.expire_all()
    return db.session.get(Candidate, candidate_id)


@pytest.fixture
def staff(ctx):
    return make_user("staff")


def test_start_immersion_plans_its_reminders_and_cancels_outreach_ones(staff):
    candidate = make_candidate()
    schedule(candidate)
    outreach = rows(candidate.id, "outreach_follow_up")
    assert [(r.occurrence, r.status) for r in outreach] == [
        (1, "pending"),
        (2, "pending"),
        (3, "pending"),
    ]
    (outreach_stuck,) = rows(candidate.id, "stuck_in_phase")

    start = date.today() + timedelta(days=7)
    with transaction():
        workflow.fire(
            staff, candidate.id, "start_immersion", expected_version=None, start_date=start
        )
    candidate = reload(candidate.id)
    end = add_months(start, 3)
    assert candidate.immersion_planned_end == end

    (book,) = rows(candidate.id, "book_assessment")
    assert (book.status, book.recipient_id, book.essential) == ("pending", candidate.user_id, True)
    assert book.due_at == nine_in_brussels(end - timedelta(days=14))
    assert book.due_at.astimezone(BRUSSELS).time() == time(9, 0)
    assert book.anchor == end.isoformat()

    (overdue,) = rows(candidate.id, "immersion_overdue")
    assert (overdue.status, overdue.recipient_id) == ("pending", staff.id)
    assert overdue.due_at == nine_in_brussels(end + timedelta(days=1))

    stuck = rows(candidate.id, "stuck_in_phase", "pending")
    entered = brussels_day(candidate.phase_entered_at)
    limit = PHASE_LIMIT_DAYS["language_immersion"]
    assert [(r.recipient_id, r.due_at) for r in stuck] == [
        (staff.id, nine_in_brussels(entered + timedelta(days=limit)))
    ]

    cancelled = rows(candidate.id, "outreach_follow_up")
    assert [r.id for r in cancelled] == [r.id for r in outreach]
    assert {r.status for r in cancelled} == {"cancelled"}
    assert all(r.cancelled_at is not None for r in cancelled)
    assert db.session.get(Reminder, outreach_stuck.id).status == "cancelled"
    assert not rows(candidate.id, "outreach_follow_up", "pending")


def immersion_candidate(**fields) -> Candidate:
    end = fields.pop("end", date.today() + timedelta(days=40))
    candidate = make_candidate(
        phase="language_immersion",
        immersion_start=end - timedelta(days=91),
        immersion_planned_end=end,
        **fields,
    )
    schedule(candidate)
    return candidate


@pytest.mark.parametrize("level", ["B1", "C1"])
def test_passing_assessment_cancels_booking_and_overdue_reminders(staff, level):
    candidate = immersion_candidate()
    stuck_before = [r.id for r in rows(candidate.id, "stuck_in_phase", "pending")]
    assert rows(candidate.id, "book_assessment", "pending")
    assert rows(candidate.id, "immersion_overdue", "pending")

    with transaction():
        candidates.record_assessment(staff, candidate.id, level, date.today())

    for rule in ("book_assessment", "immersion_overdue"):
        found = rows(candidate.id, rule)
        assert found and {r.status for r in found} == {"cancelled"}, rule
    # The phase did not change, so the desk's "stuck" reminder stays as it was.
    assert [r.id for r in rows(candidate.id, "stuck_in_phase", "pending")] == stuck_before


def test_failing_assessment_keeps_the_reminders(staff):
    candidate = immersion_candidate()
    before = snapshot(candidate.id)
    assert {r[1] for r in before} == {"book_assessment", "immersion_overdue", "stuck_in_phase"}

    with transaction():
        candidates.record_assessment(staff, candidate.id, "A2", date.today())

    assert snapshot(candidate.id) == before
    assert {r[5] for r in before} == {"pending"}


def test_logging_a_meeting_moves_the_mentor_and_desk_reminders(staff):
    mentor = make_user("mentor")
    started = utcnow() - timedelta(days=10)
    candidate = make_candidate(phase="mentoring", mentor=mentor, phase_entered_at=started)
    mentoring_since(candidate, started)
    schedule(candidate)
    start_day = brussels_day(started)
    (old_due,) = rows(candidate.id, "mentor_meeting_due")
    (old_escalation,) = rows(candidate.id, "mentor_meeting_escalation")
    assert (old_due.recipient_id, old_due.due_at) == (
        mentor.id,
        nine_in_brussels(start_day + timedelta(days=21)),
    )
    assert (old_escalation.recipient_id, old_escalation.due_at) == (
        staff.id,
        nine_in_brussels(start_day + timedelta(days=42)),
    )

    met_on = date.today() - timedelta(days=1)
    with transaction():
        candidates.log_meeting(mentor, candidate.id, met_on, "Talked about CV and Dutch practice")

    assert db.session.get(Reminder, old_due.id).status == "cancelled"
    assert db.session.get(Reminder, old_escalation.id).status == "cancelled"
    (new_due,) = rows(candidate.id, "mentor_meeting_due", "pending")
    (new_escalation,) = rows(candidate.id, "mentor_meeting_escalation", "pending")
    assert (new_due.recipient_id, new_due.due_at, new_due.anchor) == (
        mentor.id,
        nine_in_brussels(met_on + timedelta(days=21)),
        met_on.isoformat(),
    )
    assert (new_escalation.recipient_id, new_escalation.due_at) == (
        staff.id,
        nine_in_brussels(met_on + timedelta(days=42)),
    )
    assert new_due.id != old_due.id and new_escalation.id != old_escalation.id


@pytest.mark.parametrize(
    ("setup", "trigger", "error"),
    [
        ({"consent": False}, "start_immersion", Refused),  # a guard fails
        ({}, "complete_immersion", Conflict),  # not possible from outreach
        ({}, "no_such_trigger", NotFound),
    ],
)
def test_refused_transition_leaves_reminders_alone(staff, setup, trigger, error):
    candidate = make_candidate(**setup)
    schedule(candidate)
    before = snapshot(candidate.id)
    assert before
    with pytest.raises(error), transaction():
        workflow.fire(staff, candidate.id, trigger, expected_version=candidate.version_id)
    assert snapshot(candidate.id) == before
    assert reload(candidate.id).phase == "outreach"


def test_concurrent_change_is_a_conflict_and_leaves_reminders_alone(staff):
    candidate = make_candidate()
    schedule(candidate)
    before = snapshot(candidate.id)
    # Someone else saves the candidate after this session loaded it.
    candidate = db.session.get(Candidate, candidate.id)
    candidate_id = candidate.id
    assert candidate.version_id is not None
    db.session.execute(
        text("UPDATE candidates SET version_id = version_id + 1 WHERE id = :id"),
        {"id": candidate_id},
    )
    with pytest.raises(Conflict), transaction():
        workflow.fire(staff, candidate_id, "start_immersion", expected_version=None)
    assert snapshot(candidate_id) == before
    assert reload(candidate_id).phase == "outreach"


def test_reminder_work_is_rolled_back_when_the_change_fails_after_it(staff, monkeypatch):
    """The reminders are written (flushed) and then the commit conflicts: all of it goes."""
    candidate = make_candidate()
    schedule(candidate)
    before = snapshot(candidate.id)
    real_reschedule = reminders.reschedule
    written = []

    def reschedule_then_conflict(candidate, now=None):
        real_reschedule(candidate, now)
        db.session.flush()
        written.extend(
            db.session.scalars(
                select(Reminder.rule).where(
                    Reminder.candidate_id == candidate.id, Reminder.status == "pending"
                )
            )
        )
        raise StaleDataError("candidates row changed by someone else")

    monkeypatch.setattr(reminders, "reschedule", reschedule_then_conflict)
    with pytest.raises(Conflict), transaction():
        workflow.fire(staff, candidate.id, "start_immersion", expected_version=None)
    assert "book_assessment" in written  # the work had really been done in the transaction
    assert snapshot(candidate.id) == before
    assert not rows(candidate.id, "book_assessment")
    assert reload(candidate.id).phase == "outreach"


def mentored_candidate(mentor, days_ago: int = 10) -> Candidate:
    started = utcnow() - timedelta(days=days_ago)
    candidate = make_candidate(phase="mentoring", mentor=mentor, phase_entered_at=started)
    mentoring_since(candidate, started)
    return candidate


def test_reminders_are_planned_whatever_the_preference_the_dispatcher_reads_it(staff):
    """How a person wants reminders (app only, digest) is read when one goes out
    (services/reminders/delivery.py): planning ahead never drops one for it."""
    mentor = make_user("mentor")
    with transaction():
        preferences.save(mentor, {"reminders": "app"})
    candidate = mentored_candidate(mentor)
    schedule(candidate)
    (due,) = rows(candidate.id, "mentor_meeting_due", "pending")
    assert due.recipient_id == mentor.id and due.essential is False
    (escalation,) = rows(candidate.id, "mentor_meeting_escalation")
    assert (escalation.status, escalation.recipient_id) == ("pending", staff.id)

    placed = make_candidate(phase="placed")
    placement = make_placement(placed, accepted=True)
    with transaction():
        preferences.save(placed.user, {"reminders": "digest"})
        reminders.reschedule(placed)
    planned = rows(placed.id, status="pending")
    assert sorted((r.rule, r.due_at) for r in planned) == [
        ("checkin_30", nine_in_brussels(placement.start_date + timedelta(days=30))),
        ("checkin_90", nine_in_brussels(placement.start_date + timedelta(days=90))),
    ]
    assert {r.recipient_id for r in planned} == {placed.user_id}


def test_desk_reminders_go_to_every_active_staff_member_once(ctx):
    team = [make_user("staff") for _ in range(3)]
    make_user("staff", active=False)
    make_user("mentor")
    candidate = make_candidate()
    schedule(candidate)
    found = rows(candidate.id)
    assert {r.rule for r in found} == {"outreach_follow_up", "stuck_in_phase"}
    per_reminder = Counter((r.rule, r.occurrence, r.recipient_id) for r in found)
    assert set(per_reminder.values()) == {1}
    for rule, occurrences in (("outreach_follow_up", 3), ("stuck_in_phase", 1)):
        recipients = Counter(r.recipient_id for r in found if r.rule == rule)
        assert recipients == {member.id: occurrences for member in team}, rule


def test_interview_reminder_is_due_exactly_one_day_before(staff):
    candidate = make_candidate(phase="company_placement", mentor=make_user("mentor"))
    interview_at = datetime.combine(date.today() + timedelta(days=10), time(8, 30), tzinfo=UTC)
    with transaction():
        candidates.record_placement(
            staff,
            candidate.id,
            company_id=make_company().id,
            project_title="Hydrogen storage pilot",
            start_date=None,
            interview_at=interview_at,
        )
    (reminder,) = rows(candidate.id, "interview_tomorrow")
    assert reminder.status == "pending"
    assert reminder.recipient_id == candidate.user_id
    assert reminder.due_at == interview_at - timedelta(days=1)
    assert datetime.fromisoformat(reminder.anchor) == interview_at


def test_reassigning_the_mentor_moves_the_mentor_reminder(staff):
    first, second = make_user("mentor"), make_user("mentor")
    candidate = mentored_candidate(first)
    schedule(candidate)
    (old,) = rows(candidate.id, "mentor_meeting_due")
    assert (old.recipient_id, old.status) == (first.id, "pending")
    escalation = snapshot(candidate.id)
    escalation = [r for r in escalation if r[1] == "mentor_meeting_escalation"]

    with transaction():
        candidates.assign_mentor(staff, candidate.id, second.id, reload(candidate.id).version_id)

    assert db.session.get(Reminder, old.id).status == "cancelled"
    (new,) = rows(candidate.id, "mentor_meeting_due", "pending")
    assert (new.recipient_id, new.due_at) == (second.id, old.due_at)
    assert [r for r in snapshot(candidate.id) if r[1] == "mentor_meeting_escalation"] == escalation


# -- grace periods: nothing is planned too late to be sent ---------------------------------


def test_a_reminder_already_past_its_grace_period_is_never_planned(staff):
    """Entering immersion with the booking moment a week behind: no booking reminder."""
    now = nine_in_brussels(date.today() + timedelta(days=30))
    end = brussels_day(now) + timedelta(days=7)  # booking was due 7 days before `now`
    candidate = make_candidate(
        phase="language_immersion", immersion_start=end - timedelta(days=91),
        immersion_planned_end=end, phase_entered_at=now - timedelta(days=84),
    )  # fmt: skip

    schedule(candidate, now)

    assert rows(candidate.id, "book_assessment") == []
    # The desk's reminders are still ahead: the day after the end, and the phase limit.
    assert sorted((r.rule, r.status) for r in rows(candidate.id)) == [
        ("immersion_overdue", "pending"),
        ("stuck_in_phase", "pending"),
    ]


def test_a_pending_reminder_that_outlived_its_grace_period_expires_on_the_next_change(staff):
    """Planned in time, never sent (no dispatcher ran), and the reason still holds: when the
    candidate's reminders are planned again it is marked expired, not sent and not kept."""
    end = date.today() + timedelta(days=40)
    candidate = immersion_candidate(end=end)
    (book,) = rows(candidate.id, "book_assessment")
    (overdue,) = rows(candidate.id, "immersion_overdue")
    grace = RULES_BY_KEY["book_assessment"].grace

    schedule(candidate, book.due_at + grace)  # still within the grace period
    assert [r.status for r in rows(candidate.id, "book_assessment")] == ["pending"]

    later = book.due_at + grace + timedelta(minutes=1)
    schedule(candidate, later)

    (expired,) = rows(candidate.id, "book_assessment")
    assert (expired.id, expired.status, expired.cancelled_at) == (book.id, "expired", None)
    assert db.session.get(Reminder, overdue.id).status == "pending"  # not yet due
    schedule(candidate, later + timedelta(days=1))  # planned again: no new booking row
    assert [r.id for r in rows(candidate.id, "book_assessment")] == [book.id]


def test_a_late_reminder_whose_reason_went_away_is_cancelled_not_expired(staff):
    candidate = immersion_candidate(mentor=make_user("mentor"))
    (book,) = rows(candidate.id, "book_assessment")
    later = book.due_at + timedelta(days=10)

    with transaction():
        candidates.record_assessment(
            candidate.mentor, candidate.id, "B1", brussels_day(later), now=later
        )

    cancelled = db.session.get(Reminder, book.id)
    assert (cancelled.status, cancelled.cancelled_at) == ("cancelled", later)
