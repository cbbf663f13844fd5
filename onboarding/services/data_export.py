"""Access and portability (GDPR Art. 15 and 20): everything Onthaal holds about a candidate,
as one ZIP built by the worker.

A request (`request_export`: the candidate for themself, or the welcome desk answering a
request received by post, with a note saying so) writes a `DataExport` row and queues one
`data_export` job; only one request per candidate is open (queued) at a time. The job
(`build`) reads every section, releases the database (on SQLite the job would otherwise
hold the one write lock while it writes files), and writes one ZIP under
`<instance>/exports/` with a random name: `data.json` (the machine-readable copy, schema
`onthaal.data-export/1`, described field by field in docs/data-export.md), `summary.html`
(a readable, self-contained summary in the candidate's language) and every document under
`documents/`. The file is written under a temporary name, synced and renamed; a build that
fails or rolls back leaves no file behind. The person who asked (`for_user`, the only one
who may download it) is notified in the same unit of work (the essential event
`data_export_ready` on the outbox): an email with a link to the page where the download is,
never to the file itself. The download works until `expires_at`
(DATA_EXPORT_VALID_DAYS after it was ready); the nightly purge removes expired files.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import secrets
import unicodedata
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import or_, select
from sqlalchemy.orm import joinedload

from onboarding.db import after_rollback, end_read
from onboarding.extensions import db
from onboarding.models import (
    AccountEvent,
    AuditEvent,
    Candidate,
    Consent,
    DataExport,
    Document,
    DocumentAccess,
    Reminder,
    ThreadAttachment,
    ThreadMessage,
    User,
    utcnow,
)
from onboarding.services import (
    account_events,
    audit,
    board,
    consent,
    conversations,
    document_access,
    documents,
    history,
    jobs,
    notifications,
    relocation,
)
from onboarding.services.access import require_role
from onboarding.services.errors import DomainError, NotFound, Refused
from onboarding.services.history import TimelineEntry
from onboarding.services.notifications.preferences import preferences_of
from onboarding.storage import private_folder

log = logging.getLogger(__name__)

EXPORT_JOB = "data_export"
SCHEMA = "onthaal.data-export/1"
STORED_NAME = re.compile(r"[0-9a-f]{48}\.zip")
NOTE_LENGTH = 300  # data_exports.note
CHUNK = 1024 * 1024
MISSING_KEYS = ("id", "kind", "original_name", "uploaded_at")  # data.json missing_documents


class ExportExpired(DomainError):
    """The export's link has run out (HTTP 410 Gone)."""

    status = 410


def folder() -> Path:
    """`<instance>/exports`, private, outside the web root."""
    return private_folder("exports")


def valid_days() -> int:
    return int(current_app.config.get("DATA_EXPORT_VALID_DAYS", 7))


# -- asking --------------------------------------------------------------------------------


def _not_found() -> NotFound:
    return NotFound(_("This export does not exist or is not yours to download."))


def open_request(candidate: Candidate) -> DataExport | None:
    """The candidate's export still being prepared, if any."""
    return db.session.scalars(
        select(DataExport)
        .where(DataExport.candidate_id == candidate.id, DataExport.status == "queued")
        .limit(1)
    ).first()


def request_export(actor: User, candidate: Candidate, note: str | None = None) -> DataExport:
    """Queue an export of `candidate`'s data for `actor` (who alone may download it): the
    candidate for themself, or staff for a request received by post (`note` says how)."""
    require_role(actor, "candidate", "staff")
    note = (note or "").strip() or None
    if actor.role == "candidate":
        if candidate.user_id != actor.id:
            raise NotFound(_("This candidate does not exist or is not yours to see."))
        note = None
    elif note is None:
        raise Refused(_("Say how the request was received, e.g. “letter received 2 December”."))
    elif len(note) > NOTE_LENGTH:
        raise Refused(_("Use at most %(max)d characters.", max=NOTE_LENGTH))
    # One open request per candidate: the candidate's row is locked (PostgreSQL) or the
    # database's write lock is held (SQLite), so two clicks at once cannot both pass.
    db.session.execute(select(Candidate.id).where(Candidate.id == candidate.id).with_for_update())
    if open_request(candidate) is not None:
        raise Refused(
            _("A copy of these data is already being prepared. An email will follow when "
              "it is ready.")
        )  # fmt: skip
    export = DataExport(
        candidate_id=candidate.id,
        for_user_id=actor.id,
        requested_by_id=actor.id,
        note=note,
        status="queued",
    )
    db.session.add(export)
    db.session.flush()
    export.job_id = jobs.enqueue(EXPORT_JOB, {"export_id": export.id}, actor).id
    audit.record(candidate, actor, "data_export_requested", reason=note)
    return export


