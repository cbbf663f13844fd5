"""Background jobs: work that must not run in a web request, done by the worker process.

A request asks for work with `enqueue` (a row written in its own transaction, so the job
exists exactly when the request's change does). The worker (`flask --app wsgi worker`, or
in-process under `make run`) claims one queued job at a time with a lease
(`services.leases`, the same mechanism as the reminder dispatcher), runs its handler in one
unit of work, and marks it done. While it works the handler calls `beat()`, which renews the
lease on a connection of its own and stops the job if another worker took it over. A worker
that crashes (killed, machine gone) leaves its job "running" with a lease that runs out: the
next worker claims it again, until `max_attempts`; then the job is failed and its owner
(e.g. the import page) offers to run it again.

On SQLite the job's own transaction holds the database's single write lock, so the lease is
not renewed while it runs: give JOB_LEASE_SECONDS room for the longest job there.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from flask import Flask, current_app
from sqlalchemy import and_, or_, update

from onboarding.db import rows_changed, side_transaction, transaction
from onboarding.extensions import db
from onboarding.models import Job, User, utcnow
from onboarding.services import leases

log = logging.getLogger(__name__)

Beat = Callable[[], None]
Handler = Callable[[dict[str, Any], Beat], None]
# What a job gives up on: the owner records it (e.g. the import page shows "run again").
Failed = Callable[[dict[str, Any], str], None]

_HANDLERS: dict[str, tuple[Handler, Failed | None]] = {}
# Kinds whose payload holds personal data that is not kept once the job has ended.
_FORGET_PAYLOAD: set[str] = set()


class LeaseLost(Exception):
    """Another worker claimed this job (our lease ran out): stop without writing."""


def handler(
    kind: str, *, on_failure: Failed | None = None, forget_payload: bool = False
) -> Callable[[Handler], Handler]:
    """Register the function that does jobs of `kind` (and what to do when one fails);
    `forget_payload`: empty the job's payload when it ends (it holds personal data)."""

    def register(function: Handler) -> Handler:
        _HANDLERS[kind] = (function, on_failure)
        if forget_payload:
            _FORGET_PAYLOAD.add(kind)
        return function

    return register


def enqueue(kind: str, payload: dict[str, Any], actor: User | None = None) -> Job:
    """Ask for a job in the caller's unit of work; the worker runs it after the commit."""
    if kind not in _HANDLERS:
        raise ValueError(f"no handler for jobs of kind {kind!r}")
    job = Job(
        kind=kind,
        payload=payload,
        status="queued",
        max_attempts=current_app.config["JOB_MAX_ATTEMPTS"],
        created_by_id=actor.id if actor is not None else None,
    )
    db.session.add(job)
    db.session.flush()
    return job


def _due(now: datetime) -> Any:
    waiting = and_(Job.status == "queued", Job.available_at <= now)
    abandoned = and_(Job.status == "running", Job.claimed_until < now)  # its worker died
    return or_(waiting, abandoned)


def claim(now: datetime, worker: str) -> int | None:
    """Take the oldest job that is due (or abandoned) for `worker`; its id or None."""
    lease = timedelta(seconds=current_app.config["JOB_LEASE_SECONDS"])
    ids = leases.claim(
        Job,
        _due(now),
        order_by=[Job.available_at, Job.id],
        worker=worker,
        until=now + lease,
        limit=1,
        status="running",
        attempts=Job.attempts + 1,
        started_at=now,
    )
    return ids[0] if ids else None


