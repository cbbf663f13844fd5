"""The transparent matching score, checked on examples worked out by hand.

Weights: field 30, skills 30, dutch 20, availability 10, municipality 10 (sum 100).
Each example changes one thing in the base pair below; the comment next to it shows the
sum, component by component, in that order. No Flask, no database.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest

from workflows.matching import (
    AVAILABILITY_GRACE_DAYS,
    COMPONENTS,
    DECLARED_LEVEL_DISCOUNT,
    WEIGHTS,
    CandidateProfile,
    DutchBasis,
    Part,
    ProjectProfile,
    explain,
    level_rank,
    score,
)

S = date(2026, 9, 1)  # the project's start date

# An energy graduate who knows python and statistics, speaks Dutch at B1 (assessed), is
# available ten days after the project starts and would like to work in Genk.
ASSESSED_ON = date(2026, 6, 12)
CANDIDATE = CandidateProfile(
    stem_field="energy",
    skills=frozenset({"python", "statistics"}),
    dutch_level="B1",
    available_from=S + timedelta(days=10),
    preferred_municipalities=frozenset({"Genk"}),
    dutch_assessed_on=ASSESSED_ON,
)
# An energy/physics project in Genk asking for three skills and at least B1, starting on S.
PROJECT = ProjectProfile(
    stem_fields=("energy", "physics"),
    skills=frozenset({"python", "statistics", "battery chemistry"}),
    min_dutch_level="B1",
    start_date=S,
    municipality="Genk",
)


def days(n: int) -> date:
    return S + timedelta(days=n)


def test_weights_sum_to_100_in_the_documented_order():
    assert [(c.key, c.weight) for c in COMPONENTS] == [
        ("field", 30),
        ("skills", 30),
        ("dutch", 20),
        ("availability", 10),
        ("municipality", 10),
    ]
    assert {c.key: c.weight for c in COMPONENTS} == WEIGHTS
    assert sum(WEIGHTS.values()) == 100
    assert AVAILABILITY_GRACE_DAYS == 30


def test_the_base_example():
    # field: energy is one of (energy, physics)                → 30 × 1     = 30
    # skills: {python, statistics} ∩ 3 asked = 2 of 3          → 30 × 2/3   = 20
    # dutch: B1 against minimum B1, gap 0                       → 20 × 1     = 20
    # availability: S+10 is after S but within S+30            → 10 × 1/2   =  5
    # municipality: Genk is preferred                           → 10 × 1     = 10
    #                                                                    total = 85.0
    assert score(CANDIDATE, PROJECT) == 85.0


def test_explain_gives_five_components_in_order_with_weights_and_fractions():
    parts = explain(CANDIDATE, PROJECT)
    assert all(isinstance(p, Part) for p in parts)
    assert [(p.key, p.label, p.weight) for p in parts] == [
        (c.key, c.label, c.weight) for c in COMPONENTS
    ]
    assert [p.key for p in parts] == ["field", "skills", "dutch", "availability", "municipality"]
    assert [p.fraction for p in parts] == pytest.approx([1.0, 2 / 3, 1.0, 0.5, 1.0])
    assert [p.points for p in parts] == pytest.approx([30, 20, 20, 5, 10])
    assert sum(p.points for p in parts) == pytest.approx(score(CANDIDATE, PROJECT))
    assert all(0.0 <= p.fraction <= 1.0 for p in parts)


# (what changes, expected score, how it was computed: field + skills + dutch + avail + muni)
CANDIDATE_CHANGES = [
    # Dutch one level below the minimum: A2 vs B1, gap 1 → half of 20 = 10.
    ({"dutch_level": "A2"}, 75.0, "30 + 20 + 10 + 5 + 10"),
    # Dutch two levels below: A1 vs B1, gap 2 → 0.
    ({"dutch_level": "A1"}, 65.0, "30 + 20 + 0 + 5 + 10"),
    # Above the minimum still gives the full 20, never more.
    ({"dutch_level": "C2"}, 85.0, "30 + 20 + 20 + 5 + 10"),
    ({"dutch_level": "B2"}, 85.0, "30 + 20 + 20 + 5 + 10"),
    # No preference at all: any municipality suits → full 10 (same as preferring Genk).
    ({"preferred_municipalities": frozenset()}, 85.0, "30 + 20 + 20 + 5 + 10"),
    # Preferring only Hasselt while the project is in Genk → 0.
    ({"preferred_municipalities": frozenset({"Hasselt"})}, 75.0, "30 + 20 + 20 + 5 + 0"),
    # One of several preferences is enough → 10.
    ({"preferred_municipalities": frozenset({"Hasselt", "Genk"})}, 85.0, "30 + 20 + 20 + 5 + 10"),
    # Available on the start date itself → full 10.
    ({"available_from": days(0)}, 90.0, "30 + 20 + 20 + 10 + 10"),
    # Available before the start date → full 10.
    ({"available_from": days(-60)}, 90.0, "30 + 20 + 20 + 10 + 10"),
    # Available on the last day of grace, S+30 → half: 5.
    ({"available_from": days(30)}, 85.0, "30 + 20 + 20 + 5 + 10"),
    # One day beyond the grace, S+31 → 0.
    ({"available_from": days(31)}, 80.0, "30 + 20 + 20 + 0 + 10"),
    # Half a year late → 0.
    ({"available_from": days(180)}, 80.0, "30 + 20 + 20 + 0 + 10"),
    # Availability unknown counts as available → full 10.
    ({"available_from": None}, 90.0, "30 + 20 + 20 + 10 + 10"),
    # Another STEM field (chemistry is not energy/physics) → 0 field points.
    ({"stem_field": "chemistry"}, 55.0, "0 + 20 + 20 + 5 + 10"),
    # physics is the project's second field → full 30.
    ({"stem_field": "physics"}, 85.0, "30 + 20 + 20 + 5 + 10"),
    # One skill of three: 30 × 1/3 = 10.
    ({"skills": frozenset({"python"})}, 75.0, "30 + 10 + 20 + 5 + 10"),
    # No skills in common: 0 of 3 → 0.
    ({"skills": frozenset({"matlab", "welding"})}, 65.0, "30 + 0 + 20 + 5 + 10"),
    ({"skills": frozenset()}, 65.0, "30 + 0 + 20 + 5 + 10"),
    # Every asked skill plus an extra one: 3 of 3 (extras do not count) → 30.
    (
        {"skills": frozenset({"python", "statistics", "battery chemistry", "matlab"})},
        95.0,
        "30 + 30 + 20 + 5 + 10",
    ),
]


@pytest.mark.parametrize(
    ("change", "expected", "sum_"),
    [pytest.param(c, e, s, id=s + " | " + ",".join(c)) for c, e, s in CANDIDATE_CHANGES],
)
def test_candidate_variations(change, expected, sum_):
    assert sum(int(term) for term in sum_.split(" + ")) == expected  # the comment adds up
    assert score(replace(CANDIDATE, **change), PROJECT) == expected


PROJECT_CHANGES = [
    # No Dutch minimum → full 20 even for an A1 candidate (base candidate is B1: also 20).
    ({"min_dutch_level": None}, {}, 85.0, "30 + 20 + 20 + 5 + 10"),
    ({"min_dutch_level": None}, {"dutch_level": "A1"}, 85.0, "30 + 20 + 20 + 5 + 10"),
    ({"min_dutch_level": None}, {"dutch_level": None}, 85.0, "30 + 20 + 20 + 5 + 10"),
    # A project without skills asks nothing → full 30.
    ({"skills": frozenset()}, {}, 95.0, "30 + 30 + 20 + 5 + 10"),
    ({"skills": frozenset()}, {"skills": frozenset()}, 95.0, "30 + 30 + 20 + 5 + 10"),
    # A project open to every field → full 30 even for chemistry.
    ({"stem_fields": ()}, {"stem_field": "chemistry"}, 85.0, "30 + 20 + 20 + 5 + 10"),
    # No start date → availability cannot be late → full 10.
    ({"start_date": None}, {"available_from": days(365)}, 90.0, "30 + 20 + 20 + 10 + 10"),
    # The project is in Hasselt, the candidate wants Genk → 0.
    ({"municipality": "Hasselt"}, {}, 75.0, "30 + 20 + 20 + 5 + 0"),
    # …but a candidate without preference takes Hasselt too → 10.
    (
        {"municipality": "Hasselt"},
        {"preferred_municipalities": frozenset()},
        85.0,
        "30 + 20 + 20 + 5 + 10",
    ),
    # Minimum B2: the B1 candidate is one below → 10; minimum C1: two below → 0.
    ({"min_dutch_level": "B2"}, {}, 75.0, "30 + 20 + 10 + 5 + 10"),
    ({"min_dutch_level": "C1"}, {}, 65.0, "30 + 20 + 0 + 5 + 10"),
    # Minimum A2 and the candidate has B1 → full 20.
    ({"min_dutch_level": "A2"}, {}, 85.0, "30 + 20 + 20 + 5 + 10"),
]


@pytest.mark.parametrize(
    ("project_change", "candidate_change", "expected", "sum_"),
    [pytest.param(p, c, e, s, id=f"{s} | {','.join(p)}/{','.join(c)}")
     for p, c, e, s in PROJECT_CHANGES],
)  # fmt: skip
def test_project_variations(project_change, candidate_change, expected, sum_):
    assert sum(int(term) for term in sum_.split(" + ")) == expected
    candidate = replace(CANDIDATE, **candidate_change)
    assert score(candidate, replace(PROJECT, **project_change)) == expected


# A level declared on the profile (no assessment) counts one CEFR step lower.
DECLARED = [
    # declared B1 scores as B1 - 1 = A2 against minimum B1: gap 1 → half of 20 = 10
    ("B1", "B1", 10.0),
    # declared B2 counts as B1 → full 20; a declared C2 as C1 → full 20
    ("B2", "B1", 20.0),
    ("C2", "B1", 20.0),
    # declared A2 counts as A1 → gap 2 → 0; declared A1 as below A1 → against A1: gap 1 → 10
    ("A2", "B1", 0.0),
    ("A1", "A1", 10.0),
    # a declared C2 against minimum C2 counts as C1 → 10 (an assessed C2 gets 20)
    ("C2", "C2", 10.0),
    # no level at all → nothing
    (None, "A1", 0.0),
]


@pytest.mark.parametrize(("declared", "minimum", "points"), DECLARED)
def test_a_declared_level_counts_one_step_lower(declared, minimum, points):
    candidate = replace(CANDIDATE, dutch_level=declared, dutch_assessed_on=None)
    project = replace(PROJECT, min_dutch_level=minimum)
    dutch = next(p for p in explain(candidate, project) if p.key == "dutch")
    assert dutch.points == points
    assert dutch.dutch is not None and not dutch.dutch.assessed
    assert dutch.dutch.level == declared
    assert DECLARED_LEVEL_DISCOUNT == 1


def test_an_assessed_level_counts_as_it_is_and_the_breakdown_says_when():
    assessed_c2 = replace(CANDIDATE, dutch_level="C2")
    project = replace(PROJECT, min_dutch_level="C2")
    parts = {p.key: p for p in explain(assessed_c2, project)}
    assert parts["dutch"].points == 20
    assert parts["dutch"].dutch == DutchBasis("C2", ASSESSED_ON)
    assert parts["dutch"].dutch.assessed
    assert all(p.dutch is None for key, p in parts.items() if key != "dutch")


def test_perfect_and_hopeless_pairs():
    perfect = replace(
        CANDIDATE,
        skills=PROJECT.skills,
        dutch_level="C1",
        available_from=S,
    )
    # 30 + 30 + 20 + 10 + 10 = 100
    assert score(perfect, PROJECT) == 100.0
    hopeless = CandidateProfile(
        stem_field="life_sciences",
        skills=frozenset({"pipetting"}),
        dutch_level="A1",
        available_from=days(90),
        preferred_municipalities=frozenset({"Lommel"}),
    )
    # 0 + 0 + 0 + 0 + 0 = 0
    assert score(hopeless, PROJECT) == 0.0
    assert [p.fraction for p in explain(hopeless, PROJECT)] == [0.0] * 5


def test_score_is_rounded_to_two_decimals():
    project = replace(PROJECT, skills=frozenset(f"skill {i}" for i in range(7)))
    candidate = replace(CANDIDATE, skills=frozenset({"skill 0", "other"}))
    # skills: 1 of 7 → 30/7 = 4.285714…; 30 + 4.2857… + 20 + 5 + 10 = 69.2857… → 69.29
    assert score(candidate, project) == 69.29
    (skills,) = [p for p in explain(candidate, project) if p.key == "skills"]
    assert skills.points == pytest.approx(30 / 7)


@pytest.mark.parametrize(
    ("level", "rank"),
    [(None, 0), ("A1", 1), ("A2", 2), ("B1", 3), ("B2", 4), ("C1", 5), ("C2", 6), ("X9", 0)],
)
def test_level_rank(level, rank):
    assert level_rank(level) == rank


def test_candidate_is_not_rewarded_for_extra_preferences_or_skills_beyond_full_marks():
    greedy = replace(
        CANDIDATE,
        skills=PROJECT.skills | {"a", "b", "c"},
        preferred_municipalities=frozenset({"Genk", "Hasselt", "Lommel"}),
    )
    # 30 + 30 + 20 + 5 + 10 = 95 (fractions are capped at 1 by construction)
    assert score(greedy, PROJECT) == 95.0
    assert max(p.fraction for p in explain(greedy, PROJECT)) == 1.0
