"""Throttles shared between processes: gunicorn with two workers and
RATELIMIT_STORAGE_URI on the local Redis. Each worker answers some of the failed logins, yet
the account is throttled after its limit in total, not per worker. (With the default
in-memory storage each process counts on its own: README, Accounts and security.)"""

from __future__ import annotations

import os
import socket
import uuid
from pathlib import Path

import pytest

from onboarding import create_app
from onboarding.db import transaction
from onboarding.extensions import db
from tests.conftest import CI, migrate_fresh, test_config
from tests.factories import make_user
from tests.load.test_load import Client, gunicorn

ROOT = Path(__file__).resolve().parents[2]
REDIS = ("127.0.0.1", 6379)
LIMIT = 4


def redis_is_up() -> bool:
    try:
        with socket.create_connection(REDIS, timeout=1):
            return True
    except OSError:
        return False


def test_two_workers_count_failed_logins_together(tmp_path, smtp_server):
    if not redis_is_up():
        if CI:
            pytest.fail("Redis is not running on 127.0.0.1:6379")
        pytest.skip("needs Redis on 127.0.0.1:6379")
    url = f"sqlite:///{tmp_path / 'throttle.sqlite3'}"
    app = create_app(test_config(url, smtp_server.port), instance_path=str(tmp_path / "i"))
    migrate_fresh(app)
    with app.app_context():
        with transaction():
            make_user("staff", email="desk@throttle.example")
        db.engine.dispose()
    env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": "throttle-test",
           "RATELIMIT_STORAGE_URI": f"redis://{REDIS[0]}:{REDIS[1]}/15",
           "RATELIMIT_KEY_PREFIX": f"onthaal-test-{uuid.uuid4().hex}",
           "ONTHAAL_LOGIN_LIMIT_ACCOUNT": f"{LIMIT} per 10 minutes"}  # fmt: skip
    server, base = gunicorn(env)
    try:
        statuses = []
        for number in range(LIMIT + 3):  # a new connection each time: both workers answer
            client = Client(base, f"guesser-{number}")
            token = client.token("/login")
            status, _body = client.call(
                "/login",
                {"csrf_token": token, "email": "desk@throttle.example", "password": "guess"},
            )
            statuses.append(status)
    finally:
        server.terminate()
        server.wait(timeout=20)
    assert statuses == [422] * LIMIT + [429] * 3
