"""Stage 4: running a claimed import — every row through `candidates.register`, all or
nothing, in the worker process (a job of kind "import", `services.jobs`), never in a request.

`start` claims the import and asks for the job in the request's transaction. The worker
registers the rows in a savepoint of the job's unit of work: a refused row rolls back every
registration, and the import is still marked "failed" (with the reason) in the same unit of
work. A worker killed half-way commits nothing; the job is claimed again when its lease runs
out, and after its last attempt the import is marked failed with "run again" on its page.
The invitations are emailed after the commit, in each prospect's language.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from datetime import date
from typing import Any

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import update

from onboarding.db import after_commit, side_transaction, transaction
from onboarding.extensions import db
from onboarding.models import ImportJob, User, utcnow
from onboarding.services import candidates, invitations, jobs, notifications
from onboarding.services.errors import Conflict, DomainError, Refused
from onboarding.services.imports.jobs import claim, get_job

log = logging.getLogger(__name__)

Progress = Callable[[int, int], None]


def start(actor: User, job_id: int) -> ImportJob:
    """Claim the import and ask the worker to run it (after this request commits)."""
    job = claim(actor, job_id)
    jobs.enqueue("import", {"import_job_id": job_id, "actor_id": actor.id}, actor)
    return job


def _import_failed(payload: dict[str, Any], why: str) -> None:
    """The worker gave up on the job (it crashed every time): the page offers a new run."""
    job = db.session.get(ImportJob, payload["import_job_id"])
    if job is not None and job.status == "importing":
        job.status = "failed"
        job.failure = json.dumps({"code": "crashed"})
        job.finished_at = utcnow()
        tell_starter(job, payload.get("actor_id"), imported=0)


@jobs.handler("import", on_failure=_import_failed)
def run_job(payload: dict[str, Any], beat: jobs.Beat) -> None:
    """The worker's entry point, inside the job's unit of work."""
    job_id = payload["import_job_id"]
    writer = ProgressWriter(job_id, beat=beat)
    run_import(job_id, payload["actor_id"], writer)


class ProgressWriter:
    """Writes `processed_rows` on a short transaction of its own (a separate pooled
    connection), so the job page sees it while the import's transaction is still open."""

    def __init__(
        self,
        job_id: int,
        interval: float | None = None,
        clock: Callable[[], float] = time.monotonic,
        beat: jobs.Beat | None = None,
    ):
        self.job_id = job_id
        self.beat = beat
        if interval is None:
            interval = current_app.config.get("IMPORT_PROGRESS_INTERVAL", 0.5)
        self.interval = interval
        self.clock = clock
        self.last: float | None = None

    def __call__(self, done: int, total: int) -> None:
        if self.beat is not None:
            self.beat()  # the worker still holds the job (or stops here)
        now = self.clock()
        if done < total and self.last is not None and now - self.last < self.interval:
            return  # at most one write per interval, and always the last one
        self.last = now
        self.write(done)

    def write(self, done: int) -> None:
        if db.engine.dialect.name == "sqlite":
            return  # one writer at a time: the import's own transaction holds the lock
        with side_transaction() as connection:
            connection.execute(
                update(ImportJob).where(ImportJob.id == self.job_id).values(processed_rows=done)
            )


class _RowRefused(Exception):
    def __init__(self, row: int, reason: str):
        super().__init__(reason)
        self.row = row
        self.reason = reason


def _registration(row: dict, job: ImportJob) -> candidates.Registration:
    return candidates.Registration(
        name=row["name"],
        email=row["email"],
        country_code=row["country_code"],
        origin_institution=row["origin_institution"],
        stem_field=row["stem_field"],
        graduation_date=date.fromisoformat(row["graduation_date"]),
        outreach_channel=row["outreach_channel"],
        locale=row["locale"],
        consent_recorded=row["consent"],
        consent_note=_("Stated in the CSV file imported by the welcome desk."),
        campaign_id=job.campaign_id,
        partner_id=job.partner_id,
    )


def run_import(job_id: int, actor_id: int, progress: Progress | None = None) -> ImportJob:
    """Register every row of a claimed job, or none; returns the job, "done" or "failed"."""
    job = db.session.get(ImportJob, job_id)
    actor = db.session.get(User, actor_id)
    if job is None or job.status != "importing":
        raise Conflict(_("This import is not waiting to run."))
    if actor is None:
        raise Refused(_("You are not allowed to do this."))
    invites: list[invitations.Invite] = []
    total = len(job.rows)
    try:
        with db.session.begin_nested(), force_locale(actor.locale):
            # force_locale: a refusal reads in the desk's language
            for done, row in enumerate(job.rows, 1):
                try:
                    candidate, token = candidates.register(actor, _registration(row, job))
                except DomainError as error:
                    raise _RowRefused(row["row"], error.message) from error
                invites.append(invitations.Invite.for_user(candidate.user, token))
                if progress:
                    progress(done, total)
    except _RowRefused as refused:
        failure = {"code": "row_refused", "row": refused.row, "reason": refused.reason}
        return _fail(job, actor, failure)
    except Exception:
        log.exception("import job %s failed", job_id)
        return _fail(job, actor, {"code": "unexpected"})
    job.status = "done"
    job.processed_rows = total
    job.finished_at = utcnow()
    tell_starter(job, actor.id, imported=total)
    after_commit(lambda: _send_invitations(job_id, invites))
    return job


def _fail(job: ImportJob, actor: User, failure: dict) -> ImportJob:
    job.status = "failed"
    job.failure = json.dumps(failure)
    job.finished_at = utcnow()
    db.session.flush()
    tell_starter(job, actor.id, imported=0)  # all or nothing: none of its rows were imported
    return job


def tell_starter(job: ImportJob, starter_id: int | None, *, imported: int) -> None:
    """The staff member who started the import learns how it ended, with its counts."""
    starter = db.session.get(User, starter_id) if starter_id is not None else None
    if starter is None:
        return
    params = {
        "job_id": job.id,
        "file": job.filename,
        "outcome": job.status,
        "imported": imported,
        "total": job.total_rows,
    }
    notifications.notify("import_finished", params=params, people={"starter": [starter]})


def _send_invitations(job_id: int, invites: list[invitations.Invite]) -> None:
    """After the import committed: email the invitations; note on the job what failed."""
    failed = invitations.send(invites)
    if failed:
        with transaction():
            get_job(job_id).failure = json.dumps({"code": "invitations_not_sent", "count": failed})
