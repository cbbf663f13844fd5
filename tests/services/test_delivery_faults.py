"""Delivering reminders when things go wrong: a mail server slower than the lease, a
connection the server drops, a server down for a whole outage, a database connection
terminated mid-batch. Real SMTP servers on 127.0.0.1 (aiosmtpd) and real databases; only
counts are asserted (accepted Message-IDs, rows, attempts), never how long anything took.

The promise: each reminder is accepted by the server at most once, except a message the
server accepted in the instant before the dispatcher lost its database (at most one per
such dispatcher, with the same Message-ID), and none is lost.
"""

import logging
import threading
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from babel.support import Translations
from sqlalchemy import create_engine, event, func, select, text
from sqlalchemy.engine import make_url

from onboarding.extensions import db
from onboarding.models import MailServerStatus, Reminder, utcnow
from onboarding.services import reminders
from onboarding.services.notifications import preferences
from onboarding.services.reminders import DispatchResult, delivery
from tests.conftest import PG_URL, free_port, mail_port
from tests.factories import make_due_reminders, make_user

ROOT = Path(__file__).resolve().parents[2]
NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
LOG = "onboarding.services.reminders.delivery"
BANNER = "The mail server cannot be reached."
BANNER_BODY = (
    "No reminder could be sent since %(since)s (last try: %(last)s). Nothing is lost and no "
    "attempt is counted: the reminders go out as soon as the server answers again, unless "
    "they are too late by then."
)


def add_due(count: int, now: datetime, locales=("en",)) -> list[int]:
    """`count` essential desk reminders due at `now` (staff recipients in `locales`)."""
    return make_due_reminders(count, now, locales=locales)


def message_id(reminder_id: int) -> str:
    return f"<reminder-{reminder_id}@onthaal.local>"


def once_each(ids) -> Counter:
    return Counter({message_id(i): 1 for i in ids})


def duplicates(counts: Counter) -> int:
    """How many extra copies the server accepted."""
    return sum(seen - 1 for seen in counts.values())


def measured(what: str, counts: Counter, **more) -> None:
    """One line of what the server accepted (shown with `pytest -rA`)."""
    details = " ".join(f"{key}={value}" for key, value in more.items())
    print(
        f"measured {what}: accepted={sum(counts.values())} distinct={len(counts)} "
        f"duplicates={duplicates(counts)} {details}".rstrip()
    )


def found(ids) -> list[Reminder]:
    db.session.expire_all()
    return list(db.session.scalars(select(Reminder).where(Reminder.id.in_(ids))))


def statuses() -> dict[str, int]:
    return dict(
        db.session.execute(
            select(Reminder.status, func.count(Reminder.id)).group_by(Reminder.status)
        ).all()
    )


class Dispatcher(threading.Thread):
    """A dispatcher in a thread of its own, with its own app context and session."""

    def __init__(self, app, worker: str, *, batch: int, now=None, ticks: threading.Event = None):
        super().__init__(name=worker, daemon=True)
        self.app, self.worker, self.batch, self.now = app, worker, batch, now
        self.ticks = ticks  # set: tick again and again (like a scheduler) until it is cleared
        self.result = DispatchResult()
        self.error: BaseException | None = None

    def run(self):
        try:
            with self.app.app_context():
                try:
                    while True:
                        result = reminders.dispatch(
                            self.now, worker=self.worker, batch=self.batch, until_empty=True
                        )
                        for field in ("claimed", "sent", "lost", "unrecorded", "deferred"):
                            total = getattr(self.result, field) + getattr(result, field)
                            setattr(self.result, field, total)
                        self.result.stopped |= result.stopped
                        if self.ticks is None or not self.ticks.is_set():
                            return
                        time.sleep(0.05)
                finally:
                    db.session.remove()
        except BaseException as error:  # reported by the test
            self.error = error


def wait_for(condition, seconds: float = 15) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "gave up waiting"
        time.sleep(0.01)


def count_sending(app) -> int:
    with app.app_context():
        try:
            return statuses().get("sending", 0)
        finally:
            db.session.remove()


# -- a server slower than the lease -----------------------------------------------------


