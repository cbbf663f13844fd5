"""One conversation per candidate: the candidate, their mentor and the welcome desk.

The thread is the candidate's: its messages carry the candidate's id, so erasing the
candidate removes the conversation with it. System posts (a phase change) have no author;
their text is built from `params` in the reader's language when shown.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from onboarding.models.base import Base, UTCDateTime, utcnow
from onboarding.models.user import User, _in

if TYPE_CHECKING:  # resolved by SQLAlchemy at run time; imported for the type checker only
    from onboarding.models.candidate import Candidate

MESSAGE_KINDS = ("text", "system")


class Broadcast(Base):
    """One message the desk sent to a group of candidates (a board filter), each in their
    own thread; kept so the desk sees what went to how many."""

    __tablename__ = "broadcasts"

    id: Mapped[int] = mapped_column(primary_key=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    body: Mapped[str] = mapped_column(Text)
    # The board filter it went to (phase, country, campaign), as the desk chose it.
    filter: Mapped[dict] = mapped_column(JSON, default=dict)
    recipients: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    author: Mapped[User | None] = relationship()


class ThreadMessage(Base):
    __tablename__ = "thread_messages"
    __table_args__ = (
        CheckConstraint(_in("kind", MESSAGE_KINDS), name="kind_allowed"),
        # A thread's page and its unread count: by candidate, in id order.
        Index("ix_thread_messages_candidate_id_id", "candidate_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    candidate_id: Mapped[int] = mapped_column(ForeignKey("candidates.id", ondelete="CASCADE"))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(String(10), default="text")
    body: Mapped[str] = mapped_column(Text, default="")  # stored as written
    params: Mapped[dict] = mapped_column(JSON, default=dict)  # a system post's facts
    broadcast_id: Mapped[int | None] = mapped_column(
        ForeignKey("broadcasts.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    author: Mapped[User | None] = relationship()
    candidate: Mapped[Candidate] = relationship()
    attachments: Mapped[list[ThreadAttachment]] = relationship(
        back_populates="message", cascade="all, delete-orphan", order_by="ThreadAttachment.id"
    )


class ThreadAttachment(Base):
    """A file attached to a message: checked like a document (type by content, size),
    stored the same way (private folder, random name), shown to the thread's members."""

    __tablename__ = "thread_attachments"
    __table_args__ = (
        CheckConstraint(
            "content_type IN ('application/pdf', 'image/jpeg', 'image/png')", name="content_type"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(
        ForeignKey("thread_messages.id", ondelete="CASCADE"), index=True
    )
    original_name: Mapped[str] = mapped_column(String(255))
    stored_name: Mapped[str] = mapped_column(String(80), unique=True)
    content_type: Mapped[str] = mapped_column(String(40))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    message: Mapped[ThreadMessage] = relationship(back_populates="attachments")


class ThreadRead(Base):
    """How far a person has read a candidate's thread (the newest message id they saw)."""

    __tablename__ = "thread_reads"

    candidate_id: Mapped[int] = mapped_column(
        ForeignKey("candidates.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    last_read_id: Mapped[int] = mapped_column(Integer, default=0)
    read_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
