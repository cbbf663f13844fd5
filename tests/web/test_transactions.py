"""The request is the unit of work: one commit when the view answers below 400, a rollback
on an exception or an error answer, StaleDataError as the translated 409 anywhere in the
request, and side effects (emails, files) only after a commit."""

from __future__ import annotations

from datetime import date

import pytest
from flask import Flask
from sqlalchemy import func, select, text
from sqlalchemy.exc import OperationalError

from onboarding import create_app
from onboarding.db import after_commit, after_rollback, transaction
from onboarding.extensions import db
from onboarding.models import AuditEvent, Candidate, Partner, User
from onboarding.services import reminders
from onboarding.services.errors import Conflict, Refused
from tests.conftest import migrate_fresh, test_config
from tests.factories import REGISTRATION_FORM, make_candidate, make_user


def partner(name: str) -> Partner:
    return Partner(name=name, kind="lead", contact_name="Selma", contact_email="s@example.org")


@pytest.fixture
def bare_app(tmp_path, smtp_server) -> Flask:
    """An app of its own on a fresh SQLite file, with routes that write and then answer."""
    app = create_app(
        test_config(f"sqlite:///{tmp_path / 'uow.sqlite3'}", smtp_server.port),
        instance_path=str(tmp_path / "instance"),
    )
    app.config["PROPAGATE_EXCEPTIONS"] = False  # answer a crash with the 500 page
    migrate_fresh(app)
    events: list[str] = []

    def write(name: str) -> None:
        db.session.add(partner(name))
        db.session.flush()
        after_commit(lambda: events.append(f"committed {name}"))
        after_rollback(lambda: events.append(f"rolled back {name}"))

    @app.post("/ok")
    def ok():
        write("ok")
        return "", 204

    @app.post("/redirect")
    def redirected():
        write("redirect")
        return "", 302, {"Location": "/"}

    @app.post("/unprocessable")
    def unprocessable():
        write("unprocessable")
        return "form with errors", 422

    @app.post("/refused")
    def refused():
        write("refused")
        raise Refused("no")

    @app.post("/crash")
    def crash():
        write("crash")
        raise RuntimeError("bug")

    app.extensions["test_events"] = events
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.mark.parametrize(
    ("path", "status", "kept"),
    [
        ("/ok", 204, True),
        ("/redirect", 302, True),
        ("/unprocessable", 422, False),
        ("/refused", 422, False),
        ("/crash", 500, False),
    ],
)
def test_the_answer_decides_commit_or_rollback(bare_app, path, status, kept):
    name = path.strip("/")
    assert bare_app.test_client().post(path).status_code == status
    with bare_app.app_context():
        stored = db.session.scalar(select(func.count(Partner.id)).where(Partner.name == name))
    assert stored == (1 if kept else 0)
    events = bare_app.extensions["test_events"]
    assert events == [f"committed {name}"] if kept else [f"rolled back {name}"]


def test_a_failing_after_commit_callback_does_not_undo_the_answer(bare_app):
    @bare_app.post("/noisy")
    def noisy():
        db.session.add(partner("noisy"))
        after_commit(lambda: 1 / 0)
        return "", 204

    assert bare_app.test_client().post("/noisy").status_code == 204
    with bare_app.app_context():
        assert db.session.scalar(select(func.count(Partner.id))) == 1


def test_transaction_commits_or_rolls_back_for_commands_and_jobs(ctx):
    with transaction():
        db.session.add(partner("kept"))
    with pytest.raises(Refused), transaction():
        db.session.add(partner("dropped"))
        db.session.flush()
        raise Refused("no")
    names = db.session.scalars(select(Partner.name)).all()
    assert names == ["kept"]


