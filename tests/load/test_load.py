"""Several users at once against the real server: gunicorn with two workers, on SQLite (the
embedded default) and on PostgreSQL, eight clients each sending a bounded mix of page reads,
writes (meetings, partner applications) and failed logins, all on 127.0.0.1. Not one
answer may be a 5xx. The figures (requests, p50/p99) are printed, never asserted: timing
goals live in bench/."""

from __future__ import annotations

import http.cookiejar
import os
import re
import statistics
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select

from onboarding import create_app
from onboarding.db import transaction
from onboarding.extensions import db
from onboarding.models import MentoringMeeting, Partner
from tests.conftest import PASSWORD, free_port, migrate_fresh, test_config
from tests.factories import make_candidate, make_user

ROOT = Path(__file__).resolve().parents[2]
CLIENTS = int(os.environ.get("LOAD_TEST_CLIENTS", "8"))
REQUESTS = int(os.environ.get("LOAD_TEST_REQUESTS", "250"))  # per client
CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
CSRF_ANY = re.compile(r'name="csrf_token" value="([^"]+)"')


class Client:
    """One browser: its own cookies and User-Agent (Flask-Login's strong protection)."""

    def __init__(self, base: str, name: str):
        self.base = base
        jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(jar), NoRedirect()
        )
        self.opener.addheaders = [("User-Agent", f"load-test/{name}")]
        self.statuses: list[int] = []
        self.seconds: list[float] = []

    def call(self, path: str, form: dict | None = None) -> tuple[int, str]:
        data = urllib.parse.urlencode(form).encode() if form is not None else None
        started = time.perf_counter()
        try:
            with self.opener.open(self.base + path, data=data, timeout=30) as response:
                status, body = response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            status, body = error.code, error.read().decode(errors="replace")
        self.seconds.append(time.perf_counter() - started)
        self.statuses.append(status)
        return status, body

    def token(self, path: str) -> str:
        _status, body = self.call(path)
        found = CSRF.search(body) or CSRF_ANY.search(body)
        assert found, f"no form on {path}"
        return found.group(1)

    def login(self, email: str) -> None:
        token = self.token("/login")
        status, _body = self.call(
            "/login", {"csrf_token": token, "email": email, "password": PASSWORD}
        )
        assert status == 302, f"login of {email} answered {status}"


