"""Benchmark: what failed-login floods do to everybody else.

Starts the app under gunicorn (2 workers) on a temporary SQLite file (or the PostgreSQL
database in BENCH_DATABASE_URL), logs a welcome-desk user in, and times `GET /desk/` alone,
then while N anonymous clients (default 8) send wrong passwords for S seconds (default 25).
Prints the desk's median and maximum before and during the flood, and the flood's answers
by status (429: throttled before any password was checked). Loopback only; stops by itself.

    .venv/bin/python bench/login_flood.py [--clients 8] [--seconds 25]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# Run as a script, bench/ is first on sys.path, where bench/http.py would hide the
# standard library's http: the repository's root goes there instead.
sys.path[:] = [str(ROOT), *(p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench")]

from onboarding import create_app  # noqa: E402
from onboarding.db import transaction  # noqa: E402
from onboarding.extensions import db  # noqa: E402
from tests.conftest import migrate_fresh  # noqa: E402
from tests.factories import make_user  # noqa: E402
from tests.load.test_load import Client, gunicorn  # noqa: E402

STAFF = "desk@bench.example"


def desk_times(client: Client, until: float) -> list[float]:
    times = []
    while time.monotonic() < until:
        started = time.perf_counter()
        client.call("/desk/")
        times.append(time.perf_counter() - started)
        time.sleep(0.05)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=25)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{folder}/bench.sqlite3"
        app = create_app({"SQLALCHEMY_DATABASE_URI": url}, instance_path=f"{folder}/instance")
        migrate_fresh(app)
        with app.app_context():
            with transaction():
                make_user("staff", email=STAFF, name="Bench Desk")
            db.engine.dispose()
        server, base = gunicorn({**os.environ, "DATABASE_URL": url, "SECRET_KEY": "bench-secret"})
        try:
            desk = Client(base, "desk")
            desk.login(STAFF)
            quiet = desk_times(desk, time.monotonic() + 5)
            answers: Counter[int] = Counter()
            stop = time.monotonic() + args.seconds

            def flood(number: int) -> None:
                attacker = Client(base, f"attacker-{number}")
                while time.monotonic() < stop:
                    token = attacker.token("/login")
                    status, _ = attacker.call(
                        "/login",
                        {"csrf_token": token, "email": STAFF, "password": f"guess {number}"},
                    )
                    answers[status] += 1

            threads = [threading.Thread(target=flood, args=(n,)) for n in range(args.clients)]
            for thread in threads:
                thread.start()
            loud = desk_times(desk, stop)
            for thread in threads:
                thread.join()
        finally:
            server.terminate()
            server.wait(timeout=20)
    database = "postgresql" if url.startswith("postgres") else "sqlite"
    print(f"login flood on {database}: {args.clients} clients for {args.seconds:.0f} s")
    print(f"  GET /desk/ alone:        median {statistics.median(quiet) * 1000:6.1f} ms, "
          f"max {max(quiet) * 1000:6.1f} ms ({len(quiet)} requests)")  # fmt: skip
    print(f"  GET /desk/ during flood: median {statistics.median(loud) * 1000:6.1f} ms, "
          f"max {max(loud) * 1000:6.1f} ms ({len(loud)} requests)")  # fmt: skip
    print(f"  flood answers: {dict(sorted(answers.items()))}")
    print(f"  desk answers during the flood: {dict(Counter(desk.statuses))}")


if __name__ == "__main__":
    main()
