"""Plain-Python stand-ins for the workflow tests: no Flask, no database.

`Model` is a candidate row as the workflow sees it (a phase plus what the effects write);
`facts(...)` builds an `OnboardingFacts` in which every guard holds, so a test can break
exactly one condition with an override.
"""

from __future__ import annotations

from datetime import date

import pytest

from workflows.onboarding import OnboardingFacts

START = date(2026, 11, 30)
MENTOR = "Anneke de Vries"


class Model:
    """A tiny model, as in the `transitions` project's own tests."""

    phase = "outreach"

    def __init__(self, phase: str = "outreach", paused_from: str | None = None):
        self.phase = phase
        self.paused_from = paused_from
        self.immersion_start = None
        self.immersion_planned_end = None
        self.withdrawn_reason = None

    def snapshot(self) -> dict:
        return dict(vars(self))


def passing_facts(role: str = "staff", **overrides) -> OnboardingFacts:
    """Facts under which every onboarding guard (except `paused_from_*`) holds."""
    values = {
        "role": role,
        "missing_profile_fields": (),
        "consent_given": True,
        "best_dutch_level": "B1",
        "dutch_target": "B1",
        "override_reason": "",
        "mentor_assigned": True,
        "mentor_name": MENTOR,
        "mentor_load": 2,
        "mentor_capacity": 5,
        "signed_off": True,
        "accepted_placement": True,
        "reason": "Moved to Germany",
        "paused_from": None,
        "start_date": START,
    }
    values.update(overrides)
    return OnboardingFacts(**values)


@pytest.fixture
def model():
    """The Model class: call it with a phase to get a fresh row."""
    return Model


@pytest.fixture
def facts():
    """`facts(role, **overrides)`: OnboardingFacts with every guard met unless overridden."""
    return passing_facts
