"""The onboarding definition: every transition, every refusal, every guard, effects, next steps.

Plain models and OnboardingFacts only (see conftest.py); no Flask, no database.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from tests.workflows.conftest import MENTOR, START, Model, passing_facts
from workflows.dates import programme_today
from workflows.engine import GuardFailed, NotAllowedFromState, RoleNotAllowed, UnknownTrigger
from workflows.onboarding import (
    ACTIVE_PHASES,
    CEFR_LEVELS,
    GUARDS,
    ONBOARDING,
    PHASES,
    ROLES,
    OnboardingFacts,
    consent_recorded,
    dutch_target_met,
    mentor_assigned,
    mentor_has_capacity,
    mentor_signed_off,
    next_step,
    placement_accepted,
    placement_interview_held,
    profile_complete,
    reason_given,
)

TRIGGERS = sorted({s.trigger for s in ONBOARDING.specs})
NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def spec_id(spec) -> str:
    return f"{spec.trigger}:{spec.source}->{spec.dest}"


def ready(spec, role: str = "staff", **overrides) -> tuple[Model, OnboardingFacts]:
    """A model in the spec's source phase and facts under which all its guards hold."""
    paused_from = spec.dest if spec.trigger == "resume" else None
    row = Model(spec.source, paused_from=paused_from)
    values = {"paused_from": paused_from, **overrides}
    return row, passing_facts(role, **values)


# What each effect may write on the model; anything else must stay as it was.
EFFECT_WRITES = {
    "plan_immersion": {"immersion_start", "immersion_planned_end"},
    "remember_paused_phase": {"paused_from"},
    "clear_paused_phase": {"paused_from"},
    "record_withdrawal": {"withdrawn_reason"},
}


# -- 1. every allowed transition ------------------------------------------------------------


ALLOWED = [
    pytest.param(spec, role, id=f"{spec_id(spec)}:{role}")
    for spec in ONBOARDING.specs
    for role in sorted(spec.roles)
]


def test_every_spec_has_a_role():
    assert len(ALLOWED) >= len(ONBOARDING.specs) == 19
    assert all(spec.roles <= set(ROLES) for spec in ONBOARDING.specs)


@pytest.mark.parametrize(("spec", "role"), ALLOWED)
def test_every_allowed_transition(spec, role):
    row, facts = ready(spec, role)
    before = row.snapshot()
    assert ONBOARDING.check(spec.trigger, spec.source, role, facts) is spec
    assert row.snapshot() == before  # check() alone changes nothing
    assert ONBOARDING.fire(row, spec.trigger, role, facts) is spec
    assert row.phase == spec.dest
    writable = {"phase"}.union(*(EFFECT_WRITES[name] for name in spec.effects))
    after = row.snapshot()
    changed = {key for key in after if after[key] != before[key]}
    assert "phase" in changed or spec.source == spec.dest
    assert changed <= writable


@pytest.mark.parametrize("phase", ACTIVE_PHASES)
def test_resume_returns_to_the_phase_paused_from(phase):
    row = Model("on_hold", paused_from=phase)
    spec = ONBOARDING.fire(row, "resume", "staff", passing_facts(paused_from=phase))
    assert (spec.source, spec.dest) == ("on_hold", phase)
    assert row.phase == phase
    assert row.paused_from is None


@pytest.mark.parametrize("phase", ACTIVE_PHASES)
def test_pause_then_resume_round_trip(phase):
    row = Model(phase)
    ONBOARDING.fire(row, "pause", "staff", passing_facts())
    assert (row.phase, row.paused_from) == ("on_hold", phase)
    ONBOARDING.fire(row, "resume", "staff", passing_facts(paused_from=row.paused_from))
    assert (row.phase, row.paused_from) == (phase, None)


@pytest.mark.parametrize("paused_from", [None, "placed", "withdrawn", "on_hold"])
def test_resume_without_a_paused_phase_is_refused(paused_from):
    row = Model("on_hold", paused_from=paused_from)
    before = row.snapshot()
    with pytest.raises(GuardFailed) as raised:
        ONBOARDING.fire(row, "resume", "staff", passing_facts(paused_from=paused_from))
    # four resume transitions, one refusal: identical refusals are merged
    assert [r.code for r in raised.value.refusals] == ["not_paused_from"]
    assert row.snapshot() == before