def test_a_version_conflict_anywhere_in_the_request_is_a_409_and_saves_nothing(
    app, client, login, data, monkeypatch
):
    """Someone else saves the candidate while this request is half-way: the flush inside
    the service meets the newer version and the whole request becomes the 409 page."""
    with data():
        staff = make_user("staff", locale="nl")
        candidate = make_candidate()
        candidate_id, version, email = candidate.id, candidate.version_id, staff.email
    real = reminders.reschedule

    def someone_else_saves_first(candidate, now=None):
        # On the connection, not through the session: no autoflush of this request's change.
        db.session.connection().execute(
            text("UPDATE candidates SET version_id = version_id + 1 WHERE id = :id"),
            {"id": candidate_id},
        )
        real(candidate, now)

    login(client, email)
    monkeypatch.setattr(reminders, "reschedule", someone_else_saves_first)
    response = client.post(
        f"/desk/candidates/{candidate_id}/transition",
        data={"trigger": "start_immersion", "version": version, "start_date": "2026-12-07"},
    )
    assert response.status_code == 409
    assert "Iemand anders" in response.get_data(as_text=True)  # the translated conflict page
    monkeypatch.undo()
    with data():
        row = db.session.get(Candidate, candidate_id)
        assert (row.phase, row.immersion_start) == ("outreach", None)
        actions = db.session.scalars(
            select(AuditEvent.action).where(AuditEvent.candidate_id == candidate_id)
        ).all()
        assert "start_immersion" not in actions


def test_the_invitation_is_emailed_only_after_the_registration_committed(
    app, client, login, data, outbox, monkeypatch
):
    with data():
        email = make_user("staff").email
    login(client, email)
    form = REGISTRATION_FORM
    real_commit = db.session.commit

    def commit_fails():
        raise OperationalError("COMMIT", {}, Exception("disk I/O error"))

    monkeypatch.setitem(app.config, "PROPAGATE_EXCEPTIONS", False)
    monkeypatch.setattr(db.session, "commit", commit_fails)
    assert client.post("/desk/candidates/new", data=form).status_code == 500
    monkeypatch.setattr(db.session, "commit", real_commit)
    assert outbox.messages == []  # no link was sent for an account that does not exist
    with data():
        assert (
            db.session.scalar(select(func.count(User.id)).where(User.email == form["email"])) == 0
        )

    assert client.post("/desk/candidates/new", data=form).status_code == 302
    (message,) = outbox.messages
    assert message["To"] == form["email"]
    assert message["Content-Language"] == "af"


def test_stale_data_at_commit_is_the_conflict(ctx):
    candidate = make_candidate()
    candidate_id = candidate.id
    db.session.execute(
        text("UPDATE candidates SET version_id = version_id + 1 WHERE id = :id"),
        {"id": candidate_id},
    )
    with pytest.raises(Conflict), transaction():
        candidate.graduation_date = date(2024, 1, 1)
    assert db.session.get(Candidate, candidate_id).graduation_date != date(2024, 1, 1)


def test_a_refused_side_form_shows_what_is_stored_not_what_the_service_tried(client, login, data):
    """assign_mentor sets the new mentor and flushes before it counts her mentees; when she
    is full the page drawn again must show the mentor the candidate still has."""
    with data():
        staff = make_user("staff")
        current = make_user("mentor", name="Anneke Current")
        full = make_user("mentor", name="Busisiwe Full", mentor_capacity=1)
        make_candidate(phase="mentoring", mentor=full)
        candidate = make_candidate(phase="mentoring", mentor=current)
        candidate_id, version, full_id, email = (
            candidate.id,
            candidate.version_id,
            full.id,
            staff.email,
        )
    login(client, email)
    response = client.post(
        f"/desk/candidates/{candidate_id}/mentor", data={"mentor_id": full_id, "version": version}
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "<dt>Mentor</dt><dd>Anneke Current</dd>" in page.replace("\n", "")
    with data():
        assert db.session.get(Candidate, candidate_id).mentor_id != full_id


def test_end_read_releases_a_reading_transaction_but_never_drops_a_write(bare_app):
    from onboarding.db import end_read

    with bare_app.app_context():
        with transaction():
            db.session.scalar(select(func.count(Partner.id)))
            end_read()
            assert not db.session().in_transaction()  # nothing held during the slow work
            db.session.add(partner("written"))
            db.session.flush()
            end_read()  # after a write: the transaction must stay, to commit as one
            assert db.session().in_transaction()
            db.session.add(partner("second"))
        names = sorted(db.session.scalars(select(Partner.name)))
    assert names == ["second", "written"]
