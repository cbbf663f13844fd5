"""Background jobs: queued in the request's transaction, claimed by the worker with a lease,
done once; a failing job is tried again later and then given up; a crashed worker's job is
taken over when its lease runs out — and, with real processes, a worker killed half-way
through an import leaves nothing behind and the next one imports every row once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from onboarding.db import transaction
from onboarding.extensions import db
from onboarding.models import Candidate, ImportJob, Job, utcnow
from onboarding.services import imports, jobs
from tests.factories import make_partner, make_user

ROOT = Path(__file__).resolve().parents[2]
CALLS: list[dict] = []
GIVEN_UP: list[tuple[dict, str]] = []


@jobs.handler("test-echo", on_failure=lambda payload, why: GIVEN_UP.append((payload, why)))
def echo(payload, beat):
    beat()
    CALLS.append(payload)
    if payload.get("fail"):
        raise RuntimeError("this job always fails")


@pytest.fixture(autouse=True)
def clean_calls():
    CALLS.clear()
    GIVEN_UP.clear()


def job_row(job_id: int) -> Job:
    db.session.expire_all()
    return db.session.get(Job, job_id)


def test_a_queued_job_is_run_once_by_the_worker(ctx):
    with transaction():
        job_id = jobs.enqueue("test-echo", {"n": 1}).id
    assert jobs.work() == 1
    assert CALLS == [{"n": 1}]
    row = job_row(job_id)
    assert (row.status, row.attempts, row.claimed_until) == ("done", 1, None)
    assert row.finished_at is not None
    assert jobs.work() == 0  # nothing left: never twice


def test_the_worker_logs_each_job_as_one_json_line(ctx, json_log):
    with transaction():
        done = jobs.enqueue("test-echo", {"n": 5}).id
        failed = jobs.enqueue("test-echo", {"fail": True}).id
    assert jobs.work() == 2
    lines = {line["job_id"]: line for line in json_log() if line["message"] == "job"}
    assert lines[done]["outcome"] == "done" and lines[done]["kind"] == "test-echo"
    assert lines[done]["attempt"] == 1 and lines[done]["duration_ms"] >= 0
    assert lines[failed]["outcome"] == "failed" and lines[failed]["level"] == "ERROR"
    assert "this job always fails" in lines[failed]["exc_info"]


def test_a_job_asked_for_in_a_rolled_back_request_never_exists(ctx):
    with pytest.raises(RuntimeError), transaction():
        jobs.enqueue("test-echo", {"n": 2})
        raise RuntimeError("the request failed")
    assert jobs.work() == 0
    assert CALLS == []


def test_a_failing_job_is_tried_again_later_then_given_up(ctx, app):
    with transaction():
        job_id = jobs.enqueue("test-echo", {"fail": True}).id
    now = utcnow()
    attempts = app.config["JOB_MAX_ATTEMPTS"]
    for attempt in range(1, attempts + 1):
        assert jobs.work(now) == 1
        row = job_row(job_id)
        assert row.attempts == attempt
        if attempt < attempts:
            assert row.status == "queued"
            assert row.available_at > now  # backoff: not again right away
            assert jobs.work(now) == 0
            now = row.available_at
    assert (row.status, row.failure) == ("failed", "error")
    assert GIVEN_UP == [({"fail": True}, "error")]
    assert len(CALLS) == attempts


def test_a_crashed_workers_job_is_taken_over_after_its_lease(ctx, app):
    with transaction():
        job_id = jobs.enqueue("test-echo", {"n": 3}).id
    now = utcnow()
    with transaction():
        assert jobs.claim(now, "crashed-worker") == job_id  # ... and it never runs it
    lease = timedelta(seconds=app.config["JOB_LEASE_SECONDS"])
    assert jobs.work(now + lease - timedelta(seconds=1), worker="other") == 0  # still leased
    assert jobs.work(now + lease + timedelta(seconds=1), worker="other") == 1
    row = job_row(job_id)
    assert (row.status, row.claimed_by, row.attempts) == ("done", None or row.claimed_by, 2)
    assert CALLS == [{"n": 3}]


def test_a_worker_that_lost_its_lease_cannot_finish_the_job(ctx, app):
    with transaction():
        job_id = jobs.enqueue("test-echo", {"n": 4}).id
    now = utcnow()
    lease = timedelta(seconds=app.config["JOB_LEASE_SECONDS"])
    with transaction():
        assert jobs.claim(now, "slow-worker") == job_id
    with transaction():
        assert jobs.claim(now + lease + timedelta(seconds=1), "new-worker") == job_id
    assert jobs.run(job_id, "slow-worker") == "lost"  # it wakes up: not its job any more
    assert CALLS == []
    assert jobs.run(job_id, "new-worker") == "done"
    assert CALLS == [{"n": 4}]


def test_a_job_that_crashed_every_worker_is_given_up_and_the_import_can_run_again(ctx, app, client):
    """The import's own page then offers to run it again, which works."""
    staff = make_user("staff")
    partner = make_partner(staff=staff)
    rows = "name,email,country,origin_institution,stem_field,graduation_date,outreach_channel\n"
    rows += "Hilma Amupolo,hilma@example.org,NA,UNAM,physics,2025-06-30,partner_referral\n"
    with transaction():
        import_id = imports.preview(
            staff, filename="p.csv", content=rows.encode(), partner_id=partner.id,
            campaign_id=None,
        ).id  # fmt: skip
    with transaction():
        imports.start(staff, import_id)
    now = utcnow()
    lease = timedelta(seconds=app.config["JOB_LEASE_SECONDS"])
    for attempt in range(app.config["JOB_MAX_ATTEMPTS"]):  # each worker dies mid-run
        with transaction():
            assert jobs.claim(now, f"doomed-{attempt}") is not None
        now += lease + timedelta(seconds=1)
    assert jobs.work(now) == 1  # one more claim: too many attempts, given up
    db.session.expire_all()
    crashed = db.session.get(ImportJob, import_id)
    assert crashed.status == "failed"
    assert imports.can_run_again(crashed)
    assert "run it again" in imports.failure_text(crashed)
    with transaction():
        imports.start(staff, import_id)  # "Run the import again"
    assert jobs.work(now) == 1
    db.session.expire_all()
    assert db.session.get(ImportJob, import_id).status == "done"
    assert db.session.scalar(select(func.count(Candidate.id))) == 1