def test_happy_path_through_the_whole_programme():
    row = Model()
    path = [
        ("start_immersion", "staff", "language_immersion"),
        ("complete_immersion", "mentor", "mentoring"),
        ("propose_placement", "mentor", "company_placement"),
        ("placement_fell_through", "staff", "mentoring"),
        ("propose_placement", "staff", "company_placement"),
        ("confirm_placement", "staff", "placed"),
    ]
    for trigger, role, dest in path:
        ONBOARDING.fire(row, trigger, role, passing_facts(role))
        assert row.phase == dest
    assert ONBOARDING.available("placed", "staff") == []


def test_begin_mentoring_skips_immersion_for_dutch_speakers():
    row = Model()
    ONBOARDING.fire(row, "begin_mentoring", "staff", passing_facts(best_dutch_level="C2"))
    assert row.phase == "mentoring"
    assert row.immersion_start is None


# -- 2. every refused transition ------------------------------------------------------------


NOT_FROM_STATE = [
    pytest.param(trigger, phase, role, id=f"{trigger}:{phase}:{role}")
    for trigger in TRIGGERS
    for phase in PHASES
    if ONBOARDING.specs_for(trigger, phase) == []
    for role in ROLES
]


def test_refused_pairs_are_exactly_the_pairs_missing_from_the_definition():
    defined = {(s.trigger, s.source) for s in ONBOARDING.specs}
    refused = {(p.values[0], p.values[1]) for p in NOT_FROM_STATE}
    everything = {(t, p) for t in TRIGGERS for p in PHASES}
    assert refused == everything - defined
    assert len(defined) == 16 and len(refused) == len(TRIGGERS) * len(PHASES) - 16


@pytest.mark.parametrize(("trigger", "phase", "role"), NOT_FROM_STATE)
def test_not_allowed_from_state(trigger, phase, role):
    row = Model(phase, paused_from="mentoring" if phase == "on_hold" else None)
    facts = passing_facts(role, paused_from=row.paused_from)
    before = row.snapshot()
    with pytest.raises(NotAllowedFromState) as raised:
        ONBOARDING.fire(row, trigger, role, facts)
    assert [r.code for r in raised.value.refusals] == ["invalid_from_state"]
    assert raised.value.refusals[0].params == {"trigger": trigger, "state": phase}
    assert row.snapshot() == before


WRONG_ROLE = [
    pytest.param(spec, role, id=f"{spec_id(spec)}:{role}")
    for spec in ONBOARDING.specs
    for role in ROLES
    if role not in spec.roles
]


def test_wrong_roles_cover_candidates_everywhere():
    assert {p.values[0].trigger for p in WRONG_ROLE if p.values[1] == "candidate"} == set(TRIGGERS)


@pytest.mark.parametrize(("spec", "role"), WRONG_ROLE)
def test_role_not_allowed(spec, role):
    row, facts = ready(spec, role)
    before = row.snapshot()
    with pytest.raises(RoleNotAllowed) as raised:
        ONBOARDING.fire(row, spec.trigger, role, facts)
    assert [r.code for r in raised.value.refusals] == ["role"]
    assert raised.value.refusals[0].params == {"trigger": spec.trigger, "role": role}
    assert row.snapshot() == before


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("phase", PHASES)
def test_unknown_trigger_from_every_phase(phase, role):
    row = Model(phase)
    before = row.snapshot()
    with pytest.raises(UnknownTrigger):
        ONBOARDING.fire(row, "fast_track", role, passing_facts(role))
    assert row.snapshot() == before


# -- 3. every guard, alone ------------------------------------------------------------------


@pytest.mark.parametrize(
    "missing",
    [("phone",), ("date_of_birth", "diploma_field"), ("nationality", "phone", "email")],
)
def test_profile_complete_refuses_with_field_names(missing):
    refusal = profile_complete(passing_facts(missing_profile_fields=missing))
    assert refusal.code == "profile_incomplete"
    assert tuple(refusal.params["fields"]) == missing
    assert "%(fields)s" in refusal.message


