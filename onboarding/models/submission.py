"""One-time form tokens: a form sent twice (a double click, a resent POST) is done once."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from onboarding.models.base import Base, UTCDateTime, utcnow


class FormToken(Base):
    """A form's one-time token once the form has been done, with where its answer went.

    Only the SHA-256 of the form's name and token is kept; the unique key makes a second,
    concurrent submit of the same form fail its insert instead of doing the work again."""

    __tablename__ = "form_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    result: Mapped[str] = mapped_column(String(300))  # the path the first submit went to
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
