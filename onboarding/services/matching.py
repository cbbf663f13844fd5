"""Ranking candidates for a project (in SQL, so it stays fast with many candidates) and
projects for a candidate, each result explained by `workflows.matching.explain`.

The Dutch level is the latest assessed one where there is one, else the declared profile
level one CEFR step lower (`workflows.matching.DECLARED_LEVEL_DISCOUNT`): the SQL ranking
and the Python explanation read both from the same latest-assessment query.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from flask_babel import gettext as _
from sqlalchemy import ColumnElement, and_, case, exists, func, literal, select
from sqlalchemy.orm import joinedload

from onboarding.extensions import db
from onboarding.i18n import format_date
from onboarding.models import (
    Candidate,
    CandidateField,
    CandidateMunicipality,
    CandidateSkill,
    LanguageAssessment,
    Placement,
    Project,
)
from workflows.matching import (
    AVAILABILITY_GRACE_DAYS,
    DECLARED_LEVEL_DISCOUNT,
    ELIGIBLE_PHASES,
    WEIGHTS,
    CandidateProfile,
    Part,
    ProjectProfile,
    explain,
    level_rank,
    score,
)
from workflows.onboarding import CEFR_LEVELS
from workflows.placement import LIVE_STATUSES, SECURED_STATUSES


@dataclass(frozen=True)
class Match:
    candidate: Candidate | None
    project: Project | None
    score: float
    parts: list[Part]


def _project_order(project: Project | None, score: float) -> tuple[float, date, int]:
    """Best score first, then the project starting soonest (or created first)."""
    assert project is not None  # a match for a candidate always names its project
    return (-score, project.start_date or project.created_at.date(), project.id)


def seats_taken(project_ids: list[int]) -> dict[int, int]:
    rows = db.session.execute(
        select(Placement.project_id, func.count(Placement.id))
        .where(Placement.project_id.in_(project_ids), Placement.status.in_(SECURED_STATUSES))
        .group_by(Placement.project_id)
    ).all()
    return {project_id: count for project_id, count in rows if project_id is not None}


def seats_left(project: Project) -> int:
    return project.seats - seats_taken([project.id]).get(project.id, 0)


def project_profile(project: Project) -> ProjectProfile:
    return ProjectProfile(
        stem_fields=tuple(project.stem_fields or ()),
        skills=frozenset(s.lower() for s in project.skills or ()),
        min_dutch_level=project.min_dutch_level,
        start_date=project.start_date,
        municipality=project.company.municipality,
    )


Assessed = tuple[str, date]  # the latest assessment's level and day


def _latest_assessments():
    """Each candidate's latest assessment (by day, then the later record) as a subquery."""
    numbered = select(
        LanguageAssessment.candidate_id,
        LanguageAssessment.level,
        LanguageAssessment.assessed_on,
        func.row_number()
        .over(
            partition_by=LanguageAssessment.candidate_id,
            order_by=(LanguageAssessment.assessed_on.desc(), LanguageAssessment.id.desc()),
        )
        .label("n"),
    ).subquery()
    return (
        select(numbered.c.candidate_id, numbered.c.level, numbered.c.assessed_on)
        .where(numbered.c.n == 1)
        .subquery()
    )


def latest_assessments(candidate_ids: list[int]) -> dict[int, Assessed]:
    """The latest assessed level and its day for each of these candidates (if any)."""
    if not candidate_ids:
        return {}
    latest = _latest_assessments()
    rows = db.session.execute(
        select(latest.c.candidate_id, latest.c.level, latest.c.assessed_on).where(
            latest.c.candidate_id.in_(candidate_ids)
        )
    ).all()
    return {candidate_id: (level, day) for candidate_id, level, day in rows}