def test_profile_complete_ok():
    assert profile_complete(passing_facts(missing_profile_fields=())) is None


@pytest.mark.parametrize(("given", "code"), [(True, None), (False, "no_consent")])
def test_consent_recorded(given, code):
    refusal = consent_recorded(passing_facts(consent_given=given))
    assert (refusal and refusal.code) == code


DUTCH_CASES = [
    pytest.param(level, target, role, id=f"{level}-vs-{target}-{role}")
    for target in CEFR_LEVELS
    for level in (None, *CEFR_LEVELS)
    for role in ROLES
]


@pytest.mark.parametrize(("level", "target", "role"), DUTCH_CASES)
def test_dutch_target_met_by_level(level, target, role):
    facts = passing_facts(role, best_dutch_level=level, dutch_target=target)
    refusal = dutch_target_met(facts)
    met = level is not None and CEFR_LEVELS.index(level) >= CEFR_LEVELS.index(target)
    if met:
        assert refusal is None
    else:
        assert refusal.code == "dutch_below_target"
        assert refusal.params == {"target": target}


@pytest.mark.parametrize(
    ("level", "target", "ok"),
    [
        ("A1", "B1", False),
        ("A2", "B1", False),
        ("B1", "B1", True),
        ("B2", "B1", True),
        ("C1", "B1", True),
        ("C2", "B1", True),
        ("A2", "B2", False),
        ("B1", "B2", False),
        ("B2", "B2", True),
        ("C2", "B2", True),
        (None, "A1", False),
        ("A1", "A1", True),
    ],
)
def test_dutch_target_met_examples(level, target, ok):
    assert (
        dutch_target_met(passing_facts(best_dutch_level=level, dutch_target=target)) is None
    ) is ok


@pytest.mark.parametrize(
    ("role", "override", "ok"),
    [
        ("staff", "Native speaker, grew up in Ghent", True),
        ("staff", "  interview in Dutch went fine  ", True),
        ("staff", "", False),
        ("staff", "   ", False),
        ("staff", "\t\n ", False),
        ("mentor", "Native speaker, grew up in Ghent", False),
        ("candidate", "I speak Dutch", False),
    ],
)
@pytest.mark.parametrize("level", [None, "A1", "A2"])
def test_dutch_target_override(role, override, ok, level):
    facts = passing_facts(role, best_dutch_level=level, override_reason=override)
    refusal = dutch_target_met(facts)
    assert (refusal is None) is ok
    if not ok:
        assert refusal.code == "dutch_below_target"


@pytest.mark.parametrize(("assigned", "code"), [(True, None), (False, "no_mentor")])
def test_mentor_assigned(assigned, code):
    refusal = mentor_assigned(passing_facts(mentor_assigned=assigned))
    assert (refusal and refusal.code) == code


@pytest.mark.parametrize(
    ("load", "capacity", "ok"),
    [(0, 5, True), (4, 5, True), (5, 5, False), (6, 5, False), (0, 1, True), (1, 1, False)],
)
def test_mentor_has_capacity(load, capacity, ok):
    refusal = mentor_has_capacity(passing_facts(mentor_load=load, mentor_capacity=capacity))
    if ok:
        assert refusal is None
    else:
        assert refusal.code == "mentor_full"
        assert refusal.params == {"mentor": MENTOR, "count": load}


def test_mentor_has_capacity_leaves_a_missing_mentor_to_mentor_assigned():
    facts = passing_facts(mentor_assigned=False, mentor_name="", mentor_load=9)
    assert mentor_has_capacity(facts) is None
    assert mentor_assigned(facts).code == "no_mentor"


@pytest.mark.parametrize(("signed", "code"), [(True, None), (False, "not_signed_off")])
def test_mentor_signed_off(signed, code):
    refusal = mentor_signed_off(passing_facts(signed_off=signed))
    assert (refusal and refusal.code) == code


