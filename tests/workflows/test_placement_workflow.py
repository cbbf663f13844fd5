"""The placement definition: every transition, every refusal, every guard, effects, terminals.

Plain model objects and PlacementFacts only; no Flask, no database.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from workflows.engine import (
    FollowUpOnly,
    GuardFailed,
    NotAllowedFromState,
    RoleNotAllowed,
    UnknownTrigger,
)
from workflows.onboarding import ROLES
from workflows.placement import (
    ACCEPTED,
    CLOSED_STATUSES,
    DECLINED,
    GUARDS,
    INTERVIEW,
    OFFER,
    OPEN_STATUSES,
    PLACEMENT,
    PROPOSED,
    SECURED_STATUSES,
    STARTED,
    STATUSES,
    WITHDRAWN,
    PlacementFacts,
    interview_held,
    interview_in_past,
    interview_over,
    interview_planned,
    no_other_secured,
    reason_given,
    seat_free,
    start_date_given,
)

INTERVIEW_AT = datetime(2026, 10, 6, 13, 30, tzinfo=UTC)
NOW = datetime(2026, 10, 8, 9, 0, tzinfo=UTC)  # two days after the interview
START = date(2026, 11, 2)
REASON = "The company froze hiring"
TRIGGERS = sorted({s.trigger for s in PLACEMENT.specs})


class Row:
    """A placement row as the workflow sees it: a status plus what the effects write."""

    def __init__(self, status: str = PROPOSED):
        self.status = status
        self.interview_at = None
        self.start_date = None
        self.closed_reason = None

    def snapshot(self) -> dict:
        return dict(vars(self))


def passing(role: str = "staff", **overrides) -> PlacementFacts:
    """Facts under which every placement guard holds."""
    values = {
        "role": role,
        "interview_at": INTERVIEW_AT,
        "start_date": START,
        "reason": REASON,
        "seats_left": 1,
        "now": NOW,
        "recorded_interview_at": INTERVIEW_AT,
        "other_secured": 0,
    }
    values.update(overrides)
    return PlacementFacts(**values)


def spec_id(spec) -> str:
    return f"{spec.trigger}:{spec.source}->{spec.dest}"


# What each effect may write on the row; anything else must stay as it was.
EFFECT_WRITES = {
    "set_interview": {"interview_at"},
    "set_start_date": {"start_date"},
    "record_reason": {"closed_reason"},
}

# The whole graph, written out by hand: (trigger, source, dest).
EXPECTED_EDGES = {
    ("schedule_interview", PROPOSED, INTERVIEW),
    ("record_interview", INTERVIEW, INTERVIEW),
    ("make_offer", INTERVIEW, OFFER),
    ("confirm_start_date", OFFER, OFFER),
    ("confirm_start_date", ACCEPTED, ACCEPTED),
    ("accept", OFFER, ACCEPTED),
    ("start", ACCEPTED, STARTED),
    ("decline", PROPOSED, DECLINED),
    ("decline", INTERVIEW, DECLINED),
    ("decline", OFFER, DECLINED),
    ("withdraw", PROPOSED, WITHDRAWN),
    ("withdraw", INTERVIEW, WITHDRAWN),
    ("withdraw", OFFER, WITHDRAWN),
    ("withdraw", ACCEPTED, WITHDRAWN),
}


def test_definition_is_the_documented_graph():
    assert {(s.trigger, s.source, s.dest) for s in PLACEMENT.specs} == EXPECTED_EDGES
    assert {(t, s, d) for s, d, t in PLACEMENT.edges()} == EXPECTED_EDGES
    assert PLACEMENT.initial == PROPOSED
    assert set(PLACEMENT.states) == set(STATUSES)
    groups = (OPEN_STATUSES, SECURED_STATUSES, CLOSED_STATUSES)
    assert sorted(s for group in groups for s in group) == sorted(STATUSES)  # a partition


# The company's own steps; the desk takes every step.
COMPANY_STEPS = {
    "schedule_interview", "record_interview", "make_offer", "confirm_start_date", "decline"
}  # fmt: skip


def test_the_desk_fires_every_step_and_a_company_its_own():
    for spec in PLACEMENT.specs:
        expected = {"staff", "company"} if spec.trigger in COMPANY_STEPS else {"staff"}
        assert spec.roles == expected, spec.trigger


# -- 1. every allowed transition ------------------------------------------------------------


ALLOWED = [
    pytest.param(spec, role, id=f"{spec_id(spec)}:{role}")
    for spec in PLACEMENT.specs
    for role in sorted(spec.roles)
]


def test_allowed_list_covers_every_spec():
    assert len(PLACEMENT.specs) == 14
    # 8 steps for the desk and the company (decline from 3 statuses, the start date in 2),
    # 6 for the desk alone (accept, start, withdraw from 4 statuses).
    assert len(ALLOWED) == 8 * 2 + 6 == 22


@pytest.mark.parametrize(("spec", "role"), ALLOWED)
def test_every_allowed_transition(spec, role):
    row, facts = Row(spec.source), passing(role)
    before = row.snapshot()
    # an automatic step (start) is taken as the service's follow-up of confirm_placement
    follow_up = spec.automatic
    assert PLACEMENT.check(spec.trigger, spec.source, role, facts, follow_up=follow_up) is spec
    assert row.snapshot() == before  # check() alone changes nothing
    assert PLACEMENT.fire(row, spec.trigger, role, facts, follow_up=follow_up) is spec
    assert row.status == spec.dest
    after = row.snapshot()
    changed = {key for key in after if after[key] != before[key]}
    writable = {"status"}.union(*(EFFECT_WRITES[name] for name in spec.effects))
    # A step that stays in its status (recording the interview, the start date) records
    # what its effect writes; every other one moves the status.
    assert ("status" in changed) is (spec.dest != spec.source)
    assert changed and changed <= writable


def test_happy_path_proposed_to_started():
    row = Row()
    for trigger, dest in [
        ("schedule_interview", INTERVIEW),
        ("make_offer", OFFER),
        ("accept", ACCEPTED),
        ("start", STARTED),
    ]:
        PLACEMENT.fire(row, trigger, "staff", passing(), follow_up=trigger == "start")
        assert row.status == dest
    assert (row.interview_at, row.start_date, row.closed_reason) == (INTERVIEW_AT, START, None)


# -- 2. every refused transition ------------------------------------------------------------


NOT_FROM_STATE = [
    pytest.param(trigger, status, role, id=f"{trigger}:{status}:{role}")
    for trigger in TRIGGERS
    for status in STATUSES
    if PLACEMENT.specs_for(trigger, status) == []
    for role in ROLES
]


def test_refused_pairs_are_exactly_the_pairs_missing_from_the_definition():
    defined = {(s.trigger, s.source) for s in PLACEMENT.specs}
    refused = {(p.values[0], p.values[1]) for p in NOT_FROM_STATE}
    everything = {(t, s) for t in TRIGGERS for s in STATUSES}
    assert len(defined) == 14
    assert refused == everything - defined
    assert len(refused) == len(TRIGGERS) * len(STATUSES) - 14 == 8 * 7 - 14


@pytest.mark.parametrize(("trigger", "status", "role"), NOT_FROM_STATE)
def test_not_allowed_from_status(trigger, status, role):
    row = Row(status)
    before = row.snapshot()
    with pytest.raises(NotAllowedFromState) as raised:
        PLACEMENT.fire(row, trigger, role, passing(role))
    assert [r.code for r in raised.value.refusals] == ["invalid_from_state"]
    assert raised.value.refusals[0].params == {"trigger": trigger, "state": status}
    assert row.snapshot() == before


WRONG_ROLE = [
    pytest.param(spec, role, id=f"{spec_id(spec)}:{role}")
    for spec in PLACEMENT.specs
    for role in ROLES
    if role not in spec.roles
]


def test_wrong_roles_are_every_role_a_spec_does_not_name():
    assert len(WRONG_ROLE) == sum(len(ROLES) - len(spec.roles) for spec in PLACEMENT.specs)
    assert len(WRONG_ROLE) == 8 * 3 + 6 * 4
    assert {p.values[1] for p in WRONG_ROLE} == {"mentor", "candidate", "company", "partner"}
    assert {p.values[1] for p in WRONG_ROLE if p.values[0].trigger in COMPANY_STEPS} == {
        "mentor", "candidate", "partner"
    }  # fmt: skip


@pytest.mark.parametrize(("spec", "role"), WRONG_ROLE)
def test_role_not_allowed(spec, role):
    row = Row(spec.source)
    before = row.snapshot()
    with pytest.raises(RoleNotAllowed) as raised:
        PLACEMENT.fire(row, spec.trigger, role, passing(role))
    assert [r.code for r in raised.value.refusals] == ["role"]
    assert raised.value.refusals[0].params == {"trigger": spec.trigger, "role": role}
    assert row.snapshot() == before


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("status", STATUSES)
@pytest.mark.parametrize("trigger", ["hire", "confirm_placement", "Accept", ""])
def test_unknown_trigger(trigger, status, role):
    row = Row(status)
    before = row.snapshot()
    with pytest.raises(UnknownTrigger) as raised:
        PLACEMENT.fire(row, trigger, role, passing(role))
    assert [r.code for r in raised.value.refusals] == ["unknown_trigger"]
    assert row.snapshot() == before


def test_facts_for_another_role_are_a_programming_error():
    with pytest.raises(ValueError):
        PLACEMENT.fire(Row(), "schedule_interview", "staff", passing("mentor"))


# -- 3. every guard, alone ------------------------------------------------------------------


def test_interview_planned():
    assert interview_planned(passing()) is None
    assert interview_planned(passing(interview_at=None)).code == "no_interview_date"


def test_interview_in_past():
    assert interview_in_past(passing()) is None  # two days ago
    assert interview_in_past(passing(interview_at=NOW)) is None  # just now
    assert interview_in_past(passing(interview_at=NOW + timedelta(minutes=1))).code == (
        "interview_in_future"
    )


def test_start_date_given():
    assert start_date_given(passing()) is None
    assert start_date_given(passing(start_date=None)).code == "no_start_date"


@pytest.mark.parametrize(("seats", "ok"), [(5, True), (1, True), (0, False), (-1, False)])
def test_seat_free(seats, ok):
    refusal = seat_free(passing(seats_left=seats))
    assert (refusal is None) is ok
    if not ok:
        assert refusal.code == "no_seat_left"


@pytest.mark.parametrize(
    ("reason", "code"),
    [("", "reason_missing"), ("   ", "reason_missing"), ("\t\n", "reason_missing"),
     ("Declined the salary", None), ("  x ", None)],
)  # fmt: skip
def test_reason_given(reason, code):
    refusal = reason_given(passing(reason=reason))
    assert (refusal and refusal.code) == code


# Facts that break exactly one guard, and the code it must refuse with.
BREAK = {
    "interview_planned": ({"interview_at": None}, "no_interview_date"),
    "interview_held": ({"recorded_interview_at": NOW + timedelta(hours=1)}, "interview_not_held"),
    "interview_in_past": ({"interview_at": NOW + timedelta(hours=1)}, "interview_in_future"),
    "start_date_given": ({"start_date": None}, "no_start_date"),
    "no_other_secured": ({"other_secured": 1}, "other_placement_secured"),
    "seat_free": ({"seats_left": 0}, "no_seat_left"),
    "reason_given": ({"reason": " \t "}, "reason_missing"),
}

GUARDED = [
    pytest.param(spec, guard.name, role, id=f"{spec_id(spec)}:{guard.name}:{role}")
    for spec in PLACEMENT.specs
    for guard in spec.guards
    for role in sorted(spec.roles)
]


def test_every_guard_is_used_and_broken():
    assert set(BREAK) == set(GUARDS)
    assert {p.values[1] for p in GUARDED} == set(GUARDS)
    guarded = {(p.values[0].trigger, p.values[0].source): set() for p in GUARDED}
    for p in GUARDED:
        guarded[(p.values[0].trigger, p.values[0].source)].add(p.values[1])
    assert guarded[("schedule_interview", PROPOSED)] == {"interview_planned"}
    assert guarded[("record_interview", INTERVIEW)] == {"interview_planned", "interview_in_past"}
    assert guarded[("make_offer", INTERVIEW)] == {"interview_held"}
    assert guarded[("confirm_start_date", OFFER)] == {"start_date_given"}
    assert guarded[("confirm_start_date", ACCEPTED)] == {"start_date_given"}
    assert guarded[("accept", OFFER)] == {"start_date_given", "seat_free", "no_other_secured"}
    assert ("start", ACCEPTED) not in guarded


@pytest.mark.parametrize("name", list(GUARDS))
def test_each_break_fails_only_its_own_guard(name):
    overrides, code = BREAK[name]
    assert GUARDS[name].check(passing()) is None
    for other, guard in GUARDS.items():
        if other != name:
            assert guard.check(passing(**overrides)) is None, other
    assert GUARDS[name].check(passing(**overrides)).code == code


@pytest.mark.parametrize(("spec", "guard", "role"), GUARDED)
def test_each_guard_alone_refuses_through_fire(spec, guard, role):
    overrides, code = BREAK[guard]
    row = Row(spec.source)
    before = row.snapshot()
    with pytest.raises(GuardFailed) as raised:
        PLACEMENT.fire(row, spec.trigger, role, passing(role, **overrides))
    assert [r.code for r in raised.value.refusals] == [code]
    assert row.snapshot() == before


def test_accept_reports_both_missing_start_and_full_project():
    with pytest.raises(GuardFailed) as raised:
        PLACEMENT.fire(Row(OFFER), "accept", "staff", passing(start_date=None, seats_left=0))
    assert [r.code for r in raised.value.refusals] == ["no_start_date", "no_seat_left"]


def test_unguarded_start_needs_nothing():
    facts = PlacementFacts(role="staff", seats_left=0)  # no date, no reason, no seat
    row = Row(ACCEPTED)
    PLACEMENT.fire(row, "start", "staff", facts, follow_up=True)
    assert row.status == STARTED


def test_an_offer_needs_only_the_interview_behind_it():
    facts = PlacementFacts(role="staff", seats_left=0, now=NOW, recorded_interview_at=INTERVIEW_AT)
    row = Row(INTERVIEW)
    PLACEMENT.fire(row, "make_offer", "staff", facts)
    assert row.status == OFFER


# -- the interview comes before the offer; start follows the onboarding ----------------------


@pytest.mark.parametrize(
    ("interview_at", "now", "over"),
    [
        (None, NOW, True),  # nothing planned: nothing to wait for
        (INTERVIEW_AT, NOW, True),
        (NOW, NOW, True),  # the interview moment itself counts as taken place
        (NOW + timedelta(minutes=1), NOW, False),
        (INTERVIEW_AT, None, False),  # an unknown "now" is never after the interview
    ],
)
def test_interview_over(interview_at, now, over):
    assert interview_over(interview_at, now) is over


@pytest.mark.parametrize(
    ("recorded", "now", "code"),
    [
        (INTERVIEW_AT, NOW, None),
        (NOW, NOW, None),
        (NOW + timedelta(days=3), NOW, "interview_not_held"),
        (None, NOW, "interview_not_held"),  # an interview step without a time has none behind it
        (INTERVIEW_AT, None, "interview_not_held"),
    ],
)
def test_interview_held(recorded, now, code):
    refusal = interview_held(passing(recorded_interview_at=recorded, now=now))
    assert (refusal and refusal.code) == code


def test_no_offer_before_the_interview():
    row = Row(INTERVIEW)
    row.interview_at = NOW + timedelta(days=2)
    before = row.snapshot()
    with pytest.raises(GuardFailed) as raised:
        PLACEMENT.fire(row, "make_offer", "staff", passing(recorded_interview_at=row.interview_at))
    assert [r.code for r in raised.value.refusals] == ["interview_not_held"]
    assert row.snapshot() == before


@pytest.mark.parametrize(("others", "code"), [(0, None), (1, "other_placement_secured")])
def test_no_other_secured(others, code):
    refusal = no_other_secured(passing(other_secured=others))
    assert (refusal and refusal.code) == code


def test_start_is_never_a_step_of_its_own():
    """The placement starts as the follow-up of the onboarding's confirm_placement only."""
    (spec,) = [s for s in PLACEMENT.specs if s.trigger == "start"]
    assert spec.automatic is True
    assert [s.trigger for s in PLACEMENT.specs if s.automatic] == ["start"]
    assert PLACEMENT.available(ACCEPTED, "staff") == ["confirm_start_date", "withdraw"]
    assert PLACEMENT.available(ACCEPTED, "company") == ["confirm_start_date"]
    row = Row(ACCEPTED)
    before = row.snapshot()
    with pytest.raises(FollowUpOnly) as raised:
        PLACEMENT.fire(row, "start", "staff", passing())
    assert [r.code for r in raised.value.refusals] == ["follow_up_only"]
    assert row.snapshot() == before
    PLACEMENT.fire(row, "start", "staff", passing(), follow_up=True)
    assert row.status == STARTED


