"""A placement's steps through the service: roles, guards, audit rows, reminders, and how an
accepted or declined placement feeds back into the candidate's onboarding."""

from __future__ import annotations

import threading
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from onboarding.db import transaction
from onboarding.extensions import db
from onboarding.models import AuditEvent, Candidate, Placement, Project, Reminder, User, utcnow
from onboarding.services import candidates, placements, workflow
from onboarding.services.errors import Conflict, Forbidden, NotFound, Refused
from tests.factories import make_candidate, make_company, make_user

START = date.today() + timedelta(days=45)
TITLE = "Battery recycling pilot"


def audit_actions(candidate_id: int) -> list[str]:
    return list(
        db.session.scalars(
            select(AuditEvent.action)
            .where(AuditEvent.candidate_id == candidate_id)
            .order_by(AuditEvent.id)
        )
    )


def reload(model, key):
    db.session.expire_all()
    return db.session.get(model, key)


def interview_reminders(candidate_id: int, status: str | None = None) -> list[Reminder]:
    query = select(Reminder).where(
        Reminder.candidate_id == candidate_id, Reminder.rule == "interview_tomorrow"
    )
    if status:
        query = query.where(Reminder.status == status)
    return list(db.session.scalars(query.order_by(Reminder.id)))


def soon(days: int = 3):
    return (utcnow() + timedelta(days=days)).replace(microsecond=0)


def held(hours: int = 2):
    """An interview that has taken place (an offer may follow it)."""
    return (utcnow() - timedelta(hours=hours)).replace(microsecond=0)


@pytest.fixture
def staff(ctx):
    return make_user("staff")


@pytest.fixture
def mentor(ctx):
    return make_user("mentor")


@pytest.fixture
def company(ctx):
    return make_company("Kempen Zonnewarmte", municipality="Genk")


@pytest.fixture
def project(company):
    project = Project(
        company=company,
        title=TITLE,
        stem_fields=["energy"],
        skills=["python"],
        min_dutch_level="B1",
        start_date=START,
        seats=1,
        is_open=True,
    )
    db.session.add(project)
    db.session.commit()
    return project


@pytest.fixture
def candidate(mentor):
    """Signed off by the mentor and already proposed for company placement."""
    return make_candidate(
        phase="company_placement", mentor=mentor, stem_field="energy", signed_off_at=utcnow()
    )


def propose(staff, candidate, project, **kwargs) -> Placement:
    with transaction():
        return candidates.record_placement(
            staff,
            candidate.id,
            company_id=project.company_id,
            project_title="",
            project_id=project.id,
            **kwargs,
        )


def walk_to(staff, placement: Placement, status: str) -> Placement:
    """Fire the placement on along the main path until it has `status` (an interview that
    has taken place; "started" by confirming the candidate's placement, its only way)."""
    steps = [
        ("proposed", "schedule_interview", {"interview_at": held()}),
        ("interview", "make_offer", {}),
        ("offer", "accept", {"start_date": START}),
    ]
    for source, trigger, kwargs in steps:
        if placement.status == status:
            break
        if placement.status == source:  # steps already behind the placement are skipped
            with transaction():
                placement = placements.fire(staff, placement.id, trigger, **kwargs)
    if status == "started" and placement.status == "accepted":
        with transaction():
            workflow.fire(staff, placement.candidate_id, "confirm_placement", expected_version=None)
        placement = reload(Placement, placement.id)
    assert placement.status == status
    return placement


# -- the main path --------------------------------------------------------------------------