@pytest.mark.parametrize(("accepted", "code"), [(True, None), (False, "no_accepted_placement")])
def test_placement_accepted(accepted, code):
    refusal = placement_accepted(passing_facts(accepted_placement=accepted))
    assert (refusal and refusal.code) == code


@pytest.mark.parametrize(
    ("interviews", "now", "code"),
    [
        ((), NOW, None),  # nothing recorded about an interview
        ((None,), NOW, None),  # an accepted placement without an interview time
        ((NOW - timedelta(days=2),), NOW, None),
        ((NOW,), NOW, None),
        ((NOW + timedelta(days=9),), NOW, "placement_interview_ahead"),
        ((NOW + timedelta(days=9), NOW - timedelta(days=1)), NOW, None),  # one is behind it
        ((NOW - timedelta(days=2),), None, "placement_interview_ahead"),  # "now" unknown
    ],
)
def test_placement_interview_held(interviews, now, code):
    refusal = placement_interview_held(passing_facts(accepted_interviews=interviews, now=now))
    assert (refusal and refusal.code) == code


def test_no_placement_before_its_interview():
    """Confirming the placement before the accepted placement's interview is refused."""
    row = Model("company_placement")
    before = row.snapshot()
    facts = passing_facts(accepted_interviews=(NOW + timedelta(days=9),), now=NOW)
    with pytest.raises(GuardFailed) as raised:
        ONBOARDING.fire(row, "confirm_placement", "staff", facts)
    assert [r.code for r in raised.value.refusals] == ["placement_interview_ahead"]
    assert row.snapshot() == before


@pytest.mark.parametrize(
    ("reason", "code"),
    [
        ("", "reason_missing"),
        ("   ", "reason_missing"),
        ("\t\n", "reason_missing"),
        ("Moved to Germany", None),
        ("  x  ", None),
    ],
)
def test_reason_given(reason, code):
    refusal = reason_given(passing_facts(reason=reason))
    assert (refusal and refusal.code) == code


# Facts that break exactly one guard, and the code it must refuse with.
BREAK = {
    "profile_complete": ({"missing_profile_fields": ("phone", "diploma")}, "profile_incomplete"),
    "consent_recorded": ({"consent_given": False}, "no_consent"),
    "dutch_target_met": ({"best_dutch_level": "A2"}, "dutch_below_target"),
    "mentor_assigned": ({"mentor_assigned": False, "mentor_name": ""}, "no_mentor"),
    "mentor_has_capacity": ({"mentor_load": 5, "mentor_capacity": 5}, "mentor_full"),
    "mentor_signed_off": ({"signed_off": False}, "not_signed_off"),
    "placement_accepted": ({"accepted_placement": False}, "no_accepted_placement"),
    "placement_interview_held": (
        {"accepted_interviews": (NOW + timedelta(days=1),), "now": NOW},
        "placement_interview_ahead",
    ),
    "reason_given": ({"reason": "  \t "}, "reason_missing"),
    **{f"paused_from_{p}": ({"paused_from": None}, "not_paused_from") for p in ACTIVE_PHASES},
}

GUARDED = [
    pytest.param(spec, guard.name, role, id=f"{spec_id(spec)}:{guard.name}:{role}")
    for spec in ONBOARDING.specs
    for guard in spec.guards
    for role in sorted(spec.roles)
]


def test_every_guard_is_broken_somewhere():
    assert set(BREAK) == set(GUARDS)
    assert {p.values[1] for p in GUARDED} == set(GUARDS)


@pytest.mark.parametrize("name", list(GUARDS))
def test_each_break_fails_only_its_own_guard(name):
    """The baseline facts satisfy the guard; its BREAK overrides refuse it and no other."""
    paused_from = name.removeprefix("paused_from_") if name.startswith("paused_") else None
    assert GUARDS[name].check(passing_facts(paused_from=paused_from)) is None
    overrides, _code = BREAK[name]
    for other, guard in GUARDS.items():
        if other != name and not other.startswith("paused_from_"):
            assert guard.check(passing_facts(**overrides)) is None, other
    overrides, code = BREAK[name]
    assert GUARDS[name].check(passing_facts(**overrides)).code == code


