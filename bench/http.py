"""Benchmark: what each desk page costs over HTTP at 1,000 and at 100,000 candidates.

Seeds the database named by BENCH_DATABASE_URL (PostgreSQL; it is emptied first) or a
temporary SQLite file: 1,000 candidates with their phase history and three outbox rows each,
then up to N (default 100,000). At each size it times every page in the app's own process
(server-side time, the median of --runs requests through Flask's test client); at N it also
starts the app under gunicorn (2 workers) and a bare Flask "hello" app under the same
settings, logs in, and drives each page for --seconds with --connections concurrent clients:
wrk when it is on the PATH, else a small asyncio client (one connection per request, as
gunicorn's sync workers answer). It prints requests/second per page and each page's ratio to
"hello", the server-side times and their ratio, and the workers' RSS before and after
--rss-requests requests (a slow page at most a minute's worth). The bench does once per size
what the worker does every few minutes: it folds the count rows and computes the reports'
unfiltered figures, which the dashboard shows; "reports, as of now" computes them per
request. Loopback only; stops by itself; asserts nothing.

    .venv/bin/python bench/http.py [--candidates 100000] [--seconds 10] [--connections 8]
    BENCH_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/bench .venv/bin/python bench/http.py
"""

from __future__ import annotations

import sys
from pathlib import Path

# Run as a script, this file's folder comes first on sys.path, where its name would hide
# the standard library's `http`; the repository's root goes there instead.
HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path[:] = [str(ROOT), *(p for p in sys.path if Path(p or ".").resolve() != HERE)]

import argparse  # noqa: E402
import asyncio  # noqa: E402
import http.cookiejar  # noqa: E402
import os  # noqa: E402
import random  # noqa: E402
import re  # noqa: E402
import shutil  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
import urllib.parse  # noqa: E402
import urllib.request  # noqa: E402
from datetime import UTC, date, datetime, timedelta  # noqa: E402

from sqlalchemy import func, insert, select, text  # noqa: E402

from onboarding import create_app  # noqa: E402
from onboarding.db import fold_counts, transaction  # noqa: E402
from onboarding.extensions import db  # noqa: E402
from onboarding.models import (  # noqa: E402
    AuditEvent,
    BoardCount,
    Candidate,
    Company,
    OutboxCount,
    Project,
    Reminder,
    User,
)
from onboarding.services import reports  # noqa: E402
from onboarding.services.reports import MAIN_LINE  # noqa: E402
from onboarding.vocabulary import STEM_FIELDS  # noqa: E402
from tests.conftest import PASSWORD, free_port, migrate_fresh  # noqa: E402
from tests.factories import make_user  # noqa: E402

STAFF = "desk@bench.example"
CHUNK = 5_000
COUNTRIES = ["NA", "ZA", "BW", "ZM", "ZW", "NL", "DE"]
INSTITUTIONS = [
    "University of Namibia",
    "Stellenbosch University",
    "University of Botswana",
    "University of Zambia",
    "University of Zimbabwe",
    "TU Delft",
    "RWTH Aachen",
]
FIRST = [
    "Johanna",
    "Tendai",
    "Pieter",
    "Nomsa",
    "Thabo",
    "Anke",
    "Lerato",
    "Sipho",
    "Marike",
    "Chipo",
    "Kagiso",
    "Elsa",
    "Mpho",
    "Ruan",
    "Naledi",
    "Femke",
    "Jonas",
    "Lindiwe",
]
LAST = [
    "van Wyk",
    "Moyo",
    "Botha",
    "Dube",
    "Nkosi",
    "Pretorius",
    "Mokoena",
    "Banda",
    "Phiri",
    "Shikongo",
    "de Vries",
    "Mulder",
    "Ndlovu",
    "Kruger",
    "Tembo",
    "Jansen",
    "Smit",
]


