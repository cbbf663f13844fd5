"""`flask --app wsgi purge [--dry-run]`: counts per rule and candidate ids, never a name or
an email address; the dry run changes nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from onboarding.models import Candidate, DataPurge, Invitation
from tests.factories import make_candidate, make_user

NOW = datetime(2026, 11, 30, 3, 0, tzinfo=UTC)


def test_purge_dry_run_prints_what_would_go_then_purge_does_it(app, data):
    with data() as session:
        gone = make_candidate(name="Ndapewa Gone", email="ndapewa@example.org",
                              phase="withdrawn")  # fmt: skip
        gone.phase_entered_at = NOW - timedelta(days=400)
        make_candidate(name="Kept Person", phase="withdrawn").phase_entered_at = NOW
        mentor = make_user("mentor", email="unused-link@example.org")
        session.add(Invitation(user_id=mentor.id, token_hash="f" * 64,
                               expires_at=NOW - timedelta(days=31)))  # fmt: skip
        session.commit()
        gone_id = gone.id
    runner = app.test_cli_runner()

    dry = runner.invoke(args=["purge", "--dry-run", "--now", NOW.isoformat()])
    assert dry.exit_code == 0, dry.output
    assert "Dry run: nothing was changed." in dry.output
    lines = dict(line.split(None, 1) for line in dry.output.splitlines()[1:-1])
    assert lines["withdrawn"] == "1" and lines["unused_invitation"] == "1"
    assert lines["placed"] == "0"
    assert f"candidates erased: {gone_id}" in dry.output
    for personal in ("Ndapewa", "ndapewa@example.org", "Kept Person", "unused-link"):
        assert personal not in dry.output
    with data() as session:
        assert session.get(Candidate, gone_id).erased_at is None
        assert session.scalar(select(func.count(DataPurge.id))) == 0

    done = runner.invoke(args=["purge", "--now", NOW.isoformat()])
    assert done.exit_code == 0, done.output
    assert done.output.startswith("Purged:")
    assert f"candidates erased: {gone_id}" in done.output
    assert "Ndapewa" not in done.output
    with data() as session:
        assert session.get(Candidate, gone_id).erased_at is not None
        assert session.scalar(select(func.count(DataPurge.id))) == 2

    again = runner.invoke(args=["purge", "--dry-run", "--now", NOW.isoformat()])
    assert "candidates erased: none" in again.output


def test_the_worker_purges_nightly_at_purge_hour_in_brussels(app):
    from apscheduler.schedulers.background import BackgroundScheduler

    from onboarding.scheduler import _add_job, nightly_purge

    scheduler = BackgroundScheduler(timezone="UTC")
    _add_job(scheduler, app)
    job = scheduler.get_job("retention-purge")
    assert job.func is nightly_purge and job.max_instances == 1
    fields = {f.name: str(f) for f in job.trigger.fields}
    assert fields["hour"] == str(app.config["PURGE_HOUR"]) and fields["minute"] == "0"
    assert str(job.trigger.timezone) == "Europe/Brussels"


def test_a_now_without_an_offset_is_utc_not_the_machines_local_time(app, data, monkeypatch):
    """`--now 2026-11-30T03:00:00` is 03:00 UTC, as the help says, even on a machine in Tokyo
    (where reading it as local time would make it 18:00 UTC the day before)."""
    import time

    from onboarding.cli import parse_utc

    monkeypatch.setenv("TZ", "Asia/Tokyo")
    time.tzset()
    try:
        assert parse_utc("2026-11-30T03:00:00") == NOW
        assert parse_utc("2026-11-30T04:00:00+01:00") == NOW
        assert parse_utc(None) is None
        with data() as session:
            due = make_candidate(name="Due Exactly", phase="withdrawn")
            due.phase_entered_at = NOW - timedelta(days=app.config["RETENTION_WITHDRAWN_DAYS"])
            session.commit()
            due_id = due.id
        runner = app.test_cli_runner()
        dry = runner.invoke(args=["purge", "--dry-run", "--now", "2026-11-30T03:00:00"])
        assert dry.exit_code == 0, dry.output
        assert f"candidates erased: {due_id}" in dry.output

        from onboarding.services import reminders

        seen = []

        def dispatch(now, **kwargs):
            seen.append(now)
            raise SystemExit(0)

        monkeypatch.setattr(reminders, "dispatch", dispatch)
        runner.invoke(args=["dispatch", "--now", "2026-11-30T03:00:00"])
        assert seen == [NOW]
        bad = runner.invoke(args=["purge", "--dry-run", "--now", "yesterday"])
        assert bad.exit_code != 0 and "--now" in bad.output
    finally:
        monkeypatch.undo()
        time.tzset()
