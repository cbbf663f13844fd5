"""Several dispatcher processes against one PostgreSQL database: each reminder is delivered
exactly once (Message-IDs counted at a real SMTP server)."""

import os
import subprocess
import sys
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from onboarding.extensions import db
from onboarding.models import Reminder
from tests.factories import make_due_reminders

ROOT = Path(__file__).resolve().parents[2]
NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
COUNT = int(os.environ.get("DISPATCH_TEST_REMINDERS", "2000"))
PROCESSES = 3


def add_due_reminders(count: int, now: datetime = NOW) -> None:
    make_due_reminders(count, now, staff=4, spread_minutes=120)


@pytest.mark.postgres
def test_three_dispatcher_processes_deliver_each_reminder_once(fresh_pg_app, outbox, tmp_path):
    app = fresh_pg_app
    with app.app_context():
        add_due_reminders(COUNT)
        url = db.engine.url.render_as_string(hide_password=False)
        db.session.remove()
    reports = run_dispatchers(dispatch_env(url, outbox.port, ONTHAAL_REMINDER_BATCH="40"), "w")

    ids = Counter(message["Message-ID"] for message in outbox.messages)
    assert len(ids) == COUNT
    assert [mid for mid, seen in ids.items() if seen > 1] == []
    assert sum(int(r["sent"]) for r in reports) == COUNT
    assert sum(int(r["claimed"]) > 0 for r in reports) >= 2, reports  # they really shared
    with app.app_context():
        statuses = dict(
            db.session.execute(
                select(Reminder.status, func.count(Reminder.id)).group_by(Reminder.status)
            ).all()
        )
        assert statuses == {"sent": COUNT}
        expected = {
            f"<reminder-{i}@onthaal.local>" for i in db.session.scalars(select(Reminder.id))
        }
        assert set(ids) == expected
        db.session.remove()


def add_due_notifications(count: int, now: datetime = NOW) -> None:
    """`count` event notifications by email (pending), to candidates in three languages,
    written as `notifications.notify` writes them."""
    from sqlalchemy import insert

    from tests.factories import make_candidate

    candidates = [make_candidate(locale=("nl", "af", "en")[n % 3]) for n in range(6)]
    db.session.execute(
        insert(Reminder),
        [
            {
                "kind": "event",
                "rule": "document_rejected",
                "occurrence": 1,
                "candidate_id": candidates[n % 6].id,
                "recipient_id": candidates[n % 6].user_id,
                "audience": "candidate",
                "due_at": now - timedelta(seconds=n % 600),
                "anchor": now.isoformat(),
                "params": {
                    "document_kind": "passport",
                    "reason": f"Scan {n} is blurred.",
                    "candidate_id": candidates[n % 6].id,
                },  # fmt: skip
                "essential": False,
                "status": "pending",
                "attempts": 0,
                "in_app_at": now,
                "created_at": now,
            }
            for n in range(count)
        ],
    )
    db.session.commit()


