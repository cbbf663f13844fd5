"""The reports' snapshot: the worker computes the unfiltered figures and the dashboard shows
them while they are fresh; a filter, a stale or missing snapshot, or "as of now" computes
them on the spot."""

from __future__ import annotations

from datetime import timedelta

from onboarding.extensions import db
from onboarding.models import ReportSnapshot, utcnow
from onboarding.scheduler import refresh_reports
from onboarding.services import reports
from onboarding.services.reports import ReportFilter
from tests.factories import make_candidate
from tests.services.test_reports import build_history


def test_the_snapshot_holds_the_report_as_computed(ctx):
    build_history(db.session)
    live = reports.build_report(ReportFilter())
    reports.refresh_snapshot()
    db.session.expire_all()  # read back from the database, not the session
    found = reports.fresh_snapshot()
    assert found is not None
    report, computed_at = found
    assert report == live
    assert report.total == 8 and report.durations and report.countries
    assert utcnow() - computed_at < timedelta(minutes=1)


def test_the_dashboard_shows_the_snapshot_until_asked_for_now(ctx):
    build_history(db.session)
    reports.refresh_snapshot()
    make_candidate(phase="outreach", country="ZM")
    db.session.flush()
    report, computed_at = reports.dashboard_report(ReportFilter())
    assert computed_at is not None and report.total == 8  # as the worker computed it
    report, computed_at = reports.dashboard_report(ReportFilter(), as_of_now=True)
    assert computed_at is None and report.total == 9
    assert ("ZM", 1) in report.countries


def test_a_filtered_report_is_computed_on_the_spot(ctx):
    build_history(db.session)
    reports.refresh_snapshot()
    assert db.session.get(ReportSnapshot, reports.SNAPSHOT_KEY) is not None
    chosen = ReportFilter(campaign=reports.NO_CAMPAIGN)
    report, computed_at = reports.dashboard_report(chosen)
    assert computed_at is None
    assert report == reports.build_report(chosen)
    assert report.total == 2  # c4 and c5 came without a campaign


def test_a_stale_snapshot_is_not_shown(app, ctx):
    build_history(db.session)
    interval = timedelta(minutes=app.config["REPORT_REFRESH_MINUTES"])
    # A worker that stopped more than two intervals ago: its figures are not shown.
    reports.refresh_snapshot(now=utcnow() - 2 * interval - timedelta(seconds=5))
    assert reports.fresh_snapshot() is None
    report, computed_at = reports.dashboard_report(ReportFilter())
    assert computed_at is None and report.total == 8
    reports.refresh_snapshot(now=utcnow() - 2 * interval + timedelta(minutes=1))
    assert reports.fresh_snapshot() is not None


def test_the_worker_job_refreshes_the_snapshot(fresh_pg_app):
    """The scheduler's job commits the snapshot in a transaction of its own."""
    worker_app = fresh_pg_app
    with worker_app.app_context():
        make_candidate(phase="mentoring", country="NA")
        db.session.commit()
    refresh_reports(worker_app)
    with worker_app.app_context():
        found = reports.fresh_snapshot()
        assert found is not None
        report, _computed_at = found
        assert report.total == 1 and ("NA", 1) in report.countries
        make_candidate(phase="outreach", country="ZA")
        db.session.commit()
    refresh_reports(worker_app)
    with worker_app.app_context():
        found = reports.fresh_snapshot()
        assert found is not None and found[0].total == 2
        db.session.remove()


def test_the_worker_refreshes_the_reports_every_interval_and_at_start(app):
    from apscheduler.schedulers.background import BackgroundScheduler

    from onboarding.scheduler import _add_job

    scheduler = BackgroundScheduler(timezone="UTC")
    _add_job(scheduler, app)
    job = scheduler.get_job("refresh-reports")
    assert job.func is refresh_reports and job.max_instances == 1
    assert job.trigger.interval == timedelta(minutes=app.config["REPORT_REFRESH_MINUTES"])
    assert job.next_run_time is not None and job.next_run_time <= utcnow()
