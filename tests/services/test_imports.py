"""Importing prospects from a CSV file: the preview finds every bad row, the run is all or
nothing, the progress reaches the total, and the real background thread on PostgreSQL."""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import create_engine, func, select, text

from onboarding.db import transaction
from onboarding.extensions import db
from onboarding.models import (
    AuditEvent,
    Campaign,
    Candidate,
    ImportJob,
    Invitation,
    Reminder,
    User,
)
from onboarding.services import candidates, imports, jobs, partners
from onboarding.services.errors import Conflict, Forbidden, Refused
from tests.conftest import PASSWORD
from tests.factories import make_candidate, make_partner, make_user
from tests.mail import text_of

COLUMNS = (
    "name", "email", "country", "origin_institution", "stem_field", "graduation_date",
    "outreach_channel", "language", "consent",
)  # fmt: skip
GOOD_ROWS = [
    ("Hilma Amupolo", "hilma@example.org", "NA", "University of Namibia", "energy",
     "2025-06-30", "partner_referral", "en", "yes"),
    ("Zoë Müller-Nkosi", "zoe@example.org", "za", "Stellenbosch University", "Computer science",
     "2024-12-15", "knowledge_tourism", "af", "no"),
    ("Tendai Moyo", "Tendai@Example.org", "ZW", "University of Zimbabwe", "physics",
     "2025-01-31", "partner_referral", "", ""),
]  # fmt: skip


def csv_bytes(rows, columns=COLUMNS, delimiter=",", encoding="utf-8") -> bytes:
    lines = [delimiter.join(columns), *(delimiter.join(row) for row in rows)]
    return ("\r\n".join(lines) + "\r\n").encode(encoding)


def counts() -> dict[str, int]:
    """Rows per table; the outbox's reminders and its event notifications apart."""
    found = {
        model.__tablename__: db.session.scalar(select(func.count()).select_from(model))
        for model in (User, Candidate, AuditEvent, Invitation, ImportJob)
    }
    for kind, name in (("reminder", "reminders"), ("event", "notifications")):
        found[name] = db.session.scalar(
            select(func.count()).select_from(Reminder).where(Reminder.kind == kind)
        )
    return found


def told_of_failure(before: dict[str, int]) -> dict[str, int]:
    """Nothing of a failed import is left but the starter's notification that it failed."""
    return {**before, "notifications": before["notifications"] + 1}


@pytest.fixture
def world(ctx):
    staff = make_user("staff")
    partner = make_partner(staff=staff)
    campaign = Campaign(name="Windhoek mission", kind="inspiration_mission")
    db.session.add(campaign)
    db.session.commit()
    return staff, partner, campaign


def preview(world, content: bytes, campaign=True) -> ImportJob:
    staff, partner, campaign_row = world
    with transaction():
        return imports.preview(
            staff, filename="prospects.csv", content=content, partner_id=partner.id,
            campaign_id=campaign_row.id if campaign else None,
        )  # fmt: skip


def run(world, job: ImportJob, progress=None) -> ImportJob:
    staff = world[0]
    job_id, staff_id = job.id, staff.id
    with transaction():
        imports.claim(staff, job_id)
    # The suite shares one connection: end this session's read savepoint first, so the
    # import's transaction is not nested inside it.
    db.session.commit()
    with transaction():
        return imports.run_import(job_id, staff_id, progress)


# -- the preview ----------------------------------------------------------------------------


def test_a_good_file_is_previewed_without_saving_anyone(world):
    before = counts()
    job = preview(world, csv_bytes(GOOD_ROWS))
    assert job.status == "previewed"
    assert job.errors == []
    assert job.total_rows == 3
    assert [row["row"] for row in job.rows] == [2, 3, 4]
    assert job.rows[1] == {
        "row": 3, "name": "Zoë Müller-Nkosi", "email": "zoe@example.org", "country_code": "ZA",
        "origin_institution": "Stellenbosch University", "stem_field": "computer_science",
        "graduation_date": "2024-12-15", "outreach_channel": "knowledge_tourism",
        "locale": "af", "consent": False,
    }  # fmt: skip
    assert job.rows[2]["email"] == "tendai@example.org"
    assert job.rows[2]["locale"] == "en"
    assert job.rows[0]["consent"] is True
    assert counts() == {**before, "import_jobs": before["import_jobs"] + 1}