def candidate_profile(
    candidate: Candidate, latest: dict[int, Assessed] | None = None
) -> CandidateProfile:
    """The candidate as matching sees them; `latest`: from `latest_assessments` when read
    for many candidates at once (else read here)."""
    if latest is None:
        latest = latest_assessments([candidate.id])
    assessed = latest.get(candidate.id)
    return CandidateProfile(
        stem_field=candidate.stem_field,
        skills=frozenset(s.skill for s in candidate.skills),
        dutch_level=assessed[0] if assessed else candidate.dutch_level,
        dutch_assessed_on=assessed[1] if assessed else None,
        available_from=candidate.available_from,
        preferred_municipalities=frozenset(
            m.municipality for m in candidate.preferred_municipalities
        ),
        other_fields=frozenset(f.stem_field for f in candidate.other_fields),
    )


def excluded(candidate: Candidate) -> str | None:
    """Why the candidate is left out of every ranking (None: they are not): they withdrew
    their consent to data processing (`services.consent`)."""
    if candidate.consent_withdrawn_at is not None:
        return _(
            "%(name)s withdrew their consent to data processing on %(date)s: they are left "
            "out of matching and cannot be proposed to companies.",
            name=candidate.name,
            date=format_date(candidate.consent_withdrawn_at, "long"),
        )
    return None


def _eligible(project_id: int):
    """Hard requirements on the candidate: the right phase, consent not withdrawn, not
    erased, not already placed elsewhere, and not already in play for this project (a live placement
    on it)."""
    secured = exists().where(
        Placement.candidate_id == Candidate.id, Placement.status.in_(SECURED_STATUSES)
    )
    proposed = exists().where(
        Placement.candidate_id == Candidate.id,
        Placement.project_id == project_id,
        Placement.status.in_(LIVE_STATUSES),
    )
    return and_(
        Candidate.phase.in_(ELIGIBLE_PHASES),
        Candidate.consent_withdrawn_at.is_(None),
        Candidate.erased_at.is_(None),
        ~secured,
        ~proposed,
    )


def _scored_query(profile: ProjectProfile):
    """The same fractions as workflows.matching, as one SQL query over all candidates.

    Skill overlap and municipality preference come from grouped subqueries joined once
    (hash joins), not per-candidate correlated subqueries: on 100,000 candidates that is the
    difference between a few hundred and a few dozen milliseconds on PostgreSQL.
    """
    query = select(Candidate.id)
    if profile.stem_fields:
        further = (
            select(CandidateField.candidate_id)
            .where(CandidateField.stem_field.in_(profile.stem_fields))
            .group_by(CandidateField.candidate_id)
            .subquery()
        )
        query = query.outerjoin(further, further.c.candidate_id == Candidate.id)
        field: ColumnElement[float] = case(
            (Candidate.stem_field.in_(profile.stem_fields), 1.0),
            (further.c.candidate_id.is_not(None), 1.0),
            else_=0.0,
        )
    else:
        field = literal(1.0)
    if profile.skills:
        overlap = (
            select(CandidateSkill.candidate_id, func.count().label("n"))
            .where(CandidateSkill.skill.in_(sorted(profile.skills)))
            .group_by(CandidateSkill.candidate_id)
            .subquery()
        )
        query = query.outerjoin(overlap, overlap.c.candidate_id == Candidate.id)
        skills = func.coalesce(overlap.c.n, 0) * 1.0 / len(profile.skills)
    else:
        skills = literal(1.0)
    if profile.min_dutch_level:
        latest = _latest_assessments()
        query = query.outerjoin(latest, latest.c.candidate_id == Candidate.id)
        ranks = {level: index + 1 for index, level in enumerate(CEFR_LEVELS)}
        declared = {level: rank - DECLARED_LEVEL_DISCOUNT for level, rank in ranks.items()}
        rank = case(
            (latest.c.level.is_not(None), case(ranks, value=latest.c.level, else_=-10)),
            else_=case(
                declared,
                value=Candidate.dutch_level,
                else_=-10,  # unknown: far below any minimum, as in workflows.matching
            ),
        )
        gap = level_rank(profile.min_dutch_level) - rank
        dutch: ColumnElement[float] = case((gap <= 0, 1.0), (gap == 1, 0.5), else_=0.0)
    else:
        dutch = literal(1.0)
    if profile.start_date:
        late = profile.start_date + timedelta(days=AVAILABILITY_GRACE_DAYS)
        availability: ColumnElement[float] = case(
            (Candidate.available_from.is_(None), 1.0),
            (Candidate.available_from <= profile.start_date, 1.0),
            (Candidate.available_from <= late, 0.5),
            else_=0.0,
        )
    else:
        availability = literal(1.0)
    preferences = (
        select(
            CandidateMunicipality.candidate_id,
            func.max(case((CandidateMunicipality.municipality == profile.municipality, 1),
                          else_=0)).label("here"),
        )
        .group_by(CandidateMunicipality.candidate_id)
        .subquery()
    )  # fmt: skip
    query = query.outerjoin(preferences, preferences.c.candidate_id == Candidate.id)
    # No preference at all means any municipality suits the candidate.
    municipality = case(
        (preferences.c.candidate_id.is_(None), 1.0), (preferences.c.here == 1, 1.0), else_=0.0
    )
    points = (
        WEIGHTS["field"] * field
        + WEIGHTS["skills"] * skills
        + WEIGHTS["dutch"] * dutch
        + WEIGHTS["availability"] * availability
        + WEIGHTS["municipality"] * municipality
    ).label("points")
    return query.add_columns(points), points


