"""Companies in Limburg and their innovation projects, internships and vacancies."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Boolean, CheckConstraint, Date, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from onboarding.models.base import Base, UTCDateTime, utcnow
from onboarding.models.user import _in
from onboarding.reference import LIMBURG_MUNICIPALITIES
from onboarding.vocabulary import COMPANY_SIZES, PROJECT_APPROVALS, PROJECT_KINDS
from workflows.onboarding import CEFR_LEVELS


class Company(Base):
    __tablename__ = "companies"
    __table_args__ = (
        CheckConstraint(_in("municipality", LIMBURG_MUNICIPALITIES), name="municipality"),
        CheckConstraint(f"size IS NULL OR {_in('size', COMPANY_SIZES)}", name="size_allowed"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    municipality: Mapped[str] = mapped_column(String(80))
    sector: Mapped[str] = mapped_column(String(120))
    contact_person: Mapped[str | None] = mapped_column(String(120))
    contact_email: Mapped[str | None] = mapped_column(String(254))
    size: Mapped[str | None] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    projects: Mapped[list[Project]] = relationship(
        back_populates="company", order_by="Project.start_date"
    )


class Project(Base):
    """An innovation project, internship or vacancy a candidate can be placed on."""

    __tablename__ = "projects"
    __table_args__ = (
        CheckConstraint(_in("kind", PROJECT_KINDS), name="kind_allowed"),
        CheckConstraint(
            f"min_dutch_level IS NULL OR {_in('min_dutch_level', CEFR_LEVELS)}",
            name="min_dutch_level",
        ),
        CheckConstraint("seats >= 1", name="seats_positive"),
        CheckConstraint(_in("approval", PROJECT_APPROVALS), name="approval_allowed"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(
        ForeignKey("companies.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(30), default="innovation_project")
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    stem_fields: Mapped[list] = mapped_column(JSON, default=list)
    skills: Mapped[list] = mapped_column(JSON, default=list)  # lower-case tags
    min_dutch_level: Mapped[str | None] = mapped_column(String(2))
    start_date: Mapped[date | None] = mapped_column(Date)
    seats: Mapped[int] = mapped_column(Integer, default=1)
    is_open: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # A company contact's proposal is 'pending' (not open for matching) until the desk
    # approves it; the desk's own projects are 'approved' at once.
    approval: Mapped[str] = mapped_column(String(20), default="approved", server_default="approved")
    proposed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    company: Mapped[Company] = relationship(back_populates="projects")
