"""Benchmark: deliver N due reminders to a loopback SMTP server.

Prints reminders/second for our dispatcher (claim with lease → render in the recipient's
language → send → mark sent) and, in the same run, for a bare loop that sends the same
rendered messages over one smtplib connection (the limit), and the ratio. Asserts nothing.

The SMTP server (aiosmtpd) runs in a process of its own, as a real one does: in this
process it would compete for the interpreter with the dispatcher's two threads.

    .venv/bin/python bench/reminders.py [--count 10000] [--batch 100]
    BENCH_DATABASE_URL=postgresql://postgres@127.0.0.1/bench .venv/bin/python bench/reminders.py
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import smtplib
import socket
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# Run as a script, bench/ is first on sys.path, where bench/http.py would hide the
# standard library's http: the repository's root goes there instead.
sys.path[:] = [str(ROOT), *(p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench")]

from aiosmtpd.controller import Controller  # noqa: E402
from sqlalchemy import insert, select, text  # noqa: E402

from onboarding import create_app  # noqa: E402
from onboarding.extensions import db  # noqa: E402
from onboarding.models import Candidate, Reminder, User  # noqa: E402
from onboarding.services import reminders  # noqa: E402

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)


class Counter:
    """aiosmtpd handler: counts the messages it accepts into a number shared across processes."""

    def __init__(self, count):
        self.count = count

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd hook
        with self.count.get_lock():
            self.count.value += 1
        return "250 OK"


def serve(port: int, count, ready, stop) -> None:
    """The SMTP server's process: accept and count until told to stop."""
    controller = Controller(Counter(count), hostname="127.0.0.1", port=port)
    controller.start()
    ready.set()
    stop.wait()
    controller.stop()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def seed(count: int) -> None:
    people = [
        User(email=f"bench{n}@example.org", name=f"Bench {n}", role="staff",
             locale=("nl", "af", "en")[n % 3])
        for n in range(30)
    ]  # fmt: skip
    candidate_user = User(email="bench.candidate@example.org", name="Ndapewa Shikongo",
                          role="candidate", locale="af")  # fmt: skip
    candidate = Candidate(
        user=candidate_user, country_code="NA", origin_institution="UNAM",
        stem_field="physics", graduation_date=date(2025, 6, 1),
        outreach_channel="partner_referral", phase="language_immersion",
    )  # fmt: skip
    db.session.add_all([*people, candidate])
    db.session.commit()
    db.session.execute(
        insert(Reminder),
        [
            {
                "rule": "immersion_overdue",
                "occurrence": 1,
                "candidate_id": candidate.id,
                "recipient_id": people[n % len(people)].id,
                "due_at": NOW - timedelta(seconds=n),
                "anchor": "2026-11-20",
                "params": {"candidate": candidate_user.name, "phase": "language_immersion"},
                "essential": True,
                "status": "pending",
                "attempts": 0,
                "created_at": NOW,
            }  # fmt: skip
            for n in range(count)
        ],
    )
    db.session.commit()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--batch", type=int, default=100)
    args = parser.parse_args()

    port = free_port()
    count = multiprocessing.Value("i", 0)
    ready, stop = multiprocessing.Event(), multiprocessing.Event()
    server = multiprocessing.Process(target=serve, args=(port, count, ready, stop), daemon=True)
    server.start()
    if not ready.wait(30):
        raise SystemExit("the SMTP server did not start")
    workdir = tempfile.mkdtemp(prefix="onthaal-bench-")
    url = os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{workdir}/bench.sqlite3"
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "SECRET_KEY": "bench",
            "MAIL_SERVER": "127.0.0.1",
            "MAIL_PORT": port,
            "REMINDER_BATCH_SIZE": args.batch,
        },
        instance_path=workdir,
    )
    import flask_migrate

    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as connection:
                connection.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        flask_migrate.upgrade()
        seed(args.count)

        started = time.perf_counter()
        result = reminders.dispatch(NOW, worker="bench", until_empty=True)
        ours = time.perf_counter() - started
        assert result.sent == args.count == count.value, (result, count.value)

        # The limit: the same messages, already rendered, over one SMTP connection.
        rows = db.session.scalars(select(Reminder).order_by(Reminder.id)).all()
        messages = [reminders.build_email(r) for r in rows]
        with count.get_lock():
            count.value = 0
        started = time.perf_counter()
        with smtplib.SMTP("127.0.0.1", port) as smtp:
            for message in messages:
                smtp.send_message(message)
        bare = time.perf_counter() - started
        assert count.value == args.count, count.value
        db.session.remove()
    stop.set()
    server.join(10)

    print(f"database: {url.split(':')[0]}")
    print(f"reminders: {args.count}, claim batch: {args.batch}")
    print(f"dispatcher:      {args.count / ours:8.0f} reminders/s  ({ours:.2f} s)")
    print(f"bare smtplib:    {args.count / bare:8.0f} messages/s   ({bare:.2f} s)")
    print(f"ratio (dispatcher / bare): {bare / ours:.2f}")


if __name__ == "__main__":
    main()
