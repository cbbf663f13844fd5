"""End-to-end fixtures: the real app served over HTTP, and headless Debian Chromium.

The live server has its own SQLite database and real CSRF protection; mail goes to the
suite's `smtp_server`. Chromium comes from Debian (/usr/bin/chromium): `playwright install`
cannot download browsers here. Without it the tests skip, except under CI (CI=true), where
a missing browser is an error.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from onboarding import create_app
from onboarding.extensions import db
from tests.conftest import free_port, migrate_fresh, test_config
from tests.factories import make_user

CHROMIUM = Path("/usr/bin/chromium")
CI = os.environ.get("CI", "").lower() == "true"
STAFF_EMAIL = "desk@e2e.example"
REPO = Path(__file__).resolve().parents[2]
RESULTS = REPO / "test-results"


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
