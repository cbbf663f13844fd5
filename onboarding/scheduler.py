"""The worker process: APScheduler ticks the reminder dispatcher and the job runner,
recomputes the reports' figures, and runs the nightly purge and the daily digest; the
reminders, notifications and jobs themselves are database rows, claimed with leases.

Production runs `flask --app wsgi worker` as its own process (never one per gunicorn
worker; `scheduler` is the older name of the same command). `make run` sets
ONTHAAL_SCHEDULER=inprocess so the development server runs the worker itself. Extra workers
or hosts are harmless: every claim is atomic and leased.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import UTC, datetime

import click
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from flask import Flask
from sqlalchemy.exc import DBAPIError

log = logging.getLogger(__name__)
_started = threading.Lock()
_in_process: BackgroundScheduler | None = None


def tick(app: Flask) -> None:
    """One scheduler tick in an app context of its own; `dispatch` ends its own steps."""
    from onboarding.db import transaction
    from onboarding.extensions import db
    from onboarding.services import health, reminders

    with app.app_context():
        try:
            try:  # first, on its own: /healthz reads that this worker ticks
                with transaction():
                    health.beat()
            except DBAPIError as error:  # the dispatch below meets it too, and says so
                log.warning("heartbeat not written: %s", type(error).__name__)
            result = reminders.dispatch(until_empty=True)
            if result.claimed or result.expired:
                log.info("reminders: %s", result)
        finally:
            db.session.remove()


def _in_one_transaction(app: Flask, work: Callable[[], object]) -> None:
    """Run `work` in an app context of its own, as one unit of work (commit or roll back)."""
    from onboarding.db import transaction
    from onboarding.extensions import db

    with app.app_context():
        try:
            with transaction():
                work()
        finally:
            db.session.remove()


def forget_form_tokens(app: Flask) -> None:
    """Hourly: forget the one-time form tokens older than a week (services.submissions)."""
    from onboarding.services import submissions

    _in_one_transaction(app, submissions.purge)


def fold_counts(app: Flask) -> None:
    """Every five minutes: fold the +1/-1 rows of the board's and the queue's counts into
    one row per key (`onboarding.db.fold_counts`), so their tabs keep summing a few rows."""
    from onboarding.db import fold_counts as fold
    from onboarding.models import BoardCount, OutboxCount

    def fold_both() -> None:
        fold(BoardCount, "phase", "country_code")
        fold(OutboxCount, "kind", "status")

    _in_one_transaction(app, fold_both)


def nightly_purge(app: Flask) -> None:
    """Nightly at PURGE_HOUR (Brussels): the retention purge (services.retention), one
    transaction per candidate or item."""
    from onboarding.extensions import db
    from onboarding.services import retention

    with app.app_context():
        try:
            retention.nightly()
        finally:
            db.session.remove()


def refresh_reports(app: Flask) -> None:
    """Every REPORT_REFRESH_MINUTES, and once at start: the reports' unfiltered figures
    (services.reports), which the dashboard shows instead of computing them per visit."""
    from onboarding.services import reports

    _in_one_transaction(app, reports.refresh_snapshot)


def daily_digest(app: Flask) -> None:
    """Daily at DIGEST_HOUR (Brussels): one digest per person with items waiting for it
    (services.notifications.digest), one transaction each; the dispatcher sends them."""
    from onboarding.extensions import db
    from onboarding.services.notifications import digest

    with app.app_context():
        try:
            written = digest.run()
            if written:
                log.info("digest: %s written", written)
        finally:
            db.session.remove()


def _add_job(scheduler, app: Flask) -> None:
    from onboarding.services import jobs

    for function, seconds, name in (
        (tick, app.config["SCHEDULER_INTERVAL_SECONDS"], "dispatch-reminders"),
        (jobs.tick, app.config["JOB_POLL_SECONDS"], "run-jobs"),
        (forget_form_tokens, 3600, "forget-form-tokens"),
        (fold_counts, 300, "fold-counts"),
    ):
        scheduler.add_job(
            function,
            "interval",
            args=[app],
            seconds=seconds,
            # The first dispatch (and heartbeat) at start, not one interval later.
            **({"next_run_time": datetime.now(UTC)} if function is tick else {}),
            id=name,
            max_instances=1,  # a slow tick is never overlapped by the next one
            coalesce=True,  # missed ticks collapse into one
            replace_existing=True,
        )
    scheduler.add_job(
        refresh_reports,
        "interval",
        args=[app],
        minutes=app.config["REPORT_REFRESH_MINUTES"],
        next_run_time=datetime.now(UTC),  # the dashboard need not wait for the first interval
        id="refresh-reports",
        max_instances=1,
        coalesce=True,
        replace_existing=True,
    )
    scheduler.add_job(
        nightly_purge,
        "cron",
        args=[app],
        hour=app.config["PURGE_HOUR"],
        minute=0,
        timezone="Europe/Brussels",
        id="retention-purge",
        max_instances=1,
        coalesce=True,
        misfire_grace_time=3600,  # a worker restarted just after the hour still purges
        replace_existing=True,
    )
    scheduler.add_job(
        daily_digest,
        "cron",
        args=[app],
        hour=app.config["DIGEST_HOUR"],
        minute=0,
        timezone="Europe/Brussels",
        id="daily-digest",
        max_instances=1,
        coalesce=True,
        misfire_grace_time=3600,  # a second worker, or a late one, takes only what is left
        replace_existing=True,
    )


def init_app(app: Flask) -> None:
    app.cli.add_command(worker_command)
    app.cli.add_command(worker_command, "scheduler")
    app.cli.add_command(dispatch_command)
    app.cli.add_command(run_jobs_command)
    app.cli.add_command(digest_command)
    if app.config["SCHEDULER_MODE"] == "inprocess":
        start_in_process(app)


def start_in_process(app: Flask) -> None:
    global _in_process
    with _started:
        if _in_process is None:
            _in_process = BackgroundScheduler(timezone="UTC", daemon=True)
            _add_job(_in_process, app)
            _in_process.start()


@click.command("worker")
def worker_command() -> None:
    """Run the worker in the foreground: reminders and background jobs (imports)."""
    from flask import current_app

    app = current_app._get_current_object()  # type: ignore[attr-defined]
    port = app.config["WORKER_METRICS_PORT"]
    if port:  # its counts live in this process: a scraper reads them here, not from the web
        from prometheus_client import start_http_server

        start_http_server(port, addr="127.0.0.1")
        click.echo(f"Serving the worker's metrics on http://127.0.0.1:{port}/metrics")
    scheduler = BlockingScheduler(timezone="UTC")
    _add_job(scheduler, app)
    click.echo(
        f"Dispatching due reminders every {app.config['SCHEDULER_INTERVAL_SECONDS']} s, "
        f"running background jobs every {app.config['JOB_POLL_SECONDS']} s."
    )
    scheduler.start()


@click.command("dispatch")
@click.option("--now", "now_text", help="Pretend it is this UTC time (ISO 8601), for tests.")
@click.option("--worker", help="Name to claim rows under (default: host:pid).")
@click.option("--batch", type=int, help="Rows per claim.")
def dispatch_command(now_text: str | None, worker: str | None, batch: int | None) -> None:
    """Send every reminder that is due now, once, and exit."""
    from onboarding.cli import parse_utc
    from onboarding.services import reminders

    now = parse_utc(now_text)
    result = reminders.dispatch(now, worker=worker, batch=batch, until_empty=True)
    click.echo(
        f"claimed={result.claimed} sent={result.sent} retrying={result.retrying} "
        f"failed={result.failed} skipped={result.skipped} expired={result.expired} "
        f"deferred={result.deferred} lost={result.lost} unrecorded={result.unrecorded}"
    )
    if result.stopped:  # a database error: the rows not done keep their lease
        raise SystemExit(1)


@click.command("run-jobs")
def run_jobs_command() -> None:
    """Run every background job that is due now (imports), then exit."""
    from onboarding.services import jobs

    click.echo(f"jobs run: {jobs.work()}")


@click.command("digest")
@click.option("--now", "now_text", help="Pretend it is this UTC time (ISO 8601), for tests.")
def digest_command(now_text: str | None) -> None:
    """Write today's digests now (the worker does it at DIGEST_HOUR), and exit."""
    from onboarding.cli import parse_utc
    from onboarding.services.notifications import digest

    click.echo(f"digests={digest.run(parse_utc(now_text))}")
