"""SQLite, the embedded default, with several users: reads never take the write lock, and a
login's password hash runs with no lock held. On a database file of its own, with real
commits and a second connection playing the other user."""

from __future__ import annotations

import sqlite3
import threading
import time

import pytest

from onboarding import create_app
from onboarding.db import transaction
from onboarding.extensions import db
from onboarding.services import auth
from tests.conftest import PASSWORD, migrate_fresh, test_config
from tests.factories import make_candidate, make_user


@pytest.fixture
def sqlite_app(tmp_path, smtp_server):
    path = tmp_path / "locking.sqlite3"
    app = create_app(
        test_config(f"sqlite:///{path}", smtp_server.port), instance_path=str(tmp_path / "i")
    )
    migrate_fresh(app)
    with app.app_context():
        with transaction():
            staff = make_user("staff", email="desk@example.org")
            make_candidate()
        app.extensions["test_staff"] = staff.email
        db.session.remove()
    app.extensions["test_db_path"] = str(path)
    yield app
    with app.app_context():
        db.engine.dispose()


def other_writer(path: str, timeout: float = 0.1) -> sqlite3.Connection:
    """A second connection (another user's request) that can take the write lock."""
    return sqlite3.connect(path, timeout=timeout, isolation_level=None, check_same_thread=False)


def test_pages_are_read_while_someone_else_holds_the_write_lock(sqlite_app):
    client = sqlite_app.test_client()
    email = sqlite_app.extensions["test_staff"]
    assert client.post("/login", data={"email": email, "password": PASSWORD}).status_code == 302
    writer = other_writer(sqlite_app.extensions["test_db_path"])
    writer.execute("BEGIN IMMEDIATE")  # another request is writing right now
    try:
        started = time.monotonic()
        for path in ("/desk/", "/desk/companies", "/desk/reminders", "/desk/reports"):
            assert client.get(path).status_code == 200, path
        waited = time.monotonic() - started
    finally:
        writer.execute("ROLLBACK")
        writer.close()
    # Far below the 5 s busy timeout a waiting reader would have spent on each page.
    assert waited < 4


def test_a_write_waits_for_the_lock_instead_of_failing(sqlite_app):
    """The worker's import holds the write lock for seconds: a request that writes waits
    its turn — longer than SQLite's former 5 s busy timeout, which answered with a 500."""
    client = sqlite_app.test_client()
    writer = other_writer(sqlite_app.extensions["test_db_path"])
    writer.execute("BEGIN IMMEDIATE")
    release = threading.Timer(5.5, lambda: writer.execute("COMMIT"))
    release.start()
    try:
        response = client.post(
            "/partners/apply",
            data={
                "name": "University of Namibia",
                "kind": "lead",
                "contact_name": "Selma Shilongo",
                "email": "selma@example.org",
                "country": "NA",
            },
        )
    finally:
        release.join()
        writer.close()
    assert response.status_code == 302


def test_the_password_hash_is_checked_with_no_lock_held(sqlite_app, monkeypatch):
    """Eight clients failing logins made every page slow: each Argon2 check held the write
    lock. Now another writer gets the lock while a login is hashing."""
    hasher = auth._hasher_for(tuple(sorted(sqlite_app.config["PASSWORD_HASH_PARAMS"].items())))
    hashing, done = threading.Event(), threading.Event()
    real_verify = type(hasher).verify

    def slow_verify(self, stored, password):
        hashing.set()
        assert done.wait(5)
        return real_verify(self, stored, password)

    monkeypatch.setattr(type(hasher), "verify", slow_verify)
    email = sqlite_app.extensions["test_staff"]
    answers: list[int] = []
    login = threading.Thread(
        target=lambda: answers.append(
            sqlite_app.test_client()
            .post("/login", data={"email": email, "password": "wrong password"})
            .status_code
        )
    )
    login.start()
    try:
        assert hashing.wait(5)
        writer = other_writer(sqlite_app.extensions["test_db_path"])
        writer.execute("BEGIN IMMEDIATE")  # raises "database is locked" if the login holds it
        writer.execute("ROLLBACK")
        writer.close()
    finally:
        done.set()
        login.join()
    assert answers == [422]