def seed(start: int, stop: int, rng: random.Random) -> None:
    """Candidates start+1 … stop, each with an account and the phase changes that led to
    their phase (the reports read them), spread over the last 400 days."""
    now = datetime.now(UTC)
    offset = db.session.scalar(select(func.max(User.id))) or 0
    for low in range(start, stop, CHUNK):
        numbers = range(low + 1, min(low + CHUNK, stop) + 1)
        users, candidates, events = [], [], []
        for n in numbers:
            uid = offset + n - start
            created = now - timedelta(days=rng.randint(60, 400), minutes=rng.randint(0, 1440))
            reached = rng.choices(range(len(MAIN_LINE)), weights=[30, 20, 25, 15, 10])[0]
            users.append({"id": uid, "email": f"candidate{n}@bench.example",
                          "name": f"{rng.choice(FIRST)} {rng.choice(LAST)} {n}",
                          "role": "candidate", "locale": rng.choice(["nl", "af", "en"]),
                          "active": True, "created_at": created})  # fmt: skip
            at = created
            for index in range(reached):
                at = at + timedelta(days=rng.randint(10, 50))
                events.append({"candidate_id": n, "actor_id": None, "action": "advance",
                               "from_phase": MAIN_LINE[index], "to_phase": MAIN_LINE[index + 1],
                               "at": min(at, now)})  # fmt: skip
            candidates.append({
                "id": n, "user_id": uid, "country_code": rng.choice(COUNTRIES),
                "origin_institution": rng.choice(INSTITUTIONS),
                "stem_field": rng.choice(STEM_FIELDS), "graduation_date": date(2025, 6, 30),
                "outreach_channel": "partner_referral", "phase": MAIN_LINE[reached],
                "phase_entered_at": min(at, now), "created_at": created, "version_id": 1,
                "consent_at": created,
            })  # fmt: skip
        db.session.execute(insert(User), users)
        db.session.execute(insert(Candidate), candidates)
        db.session.execute(insert(AuditEvent), events)
        db.session.commit()


def settle() -> None:
    """After bulk inserts on PostgreSQL: the sequences past the ids given; then what
    autovacuum would do soon after (the folded count tables vacuumed, fresh statistics)."""
    if db.engine.dialect.name == "postgresql":
        for table in ("users", "candidates", "audit_events", "reminders"):
            db.session.execute(
                text(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"(SELECT max(id) FROM {table}))"
                )  # fmt: skip
            )
        db.session.commit()
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("VACUUM ANALYZE"))


def worker_run() -> None:
    """What the worker keeps up to date every few minutes: the count rows the bulk insert
    appended, folded; the reports' figures."""
    with transaction():
        fold_counts(BoardCount, "phase", "country_code")
        fold_counts(OutboxCount, "kind", "status")
        reports.refresh_snapshot()


def seed_desk() -> dict:
    """The desk user, a company with a project, and reminders in the queue."""
    with transaction():
        make_user("staff", email=STAFF, name="Bench Desk")
        company = Company(name="Bench Energy", municipality="Genk", sector="Energy")
        project = Project(company=company, title="Grid storage", stem_fields=["energy"],
                          skills=["python"], min_dutch_level="B1", seats=3,
                          start_date=date.today() + timedelta(days=45))  # fmt: skip
        db.session.add(project)
    return {"project": project.id}


# The outbox a desk accumulates: about three rows per candidate, most of them long sent.
OUTBOX_STATUSES = ["sent", "cancelled", "pending", "expired", "failed"]
OUTBOX_WEIGHTS = [70, 15, 10, 3, 2]


def add_reminders(start: int, stop: int, rng: random.Random) -> None:
    """Three outbox rows about each of the candidates start+1 … stop (the queue's pages)."""
    now = datetime.now(UTC)
    rows = db.session.execute(
        select(Candidate.id, Candidate.user_id)
        .where(Candidate.id > start, Candidate.id <= stop)
        .order_by(Candidate.id)
    ).all()
    for low in range(0, len(rows), CHUNK):
        outbox = []
        for cid, uid in rows[low : low + CHUNK]:
            for _ in range(3):
                status = rng.choices(OUTBOX_STATUSES, weights=OUTBOX_WEIGHTS)[0]
                due = now + timedelta(days=rng.randint(-300, 30), minutes=rng.randint(0, 1440))
                outbox.append({
                    "rule": "book_assessment", "candidate_id": cid, "recipient_id": uid,
                    "due_at": due, "anchor": due.date().isoformat(), "params": {},
                    "status": status,
                    "sent_at": due if status == "sent" else None,
                    "cancelled_at": due if status == "cancelled" else None,
                })  # fmt: skip
        db.session.execute(insert(Reminder), outbox)
        db.session.commit()


def progress(message: str) -> None:
    """What the run is doing now, on stderr (a run at 100,000 takes a while)."""
    print(f"[{datetime.now():%H:%M:%S}] {message}", file=sys.stderr, flush=True)