# -- a real worker process, killed half-way (PostgreSQL) -----------------------------------


@pytest.mark.postgres
def test_a_worker_killed_mid_import_leaves_nothing_and_the_next_imports_every_row_once(
    fresh_pg_app, outbox
):
    app = fresh_pg_app
    total = 300
    header = "name,email,country,origin_institution,stem_field,graduation_date,outreach_channel"
    lines = [header] + [
        f"Prospect {chr(65 + i % 26)}{chr(65 + i // 26 % 26)},p{i}@example.org,NA,UNAM,"
        "physics,2025-06-30,partner_referral"
        for i in range(total)
    ]
    with app.app_context():
        staff = make_user("staff")
        partner = make_partner(staff=staff)
        with transaction():
            import_id = imports.preview(
                staff, filename="p.csv", content="\n".join(lines).encode(),
                partner_id=partner.id, campaign_id=None,
            ).id  # fmt: skip
        with transaction():
            imports.start(staff, import_id)
        url = db.engine.url.render_as_string(hide_password=False)
        db.session.remove()
    outbox.clear()  # the partner's confirmation: what follows must send no invitation
    env = {**os.environ, "DATABASE_URL": url, "MAIL_SERVER": "127.0.0.1",
           "MAIL_PORT": str(outbox.port), "SECRET_KEY": "kill-test",
           "ONTHAAL_JOB_LEASE_SECONDS": "2"}  # fmt: skip
    flask = str(Path(sys.executable).with_name("flask"))
    doomed = subprocess.Popen(
        [flask, "--app", "wsgi", "run-jobs"], cwd=ROOT, env=env,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        progressed = 0
        while progressed < 20 and time.monotonic() < deadline and doomed.poll() is None:
            time.sleep(0.02)
            with app.app_context():
                progressed = db.session.scalar(
                    text("SELECT processed_rows FROM import_jobs WHERE id = :id"),
                    {"id": import_id},
                )
                db.session.remove()
        assert doomed.poll() is None, "the import finished before it could be killed"
        doomed.send_signal(signal.SIGKILL)  # half-way: some rows registered, none committed
    finally:
        doomed.wait(timeout=10)
    assert 20 <= progressed < total
    with app.app_context():
        assert db.session.scalar(select(func.count(Candidate.id))) == 0
        assert db.session.get(ImportJob, import_id).status == "importing"
        db.session.remove()
    assert [(m["To"], m["Subject"]) for m in outbox.messages] == []

    time.sleep(2.2)  # the killed worker's lease runs out
    rescue = subprocess.run(
        [flask, "--app", "wsgi", "run-jobs"], cwd=ROOT, env=env,
        capture_output=True, text=True, timeout=180,
    )  # fmt: skip
    assert rescue.returncode == 0, rescue.stderr[-2000:]
    with app.app_context():
        job = db.session.get(ImportJob, import_id)
        assert (job.status, job.processed_rows) == ("done", total)
        assert db.session.scalar(select(func.count(Candidate.id))) == total
        (worker_job,) = db.session.scalars(select(Job)).all()
        assert (worker_job.status, worker_job.attempts) == ("done", 2)
        db.session.remove()
    deadline = time.monotonic() + 30
    while len(outbox.messages) < total and time.monotonic() < deadline:
        time.sleep(0.05)
    sent = Counter(message["To"] for message in outbox.messages)
    assert len(sent) == total and set(sent.values()) == {1}  # every invitation, once