def test_each_bad_row_is_reported_and_nothing_can_be_imported(world):
    make_candidate(email="already@example.org")
    rows = [
        GOOD_ROWS[0],
        ("", "not-an-email", "XX", "UNAM", "rocket_science", "06/30/2025", "radio", "fr",
         "maybe"),
        ("Jan <b>", "hilma@example.org", "NA", "UNAM", "energy", "2025-02-30",
         "partner_referral", "", ""),
        ("Already Here", "already@example.org", "NA", "", "energy", "2025-01-01",
         "partner_referral", "", ""),
        GOOD_ROWS[1],
    ]  # fmt: skip
    before = counts()
    job = preview(world, csv_bytes(rows))
    by_row = {entry["row"]: entry["problems"] for entry in job.errors}
    assert sorted(by_row) == [3, 4, 5]
    codes = {row: sorted((p["column"], p["code"]) for p in problems)
             for row, problems in by_row.items()}  # fmt: skip
    assert codes[3] == sorted([
        ("name", "required"), ("email", "email_invalid"), ("country", "country_unknown"),
        ("stem_field", "choice_invalid"), ("graduation_date", "date_invalid"),
        ("outreach_channel", "choice_invalid"), ("language", "choice_invalid"),
        ("consent", "consent_invalid"),
    ])  # fmt: skip
    assert codes[4] == sorted([
        ("name", "name_invalid"), ("email", "email_repeated"), ("graduation_date", "date_invalid"),
    ])  # fmt: skip
    assert codes[5] == sorted([("origin_institution", "required"), ("email", "email_taken")])
    messages = dict(imports.row_errors(job))
    assert "email: hilma@example.org is already in row 2 of this file." in messages[4]
    assert (
        "email: a person with the address already@example.org is already registered."
        in (messages[5])
    )
    assert any("“06/30/2025” is not a date written as YYYY-MM-DD" in m for m in messages[3])
    assert [row["row"] for row in job.rows] == [2, 6]
    with pytest.raises(Refused), transaction():
        imports.claim(world[0], job.id)
    assert db.session.get(ImportJob, job.id).status == "previewed"
    assert counts() == {**before, "import_jobs": before["import_jobs"] + 1}


@pytest.mark.parametrize(
    ("content", "message"),
    [
        pytest.param(csv_bytes(GOOD_ROWS[:1], encoding="cp1252").replace(b"Hilma", b"H\xe9lma"),
                     "not saved as UTF-8", id="cp1252"),
        pytest.param(csv_bytes(GOOD_ROWS[:2], encoding="latin-1"), "not saved as UTF-8",
                     id="latin-1"),
        pytest.param(csv_bytes(GOOD_ROWS[:1], encoding="utf-16"), "not saved as UTF-8",
                     id="utf-16"),
        pytest.param(b"PK\x03\x04rest-of-a-workbook", "spreadsheet workbook", id="xlsx"),
        pytest.param(b"", "The file is empty.", id="empty"),
        pytest.param(b"\xef\xbb\xbf\r\n \r\n", "The file is empty.", id="blank-lines"),
        pytest.param(csv_bytes([]), "no rows below them", id="header-only"),
        pytest.param(csv_bytes(GOOD_ROWS, columns=("name", "mail", "country")),
                     "lacks these columns: email, origin_institution, stem_field, "
                     "graduation_date, outreach_channel", id="missing-columns"),
    ],
)  # fmt: skip
def test_an_unreadable_file_is_refused_without_a_job(world, content, message):
    before = counts()
    with pytest.raises(Refused) as refused:
        preview(world, content)
    assert message in refused.value.message
    assert counts() == before


