"""The demo data tells consistent stories: loaded into a fresh database (SQLite and
PostgreSQL) at an injected moment, every candidate's summary agrees with their history, an
immersion lasts three months, placements happen in order and the reports count what the
pages show. The story arithmetic is also checked, without a database, for every day of a
year."""

from __future__ import annotations

import re
from collections import Counter
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from onboarding.db import transaction
from onboarding.demo import (
    CANDIDATES,
    COMPANIES,
    DEMO_CANDIDATE_EMAIL,
    DEMO_PASSWORD,
    MEETING_NOTES,
    PROJECTS,
    load_demo,
    story_for,
)
from onboarding.extensions import db
from onboarding.models import (
    AuditEvent,
    Candidate,
    Company,
    LanguageAssessment,
    MentoringMeeting,
    Placement,
    Project,
    Reminder,
    User,
    utcnow,
)
from onboarding.services import auth, reports
from onboarding.services.consent import current_notice_id
from tests.conftest import outer_transaction
from workflows.dates import add_months, local_date
from workflows.onboarding import CEFR_LEVELS, IMMERSION_MONTHS, PHASES
from workflows.reminders import RULES_BY_KEY

# The clock is injected: now, and a Monday 00:30 in Brussels just after the autumn clock
# change, when the date in UTC is still Sunday's.
CLOCKS = {
    "now": None,
    "after-dst-monday-0030": datetime(2025, 10, 26, 23, 30, tzinfo=UTC),
}


@pytest.fixture(scope="module", params=list(CLOCKS), ids=list(CLOCKS))
def demo(request, app):
    """The demo loaded once per database and clock, rolled back after the module."""
    now = CLOCKS[request.param] or utcnow()
    with outer_transaction(app):
        with app.app_context():
            with transaction():
                assert load_demo(now) is True
            assert load_demo(now) is False  # once only
            db.session.remove()
        yield now


@pytest.fixture
def session(app, demo):
    with app.app_context():
        yield db.session
        db.session.remove()


def everyone(session) -> list[Candidate]:
    return list(session.scalars(select(Candidate).order_by(Candidate.id)))


def history(session, candidate: Candidate) -> list[AuditEvent]:
    return list(
        session.scalars(
            select(AuditEvent)
            .where(AuditEvent.candidate_id == candidate.id)
            .order_by(AuditEvent.at, AuditEvent.id)
        )
    )


def rows_for(session, candidate: Candidate, *actions: str) -> list[AuditEvent]:
    return [e for e in history(session, candidate) if e.action in actions]


def test_the_demo_is_what_the_readme_promises(session, demo):
    users = {u.email: u for u in session.scalars(select(User))}
    assert users["desk@onthaal.example"].role == "staff"
    mentors = ["mentor.an", "mentor.pieter", "mentor.thandi"]
    assert [users[f"{m}@onthaal.example"].role for m in mentors] == ["mentor"] * 3
    for email in ("desk@onthaal.example", f"{mentors[0]}@onthaal.example", DEMO_CANDIDATE_EMAIL):
        assert auth.authenticate(email, DEMO_PASSWORD) is not None, email
    people = everyone(session)
    assert len(people) == 30
    assert {c.phase for c in people} == set(PHASES)  # every phase
    assert {c.country_code for c in people} == {"NA", "ZA", "BW", "ZM", "ZW", "NL", "DE"}
    (me,) = [c for c in people if c.user.email == DEMO_CANDIDATE_EMAIL]
    assert me.phase == "language_immersion"
    companies = list(session.scalars(select(Company)))
    assert sorted(c.municipality for c in companies) == [
        "Genk", "Hasselt", "Lommel", "Sint-Truiden", "Tongeren-Borgloon"
    ]  # fmt: skip
    assert [(c.name, c.phase) for c in people] == [(p.name, p.target) for p in CANDIDATES]


