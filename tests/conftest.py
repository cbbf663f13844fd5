"""Fixtures shared by the suite: app per database, per-test rollback, SMTP server, clients.

Services and web tests run once on SQLite and once on PostgreSQL when TEST_DATABASE_URL is
set. Under CI (CI=true) a missing PostgreSQL is an error, never a skip.
"""

from __future__ import annotations

import io
import json
import logging
import os
import socket
import threading
import uuid
from collections import Counter
from contextlib import contextmanager
from email import message_from_bytes, policy

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from onboarding import create_app, logs
from onboarding.config import database_url
from onboarding.extensions import db, limiter

CI = os.environ.get("CI", "").lower() == "true"
PG_URL = database_url(os.environ.get("TEST_DATABASE_URL"))
FAST_HASH = {"time_cost": 1, "memory_cost": 1024, "parallelism": 1}
PASSWORD = "correct horse battery staple"


def pytest_configure(config):
    if CI and not PG_URL:
        raise pytest.UsageError("CI=true: TEST_DATABASE_URL must point at PostgreSQL")


def free_port() -> int:
    # aiosmtpd cannot bind port 0 itself (aio-libs/aiosmtpd#388): find one first.
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class SMTPCollector:
    """A real SMTP server on 127.0.0.1 that keeps what it receives."""

    def __init__(self):
        self.port = free_port()
        self.received = []
        self.ever = []
        self.lock = threading.Lock()
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        message = message_from_bytes(envelope.content, policy=policy.default)
        with self.lock:
            self.received.append(message)
            self.ever.append(message)
        return "250 Message accepted for delivery"

    @property
    def messages(self):
        with self.lock:
            return list(self.received)

    def clear(self):
        """Forget what was received (`ever` keeps it: the e2e run's log check reads it)."""
        with self.lock:
            self.received.clear()


class FaultySMTP(SMTPCollector):
    """An SMTP server on 127.0.0.1 that misbehaves on request (aiosmtpd, real sockets):

    - `delay`: seconds it takes before it answers each message's DATA;
    - `drop_at`: the numbers (1, 2, … counting every DATA it is sent) of the messages after
      which it drops the connection instead of answering: "close" (FIN), "reset" (RST) or
      "421" (answers 421 and the client closes), as `drop_mode` says; a dropped message is
      not accepted;
    - `down_after_drop`: once it dropped a connection, it takes no new one (it closes each
      as soon as the client greets it) until this is set to False again;
    - `refuse`: recipients it refuses with a 550 (the message, not the connection, failed);
    - `stop()`/`start()`: down (nothing listens: connection refused) and up again.
    """

    def __init__(self, *, delay: float = 0, drop_at=(), drop_mode: str = "close", refuse=()):
        self.port = free_port()
        self.received = []
        self.ever = []
        self.lock = threading.Lock()
        self.delay = delay
        self.drop_at = set(drop_at)
        self.drop_mode = drop_mode
        self.refuse = set(refuse)
        self.down_after_drop = False
        self.data_commands = 0
        self.connections = 0
        self.dropped = 0
        self.running = False

    def start(self):
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self.controller.start()
        self.running = True
        return self

    def stop(self):
        if self.running:
            self.controller.stop()
            self.running = False

    async def handle_EHLO(self, server, session, envelope, hostname, responses):  # noqa: N802
        if self.down_after_drop and self.dropped:
            server.transport.close()
            return responses
        with self.lock:
            self.connections += 1
        session.host_name = hostname
        return responses

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        if address in self.refuse:
            return "550 5.1.1 Mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        import asyncio

        with self.lock:
            self.data_commands += 1
            number = self.data_commands
        if self.delay:
            await asyncio.sleep(self.delay)
        if number in self.drop_at:
            self.dropped += 1
            if self.drop_mode == "421":
                return "421 4.3.2 Service shutting down, closing transmission channel"
            if self.drop_mode == "reset":
                server.transport.abort()
            else:
                server.transport.close()
            return "451 never heard: the connection is gone"
        return await super().handle_DATA(server, session, envelope)

    def message_ids(self) -> Counter:
        return Counter(message["Message-ID"] for message in self.messages)


@pytest.fixture
def faulty_smtp():
    """`faulty_smtp(**options)` starts a `FaultySMTP`; all are stopped after the test."""
    servers = []

    def start(**options) -> FaultySMTP:
        server = FaultySMTP(**options).start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


@contextmanager
def mail_port(app, port: int):
    """Send the app's mail to another port for a while (a test's own server, or none)."""
    saved = app.config["MAIL_PORT"]
    app.config["MAIL_PORT"] = port
    try:
        yield
    finally:
        app.config["MAIL_PORT"] = saved


@pytest.fixture(scope="session")
def smtp_server():
    server = SMTPCollector()
    server.controller.start()
    yield server
    server.controller.stop()