def test_size_and_row_limits(world, app, monkeypatch):
    monkeypatch.setitem(app.config, "IMPORT_MAX_ROWS", 2)
    with pytest.raises(Refused, match="The file has 3 rows; at most 2 can be imported"):
        preview(world, csv_bytes(GOOD_ROWS))
    monkeypatch.setitem(app.config, "IMPORT_MAX_BYTES", 100)
    with pytest.raises(Refused, match="larger than"):
        preview(world, csv_bytes(GOOD_ROWS))
    assert db.session.scalar(select(func.count(ImportJob.id))) == 0


def test_semicolons_bom_any_case_headers_and_extra_columns(world):
    columns = ("Name", "Email", "COUNTRY", "Origin Institution", "stem_field", "Graduation date",
               "outreach_channel", "notes")  # fmt: skip
    rows = [(*row[:7], "met at the fair; keen") for row in GOOD_ROWS[:2]]
    content = b"\xef\xbb\xbf" + csv_bytes(
        [[f'"{cell}"' if ";" in cell else cell for cell in row] for row in rows],
        columns=columns, delimiter=";",
    )  # fmt: skip
    job = preview(world, content)
    assert job.errors == []
    assert [row["name"] for row in job.rows] == ["Hilma Amupolo", "Zoë Müller-Nkosi"]


def test_only_an_accepted_partner_and_a_known_campaign(world):
    staff, partner, campaign = world
    with transaction():
        applied = partners.apply(
            partners.Application(
                name="Not yet",
                kind="lead",
                contact_name="Ann Smith",
                contact_email="ann@example.org",
            )
        )
    with pytest.raises(Refused), transaction():
        imports.preview(
            staff,
            filename="p.csv",
            content=csv_bytes(GOOD_ROWS),
            partner_id=applied.id,
            campaign_id=None,
        )
    with pytest.raises(Refused), transaction():
        imports.preview(staff, filename="p.csv", content=csv_bytes(GOOD_ROWS),
                        partner_id=partner.id, campaign_id=999_999)  # fmt: skip


# -- the run --------------------------------------------------------------------------------


def test_a_good_file_imports_every_row_with_its_campaign_and_partner(world, outbox):
    staff, partner, campaign = world
    partner_id, campaign_id = partner.id, campaign.id
    job = preview(world, csv_bytes(GOOD_ROWS))
    before = counts()
    seen: list[tuple[int, int]] = []
    finished = run(world, job, progress=lambda done, total: seen.append((done, total)))
    assert finished.status == "done"
    assert finished.processed_rows == finished.total_rows == 3
    assert finished.failure is None
    assert seen == [(1, 3), (2, 3), (3, 3)]  # the progress ends at the total
    after = counts()
    assert after["users"] - before["users"] == 3
    assert after["candidates"] - before["candidates"] == 3
    assert after["invitations"] - before["invitations"] == 3
    # one "registered" row each, and "consent_recorded" for the one row that said yes
    assert after["audit_events"] - before["audit_events"] == 4
    assert after["reminders"] > before["reminders"]
    imported = db.session.scalars(
        select(Candidate).join(User, Candidate.user_id == User.id).where(
            User.email.in_(["hilma@example.org", "zoe@example.org", "tendai@example.org"]))
    ).all()  # fmt: skip
    assert {c.user.email for c in imported} == {
        "hilma@example.org",
        "zoe@example.org",
        "tendai@example.org",
    }
    assert {(c.campaign_id, c.partner_id) for c in imported} == {(campaign_id, partner_id)}
    zoe = next(c for c in imported if c.user.email == "zoe@example.org")
    assert (zoe.user.locale, zoe.country_code, zoe.consent_at) == ("af", "ZA", None)
    assert zoe.user.role == "candidate" and zoe.user.password_hash is None
    # the invitations go out after the commit, each in the prospect's language
    assert sorted(m["To"] for m in outbox.messages) == [
        "hilma@example.org",
        "tendai@example.org",
        "zoe@example.org",
    ]
    assert all("/invitation/" in text_of(m) for m in outbox.messages)
    assert {m["To"]: m["Content-Language"] for m in outbox.messages}["zoe@example.org"] == "af"