# -- reading what is held ------------------------------------------------------------------


@dataclass
class Held:
    """Everything held about a candidate, read with the existing readers."""

    candidate: Candidate
    user: User
    detail: board.CandidateDetail
    timeline: list[TimelineEntry]
    events: list[AuditEvent]  # oldest first
    documents: list[Document]
    consents: list[Consent]
    account_events: list[AccountEvent]
    reminders: list[Reminder]
    access: list[DocumentAccess]
    messages: list[ThreadMessage] = field(default_factory=list)  # the conversation


def reminders_of(candidate: Candidate) -> list[Reminder]:
    """The reminders and notifications addressed to the candidate or about them."""
    return list(
        db.session.scalars(
            select(Reminder)
            .where(
                or_(
                    Reminder.recipient_id == candidate.user_id,
                    Reminder.candidate_id == candidate.id,
                )
            )
            .order_by(Reminder.due_at, Reminder.id)
        )
    )


def _audit_events(candidate: Candidate) -> list[AuditEvent]:
    return list(
        db.session.scalars(
            select(AuditEvent)
            .options(joinedload(AuditEvent.actor))
            .where(AuditEvent.candidate_id == candidate.id)
            .order_by(AuditEvent.at, AuditEvent.id)
        )
    )


ALL = 1_000_000  # "every row" for the export; the page shows fewer


def held_about(
    candidate: Candidate, *, account_event_limit: int = ALL, for_page: bool = False
) -> Held:
    """What the summary page and the export show (the timeline in the current language).
    `for_page`: leave out what the page reads elsewhere or does not show (the access log is
    paged there; reminders are on the notifications page)."""
    events = account_events.events(
        account_events.EventFilter(user_id=candidate.user_id), limit=account_event_limit
    )
    return Held(
        candidate=candidate,
        user=candidate.user,
        detail=board.candidate_detail(candidate),
        timeline=history.timeline(candidate),
        events=_audit_events(candidate),
        documents=documents.documents_of(candidate),
        consents=list(reversed(consent.records_of(candidate))),  # oldest first
        account_events=events,
        reminders=[] if for_page else reminders_of(candidate),
        access=[] if for_page else document_access.log_of(candidate),
        messages=[] if for_page else conversations.messages_of(candidate),
    )


# -- the export's state, as its pages read it ----------------------------------------------


@dataclass(frozen=True)
class ExportLine:
    export: DataExport
    state: str  # "queued" | "ready" | "expired" | "failed"


def state_of(export: DataExport, now: datetime | None = None) -> str:
    if export.status == "ready" and export.expires_at is not None:
        return "ready" if (now or utcnow()) < export.expires_at else "expired"
    return export.status


def exports_for(user: User, candidate: Candidate, limit: int = 10) -> list[ExportLine]:
    """The exports of `candidate` that `user` may download, newest first."""
    now = utcnow()
    rows = db.session.scalars(
        select(DataExport)
        .where(DataExport.candidate_id == candidate.id, DataExport.for_user_id == user.id)
        .order_by(DataExport.created_at.desc(), DataExport.id.desc())
        .limit(limit)
    )
    return [ExportLine(row, state_of(row, now)) for row in rows]


def staff_exports(candidate: Candidate, limit: int = 50) -> list[ExportLine]:
    """The exports of `candidate` made by the welcome desk (postal requests), newest first."""
    now = utcnow()
    rows = db.session.scalars(
        select(DataExport)
        .options(joinedload(DataExport.for_user))
        .join(User, User.id == DataExport.for_user_id)
        .where(DataExport.candidate_id == candidate.id, User.role == "staff")
        .order_by(DataExport.created_at.desc(), DataExport.id.desc())
        .limit(limit)
    )
    return [ExportLine(row, state_of(row, now)) for row in rows]


