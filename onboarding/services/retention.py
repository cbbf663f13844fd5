"""Retention: how long personal data is kept, the nightly purge, and legal holds.

Each rule is a function of `now` and the settings (onboarding/config.py) that answers the
items whose date has come (`due_at <= now`); the same functions, asked about a later
moment, give the desk's "due for purge" list a week ahead:

- "withdrawn" / "placed": candidates in that phase since more than RETENTION_WITHDRAWN_DAYS /
  RETENTION_PLACED_DAYS (counted from `phase_entered_at`, when they entered it), not on a
  legal hold and not erased yet → erased (services.erasure);
- "rejected_document": documents rejected (reviewed) more than RETENTION_REJECTED_DOCUMENT_DAYS
  ago, of candidates not on a legal hold → row deleted, file removed after the commit;
- "unused_invitation": invitation and reset links never used and expired more than
  RETENTION_INVITATION_DAYS ago → deleted;
- "import_job": CSV import jobs finished (done, failed) or abandoned after the preview
  (previewed) more than RETENTION_IMPORT_DAYS ago → their rows and problems emptied (the
  job's figures stay);
- "data_export": data exports past their `expires_at` → file removed, status "expired";
- "orphan_file": files in the documents, exports and message attachments folders that no
  row points at, older than a day (a crash between a commit and the file's removal, or
  during an upload) → removed. Not on the desk's list: they are nobody's data any more.

`purge` runs one transaction per candidate or item, each recorded as a DataPurge row (no
personal data); a dry run changes nothing and answers what would go.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import and_, or_, select
from sqlalchemy.orm import joinedload

from onboarding.db import remove_after_commit, transaction
from onboarding.extensions import db
from onboarding.models import (
    Candidate,
    DataExport,
    DataPurge,
    Document,
    ImportJob,
    Invitation,
    ThreadAttachment,
    User,
    utcnow,
)
from onboarding.services import audit, documents, erasure
from onboarding.services.access import require_role
from onboarding.services.errors import Conflict, DomainError, Refused
from onboarding.storage import private_folder
from workflows.onboarding import PLACED, WITHDRAWN

log = logging.getLogger(__name__)

RULE_LABELS = {
    "erasure": _l("Erasure by the welcome desk"),
    "withdrawn": _l("Withdrawn candidate, retention period over"),
    "placed": _l("Placed candidate, retention period over"),
    "rejected_document": _l("Rejected document"),
    "unused_invitation": _l("Unused invitation or reset link"),
    "import_job": _l("Rows of a finished CSV import"),
    "data_export": _l("Expired data export"),
    "orphan_file": _l("Stored file without a row"),
}
HOLD_REASON_LENGTH = 2000
ORPHAN_AGE = timedelta(days=1)
FOLDERS = ("documents", "exports", "attachments")


@dataclass(frozen=True)
class Item:
    """One thing a rule removes: a candidate (erased), a row, or an orphan file (`name`)."""

    rule: str
    due_at: datetime
    candidate_id: int | None = None
    target_id: int | None = None
    name: str | None = None  # an orphan file: "<folder>/<stored name>"


@dataclass
class PurgeResult:
    dry_run: bool
    items: list[Item] = field(default_factory=list)  # what went (or would go)
    failed: list[tuple[Item, str]] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        counted = Counter(item.rule for item in self.items)
        return {rule: counted[rule] for rule in RULE_LABELS if counted[rule]}

    def candidate_ids(self) -> list[int]:
        return sorted(
            {
                item.candidate_id
                for item in self.items
                if item.candidate_id is not None and item.rule in ("withdrawn", "placed")
            }
        )


def _days(name: str) -> timedelta:
    return timedelta(days=current_app.config[name])


def _not_held(*extra):
    return and_(Candidate.legal_hold_at.is_(None), Candidate.erased_at.is_(None), *extra)


# -- the rules: each answers the items due at or before `until` ---------------------------


def _candidates_in(phase: str, setting: str, until: datetime) -> list[Item]:
    keep = _days(setting)
    rows = db.session.execute(
        select(Candidate.id, Candidate.phase_entered_at)
        .where(Candidate.phase == phase, Candidate.phase_entered_at <= until - keep, _not_held())
        .order_by(Candidate.phase_entered_at, Candidate.id)
    )
    return [Item(phase, entered + keep, candidate_id=cid) for cid, entered in rows]


def withdrawn_candidates(until: datetime) -> list[Item]:
    return _candidates_in(WITHDRAWN, "RETENTION_WITHDRAWN_DAYS", until)


def placed_candidates(until: datetime) -> list[Item]:
    return _candidates_in(PLACED, "RETENTION_PLACED_DAYS", until)


def rejected_documents(until: datetime) -> list[Item]:
    keep = _days("RETENTION_REJECTED_DOCUMENT_DAYS")
    rows = db.session.execute(
        select(Document.id, Document.candidate_id, Document.reviewed_at)
        .join(Candidate, Candidate.id == Document.candidate_id)
        .where(
            Document.status == "rejected",
            Document.reviewed_at.is_not(None),
            Document.reviewed_at <= until - keep,
            _not_held(),
        )
        .order_by(Document.reviewed_at, Document.id)
    )
    return [
        Item("rejected_document", reviewed + keep, candidate_id=cid, target_id=did)
        for did, cid, reviewed in rows
        if reviewed is not None
    ]


def unused_invitations(until: datetime) -> list[Item]:
    keep = _days("RETENTION_INVITATION_DAYS")
    rows = db.session.execute(
        select(Invitation.id, Invitation.expires_at, Candidate.id)
        .outerjoin(Candidate, Candidate.user_id == Invitation.user_id)
        .where(Invitation.used_at.is_(None), Invitation.expires_at <= until - keep)
        .order_by(Invitation.expires_at, Invitation.id)
    )
    return [
        Item("unused_invitation", expires + keep, candidate_id=cid, target_id=iid)
        for iid, expires, cid in rows
    ]


def finished_imports(until: datetime) -> list[Item]:
    keep = _days("RETENTION_IMPORT_DAYS")
    cutoff = until - keep
    rows = db.session.execute(
        select(ImportJob.id, ImportJob.status, ImportJob.created_at, ImportJob.finished_at)
        .where(
            or_(
                and_(
                    ImportJob.status.in_(("done", "failed")),
                    ImportJob.finished_at.is_not(None),
                    ImportJob.finished_at <= cutoff,
                ),
                and_(ImportJob.status == "previewed", ImportJob.created_at <= cutoff),
            )
        )
        .order_by(ImportJob.id)
    )
    items = []
    for job_id, status, created_at, finished_at in rows:
        job = db.session.get(ImportJob, job_id)
        if job is None or (not job.rows and not job.errors):
            continue  # emptied already
        since = finished_at if status != "previewed" and finished_at else created_at
        items.append(Item("import_job", since + keep, target_id=job_id))
    return items


def expired_exports(until: datetime) -> list[Item]:
    rows = db.session.execute(
        select(DataExport.id, DataExport.candidate_id, DataExport.expires_at)
        .where(
            DataExport.expires_at.is_not(None),
            DataExport.expires_at <= until,
            or_(DataExport.status != "expired", DataExport.stored_name.is_not(None)),
        )
        .order_by(DataExport.expires_at, DataExport.id)
    )
    return [
        Item("data_export", expires, candidate_id=cid, target_id=eid)
        for eid, cid, expires in rows
        if expires is not None
    ]


def orphan_files(now: datetime) -> list[Item]:
    """Files in the private folders that no row names, last changed over a day ago."""
    known: dict[str, set[str | None]] = {
        "documents": set(db.session.scalars(select(Document.stored_name))),
        "exports": set(
            db.session.scalars(
                select(DataExport.stored_name).where(DataExport.stored_name.is_not(None))
            )
        ),
        "attachments": set(db.session.scalars(select(ThreadAttachment.stored_name))),
    }
    cutoff = now.timestamp() - ORPHAN_AGE.total_seconds()
    items = []
    for name in FOLDERS:
        for path in sorted(private_folder(name).iterdir()):
            if not path.is_file() or path.name in known[name]:
                continue
            changed = path.stat().st_mtime
            if changed <= cutoff:
                at = datetime.fromtimestamp(changed, tz=now.tzinfo) + ORPHAN_AGE
                items.append(Item("orphan_file", at, name=f"{name}/{path.name}"))
    return items


RULES = (
    withdrawn_candidates,
    placed_candidates,
    rejected_documents,
    unused_invitations,
    finished_imports,
    expired_exports,
)


def pending(now: datetime) -> list[Item]:
    """Everything due now, orphan files included."""
    items = [item for rule in RULES for item in rule(now)]
    return items + orphan_files(now)


def due(now: datetime | None = None, days: int | None = None) -> list[Item]:
    """What goes within the next `days` (PURGE_NOTICE_DAYS), soonest first, for the desk."""
    now = now or utcnow()
    if days is None:
        days = current_app.config["PURGE_NOTICE_DAYS"]
    items = [item for rule in RULES for item in rule(now + timedelta(days=days))]
    return sorted(items, key=lambda item: (item.due_at, item.rule, item.target_id or 0))


# -- the purge -----------------------------------------------------------------------------


def _locked(model, ident):
    """The row, read afresh and locked (FOR UPDATE on PostgreSQL) for this unit of work: a
    second worker with the same list waits for the first's commit, then sees it done."""
    if ident is None:
        return None
    return db.session.get(model, ident, with_for_update=True, populate_existing=True)