def gunicorn(env: dict, *, stderr=subprocess.DEVNULL, timeout: int = 30):
    """The app under gunicorn with two workers on a free loopback port, once it answers;
    returns the process and its base URL (the caller terminates it)."""
    port = free_port()
    env = {**env, "ONTHAAL_PUBLIC_URL": f"http://127.0.0.1:{port}"}
    server = subprocess.Popen(
        [str(Path(sys.executable).with_name("gunicorn")), "--workers", "2",
         "--bind", f"127.0.0.1:{port}", "--timeout", str(timeout), "--log-level", "warning",
         "wsgi:app"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=stderr, text=True,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(base + "/login", timeout=2).close()
            break
        except OSError:
            time.sleep(0.1)
    return server, base


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # the status itself is what we count
        return None


def world(app) -> dict:
    with app.app_context():
        with transaction():
            staff = make_user("staff", email="desk@load.example")
            mentor = make_user("mentor", email="mentor@load.example", mentor_capacity=20)
            people = [
                make_candidate(phase="mentoring", mentor=mentor, email=f"c{i}@load.example")
                for i in range(6)
            ]
        ids = {
            "staff": staff.email,
            "mentor": mentor.email,
            "candidates": [c.id for c in people],
            "candidate_email": "c0@load.example",
        }
        db.session.remove()
    return ids


def session_of(kind: str, client: Client, ids: dict, rounds: int) -> None:
    """One client's bounded mix: pages read by the desk, mentors and candidates, meetings
    logged and partner applications sent, and anonymous failed logins (half of theirs)."""
    if kind == "staff":
        client.login(ids["staff"])
    elif kind == "mentor":
        client.login(ids["mentor"])
    elif kind == "candidate":
        client.login(ids["candidate_email"])
    candidates = ids["candidates"]
    for number in range(rounds):
        pick = candidates[number % len(candidates)]
        if kind == "anonymous" and number % 2:  # wrong passwords, as an attacker sends them
            token = client.token("/login")
            email = ("nobody@load.example", ids["staff"])[number % 4 // 2]
            client.call("/login", {"csrf_token": token, "email": email,
                                   "password": "wrong password"})  # fmt: skip
        elif kind == "staff":
            path = ("/desk/", f"/desk/candidates/{pick}", "/desk/reminders", "/desk/reports")
            client.call(path[number % len(path)])
        elif kind == "mentor":
            if number % 5 == 4:
                token = client.token(f"/mentor/mentees/{pick}")
                client.call(
                    f"/mentor/mentees/{pick}/meetings",
                    {"csrf_token": token, "met_on": date.today().isoformat(),
                     "note": f"Meeting {number} of the load test."},
                )  # fmt: skip
            else:
                client.call(("/mentor/", f"/mentor/mentees/{pick}")[number % 2])
        elif kind == "candidate":
            client.call(("/me/", "/me/profile", "/me/documents", "/notifications")[number % 4])
        else:
            if number % 5 == 4:
                token = client.token("/partners/apply")
                client.call(
                    "/partners/apply",
                    {"csrf_token": token, "name": f"Load Partner {number}", "kind": "lead",
                     "contact_name": "Selma Shilongo", "email": "selma@load.example",
                     "country": "NA"},
                )  # fmt: skip
            else:
                client.call(("/partners/apply", "/login")[number % 2])


@pytest.fixture(params=["sqlite", "postgresql"])
def served(request, tmp_path, smtp_server):
    """gunicorn with two workers on a database of its own, and the rows the clients use."""
    if request.param == "postgresql":
        app = request.getfixturevalue("fresh_pg_app")
    else:
        app = create_app(
            test_config(f"sqlite:///{tmp_path / 'load.sqlite3'}", smtp_server.port),
            instance_path=str(tmp_path / "instance"),
        )
        migrate_fresh(app)
    ids = world(app)
    with app.app_context():
        url = db.engine.url.render_as_string(hide_password=False)
    # Warnings and errors only: stderr is a pipe read when the server stops, and a line per
    # request would fill it (the workers would wait for the test to read).
    env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": "load-test-secret",
           "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": str(smtp_server.port),
           "ONTHAAL_LOG_LEVEL": "WARNING"}  # fmt: skip
    server, base = gunicorn(env, stderr=subprocess.PIPE, timeout=60)
    try:
        yield base, ids, app, request.param
    finally:
        server.terminate()
        try:
            _out, errors = server.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            _out, errors = server.communicate()
        if "Traceback" in (errors or ""):
            print(errors[-3000:])  # shown when the assertions below fail


def test_eight_clients_at_once_get_no_5xx(served):
    base, ids, app, database = served
    kinds = ["staff", "staff", "mentor", "mentor", "candidate", "candidate", "anonymous",
             "anonymous"][:CLIENTS]  # fmt: skip
    clients = [Client(base, f"{kind}-{n}") for n, kind in enumerate(kinds)]
    failures: list[BaseException] = []

    def run(kind: str, client: Client) -> None:
        try:
            session_of(kind, client, ids, REQUESTS)
        except BaseException as error:  # reported below, with the thread's client
            failures.append(error)

    threads = [
        threading.Thread(target=run, args=(kind, client), name=f"client-{kind}")
        for kind, client in zip(kinds, clients, strict=True)
    ]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=600)
    elapsed = time.perf_counter() - started
    assert not failures, failures[0]
    statuses = [s for c in clients for s in c.statuses]
    seconds = sorted(s for c in clients for s in c.seconds)
    server_errors = [s for s in statuses if s >= 500]
    p50 = statistics.median(seconds) * 1000
    p99 = seconds[int(len(seconds) * 0.99) - 1] * 1000
    print(
        f"\nload ({database}): {len(statuses)} requests in {elapsed:.1f} s, "
        f"{len(server_errors)} 5xx, p50 {p50:.0f} ms, p99 {p99:.0f} ms, "
        f"statuses {sorted(set(statuses))}"
    )
    assert server_errors == []
    assert len(statuses) >= CLIENTS * REQUESTS
    with app.app_context():
        meetings = db.session.scalar(select(func.count(MentoringMeeting.id)))
        applications = db.session.scalar(select(func.count(Partner.id)))
        db.session.remove()
    assert meetings > 0 and applications > 0  # the writes really happened
