"""Candidate documents: upload, review by the welcome desk, and who may read them.

Files are checked by their content (magic bytes), never by name or declared type, and kept
under `<instance>/documents/` with random names; the original name is display text only.
Nothing is stored when an upload is refused, and a file written for a row that could not
be committed is removed again.
"""

from __future__ import annotations

import hashlib
import os
import re
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import BinaryIO

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select, update
from sqlalchemy.orm import joinedload

from onboarding.db import after_rollback, count_of, end_read, remove_after_commit
from onboarding.extensions import db
from onboarding.i18n import format_decimal
from onboarding.models import AuditEvent, Candidate, Document, DocumentAccess, User, utcnow
from onboarding.services import audit, document_access, notifications
from onboarding.services.access import own_candidate, require_role, visible_candidate
from onboarding.services.errors import NotFound, Refused
from onboarding.storage import private_folder
from onboarding.vocabulary import DOCUMENT_KIND_LABELS, DOCUMENT_KINDS
from workflows import checklist as checklist_rules
from workflows.checklist import Checklist
from workflows.relocation import EXPIRING_KINDS

DEFAULT_MAX_BYTES = 10 * 1024 * 1024
DEFAULT_MAX_PER_CANDIDATE = 50
# Room for the multipart framing and the small form fields around the file.
FORM_OVERHEAD_BYTES = 64 * 1024