# -- 4. effects -----------------------------------------------------------------------------


def test_schedule_interview_sets_the_interview_time():
    row = Row()
    PLACEMENT.fire(row, "schedule_interview", "staff", passing())
    assert row.interview_at == INTERVIEW_AT
    assert (row.start_date, row.closed_reason) == (None, None)


def test_recording_the_interview_keeps_the_status_and_sets_when_it_took_place():
    row = Row(INTERVIEW)
    held = NOW - timedelta(hours=2)
    PLACEMENT.fire(row, "record_interview", "company", passing("company", interview_at=held))
    assert (row.status, row.interview_at) == (INTERVIEW, held)
    with pytest.raises(GuardFailed) as raised:  # not ahead of now
        PLACEMENT.fire(
            row,
            "record_interview",
            "company",
            passing("company", interview_at=NOW + timedelta(days=1)),
        )
    assert [r.code for r in raised.value.refusals] == ["interview_in_future"]
    assert row.interview_at == held


@pytest.mark.parametrize("status", [OFFER, ACCEPTED])
def test_confirming_the_start_date_keeps_the_status(status):
    row = Row(status)
    PLACEMENT.fire(row, "confirm_start_date", "company", passing("company", start_date=START))
    assert (row.status, row.start_date) == (status, START)


def test_accept_sets_the_start_date():
    row = Row(OFFER)
    PLACEMENT.fire(row, "accept", "staff", passing(start_date=date(2027, 1, 4)))
    assert row.start_date == date(2027, 1, 4)