def test_every_summary_field_agrees_with_the_history(session, demo):
    problems = []
    for candidate in everyone(session):
        events = history(session, candidate)
        name = candidate.name
        if not events or events[0].action != "registered":
            problems.append((name, "history does not start with the registration"))
            continue
        registered = events[0].at
        if candidate.created_at != registered or candidate.user.created_at != registered:
            problems.append((name, "created_at", candidate.created_at, registered))
        if any(e.at > demo for e in events):
            problems.append((name, "history in the future"))
        consent = [e for e in events if e.action in ("consent_recorded", "consent_given")]
        withdrawn = [e for e in events if e.action == "consent_withdrawn"]
        in_force = consent[-1].at if consent and not withdrawn else None
        if candidate.consent_at != in_force:
            problems.append((name, "consent_at", candidate.consent_at, consent))
        if candidate.consent_withdrawn_at != (withdrawn[-1].at if withdrawn else None):
            problems.append((name, "consent_withdrawn_at", candidate.consent_withdrawn_at))
        if in_force and candidate.consent_notice_id != current_notice_id():
            problems.append((name, "consent not to the published notice"))
        changes = [e for e in events if e.from_phase != e.to_phase]
        entered = changes[-1].at if changes else registered
        if candidate.phase_entered_at != entered:
            problems.append((name, "phase_entered_at", candidate.phase_entered_at, entered))
        if changes and changes[-1].to_phase != candidate.phase:
            problems.append((name, "phase", candidate.phase, changes[-1].to_phase))
        for before, after in zip(changes, changes[1:], strict=False):
            if before.to_phase != after.from_phase:
                problems.append((name, "gap in the phases", before.action, after.action))
        starts = [e for e in events if e.action == "start_immersion"]
        if starts:
            if candidate.immersion_start != local_date(starts[-1].at):
                problems.append((name, "immersion_start", candidate.immersion_start, starts))
            if not consent or consent[0].at >= starts[0].at:
                problems.append((name, "consent after the immersion started"))
        elif candidate.immersion_start is not None:
            problems.append((name, "an immersion without a start_immersion row"))
        if candidate.signed_off_at is not None:
            (signed,) = [e for e in events if e.action == "signed_off"]
            if signed.at != candidate.signed_off_at:
                problems.append((name, "signed_off_at", candidate.signed_off_at, signed.at))
    assert problems == []


def test_one_candidate_withdrew_consent_and_is_left_out(session, demo):
    withdrawn = [c for c in everyone(session) if c.consent_withdrawn_at is not None]
    assert [c.name for c in withdrawn] == ["Lukas Becker"]
    (lukas,) = withdrawn
    assert lukas.consent_at is None and lukas.consent_notice_id is None
    pending = session.scalars(
        select(Reminder).where(Reminder.candidate_id == lukas.id, Reminder.status == "pending")
    ).all()
    assert all(r.essential for r in pending)


def test_immersions_last_the_programmes_three_months(session, demo):
    today = local_date(demo)
    immersions = [c for c in everyone(session) if c.immersion_start is not None]
    assert len(immersions) >= 20
    for candidate in immersions:
        start, end = candidate.immersion_start, candidate.immersion_planned_end
        assert end == add_months(start, IMMERSION_MONTHS), candidate.name
        assert (end - start).days >= 89, candidate.name
        if candidate.phase == "language_immersion":
            assert end > today, f"{candidate.name}: still in immersion after its planned end"
        completed = rows_for(session, candidate, "complete_immersion")
        if completed:
            assert local_date(completed[0].at) >= end, f"{candidate.name}: completed early"
    durations = {row.phase: row for row in reports.build_report(reports.ReportFilter()).durations}
    assert durations["language_immersion"].median >= 89


def test_assessments_are_dated_when_they_were_recorded(session, demo):
    for assessment in session.scalars(select(LanguageAssessment)):
        candidate = session.get(Candidate, assessment.candidate_id)
        assert assessment.created_at <= demo
        assert assessment.assessed_on == local_date(assessment.created_at), candidate.name
        recorded = [
            e.at
            for e in rows_for(session, candidate, "assessment_recorded")
            if e.detail == assessment.level
        ]
        assert assessment.created_at in recorded, candidate.name


def test_meetings_are_logged_in_the_past_while_mentored(session, demo):
    for meeting in session.scalars(select(MentoringMeeting)):
        candidate = session.get(Candidate, meeting.candidate_id)
        assert meeting.met_on == local_date(meeting.created_at) <= local_date(demo)
        assert meeting.mentor_id == candidate.mentor_id
        (row,) = [e for e in rows_for(session, candidate, "meeting_logged")
                  if e.at == meeting.created_at]  # fmt: skip
        assert row.from_phase in ("mentoring", "company_placement"), candidate.name


def test_placements_happen_in_order(session, demo):
    placements = list(session.scalars(select(Placement)))
    assert {p.status for p in placements} >= {"interview", "accepted"}
    for placement in placements:
        candidate = session.get(Candidate, placement.candidate_id)
        name = candidate.name
        steps = {
            e.action: e.at
            for e in rows_for(session, candidate, "placement_make_offer", "placement_accept")
        }
        assert placement.created_at <= placement.decided_at <= demo, name
        assert placement.interview_at is not None, name
        if placement.status in ("offer", "accepted", "started"):
            assert placement.interview_at <= demo, f"{name}: offer before the interview"
            assert placement.interview_at < steps["placement_make_offer"], name
        if placement.status in ("accepted", "started"):
            assert steps["placement_make_offer"] < steps["placement_accept"], name
            assert placement.start_date > local_date(steps["placement_accept"]), name
        if candidate.phase == "placed":
            (confirmed,) = rows_for(session, candidate, "confirm_placement")
            assert placement.status in ("accepted", "started"), name
            assert local_date(confirmed.at) >= placement.start_date, name
            assert confirmed.at > placement.interview_at, name
    interviews_ahead = [p for p in placements if p.interview_at > demo]
    assert interviews_ahead and {p.status for p in interviews_ahead} == {"interview"}


