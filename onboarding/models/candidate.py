"""A candidate's onboarding: the phase row (versioned), assessments, meetings, audit trail."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from onboarding.models.base import Base, UTCDateTime, utcnow
from onboarding.models.user import User, _in
from onboarding.reference import LIMBURG_MUNICIPALITIES
from onboarding.vocabulary import (
    DEGREE_LEVELS,
    OUTREACH_CHANNELS,
    RESIDENCE_ROUTES,
    STEM_FIELDS,
)
from workflows import placement as placement_flow
from workflows.onboarding import ACTIVE_PHASES, CEFR_LEVELS, PHASES

if TYPE_CHECKING:  # resolved by SQLAlchemy at run time; imported for the type checker only
    from onboarding.models.company import Company, Project
    from onboarding.models.privacy import PrivacyNotice

PLACEMENT_STATUSES = placement_flow.STATUSES
ERASED_NAME = _l("Erased candidate")
_LIVE = _in("status", placement_flow.LIVE_STATUSES)
_LIVE_WITH_PROJECT = f"project_id IS NOT NULL AND {_LIVE}"
_LIVE_WITHOUT_PROJECT = f"project_id IS NULL AND {_LIVE}"
# The columns that put a candidate on one of the privacy overview's lists.
PRIVACY_LISTS = ("erasure_requested_at", "consent_withdrawn_at", "legal_hold_at")
NOT_ERASED = text("erased_at IS NULL")


class Candidate(Base):
    __tablename__ = "candidates"
    __table_args__ = (
        CheckConstraint(_in("phase", PHASES), name="phase_allowed"),
        CheckConstraint(
            f"paused_from IS NULL OR {_in('paused_from', ACTIVE_PHASES)}", name="paused_from"
        ),
        CheckConstraint(_in("outreach_channel", OUTREACH_CHANNELS), name="channel_allowed"),
        CheckConstraint(_in("stem_field", STEM_FIELDS), name="stem_field_allowed"),
        CheckConstraint("length(country_code) = 2", name="country_code"),
        CheckConstraint(
            f"residence_route IS NULL OR {_in('residence_route', RESIDENCE_ROUTES)}",
            name="residence_route",
        ),
        CheckConstraint(
            f"home_municipality IS NULL OR {_in('home_municipality', LIMBURG_MUNICIPALITIES)}",
            name="home_municipality",
        ),
        CheckConstraint(
            f"degree_level IS NULL OR {_in('degree_level', DEGREE_LEVELS)}", name="degree_level"
        ),
        CheckConstraint(
            f"dutch_level IS NULL OR {_in('dutch_level', CEFR_LEVELS)}", name="dutch_level"
        ),
        CheckConstraint(
            f"english_level IS NULL OR {_in('english_level', CEFR_LEVELS)}",
            name="english_level",
        ),
        Index("ix_candidates_phase_id", "phase", "id"),
        # The board's orders, per phase, per country, by name and by date (migration 0017).
        Index("ix_candidates_board_phase", "phase", "sort_name", "id",
              sqlite_where=NOT_ERASED, postgresql_where=NOT_ERASED),
        Index("ix_candidates_board_country", "country_code", "sort_name", "id",
              sqlite_where=NOT_ERASED, postgresql_where=NOT_ERASED),
        Index("ix_candidates_board_name", "sort_name", "id",
              sqlite_where=NOT_ERASED, postgresql_where=NOT_ERASED),
        Index("ix_candidates_board_since", "phase_entered_at", "id",
              sqlite_where=NOT_ERASED, postgresql_where=NOT_ERASED),
        # The privacy overview's lists: the few candidates each concerns (migration 0021).
        *(Index(f"ix_candidates_{column}", column, "id",
                sqlite_where=text(f"{column} IS NOT NULL AND erased_at IS NULL"),
                postgresql_where=text(f"{column} IS NOT NULL AND erased_at IS NULL"))
          for column in PRIVACY_LISTS),
        # The board's search on PostgreSQL: trigrams serve LIKE '%…%' (pg_trgm).
        Index("ix_candidates_search_trgm", "search_text", postgresql_using="gin",
              postgresql_ops={"search_text": "gin_trgm_ops"},
              postgresql_with={"fastupdate": "off"}).ddl_if(dialect="postgresql"),
    )  # fmt: skip

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"), unique=True)
    country_code: Mapped[str] = mapped_column(String(2), index=True)
    origin_institution: Mapped[str] = mapped_column(String(200))
    stem_field: Mapped[str] = mapped_column(String(40))
    graduation_date: Mapped[date] = mapped_column(Date)
    outreach_channel: Mapped[str] = mapped_column(String(40))
    phone: Mapped[str | None] = mapped_column(String(40))
    degree_level: Mapped[str | None] = mapped_column(String(20))
    # Best known Dutch level: declared in the profile, raised by recorded assessments.
    dutch_level: Mapped[str | None] = mapped_column(String(2))
    english_level: Mapped[str | None] = mapped_column(String(2))
    available_from: Mapped[date | None] = mapped_column(Date)
    campaign_id: Mapped[int | None] = mapped_column(
        ForeignKey("campaigns.id", ondelete="SET NULL"), index=True
    )
    partner_id: Mapped[int | None] = mapped_column(
        ForeignKey("partners.id", ondelete="SET NULL"), index=True
    )

    phase: Mapped[str] = mapped_column(String(30), default="outreach")
    paused_from: Mapped[str | None] = mapped_column(String(30))
    phase_entered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    mentor_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="RESTRICT"), index=True
    )
    # The consent in force: when it was given and to which notice version (None: none, or
    # withdrawn); the history is in `consents`.
    consent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    consent_notice_id: Mapped[int | None] = mapped_column(
        ForeignKey("privacy_notices.id", ondelete="RESTRICT")
    )
    share_with_companies: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=false()
    )
    consent_withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Erasure asked for by the candidate (the desk confirms), a legal hold that stops erasure
    # and purge, and when the candidate was erased (the row stays, anonymous, for reports).
    erasure_requested_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    legal_hold_reason: Mapped[str | None] = mapped_column(Text)
    legal_hold_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    legal_hold_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    signed_off_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    immersion_start: Mapped[date | None] = mapped_column(Date)
    immersion_planned_end: Mapped[date | None] = mapped_column(Date)
    withdrawn_reason: Mapped[str | None] = mapped_column(Text)
    # The relocation plan (workflows/relocation.py): route, arrival day, where they live.
    residence_route: Mapped[str | None] = mapped_column(String(20))
    arrival_on: Mapped[date | None] = mapped_column(Date)
    home_municipality: Mapped[str | None] = mapped_column(String(80))
    # Kept by the database's triggers (migration 0017) whatever writes the row or its
    # account: the board's order (the lower-cased name) and what its search looks in
    # (name, email and institution, lower case, one per line). Never written here.
    sort_name: Mapped[str | None] = mapped_column(String(200), deferred=True)
    search_text: Mapped[str | None] = mapped_column(Text, deferred=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Optimistic locking: every UPDATE checks and bumps it (StaleDataError → HTTP 409).
    version_id: Mapped[int] = mapped_column(Integer, nullable=False)

    __mapper_args__ = {"version_id_col": version_id}

    user: Mapped[User] = relationship(foreign_keys=[user_id], back_populates="candidate")
    mentor: Mapped[User | None] = relationship(foreign_keys=[mentor_id])
    consent_notice: Mapped[PrivacyNotice | None] = relationship()
    placements: Mapped[list[Placement]] = relationship(
        back_populates="candidate", order_by="Placement.id"
    )
    other_fields: Mapped[list[CandidateField]] = relationship(
        cascade="all, delete-orphan", order_by="CandidateField.stem_field"
    )
    skills: Mapped[list[CandidateSkill]] = relationship(
        cascade="all, delete-orphan", order_by="CandidateSkill.skill"
    )
    preferred_municipalities: Mapped[list[CandidateMunicipality]] = relationship(
        cascade="all, delete-orphan", order_by="CandidateMunicipality.municipality"
    )

    @property
    def name(self) -> str:
        """The person's name; "Erased candidate" (translated) once erased (services.erasure)."""
        if self.erased_at is not None:
            return str(ERASED_NAME)
        return self.user.name

    def missing_profile_fields(self) -> tuple[str, ...]:
        required = {
            "name": self.user.name if self.user else None,
            "country": self.country_code,
            "origin_institution": self.origin_institution,
            "stem_field": self.stem_field,
            "graduation_date": self.graduation_date,
            "outreach_channel": self.outreach_channel,
        }
        return tuple(key for key, value in required.items() if not value)


