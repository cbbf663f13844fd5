"""Benchmark: a phase change through the service path against the raw SQL floor.

Seeds N candidates in mentoring (default 1,000) on a temporary SQLite file (or the
PostgreSQL database in BENCH_DATABASE_URL, which it empties), then puts each on hold and
back, one transaction per change as a request commits it: first through
`services.workflow.fire` (role check, guards, audit row, reminders, notification, the
conversation's system post), then as a raw SQL UPDATE of the candidate plus an INSERT of the
audit row, the same shape without the rules. Prints both rates and their ratio; asserts
nothing.

    .venv/bin/python bench/phase_change.py [--candidates 1000]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# Run as a script, bench/ is first on sys.path, where bench/http.py would hide the
# standard library's http: the repository's root goes there instead.
sys.path[:] = [str(ROOT), *(p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench")]

from sqlalchemy import select, text  # noqa: E402

from onboarding import create_app  # noqa: E402
from onboarding.extensions import db  # noqa: E402
from onboarding.models import Candidate  # noqa: E402
from onboarding.services import workflow  # noqa: E402
from tests.conftest import migrate_fresh  # noqa: E402
from tests.factories import make_candidate, make_user  # noqa: E402


def through_the_service(staff, ids: list[int]) -> float:
    started = time.perf_counter()
    for trigger in ("pause", "resume"):
        for candidate_id in ids:
            workflow.fire(staff, candidate_id, trigger, expected_version=None,
                          reason="Bench: visa appointment")  # fmt: skip
            db.session.commit()
    return 2 * len(ids) / (time.perf_counter() - started)


def raw_sql(staff_id: int, ids: list[int]) -> float:
    update = text(
        "UPDATE candidates SET phase = :to, paused_from = :paused, phase_entered_at = :at, "
        "version_id = version_id + 1 WHERE id = :id"
    )
    insert = text(
        "INSERT INTO audit_events (candidate_id, actor_id, at, action, from_phase, to_phase, "
        "reason) VALUES (:id, :actor, :at, :action, :source, :to, :reason)"
    )
    started = time.perf_counter()
    for action, source, to, paused in (("pause", "mentoring", "on_hold", "mentoring"),
                                       ("resume", "on_hold", "mentoring", None)):  # fmt: skip
        for candidate_id in ids:
            at = datetime.now(UTC)
            db.session.execute(update, {"to": to, "paused": paused, "at": at, "id": candidate_id})
            db.session.execute(insert, {"id": candidate_id, "actor": staff_id, "at": at,
                                        "action": action, "source": source, "to": to,
                                        "reason": "Bench: visa appointment"})  # fmt: skip
            db.session.commit()
    return 2 * len(ids) / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--candidates", type=int, default=1_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="onthaal-bench-") as folder:
        url = os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{folder}/bench.sqlite3"
        app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench"},
                         instance_path=f"{folder}/instance")  # fmt: skip
        migrate_fresh(app)
        with app.app_context():
            staff = make_user("staff", email="desk@bench.example")
            mentor = make_user("mentor", mentor_capacity=args.candidates)
            for n in range(args.candidates):
                make_candidate(phase="mentoring", mentor=mentor, email=f"c{n}@bench.example")
            ids = list(db.session.scalars(select(Candidate.id).order_by(Candidate.id)))
            service = through_the_service(staff, ids)
            floor = raw_sql(staff.id, ids)
            database = db.engine.dialect.name
            db.session.remove()
            db.engine.dispose()
    print(f"database: {database}; {args.candidates:,} candidates, each put on hold and back")
    print(f"  through services.workflow.fire: {service:8.1f} changes/s")
    print(f"  raw SQL UPDATE + INSERT:         {floor:8.1f} changes/s")
    print(f"  service path at {service / floor:.2f} of the raw rate "
          f"(costs {floor / service:.1f}x as much)")  # fmt: skip


if __name__ == "__main__":
    main()
