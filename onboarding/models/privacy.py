"""Personal data's lifecycle: the privacy notice, consent records, who opened a candidate's
documents, the candidate's data exports, and the log of erasures and purges."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from onboarding.models.base import Base, UTCDateTime, utcnow
from onboarding.models.user import User, _in

CONSENT_ACTIONS = ("given", "withdrawn")
DOCUMENT_ACCESS_ACTIONS = ("listed", "downloaded")
EXPORT_STATUSES = ("queued", "ready", "failed", "expired")
# Why personal data went: a staff erasure (on the candidate's or a postal request) or one of
# the retention rules the nightly purge applies.
PURGE_RULES = (
    "erasure",
    "withdrawn",
    "placed",
    "rejected_document",
    "unused_invitation",
    "import_job",
    "data_export",
    "orphan_file",
)


class PrivacyNotice(Base):
    """One version of the privacy notice, in the three languages. A draft (`published_at`
    None) can be edited; a published version never changes: consents point at it."""

    __tablename__ = "privacy_notices"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(Integer, unique=True)
    body_nl: Mapped[str] = mapped_column(Text)
    body_af: Mapped[str] = mapped_column(Text)
    body_en: Mapped[str] = mapped_column(Text)
    # What changed since the previous version, shown when candidates are asked again.
    changes: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    def body(self, locale: str) -> str:
        return {"nl": self.body_nl, "af": self.body_af}.get(locale, self.body_en)


class Consent(Base):
    """A consent given or withdrawn: which notice version, when, and by whom — the candidate,
    or staff on their behalf (`on_behalf`, with a note saying how it was received)."""

    __tablename__ = "consents"
    __table_args__ = (
        CheckConstraint(_in("action", CONSENT_ACTIONS), name="action_allowed"),
        Index("ix_consents_candidate_at", "candidate_id", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    candidate_id: Mapped[int] = mapped_column(ForeignKey("candidates.id", ondelete="CASCADE"))
    notice_id: Mapped[int | None] = mapped_column(
        ForeignKey("privacy_notices.id", ondelete="RESTRICT")
    )
    action: Mapped[str] = mapped_column(String(20))
    # Whether companies may see the candidate's profile when proposed to them.
    share_with_companies: Mapped[bool] = mapped_column(Boolean, default=False)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    on_behalf: Mapped[bool] = mapped_column(Boolean, default=False)
    note: Mapped[str | None] = mapped_column(Text)

    notice: Mapped[PrivacyNotice | None] = relationship()
    actor: Mapped[User | None] = relationship()


class DocumentAccess(Base):
    """Staff or a mentor opened a candidate's documents (`listed`) or downloaded one; the
    candidate reads this log. The kind is kept so the line still reads once the document
    itself is gone."""

    __tablename__ = "document_access"
    __table_args__ = (
        CheckConstraint(_in("action", DOCUMENT_ACCESS_ACTIONS), name="action_allowed"),
        Index("ix_document_access_candidate_at", "candidate_id", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    candidate_id: Mapped[int] = mapped_column(ForeignKey("candidates.id", ondelete="CASCADE"))
    document_id: Mapped[int | None] = mapped_column(
        ForeignKey("documents.id", ondelete="SET NULL"), index=True
    )
    document_kind: Mapped[str | None] = mapped_column(String(40))
    viewer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    viewer_role: Mapped[str] = mapped_column(String(20))
    action: Mapped[str] = mapped_column(String(20))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    viewer: Mapped[User | None] = relationship()


class DataExport(Base):
    """A ZIP of everything held about a candidate, built by the worker. Only `for_user`
    may download it (the candidate, or the staff member answering a postal request), until
    `expires_at`; the file lives under `<instance>/exports/` with a random name."""

    __tablename__ = "data_exports"
    __table_args__ = (CheckConstraint(_in("status", EXPORT_STATUSES), name="status_allowed"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    candidate_id: Mapped[int] = mapped_column(
        ForeignKey("candidates.id", ondelete="CASCADE"), index=True
    )
    for_user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    note: Mapped[str | None] = mapped_column(String(300))  # e.g. "letter of 2 December"
    status: Mapped[str] = mapped_column(String(20), default="queued")
    job_id: Mapped[int | None] = mapped_column(ForeignKey("jobs.id", ondelete="SET NULL"))
    stored_name: Mapped[str | None] = mapped_column(String(80), unique=True)
    size: Mapped[int | None] = mapped_column(Integer)
    sha256: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ready_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    downloaded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    for_user: Mapped[User] = relationship(foreign_keys=[for_user_id])


class DataPurge(Base):
    """One erasure or purge: who (None: the nightly worker), when, which rule, and how many
    rows per table and files went. It holds no personal data."""

    __tablename__ = "data_purges"
    __table_args__ = (CheckConstraint(_in("rule", PURGE_RULES), name="rule_allowed"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    rule: Mapped[str] = mapped_column(String(40))
    candidate_id: Mapped[int | None] = mapped_column(
        ForeignKey("candidates.id", ondelete="SET NULL"), index=True
    )
    rows: Mapped[dict] = mapped_column(JSON, default=dict)  # {table: rows removed or cleared}
    files: Mapped[int] = mapped_column(Integer, default=0)

    actor: Mapped[User | None] = relationship()