def test_full_path_proposed_to_started(staff, candidate, project):
    interview_at = held()
    placement = propose(staff, candidate, project, interview_at=interview_at)
    # With an interview date the placement goes straight on to the interview step.
    placement = reload(Placement, placement.id)
    assert (placement.status, placement.interview_at) == ("interview", interview_at)
    assert placement.project_title == TITLE  # taken from the project when left blank
    assert audit_actions(candidate.id) == ["placement_recorded", "placement_schedule_interview"]

    with transaction():
        placements.fire(staff, placement.id, "make_offer")
    assert reload(Placement, placement.id).status == "offer"
    assert audit_actions(candidate.id)[-1] == "placement_make_offer"

    with pytest.raises(Refused) as refused, transaction():  # accepting needs a start date
        placements.fire(staff, placement.id, "accept")
    assert refused.value.status == 422
    assert any("start date" in detail for detail in refused.value.details)
    placement = reload(Placement, placement.id)
    assert (placement.status, placement.start_date) == ("offer", None)
    assert audit_actions(candidate.id)[-1] == "placement_make_offer"

    with transaction():
        placements.fire(staff, placement.id, "accept", start_date=START)
    placement = reload(Placement, placement.id)
    assert (placement.status, placement.start_date) == ("accepted", START)

    # the placement's steps never move the candidate's phase on their own
    assert reload(Candidate, candidate.id).phase == "company_placement"
    # … not from a form whose confirmation box was left empty …
    with pytest.raises(Refused, match="Tick the box"), transaction():
        workflow.fire(
            staff, candidate.id, "confirm_placement", expected_version=None, confirmed=False
        )
    assert reload(Placement, placement.id).status == "accepted"
    # … and confirming the candidate's placement starts the placement
    with transaction():
        workflow.fire(
            staff, candidate.id, "confirm_placement", expected_version=None, confirmed=True
        )
    placement = reload(Placement, placement.id)
    assert (placement.status, placement.start_date) == ("started", START)
    assert placement.decided_at is not None
    assert reload(Candidate, candidate.id).phase == "placed"

    assert audit_actions(candidate.id) == [
        "placement_recorded",
        "placement_schedule_interview",
        "placement_make_offer",
        "placement_accept",
        "placement_start",
        "confirm_placement",
    ]
    rows = db.session.scalars(
        select(AuditEvent).where(
            AuditEvent.candidate_id == candidate.id, AuditEvent.action.like("placement_%")
        )
    ).all()
    for row in rows:
        assert row.actor_id == staff.id
        phase = "placed" if row.action == "placement_start" else "company_placement"
        assert (row.from_phase, row.to_phase) == (phase, phase)
        assert row.detail == f"Kempen Zonnewarmte: {TITLE}"
        assert row.reason is None


def test_without_an_interview_date_the_placement_stays_proposed(staff, candidate, project):
    placement = propose(staff, candidate, project)
    assert reload(Placement, placement.id).status == "proposed"
    with pytest.raises(Refused) as refused, transaction():
        placements.fire(staff, placement.id, "schedule_interview")
    assert any("interview" in detail for detail in refused.value.details)
    assert reload(Placement, placement.id).status == "proposed"
    assert audit_actions(candidate.id) == ["placement_recorded"]
    interview_at = soon(5)
    with transaction():
        placements.fire(staff, placement.id, "schedule_interview", interview_at=interview_at)
    placement = reload(Placement, placement.id)
    assert (placement.status, placement.interview_at) == ("interview", interview_at)
    assert audit_actions(candidate.id) == ["placement_recorded", "placement_schedule_interview"]


def test_a_start_date_recorded_with_the_proposal_is_enough_to_accept(staff, candidate, project):
    placement = propose(staff, candidate, project, interview_at=held(), start_date=START)
    walk_to(staff, placement, "offer")
    with transaction():
        placements.fire(staff, placement.id, "accept")
    assert reload(Placement, placement.id).start_date == START


@pytest.mark.parametrize(
    ("status", "trigger", "kwargs", "error"),
    [
        ("interview", "start", {}, Conflict),  # not from this status
        ("offer", "schedule_interview", {"interview_at": soon()}, Conflict),
        ("accepted", "decline", {"reason": "Changed mind"}, Conflict),  # only withdraw
        ("started", "withdraw", {"reason": "Left after a week"}, Conflict),  # terminal
        ("interview", "hire", {}, NotFound),  # unknown trigger
        ("interview", "decline", {"reason": "   "}, Refused),  # reason guard
        ("offer", "withdraw", {}, Refused),
        ("offer", "accept", {}, Refused),  # start date guard
    ],
)
def test_refused_steps_write_nothing(staff, candidate, project, status, trigger, kwargs, error):
    placement = walk_to(staff, propose(staff, candidate, project), status)
    before = audit_actions(candidate.id)
    snapshot = reload(Placement, placement.id)
    state = (snapshot.status, snapshot.decided_at, snapshot.start_date, snapshot.closed_reason)
    with pytest.raises(error), transaction():
        placements.fire(staff, placement.id, trigger, **kwargs)
    after = reload(Placement, placement.id)
    assert (after.status, after.decided_at, after.start_date, after.closed_reason) == state
    assert audit_actions(candidate.id) == before