@pytest.fixture
def json_log():
    """`json_log()`: the JSON lines our loggers wrote while the test ran (through the app's
    own handler, `onboarding.logs.handler`), parsed."""
    stream = io.StringIO()
    handler = logs.handler(stream)
    # The level on our loggers' parent: pytest resets the root logger's after each test.
    root, ours = logging.getLogger(), logging.getLogger("onboarding")
    level = ours.level
    root.addHandler(handler)
    ours.setLevel(logging.INFO)
    try:
        yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    finally:
        root.removeHandler(handler)
        ours.setLevel(level)


@pytest.fixture
def outbox(smtp_server):
    smtp_server.clear()
    yield smtp_server
    smtp_server.clear()


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def database(request, tmp_path_factory):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path_factory.mktemp('sqlite') / 'test.sqlite3'}"
    if not PG_URL:
        pytest.skip("PostgreSQL runs need TEST_DATABASE_URL")
    return PG_URL


def test_config(database_url: str, smtp_port: int) -> dict:
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret-key",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "WTF_CSRF_ENABLED": False,
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": smtp_port,
        "PASSWORD_HASH_PARAMS": FAST_HASH,
        # Roomy for tests that send the partner form often (the route walk, races); the
        # limit's own tests set a small one (tests/web/test_partner_form.py).
        "PARTNER_FORM_LIMIT": "1000 per minute",
        # pytest shows the log of a failing test; tests that read our JSON lines attach
        # `onboarding.logs.handler` themselves.
        "LOG_TO_STDERR": False,
    }


test_config.__test__ = False  # a helper, not a test, even when imported into a test module


def migrate_fresh(app) -> None:
    """Drop whatever is there and run every Alembic migration (never create_all)."""
    import flask_migrate

    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as connection:
                connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
                connection.execute(text("CREATE SCHEMA public"))
        flask_migrate.upgrade()
        db.session.remove()


@pytest.fixture(scope="session")
def app(database, smtp_server, tmp_path_factory):
    app = create_app(
        test_config(database, smtp_server.port),
        instance_path=str(tmp_path_factory.mktemp("instance")),
    )
    migrate_fresh(app)
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture(autouse=True)
def fresh_rate_limits():
    """Every test starts with no login failures or form posts counted (the limiter's
    in-memory storage lives as long as the process)."""
    yield
    if limiter.initialized:
        limiter.reset()


@contextmanager
def outer_transaction(app):
    """Everything inside runs in one outer transaction that is rolled back afterwards.

    Flask-SQLAlchemy 3.1 ignores `bind=` on the session, so the engine in `db.engines` is
    swapped for a connection; the session joins it with savepoints (docs/pitfalls.md, Tests).
    """
    with app.app_context():
        engines = db.engines
        engine = engines[None]
    connection = engine.connect()
    outer = connection.begin()
    engines[None] = connection
    try:
        yield connection
    finally:
        engines[None] = engine
        outer.rollback()
        connection.close()


@pytest.fixture
def rollback(app):
    """Run the test inside one outer transaction that is rolled back afterwards."""
    with outer_transaction(app) as connection:
        yield connection


@pytest.fixture
def ctx(app, rollback):
    """An app context for service tests (not for tests that make requests: they would
    share `g`, and with it the logged-in user, across requests)."""
    with app.app_context():
        yield
        db.session.remove()


@pytest.fixture
def data(app, rollback):
    """`with data():` opens a short app context for setting up or checking rows."""

    @contextmanager
    def opened():
        with app.app_context():
            try:
                yield db.session
            finally:
                db.session.remove()

    return opened


@pytest.fixture
def client(app, rollback):
    return app.test_client()


@pytest.fixture
def make_client(app, rollback):
    return app.test_client


@pytest.fixture
def login(app):
    def log_in(client, email: str, password: str = PASSWORD):
        response = client.post("/login", data={"email": email, "password": password})
        assert response.status_code == 302, response.get_data(as_text=True)
        return client

    return log_in


@pytest.fixture(params=["sqlite", "postgresql"])
def fresh_app(request, tmp_path, smtp_server):
    """An app on a database of its own (committed rows, several threads at once)."""
    if request.param == "postgresql":
        yield request.getfixturevalue("fresh_pg_app")
        return
    app = create_app(
        test_config(f"sqlite:///{tmp_path / 'fresh.sqlite3'}", smtp_server.port),
        instance_path=str(tmp_path),
    )
    migrate_fresh(app)
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def fresh_pg_app(tmp_path, smtp_server):
    """A fresh PostgreSQL database of its own, so committed rows never meet other tests."""
    if not PG_URL:
        if CI:
            pytest.fail("TEST_DATABASE_URL is required under CI")
        pytest.skip("needs TEST_DATABASE_URL")
    name = f"onthaal_race_{uuid.uuid4().hex[:10]}"
    admin = create_engine(make_url(PG_URL).set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    app = create_app(
        test_config(make_url(PG_URL).set(database=name).render_as_string(False), smtp_server.port),
        instance_path=str(tmp_path),
    )
    migrate_fresh(app)
    try:
        yield app
    finally:
        with app.app_context():
            db.engine.dispose()
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
