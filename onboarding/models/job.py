"""Background jobs: durable rows that the worker process claims with a lease."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from onboarding.models.base import Base, UTCDateTime, utcnow
from onboarding.models.user import _in

JOB_STATUSES = ("queued", "running", "done", "failed")


class Job(Base):
    """One piece of work that must not run in a web request (a CSV import, later exports
    and purges). Written in the transaction of the request that asks for it; claimed by a
    worker with a lease (`claimed_until`) that it renews while it works; a crashed worker's
    job is claimed again when the lease has run out, until `max_attempts`."""

    __tablename__ = "jobs"
    __table_args__ = (
        CheckConstraint(_in("status", JOB_STATUSES), name="status_allowed"),
        Index("ix_jobs_status_available_at", "status", "available_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    payload: Mapped[dict] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(20), default="queued")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    max_attempts: Mapped[int] = mapped_column(Integer, default=3)
    available_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    claimed_by: Mapped[str | None] = mapped_column(String(120))
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    failure: Mapped[str | None] = mapped_column(Text)


class WorkerHeartbeat(Base):
    """When each worker process last ticked (`host:pid`), for the health check: the web
    process cannot see the worker, so the worker says it is alive through the database."""

    __tablename__ = "worker_heartbeats"

    name: Mapped[str] = mapped_column(String(120), primary_key=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_tick_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