def test_unknown_placement_is_not_found(staff):
    with pytest.raises(NotFound), transaction():
        placements.fire(staff, 987654, "make_offer")


# -- seats ----------------------------------------------------------------------------------


@pytest.mark.parametrize("taken_by", ["accepted", "started"])
def test_seat_guard_refuses_accepting_on_a_full_project(staff, mentor, candidate, project,
                                                        taken_by):  # fmt: skip
    rival = make_candidate(phase="company_placement", mentor=mentor, signed_off_at=utcnow())
    theirs = walk_to(staff, propose(staff, rival, project), taken_by)
    ours = walk_to(staff, propose(staff, candidate, project), "offer")
    before = audit_actions(candidate.id)

    with pytest.raises(Refused) as refused, transaction():
        placements.fire(staff, ours.id, "accept", start_date=START)
    assert refused.value.status == 422
    assert any("seats" in detail for detail in refused.value.details)
    ours = reload(Placement, ours.id)
    assert (ours.status, ours.start_date) == ("offer", None)
    assert audit_actions(candidate.id) == before

    if taken_by == "started":  # a started placement is final: its seat stays taken
        with pytest.raises(Conflict), transaction():
            placements.fire(staff, theirs.id, "withdraw", reason="Rival left")
        return
    # An accepted seat comes free when that placement is withdrawn.
    with transaction():
        placements.fire(staff, theirs.id, "withdraw", reason="Rival took another job")
    with transaction():
        placements.fire(staff, ours.id, "accept", start_date=START)
    assert reload(Placement, ours.id).status == "accepted"


def test_open_placements_on_the_project_do_not_hold_a_seat(staff, mentor, candidate, project):
    rival = make_candidate(phase="company_placement", mentor=mentor, signed_off_at=utcnow())
    walk_to(staff, propose(staff, rival, project), "offer")
    ours = walk_to(staff, propose(staff, candidate, project), "offer")
    with transaction():
        placements.fire(staff, ours.id, "accept", start_date=START)
    assert reload(Placement, ours.id).status == "accepted"


def test_an_accepted_placement_does_not_take_its_own_seat(staff, candidate, project):
    placement = walk_to(staff, propose(staff, candidate, project), "accepted")
    with transaction():
        workflow.fire(staff, candidate.id, "confirm_placement", expected_version=None)
    assert reload(Placement, placement.id).status == "started"


def test_placement_without_a_project_has_a_seat(staff, candidate, company):
    with transaction():
        placement = candidates.record_placement(
            staff, candidate.id, company_id=company.id, project_title="Spontaneous application"
        )
    walk_to(staff, placement, "started")


# -- feeding back into the onboarding -------------------------------------------------------


def test_confirm_placement_needs_an_accepted_placement(staff, candidate, project):
    placement = propose(staff, candidate, project, interview_at=held())
    for status in ("interview", "offer"):
        walk_to(staff, reload(Placement, placement.id), status)
        with pytest.raises(Refused), transaction():
            workflow.fire(staff, candidate.id, "confirm_placement", expected_version=None)
        assert reload(Candidate, candidate.id).phase == "company_placement"
    walk_to(staff, reload(Placement, placement.id), "accepted")
    with transaction():
        workflow.fire(staff, candidate.id, "confirm_placement", expected_version=None)
    assert reload(Candidate, candidate.id).phase == "placed"
    assert reload(Placement, placement.id).status == "started"
    assert audit_actions(candidate.id)[-2:] == ["placement_start", "confirm_placement"]


def test_confirm_placement_allowed_after_the_placement_started(staff, candidate, project):
    """A placement started earlier (before `start` became automatic) still meets the guard."""
    placement = walk_to(staff, propose(staff, candidate, project), "accepted")
    with transaction():
        placements.fire(staff, placement.id, "start", follow_up=True)
    with transaction():
        workflow.fire(staff, candidate.id, "confirm_placement", expected_version=None)
    assert reload(Candidate, candidate.id).phase == "placed"
    assert reload(Placement, placement.id).status == "started"


