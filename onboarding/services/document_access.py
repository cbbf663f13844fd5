"""Who looked at a candidate's file: every time staff or a mentor opens a candidate's
documents list (`listed`) or downloads one of them (`downloaded`), one row; the candidate
reads this log on their data page. The candidate's own views are not logged.

The row keeps the document's kind, so the line still reads once the document is gone (its
`document_id` is then cleared by the database).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from onboarding.db import Pages
from onboarding.extensions import db
from onboarding.models import Candidate, Document, DocumentAccess, User, utcnow
from onboarding.vocabulary import ROLE_LABELS

# Whose reading of a candidate's documents the candidate sees (a company: their verified CV).
LOGGED_ROLES = ("staff", "mentor", "company")
DATA_EXPORT = "data_export"  # document_kind of a download of the whole data export


def record(
    viewer: User,
    candidate: Candidate,
    action: str,
    document: Document | None = None,
    *,
    kind: str | None = None,
    at: datetime | None = None,
) -> DocumentAccess | None:
    """Add one access row to the current unit of work (None: the viewer is not logged,
    e.g. the candidate themself). `kind` names what was read when it is not a document
    (`DATA_EXPORT`: the welcome desk downloaded the copy of all the candidate's data)."""
    if action not in ("listed", "downloaded"):
        raise ValueError(f"unknown document access {action!r}")
    if viewer.role not in LOGGED_ROLES or viewer.id == candidate.user_id:
        return None
    row = DocumentAccess(
        candidate_id=candidate.id,
        document_id=document.id if document is not None else None,
        document_kind=document.kind if document is not None else kind,
        viewer_id=viewer.id,
        viewer_role=viewer.role,
        action=action,
        at=at or utcnow(),
    )
    db.session.add(row)
    return row


@dataclass(frozen=True)
class AccessLine:
    """One line of the log as the candidate reads it."""

    at: datetime
    viewer: str | None  # None: the account is gone
    role: str  # the role's label
    action: str  # "listed" | "downloaded"
    document_kind: str | None
    document_name: str | None  # None: the whole list, or the document is gone


def _statement(candidate: Candidate):
    return (
        select(DocumentAccess)
        .options(joinedload(DocumentAccess.viewer))
        .where(DocumentAccess.candidate_id == candidate.id)
        .order_by(DocumentAccess.at.desc(), DocumentAccess.id.desc())
    )


def _names(rows: list[DocumentAccess]) -> dict[int, str]:
    ids = {row.document_id for row in rows if row.document_id is not None}
    if not ids:
        return {}
    found = db.session.execute(
        select(Document.id, Document.original_name).where(Document.id.in_(ids))
    )
    return {ident: name for ident, name in found}


def _line(row: DocumentAccess, names: dict[int, str]) -> AccessLine:
    return AccessLine(
        at=row.at,
        viewer=row.viewer.name if row.viewer is not None else None,
        role=str(ROLE_LABELS.get(row.viewer_role, row.viewer_role)),
        action=row.action,
        document_kind=row.document_kind,
        document_name=names.get(row.document_id) if row.document_id is not None else None,
    )


@dataclass(frozen=True)
class AccessPage(Pages):
    """One page of the log, with what the `pagination()` macro reads."""

    items: list[AccessLine] = field(default_factory=list)


def log_page(candidate: Candidate, page: int, per_page: int) -> AccessPage:
    """Newest first, one page (three statements, whatever the page holds)."""
    paged = db.paginate(_statement(candidate), page=max(page, 1), per_page=per_page,
                        error_out=False)  # fmt: skip
    rows = list(paged.items)
    names = _names(rows)
    return AccessPage(
        page=paged.page,
        pages=max(paged.pages, 1),
        total=paged.total or 0,
        per_page=per_page,
        items=[_line(row, names) for row in rows],
    )


def log_of(candidate: Candidate) -> list[DocumentAccess]:
    """Every row, oldest first (for the data export)."""
    statement = (
        select(DocumentAccess)
        .options(joinedload(DocumentAccess.viewer))
        .where(DocumentAccess.candidate_id == candidate.id)
        .order_by(DocumentAccess.at, DocumentAccess.id)
    )
    return list(db.session.scalars(statement))
