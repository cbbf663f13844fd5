"""Matching in the database: the SQL ranking agrees with workflows.matching, hard filters hold.

`candidates_for` ranks in SQL; `workflows.matching.score` is the rule as plain Python. On a
varied set of candidates both must give the same numbers and the same order.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from onboarding.extensions import db
from onboarding.models import (
    Candidate,
    CandidateMunicipality,
    CandidateSkill,
    LanguageAssessment,
    Placement,
    Project,
)
from onboarding.services import matching
from onboarding.services.matching import (
    _scored_query,
    candidate_profile,
    candidates_for,
    latest_assessments,
    project_profile,
    projects_for,
    seats_left,
)
from tests.factories import make_candidate, make_company
from workflows.matching import ELIGIBLE_PHASES, explain, score

S = date(2026, 9, 1)
SKILLS = ("python", "statistics", "battery chemistry", "matlab", "cad")
FIELDS = ("energy", "physics", "chemistry", "computer_science")
LEVELS = (None, "A1", "A2", "B1", "B2", "C1", "C2")
AVAILABLE = (None, -30, 0, 1, 10, 30, 31, 90)  # days after S
PLACES = ((), ("Genk",), ("Hasselt",), ("Genk", "Hasselt"), ("Lommel",))
INELIGIBLE_PHASES = ("outreach", "language_immersion", "placed", "withdrawn", "on_hold")


def add_candidate(
    *,
    phase: str = "mentoring",
    stem_field: str = "energy",
    skills=(),
    dutch_level: str | None = None,
    available_from: date | None = None,
    municipalities=(),
    assessments=(),
) -> Candidate:
    """`dutch_level`: declared on the profile; `assessments`: (level, day) pairs recorded."""
    candidate = make_candidate(
        phase=phase, stem_field=stem_field, dutch_level=dutch_level, available_from=available_from
    )
    for level, day in assessments:
        db.session.add(LanguageAssessment(candidate_id=candidate.id, level=level, assessed_on=day))
    candidate.skills = [CandidateSkill(skill=s) for s in skills]
    candidate.preferred_municipalities = [
        CandidateMunicipality(municipality=m) for m in municipalities
    ]
    db.session.commit()
    return candidate


def add_project(company=None, **fields) -> Project:
    values = {
        "title": "Battery recycling pilot",
        "stem_fields": ["energy", "physics"],
        "skills": ["battery chemistry", "python", "statistics"],
        "min_dutch_level": "B1",
        "start_date": S,
        "seats": 1,
        "is_open": True,
    }
    values.update(fields)
    project = Project(company=company or make_company(municipality="Genk"), **values)
    db.session.add(project)
    db.session.commit()
    return project


def add_placement(candidate, project, status: str) -> Placement:
    placement = Placement(
        candidate_id=candidate.id,
        company_id=project.company_id,
        project_id=project.id,
        project_title=project.title,
        status=status,
        start_date=S if status in ("accepted", "started") else None,
    )
    db.session.add(placement)
    db.session.commit()
    return placement


def varied_candidates(n: int = 30, seed: int = 2026) -> list[Candidate]:
    """n eligible candidates spread over every value each component distinguishes."""
    rng = random.Random(seed)
    made = []
    for i in range(n):
        made.append(
            add_candidate(
                phase=ELIGIBLE_PHASES[i % 2],
                stem_field=FIELDS[i % len(FIELDS)],
                skills=rng.sample(SKILLS, rng.randint(0, 4)),
                dutch_level=LEVELS[i % len(LEVELS)],
                available_from=None
                if AVAILABLE[i % len(AVAILABLE)] is None
                else S + timedelta(days=AVAILABLE[i % len(AVAILABLE)]),
                municipalities=PLACES[rng.randrange(len(PLACES))],
                # a third declared only, the others assessed (the latest one counts)
                assessments=[]
                if i % 3 == 0
                else [(rng.choice(LEVELS[1:]), S - timedelta(days=d)) for d in (90, 10)][: i % 3],
            )
        )
    return made


def python_ranking(candidates, project) -> list[tuple[int, float]]:
    profile = project_profile(project)
    latest = latest_assessments([c.id for c in candidates])
    scored = [(c.id, score(candidate_profile(c, latest), profile)) for c in candidates]
    return sorted(scored, key=lambda pair: (-pair[1], pair[0]))


PROJECT_VARIANTS = {
    # the usual project: every component in play
    "full": {},
    # asks nothing: every SQL branch that is a literal 1.0 (municipality still in play)
    "bare": {"stem_fields": [], "skills": [], "min_dutch_level": None, "start_date": None},
    # one skill, a high Dutch minimum, a late start
    "strict": {
        "stem_fields": ["computer_science"],
        "skills": ["cad"],
        "min_dutch_level": "B2",
        "start_date": S + timedelta(days=20),
    },
    # three skills of which one nobody has: thirds on both sides
    "thirds": {"skills": ["python", "matlab", "quantum annealing"], "min_dutch_level": "A2"},
}


@pytest.fixture
def pool(ctx):
    return varied_candidates()


@pytest.mark.parametrize("variant", list(PROJECT_VARIANTS))
def test_sql_points_equal_the_python_score_for_every_candidate(pool, variant):
    project = add_project(**PROJECT_VARIANTS[variant])
    query, _points = _scored_query(project_profile(project))
    sql = {row.id: float(row.points) for row in db.session.execute(query)}
    profile = project_profile(project)
    python = {c.id: score(candidate_profile(c), profile) for c in pool}
    assert set(sql) == set(python)
    for candidate_id, points in python.items():
        assert sql[candidate_id] == pytest.approx(points, abs=0.006), candidate_id
    # the set really is varied: many different scores (the bare project only sees places)
    assert len(set(python.values())) >= (2 if variant == "bare" else 8)


@pytest.mark.parametrize("variant", list(PROJECT_VARIANTS))
def test_candidates_for_ranks_like_the_python_rules(pool, variant):
    project = add_project(**PROJECT_VARIANTS[variant])
    matches = candidates_for(project, limit=100)
    expected = python_ranking(pool, project)
    assert [m.score for m in matches] == sorted((m.score for m in matches), reverse=True)
    assert [(m.candidate.id, m.score) for m in matches] == expected
    profile = project_profile(project)
    for match in matches:
        assert match.project is project
        assert match.score == score(candidate_profile(match.candidate), profile)
        assert match.parts == explain(candidate_profile(match.candidate), profile)
        assert sum(p.points for p in match.parts) == pytest.approx(match.score, abs=0.006)


def test_candidates_for_limit_keeps_the_best(pool):
    project = add_project()
    top = candidates_for(project)  # default limit 25 of 30
    assert len(top) == 25
    expected = python_ranking(pool, project)
    assert [(m.candidate.id, m.score) for m in top] == expected[:25]
    assert min(m.score for m in top) >= max(s for _id, s in expected[25:])


def test_hand_checked_candidate_in_the_database(ctx):
    project = add_project()
    candidate = add_candidate(
        stem_field="energy",
        skills=["python", "statistics"],
        dutch_level="C2",  # declared; the assessment below counts
        available_from=S + timedelta(days=10),
        municipalities=["Genk"],
        assessments=[("C1", date(2026, 3, 1)), ("B1", date(2026, 6, 12))],
    )
    (match,) = candidates_for(project)
    # 30 (energy) + 20 (2 of 3 skills) + 20 (assessed B1 ≥ B1) + 5 (10 days late) + 10 (Genk)
    assert (match.candidate.id, match.score) == (candidate.id, 85.0)
    assert [p.points for p in match.parts] == pytest.approx([30, 20, 20, 5, 10])
    dutch = match.parts[2].dutch
    assert (dutch.level, dutch.assessed_on) == ("B1", date(2026, 6, 12))


def test_a_declared_level_scores_one_step_lower_in_sql_and_in_python(ctx):
    project = add_project(min_dutch_level="C2")
    declared = add_candidate(dutch_level="C2", skills=["python"])
    assessed = add_candidate(dutch_level="A1", skills=["python"], assessments=[("C2", S)])
    ranked = {m.candidate.id: m for m in candidates_for(project)}
    parts = {cid: {p.key: p for p in m.parts} for cid, m in ranked.items()}
    # a self-declared C2 counts as C1 against C2: half of 20; the assessed C2 gets all 20
    assert parts[declared.id]["dutch"].points == 10
    assert not parts[declared.id]["dutch"].dutch.assessed
    assert parts[assessed.id]["dutch"].points == 20
    assert ranked[assessed.id].score - ranked[declared.id].score == 10
    assert [m.candidate.id for m in candidates_for(project)][:2] == [assessed.id, declared.id]
    # the candidate's own ranking of projects reads the same level
    (for_declared,) = projects_for(declared)
    assert {p.key: p.points for p in for_declared.parts}["dutch"] == 10


# -- hard filters ---------------------------------------------------------------------------


def ideal(**fields) -> Candidate:
    """A candidate who fits the default project perfectly (score 100)."""
    values = {
        "stem_field": "energy",
        "skills": ["python", "statistics", "battery chemistry"],
        "dutch_level": "C1",
        "available_from": S,
        "municipalities": ["Genk"],
    }
    values.update(fields)
    return add_candidate(**values)


def test_closed_project_returns_nothing(ctx):
    ideal()
    project = add_project(is_open=False)
    assert candidates_for(project) == []


@pytest.mark.parametrize(
    "statuses", [("accepted",), ("started",), ("accepted", "started"), ("started", "started")]
)
def test_project_with_every_seat_secured_returns_nothing(ctx, statuses):
    waiting = ideal()
    project = add_project(seats=len(statuses))
    for status in statuses:
        add_placement(ideal(phase="placed"), project, status)
    assert seats_left(project) == 0
    assert candidates_for(project) == []
    assert project.id not in {m.project.id for m in projects_for(waiting)}


def test_open_or_closed_placements_do_not_take_seats(ctx):
    waiting = ideal()
    project = add_project(seats=1)
    for status in ("proposed", "interview", "offer", "declined", "withdrawn"):
        add_placement(ideal(), project, status)
    assert seats_left(project) == 1
    assert waiting.id in {m.candidate.id for m in candidates_for(project)}


def test_one_free_seat_of_two_is_enough(ctx):
    waiting = ideal()
    project = add_project(seats=2)
    add_placement(ideal(phase="placed"), project, "accepted")
    assert seats_left(project) == 1
    assert [m.candidate.id for m in candidates_for(project)] == [waiting.id]


@pytest.mark.parametrize("phase", INELIGIBLE_PHASES)
def test_candidates_outside_mentoring_and_company_placement_are_never_listed(ctx, phase):
    project = add_project()
    outside = ideal(phase=phase)
    inside = ideal(skills=["python"])  # a worse fit, but eligible
    ids = [m.candidate.id for m in candidates_for(project)]
    assert ids == [inside.id]
    assert outside.id not in ids


def test_all_phases_together(ctx):
    project = add_project()
    listed = {ideal(phase=phase).id for phase in ELIGIBLE_PHASES}
    for phase in INELIGIBLE_PHASES:
        ideal(phase=phase)
    assert {m.candidate.id for m in candidates_for(project)} == listed


@pytest.mark.parametrize("status", ["accepted", "started"])
def test_candidate_secured_elsewhere_is_not_listed(ctx, status):
    elsewhere = add_project(title="Another project", seats=3)
    project = add_project()
    secured = ideal(phase="company_placement")
    add_placement(secured, elsewhere, status)
    free = ideal(phase="company_placement")
    assert [m.candidate.id for m in candidates_for(project)] == [free.id]


@pytest.mark.parametrize("status", ["proposed", "interview", "offer", "declined", "withdrawn"])
def test_candidate_with_only_unsecured_placements_is_still_listed(ctx, status):
    elsewhere = add_project(title="Another project")
    project = add_project()
    candidate = ideal(phase="company_placement")
    add_placement(candidate, elsewhere, status)
    assert [m.candidate.id for m in candidates_for(project)] == [candidate.id]


@pytest.mark.parametrize("status", ["proposed", "interview", "offer"])
def test_candidate_already_in_play_for_the_project_is_not_listed(ctx, status):
    """A live placement on this very project: proposing again would make a duplicate."""
    project = add_project()
    proposed = ideal(phase="company_placement")
    add_placement(proposed, project, status)
    other = ideal(skills=["python"])  # a worse fit, but free for this project
    assert [m.candidate.id for m in candidates_for(project)] == [other.id]
    assert proposed.id not in set(matching.plain_filter_ids(project))
    assert project.id not in {m.project.id for m in projects_for(proposed)}
    # … while for another project the candidate is still ranked, and it for them
    elsewhere = add_project(title="Another project")
    assert proposed.id in {m.candidate.id for m in candidates_for(elsewhere)}
    assert elsewhere.id in {m.project.id for m in projects_for(proposed)}


@pytest.mark.parametrize("status", ["declined", "withdrawn"])
def test_candidate_whose_placement_on_the_project_closed_is_listed_again(ctx, status):
    project = add_project()
    candidate = ideal(phase="company_placement")
    add_placement(candidate, project, status)
    assert [m.candidate.id for m in candidates_for(project)] == [candidate.id]
    assert project.id in {m.project.id for m in projects_for(candidate)}


# -- projects for a candidate ---------------------------------------------------------------


def test_projects_for_lists_only_open_projects_with_seats_ranked_and_explained(ctx):
    candidate = add_candidate(
        stem_field="energy",
        skills=["python", "statistics"],
        available_from=S + timedelta(days=10),
        municipalities=["Genk"],
        assessments=[("B1", S - timedelta(days=30))],
    )
    genk, hasselt = make_company(municipality="Genk"), make_company(municipality="Hasselt")
    # 85 = 30 + 20 + 20 + 5 + 10 (the hand-checked base example)
    base = add_project(genk, title="base")
    # 75 = 30 + 20 + 20 + 5 + 0 (Hasselt is not preferred)
    elsewhere = add_project(hasselt, title="in Hasselt")
    # 100 = 30 + 30 (no skills asked) + 20 + 10 (no start date) + 10
    easy = add_project(genk, title="easy", skills=[], start_date=None, min_dutch_level=None)
    # 35 = 0 (chemistry only) + 10 (python, 1 of 3) + 10 (B2 minimum, B1 is one below)
    #      + 5 (10 days late) + 10 (Genk)
    poor = add_project(
        genk,
        title="poor",
        stem_fields=["chemistry"],
        skills=["python", "cad", "welding"],
        min_dutch_level="B2",
    )
    # second seat still free → listed
    shared = add_project(genk, title="two seats", seats=2)
    add_placement(ideal(phase="placed"), shared, "accepted")
    # not listed: closed, and full
    add_project(genk, title="closed", is_open=False, skills=[], start_date=None)
    full = add_project(genk, title="full", skills=[], start_date=None)
    add_placement(ideal(phase="placed"), full, "started")

    matches = projects_for(candidate)
    assert [(m.project.title, m.score) for m in matches] == [
        ("easy", 100.0),
        ("base", 85.0),
        ("two seats", 85.0),
        ("in Hasselt", 75.0),
        ("poor", 35.0),
    ]
    assert [m.project.id for m in matches][:3] == [easy.id, base.id, shared.id]
    assert {elsewhere.id, poor.id} <= {m.project.id for m in matches}
    profile = candidate_profile(candidate)
    for match in matches:
        assert match.candidate is None
        assert match.score == score(profile, project_profile(match.project))
        assert match.parts == explain(profile, project_profile(match.project))
        assert [p.key for p in match.parts] == [
            "field", "skills", "dutch", "availability", "municipality",
        ]  # fmt: skip


def test_projects_for_breaks_ties_by_start_date(ctx):
    candidate = ideal(available_from=S - timedelta(days=10))
    late = add_project(title="late", start_date=None, skills=[])
    early = add_project(title="early", start_date=S - timedelta(days=5), skills=[])
    later = add_project(title="later", start_date=S + timedelta(days=5), skills=[])
    matches = projects_for(candidate)
    assert {m.score for m in matches} == {100.0}
    # without a start date the project's creation date stands in for it
    key = {p.id: p.start_date or p.created_at.date() for p in (early, later, late)}
    assert [m.project.id for m in matches] == sorted(key, key=lambda pid: (key[pid], pid))


def test_projects_for_nothing_open(ctx):
    candidate = ideal()
    add_project(is_open=False)
    assert projects_for(candidate) == []


def test_plain_filter_ids_are_the_eligible_candidates(ctx):
    project = add_project()
    eligible = {ideal(phase=p).id for p in ELIGIBLE_PHASES}
    for phase in INELIGIBLE_PHASES:
        ideal(phase=phase)
    secured = ideal()
    add_placement(secured, add_project(title="elsewhere"), "accepted")
    assert set(matching.plain_filter_ids(project)) == eligible
    assert secured.id in set(db.session.scalars(select(Candidate.id)))


def test_a_further_stem_field_counts_in_sql_and_python(ctx):
    """A candidate whose main field is mathematics but who also studied physics fits a
    physics project on the field component, in the SQL ranking and in the explanation."""
    from onboarding.models import CandidateField

    project = add_project(skills=[], min_dutch_level=None, start_date=None)
    main_only = add_candidate(stem_field="mathematics")
    both = add_candidate(stem_field="mathematics")
    both.other_fields = [CandidateField(stem_field="physics")]
    db.session.commit()
    ranked = {m.candidate.id: m for m in matching.candidates_for(project, limit=10)}
    assert ranked[both.id].score == ranked[main_only.id].score + 30
    field = next(p for p in ranked[both.id].parts if p.key == "field")
    assert field.fraction == 1.0
    query, points = _scored_query(project_profile(project))
    sql_points = dict(
        db.session.execute(query.where(Candidate.id.in_([both.id, main_only.id]))).all()
    )
    assert sql_points[both.id] == pytest.approx(ranked[both.id].score)
    assert sql_points[main_only.id] == pytest.approx(ranked[main_only.id].score)
