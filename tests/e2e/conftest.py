"""End-to-end fixtures: the real app served over HTTP, and headless Debian Chromium.

The live server has its own SQLite database and real CSRF protection; mail goes to the
suite's `smtp_server`. Chromium comes from Debian (/usr/bin/chromium): `playwright install`
cannot download browsers here. Without it the tests skip, except under CI (CI=true), where
a missing browser is an error.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import select
from werkzeug.serving import make_server

from onboarding import create_app, logs
from onboarding.demo import DEMO_PASSWORD
from onboarding.extensions import db
from onboarding.models import Document, ThreadAttachment, User
from onboarding.security import TOKEN_PATH
from tests.conftest import PASSWORD, free_port, migrate_fresh, test_config
from tests.factories import make_user
from tests.mail import text_of

CHROMIUM = Path("/usr/bin/chromium")
CI = os.environ.get("CI", "").lower() == "true"
STAFF_EMAIL = "desk@e2e.example"
REPO = Path(__file__).resolve().parents[2]
RESULTS = REPO / "test-results"
_LIVE_APPS: list = []  # the live app, once made: the log check reads its accounts


@pytest.fixture(scope="session")
def live_app(smtp_server, tmp_path_factory):
    """The Flask app `live_server` serves: use `with live_app.app_context():` to set up rows."""
    tmp = tmp_path_factory.mktemp("e2e")
    config = test_config(f"sqlite:///{tmp}/e2e.sqlite3", smtp_server.port)
    config["WTF_CSRF_ENABLED"] = True
    # Emailed links use the public address, as in production: here the live server's.
    port = free_port()
    config["PUBLIC_BASE_URL"] = f"http://127.0.0.1:{port}"
    app = create_app(config, instance_path=str(tmp / "instance"))
    app.extensions["e2e_port"] = port
    _LIVE_APPS.append(app)
    migrate_fresh(app)
    with app.app_context():
        make_user("staff", email=STAFF_EMAIL, name="Desk E2E")
        db.session.remove()
    try:
        yield app
    finally:
        with app.app_context():
            db.engine.dispose()


@contextmanager
def serving(app, port: int) -> Iterator[str]:
    """`app` on http://127.0.0.1:<port> in a thread, for as long as the block runs."""
    server = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="e2e-live-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


class E2ELog:
    """The JSON lines the app logged during the e2e tests (and only theirs), and the emails
    those tests received."""

    def __init__(self, stream):
        self.handler = logs.handler(stream)
        self.messages: list = []


@pytest.fixture(scope="session")
def e2e_log(smtp_server, tmp_path_factory):
    """At the end of the run, every line logged during an e2e test (through the app's JSON
    handler) is searched for what must never be logged: the passwords the run signs in
    with, every token of every email it received (invitation, reset, sign-in, calendar
    links), those emails' addresses, subjects and lines of text, account addresses,
    two-factor secrets and stored documents' names."""
    path = tmp_path_factory.mktemp("logs") / "e2e.jsonl"
    with path.open("w", encoding="utf-8") as stream:
        log = E2ELog(stream)
        yield log
    logged = path.read_text(encoding="utf-8")
    assert '"logger": "onboarding.requests"' in logged  # the check read a real log
    secrets = {PASSWORD, DEMO_PASSWORD} | _secrets_in(log.messages) | _stored_secrets()
    leaked = sorted(secret for secret in secrets if secret and secret in logged)
    assert not leaked, f"{len(leaked)} secrets in the e2e run's log, e.g. {leaked[:3]}"


@pytest.fixture(autouse=True)
def logged_for_the_check(e2e_log, smtp_server):
    """Each e2e test's log lines and emails go to `e2e_log`."""
    # The level on our loggers' parent: pytest resets the root logger's after each test.
    root, ours = logging.getLogger(), logging.getLogger("onboarding")
    level, received = ours.level, len(smtp_server.ever)
    root.addHandler(e2e_log.handler)
    ours.setLevel(logging.INFO)
    try:
        yield
    finally:
        root.removeHandler(e2e_log.handler)
        ours.setLevel(level)
        e2e_log.messages.extend(smtp_server.ever[received:])


def _secrets_in(messages) -> set[str]:
    found: set[str] = set()
    for message in messages:
        text = text_of(message)
        for match in TOKEN_PATH.finditer(text):
            found.add(match.group("token") or match.group("feed"))
        found.update(str(message[header]) for header in ("To", "Subject") if message[header])
        found.update(line.strip() for line in text.splitlines() if len(line.strip()) >= 30)
    return found


def _stored_secrets() -> set[str]:
    app = _LIVE_APPS[0] if _LIVE_APPS else None
    if app is None:
        return set()
    with app.app_context():
        rows = db.session.execute(select(User.email, User.totp_secret, User.calendar_token))
        found = {value for row in rows for value in row if value}
        found |= set(db.session.scalars(select(Document.original_name)))
        found |= set(db.session.scalars(select(ThreadAttachment.original_name)))
        db.session.remove()
    return found


@pytest.fixture(scope="session")
def live_server(live_app):
    """The app on http://127.0.0.1:<port>, with one staff user (STAFF_EMAIL / PASSWORD)."""
    with serving(live_app, live_app.extensions["e2e_port"]) as url:
        yield url


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        message = f"{CHROMIUM} is missing: install Debian's chromium package"
        if CI:
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    playwright = sync_playwright().start()
    try:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--no-first-run",
                "--disable-sync",
            ],
        )
        try:
            yield chromium
        finally:
            chromium.close()
    finally:
        playwright.stop()


@pytest.fixture(scope="session")
def results_dir() -> Path:
    """Screenshots for humans (gitignored)."""
    RESULTS.mkdir(exist_ok=True)
    return RESULTS