def _apply(item: Item, now: datetime, actor: User | None) -> bool:
    """Remove one item in the current unit of work; False when it no longer qualifies or is
    done already (another worker, an earlier run): then nothing is written, no DataPurge row."""
    if item.rule in ("withdrawn", "placed"):
        candidate = _locked(Candidate, item.candidate_id)
        if candidate is None or candidate.erased_at is not None or candidate.phase != item.rule:
            return False
        erasure.erase(actor, candidate, rule=item.rule, now=now)
        return True
    if item.rule == "rejected_document":
        document = _locked(Document, item.target_id)
        if document is None or document.status != "rejected":
            return False
        candidate = db.session.get(Candidate, document.candidate_id)
        if candidate is not None and candidate.legal_hold_at is not None:
            return False
        candidate_id = document.candidate_id
        # The row, its file after the commit, and its name and reason in the history.
        documents.forget(document)
        erasure.record_purge(now, actor, item.rule, candidate_id, {"documents": 1}, files=1)
        return True
    if item.rule == "unused_invitation":
        invitation = _locked(Invitation, item.target_id)
        if invitation is None or invitation.used_at is not None:
            return False
        db.session.delete(invitation)
        erasure.record_purge(now, actor, item.rule, item.candidate_id, {"invitations": 1})
        return True
    if item.rule == "import_job":
        job = _locked(ImportJob, item.target_id)
        if job is None or (not job.rows and not job.errors):
            return False  # emptied already
        emptied = len(job.rows or []) + len(job.errors or [])
        job.rows, job.errors = [], []
        erasure.record_purge(
            now, actor, item.rule, None, {"import_jobs": 1, "import_rows": emptied}
        )
        return True
    if item.rule == "data_export":
        export = _locked(DataExport, item.target_id)
        if export is None or (export.status == "expired" and not export.stored_name):
            return False  # expired already
        if export.expires_at is None or export.expires_at > now:
            return False  # made valid again in the meantime
        files = 0
        if export.stored_name:
            remove_after_commit(private_folder("exports") / export.stored_name)
            files = 1
        export.stored_name = None
        export.status = "expired"
        erasure.record_purge(
            now, actor, item.rule, export.candidate_id, {"data_exports": 1}, files=files
        )
        return True
    raise ValueError(f"unknown rule {item.rule!r}")


