"""A candidate's Dutch: the best recorded assessment and whether it meets the programme's
target (DUTCH_TARGET_LEVEL). The one home of this rule for guards, reminders and pages."""

from __future__ import annotations

from flask import current_app
from sqlalchemy import func, select

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


def best_recorded_levels(candidate_ids: list[int]) -> dict[int, str]:
    """`best_recorded_level` for many candidates in one query (those with none left out)."""
    if not candidate_ids:
        return {}
    return dict(
        db.session.execute(
            select(LanguageAssessment.candidate_id, func.max(LanguageAssessment.level))
            .where(LanguageAssessment.candidate_id.in_(candidate_ids))
            .group_by(LanguageAssessment.candidate_id)
        ).all()
    )


def target_level() -> str:
    return current_app.config["DUTCH_TARGET_LEVEL"]


def passed_target(candidate_id: int) -> bool:
    """A recorded assessment at or above the programme's target level."""
    return level_at_least(best_recorded_level(candidate_id), target_level())
