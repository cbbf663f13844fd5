"""Matching candidates and projects: a transparent score, as data.

Hard requirements filter (the project is open and has seats left; the candidate is in
mentoring or company placement, holds no secured placement, and has no live placement for
this project: proposing them again would make a duplicate); soft ones rank. Each soft
component has a weight and gives a fraction between 0 and 1; the score is the weighted sum
(0–100). The same rules are expressed in SQL by the service for ranking many candidates at
once, and the pure function here explains every shown result, component by component.

The Dutch level: the candidate's latest *assessed* level counts where there is one (an
assessment recorded by the desk or a mentor; the latest, since it says how well the candidate
speaks now). Without one, the level the candidate declared on their profile counts one CEFR
step lower (a declared B2 scores as an assessed B1; a declared A1 as below A1), because a
self-declared level is unchecked. The breakdown names which one was used (`Part.dutch`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from workflows.i18n import N_
from workflows.onboarding import CEFR_LEVELS, COMPANY_PLACEMENT, MENTORING

ELIGIBLE_PHASES = (MENTORING, COMPANY_PLACEMENT)
# A candidate available this many days after the project starts still gets half the points.
AVAILABILITY_GRACE_DAYS = 30


@dataclass(frozen=True)
class Component:
    key: str
    label: str  # msgid
    weight: int


COMPONENTS = (
    Component("field", N_("STEM field"), 30),
    Component("skills", N_("Skills in common"), 30),
    Component("dutch", N_("Dutch level against the project's minimum"), 20),
    Component("availability", N_("Available by the start date"), 10),
    Component("municipality", N_("Preferred municipality"), 10),
)
WEIGHTS = {c.key: c.weight for c in COMPONENTS}
assert sum(WEIGHTS.values()) == 100


# How many CEFR steps lower a level declared on the profile (not assessed) counts.
DECLARED_LEVEL_DISCOUNT = 1


@dataclass(frozen=True)
class CandidateProfile:
    stem_field: str
    skills: frozenset[str]
    dutch_level: str | None  # the declared level on the profile, or the assessed one
    available_from: date | None
    preferred_municipalities: frozenset[str]
    other_fields: frozenset[str] = frozenset()  # further STEM fields besides the main one
    dutch_assessed_on: date | None = None  # set: `dutch_level` is the latest assessment's

    @property
    def dutch_assessed(self) -> bool:
        return self.dutch_assessed_on is not None

    @property
    def dutch_rank(self) -> int | None:
        """The level's rank as matching counts it (A1 = 1 … C2 = 6; a declared level one
        step lower, possibly 0), None for no known level."""
        if self.dutch_level not in CEFR_LEVELS:
            return None
        rank = level_rank(self.dutch_level)
        return rank if self.dutch_assessed else rank - DECLARED_LEVEL_DISCOUNT


@dataclass(frozen=True)
class ProjectProfile:
    stem_fields: tuple[str, ...]
    skills: frozenset[str]
    min_dutch_level: str | None
    start_date: date | None
    municipality: str


@dataclass(frozen=True)
class DutchBasis:
    """Which Dutch level the score used: assessed (on `assessed_on`) or declared."""

    level: str | None
    assessed_on: date | None

    @property
    def assessed(self) -> bool:
        return self.assessed_on is not None


@dataclass(frozen=True)
class Part:
    key: str
    label: str
    weight: int
    fraction: float
    dutch: DutchBasis | None = None  # the Dutch component only

    @property
    def points(self) -> float:
        return self.weight * self.fraction


def level_rank(level: str | None) -> int:
    return CEFR_LEVELS.index(level) + 1 if level in CEFR_LEVELS else 0


def field_fraction(c: CandidateProfile, p: ProjectProfile) -> float:
    if not p.stem_fields or c.stem_field in p.stem_fields:
        return 1.0
    return 1.0 if c.other_fields & set(p.stem_fields) else 0.0


def skills_fraction(c: CandidateProfile, p: ProjectProfile) -> float:
    if not p.skills:
        return 1.0
    return len(c.skills & p.skills) / len(p.skills)


def dutch_fraction(c: CandidateProfile, p: ProjectProfile) -> float:
    if p.min_dutch_level is None:
        return 1.0
    rank = c.dutch_rank
    if rank is None:
        return 0.0  # an unknown level earns nothing against a minimum
    gap = level_rank(p.min_dutch_level) - rank
    return 1.0 if gap <= 0 else 0.5 if gap == 1 else 0.0


def availability_fraction(c: CandidateProfile, p: ProjectProfile) -> float:
    if p.start_date is None or c.available_from is None or c.available_from <= p.start_date:
        return 1.0
    if c.available_from <= p.start_date + timedelta(days=AVAILABILITY_GRACE_DAYS):
        return 0.5
    return 0.0


def municipality_fraction(c: CandidateProfile, p: ProjectProfile) -> float:
    # No preference means any municipality suits the candidate.
    if not c.preferred_municipalities or p.municipality in c.preferred_municipalities:
        return 1.0
    return 0.0


FRACTIONS = {
    "field": field_fraction,
    "skills": skills_fraction,
    "dutch": dutch_fraction,
    "availability": availability_fraction,
    "municipality": municipality_fraction,
}


def explain(c: CandidateProfile, p: ProjectProfile) -> list[Part]:
    basis = DutchBasis(c.dutch_level, c.dutch_assessed_on)
    return [
        Part(
            comp.key,
            comp.label,
            comp.weight,
            FRACTIONS[comp.key](c, p),
            basis if comp.key == "dutch" else None,
        )
        for comp in COMPONENTS
    ]


def score(c: CandidateProfile, p: ProjectProfile) -> float:
    return round(sum(part.points for part in explain(c, p)), 2)