def test_immersion_outcome_report_counts_the_assessments_the_pages_show(session, demo):
    best: Counter = Counter()
    for candidate in everyone(session):
        if rows_for(session, candidate, "complete_immersion"):
            levels = session.scalars(
                select(LanguageAssessment.level).where(
                    LanguageAssessment.candidate_id == candidate.id
                )
            ).all()
            assert levels, f"{candidate.name} completed the immersion without an assessment"
            best[max(levels, key=CEFR_LEVELS.index)] += 1

    outcome = dict(reports.build_report(reports.ReportFilter()).immersion)

    assert outcome.get(reports.NO_ASSESSMENT, 0) == 0
    assert {level: count for level, count in outcome.items() if count} == dict(best)
    assert sum(best.values()) >= 10


def test_no_reminder_waits_that_is_already_too_late_to_send(session, demo):
    pending = list(session.scalars(select(Reminder).where(Reminder.status == "pending")))
    assert pending
    late = [(r.rule, r.due_at) for r in pending if demo - r.due_at > RULES_BY_KEY[r.rule].grace]
    assert late == []
    interviews = [r for r in pending if r.rule == "interview_tomorrow"]
    assert interviews and all(r.due_at > demo - RULES_BY_KEY[r.rule].grace for r in interviews)


ENGLISH = re.compile(r"\b(the|and|for|of|with|meeting|elsewhere|accepted)\b", re.I)


def test_demo_texts_read_as_dutch_on_dutch_and_afrikaans_pages(session, demo):
    texts = [c.sector for c in session.scalars(select(Company))]
    for project in session.scalars(select(Project)):
        texts += [project.title, project.description]
    texts += [m.note for m in session.scalars(select(MentoringMeeting))]
    texts += [a.note for a in session.scalars(select(LanguageAssessment))]
    texts += [e.reason for e in session.scalars(select(AuditEvent)) if e.reason]
    texts += [c.withdrawn_reason for c in everyone(session) if c.withdrawn_reason]
    assert len(texts) > 20
    assert [t for t in texts if ENGLISH.search(t)] == []
    assert {n for n in MEETING_NOTES} >= {m.note for m in session.scalars(select(MentoringMeeting))}
    assert len(COMPANIES) == len(PROJECTS) == 5


# -- the story arithmetic on every day of a year (no database) ------------------------------


OFFICE_ACTIONS = {"register", "assess", "assign_mentor", "fire", "record_placement",
                  "placement_step", "sign_off", "meeting"}  # fmt: skip


def test_every_story_fits_before_today_on_every_day_of_a_year():
    first = date(2027, 1, 1)
    for offset in range(365):
        today = first + timedelta(days=offset)
        for index, person in enumerate(CANDIDATES):
            where = (today, person.name)
            steps = story_for(index, person, today)
            happened = [s for s in steps if local_date(s.at) < today]
            assert steps[0].action == "register" and happened, where
            assert all(a.at < b.at for a, b in zip(steps, steps[1:], strict=False)), where
            for step in happened:
                if step.action in OFFICE_ACTIONS:
                    assert local_date(step.at).weekday() < 5, (*where, step)
            fired = [s for s in happened if s.action == "fire"]
            if person.target == "outreach":
                assert not fired, where
                continue
            entered = local_date(fired[-1].at)
            # In the phase for `since` days, give or take a weekend.
            assert -3 <= (today - entered).days - person.since <= 4, where
            starts = [s.args["start_date"] for s in fired if s.args.get("start_date")]
            if person.target == "language_immersion":
                assert add_months(starts[0], IMMERSION_MONTHS) > today, where
            interview = [s.args["interview_at"] for s in happened if "interview_at" in s.args]
            offers = [s.at for s in happened if s.args.get("trigger") == "make_offer"]
            if offers:
                assert interview[0] < offers[0], where
            accepted = [s for s in happened if s.args.get("trigger") == "accept"]
            if accepted:
                assert accepted[0].args["start_date"] > local_date(accepted[0].at), where
