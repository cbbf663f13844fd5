"""Whether this installation is up, for `GET /healthz`, `GET /readyz` and `GET /metrics`.

The web process cannot see the worker process, so the worker says it is alive through the
database: every dispatch tick writes its row in `worker_heartbeats` (`beat`). Healthy means
the database answers and some worker ticked within twice its interval
(SCHEDULER_INTERVAL_SECONDS). Ready means, in addition, that the database's schema is at
the head revision of this code's migrations (`flask --app wsgi db upgrade` has run).
"""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import lru_cache

from alembic.config import Config
from alembic.script import ScriptDirectory
from flask import current_app
from sqlalchemy import delete, func, inspect, select, text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import SQLAlchemyError

from onboarding.db import summed_counts
from onboarding.extensions import db
from onboarding.models import (
    JOB_STATUSES,
    OUTBOX_KINDS,
    BoardCount,
    Job,
    OutboxCount,
    Reminder,
    WorkerHeartbeat,
    utcnow,
)
from onboarding.vocabulary import REMINDER_STATUSES
from workflows.onboarding import PHASES

# A heartbeat row this old belongs to a worker that is gone: the next beat removes it.
FORGET_AFTER = timedelta(days=1)
LAST_TICK = select(func.max(WorkerHeartbeat.last_tick_at))  # of any worker


def worker_name() -> str:
    """host:pid: one heartbeat row per worker process."""
    return f"{socket.gethostname()[:100]}:{os.getpid()}"


def beat(now: datetime | None = None) -> None:
    """The worker ticked (in the caller's transaction); rows of workers gone are removed."""
    now = now or utcnow()
    row = db.session.get(WorkerHeartbeat, worker_name())
    if row is None:
        db.session.add(WorkerHeartbeat(name=worker_name(), started_at=now, last_tick_at=now))
    else:
        row.last_tick_at = now
    db.session.execute(
        delete(WorkerHeartbeat).where(WorkerHeartbeat.last_tick_at < now - FORGET_AFTER)
    )
    db.session.flush()


@dataclass(frozen=True)
class Check:
    """One check's answer, as the JSON body shows it."""

    ok: bool
    status: str  # "ok", "down", "stale", "never", "behind", "unknown"
    detail: dict = field(default_factory=dict)

    def body(self) -> dict:
        return {"status": self.status, **self.detail}


def _tick_limit() -> int:
    return 2 * int(current_app.config["SCHEDULER_INTERVAL_SECONDS"])


def _worker(connection: Connection, now: datetime) -> Check:
    last = connection.scalar(LAST_TICK)
    limit = _tick_limit()
    if last is None:
        return Check(False, "never", {"limit_seconds": limit})
    age = max(0, int((now - last).total_seconds()))
    detail = {
        "last_tick": last.isoformat(timespec="seconds"),
        "age_seconds": age,
        "limit_seconds": limit,
    }
    return Check(age <= limit, "ok" if age <= limit else "stale", detail)


def _connection_checks(checks) -> dict[str, Check]:
    """Run `checks` ({name: function(connection)}) on a connection of their own, outside
    the request's unit of work; every one is "unknown" if the database does not answer."""
    engine = current_app.extensions["onthaal_engine"]
    answers = {"database": Check(True, "ok")}
    try:
        with engine.connect() as connection:
            connection.execute(select(1))
            for name, check in checks.items():
                answers[name] = check(connection)
    except SQLAlchemyError as error:
        answers = {"database": Check(False, "down", {"error": type(error).__name__})}
        answers |= {name: Check(False, "unknown") for name in checks}
    return answers


def health(now: datetime | None = None) -> dict[str, Check]:
    """The database and the worker (see the module docstring)."""
    moment = now or utcnow()
    return _connection_checks({"worker": lambda connection: _worker(connection, moment)})


@lru_cache(maxsize=4)
def _scripts(directory: str) -> ScriptDirectory:
    config = Config()
    config.set_main_option("script_location", directory)
    return ScriptDirectory.from_config(config)


def migration_scripts() -> ScriptDirectory:
    """This code's Alembic migrations (read once per process)."""
    return _scripts(current_app.extensions["migrate"].directory)


def current_revisions(connection: Connection) -> list[str]:
    """The revisions Alembic recorded in the database (none before the first upgrade)."""
    if not inspect(connection).has_table("alembic_version"):
        return []
    return sorted(connection.scalars(text("SELECT version_num FROM alembic_version")))


def _schema(connection: Connection) -> Check:
    current = current_revisions(connection)
    head = migration_scripts().get_current_head()
    at_head = current == [head]
    detail = {"revision": current[0] if len(current) == 1 else current, "head": head}
    return Check(at_head, "ok" if at_head else "behind", detail)


def readiness() -> dict[str, Check]:
    """The database, and its schema at this code's head revision."""
    return _connection_checks({"schema": _schema})


@dataclass(frozen=True)
class Figures:
    outbox: dict[tuple[str, str], int]
    oldest_due_age: float
    jobs: dict[str, int]
    candidates: dict[str, int]
    worker_tick_age: float | None


def figures(now: datetime | None = None) -> Figures:
    """What /metrics reads from the database: each from a few rows or one index entry."""
    now = now or utcnow()
    oldest = db.session.scalar(
        select(func.min(Reminder.due_at)).where(
            Reminder.status == "pending", Reminder.due_at <= now
        )
    )
    jobs = dict(db.session.execute(select(Job.status, func.count()).group_by(Job.status)).all())
    outbox = summed_counts(OutboxCount, "kind", "status")
    per_phase = summed_counts(BoardCount, "phase")
    last_tick = db.session.scalar(LAST_TICK)
    # Every series, zero ones too: a dashboard's line does not vanish when a queue empties.
    return Figures(
        outbox={
            (kind, status): outbox.get((kind, status), 0)
            for kind in OUTBOX_KINDS
            for status in REMINDER_STATUSES
        },
        oldest_due_age=(now - oldest).total_seconds() if oldest else 0.0,
        jobs={state: int(jobs.get(state, 0)) for state in JOB_STATUSES},
        candidates={phase: per_phase.get((phase,), 0) for phase in PHASES},
        worker_tick_age=(now - last_tick).total_seconds() if last_tick else None,
    )