def test_declined_placement_lets_the_desk_send_the_candidate_back(staff, candidate, project):
    other_company = make_company("Hasselt Hydrogen", municipality="Hasselt")
    declined = propose(staff, candidate, project, interview_at=soon())
    with transaction():
        proposed = candidates.record_placement(
            staff, candidate.id, company_id=other_company.id, project_title="Electrolyser tests"
        )
    at_offer = walk_to(
        staff,
        candidates.record_placement(
            staff, candidate.id, company_id=other_company.id, project_title="Grid study"
        ),
        "offer",
    )

    with transaction():
        placements.fire(staff, declined.id, "decline", reason="  Salary too low ")
    row = reload(Placement, declined.id)
    assert (row.status, row.closed_reason) == ("declined", "Salary too low")
    audit = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "placement_decline")
    ).one()
    assert (audit.candidate_id, audit.reason) == (candidate.id, "Salary too low")
    with pytest.raises(Refused), transaction():  # confirm is still impossible
        workflow.fire(staff, candidate.id, "confirm_placement", expected_version=None)
    with pytest.raises(Refused), transaction():  # falling through needs a reason
        workflow.fire(staff, candidate.id, "placement_fell_through", expected_version=None)

    with transaction():
        workflow.fire(
            staff,
            candidate.id,
            "placement_fell_through",
            expected_version=None,
            reason="Declined by the candidate",
        )
    assert reload(Candidate, candidate.id).phase == "mentoring"
    # every other live placement is withdrawn with the reason; the declined one stays declined
    for placement_id in (proposed.id, at_offer.id):
        row = reload(Placement, placement_id)
        assert (row.status, row.closed_reason) == ("withdrawn", "Declined by the candidate")
        assert row.decided_at is not None
    row = reload(Placement, declined.id)
    assert (row.status, row.closed_reason) == ("declined", "Salary too low")
    assert audit_actions(candidate.id)[-1] == "placement_fell_through"


def test_falling_through_withdraws_an_accepted_placement_too(staff, candidate, project):
    placement = walk_to(staff, propose(staff, candidate, project), "accepted")
    with transaction():
        workflow.fire(
            staff,
            candidate.id,
            "placement_fell_through",
            expected_version=None,
            reason="Visa refused",
        )
    row = reload(Placement, placement.id)
    assert (row.status, row.closed_reason) == ("withdrawn", "Visa refused")
    assert reload(Candidate, candidate.id).phase == "mentoring"


# -- reminders ------------------------------------------------------------------------------


def test_interview_date_creates_a_reminder_and_declining_cancels_it(staff, candidate, project):
    interview_at = soon(4)
    placement = propose(staff, candidate, project, interview_at=interview_at)
    (reminder,) = interview_reminders(candidate.id)
    assert reminder.status == "pending"
    assert reminder.recipient_id == candidate.user_id
    assert reminder.due_at == interview_at - timedelta(days=1)

    with transaction():
        placements.fire(staff, placement.id, "decline", reason="Company chose someone else")
    (reminder,) = interview_reminders(candidate.id)
    assert reminder.status == "cancelled"
    assert reminder.cancelled_at is not None
    assert interview_reminders(candidate.id, "pending") == []


def test_scheduling_the_interview_later_creates_the_reminder(staff, candidate, project):
    placement = propose(staff, candidate, project)
    assert interview_reminders(candidate.id) == []
    interview_at = soon(6)
    with transaction():
        placements.fire(staff, placement.id, "schedule_interview", interview_at=interview_at)
    (reminder,) = interview_reminders(candidate.id, "pending")
    assert reminder.due_at == interview_at - timedelta(days=1)
    with transaction():
        placements.fire(staff, placement.id, "withdraw", reason="Project postponed")
    assert interview_reminders(candidate.id, "pending") == []


def test_refused_step_leaves_the_reminder_alone(staff, candidate, project):
    placement = propose(staff, candidate, project, interview_at=soon())
    with pytest.raises(Refused), transaction():
        placements.fire(staff, placement.id, "decline", reason="")
    assert [r.status for r in interview_reminders(candidate.id)] == ["pending"]