def _sweep(items: list[Item], now: datetime, actor: User | None) -> list[Item]:
    """Remove the orphan files (no row names them: nothing to roll back) and log it once."""
    removed = []
    for item in items:
        folder, _slash, name = (item.name or "").partition("/")
        path: Path = private_folder(folder) / name
        try:
            path.unlink()
        except FileNotFoundError:
            continue
        removed.append(item)
    if removed:
        with transaction():
            erasure.record_purge(now, actor, "orphan_file", None, {}, files=len(removed))
    return removed


def purge(
    now: datetime | None = None, actor: User | None = None, dry_run: bool = False
) -> PurgeResult:
    """Apply every rule whose date has come: one transaction per candidate or item. Call it
    outside a unit of work (the command, the worker); `dry_run` changes nothing."""
    now = now or utcnow()
    with transaction(writes=False) as unit:
        items = pending(now)
        unit.veto()
    result = PurgeResult(dry_run=dry_run)
    if dry_run:
        result.items = items
        return result
    orphans = [item for item in items if item.rule == "orphan_file"]
    for item in items:
        if item.rule == "orphan_file":
            continue
        try:
            with transaction():
                done = _apply(item, now, actor)
        except DomainError as error:  # e.g. a legal hold placed in the meantime
            result.failed.append((item, error.message))
            continue
        except Exception as error:  # one bad item must not stop the night's purge
            # The rule, the item and the error's type only: an error's text (or traceback) may
            # quote a row's values — an address, a name.
            log.error(
                "purge of %s %s failed: %s",
                item.rule,
                item.target_id or item.candidate_id,
                type(error).__name__,
            )
            result.failed.append((item, type(error).__name__))
            continue
        if done:
            result.items.append(item)
    result.items.extend(_sweep(orphans, now, actor))
    return result