class Heartbeat:
    """`beat()` renews the job's lease (at most every third of it) on a connection of its
    own, so it is seen while the job's transaction is still open."""

    def __init__(self, job_id: int, worker: str, clock: Callable[[], datetime] = utcnow):
        self.job_id, self.worker, self.clock = job_id, worker, clock
        self.lease = timedelta(seconds=current_app.config["JOB_LEASE_SECONDS"])
        self.last = clock()

    def __call__(self) -> None:
        now = self.clock()
        if now - self.last < self.lease / 3 or db.engine.dialect.name == "sqlite":
            return
        self.last = now
        with side_transaction() as connection:
            renewed = connection.execute(
                update(Job)
                .where(Job.id == self.job_id, leases.held(Job, self.worker, now))
                .values(claimed_until=now + self.lease)
            ).rowcount
        if renewed != 1:
            raise LeaseLost(f"job {self.job_id}: another worker holds it now")


def run(job_id: int, worker: str) -> str:
    """Run a claimed job; returns its status afterwards ("done", "queued" again, "failed")."""
    with transaction():
        job = db.session.get(Job, job_id)
        if job is None or job.claimed_by != worker:
            return "lost"
        kind, payload, attempts, max_attempts = (
            job.kind,
            dict(job.payload),
            job.attempts,
            job.max_attempts,
        )
    function, on_failure = _HANDLERS[kind]
    started = time.perf_counter()

    def logged(outcome: str, level: int = logging.INFO, exc_info: bool = False) -> None:
        took = round((time.perf_counter() - started) * 1000, 1)
        fields = {"job_id": job_id, "kind": kind, "attempt": attempts, "outcome": outcome}
        log.log(level, "job", extra={**fields, "duration_ms": took}, exc_info=exc_info)

    if attempts > max_attempts:  # it crashed its worker every time: stop trying
        return _give_up(job_id, worker, payload, on_failure, "crashed", kind)
    try:
        with transaction():
            function(payload, Heartbeat(job_id, worker))
    except LeaseLost:
        logged("lease lost to another worker", logging.WARNING)
        return "lost"
    except Exception:
        logged("failed", logging.ERROR, exc_info=True)
        if attempts < max_attempts:
            return _again_later(job_id, worker, attempts)
        return _give_up(job_id, worker, payload, on_failure, "error", kind)
    with transaction():
        _finish(job_id, worker, status="done", **_forgotten(kind))
    logged("done")
    return "done"


def _finish(job_id: int, worker: str, **values: Any) -> bool:
    """Record the outcome, only while `worker` still holds the job."""
    values.setdefault("finished_at", utcnow())
    changed = rows_changed(
        update(Job)
        .where(Job.id == job_id, Job.claimed_by == worker, Job.status == "running")
        .values(claimed_until=None, **values)
        .execution_options(synchronize_session=False)
    )
    return changed == 1


def _again_later(job_id: int, worker: str, attempts: int) -> str:
    delay = timedelta(seconds=min(30 * 2 ** (attempts - 1), 3600))
    with transaction():
        _finish(job_id, worker, status="queued", available_at=utcnow() + delay, finished_at=None)
    return "queued"


def _forgotten(kind: str) -> dict[str, Any]:
    return {"payload": {}} if kind in _FORGET_PAYLOAD else {}


def _give_up(
    job_id: int,
    worker: str,
    payload: dict[str, Any],
    on_failure: Failed | None,
    why: str,
    kind: str,
) -> str:
    with transaction():
        finished = _finish(job_id, worker, status="failed", failure=why, **_forgotten(kind))
        if finished and on_failure is not None:
            on_failure(payload, why)
    return "failed"


def work(now: datetime | None = None, *, worker: str | None = None, limit: int = 100) -> int:
    """Run jobs until none is due (at most `limit`); returns how many were run."""
    worker = worker or leases.worker_name()
    ran = 0
    while ran < limit:
        with transaction():
            job_id = claim(now or utcnow(), worker)
        if job_id is None:
            return ran
        run(job_id, worker)
        ran += 1
    return ran


def tick(app: Flask) -> None:
    """One worker tick, in an app context of its own (the scheduler's thread)."""
    with app.app_context():
        try:
            if ran := work():
                log.info("jobs: ran %s", ran)
        finally:
            db.session.remove()