# -- who may fire ---------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["own_mentor", "other_mentor", "the_candidate"])
@pytest.mark.parametrize(
    ("trigger", "kwargs"),
    [("make_offer", {}), ("decline", {"reason": "No"}), ("hire", {})],
)
def test_only_staff_may_fire(staff, mentor, candidate, project, who, trigger, kwargs):
    actor = {
        "own_mentor": mentor,
        "other_mentor": make_user("mentor"),
        "the_candidate": candidate.user,
    }[who]
    placement = propose(staff, candidate, project, interview_at=soon())
    before = audit_actions(candidate.id)
    with pytest.raises(Forbidden), transaction():
        placements.fire(actor, placement.id, trigger, **kwargs)
    assert reload(Placement, placement.id).status == "interview"
    assert audit_actions(candidate.id) == before


@pytest.mark.parametrize("who", ["own_mentor", "the_candidate"])
def test_only_staff_may_record_a_placement(mentor, candidate, project, who):
    actor = mentor if who == "own_mentor" else candidate.user
    with pytest.raises(Forbidden), transaction():
        candidates.record_placement(
            actor, candidate.id, company_id=project.company_id, project_title="x",
            project_id=project.id, interview_at=soon(),
        )  # fmt: skip
    assert db.session.scalars(select(Placement)).all() == []
    assert audit_actions(candidate.id) == []


# -- one live placement per project (or company and title) ----------------------------------


def placement_rows(candidate_id: int) -> list[Placement]:
    db.session.expire_all()
    return list(
        db.session.scalars(
            select(Placement).where(Placement.candidate_id == candidate_id).order_by(Placement.id)
        )
    )


@pytest.mark.parametrize("status", ["proposed", "interview", "offer", "accepted"])
def test_a_second_live_placement_for_the_same_project_is_refused(staff, candidate, project, status):
    first = walk_to(staff, propose(staff, candidate, project), status)
    before = audit_actions(candidate.id)
    with pytest.raises(Refused) as refused:
        propose(staff, candidate, project)
    assert refused.value.status == 422
    assert refused.value.message == (
        f"{candidate.name} already has a placement in progress for “{TITLE}” at Kempen Zonnewarmte."
    )
    assert [p.id for p in placement_rows(candidate.id)] == [first.id]
    assert audit_actions(candidate.id) == before


@pytest.mark.parametrize("closing", ["decline", "withdraw"])
def test_after_a_closed_placement_the_candidate_may_be_proposed_again(
    staff, candidate, project, closing
):
    first = propose(staff, candidate, project)
    with transaction():
        placements.fire(staff, first.id, closing, reason="Not this time")
    again = propose(staff, candidate, project)
    assert [(p.id, p.status) for p in placement_rows(candidate.id)] == [
        (first.id, "declined" if closing == "decline" else "withdrawn"),
        (again.id, "proposed"),
    ]


def test_the_project_title_typed_in_does_not_make_a_second_placement_possible(
    staff, candidate, project
):
    propose(staff, candidate, project)
    with pytest.raises(Refused), transaction():
        candidates.record_placement(
            staff, candidate.id, company_id=project.company_id, project_title="Other words",
            project_id=project.id,
        )  # fmt: skip
    assert len(placement_rows(candidate.id)) == 1


def record_without_project(staff, candidate, company, title: str) -> Placement:
    with transaction():
        return candidates.record_placement(
            staff, candidate.id, company_id=company.id, project_title=title
        )


def test_without_a_project_the_same_company_and_title_is_refused(staff, candidate, company):
    first = record_without_project(staff, candidate, company, "Spontaneous application")
    with pytest.raises(Refused) as refused:
        record_without_project(staff, candidate, company, "  Spontaneous application ")
    assert "“Spontaneous application” at Kempen Zonnewarmte" in refused.value.message
    # another title, or the same title at another company, is another placement
    record_without_project(staff, candidate, company, "Summer internship")
    record_without_project(staff, candidate, make_company("Hasselt Hydrogen"),
                           "Spontaneous application")  # fmt: skip
    assert len(placement_rows(candidate.id)) == 3
    assert placement_rows(candidate.id)[0].id == first.id


def test_a_placement_with_neither_project_nor_title_is_refused(staff, candidate, company):
    with pytest.raises(Refused) as refused:
        record_without_project(staff, candidate, company, "   ")
    assert refused.value.status == 422
    assert refused.value.message == "Choose a project or give the project a title."
    assert placement_rows(candidate.id) == []
    assert audit_actions(candidate.id) == []