@pytest.mark.parametrize(("spec", "guard", "role"), GUARDED)
def test_each_guard_alone_refuses_through_fire(spec, guard, role):
    overrides, code = BREAK[guard]
    row, facts = ready(spec, role, **overrides)
    before = row.snapshot()
    with pytest.raises(GuardFailed) as raised:
        ONBOARDING.fire(row, spec.trigger, role, facts)
    assert [r.code for r in raised.value.refusals] == [code]
    assert row.phase == spec.source
    assert row.snapshot() == before


def test_profile_refusal_through_fire_names_the_fields():
    row = Model()
    facts = passing_facts(missing_profile_fields=("phone", "diploma_field"))
    with pytest.raises(GuardFailed) as raised:
        ONBOARDING.fire(row, "start_immersion", "staff", facts)
    (refusal,) = raised.value.refusals
    assert tuple(refusal.params["fields"]) == ("phone", "diploma_field")
    assert row.phase == "outreach"


def test_full_mentor_refusal_through_fire_names_mentor_and_count():
    row = Model("language_immersion")
    facts = passing_facts("mentor", mentor_load=5, mentor_capacity=5)
    with pytest.raises(GuardFailed) as raised:
        ONBOARDING.fire(row, "complete_immersion", "mentor", facts)
    (refusal,) = raised.value.refusals
    assert refusal.code == "mentor_full"
    assert refusal.params == {"mentor": MENTOR, "count": 5}
    assert row.phase == "language_immersion"
    ONBOARDING.fire(row, "complete_immersion", "mentor", passing_facts("mentor", mentor_load=4))
    assert row.phase == "mentoring"


@pytest.mark.parametrize("target", ["B1", "B2"])
@pytest.mark.parametrize("level", CEFR_LEVELS)
@pytest.mark.parametrize("role", ["staff", "mentor"])
def test_complete_immersion_by_dutch_level(role, level, target):
    row = Model("language_immersion")
    facts = passing_facts(role, best_dutch_level=level, dutch_target=target)
    if CEFR_LEVELS.index(level) >= CEFR_LEVELS.index(target):
        ONBOARDING.fire(row, "complete_immersion", role, facts)
        assert row.phase == "mentoring"
    else:
        with pytest.raises(GuardFailed) as raised:
            ONBOARDING.fire(row, "complete_immersion", role, facts)
        assert [r.code for r in raised.value.refusals] == ["dutch_below_target"]
        assert raised.value.refusals[0].params == {"target": target}
        assert row.phase == "language_immersion"


@pytest.mark.parametrize(
    ("source", "trigger"),
    [("language_immersion", "complete_immersion"), ("outreach", "begin_mentoring")],
)
def test_staff_override_through_fire(source, trigger):
    row = Model(source)
    facts = passing_facts(best_dutch_level=None, override_reason="Native speaker from Ghent")
    ONBOARDING.fire(row, trigger, "staff", facts)
    assert row.phase == "mentoring"


@pytest.mark.parametrize("override", ["   ", "\n\t"])
def test_whitespace_override_through_fire_is_refused(override):
    row = Model("language_immersion")
    facts = passing_facts(best_dutch_level="A1", override_reason=override)
    with pytest.raises(GuardFailed) as raised:
        ONBOARDING.fire(row, "complete_immersion", "staff", facts)
    assert [r.code for r in raised.value.refusals] == ["dutch_below_target"]
    assert row.phase == "language_immersion"


def test_mentor_override_through_fire_is_refused():
    row = Model("language_immersion")
    facts = passing_facts("mentor", best_dutch_level="A2", override_reason="Speaks fine")
    with pytest.raises(GuardFailed) as raised:
        ONBOARDING.fire(row, "complete_immersion", "mentor", facts)
    assert [r.code for r in raised.value.refusals] == ["dutch_below_target"]
    assert row.phase == "language_immersion"


