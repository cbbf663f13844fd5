"""The reports' figures as the worker last computed them (services.reports)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, String
from sqlalchemy.orm import Mapped, mapped_column

from onboarding.models.base import Base, UTCDateTime


class ReportSnapshot(Base):
    """One report's figures (`Report` as JSON) and when they were computed: the dashboard
    reads them instead of going over every candidate's history on each visit."""

    __tablename__ = "report_snapshots"

    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    figures: Mapped[dict] = mapped_column(JSON)
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime)