def test_a_server_slower_than_the_lease_gets_each_reminder_once(fresh_app, faulty_smtp):
    """Each message takes the server 1.5 s; the lease is 1 s. Two dispatchers share the rows
    and a third ticks all the while, ready to take over any lease that runs out: none does,
    because a dispatcher renews the lease while the server takes its time."""
    app = fresh_app
    server = faulty_smtp(delay=1.5)
    app.config.update(MAIL_PORT=server.port, REMINDER_LEASE_SECONDS=1)
    with app.app_context():
        ids = add_due(4, utcnow())
        db.session.remove()

    first = Dispatcher(app, "first", batch=2)
    second = Dispatcher(app, "second", batch=2)
    first.start()
    wait_for(lambda: count_sending(app) == 2)
    second.start()
    wait_for(lambda: count_sending(app) == 4)  # every row is held by one of them
    keep_ticking = threading.Event()
    keep_ticking.set()
    poacher = Dispatcher(app, "poacher", batch=10, ticks=keep_ticking)
    poacher.start()
    for worker in (first, second):
        worker.join(timeout=30)
    keep_ticking.clear()
    poacher.join(timeout=30)

    for worker in (first, second, poacher):
        assert not worker.is_alive() and worker.error is None, worker.error
    claimed = {w.worker: w.result.claimed for w in (first, second, poacher)}
    measured("slow server", server.message_ids(), reminders=len(ids), claimed=claimed)
    assert server.message_ids() == once_each(ids)
    assert (first.result.claimed, second.result.claimed, poacher.result.claimed) == (2, 2, 0)
    assert (first.result.sent, second.result.sent) == (2, 2)
    assert first.result.lost + second.result.lost + first.result.unrecorded == 0
    with app.app_context():
        assert statuses() == {"sent": 4}
        assert {(r.claimed_by, r.attempts) for r in found(ids)} == {("first", 1), ("second", 1)}
        db.session.remove()


def test_a_reminder_for_the_app_only_does_not_hold_up_the_rest_of_its_batch(app, ctx, outbox):
    ids = add_due(3, NOW)
    in_app = db.session.get(Reminder, ids[0])
    in_app.essential = False
    preferences.save(in_app.recipient, {"reminders": "app"})
    db.session.commit()

    result = reminders.dispatch(now=NOW, worker="w")

    assert (result.claimed, result.skipped, result.sent) == (3, 1, 2)
    assert Counter(m["Message-ID"] for m in outbox.messages) == once_each(ids[1:])
    assert [(r.status, r.delivery) for r in sorted(found(ids), key=lambda r: r.id)] == [
        ("sent", "app"),
        ("sent", "email"),
        ("sent", "email"),
    ]


# -- the server drops the connection ----------------------------------------------------


@pytest.mark.parametrize("mode", ["close", "reset", "421"])
def test_a_dropped_connection_is_opened_again_and_each_reminder_sent_once(
    app, ctx, faulty_smtp, mode
):
    """The server drops the connection while the 3rd and the 6th message are sent (a FIN,
    a RST, or a 421 after which the client closes): the dispatcher connects again once each
    time, sends that message again, and goes on. Nothing counts an extra attempt."""
    server = faulty_smtp(drop_at={3, 6}, drop_mode=mode)
    ids = add_due(8, NOW)

    with mail_port(app, server.port):
        result = reminders.dispatch(now=NOW, worker="w")

    measured(
        f"dropped ({mode})",
        server.message_ids(),
        reminders=len(ids),
        data_commands=server.data_commands,
        connections=server.connections,
    )
    assert (result.claimed, result.sent, result.deferred, result.retrying) == (8, 8, 0, 0)
    assert server.message_ids() == once_each(ids)
    assert (server.data_commands, server.connections) == (10, 3)  # 2 dropped, 2 reconnects
    assert {(r.status, r.attempts, r.last_error) for r in found(ids)} == {("sent", 1, None)}


def test_a_server_that_drops_the_connection_and_stays_away_defers_the_rest(
    app, ctx, faulty_smtp, caplog
):
    """The connection drops at the 3rd message and the server does not take a new one: the
    dispatcher reconnects once, then gives the rest back without counting an attempt."""
    server = faulty_smtp(drop_at={3})
    server.down_after_drop = True
    ids = add_due(6, NOW)
    base = timedelta(seconds=app.config["REMINDER_RETRY_BASE_SECONDS"])

    with mail_port(app, server.port), caplog.at_level(logging.WARNING, logger=LOG):
        result = reminders.dispatch(now=NOW, worker="w")

        assert (result.claimed, result.sent, result.deferred, result.retrying) == (6, 2, 4, 0)
        rows = found(ids)
        assert sorted(r.status for r in rows) == ["pending"] * 4 + ["sent"] * 2
        waiting = [r for r in rows if r.status == "pending"]
        assert {(r.attempts, r.next_attempt_at, r.claimed_until) for r in waiting} == {
            (0, NOW + base, None)
        }
        assert all(r.last_error for r in waiting)
        assert any("unreachable" in record.getMessage() for record in caplog.records)

        server.down_after_drop = False  # back
        later = reminders.dispatch(now=NOW + base, worker="w")

    measured(
        "dropped, then down",
        server.message_ids(),
        reminders=len(ids),
        first_tick=f"sent {result.sent} deferred {result.deferred}",
    )
    assert (later.claimed, later.sent) == (4, 4)
    assert server.message_ids() == once_each(ids)
    assert {(r.status, r.attempts) for r in found(ids)} == {("sent", 1)}


