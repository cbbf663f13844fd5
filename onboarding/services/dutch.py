"""A candidate's Dutch: the best recorded assessment and whether it meets the programme's
target (DUTCH_TARGET_LEVEL). The one home of this rule for guards, reminders and pages."""

from __future__ import annotations

from flask import current_app
from sqlalchemy import ColumnExpressionArgument, ScalarSelect, func, select

from onboarding.extensions import db
from onboarding.models import LanguageAssessment
from workflows.onboarding import level_at_least


def best_recorded_level(candidate_id: int) -> str | None:
    """The highest CEFR level recorded by an assessment (CEFR codes sort as strings in
    level order: A1 < A2 < … < C2), or None."""
    return db.session.scalar(
        select(func.max(LanguageAssessment.level)).where(
            LanguageAssessment.candidate_id == candidate_id
        )
    )


def best_level_of(candidate_id: ColumnExpressionArgument[int]) -> ScalarSelect[str | None]:
    """`best_recorded_level` as a subquery correlated with `candidate_id` (a column of the
    outer statement), for statements that read many candidates' facts at once."""
    return (
        select(func.max(LanguageAssessment.level))
        .where(LanguageAssessment.candidate_id == candidate_id)
        .correlate_except(LanguageAssessment)
        .scalar_subquery()
    )


def target_level() -> str:
    return current_app.config["DUTCH_TARGET_LEVEL"]


def passed_target(candidate_id: int) -> bool:
    """A recorded assessment at or above the programme's target level."""
    return level_at_least(best_recorded_level(candidate_id), target_level())
