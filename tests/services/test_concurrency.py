"""Two people acting on one candidate at once: exactly one wins, the other gets a conflict,
and the audit trail matches the final state."""

import os
import threading

import pytest
from sqlalchemy import func, select

from onboarding.db import transaction
from onboarding.extensions import db
from onboarding.models import AuditEvent, Candidate, User
from onboarding.services import candidates, workflow
from onboarding.services.errors import Conflict
from tests.factories import make_candidate, make_user


def test_lost_update_becomes_conflict(app, rollback):
    """Two sessions load the same version; the second commit is refused, nothing is lost."""
    with app.app_context():
        staff = make_user("staff")
        mentor = make_user("mentor")
        candidate_id, staff_id, mentor_id = make_candidate().id, staff.id, mentor.id
        db.session.remove()
    first, second = app.app_context(), app.app_context()
    with first:
        slow = db.session.get(Candidate, candidate_id)
        slow_version = slow.version_id
        # Keep the row as loaded (old version) while this session's read transaction ends,
        # as a form rendered earlier would; the tests share one connection, so an open
        # savepoint here would otherwise swallow the other session's work.
        db.session.expunge(slow)
        db.session.rollback()
        with second:
            with transaction():
                workflow.fire(
                    db.session.get(User, staff_id),
                    candidate_id,
                    "pause",
                    expected_version=None,
                    reason="Waiting for the visa.",
                )
            db.session.remove()
        with pytest.raises(Conflict), transaction():  # the commit finds the newer version
            db.session.add(slow)
            slow.mentor_id = mentor_id
        db.session.remove()
    with app.app_context():
        fresh = db.session.get(Candidate, candidate_id)
        assert fresh.phase == "on_hold"
        assert fresh.mentor_id is None
        assert fresh.version_id == slow_version + 1
        db.session.remove()


def test_assign_mentor_with_stale_form_version_is_a_conflict(ctx):
    staff, mentor = make_user("staff"), make_user("mentor")
    candidate = make_candidate()
    seen = candidate.version_id
    with transaction():
        workflow.fire(
            staff, candidate.id, "pause", expected_version=seen, reason="Waiting for the visa."
        )
    with pytest.raises(Conflict), transaction():
        candidates.assign_mentor(staff, candidate.id, mentor.id, seen)


ROUNDS = int(os.environ.get("RACE_ROUNDS", "25"))


@pytest.mark.postgres
def test_simultaneous_conflicting_triggers_on_postgresql(fresh_pg_app):
    pg_app = fresh_pg_app
    with pg_app.app_context():
        staff_a, staff_b = make_user("staff"), make_user("staff")
        ids = [make_candidate().id for _ in range(ROUNDS)]
        actors = (staff_a.id, staff_b.id)
        db.session.remove()

    outcomes: dict[int, dict[str, str]] = {cid: {} for cid in ids}

    def act(actor_id: int, trigger: str, kwargs: dict, barrier: threading.Barrier, cid: int):
        with pg_app.app_context():
            actor = db.session.get(User, actor_id)
            version = db.session.get(Candidate, cid).version_id
            db.session.commit()  # end the read transaction; the service opens its own
            barrier.wait(timeout=10)
            try:
                with transaction():
                    workflow.fire(actor, cid, trigger, expected_version=version, **kwargs)
                outcomes[cid][trigger] = "won"
            except Conflict:
                outcomes[cid][trigger] = "conflict"
            finally:
                db.session.remove()

    for cid in ids:
        barrier = threading.Barrier(2)
        threads = [
            threading.Thread(
                target=act, args=(actors[0], "withdraw", {"reason": "Moved"}, barrier, cid)
            ),
            threading.Thread(target=act, args=(actors[1], "start_immersion", {}, barrier, cid)),
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)

    with pg_app.app_context():
        for cid in ids:
            result = outcomes[cid]
            assert sorted(result.values()) == ["conflict", "won"], (cid, result)
            winner = next(t for t, r in result.items() if r == "won")
            candidate = db.session.get(Candidate, cid)
            rows = db.session.scalars(
                select(AuditEvent).where(AuditEvent.candidate_id == cid)
            ).all()
            assert [r.action for r in rows] == [winner]
            assert candidate.phase == rows[0].to_phase
            assert candidate.version_id == 2
        total = db.session.scalar(select(func.count(AuditEvent.id)))
        assert total == ROUNDS
        db.session.remove()


def test_taking_over_a_mentee_respects_the_new_mentors_capacity(ctx):
    from onboarding.services.errors import Refused

    staff = make_user("staff")
    full = make_user("mentor", mentor_capacity=1)
    make_candidate(phase="mentoring", mentor=full)
    mentee = make_candidate(phase="mentoring", mentor=make_user("mentor"))
    prospect = make_candidate(phase="outreach")
    with pytest.raises(Refused) as refused, transaction():
        candidates.assign_mentor(staff, mentee.id, full.id, None)
    assert full.name in refused.value.details[0]
    db.session.expire_all()
    assert db.session.get(Candidate, mentee.id).mentor_id != full.id
    # Before mentoring starts the assignment is fine; the guard checks again on entry.
    with transaction():
        candidates.assign_mentor(staff, prospect.id, full.id, None)
    assert db.session.get(Candidate, prospect.id).mentor_id == full.id


@pytest.mark.postgres
def test_two_mentees_racing_for_the_last_place_with_one_mentor(fresh_pg_app):
    """Different candidates, same mentor with one free place: the mentor's row lock makes the
    second transaction wait and count the first, so exactly one enters mentoring."""
    from onboarding.services.errors import Refused
    from tests.factories import make_assessment

    app = fresh_pg_app
    rounds = 10
    with app.app_context():
        staff_id = make_user("staff").id
        pairs = []
        for _ in range(rounds):
            mentor = make_user("mentor", mentor_capacity=1)
            ids = []
            for _ in range(2):
                candidate = make_candidate(phase="language_immersion", mentor=mentor)
                make_assessment(candidate, "B2")
                ids.append(candidate.id)
            pairs.append(ids)
        db.session.remove()

    outcomes: dict[int, str] = {}

    def act(cid: int, barrier: threading.Barrier):
        with app.app_context():
            actor = db.session.get(User, staff_id)
            db.session.commit()
            barrier.wait(timeout=10)
            try:
                with transaction():
                    workflow.fire(actor, cid, "complete_immersion", expected_version=None)
                outcomes[cid] = "won"
            except Refused:
                outcomes[cid] = "full"
            finally:
                db.session.remove()

    for ids in pairs:
        barrier = threading.Barrier(2)
        threads = [threading.Thread(target=act, args=(cid, barrier)) for cid in ids]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
        assert sorted(outcomes[cid] for cid in ids) == ["full", "won"], outcomes
    with app.app_context():
        in_mentoring = db.session.scalar(
            select(func.count(Candidate.id)).where(Candidate.phase == "mentoring")
        )
        assert in_mentoring == rounds  # one per mentor, never two
        db.session.remove()