# -- the server is down for a whole outage ----------------------------------------------


def banner_texts(locale: str) -> list[str]:
    """The banner's title, and its text after the last try's moment, in `locale`."""
    catalog = Translations.load(str(ROOT / "translations"), [locale])
    title, body = catalog.gettext(BANNER), catalog.gettext(BANNER_BODY)
    if locale != "en":
        assert (title, body) != (BANNER, BANNER_BODY), f"{locale}: the banner is not translated"
    return [title, body.partition("%(last)s")[2]]


def test_an_outage_counts_no_attempt_alerts_the_desk_and_each_reminder_goes_once_back(
    app, data, make_client, login, faulty_smtp, caplog
):
    """SMTP is down from the first tick on and stays down for 40 minutes (the review saw a
    31-minute outage mark deadline reminders failed for good): no attempt is counted, the rows
    wait, the desk sees a banner in its language and the log says so. Then it is back: each
    reminder goes out once, and the banner is gone."""
    server = faulty_smtp()
    with data():
        ids = add_due(3, NOW)
        desk = {locale: make_user("staff", locale=locale).email for locale in ("nl", "af", "en")}
    ticks = [NOW + timedelta(minutes=m) for m in (0, 2, 5, 10, 20, 40)]

    with mail_port(app, free_port()), caplog.at_level(logging.WARNING, logger=LOG):
        for moment in ticks:
            with data():
                result = reminders.dispatch(now=moment, worker="w")
                assert (result.claimed, result.deferred, result.sent, result.retrying) == (
                    3,
                    3,
                    0,
                    0,
                )
                assert (result.failed, result.stopped) == (0, False)
                rows = found(ids)
                assert {(r.status, r.attempts) for r in rows} == {("pending", 0)}
                assert {r.next_attempt_at for r in rows} == {
                    moment + timedelta(seconds=app.config["REMINDER_RETRY_BASE_SECONDS"])
                }
                assert all("refused" in r.last_error.lower() for r in rows)
        warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
        assert len([w for w in warnings if "unreachable" in w]) == len(ticks)
        assert "3 reminders wait" in warnings[-1] and "no attempt counted" in warnings[-1]
        with data():
            status = db.session.get(MailServerStatus, delivery.MAIL_SERVER)
            assert (status.down_since, status.last_failure_at, status.failures) == (
                NOW,
                ticks[-1],
                len(ticks),
            )

        for locale, email in desk.items():
            page = login(make_client(), email).get("/desk/reminders").get_data(as_text=True)
            for text in banner_texts(locale):
                assert text in page, locale
            assert 'class="flash flash-error mail-outage" role="alert"' in page
            assert "Connection refused" in page  # the error, as the server gave it

    back = ticks[-1] + timedelta(minutes=1)
    with mail_port(app, server.port), caplog.at_level(logging.WARNING, logger=LOG):
        with data():
            result = reminders.dispatch(now=back, worker="w")
            assert (result.claimed, result.sent, result.deferred) == (3, 3, 0)
            assert {(r.status, r.attempts, r.last_error) for r in found(ids)} == {("sent", 1, None)}
            status = db.session.get(MailServerStatus, delivery.MAIL_SERVER)
            assert (status.down_since, status.failures, status.recovered_at) == (None, 0, back)
        assert "reachable again" in caplog.records[-1].getMessage()
    measured("40-minute outage", server.message_ids(), reminders=len(ids), ticks_down=len(ticks))
    assert server.message_ids() == once_each(ids)
    for locale, email in desk.items():
        page = login(make_client(), email).get("/desk/reminders").get_data(as_text=True)
        assert banner_texts(locale)[0] not in page and "mail-outage" not in page


# -- the database connection is terminated (PostgreSQL) ---------------------------------


def admin_engine():
    return create_engine(make_url(PG_URL).set(database="postgres"), isolation_level="AUTOCOMMIT")


def is_sent_mark(parameters) -> bool:
    return isinstance(parameters, dict) and parameters.get("status") == "sent"


