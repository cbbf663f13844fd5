"""Partner organisations (lead or contributing) and the outreach campaigns they join."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    ForeignKey,
    String,
    Table,
    Text,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from onboarding.models.base import Base, UTCDateTime, utcnow
from onboarding.models.user import User, _in
from onboarding.vocabulary import CAMPAIGN_KINDS, PARTNER_KINDS, PARTNER_STATUSES

campaign_partners = Table(
    "campaign_partners",
    Base.metadata,
    Column("campaign_id", ForeignKey("campaigns.id", ondelete="CASCADE"), primary_key=True),
    Column("partner_id", ForeignKey("partners.id", ondelete="CASCADE"), primary_key=True),
)


class Partner(Base):
    __tablename__ = "partners"
    __table_args__ = (
        CheckConstraint(_in("kind", PARTNER_KINDS), name="kind_allowed"),
        CheckConstraint(_in("status", PARTNER_STATUSES), name="status_allowed"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20))
    contact_name: Mapped[str] = mapped_column(String(120))
    contact_email: Mapped[str] = mapped_column(String(254))
    website: Mapped[str | None] = mapped_column(String(300))
    country_code: Mapped[str | None] = mapped_column(String(2))
    message: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), default="applied")
    decision_note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # "organisation|email" (normalised) while the application is open, None once decided: the
    # unique constraint allows one open application per organisation and email.
    open_key: Mapped[str | None] = mapped_column(String(460), unique=True)
    # The language of the page the application was sent from: the applicant's emails.
    locale: Mapped[str] = mapped_column(String(5), default="en", server_default="en")
    # The partner directory: an accepted partner is listed only when its contact chose so,
    # with what the organisation offers and seeks.
    listed: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    offers: Mapped[str | None] = mapped_column(Text)
    seeks: Mapped[str | None] = mapped_column(Text)

    reviewed_by: Mapped[User | None] = relationship(foreign_keys=[reviewed_by_id])
    campaigns: Mapped[list[Campaign]] = relationship(
        secondary=campaign_partners, back_populates="partners"
    )


class Campaign(Base):
    __tablename__ = "campaigns"
    __table_args__ = (
        CheckConstraint(_in("kind", CAMPAIGN_KINDS), name="kind_allowed"),
        CheckConstraint("ends_on IS NULL OR starts_on IS NULL OR ends_on >= starts_on",
                        name="dates_ordered"),
    )  # fmt: skip

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(30))
    target_countries: Mapped[list] = mapped_column(JSON, default=list)  # ISO codes
    target_regions: Mapped[str | None] = mapped_column(String(300))
    starts_on: Mapped[date | None] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    partners: Mapped[list[Partner]] = relationship(
        secondary=campaign_partners, back_populates="campaigns"
    )


class ImportJob(Base):
    """A CSV import of prospects: previewed first, then applied all or nothing."""

    __tablename__ = "import_jobs"
    __table_args__ = (
        CheckConstraint(
            _in("status", ("previewed", "importing", "done", "failed")), name="status_allowed"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    filename: Mapped[str] = mapped_column(String(255))
    partner_id: Mapped[int | None] = mapped_column(ForeignKey("partners.id", ondelete="SET NULL"))
    campaign_id: Mapped[int | None] = mapped_column(ForeignKey("campaigns.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(String(20), default="previewed")
    rows: Mapped[list] = mapped_column(JSON, default=list)  # validated rows, ready to import
    errors: Mapped[list] = mapped_column(JSON, default=list)  # [{"row": n, "messages": [...]}]
    total_rows: Mapped[int] = mapped_column(default=0)
    processed_rows: Mapped[int] = mapped_column(default=0)
    failure: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