def pages(ids: dict) -> dict[str, str]:
    candidate = ids["candidate"]
    return {
        "board": "/desk/",
        "board, search": "/desk/?q=botha+12",
        "board, phase and country": "/desk/?phase=mentoring&country=NA",
        "board, overdue steps": "/desk/?overdue=steps",
        "candidate page": f"/desk/candidates/{candidate}",
        "arrival plan": f"/desk/candidates/{candidate}/plan",
        "reports": "/desk/reports",
        "reports, as of now": "/desk/reports?now=1",
        "project ranking": f"/desk/projects/{ids['project']}",
        "reminder queue": "/desk/reminders",
        "companies": "/desk/companies",
        "people": "/desk/people/",
        "privacy overview": "/desk/privacy",
    }


def server_times(app, paths: dict[str, str], runs: int) -> dict[str, float]:
    """The median time of each page inside the app's process (no HTTP), in ms."""
    client = app.test_client()
    response = client.post("/login", data={"email": STAFF, "password": PASSWORD})
    assert response.status_code == 302, response.status_code
    times = {}
    for name, path in paths.items():
        client.get(path)  # warm: templates compiled, caches filled
        seconds = []
        for _ in range(runs):
            started = time.perf_counter()
            response = client.get(path)
            seconds.append(time.perf_counter() - started)
            assert response.status_code == 200, (path, response.status_code)
        times[name] = statistics.median(seconds) * 1000
    return times