def test_a_row_refused_during_the_run_leaves_nothing(world, outbox):
    """Someone registers the third prospect between the preview and the run."""
    job = preview(world, csv_bytes(GOOD_ROWS))
    make_candidate(email="tendai@example.org")
    before = counts()
    seen: list[int] = []
    finished = run(world, job, progress=lambda done, total: seen.append(done))
    assert finished.status == "failed"
    assert finished.finished_at is not None
    assert seen == [1, 2]  # two rows were registered inside the transaction, then undone
    assert counts() == told_of_failure(before)
    for email in ("hilma@example.org", "zoe@example.org"):
        assert db.session.scalar(select(User).where(User.email == email)) is None
    reason = imports.failure_text(finished)
    assert reason.startswith("Row 4 could not be imported:")
    assert "already registered" in reason
    assert outbox.messages == []


def test_an_unexpected_error_during_the_run_leaves_nothing(world, monkeypatch, outbox):
    job = preview(world, csv_bytes(GOOD_ROWS))
    register = candidates.register
    calls = []

    def flaky(actor, data):
        calls.append(data.email)
        if len(calls) == 2:
            raise RuntimeError("database went away")
        return register(actor, data)

    monkeypatch.setattr(candidates, "register", flaky)
    before = counts()
    finished = run(world, job)
    assert finished.status == "failed"
    assert imports.failure_text(finished) == "An unexpected error stopped the import."
    assert counts() == told_of_failure(before)
    assert outbox.messages == []


def test_a_job_runs_once(world):
    staff = world[0]
    job = preview(world, csv_bytes(GOOD_ROWS[:1]))
    with transaction():
        imports.claim(staff, job.id)
    with pytest.raises(Conflict), transaction():
        imports.claim(staff, job.id)
    with pytest.raises(Conflict), transaction():
        imports.claim(staff, job.id)


def test_only_staff_import(world):
    job = preview(world, csv_bytes(GOOD_ROWS[:1]))
    mentor = make_user("mentor")
    with pytest.raises(Forbidden), transaction():
        imports.claim(mentor, job.id)
    with pytest.raises(Forbidden), transaction():
        imports.preview(mentor, filename="x.csv", content=csv_bytes(GOOD_ROWS),
                        partner_id=world[1].id, campaign_id=None)  # fmt: skip


def test_invitations_that_cannot_be_sent_are_reported_on_a_done_job(world, app, monkeypatch):
    monkeypatch.setitem(app.config, "MAIL_PORT", 1)  # nobody listens there
    finished = run(world, preview(world, csv_bytes(GOOD_ROWS[:2])))
    assert finished.status == "done"
    assert imports.failure_text(finished).startswith("2 invitation emails could not be sent.")
    assert db.session.scalar(select(func.count(Candidate.id)).where(
        Candidate.campaign_id.is_not(None))) == 2  # fmt: skip


def test_the_progress_writer_is_throttled_but_always_writes_the_end(ctx):
    ticks = iter([0.0, 0.1, 0.2, 0.7, 0.8])
    written: list[int] = []

    class Recording(imports.ProgressWriter):
        def write(self, done):
            written.append(done)

    writer = Recording(1, interval=0.5, clock=lambda: next(ticks))
    for done in range(1, 6):
        writer(done, 5)
    assert written == [1, 4, 5]


# -- the real background thread on PostgreSQL -----------------------------------------------