@pytest.mark.parametrize("trigger", ["decline", "withdraw"])
@pytest.mark.parametrize("status", OPEN_STATUSES)
def test_closing_records_the_stripped_reason(trigger, status):
    row = Row(status)
    PLACEMENT.fire(row, trigger, "staff", passing(reason="  Chose another offer \n"))
    assert row.closed_reason == "Chose another offer"
    assert row.status in CLOSED_STATUSES


def test_withdrawing_an_accepted_placement_keeps_its_dates():
    row = Row(OFFER)
    PLACEMENT.fire(row, "accept", "staff", passing())
    PLACEMENT.fire(row, "withdraw", "staff", passing(reason="Visa refused"))
    assert (row.status, row.start_date, row.closed_reason) == (WITHDRAWN, START, "Visa refused")


def test_accepted_cannot_be_declined_only_withdrawn():
    assert PLACEMENT.triggers_from(ACCEPTED) == ["confirm_start_date", "start", "withdraw"]
    with pytest.raises(NotAllowedFromState):
        PLACEMENT.fire(Row(ACCEPTED), "decline", "staff", passing())


# -- 5. terminal states ---------------------------------------------------------------------


@pytest.mark.parametrize("status", [STARTED, DECLINED, WITHDRAWN])
def test_terminal_states_have_no_way_out(status):
    assert PLACEMENT.triggers_from(status) == []
    assert [e for e in PLACEMENT.edges() if e[0] == status] == []
    for role in ROLES:
        assert PLACEMENT.available(status, role) == []
    for trigger in TRIGGERS:
        with pytest.raises(NotAllowedFromState):
            PLACEMENT.fire(Row(status), trigger, "staff", passing())


@pytest.mark.parametrize("status", [PROPOSED, INTERVIEW, OFFER, ACCEPTED])
def test_non_terminal_states_offer_the_desk_a_way_on(status):
    assert PLACEMENT.available(status, "staff") != []
    assert PLACEMENT.available(status, "mentor") == []
    assert PLACEMENT.available(status, "candidate") == []


def test_every_status_is_reachable_from_proposed():
    reached, frontier = {PROPOSED}, [PROPOSED]
    while frontier:
        status = frontier.pop()
        for source, dest, _trigger in PLACEMENT.edges():
            if source == status and dest not in reached:
                reached.add(dest)
                frontier.append(dest)
    assert reached == set(STATUSES)