def for_download(
    actor: User, export_id: int, now: datetime | None = None
) -> tuple[DataExport, Path]:
    """The ready export and its file, for `for_user` only (anyone else: not found); an
    expired one is `ExportExpired` (410). Records when it was downloaded."""
    export = db.session.get(DataExport, export_id)
    if export is None or export.for_user_id != actor.id:
        raise _not_found()
    now = now or utcnow()
    if state_of(export, now) == "expired":
        raise ExportExpired(
            _("This download has expired. Ask for a new copy of your data on the same page.")
        )
    if export.status != "ready" or not export.stored_name:
        raise _not_found()
    path = folder() / export.stored_name
    if not STORED_NAME.fullmatch(export.stored_name) or not path.is_file():
        raise _not_found()
    export.downloaded_at = now
    candidate = db.session.get(Candidate, export.candidate_id)
    if candidate is not None:
        # The desk's download of a postal request is in the candidate's "who looked" log.
        document_access.record(
            actor, candidate, "downloaded", kind=document_access.DATA_EXPORT, at=now
        )
    return export, path


def chunks(path: Path) -> Iterator[bytes]:
    """The file's content in pieces, for a streamed download."""
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            yield chunk


def download_name(export: DataExport) -> str:
    ready = (export.ready_at or utcnow()).date().isoformat()
    return f"onthaal-data-{export.candidate_id}-{ready}.zip"


# -- the ZIP -------------------------------------------------------------------------------


def _at(value: datetime | None) -> str | None:
    if value is None:
        return None
    return value.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _day(value: date | None) -> str | None:
    return value.isoformat() if value is not None else None


def _name(user: User | None) -> str | None:
    return user.name if user is not None else None


def safe_filename(name: str) -> str:
    """A file name any unzip program accepts: ASCII letters, digits, dot, dash, underscore."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    cleaned = re.sub(r"[^A-Za-z0-9._-]+", "_", ascii_name).strip("._") or "document"
    return cleaned[-100:]


def document_path(document: Document) -> str:
    return f"documents/{document.id}-{safe_filename(document.original_name)}"


def attachment_path(attachment: ThreadAttachment) -> str:
    return f"messages/{attachment.id}-{safe_filename(attachment.original_name)}"


def _message(row: ThreadMessage) -> dict[str, Any]:
    params = row.params or {}
    return {
        "kind": row.kind,
        "at": _at(row.created_at),
        "author": _name(row.author),
        "author_role": row.author.role if row.author is not None else None,
        "text": row.body if row.kind == "text" else None,
        "from_phase": params.get("from_phase"),
        "to_phase": params.get("to_phase"),
        "group_message": row.broadcast_id is not None,
        "attachments": [
            {
                "id": attachment.id,
                "name": attachment.original_name,
                "content_type": attachment.content_type,
                "path": attachment_path(attachment),
                "size": None,
                "sha256": None,
            }
            for attachment in row.attachments
        ],
    }


def _profile(held: Held) -> dict[str, Any]:
    candidate, user = held.candidate, held.user
    return {
        "name": user.name,
        "email": user.email,
        "language": user.locale,
        "account_created_at": _at(user.created_at),
        "last_login_at": _at(user.last_login_at),
        "notification_preferences": preferences_of(user),
        "two_factor_enabled": user.totp_enabled_at is not None,
        "registered_at": _at(candidate.created_at),
        "phone": candidate.phone,
        "country_code": candidate.country_code,
        "origin_institution": candidate.origin_institution,
        "stem_field": candidate.stem_field,
        "other_fields": [row.stem_field for row in candidate.other_fields],
        "degree_level": candidate.degree_level,
        "graduation_date": _day(candidate.graduation_date),
        "dutch_level": candidate.dutch_level,
        "english_level": candidate.english_level,
        "available_from": _day(candidate.available_from),
        "skills": [row.skill for row in candidate.skills],
        "municipalities": [row.municipality for row in candidate.preferred_municipalities],
        "outreach_channel": candidate.outreach_channel,
        "mentor": _name(candidate.mentor),
        "consent_at": _at(candidate.consent_at),
        "consent_notice_version": (
            candidate.consent_notice.version if candidate.consent_notice is not None else None
        ),
        "consent_withdrawn_at": _at(candidate.consent_withdrawn_at),
        "share_with_companies": bool(candidate.share_with_companies),
        "erasure_requested_at": _at(candidate.erasure_requested_at),
        "arrival_on": _day(candidate.arrival_on),
        "home_municipality": candidate.home_municipality,
        "residence_route": candidate.residence_route,
    }


def _phase(held: Held) -> dict[str, Any]:
    candidate = held.candidate
    return {
        "current": candidate.phase,
        "paused_from": candidate.paused_from,
        "entered_at": _at(candidate.phase_entered_at),
        "signed_off_at": _at(candidate.signed_off_at),
        "immersion_start": _day(candidate.immersion_start),
        "immersion_planned_end": _day(candidate.immersion_planned_end),
        "withdrawn_reason": candidate.withdrawn_reason,
    }


def stored_file(document: Document) -> Path | None:
    """The document's stored file, or None when it is gone (or its name is not ours)."""
    path = documents.folder() / document.stored_name
    if documents.STORED_NAME.fullmatch(document.stored_name) and path.is_file():
        return path
    return None