def gunicorn(target: str, env: dict) -> tuple[subprocess.Popen, str]:
    port = free_port()
    process = subprocess.Popen(
        [str(Path(sys.executable).with_name("gunicorn")), "--workers", "2", "--bind",
         f"127.0.0.1:{port}", "--timeout", "120", "--log-level", "warning", target],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(base + "/", timeout=2).close()
            break
        except urllib.error.HTTPError:
            break  # it answers
        except OSError:
            time.sleep(0.2)
    return process, base


def session_cookie(base: str) -> str:
    """Log the desk in over HTTP; the Cookie header that carries the session."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    opener.addheaders = [("User-Agent", "onthaal-bench")]
    body = opener.open(base + "/login").read().decode()
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', body).group(1)
    form = urllib.parse.urlencode({"csrf_token": token, "email": STAFF, "password": PASSWORD})
    opener.open(base + "/login", data=form.encode()).read()
    return "; ".join(f"{cookie.name}={cookie.value}" for cookie in jar)


async def _one(host: str, port: int, request: bytes) -> int:
    reader, writer = await asyncio.open_connection(host, port)
    writer.write(request)
    await writer.drain()
    status_line = await reader.readline()
    await reader.read()  # to the end: the sync worker closes the connection
    writer.close()
    return int(status_line.split()[1])


async def _drive(base: str, path: str, cookie: str, seconds: float, connections: int,
                 requests: int | None) -> tuple[int, int]:  # fmt: skip
    parsed = urllib.parse.urlsplit(base)
    request = (f"GET {path} HTTP/1.1\r\nHost: {parsed.netloc}\r\nUser-Agent: onthaal-bench\r\n"
               f"Cookie: {cookie}\r\nConnection: close\r\n\r\n").encode()  # fmt: skip
    done, errors = 0, 0
    stop = time.monotonic() + seconds

    async def client() -> None:
        nonlocal done, errors
        while time.monotonic() < stop and (requests is None or done + errors < requests):
            status = await _one(parsed.hostname or "127.0.0.1", parsed.port or 80, request)
            if status == 200:
                done += 1
            else:
                errors += 1

    await asyncio.gather(*(client() for _ in range(connections)))
    return done, errors


def load(base: str, path: str, cookie: str, seconds: float, connections: int) -> float:
    """Requests per second on `path` (only 200s count)."""
    wrk = shutil.which("wrk")
    if wrk:
        output = subprocess.run(
            [wrk, "-t", "2", "-c", str(connections), "-d", f"{seconds:.0f}s", "--timeout", "60s",
             "-H", f"Cookie: {cookie}", "-H", "User-Agent: onthaal-bench", base + path],
            capture_output=True, text=True, check=True,
        ).stdout  # fmt: skip
        rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
        bad = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
        total = int(re.search(r"(\d+) requests in", output).group(1))
        return rate * (1 - int(bad.group(1)) / total) if bad and total else rate
    started = time.perf_counter()
    done, _errors = asyncio.run(_drive(base, path, cookie, seconds, connections, None))
    return done / (time.perf_counter() - started)


def workers_rss(master: int) -> int:
    """The resident memory of gunicorn's workers, in kB."""
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    total = 0
    for pid in children:
        status = Path(f"/proc/{pid}/status").read_text()
        total += int(re.search(r"VmRSS:\s+(\d+)", status).group(1))
    return total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--candidates", type=int, default=100_000)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--rss-requests", type=int, default=10_000)
    args = parser.parse_args()
    small = min(1_000, args.candidates)
    rng = random.Random(15)
    with tempfile.TemporaryDirectory(prefix="onthaal-bench-") as folder:
        url = os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{folder}/bench.sqlite3"
        # The in-process client posts the login form without its CSRF token.
        config = {"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench-secret",
                  "WTF_CSRF_ENABLED": False}  # fmt: skip
        app = create_app(config, instance_path=f"{folder}/instance")
        if url.startswith("postgres"):
            with app.app_context(), db.engine.begin() as connection:
                connection.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        migrate_fresh(app)
        with app.app_context():
            ids = seed_desk()
            progress(f"seeding {small:,} candidates")
            started = time.perf_counter()
            seed(0, small, rng)
            add_reminders(0, small, rng)
            worker_run()
            settle()
            ids["candidate"] = db.session.scalar(
                select(Candidate.id).where(Candidate.phase == "mentoring").order_by(Candidate.id)
            )
            paths = pages(ids)
            progress(f"timing the pages at {small:,}")
            at_small = server_times(app, paths, args.runs)
            progress(f"seeding up to {args.candidates:,} candidates")
            seed(small, args.candidates, rng)
            add_reminders(small, args.candidates, rng)
            worker_run()
            settle()
            seeded = time.perf_counter() - started
            progress(f"timing the pages at {args.candidates:,}")
            at_large = server_times(app, paths, args.runs)
            db.session.remove()
            db.engine.dispose()
        env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": "bench-secret"}
        progress('driving "hello"')
        hello, hello_base = gunicorn("bench.hello_app:app", env)
        try:
            hello_rate = load(hello_base, "/", "", args.seconds, args.connections)
        finally:
            hello.terminate()
            hello.wait(timeout=20)
        server, base = gunicorn("wsgi:app", env)
        try:
            cookie = session_cookie(base)
            rates = {}
            for name, path in paths.items():
                progress(f"driving {name}")
                rates[name] = load(base, path, cookie, args.seconds, args.connections)
            progress(f"{args.rss_requests:,} requests for the workers' RSS")
            rss_before = workers_rss(server.pid)
            per_page = max(1, args.rss_requests // len(paths))
            sent = 0
            for name, path in paths.items():
                # A slow page gets at most a minute's worth of its rate: the rest go to others.
                wanted = min(per_page, max(1, int(rates[name] * 60)))
                done, errors = asyncio.run(
                    _drive(base, path, cookie, 3600, args.connections, wanted)
                )
                sent += done + errors
            rss_after = workers_rss(server.pid)
        finally:
            server.terminate()
            server.wait(timeout=20)

    database = "postgresql" if url.startswith("postgres") else "sqlite"
    tool = "wrk" if shutil.which("wrk") else "asyncio client"
    print(f"database: {database}; candidates: {args.candidates:,} (seeded in {seeded:.0f} s); "
          f"load: {tool}, {args.connections} connections, {args.seconds:.0f} s a page; "
          f"gunicorn, 2 sync workers")  # fmt: skip
    print(f'"hello": {hello_rate:,.0f} requests/s')
    print(f"{'page':28} {'req/s':>8} {'of hello':>9} {'ms @' + format(small, ','):>10} "
          f"{'ms @' + format(args.candidates, ','):>12} {'ratio':>6}")  # fmt: skip
    for name in paths:
        print(f"{name:28} {rates[name]:8.1f} {rates[name] / hello_rate:9.1%} "
              f"{at_small[name]:10.1f} {at_large[name]:12.1f} "
              f"{at_large[name] / at_small[name]:6.2f}")  # fmt: skip
    growth = (rss_after - rss_before) / rss_before
    print(f"workers' RSS: {rss_before / 1024:.0f} MB before, {rss_after / 1024:.0f} MB after "
          f"{sent:,} requests ({growth:+.1%})")  # fmt: skip


if __name__ == "__main__":
    main()