def nightly(now: datetime | None = None) -> PurgeResult:
    started = time.monotonic()
    result = purge(now)
    log.info(
        "purge: %s in %.1f s, candidates %s, %d failed",
        result.counts(),
        time.monotonic() - started,
        result.candidate_ids(),
        len(result.failed),
    )
    return result


# -- legal hold ------------------------------------------------------------------------------


def hold(actor: User, candidate: Candidate, reason: str, now: datetime | None = None) -> None:
    """Put `candidate` on a legal hold: neither erasure nor the purge touches them."""
    require_role(actor, "staff")
    reason = (reason or "").strip()
    if not reason:
        raise Refused(_("Say why the candidate's data must be kept (the reason is required)."))
    if candidate.erased_at is not None:
        raise Conflict(_("This candidate has already been erased."))
    now = now or utcnow()
    candidate.legal_hold_reason = reason[:HOLD_REASON_LENGTH]
    candidate.legal_hold_at = now
    candidate.legal_hold_by_id = actor.id
    audit.record(candidate, actor, "legal_hold_placed", reason=reason, at=now)


def release(actor: User, candidate: Candidate, now: datetime | None = None) -> None:
    require_role(actor, "staff")
    if candidate.legal_hold_at is None:
        raise Conflict(_("This candidate is not under a legal hold."))
    candidate.legal_hold_reason = None
    candidate.legal_hold_at = None
    candidate.legal_hold_by_id = None
    audit.record(candidate, actor, "legal_hold_released", at=now or utcnow())


# -- the desk's privacy overview ---------------------------------------------------------------


def _candidates(*where, order) -> list[Candidate]:
    return list(
        db.session.scalars(
            select(Candidate)
            .options(joinedload(Candidate.user))
            .where(Candidate.erased_at.is_(None), *where)
            .order_by(order, Candidate.id)
        )
    )


def erasure_requests() -> list[Candidate]:
    return _candidates(
        Candidate.erasure_requested_at.is_not(None), order=Candidate.erasure_requested_at
    )


def consent_withdrawals() -> list[Candidate]:
    """Candidates whose consent is withdrawn (and not given again since): the desk is told."""
    return _candidates(
        Candidate.consent_withdrawn_at.is_not(None),
        or_(Candidate.consent_at.is_(None), Candidate.consent_at < Candidate.consent_withdrawn_at),
        order=Candidate.consent_withdrawn_at.desc(),
    )


def legal_holds() -> list[Candidate]:
    return _candidates(Candidate.legal_hold_at.is_not(None), order=Candidate.legal_hold_at)


def candidates_by_id(ids) -> dict[int, Candidate]:
    ids = {i for i in ids if i is not None}
    if not ids:
        return {}
    rows = db.session.scalars(
        select(Candidate).options(joinedload(Candidate.user)).where(Candidate.id.in_(ids))
    )
    return {candidate.id: candidate for candidate in rows}


def purge_log(page: int, per_page: int) -> Pagination:
    statement = (
        select(DataPurge)
        .options(joinedload(DataPurge.actor))
        .order_by(DataPurge.at.desc(), DataPurge.id.desc())
    )
    return db.paginate(statement, page=max(page, 1), per_page=per_page, error_out=False)