def test_other_candidates_may_be_proposed_for_the_same_project(staff, mentor, candidate,
                                                                project):  # fmt: skip
    other = make_candidate(phase="company_placement", mentor=mentor, signed_off_at=utcnow())
    propose(staff, candidate, project)
    propose(staff, other, project)
    assert len(placement_rows(candidate.id)) == len(placement_rows(other.id)) == 1


@pytest.mark.parametrize("with_project", [True, False], ids=["project", "title"])
def test_a_duplicate_the_check_missed_is_refused_by_the_database(
    staff, candidate, project, monkeypatch, with_project
):
    """Two requests at once both find no live placement; the partial unique index refuses
    the second insert, and the service turns that into the same translated refusal."""
    kwargs = {"project_id": project.id, "project_title": ""} if with_project else {
        "project_title": "Heat pumps"}  # fmt: skip
    with transaction():
        candidates.record_placement(staff, candidate.id, company_id=project.company_id, **kwargs)
    monkeypatch.setattr(placements, "refuse_duplicate", lambda *args: None)  # the race
    with pytest.raises(Refused) as refused, transaction():
        candidates.record_placement(staff, candidate.id, company_id=project.company_id, **kwargs)
    assert refused.value.status == 422
    assert "already has a placement in progress" in refused.value.message
    assert len(placement_rows(candidate.id)) == 1
    assert audit_actions(candidate.id) == ["placement_recorded"]


@pytest.mark.postgres
def test_concurrent_proposals_for_one_project_on_postgresql(fresh_pg_app):
    """Two desks propose the same candidate for the same project at the same moment: one
    placement is recorded, the other desk is refused with the message (never a 500)."""
    app = fresh_pg_app
    rounds = 10
    with app.app_context():
        staff_a, staff_b = make_user("staff"), make_user("staff")
        mentor = make_user("mentor")
        company = make_company("Kempen Zonnewarmte")
        ids = [
            make_candidate(phase="company_placement", mentor=mentor, signed_off_at=utcnow()).id
            for _ in range(rounds)
        ]
        project = Project(company=company, title=TITLE, seats=1, is_open=True)
        db.session.add(project)
        db.session.commit()
        project_id, company_id, actors = project.id, company.id, (staff_a.id, staff_b.id)
        db.session.remove()

    outcomes: dict[int, list[str]] = {cid: [] for cid in ids}

    def act(actor_id: int, candidate_id: int, barrier: threading.Barrier) -> None:
        with app.app_context():
            actor = db.session.get(User, actor_id)
            db.session.commit()
            barrier.wait(timeout=10)
            try:
                with transaction():
                    candidates.record_placement(
                        actor, candidate_id, company_id=company_id, project_title="",
                        project_id=project_id,
                    )  # fmt: skip
                outcomes[candidate_id].append("recorded")
            except Refused as error:
                assert "already has a placement in progress" in error.message
                outcomes[candidate_id].append("refused")
            finally:
                db.session.remove()

    for cid in ids:
        barrier = threading.Barrier(2)
        threads = [threading.Thread(target=act, args=(a, cid, barrier)) for a in actors]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)

    with app.app_context():
        for cid in ids:
            assert sorted(outcomes[cid]) == ["recorded", "refused"], (cid, outcomes[cid])
            rows = db.session.scalars(select(Placement).where(Placement.candidate_id == cid)).all()
            assert len(rows) == 1
            actions = db.session.scalars(
                select(AuditEvent.action).where(AuditEvent.candidate_id == cid)
            ).all()
            assert actions == ["placement_recorded"]
        db.session.remove()


# -- the interview comes first; confirming the placement starts it ----------------------------


@pytest.fixture
def clock(monkeypatch):
    """`clock(moment)` moves the services' "now" (placements, onboarding, reminders)."""
    import onboarding.services.placements as placement_service
    import onboarding.services.reminders.scheduling as scheduling
    import onboarding.services.workflow as workflow_service

    def move(moment):
        for module in (placement_service, scheduling, workflow_service):
            monkeypatch.setattr(module, "utcnow", lambda: moment)

    return move