@pytest.mark.postgres
@pytest.mark.parametrize("terminations", [1, 2])
def test_a_backend_terminated_while_a_row_is_marked_sent_resends_at_most_that_one(
    fresh_pg_app, faulty_smtp, terminations
):
    """pg_terminate_backend hits the dispatcher's connection just as it marks the 3rd message
    sent (the server has accepted it). Once: the mark is tried again on a fresh connection and
    nothing is sent twice. Twice (the retry too): the batch stops; that row keeps its lease
    and its Message-ID, and after the lease the next tick sends it again (the one allowed
    duplicate) together with the rows never sent. None is lost."""
    app = fresh_pg_app
    server = faulty_smtp()
    app.config["MAIL_PORT"] = server.port
    lease = timedelta(seconds=app.config["REMINDER_LEASE_SECONDS"])
    admin = admin_engine()
    marks = []

    def terminate_while_marking(conn, cursor, statement, parameters, context, executemany):
        if not is_sent_mark(parameters):
            return
        marks.append(cursor.connection.info.backend_pid)
        if 3 <= len(marks) < 3 + terminations:
            with admin.connect() as connection:  # returns once the backend is gone
                pid = marks[-1]
                connection.execute(text("SELECT pg_terminate_backend(:pid, 5000)"), {"pid": pid})

    with app.app_context():
        ids = add_due(10, NOW)
        engine = db.engine
        event.listen(engine, "before_cursor_execute", terminate_while_marking)
        try:
            result = reminders.dispatch(now=NOW, worker="victim")
        finally:
            event.remove(engine, "before_cursor_execute", terminate_while_marking)
            db.session.remove()

        if terminations == 1:
            assert (result.sent, result.stopped, result.unrecorded) == (10, False, 0)
            assert statuses() == {"sent": 10}
        else:
            assert (result.sent, result.stopped, result.unrecorded) == (2, True, 1)
            assert statuses() == {"sent": 2, "sending": 8}  # all still leased to "victim"
            early = reminders.dispatch(now=NOW + lease - timedelta(seconds=1), worker="early")
            assert early.claimed == 0
            rescue = reminders.dispatch(now=NOW + lease + timedelta(seconds=1), worker="rescuer")
            assert (rescue.claimed, rescue.sent) == (8, 8)
            assert statuses() == {"sent": 10}
        db.session.remove()
    admin.dispose()

    counts = server.message_ids()
    measured(f"backend terminated x{terminations} while marking", counts, reminders=len(ids))
    assert set(counts) == set(once_each(ids))  # none lost
    assert duplicates(counts) == terminations - 1  # 0, or the one accepted before the crash
    if terminations == 2:
        assert counts[message_id(ids[2])] == 2


@pytest.mark.postgres
def test_backends_terminated_at_any_moment_mid_batch_resend_at_most_one(fresh_pg_app, faulty_smtp):
    """A dispatcher sends 40 reminders to a slowish server; after 10 arrived, every backend
    of its database is terminated (wherever the dispatcher is: between two commits, in one,
    waiting for SMTP). After the lease another tick runs: each reminder arrived, and at most
    one twice."""
    app = fresh_pg_app
    server = faulty_smtp(delay=0.02)
    app.config["MAIL_PORT"] = server.port
    lease = timedelta(seconds=app.config["REMINDER_LEASE_SECONDS"])
    with app.app_context():
        ids = add_due(40, NOW)
        name = db.engine.url.database
        db.session.remove()
    admin = admin_engine()

    victim = Dispatcher(app, "victim", batch=40, now=NOW)
    victim.start()
    wait_for(lambda: len(server.messages) >= 10)
    with admin.connect() as connection:
        terminated = connection.execute(
            text(
                "SELECT count(pg_terminate_backend(pid, 5000)) FROM pg_stat_activity "
                "WHERE datname = :name AND pid <> pg_backend_pid()"
            ),
            {"name": name},
        ).scalar()
    victim.join(timeout=60)
    admin.dispose()
    assert terminated >= 1
    assert not victim.is_alive()

    with app.app_context():
        rescue = reminders.dispatch(
            now=NOW + lease + timedelta(seconds=1), worker="rescuer", until_empty=True
        )
        assert statuses() == {"sent": 40}
        db.session.remove()
    counts = server.message_ids()
    measured(
        "backends terminated mid-batch",
        counts,
        reminders=len(ids),
        terminated=terminated,
        victim=f"sent {victim.result.sent} stopped {victim.result.stopped} "
        f"error {type(victim.error).__name__ if victim.error else None}",
        rescuer=f"sent {rescue.sent}",
    )
    assert set(counts) == set(once_each(ids))  # none lost
    assert duplicates(counts) <= 1, counts
    assert victim.result.sent + rescue.sent == 40