# Accepted types, recognised by their first bytes only.
SIGNATURES = (
    (b"%PDF-", "application/pdf"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
)
EXTENSIONS = {"application/pdf": ".pdf", "image/jpeg": ".jpg", "image/png": ".png"}
STORED_NAME = re.compile(r"[0-9a-f]{48}")
DECISIONS = ("verified", "rejected")
MAX_NAME_LENGTH = 200


def max_bytes() -> int:
    return int(current_app.config.get("DOCUMENT_MAX_BYTES", DEFAULT_MAX_BYTES))


def max_per_candidate() -> int:
    """A cap on uploads per candidate, so one account cannot fill the disk."""
    return int(current_app.config.get("DOCUMENT_MAX_PER_CANDIDATE", DEFAULT_MAX_PER_CANDIDATE))


def max_request_bytes() -> int:
    """The largest request body an upload may have (the file plus the form around it)."""
    return max_bytes() + FORM_OVERHEAD_BYTES


def folder() -> Path:
    """`<instance>/documents`, outside the web root, created private on first use."""
    return private_folder("documents")


def kind_label(kind: str) -> str:
    return str(DOCUMENT_KIND_LABELS[kind]) if kind in DOCUMENT_KIND_LABELS else kind


def max_megabytes() -> float:
    """The size limit in MB (1,048,576 bytes), for messages."""
    return round(max_bytes() / (1024 * 1024), 1)


def _too_large_message() -> str:
    return _(
        "The file is too large: at most %(size)s MB is accepted.",
        size=format_decimal(max_megabytes()),
    )


def check_declared_size(content_length: int | None) -> None:
    """Refuse a request whose declared body is larger than any acceptable upload, before
    reading it."""
    if content_length is not None and content_length > max_request_bytes():
        raise Refused(_too_large_message())


def sniff(head: bytes) -> str | None:
    """The content type from the file's first bytes, or None if it is not accepted."""
    for signature, content_type in SIGNATURES:
        if head.startswith(signature):
            return content_type
    return None


def display_name(filename: str | None, content_type: str) -> str:
    """The name to show and to download as: no directories, no control characters, a sane
    length, and the extension of the type the content really is (a PDF sent as
    "diploma.html" is kept as "diploma.pdf"; the user's extension never decides)."""
    name = re.split(r"[/\\]", filename or "")[-1]
    name = unicodedata.normalize("NFC", name)
    name = "".join(ch for ch in name if not unicodedata.category(ch).startswith("C"))
    name = " ".join(name.split()).lstrip(". ")
    stem, dot, extension = name.rpartition(".")
    if dot and stem and len(extension) <= 10 and " " not in extension:
        name = stem.rstrip(" .")
    extension = EXTENSIONS[content_type]
    name = name[: MAX_NAME_LENGTH - len(extension)].rstrip(" .")
    return (name or "document") + extension


def _read_limited(data: bytes | BinaryIO, limit: int) -> bytes:
    if isinstance(data, bytes | bytearray | memoryview):
        return bytes(data)
    return data.read(limit + 1)  # one byte more tells us it is too large


def _count(candidate: Candidate) -> int:
    return count_of(select(func.count(Document.id)).where(Document.candidate_id == candidate.id))


def _write_new_file(content: bytes, directory: Path) -> str:
    """Write the content under a fresh random name (never overwriting) and return it."""
    while True:
        name = secrets.token_hex(24)
        try:
            fd = os.open(directory / name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # pragma: no cover - 192 random bits
            continue
        with os.fdopen(fd, "wb") as handle:
            handle.write(content)
        return name


@dataclass(frozen=True)
class CheckedFile:
    """An upload that passed the checks: its bytes, real type and the name to show."""

    content: bytes
    content_type: str
    original_name: str

    @property
    def size(self) -> int:
        return len(self.content)

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.content).hexdigest()


def check_file(data: bytes | BinaryIO, filename: str | None) -> CheckedFile:
    """Read an upload within the size limit and recognise its type by its content (PDF,
    JPEG or PNG); refuse an empty, too large or other file. Documents and message
    attachments both go through here."""
    limit = max_bytes()
    content = _read_limited(data, limit)
    if not content:
        raise Refused(_("The file is empty."))
    if len(content) > limit:
        raise Refused(_too_large_message())
    content_type = sniff(content[:16])
    if content_type is None:
        raise Refused(
            _("Only PDF, JPEG and PNG files are accepted, and this file is none of these.")
        )
    return CheckedFile(content, content_type, display_name(filename, content_type))


def store_file(checked: CheckedFile, directory: Path) -> str:
    """Write a checked upload under a random name in a private folder (no database lock
    held meanwhile) and answer the name. The file exists only if its row does: a
    rolled-back unit of work removes it again."""
    end_read()  # writing up to 10 MB holds no database lock
    stored_name = _write_new_file(checked.content, directory)
    after_rollback(lambda: (directory / stored_name).unlink(missing_ok=True))
    return stored_name


def upload(
    actor: User,
    kind: str,
    data: bytes | BinaryIO,
    filename: str | None,
    valid_until: date | None = None,
) -> Document:
    """Store a document the candidate hands in; refuse anything but PDF, JPEG or PNG. A
    permit or card comes with the last day it is valid (its expiry is reminded of)."""
    require_role(actor, "candidate")
    candidate = own_candidate(actor)
    if kind not in DOCUMENT_KINDS:
        raise Refused(_("Choose which document this is."))
    if kind in EXPIRING_KINDS and valid_until is None:
        raise Refused(_("Give the date until which this document is valid."))
    if kind not in EXPIRING_KINDS:
        valid_until = None
    checked = check_file(data, filename)
    if _count(candidate) >= max_per_candidate():
        raise Refused(
            _("You have uploaded the most documents allowed. Ask the welcome desk for help.")
        )
    stored_name = store_file(checked, folder())
    document = Document(
        candidate_id=candidate.id,
        kind=kind,
        original_name=checked.original_name,
        stored_name=stored_name,
        content_type=checked.content_type,
        size=checked.size,
        sha256=checked.sha256,
        status=checklist_rules.PENDING,
        uploaded_by_id=actor.id,
        valid_until=valid_until,
    )
    db.session.add(document)
    audit.record(candidate, actor, "document_uploaded", detail=checked.original_name)
    db.session.flush()
    _plan_changed(candidate, kind)
    return document


def _plan_changed(candidate: Candidate, kind: str) -> None:
    """A proof or a permit changed: the relocation plan and the expiry reminders follow."""
    from onboarding.services import relocation

    if kind in relocation.PLAN_KINDS:
        relocation.refresh(candidate)


def review(actor: User, document_id: int, decision: str, reason: str = "") -> Document:
    """The welcome desk verifies a document, or rejects it with a reason the candidate sees."""
    require_role(actor, "staff")
    document, candidate = _visible(actor, document_id)
    if decision not in DECISIONS:
        raise Refused(_("Choose whether the document is verified or rejected."))
    reason = (reason or "").strip()
    if decision == "rejected" and not reason:
        raise Refused(_("Give the reason for rejecting the document; the candidate will see it."))
    document.status = decision
    document.rejection_reason = reason if decision == "rejected" else None
    document.reviewed_at = utcnow()
    document.reviewed_by_id = actor.id
    audit.record(
        candidate, actor, f"document_{decision}", detail=document.original_name, reason=reason
    )
    params = {"document_kind": document.kind, "reason": reason}
    notifications.notify(f"document_{decision}", candidate=candidate, actor=actor, params=params)
    _plan_changed(candidate, document.kind)
    return document


def _visible(actor: User, document_id: int) -> tuple[Document, Candidate]:
    document = db.session.get(Document, document_id)
    if document is not None:
        try:
            return document, visible_candidate(actor, document.candidate_id)
        except NotFound:
            pass
    raise NotFound(_("This document does not exist or is not yours to see."))


def visible_document(actor: User, document_id: int) -> Document:
    """The document, if the actor may see its candidate; otherwise not found (404), so that
    nobody learns which documents exist."""
    return _visible(actor, document_id)[0]


def read_document(actor: User, document_id: int) -> tuple[Document, bytes]:
    """The document and its content, for a download by someone allowed to see it; staff's
    and a mentor's downloads are logged for the candidate (`document_access`)."""
    document, candidate = _visible(actor, document_id)
    return document, read_stored(actor, document, candidate)


def read_stored(actor: User, document: Document, candidate: Candidate) -> bytes:
    """A document's content for `actor`, who the caller made sure may read it; logged for
    the candidate (`document_access`)."""
    path = folder() / document.stored_name
    if not STORED_NAME.fullmatch(document.stored_name) or not path.is_file():
        raise NotFound(_("This document does not exist or is not yours to see."))
    document_access.record(actor, candidate, "downloaded", document)
    return path.read_bytes()


def opened_list(actor: User, candidate: Candidate) -> None:
    """Staff or a mentor opened the candidate's documents list: logged for the candidate."""
    document_access.record(actor, candidate, "listed")


DOCUMENT_ACTIONS = (
    "document_uploaded",
    "document_verified",
    "document_rejected",
    "document_deleted",
    "document_removed",
)


def forget(document: Document) -> None:
    """Remove a document for good, in the current unit of work: its row now, its file once
    the unit of work has committed (a rollback keeps both), and its file name and rejection
    reason from the candidate's history (personal data: "paspoort_Zanele_Mokoena.pdf").
    The history rows that quoted the name keep their action and now name the document's
    kind (`kind_label` at display). The caller checks who may do this and writes the
    deletion's own audit row (with `detail=document.kind`)."""
    candidate_id, name, kind = document.candidate_id, document.original_name, document.kind
    if STORED_NAME.fullmatch(document.stored_name):
        remove_after_commit(folder() / document.stored_name)
    db.session.execute(
        update(DocumentAccess)
        .where(DocumentAccess.document_id == document.id)
        .values(document_id=None)
    )
    db.session.delete(document)
    db.session.flush()
    # Another document of theirs with the very same name keeps the rows that may be its own.
    namesake = db.session.scalar(
        select(Document.id)
        .where(Document.candidate_id == candidate_id, Document.original_name == name)
        .limit(1)
    )
    if namesake is not None:
        return
    quoting = (
        AuditEvent.candidate_id == candidate_id,
        AuditEvent.action.in_(DOCUMENT_ACTIONS),
        AuditEvent.detail == name,
    )
    db.session.execute(
        update(AuditEvent)
        .where(*quoting, AuditEvent.action == "document_rejected")
        .values(reason=None)
    )
    db.session.execute(update(AuditEvent).where(*quoting).values(detail=kind))


def _refuse_on_hold(candidate: Candidate) -> None:
    if candidate.legal_hold_at is not None:
        raise Refused(
            _("A legal hold is in place, so no document can be deleted until it is "
              "released.")
        )  # fmt: skip


def delete_own(actor: User, document_id: int) -> Document:
    """The candidate deletes a document of theirs that is not verified yet (pending or
    rejected); a verified one stays until the welcome desk or retention removes it. Not
    while a legal hold is in place."""
    require_role(actor, "candidate")
    candidate = own_candidate(actor)
    document = db.session.get(Document, document_id)
    if document is None or document.candidate_id != candidate.id:
        raise NotFound(_("This document does not exist or is not yours to see."))
    if document.status == checklist_rules.VERIFIED:
        raise Refused(
            _("This document is verified, so you cannot delete it yourself. "
              "Ask the welcome desk if it must be removed.")
        )  # fmt: skip
    _refuse_on_hold(candidate)
    audit.record(candidate, actor, "document_deleted", detail=document.kind)
    forget(document)
    _plan_changed(candidate, document.kind)
    return document


def delete_by_desk(actor: User, document_id: int, reason: str) -> Document:
    """The welcome desk removes any document of a candidate, with the reason (audited);
    not while a legal hold is in place."""
    require_role(actor, "staff")
    document, candidate = _visible(actor, document_id)
    reason = (reason or "").strip()
    if not reason:
        raise Refused(_("Give the reason for removing the document."))
    _refuse_on_hold(candidate)
    audit.record(candidate, actor, "document_removed", detail=document.kind, reason=reason)
    forget(document)
    _plan_changed(candidate, document.kind)
    return document


def documents_of(candidate: Candidate) -> list[Document]:
    """Newest first, with who reviewed them."""
    return list(
        db.session.scalars(
            select(Document)
            .options(joinedload(Document.reviewed_by))
            .where(Document.candidate_id == candidate.id)
            .order_by(Document.uploaded_at.desc(), Document.id.desc())
        )
    )


def checklist_for(candidate: Candidate, documents: list[Document] | None = None) -> Checklist:
    """The candidate's checklist; pass `documents` when already loaded to save a query."""
    if documents is None:
        documents = documents_of(candidate)
    return checklist_rules.build(candidate.country_code, documents, candidate.residence_route)