@pytest.mark.postgres
def test_three_dispatcher_processes_deliver_each_notification_once(fresh_pg_app, outbox, tmp_path):
    """The same for event notifications: one delivery path, exactly once each."""
    app = fresh_pg_app
    count = max(COUNT // 2, 300)
    with app.app_context():
        add_due_notifications(count)
        url = db.engine.url.render_as_string(hide_password=False)
        db.session.remove()
    reports = run_dispatchers(dispatch_env(url, outbox.port, ONTHAAL_REMINDER_BATCH="40"), "n")

    ids = Counter(message["Message-ID"] for message in outbox.messages)
    assert [mid for mid, seen in ids.items() if seen > 1] == []
    assert sum(int(r["sent"]) for r in reports) == count
    assert sum(int(r["claimed"]) > 0 for r in reports) >= 2, reports  # they really shared
    assert statuses(app) == {"sent": count}
    with app.app_context():
        expected = {
            f"<notification-{i}@onthaal.local>" for i in db.session.scalars(select(Reminder.id))
        }
        db.session.remove()
    assert set(ids) == expected
    assert all(m.get_content_type() == "multipart/alternative" for m in outbox.messages)


class SlowSMTP:
    """A real SMTP server that takes its time, so a dispatcher can be killed mid-batch."""

    def __init__(self, delay: float):
        from aiosmtpd.controller import Controller

        from tests.conftest import free_port

        self.delay = delay
        self.message_ids: list[str] = []
        self.port = free_port()
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd hook
        import asyncio
        from email import message_from_bytes

        await asyncio.sleep(self.delay)
        self.message_ids.append(message_from_bytes(envelope.content)["Message-ID"])
        return "250 OK"


@pytest.mark.postgres
def test_killed_dispatcher_rows_are_delivered_after_the_lease(fresh_pg_app):
    import signal
    import time

    app = fresh_pg_app
    total = 120
    with app.app_context():
        add_due_reminders(total)
        url = db.engine.url.render_as_string(hide_password=False)
        lease = app.config["REMINDER_LEASE_SECONDS"]
        db.session.remove()
    smtp = SlowSMTP(delay=0.02)
    smtp.controller.start()
    try:
        env = {**os.environ, "DATABASE_URL": url, "MAIL_SERVER": "127.0.0.1",
               "MAIL_PORT": str(smtp.port), "SECRET_KEY": "kill-test",
               "ONTHAAL_REMINDER_BATCH": "60"}  # fmt: skip
        flask = str(Path(sys.executable).with_name("flask"))
        doomed = subprocess.Popen(
            [flask, "--app", "wsgi", "dispatch", "--now", NOW.isoformat(), "--worker", "doomed"],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        deadline = time.monotonic() + 60
        while len(smtp.message_ids) < 20 and time.monotonic() < deadline:
            time.sleep(0.01)
        doomed.send_signal(signal.SIGKILL)  # mid-batch: sent some, marked none of them
        doomed.wait(timeout=10)
        delivered_before_kill = set(smtp.message_ids)
        assert 20 <= len(delivered_before_kill) < total

        with app.app_context():
            stuck = db.session.scalar(
                select(func.count(Reminder.id)).where(
                    Reminder.status == "sending", Reminder.claimed_by == "doomed"
                )
            )
            db.session.remove()
        assert stuck > 0

        # Before the lease expires nobody touches the doomed worker's rows.
        early = subprocess.run(
            [flask, "--app", "wsgi", "dispatch", "--now", NOW.isoformat(), "--worker", "early"],
            cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        assert early.returncode == 0, early.stderr[-2000:]
        later = (NOW + timedelta(seconds=lease + 1)).isoformat()
        rescue = subprocess.run(
            [flask, "--app", "wsgi", "dispatch", "--now", later, "--worker", "rescuer"],
            cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        assert rescue.returncode == 0, rescue.stderr[-2000:]
    finally:
        smtp.controller.stop()

    counts = Counter(smtp.message_ids)
    with app.app_context():
        statuses = dict(
            db.session.execute(
                select(Reminder.status, func.count(Reminder.id)).group_by(Reminder.status)
            ).all()
        )
        all_ids = {f"<reminder-{i}@onthaal.local>" for i in db.session.scalars(select(Reminder.id))}
        db.session.remove()
    resent = {mid for mid, seen in counts.items() if seen > 1}
    print(
        f"measured SIGKILL: accepted={sum(counts.values())} distinct={len(counts)} "
        f"resent={len(resent)} before_kill={len(delivered_before_kill)} stuck={stuck}"
    )
    assert statuses == {"sent": total}
    assert set(counts) == all_ids  # everything arrived
    assert all(seen <= 2 for seen in counts.values())  # a resend happens at most once
    assert resent <= delivered_before_kill  # and only for what the killed worker had sent
    # Each message is marked sent right after the server accepted it: only the one accepted
    # in the instant before the kill can go out again.
    assert len(resent) <= 1, resent


def run_dispatchers(env: dict, prefix: str) -> list[dict[str, str]]:
    """PROCESSES `flask dispatch` processes at once, each under its own worker name; what
    each one printed (claimed=…, sent=…)."""
    flask = str(Path(sys.executable).with_name("flask"))
    workers = [
        subprocess.Popen(
            [
                flask,
                "--app",
                "wsgi",
                "dispatch",
                "--now",
                NOW.isoformat(),
                "--worker",
                f"{prefix}{n}",
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )  # fmt: skip
        for n in range(PROCESSES)
    ]
    reports = []
    for worker in workers:
        stdout, stderr = worker.communicate(timeout=300)
        assert worker.returncode == 0, stderr[-3000:]
        reports.append(dict(part.split("=") for part in stdout.split()))
    return reports


def dispatch_env(url: str, port: int, **settings: str) -> dict:
    # Warnings and errors only: a process's stderr is a pipe read when it ends, and a line per
    # delivery would fill it (the process would wait for the test to read, mid-batch).
    return {**os.environ, "DATABASE_URL": url, "MAIL_SERVER": "127.0.0.1",
            "MAIL_PORT": str(port), "SECRET_KEY": "dispatch-test",
            "ONTHAAL_LOG_LEVEL": "WARNING", **settings}  # fmt: skip


def statuses(app) -> dict[str, int]:
    with app.app_context():
        try:
            return dict(
                db.session.execute(
                    select(Reminder.status, func.count(Reminder.id)).group_by(Reminder.status)
                ).all()
            )
        finally:
            db.session.remove()


def wait_until(condition, seconds: float = 30) -> None:
    import time

    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "gave up waiting"
        time.sleep(0.02)


@pytest.mark.postgres
def test_two_killed_dispatchers_resend_at_most_one_message_each(fresh_pg_app):
    """Two dispatcher processes share the rows and are both killed mid-batch; after the lease
    a third delivers the rest. Nothing is lost, and at most one message per killed
    dispatcher (the one it was sending when it died) arrives twice."""
    import signal

    app = fresh_pg_app
    total = 120
    with app.app_context():
        add_due_reminders(total)
        url = db.engine.url.render_as_string(hide_password=False)
        lease = app.config["REMINDER_LEASE_SECONDS"]
        db.session.remove()
    smtp = SlowSMTP(delay=0.02)
    smtp.controller.start()
    try:
        env = dispatch_env(url, smtp.port, ONTHAAL_REMINDER_BATCH="30")
        flask = str(Path(sys.executable).with_name("flask"))
        doomed = [
            subprocess.Popen(
                [flask, "--app", "wsgi", "dispatch", "--now", NOW.isoformat(), "--worker", name],
                cwd=ROOT,
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )  # fmt: skip
            for name in ("doomed-1", "doomed-2")
        ]
        wait_until(lambda: len(smtp.message_ids) >= 30)
        for process in doomed:
            process.send_signal(signal.SIGKILL)
        for process in doomed:
            process.wait(timeout=10)
        assert len(set(smtp.message_ids)) < total
        later = (NOW + timedelta(seconds=lease + 1)).isoformat()
        rescue = subprocess.run(
            [flask, "--app", "wsgi", "dispatch", "--now", later, "--worker", "rescuer"],
            cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        assert rescue.returncode == 0, rescue.stderr[-2000:]
    finally:
        smtp.controller.stop()

    counts = Counter(smtp.message_ids)
    assert statuses(app) == {"sent": total}
    with app.app_context():
        all_ids = {f"<reminder-{i}@onthaal.local>" for i in db.session.scalars(select(Reminder.id))}
        senders = set(db.session.scalars(select(Reminder.claimed_by)))
        db.session.remove()
    assert set(counts) == all_ids  # none lost
    assert {"doomed-1", "doomed-2", "rescuer"} <= senders  # both had marked rows, then died
    resent = sum(seen - 1 for seen in counts.values())
    print(
        f"measured 2 x SIGKILL: accepted={sum(counts.values())} distinct={len(counts)} "
        f"resent={resent}"
    )
    assert resent <= len(doomed), counts.most_common(3)


@pytest.mark.postgres
def test_a_scheduler_cannot_take_rows_from_a_dispatcher_slower_than_its_lease(
    fresh_pg_app, faulty_smtp, tmp_path
):
    """Real clocks, a 1 s lease, a server that takes 1.5 s per message: a `flask dispatch`
    process holds every due row while `flask scheduler` ticks every second next to it, ready
    to take over any lease that runs out. The dispatcher renews its lease, so the scheduler
    never takes a row, and each reminder arrives once."""
    from onboarding.models import utcnow

    app = fresh_pg_app
    total = 4
    with app.app_context():
        add_due_reminders(total, utcnow())
        url = db.engine.url.render_as_string(hide_password=False)
        db.session.remove()
    smtp = faulty_smtp(delay=1.5)
    env = dispatch_env(url, smtp.port, ONTHAAL_REMINDER_LEASE_SECONDS="1",
                       ONTHAAL_SCHEDULER_INTERVAL="1")  # fmt: skip
    flask = str(Path(sys.executable).with_name("flask"))
    slow = subprocess.Popen(
        [flask, "--app", "wsgi", "dispatch", "--worker", "slow", "--batch", str(total)],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    scheduler = None
    log = tmp_path / "scheduler.log"
    with log.open("w") as scheduler_log:
        try:
            wait_until(lambda: statuses(app).get("sending") == total)
            scheduler = subprocess.Popen(
                [flask, "--app", "wsgi", "scheduler"],
                cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=scheduler_log,
            )  # fmt: skip
            stdout, stderr = slow.communicate(timeout=60)
            assert slow.returncode == 0, stderr[-3000:]
            assert scheduler.poll() is None, log.read_text()[-3000:]  # it kept ticking
        finally:
            for process in (slow, scheduler):
                if process is not None and process.poll() is None:
                    process.terminate()
                    process.communicate(timeout=10)

    report = dict(part.split("=") for part in stdout.split())
    assert (report["claimed"], report["sent"], report["lost"]) == (str(total), str(total), "0")
    assert statuses(app) == {"sent": total}
    with app.app_context():
        assert set(db.session.scalars(select(Reminder.claimed_by))) == {"slow"}
        assert set(db.session.scalars(select(Reminder.attempts))) == {1}
        db.session.remove()
    accepted = smtp.message_ids()
    print(
        f"measured scheduler next to a slow dispatcher: accepted={sum(accepted.values())} "
        f"distinct={len(accepted)} report={report}"
    )
    assert Counter(accepted.values()) == Counter({1: total})  # each arrived once
