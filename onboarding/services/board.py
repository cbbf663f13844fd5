"""The welcome desk's pipeline board and the pages' read models, in a fixed number of queries."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import joinedload, selectinload

from onboarding.extensions import db
from onboarding.models import (
    Candidate,
    Company,
    LanguageAssessment,
    MentoringMeeting,
    Placement,
    User,
)
from workflows.onboarding import MENTORED_PHASES, PHASES


@dataclass(frozen=True)
class BoardFilter:
    phase: str | None = None
    country: str | None = None
    search: str = ""
    page: int = 1


def _filtered(query, board_filter: BoardFilter, *, with_phase: bool = True):
    if board_filter.country:
        query = query.where(Candidate.country_code == board_filter.country)
    if board_filter.search.strip():
        pattern = f"%{board_filter.search.strip().lower()}%"
        query = query.where(func.lower(User.name).like(pattern))
    if with_phase and board_filter.phase:
        query = query.where(Candidate.phase == board_filter.phase)
    return query


def phase_counts(board_filter: BoardFilter) -> dict[str, int]:
    """Candidates per phase, honouring country and search (not the phase filter itself)."""
    query = (
        select(Candidate.phase, func.count(Candidate.id))
        .join(User, Candidate.user_id == User.id)
        .group_by(Candidate.phase)
    )
    rows = db.session.execute(_filtered(query, board_filter, with_phase=False)).all()
    counts = dict.fromkeys(PHASES, 0)
    counts.update({phase: count for phase, count in rows})
    return counts


def board_query(board_filter: BoardFilter):
    """The board's candidates with their filters, in board order (phase, then name)."""
    phase_order = {phase: index for index, phase in enumerate(PHASES)}
    query = (
        select(Candidate)
        .join(User, Candidate.user_id == User.id)
        .options(joinedload(Candidate.user), joinedload(Candidate.mentor))
        .order_by(case(phase_order, value=Candidate.phase), func.lower(User.name), Candidate.id)
    )
    return _filtered(query, board_filter)


def board_page(board_filter: BoardFilter, per_page: int) -> Pagination:
    return db.paginate(
        board_query(board_filter),
        page=max(board_filter.page, 1),
        per_page=per_page,
        error_out=False,
    )


def countries_in_use() -> list[str]:
    return list(db.session.scalars(select(Candidate.country_code).distinct()))


@dataclass
class CandidateDetail:
    candidate: Candidate
    assessments: list[LanguageAssessment]
    meetings: list[MentoringMeeting]
    placements: list[Placement]


def candidate_detail(candidate: Candidate) -> CandidateDetail:
    assessments = db.session.scalars(
        select(LanguageAssessment)
        .options(joinedload(LanguageAssessment.recorded_by))
        .where(LanguageAssessment.candidate_id == candidate.id)
        .order_by(LanguageAssessment.assessed_on.desc(), LanguageAssessment.id.desc())
    ).all()
    meetings = db.session.scalars(
        select(MentoringMeeting)
        .options(joinedload(MentoringMeeting.mentor))
        .where(MentoringMeeting.candidate_id == candidate.id)
        .order_by(MentoringMeeting.met_on.desc(), MentoringMeeting.id.desc())
    ).all()
    placements = db.session.scalars(
        select(Placement)
        .options(selectinload(Placement.company))
        .where(Placement.candidate_id == candidate.id)
        .order_by(Placement.id.desc())
    ).all()
    return CandidateDetail(candidate, list(assessments), list(meetings), list(placements))


@dataclass(frozen=True)
class MentorOption:
    id: int
    name: str
    load: int
    capacity: int


def mentor_options() -> list[MentorOption]:
    load = (
        select(Candidate.mentor_id, func.count(Candidate.id).label("load"))
        .where(Candidate.phase.in_(MENTORED_PHASES))
        .group_by(Candidate.mentor_id)
        .subquery()
    )
    rows = db.session.execute(
        select(User, func.coalesce(load.c.load, 0))
        .outerjoin(load, load.c.mentor_id == User.id)
        .where(User.role == "mentor", User.active.is_(True))
        .order_by(User.name)
    ).all()
    return [MentorOption(u.id, u.name, n, u.capacity) for u, n in rows]


def companies() -> list[Company]:
    return list(db.session.scalars(select(Company).order_by(Company.name)))


def mentees(mentor: User) -> list[Candidate]:
    return list(
        db.session.scalars(
            select(Candidate)
            .join(User, Candidate.user_id == User.id)
            .options(joinedload(Candidate.user))
            .where(Candidate.mentor_id == mentor.id)
            .order_by(func.lower(User.name))
        )
    )


@dataclass(frozen=True)
class StuckCandidate:
    candidate: Candidate
    days_over: int


def stuck_candidates(limit: int = 20) -> list[StuckCandidate]:
    """Candidates who stayed in their phase longer than the phase's limit, longest first."""
    from onboarding.models import utcnow
    from workflows.reminders import PHASE_LIMIT_DAYS

    now = utcnow()
    over = or_(
        *(
            and_(Candidate.phase == phase, Candidate.phase_entered_at < now - timedelta(days=days))
            for phase, days in PHASE_LIMIT_DAYS.items()
        )
    )
    rows = db.session.scalars(
        select(Candidate)
        .options(joinedload(Candidate.user))
        .where(over)
        .order_by(Candidate.phase_entered_at)
        .limit(limit)
    ).all()
    return [
        StuckCandidate(c, (now - c.phase_entered_at).days - PHASE_LIMIT_DAYS[c.phase]) for c in rows
    ]


def campaign_and_partner_choices() -> tuple[list[tuple[int, str]], list[tuple[int, str]]]:
    """Campaigns and accepted partners for linking a prospect to what reached them."""
    from onboarding.models import Campaign, Partner

    campaigns = db.session.execute(select(Campaign.id, Campaign.name).order_by(Campaign.name))
    partners = db.session.execute(
        select(Partner.id, Partner.name).where(Partner.status == "accepted").order_by(Partner.name)
    )
    return [(r.id, r.name) for r in campaigns], [(r.id, r.name) for r in partners]