def missing_files(held_documents: list[Document]) -> list[Document]:
    """The documents whose stored file cannot be found (the copy then states the gap)."""
    return [row for row in held_documents if stored_file(row) is None]


def _missing_entry(document: Document) -> dict[str, Any]:
    return {
        "id": document.id,
        "kind": document.kind,
        "original_name": document.original_name,
        "uploaded_at": _at(document.uploaded_at),
    }


def data_document(held: Held, export: DataExport, missing: list[Document] | None = None) -> dict:
    """The content of data.json (docs/data-export.md describes every field). Each
    document's `size` and `sha256` are filled in as its file is copied into the ZIP;
    `missing` (documents whose file is gone) are listed under `missing_documents`, with
    `path` null."""
    user_id = held.user.id
    missing = missing or []
    missing_ids = {row.id for row in missing}
    return {
        "schema": SCHEMA,
        "generated_at": _at(utcnow()),
        "export_id": export.id,
        "requested_by": "candidate" if export.requested_by_id == user_id else "welcome_desk",
        "profile": _profile(held),
        "phase": _phase(held),
        "history": [
            {
                "action": event.action,
                "from_phase": event.from_phase,
                "to_phase": event.to_phase,
                "at": _at(event.at),
                "by": _name(event.actor),
                "reason": event.reason,
                "detail": event.detail,
            }
            for event in held.events
        ],
        "assessments": [
            {
                "level": row.level,
                "assessed_on": _day(row.assessed_on),
                "note": row.note,
                "recorded_by": _name(row.recorded_by),
            }
            for row in sorted(held.detail.assessments, key=lambda r: (r.assessed_on, r.id))
        ],
        "meetings": [
            {"date": _day(row.met_on), "mentor": _name(row.mentor), "note": row.note}
            for row in sorted(held.detail.meetings, key=lambda r: (r.met_on, r.id))
        ],
        "placements": [
            {
                "company": row.company.name,
                "project_title": row.project_title,
                "status": row.status,
                "start_date": _day(row.start_date),
                "interview_at": _at(row.interview_at),
                "proposed_at": _at(row.created_at),
                "decided_at": _at(row.decided_at),
                "closed_reason": row.closed_reason,
            }
            for row in sorted(held.detail.placements, key=lambda r: r.id)
        ],
        "reminders": [
            {
                "rule": row.rule,
                "to_you": row.recipient_id == user_id,
                "due_at": _at(row.due_at),
                "status": row.status,
                "sent_at": _at(row.sent_at),
                "read_at": _at(row.read_at),
            }
            for row in held.reminders
        ],
        "consents": [
            {
                "action": row.action,
                "notice_version": row.notice.version if row.notice is not None else None,
                "share_with_companies": bool(row.share_with_companies),
                "at": _at(row.at),
                "by": _name(row.actor),
                "on_behalf": bool(row.on_behalf),
                "note": row.note,
            }
            for row in held.consents
        ],
        "account_events": [
            {
                "kind": row.kind,
                "at": _at(row.at),
                # The address is the candidate's own only when they did it themself: a staff
                # member's address is not theirs to receive. (`account_events.record` always
                # sets the actor, so None means the actor's account was deleted: not them.)
                "address": row.address if row.actor_id == user_id else None,
                "detail": row.detail,
            }
            for row in sorted(held.account_events, key=lambda r: (r.at, r.id))
        ],
        "document_access": [
            {
                "at": _at(row.at),
                "viewer": _name(row.viewer),
                "viewer_role": row.viewer_role,
                "action": row.action,
                "document_id": row.document_id,
                "document_kind": row.document_kind,
            }
            for row in held.access
        ],
        "documents": [
            {
                "id": row.id,
                "kind": row.kind,
                "original_name": row.original_name,
                "content_type": row.content_type,
                "status": row.status,
                "rejection_reason": row.rejection_reason,
                "uploaded_at": _at(row.uploaded_at),
                "reviewed_at": _at(row.reviewed_at),
                "valid_until": _day(row.valid_until),
                "path": None if row.id in missing_ids else document_path(row),
                "size": None,
                "sha256": None,
            }
            for row in sorted(held.documents, key=lambda r: r.id)
        ],
        "missing_documents": [_missing_entry(row) for row in sorted(missing, key=lambda r: r.id)],
        "messages": [_message(row) for row in held.messages],
        "arrival_plan": [
            {
                "step": row.step,
                "done_on": _day(row.done_on),
                "not_needed_reason": row.skipped_reason,
                "due_on": _day(row.open_due_on),
                "recorded_at": _at(row.recorded_at),
            }
            for row in sorted(
                relocation.recorded_steps(held.candidate).values(), key=lambda r: r.step
            )
        ],
    }