def candidates_for(project: Project, limit: int = 25) -> list[Match]:
    """The best-fitting eligible candidates for the project, best first."""
    if not project.is_open or seats_left(project) <= 0:
        return []
    profile = project_profile(project)
    query, points = _scored_query(profile)
    ranked = db.session.execute(
        query.where(_eligible(project.id)).order_by(points.desc(), Candidate.id).limit(limit)
    ).all()
    ids = [row.id for row in ranked]
    latest = latest_assessments(ids)
    loaded = {
        c.id: c
        for c in db.session.scalars(
            select(Candidate)
            .options(
                joinedload(Candidate.user),
                joinedload(Candidate.skills),
                joinedload(Candidate.other_fields),
                joinedload(Candidate.preferred_municipalities),
            )
            .where(Candidate.id.in_(ids))
        ).unique()
    }
    matches = []
    for row in ranked:
        candidate_fit = candidate_profile(loaded[row.id], latest)
        matches.append(
            Match(
                loaded[row.id],
                project,
                score(candidate_fit, profile),
                explain(candidate_fit, profile),
            )
        )
    return matches


def projects_for(candidate: Candidate, limit: int = 25) -> list[Match]:
    """Open projects with free seats, ranked for the candidate, best first; not those the
    candidate already has a live placement for. None for a candidate left out of matching
    (`excluded`)."""
    if excluded(candidate) is not None:
        return []
    in_play = (
        select(Placement.project_id)
        .where(
            Placement.candidate_id == candidate.id,
            Placement.project_id.is_not(None),
            Placement.status.in_(LIVE_STATUSES),
        )
        .scalar_subquery()
    )
    projects = list(
        db.session.scalars(
            select(Project)
            .options(joinedload(Project.company))
            .where(Project.is_open, Project.id.not_in(in_play))
        )
    )
    taken = seats_taken([p.id for p in projects])
    profile = candidate_profile(candidate)
    matches = [
        Match(None, project, score(profile, project_profile(project)),
              explain(profile, project_profile(project)))
        for project in projects
        if project.seats - taken.get(project.id, 0) > 0
    ]  # fmt: skip
    matches.sort(key=lambda m: _project_order(m.project, m.score))
    return matches[:limit]


def plain_filter_ids(project: Project) -> list[int]:
    """The floor for the benchmark: every candidate passing the hard requirements, read in
    plain SQL without any scoring (what any ranking has to look at)."""
    return list(db.session.scalars(select(Candidate.id).where(_eligible(project.id))))