# -- 4. effects -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "end"),
    [
        (date(2026, 11, 30), date(2027, 2, 28)),
        (date(2027, 11, 30), date(2028, 2, 29)),
        (date(2026, 1, 15), date(2026, 4, 15)),
        (date(2026, 5, 31), date(2026, 8, 31)),
    ],
)
def test_start_immersion_plans_three_months(start, end):
    row = Model()
    ONBOARDING.fire(row, "start_immersion", "staff", passing_facts(start_date=start))
    assert row.phase == "language_immersion"
    assert row.immersion_start == start
    assert row.immersion_planned_end == end


def test_start_immersion_without_a_date_starts_today():
    row = Model()
    before = programme_today()
    ONBOARDING.fire(row, "start_immersion", "staff", passing_facts(start_date=None))
    assert before <= row.immersion_start <= programme_today()
    assert row.immersion_planned_end > row.immersion_start


def test_start_immersion_example_date():
    row = Model()
    ONBOARDING.fire(row, "start_immersion", "staff", passing_facts())
    assert (row.immersion_start, row.immersion_planned_end) == (START, date(2027, 2, 28))


@pytest.mark.parametrize("phase", ACTIVE_PHASES)
def test_pause_remembers_the_phase(phase):
    row = Model(phase)
    ONBOARDING.fire(row, "pause", "staff", passing_facts())
    assert row.phase == "on_hold"
    assert row.paused_from == phase


@pytest.mark.parametrize("phase", ACTIVE_PHASES)
def test_resume_clears_the_paused_phase(phase):
    row = Model("on_hold", paused_from=phase)
    ONBOARDING.fire(row, "resume", "staff", passing_facts(paused_from=phase))
    assert row.paused_from is None


@pytest.mark.parametrize("phase", [*ACTIVE_PHASES, "on_hold"])
def test_withdraw_stores_the_stripped_reason(phase):
    row = Model(phase, paused_from="mentoring" if phase == "on_hold" else None)
    facts = passing_facts(reason="  Found a job in Berlin \n", paused_from=row.paused_from)
    ONBOARDING.fire(row, "withdraw", "staff", facts)
    assert row.phase == "withdrawn"
    assert row.withdrawn_reason == "Found a job in Berlin"


def test_placement_fell_through_asks_the_service_to_withdraw_live_placements():
    # The placements are withdrawn by the service through the placement workflow (with
    # their own audit rows); the onboarding definition only declares that follow-up.
    (spec,) = ONBOARDING.specs_for("placement_fell_through", "company_placement")
    assert spec.follow_ups == ("withdraw_live_placements",)
    row = Model("company_placement")
    ONBOARDING.fire(row, "placement_fell_through", "staff", passing_facts())
    assert row.phase == "mentoring"


def test_confirm_placement_asks_the_service_to_start_the_accepted_placement():
    # The placement's automatic `start` step is taken by the service through the placement
    # workflow; the onboarding definition only declares the follow-up.
    (spec,) = ONBOARDING.specs_for("confirm_placement", "company_placement")
    assert spec.follow_ups == ("start_accepted_placement",)
    assert [g.name for g in spec.guards] == ["placement_accepted", "placement_interview_held"]


def test_only_confirm_placement_and_placement_fell_through_have_follow_ups():
    assert [s.trigger for s in ONBOARDING.specs if s.follow_ups] == [
        "confirm_placement",
        "placement_fell_through",
    ]


# -- 5. next_step ---------------------------------------------------------------------------


DUTCH_TODO = "Pass a Dutch assessment at level %(target)s or higher"