def _copy_into(archive: zipfile.ZipFile, source: Path, name: str) -> dict[str, Any] | None:
    """Stream one stored document into the ZIP; its size and SHA-256 as written."""
    if not documents.STORED_NAME.fullmatch(source.name) or not source.is_file():
        return None
    digest, size = hashlib.sha256(), 0
    with source.open("rb") as handle, archive.open(name, "w") as target:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
            target.write(chunk)
    return {"path": name, "size": size, "sha256": digest.hexdigest()}


def _file_digest(path: Path) -> tuple[int, str]:
    digest, size = hashlib.sha256(), 0
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return size, digest.hexdigest()


def _remove_files(*paths: Path) -> None:
    for path in paths:
        path.unlink(missing_ok=True)


def _sync_folder(directory: Path) -> None:
    descriptor = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


@dataclass(frozen=True)
class _Source:
    document_id: int  # a document's id, or an attachment's (section "messages")
    stored: Path
    path: str  # inside the ZIP
    section: str = "documents"


def write_zip(
    sources: list[_Source], data: dict, summary: str, target: Path, beat: jobs.Beat
) -> None:
    """Write the ZIP to `target` (a new file): the documents first (streamed, checksums
    noted in `data`), then data.json, then the summary. Reads nothing from the database."""
    by_id = {entry["id"]: entry for entry in data["documents"]}
    by_attachment = {
        entry["id"]: entry
        for message in data.get("messages", [])
        for entry in message["attachments"]
    }
    missing = data.setdefault("missing_documents", [])
    descriptor = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as raw:
        with zipfile.ZipFile(raw, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for source in sources:
                beat()
                copied = _copy_into(archive, source.stored, source.path)
                if source.section == "messages":  # an attachment whose file is gone: no path
                    attached = by_attachment[source.document_id]
                    attached.update(copied or {"path": None})
                    continue
                entry = by_id[source.document_id]
                if copied is None:  # gone since it was checked: still stated in data.json
                    log.warning("data export: document %s has no stored file", entry["id"])
                    entry["path"] = None
                    missing.append({key: entry[key] for key in MISSING_KEYS})
                else:
                    entry.update(copied)
            beat()
            archive.writestr("data.json", json.dumps(data, ensure_ascii=False, indent=2))
            archive.writestr("summary.html", summary)
        raw.flush()
        os.fsync(raw.fileno())


@jobs.handler(EXPORT_JOB, on_failure=lambda payload, why: mark_failed(payload))
def build(payload: dict[str, Any], beat: jobs.Beat) -> None:
    """The worker's part: build the ZIP, mark the export ready, notify the requester."""
    export_id = int(payload.get("export_id", 0))
    export = db.session.get(DataExport, export_id)
    if export is None or export.status != "queued":
        return
    candidate = db.session.get(Candidate, export.candidate_id)
    if candidate is None:
        return
    # Everything is read (and the summary drawn, in the candidate's language) before the
    # files are written: then the job holds no database lock while it writes.
    with force_locale(candidate.user.locale):
        held = held_about(candidate)
        # A document whose file is gone for good must not hold back the rest of the copy
        # (retrying cannot bring it back): the copy is delivered and states the gap.
        missing = missing_files(held.documents)
        for row in missing:
            log.warning("data export %s: document %s has no stored file", export.id, row.id)
        data = data_document(held, export, missing)
        summary = render_template(
            "mydata/summary.html",
            held=held,
            labels=labels(),
            generated_at=utcnow(),
            paths={row.id: document_path(row) for row in held.documents},
            missing={row.id for row in missing},
        )
    missing_ids = {row.id for row in missing}
    sources = [
        _Source(row.id, documents.folder() / row.stored_name, document_path(row))
        for row in held.documents
        if row.id not in missing_ids
    ]
    sources += [
        _Source(a.id, conversations.folder() / a.stored_name, attachment_path(a), "messages")
        for message in held.messages
        for a in message.attachments
    ]
    end_read()
    stored_name = f"{secrets.token_hex(24)}.zip"
    directory = folder()
    partial, final = directory / f".{stored_name}.part", directory / stored_name
    # No file without its row: a failed or rolled-back build removes what it wrote.
    after_rollback(lambda: _remove_files(partial, final))
    try:
        write_zip(sources, data, summary, partial, beat)
        os.replace(partial, final)
        _sync_folder(directory)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    size, digest = _file_digest(final)
    export = db.session.get(DataExport, export_id)
    if export is None or export.status != "queued":  # gone or changed meanwhile
        final.unlink(missing_ok=True)
        return
    now = utcnow()
    export.status = "ready"
    export.stored_name = stored_name
    export.size = size
    export.sha256 = digest
    export.ready_at = now
    expires_at = export.expires_at = now + timedelta(days=valid_days())
    db.session.flush()
    # In the job's unit of work: the email and the "ready" state are stored together.
    notifications.notify(
        "data_export_ready",
        candidate=db.session.get(Candidate, export.candidate_id),
        people={"requester": [export.for_user]},
        params={"expires_at": expires_at.isoformat()},
        now=now,
    )


def mark_failed(payload: dict[str, Any]) -> None:
    """The job gave up: the export is failed (the page offers to ask again)."""
    export = db.session.get(DataExport, int(payload.get("export_id", 0)))
    if export is not None and export.status == "queued":
        export.status = "failed"


def labels() -> dict[str, Any]:
    """The vocabularies the summary page and summary.html read (translated when drawn)."""
    from onboarding.vocabulary import (
        ACCOUNT_EVENT_LABELS,
        DEGREE_LEVEL_LABELS,
        OUTREACH_CHANNEL_LABELS,
        PLACEMENT_STATUS_LABELS,
        REMINDER_STATUS_LABELS,
        ROLE_LABELS,
        STEM_FIELD_LABELS,
    )

    return {
        "stem": STEM_FIELD_LABELS,
        "channel": OUTREACH_CHANNEL_LABELS,
        "degree": DEGREE_LEVEL_LABELS,
        "placement": PLACEMENT_STATUS_LABELS,
        "account_event": ACCOUNT_EVENT_LABELS,
        "reminder": REMINDER_STATUS_LABELS,
        "role": ROLE_LABELS,
    }