def test_no_offer_before_the_interview(staff, candidate, project, clock):
    interview_at = soon(2)
    placement = propose(staff, candidate, project, interview_at=interview_at)
    before = audit_actions(candidate.id)
    with pytest.raises(Refused) as refused, transaction():
        placements.fire(staff, placement.id, "make_offer")
    assert refused.value.status == 422
    assert refused.value.details == [
        "The interview has not taken place yet: an offer can only follow it."
    ]
    assert reload(Placement, placement.id).status == "interview"
    assert audit_actions(candidate.id) == before

    clock(interview_at + timedelta(hours=1))  # the interview has taken place
    with transaction():
        placements.fire(staff, placement.id, "make_offer")
    assert reload(Placement, placement.id).status == "offer"


def test_moving_past_the_interview_cancels_its_reminder(staff, candidate, project, clock):
    interview_at = soon(4)
    placement = propose(staff, candidate, project, interview_at=interview_at)
    assert [r.status for r in interview_reminders(candidate.id)] == ["pending"]
    clock(interview_at + timedelta(hours=3))
    with transaction():
        placements.fire(staff, placement.id, "make_offer")
    assert interview_reminders(candidate.id, "pending") == []
    assert [r.status for r in interview_reminders(candidate.id)] == ["cancelled"]


def test_a_placement_cannot_be_confirmed_before_its_interview(staff, candidate, company):
    """An accepted placement whose interview is still ahead (recorded before the offer had
    to wait for the interview) does not let the desk place the candidate."""
    placement = Placement(
        candidate_id=candidate.id, company_id=company.id, project_title=TITLE,
        start_date=START, interview_at=soon(5), status="accepted",
    )  # fmt: skip
    db.session.add(placement)
    db.session.commit()
    with pytest.raises(Refused) as refused, transaction():
        workflow.fire(staff, candidate.id, "confirm_placement", expected_version=None)
    assert refused.value.details == [
        "The interview for the accepted placement has not taken place yet."
    ]
    assert reload(Candidate, candidate.id).phase == "company_placement"
    assert reload(Placement, placement.id).status == "accepted"
    assert audit_actions(candidate.id) == []


def test_confirming_the_placement_starts_it_and_nothing_else(staff, candidate, project):
    accepted = walk_to(staff, propose(staff, candidate, project), "accepted")
    other = record_without_project(staff, candidate, make_company("Hasselt Hydrogen"), "Grid")
    with transaction():
        workflow.fire(staff, candidate.id, "confirm_placement", expected_version=None)
    assert reload(Candidate, candidate.id).phase == "placed"
    assert reload(Placement, accepted.id).status == "started"
    assert reload(Placement, other.id).status == "proposed"  # not the onboarding's business
    start = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "placement_start")
    ).one()
    assert (start.candidate_id, start.actor_id, start.to_phase) == (
        candidate.id, staff.id, "placed"
    )  # fmt: skip


def test_the_desk_cannot_start_a_placement_by_hand(staff, candidate, project):
    placement = walk_to(staff, propose(staff, candidate, project), "accepted")
    before = audit_actions(candidate.id)
    with pytest.raises(Conflict) as conflict, transaction():
        placements.fire(staff, placement.id, "start")
    assert conflict.value.status == 409
    assert conflict.value.message == (
        "A placement starts when the desk confirms the placement of the candidate."
    )
    assert reload(Placement, placement.id).status == "accepted"
    assert reload(Candidate, candidate.id).phase == "company_placement"
    assert audit_actions(candidate.id) == before


def test_a_candidate_accepts_one_placement_at_a_time(staff, candidate, project):
    first = walk_to(staff, propose(staff, candidate, project), "accepted")
    second = walk_to(
        staff, record_without_project(staff, candidate, make_company("Lommel Labs"), "Pilot"),
        "offer",
    )  # fmt: skip
    with pytest.raises(Refused) as refused, transaction():
        placements.fire(staff, second.id, "accept", start_date=START)
    assert refused.value.details == ["The candidate has already accepted another placement."]
    assert reload(Placement, second.id).status == "offer"
    with transaction():
        placements.fire(staff, first.id, "withdraw", reason="Chose the other company")
    with transaction():
        placements.fire(staff, second.id, "accept", start_date=START)
    assert reload(Placement, second.id).status == "accepted"