def test_the_worker_shows_progress_from_another_connection(fresh_pg_app, monkeypatch):
    """The worker's import transaction stays open while `processed_rows` is committed on
    the side: another connection sees the progress but none of the prospects until the end,
    and the job page refreshes itself meanwhile."""
    app = fresh_pg_app
    app.config.update(IMPORT_PROGRESS_INTERVAL=0)
    with app.app_context():
        staff = make_user("staff")
        partner = make_partner("UNAM", staff=staff)
        with transaction():
            job = imports.preview(staff, filename="p.csv", content=csv_bytes(GOOD_ROWS),
                                  partner_id=partner.id, campaign_id=None)  # fmt: skip
        job_id, email = job.id, staff.email
        url = app.config["SQLALCHEMY_DATABASE_URI"]
        db.session.remove()

    outside = create_engine(url)
    paused, resume = threading.Event(), threading.Event()
    observed: list[tuple[int, int]] = []
    real_call = imports.ProgressWriter.__call__

    def watched(self, done, total):
        real_call(self, done, total)
        with outside.connect() as connection:
            processed = connection.scalar(
                text("SELECT processed_rows FROM import_jobs WHERE id = :id"), {"id": job_id}
            )
            imported = connection.scalar(
                text("SELECT count(*) FROM users WHERE email LIKE '%@example.org' "
                     "AND role = 'candidate'")
            )  # fmt: skip
        observed.append((processed, imported))
        if done == 2:
            paused.set()
            assert resume.wait(10)

    monkeypatch.setattr(imports.ProgressWriter, "__call__", watched)
    client = app.test_client()
    assert client.post("/login", data={"email": email, "password": PASSWORD}).status_code == 302
    worker = threading.Thread(target=jobs.tick, args=(app,), name="worker")
    try:
        assert client.post(f"/desk/import/{job_id}/run").status_code == 302
        worker.start()  # the worker process's tick, in a thread here
        assert paused.wait(10), "the worker did not report progress"
        page = client.get(f"/desk/import/{job_id}")
        body = page.get_data(as_text=True)
        assert page.headers["Refresh"] == "1"
        assert '<meta http-equiv="refresh" content="1">' in body
        assert '<progress value="2" max="3">' in body
    finally:
        resume.set()
        if worker.is_alive() or worker.ident:
            worker.join(20)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        with outside.connect() as connection:
            status = connection.scalar(
                text("SELECT status FROM import_jobs WHERE id = :id"), {"id": job_id}
            )
        if status != "importing":
            break
        time.sleep(0.05)
    body = client.get(f"/desk/import/{job_id}").get_data(as_text=True)
    outside.dispose()
    assert status == "done"
    # the progress was visible from outside, the prospects only after the commit
    assert observed == [(1, 0), (2, 0), (3, 0)]
    assert 'http-equiv="refresh"' not in body
    assert '<progress value="3" max="3">' in body
    with app.app_context():
        assert db.session.scalar(select(func.count(Candidate.id))) == 3
        assert db.session.get(ImportJob, job_id).processed_rows == 3
        db.session.remove()


# -- the production path: a real engine, not the suite's shared connection -------------------


@pytest.mark.parametrize("taken", [False, True], ids=["all-rows", "third-row-taken"])
def test_an_import_on_a_real_engine_is_all_or_nothing(fresh_app, smtp_server, taken):
    """On a database of its own (`fresh_app`), where commits are real."""
    app = fresh_app
    with app.app_context():
        staff = make_user("staff")
        partner = make_partner("UNAM", staff=staff)
        with transaction():
            job = imports.preview(staff, filename="p.csv", content=csv_bytes(GOOD_ROWS),
                                  partner_id=partner.id, campaign_id=None)  # fmt: skip
        job_id, email = job.id, staff.email
        if taken:
            make_candidate(email="tendai@example.org")
        before = counts()
        db.session.remove()
    smtp_server.clear()
    client = app.test_client()
    assert client.post("/login", data={"email": email, "password": PASSWORD}).status_code == 302
    assert client.post(f"/desk/import/{job_id}/run").status_code == 302
    with app.app_context():
        assert jobs.work() == 1  # the worker process
        db.session.remove()
    with app.app_context():
        job = db.session.get(ImportJob, job_id)
        after = counts()
        if taken:
            assert job.status == "failed"
            assert after == told_of_failure(before)
            assert smtp_server.messages == []
        else:
            assert job.status == "done"
            assert after["candidates"] - before["candidates"] == 3
            assert len(smtp_server.messages) == 3
        db.session.remove()
    smtp_server.clear()