@pytest.mark.parametrize(
    ("phase", "overrides", "message", "waits_on", "trigger"),
    [
        pytest.param(
            "outreach",
            {"missing_profile_fields": ("phone",), "consent_given": False},
            "Complete the profile",
            "candidate",
            "start_immersion",
            id="outreach-profile-first",
        ),
        pytest.param(
            "outreach",
            {"consent_given": False},
            "Give consent to data processing",
            "candidate",
            "start_immersion",
            id="outreach-no-consent",
        ),
        pytest.param(
            "outreach", {}, "Start the language immersion", "desk", "start_immersion", id="outreach"
        ),
        pytest.param(
            "language_immersion",
            {"best_dutch_level": "A2", "mentor_assigned": False},
            DUTCH_TODO,
            "candidate",
            "complete_immersion",
            id="immersion-below-target",
        ),
        pytest.param(
            "language_immersion",
            {"best_dutch_level": "B1", "mentor_assigned": False},
            "Assign a mentor",
            "desk",
            "complete_immersion",
            id="immersion-no-mentor",
        ),
        pytest.param(
            "language_immersion",
            {"mentor_load": 5},
            "Find a mentor with free capacity",
            "desk",
            "complete_immersion",
            id="immersion-mentor-full",
        ),
        pytest.param(
            "language_immersion",
            {},
            "Complete the immersion and begin mentoring",
            "desk",
            "complete_immersion",
            id="immersion",
        ),
        pytest.param(
            "mentoring",
            {"signed_off": False},
            "Sign off readiness for placement",
            "mentor",
            "propose_placement",
            id="mentoring-not-signed-off",
        ),
        pytest.param(
            "mentoring",
            {},
            "Propose the candidate for a company placement",
            "desk",
            "propose_placement",
            id="mentoring",
        ),
        pytest.param(
            "company_placement",
            {"accepted_placement": False},
            "A company accepts the placement and sets a start date",
            "company",
            "confirm_placement",
            id="placement-not-accepted",
        ),
        pytest.param(
            "company_placement",
            {"accepted_interviews": (NOW + timedelta(days=3),), "now": NOW},
            "Hold the placement interview",
            "company",
            "confirm_placement",
            id="placement-interview-ahead",
        ),
        pytest.param(
            "company_placement",
            {},
            "Confirm the placement",
            "desk",
            "confirm_placement",
            id="placement",
        ),
        *[
            pytest.param(
                "on_hold",
                {"paused_from": p},
                "Resume the onboarding",
                "desk",
                "resume",
                id=f"on-hold-from-{p}",
            )
            for p in (*ACTIVE_PHASES, None)
        ],
        pytest.param(
            "placed",
            {},
            "Placed with a company: nothing left to do in the onboarding",
            None,
            None,
            id="placed",
        ),
        pytest.param("withdrawn", {}, "Withdrawn from the programme", None, None, id="withdrawn"),
    ],
)
def test_next_step(phase, overrides, message, waits_on, trigger):
    step = next_step(phase, passing_facts(**overrides))
    assert step.message == message
    assert step.waits_on == waits_on
    assert step.trigger == trigger


@pytest.mark.parametrize("target", ["B1", "B2"])
def test_next_step_dutch_todo_carries_the_target(target):
    step = next_step(
        "language_immersion", passing_facts(best_dutch_level="A1", dutch_target=target)
    )
    assert step.message == DUTCH_TODO
    assert step.params == {"target": target}
    assert step.waits_on == "candidate"


@pytest.mark.parametrize("phase", ["placed", "withdrawn"])
def test_next_step_final_phases_wait_on_nobody_whatever_the_facts(phase):
    blank = OnboardingFacts()
    assert next_step(phase, blank).waits_on is None
    assert next_step(phase, passing_facts()).waits_on is None


@pytest.mark.parametrize(
    "phase", ["outreach", "language_immersion", "mentoring", "company_placement"]
)
def test_next_step_when_all_met_can_actually_be_fired(phase):
    """Once nothing is unmet, the forward trigger goes through for a desk (staff) user."""
    step = next_step(phase, passing_facts())
    assert step.waits_on == "desk"
    row = Model(phase)
    spec = ONBOARDING.fire(row, step.trigger, "staff", passing_facts())
    assert row.phase == spec.dest != phase


@pytest.mark.parametrize(
    "phase", ["outreach", "language_immersion", "mentoring", "company_placement"]
)
def test_next_step_names_the_guard_that_fire_refuses_first(phase):
    """next_step and fire agree: the todo shown is the first refusal fire() gives."""
    empty = OnboardingFacts(role="staff", mentor_capacity=5)
    step = next_step(phase, empty)
    with pytest.raises(GuardFailed) as raised:
        ONBOARDING.fire(Model(phase), step.trigger, "staff", empty)
    first = raised.value.refusals[0]
    guard = next(g for g in GUARDS.values() if g.todo == step.message)
    assert guard.check(empty) == first