class CandidateField(Base):
    """A further STEM field of the candidate, besides their main `stem_field`."""

    __tablename__ = "candidate_fields"
    __table_args__ = (CheckConstraint(_in("stem_field", STEM_FIELDS), name="stem_field_allowed"),)

    candidate_id: Mapped[int] = mapped_column(
        ForeignKey("candidates.id", ondelete="CASCADE"), primary_key=True
    )
    stem_field: Mapped[str] = mapped_column(String(40), primary_key=True)


class CandidateSkill(Base):
    """A skill tag (lower case), one row each, so matching can join on an index."""

    __tablename__ = "candidate_skills"

    candidate_id: Mapped[int] = mapped_column(
        ForeignKey("candidates.id", ondelete="CASCADE"), primary_key=True
    )
    skill: Mapped[str] = mapped_column(String(60), primary_key=True, index=True)


class CandidateMunicipality(Base):
    __tablename__ = "candidate_municipalities"

    candidate_id: Mapped[int] = mapped_column(
        ForeignKey("candidates.id", ondelete="CASCADE"), primary_key=True
    )
    municipality: Mapped[str] = mapped_column(String(80), primary_key=True, index=True)


class LanguageAssessment(Base):
    __tablename__ = "language_assessments"
    __table_args__ = (CheckConstraint(_in("level", CEFR_LEVELS), name="level_allowed"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    candidate_id: Mapped[int] = mapped_column(
        ForeignKey("candidates.id", ondelete="CASCADE"), index=True
    )
    level: Mapped[str] = mapped_column(String(2))
    assessed_on: Mapped[date] = mapped_column(Date)
    note: Mapped[str | None] = mapped_column(String(500))
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    recorded_by: Mapped[User | None] = relationship()


class MentoringMeeting(Base):
    __tablename__ = "mentoring_meetings"

    id: Mapped[int] = mapped_column(primary_key=True)
    candidate_id: Mapped[int] = mapped_column(
        ForeignKey("candidates.id", ondelete="CASCADE"), index=True
    )
    mentor_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    met_on: Mapped[date] = mapped_column(Date)
    note: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    mentor: Mapped[User] = relationship()


class Placement(Base):
    __tablename__ = "placements"
    __table_args__ = (
        CheckConstraint(_in("status", PLACEMENT_STATUSES), name="status_allowed"),
        CheckConstraint(
            "status NOT IN ('accepted', 'started') OR start_date IS NOT NULL",
            name="accepted_has_start",
        ),
        # At most one live placement per candidate and project, or — without a project — per
        # candidate, company and title (services.placements.refuse_duplicate says it first).
        Index(
            "uq_placements_live_project",
            "candidate_id",
            "project_id",
            unique=True,
            sqlite_where=text(_LIVE_WITH_PROJECT),
            postgresql_where=text(_LIVE_WITH_PROJECT),
        ),
        Index(
            "uq_placements_live_title",
            "candidate_id",
            "company_id",
            "project_title",
            unique=True,
            sqlite_where=text(_LIVE_WITHOUT_PROJECT),
            postgresql_where=text(_LIVE_WITHOUT_PROJECT),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    candidate_id: Mapped[int] = mapped_column(
        ForeignKey("candidates.id", ondelete="CASCADE"), index=True
    )
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id", ondelete="RESTRICT"))
    project_id: Mapped[int | None] = mapped_column(
        ForeignKey("projects.id", ondelete="RESTRICT"), index=True
    )
    project_title: Mapped[str] = mapped_column(String(200))
    start_date: Mapped[date | None] = mapped_column(Date)
    interview_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(20), default="proposed")
    closed_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    candidate: Mapped[Candidate] = relationship(back_populates="placements")
    company: Mapped[Company] = relationship()
    project: Mapped[Project | None] = relationship()


class PlacementCheckin(Base):
    """A short check-in on a started placement, 30 or 90 days in: how it is going (1–5) and
    a comment, by the company contact (or the desk on their behalf); the desk and the mentor
    read it."""

    __tablename__ = "placement_checkins"
    __table_args__ = (
        CheckConstraint("rating BETWEEN 1 AND 5", name="rating_range"),
        CheckConstraint("day IN (30, 90)", name="day_allowed"),
        UniqueConstraint("placement_id", "day", "author_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    placement_id: Mapped[int] = mapped_column(
        ForeignKey("placements.id", ondelete="CASCADE"), index=True
    )
    day: Mapped[int] = mapped_column(Integer)  # 30 or 90 days after the start
    rating: Mapped[int] = mapped_column(Integer)
    comment: Mapped[str] = mapped_column(Text, default="")
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    placement: Mapped[Placement] = relationship()
    author: Mapped[User | None] = relationship()


class AuditEvent(Base):
    """One row per thing that happened to a candidate: transitions and recorded facts."""

    __tablename__ = "audit_events"
    __table_args__ = (Index("ix_audit_events_candidate_at", "candidate_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    candidate_id: Mapped[int] = mapped_column(ForeignKey("candidates.id", ondelete="CASCADE"))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    action: Mapped[str] = mapped_column(String(40))
    from_phase: Mapped[str] = mapped_column(String(30))
    to_phase: Mapped[str] = mapped_column(String(30))
    reason: Mapped[str | None] = mapped_column(Text)
    detail: Mapped[str | None] = mapped_column(String(300))

    actor: Mapped[User | None] = relationship()


class BoardCount(Base):
    """Changes to the number of candidates (not erased) in each phase from each country: the
    database's triggers append +1 and -1 rows in the transaction of every change (migrations
    0017 and 0020), so that the board's tabs and pager sum a few rows instead of counting
    every candidate. Inserts only: concurrent phase changes never wait for one another; the
    worker folds the rows together (`onboarding.db.fold_counts`)."""

    __tablename__ = "board_counts"

    id: Mapped[int] = mapped_column(primary_key=True)
    phase: Mapped[str] = mapped_column(String(30))
    country_code: Mapped[str] = mapped_column(String(2))
    delta: Mapped[int] = mapped_column(Integer)
