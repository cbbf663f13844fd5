"""The relocation plan's data: the rule rows behind its figures (with their history), each
candidate's recorded steps, and where to go for help in each Limburg municipality."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from onboarding.models.base import Base, UTCDateTime, utcnow
from onboarding.models.user import User, _in
from onboarding.reference import LIMBURG_MUNICIPALITIES
from onboarding.vocabulary import HELP_KINDS
from workflows.relocation import RULE_KEYS, STEP_CODES

RULE_CHANGE_ACTIONS = ("created", "changed", "deleted")


class RelocationRule(Base):
    """One figure of the law (`workflows.relocation.RuleRow`), in force from its date."""

    __tablename__ = "relocation_rules"
    __table_args__ = (
        CheckConstraint(_in("key", RULE_KEYS), name="key_allowed"),
        UniqueConstraint("key", "effective_from", name="key_effective_from"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(40))
    value: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    effective_from: Mapped[date] = mapped_column(Date)
    source_url: Mapped[str] = mapped_column(String(500))
    checked_on: Mapped[date | None] = mapped_column(Date)
    verified: Mapped[bool] = mapped_column(default=True)
    note: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    updated_by: Mapped[User | None] = relationship()


class RelocationRuleChange(Base):
    """The history of the rule rows: who changed which row when, before and after. Kept by
    key and date (not by row id), so a deleted row's history stays."""

    __tablename__ = "relocation_rule_changes"
    __table_args__ = (
        CheckConstraint(_in("action", RULE_CHANGE_ACTIONS), name="action_allowed"),
        Index("ix_relocation_rule_changes_key_at", "key", "changed_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(40))
    action: Mapped[str] = mapped_column(String(10))
    before: Mapped[dict | None] = mapped_column(JSON)
    after: Mapped[dict | None] = mapped_column(JSON)
    changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    changed_by: Mapped[User | None] = relationship()


class RelocationStep(Base):
    """A candidate's step recorded as done (with its day) or as not needed (with the desk's
    reason), and — for every open step — its deadline, kept so that the board can find the
    overdue steps of many candidates in one query (`services.relocation.refresh`)."""

    __tablename__ = "relocation_steps"
    __table_args__ = (
        CheckConstraint(_in("step", STEP_CODES), name="step_allowed"),
        Index("ix_relocation_steps_open_due_on", "open_due_on"),
    )

    candidate_id: Mapped[int] = mapped_column(
        ForeignKey("candidates.id", ondelete="CASCADE"), primary_key=True
    )
    step: Mapped[str] = mapped_column(String(40), primary_key=True)
    done_on: Mapped[date | None] = mapped_column(Date)
    skipped_reason: Mapped[str | None] = mapped_column(Text)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    recorded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The deadline while the step is open (None once done, skipped or without a deadline).
    open_due_on: Mapped[date | None] = mapped_column(Date)


class MunicipalityHelp(Base):
    """Where a newcomer in one municipality goes for one kind of help."""

    __tablename__ = "municipality_help"
    __table_args__ = (
        CheckConstraint(_in("kind", HELP_KINDS), name="kind_allowed"),
        CheckConstraint(_in("municipality", LIMBURG_MUNICIPALITIES), name="municipality_allowed"),
        Index("ix_municipality_help_municipality", "municipality", "kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    municipality: Mapped[str] = mapped_column(String(80))
    kind: Mapped[str] = mapped_column(String(30))
    name: Mapped[str] = mapped_column(String(200))
    address: Mapped[str] = mapped_column(String(300))
    # Opening hours in each language: {"nl": …, "af": …, "en": …}.
    hours: Mapped[dict] = mapped_column(JSON, default=dict)
    url: Mapped[str] = mapped_column(String(500), default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
