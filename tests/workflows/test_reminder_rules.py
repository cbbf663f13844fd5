"""Reminder rules as data: when each rule fires, when it stops, and the table's integrity.

Everything runs on plain `ReminderFacts` with an injected `now`; no Flask, no database and
never the real clock.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import pytest

from workflows.onboarding import (
    ACTIVE_PHASES,
    COMPANY_PLACEMENT,
    LANGUAGE_IMMERSION,
    MENTORING,
    ON_HOLD,
    OUTREACH,
    PHASES,
    PLACED,
    WITHDRAWN,
)
from workflows.reminders import (
    ANCHORS,
    ITEM_ANCHORS,
    PHASE_LIMIT_DAYS,
    RULES,
    RULES_BY_KEY,
    STOPS,
    PlannedReminder,
    ReminderFacts,
    due_time,
    is_expired,
    local_morning,
    plan,
    stuck_since,
)

# A fixed "now" well before every date used below, so nothing is overtaken unless a test
# moves the clock on purpose.
EARLY = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
PERMIT_VALID_UNTIL = date(2026, 12, 31)
# For the tests of the other rules: no permit or card on file (no expiry reminders).
NO_PERMIT = {"permit_expiries": ()}
ENTERED = date(2026, 12, 1)
IMMERSION_END = date(2027, 3, 1)
MENTORING_START = date(2027, 1, 4)
LAST_MEETING = date(2027, 2, 1)
INTERVIEW = datetime(2027, 5, 12, 13, 30, tzinfo=UTC)
PLACEMENT_START = date(2027, 6, 1)

INACTIVE_PHASES = (PLACED, ON_HOLD, WITHDRAWN)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def facts(phase: str, **overrides) -> ReminderFacts:
    """Facts for `phase` with every anchor filled in, so only the phase decides what fires."""
    values = {
        "phase": phase,
        "phase_entered_on": ENTERED,
        "immersion_planned_end": IMMERSION_END,
        "passed_dutch_target": False,
        "last_meeting_on": LAST_MEETING,
        "mentoring_started_on": MENTORING_START,
        "next_interview_at": INTERVIEW,
        "placement_start": PLACEMENT_START,
        "permit_expiries": (("residence_card", PERMIT_VALID_UNTIL),),
    }
    values.update(overrides)
    return ReminderFacts(**values)


def planned_for(reminders: list[PlannedReminder], rule: str) -> list[PlannedReminder]:
    return [r for r in reminders if r.rule == rule]


def only(reminders: list[PlannedReminder], rule: str) -> PlannedReminder:
    matching = planned_for(reminders, rule)
    assert len(matching) == 1, matching
    return matching[0]


def rule_keys(reminders: list[PlannedReminder]) -> set[str]:
    return {r.rule for r in reminders}


def rules_in(phase: str) -> set[str]:
    return {rule.key for rule in RULES if phase in rule.phases}


# -- 1. each rule fires at the right moment ------------------------------------------------


@pytest.mark.parametrize(
    ("planned_end", "expected_due"),
    [
        # winter (CET, UTC+1): 09:00 local is 08:00 UTC
        (date(2027, 1, 20), utc(2027, 1, 6, 8, 0)),
        # summer (CEST, UTC+2): 09:00 local is 07:00 UTC
        (date(2027, 7, 20), utc(2027, 7, 6, 7, 0)),
        # end in summer time, reminder still in winter time: the offset is taken on the
        # calendar day first, then converted with the offset valid on that day
        (date(2027, 4, 5), utc(2027, 3, 22, 8, 0)),
        # end in winter time, reminder still in summer time
        (date(2027, 11, 5), utc(2027, 10, 22, 7, 0)),
    ],
)
def test_book_assessment_fires_14_days_before_planned_end_at_9_brussels(planned_end, expected_due):
    reminders = plan(facts(LANGUAGE_IMMERSION, immersion_planned_end=planned_end), EARLY)

    reminder = only(reminders, "book_assessment")
    assert reminder.audience == "candidate"
    assert reminder.due_at == expected_due
    assert reminder.due_at.tzinfo is not None
    assert reminder.due_at.utcoffset() == timedelta(0)
    assert reminder.essential is True
    assert reminder.occurrence == 1
    assert reminder.anchor == planned_end


@pytest.mark.parametrize(
    "interview",
    [
        utc(2027, 1, 14, 10, 0),  # winter
        utc(2027, 7, 14, 14, 45),  # summer
        utc(2027, 3, 28, 8, 0),  # the day after the spring DST change: still exactly 24h
        utc(2027, 10, 31, 8, 0),  # the day of the autumn DST change
    ],
)
def test_interview_tomorrow_fires_exactly_one_day_before(interview):
    reminders = plan(facts(COMPANY_PLACEMENT, next_interview_at=interview), EARLY)

    reminder = only(reminders, "interview_tomorrow")
    assert reminder.audience == "candidate"
    assert reminder.due_at == interview - timedelta(days=1)
    assert reminder.essential is True
    assert reminder.anchor == interview


def test_interview_given_in_another_timezone_is_planned_in_utc():
    brussels_noon = datetime.fromisoformat("2027-07-14T12:00:00+02:00")

    reminder = only(
        plan(facts(COMPANY_PLACEMENT, next_interview_at=brussels_noon), EARLY),
        "interview_tomorrow",
    )

    assert reminder.due_at == utc(2027, 7, 13, 10, 0)
    assert reminder.due_at.utcoffset() == timedelta(0)


@pytest.mark.parametrize(
    ("start", "checkin_30", "checkin_90"),
    [
        # 2027-01-10 + 30 = 2027-02-09 (CET); + 90 = 2027-04-10 (CEST)
        (date(2027, 1, 10), utc(2027, 2, 9, 8, 0), utc(2027, 4, 10, 7, 0)),
        # 2027-06-01 + 30 = 2027-07-01 (CEST); + 90 = 2027-08-30 (CEST)
        (date(2027, 6, 1), utc(2027, 7, 1, 7, 0), utc(2027, 8, 30, 7, 0)),
        # 2027-09-15 + 30 = 2027-10-15 (CEST); + 90 = 2027-12-14 (CET)
        (date(2027, 9, 15), utc(2027, 10, 15, 7, 0), utc(2027, 12, 14, 8, 0)),
    ],
)
def test_checkins_fire_30_and_90_days_after_placement_start(start, checkin_30, checkin_90):
    reminders = plan(facts(PLACED, placement_start=start), EARLY)

    first = only(reminders, "checkin_30")
    second = only(reminders, "checkin_90")
    assert first.due_at == checkin_30 == local_morning(start + timedelta(days=30))
    assert second.due_at == checkin_90 == local_morning(start + timedelta(days=90))
    for reminder in (first, second):
        assert reminder.audience == "candidate"
        assert reminder.essential is False
        assert reminder.anchor == start


@pytest.mark.parametrize("phase", [MENTORING, COMPANY_PLACEMENT])
@pytest.mark.parametrize(
    ("rule", "audience", "days", "essential"),
    [
        ("mentor_meeting_due", "mentor", 21, False),
        ("mentor_meeting_escalation", "desk", 42, True),
    ],
)
class TestMentorMeetingRules:
    def test_anchored_on_last_meeting(self, phase, rule, audience, days, essential):
        meeting = date(2027, 2, 1)

        reminder = only(plan(facts(phase, last_meeting_on=meeting), EARLY), rule)

        assert reminder.audience == audience
        assert reminder.essential is essential
        assert reminder.anchor == meeting
        assert reminder.due_at == local_morning(meeting + timedelta(days=days))

    def test_falls_back_to_mentoring_start_without_a_meeting(
        self, phase, rule, audience, days, essential
    ):
        started = date(2027, 1, 4)

        reminder = only(
            plan(facts(phase, last_meeting_on=None, mentoring_started_on=started), EARLY),
            rule,
        )

        assert reminder.audience == audience
        assert reminder.anchor == started
        assert reminder.due_at == local_morning(started + timedelta(days=days))

    def test_last_meeting_wins_over_mentoring_start(self, phase, rule, audience, days, essential):
        started, meeting = date(2027, 1, 4), date(2027, 3, 15)

        reminder = only(
            plan(facts(phase, last_meeting_on=meeting, mentoring_started_on=started), EARLY),
            rule,
        )

        assert reminder.anchor == meeting
        assert reminder.due_at == local_morning(meeting + timedelta(days=days))

    def test_nothing_without_meeting_or_mentoring_start(
        self, phase, rule, audience, days, essential
    ):
        reminders = plan(facts(phase, last_meeting_on=None, mentoring_started_on=None), EARLY)

        assert planned_for(reminders, rule) == []


def test_mentor_meeting_due_exact_utc_values():
    # 2027-02-01 + 21 = 2027-02-22 (CET); + 42 = 2027-03-15 (CET)
    reminders = plan(facts(MENTORING, last_meeting_on=date(2027, 2, 1)), EARLY)

    assert only(reminders, "mentor_meeting_due").due_at == utc(2027, 2, 22, 8, 0)
    assert only(reminders, "mentor_meeting_escalation").due_at == utc(2027, 3, 15, 8, 0)


OUTREACH_START = date(2027, 2, 1)
FOLLOW_UP_DUES = [
    utc(2027, 2, 8, 8, 0),  # D + 7
    utc(2027, 2, 15, 8, 0),  # D + 14
    utc(2027, 2, 22, 8, 0),  # D + 21
]


def outreach_follow_ups(now: datetime) -> list[PlannedReminder]:
    return planned_for(
        plan(facts(OUTREACH, phase_entered_on=OUTREACH_START), now), "outreach_follow_up"
    )


def test_outreach_follow_up_weekly_three_times():
    reminders = outreach_follow_ups(EARLY)

    assert [r.occurrence for r in reminders] == [1, 2, 3]
    assert [r.due_at for r in reminders] == FOLLOW_UP_DUES
    assert [r.due_at for r in reminders] == [
        local_morning(OUTREACH_START + timedelta(days=days)) for days in (7, 14, 21)
    ]
    for reminder in reminders:
        assert reminder.audience == "desk"
        assert reminder.essential is True
        assert reminder.anchor == OUTREACH_START


@pytest.mark.parametrize(
    "now",
    [
        EARLY,
        utc(2027, 2, 10),
        utc(2027, 2, 16),
        utc(2027, 2, 23),
        utc(2027, 3, 1),
        utc(2027, 12, 31),
        utc(2030, 1, 1),
    ],
)
def test_outreach_follow_up_never_has_a_fourth_occurrence(now):
    reminders = outreach_follow_ups(now)

    assert all(1 <= r.occurrence <= 3 for r in reminders)
    assert all(r.due_at <= FOLLOW_UP_DUES[-1] for r in reminders)
    assert len({r.occurrence for r in reminders}) == len(reminders)


@pytest.mark.parametrize(
    ("now", "occurrences"),
    [
        # nothing due yet
        (utc(2027, 2, 8, 7, 59), [1, 2, 3]),
        # occurrence 1 due, not yet overtaken by a later past occurrence
        (utc(2027, 2, 8, 8, 0), [1, 2, 3]),
        (utc(2027, 2, 15, 7, 59), [1, 2, 3]),
        # occurrence 2 has come due: occurrence 1 is overtaken and left out
        (utc(2027, 2, 15, 8, 0), [2, 3]),
        (utc(2027, 2, 20, 12, 0), [2, 3]),
        # occurrence 3 has come due: only it remains
        (utc(2027, 2, 22, 8, 0), [3]),
    ],
)
def test_outreach_follow_up_drops_overtaken_occurrences(now, occurrences):
    """Only occurrences overtaken by a *later past* occurrence are omitted."""
    reminders = outreach_follow_ups(now)

    assert [r.occurrence for r in reminders] == occurrences
    assert [r.due_at for r in reminders] == [FOLLOW_UP_DUES[n - 1] for n in occurrences]


@pytest.mark.parametrize(
    "now",
    # up to the rule's grace period (7 days) after the last occurrence was due
    [utc(2027, 2, 22, 8, 0), utc(2027, 2, 22, 8, 1), utc(2027, 3, 1), utc(2027, 3, 1, 8, 0)],
)
def test_outreach_follow_up_keeps_the_last_occurrence_while_within_its_grace(now):
    reminders = outreach_follow_ups(now)

    assert [r.occurrence for r in reminders] == [3]
    assert reminders[0].due_at == FOLLOW_UP_DUES[2]
    assert reminders[0].due_at <= now


@pytest.mark.parametrize("now", [utc(2027, 3, 1, 8, 1), utc(2028, 6, 1)])
def test_outreach_follow_up_past_its_grace_is_not_planned(now):
    # Until this change the last follow-up stayed planned for ever (2028-06-01 included),
    # so the first dispatcher tick after a long pause sent it months late.
    assert outreach_follow_ups(now) == []
    (expired,) = planned_for(
        plan(facts(OUTREACH, phase_entered_on=OUTREACH_START), now, include_expired=True),
        "outreach_follow_up",
    )
    assert (expired.occurrence, expired.due_at, expired.expired) == (3, FOLLOW_UP_DUES[2], True)


@pytest.mark.parametrize(
    ("planned_end", "expected_due"),
    [
        (date(2027, 1, 20), utc(2027, 1, 21, 8, 0)),  # winter
        (date(2027, 7, 20), utc(2027, 7, 21, 7, 0)),  # summer
        (date(2027, 3, 27), utc(2027, 3, 28, 7, 0)),  # lands on the spring DST Sunday
        (date(2027, 10, 30), utc(2027, 10, 31, 8, 0)),  # lands on the autumn DST Sunday
    ],
)
def test_immersion_overdue_fires_the_day_after_planned_end(planned_end, expected_due):
    reminders = plan(facts(LANGUAGE_IMMERSION, immersion_planned_end=planned_end), EARLY)

    reminder = only(reminders, "immersion_overdue")
    assert reminder.audience == "desk"
    assert reminder.due_at == expected_due
    assert reminder.essential is True
    assert reminder.anchor == planned_end


@pytest.mark.parametrize("phase", ACTIVE_PHASES)
def test_stuck_in_phase_fires_at_the_phase_limit(phase):
    entered = date(2027, 1, 10)

    reminder = only(plan(facts(phase, phase_entered_on=entered), EARLY), "stuck_in_phase")

    assert reminder.audience == "desk"
    assert reminder.essential is True
    assert reminder.anchor == entered
    assert reminder.due_at == local_morning(entered + timedelta(days=PHASE_LIMIT_DAYS[phase]))


def test_stuck_in_phase_exact_utc_values():
    entered = date(2027, 1, 10)
    expected = {
        OUTREACH: utc(2027, 2, 9, 8, 0),  # + 30
        LANGUAGE_IMMERSION: utc(2027, 4, 20, 7, 0),  # + 100, summer time
        MENTORING: utc(2027, 5, 10, 7, 0),  # + 120
        COMPANY_PLACEMENT: utc(2027, 3, 11, 8, 0),  # + 60
    }
    for phase, due in expected.items():
        reminder = only(plan(facts(phase, phase_entered_on=entered), EARLY), "stuck_in_phase")
        assert reminder.due_at == due, phase


@pytest.mark.parametrize("phase", INACTIVE_PHASES)
def test_stuck_in_phase_not_planned_outside_active_phases(phase):
    assert planned_for(plan(facts(phase), EARLY), "stuck_in_phase") == []


# -- what each phase plans -----------------------------------------------------------------

# A permit's expiry is reminded of in every phase but on hold and withdrawn; the company
# hears of it once the candidate is placed.
PERMIT = {"permit_expiry", "permit_expiry_desk"}
EXPECTED_RULES = {
    OUTREACH: {"outreach_follow_up", "stuck_in_phase", *PERMIT},
    LANGUAGE_IMMERSION: {"book_assessment", "immersion_overdue", "stuck_in_phase", *PERMIT},
    # Interviews can be planned while still in mentoring (proposed from a project match).
    MENTORING: {
        "interview_tomorrow",
        "mentor_meeting_due",
        "mentor_meeting_escalation",
        "stuck_in_phase",
        *PERMIT,
    },
    COMPANY_PLACEMENT: {
        "interview_tomorrow",
        "mentor_meeting_due",
        "mentor_meeting_escalation",
        "stuck_in_phase",
        *PERMIT,
    },
    # The candidate and the company's contacts are both asked.
    PLACED: {
        "checkin_30",
        "checkin_90",
        "company_checkin_30",
        "company_checkin_90",
        *PERMIT,
        "permit_expiry_company",
    },
    ON_HOLD: set(),
    WITHDRAWN: set(),
}


def test_expected_rules_cover_every_phase():
    assert set(EXPECTED_RULES) == set(PHASES)


@pytest.mark.parametrize("phase", PHASES)
def test_each_phase_plans_exactly_its_rules(phase):
    """With every anchor filled in, the phase alone decides which rules are planned."""
    reminders = plan(facts(phase), EARLY)

    assert rule_keys(reminders) == EXPECTED_RULES[phase]
    assert rules_in(phase) == EXPECTED_RULES[phase]


# -- 2. each rule stops when it should -----------------------------------------------------


@pytest.mark.parametrize("rule", [rule.key for rule in RULES])
@pytest.mark.parametrize("phase", PHASES)
def test_leaving_the_phase_removes_the_rule(rule, phase):
    """The same facts in a phase the rule does not live in: the rule is not planned."""
    reminders = plan(facts(phase), EARLY)

    if phase in RULES_BY_KEY[rule].phases:
        assert planned_for(reminders, rule), f"{rule} should be planned in {phase}"
    else:
        assert planned_for(reminders, rule) == [], f"{rule} must not be planned in {phase}"


@pytest.mark.parametrize(
    ("before", "after", "gone"),
    [
        (LANGUAGE_IMMERSION, MENTORING, {"book_assessment", "immersion_overdue"}),
        (OUTREACH, LANGUAGE_IMMERSION, {"outreach_follow_up"}),
        (COMPANY_PLACEMENT, PLACED, {"interview_tomorrow", "mentor_meeting_due"}),
        (COMPANY_PLACEMENT, PLACED, {"mentor_meeting_escalation", "stuck_in_phase"}),
        (MENTORING, ON_HOLD, {"mentor_meeting_due", "mentor_meeting_escalation"}),
        (PLACED, WITHDRAWN, {"checkin_30", "checkin_90"}),
    ],
)
def test_phase_change_cancels_the_old_phases_reminders(before, after, gone):
    assert gone <= rule_keys(plan(facts(before), EARLY))
    assert not gone & rule_keys(plan(facts(after), EARLY))


def test_passing_dutch_removes_book_assessment_and_immersion_overdue_only():
    before = plan(facts(LANGUAGE_IMMERSION, passed_dutch_target=False, **NO_PERMIT), EARLY)
    after = plan(facts(LANGUAGE_IMMERSION, passed_dutch_target=True, **NO_PERMIT), EARLY)

    assert {"book_assessment", "immersion_overdue"} <= rule_keys(before)
    assert rule_keys(after) == rule_keys(before) - {"book_assessment", "immersion_overdue"}
    assert rule_keys(after) == {"stuck_in_phase"}
    # what stays is untouched
    assert planned_for(after, "stuck_in_phase") == planned_for(before, "stuck_in_phase")


@pytest.mark.parametrize("phase", PHASES)
def test_passing_dutch_changes_nothing_else_in_any_phase(phase):
    before = plan(facts(phase, passed_dutch_target=False), EARLY)
    after = plan(facts(phase, passed_dutch_target=True), EARLY)

    stopped = {"book_assessment", "immersion_overdue"}
    assert [r for r in before if r.rule not in stopped] == after


def test_only_the_dutch_rules_stop_on_the_dutch_target():
    assert {rule.key for rule in RULES if rule.stop_when == "dutch_target_passed"} == {
        "book_assessment",
        "immersion_overdue",
    }


@pytest.mark.parametrize("phase", [MENTORING, COMPANY_PLACEMENT])
def test_newer_meeting_reschedules_mentor_reminders_later(phase):
    older, newer = date(2027, 2, 1), date(2027, 2, 20)
    before = plan(facts(phase, last_meeting_on=older), EARLY)
    after = plan(facts(phase, last_meeting_on=newer), EARLY)

    for rule, days in (("mentor_meeting_due", 21), ("mentor_meeting_escalation", 42)):
        old, new = only(before, rule), only(after, rule)
        assert new.due_at > old.due_at
        assert old.due_at == local_morning(older + timedelta(days=days))
        assert new.due_at == local_morning(newer + timedelta(days=days))
        assert new.anchor == newer
        assert new.occurrence == 1  # moved, not duplicated
    # the other reminders are unaffected
    others = {"mentor_meeting_due", "mentor_meeting_escalation"}
    assert [r for r in before if r.rule not in others] == [r for r in after if r.rule not in others]


@pytest.mark.parametrize("phase", [MENTORING, COMPANY_PLACEMENT])
def test_first_logged_meeting_reschedules_from_mentoring_start(phase):
    started, meeting = date(2027, 1, 4), date(2027, 1, 25)
    before = plan(facts(phase, last_meeting_on=None, mentoring_started_on=started), EARLY)
    after = plan(facts(phase, last_meeting_on=meeting, mentoring_started_on=started), EARLY)

    for rule, days in (("mentor_meeting_due", 21), ("mentor_meeting_escalation", 42)):
        assert only(before, rule).due_at == local_morning(started + timedelta(days=days))
        assert only(after, rule).due_at == local_morning(meeting + timedelta(days=days))
        assert only(after, rule).due_at > only(before, rule).due_at


def test_no_interview_means_no_interview_reminder():
    reminders = plan(facts(COMPANY_PLACEMENT, next_interview_at=None), EARLY)

    assert planned_for(reminders, "interview_tomorrow") == []
    assert rule_keys(reminders) == EXPECTED_RULES[COMPANY_PLACEMENT] - {"interview_tomorrow"}


def test_no_placement_start_means_no_checkins():
    assert plan(facts(PLACED, placement_start=None, **NO_PERMIT), EARLY) == []


def test_no_planned_end_means_no_immersion_reminders():
    reminders = plan(facts(LANGUAGE_IMMERSION, immersion_planned_end=None, **NO_PERMIT), EARLY)

    assert rule_keys(reminders) == {"stuck_in_phase"}


@pytest.mark.parametrize("phase", [ON_HOLD, WITHDRAWN])
@pytest.mark.parametrize("now", [EARLY, utc(2027, 3, 1), utc(2030, 1, 1)])
def test_on_hold_and_withdrawn_plan_nothing(phase, now):
    assert plan(facts(phase), now) == []
    assert plan(facts(phase, passed_dutch_target=True, last_meeting_on=None), now) == []


@pytest.mark.parametrize(
    ("now", "planned"),
    [
        (EARLY, ["checkin_30", "checkin_90", "company_checkin_30", "company_checkin_90"]),
        # PLACEMENT_START + 30 was 2027-07-01: a month later only the 90-day ones are left
        (utc(2027, 8, 1), ["checkin_90", "company_checkin_90"]),
        (utc(2030, 1, 1), []),  # all long past their grace period
    ],
)
def test_placed_plans_only_the_checkins(now, planned):
    reminders = plan(facts(PLACED, **NO_PERMIT), now)

    assert sorted(r.rule for r in reminders) == planned
    assert all(r.occurrence == 1 for r in reminders)
    with_expired = plan(facts(PLACED, **NO_PERMIT), now, include_expired=True)
    assert sorted(r.rule for r in with_expired) == [
        "checkin_30", "checkin_90", "company_checkin_30", "company_checkin_90"
    ]  # fmt: skip
    assert {r.rule: r.audience for r in with_expired} == {
        "checkin_30": "candidate", "checkin_90": "candidate",
        "company_checkin_30": "company", "company_checkin_90": "company",
    }  # fmt: skip


# -- 3. the rule table ---------------------------------------------------------------------


def test_rule_keys_are_unique():
    keys = [rule.key for rule in RULES]
    assert len(keys) == len(set(keys))


def test_rules_by_key_matches_rules():
    assert list(RULES_BY_KEY) == [rule.key for rule in RULES]
    assert len(RULES_BY_KEY) == len(RULES)
    for rule in RULES:
        assert RULES_BY_KEY[rule.key] is rule


@pytest.mark.parametrize("rule", RULES, ids=lambda rule: rule.key)
class TestRuleTable:
    def test_anchor_exists(self, rule):
        assert rule.anchor in ANCHORS or rule.anchor in ITEM_ANCHORS

    def test_stop_condition_exists(self, rule):
        assert rule.stop_when is None or rule.stop_when in STOPS

    def test_audience_is_known(self, rule):
        assert rule.audience in {"candidate", "mentor", "desk", "company"}

    def test_phases_are_real(self, rule):
        assert rule.phases
        assert set(rule.phases) <= set(PHASES)
        assert len(rule.phases) == len(set(rule.phases))

    def test_has_a_subject_msgid(self, rule):
        assert isinstance(rule.subject, str)
        assert rule.subject.strip()
        # the msgid is a valid %-format string for named placeholders only
        names = re.findall(r"%\((\w+)\)s", rule.subject)
        assert rule.subject % dict.fromkeys(names, "x")

    def test_offset_covers_every_phase(self, rule):
        if isinstance(rule.offset_days, dict):
            assert set(rule.phases) <= set(rule.offset_days)
        else:
            assert isinstance(rule.offset_days, int)

    def test_grace_period_is_a_positive_duration(self, rule):
        assert isinstance(rule.grace, timedelta)
        assert rule.grace > timedelta(0)

    def test_repeat_is_consistent(self, rule):
        assert rule.max_times >= 1
        if rule.max_times > 1:
            assert rule.repeat_every_days and rule.repeat_every_days > 0


def test_stop_conditions_and_anchors_are_callables_on_facts():
    sample = facts(MENTORING)
    for name, anchor in ANCHORS.items():
        assert isinstance(anchor(sample), date | datetime | None), name
    for name, stop in STOPS.items():
        assert isinstance(stop(sample), bool), name


def test_phase_limits_cover_exactly_the_active_phases():
    assert set(PHASE_LIMIT_DAYS) == set(ACTIVE_PHASES)
    assert all(days > 0 for days in PHASE_LIMIT_DAYS.values())


# -- 4. stuck_since ------------------------------------------------------------------------


@pytest.mark.parametrize("phase", ACTIVE_PHASES)
def test_stuck_since_none_within_the_limit(phase):
    entered = date(2027, 1, 10)
    limit = PHASE_LIMIT_DAYS[phase]

    assert stuck_since(phase, entered, entered) is None
    assert stuck_since(phase, entered, entered + timedelta(days=1)) is None
    assert stuck_since(phase, entered, entered + timedelta(days=limit - 1)) is None
    assert stuck_since(phase, entered, entered + timedelta(days=limit)) is None


@pytest.mark.parametrize("phase", ACTIVE_PHASES)
@pytest.mark.parametrize("over", [1, 2, 15, 365])
def test_stuck_since_days_over_the_limit(phase, over):
    entered = date(2027, 1, 10)
    today = entered + timedelta(days=PHASE_LIMIT_DAYS[phase] + over)

    assert stuck_since(phase, entered, today) == over


@pytest.mark.parametrize("phase", INACTIVE_PHASES)
def test_stuck_since_none_for_phases_without_a_limit(phase):
    entered = date(2020, 1, 1)

    assert stuck_since(phase, entered, date(2030, 1, 1)) is None


def test_stuck_since_examples():
    assert stuck_since(OUTREACH, date(2027, 1, 1), date(2027, 1, 31)) is None  # day 30
    assert stuck_since(OUTREACH, date(2027, 1, 1), date(2027, 2, 1)) == 1  # day 31
    assert stuck_since(COMPANY_PLACEMENT, date(2027, 1, 1), date(2027, 3, 12)) == 10


# -- 5. DST and local_morning --------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        # last Sunday of March: clocks go forward at 02:00, 09:00 is CEST (UTC+2)
        (date(2026, 3, 29), utc(2026, 3, 29, 7, 0)),
        (date(2027, 3, 28), utc(2027, 3, 28, 7, 0)),
        # the Saturday before is still CET (UTC+1)
        (date(2026, 3, 28), utc(2026, 3, 28, 8, 0)),
        # last Sunday of October: clocks go back at 03:00, 09:00 is CET (UTC+1)
        (date(2026, 10, 25), utc(2026, 10, 25, 8, 0)),
        (date(2027, 10, 31), utc(2027, 10, 31, 8, 0)),
        # the Saturday before is still CEST (UTC+2)
        (date(2026, 10, 24), utc(2026, 10, 24, 7, 0)),
        (date(2027, 1, 15), utc(2027, 1, 15, 8, 0)),
        (date(2027, 7, 15), utc(2027, 7, 15, 7, 0)),
    ],
)
def test_local_morning_is_nine_in_brussels(day, expected):
    result = local_morning(day)

    assert result == expected
    assert result.tzinfo is UTC
    assert result.utcoffset() == timedelta(0)


@pytest.mark.parametrize(
    ("anchor", "offset", "expected"),
    [
        (date(2027, 3, 27), 1, utc(2027, 3, 28, 7, 0)),
        (date(2027, 3, 29), -1, utc(2027, 3, 28, 7, 0)),
        (date(2027, 10, 30), 1, utc(2027, 10, 31, 8, 0)),
        (date(2027, 1, 1), 0, utc(2027, 1, 1, 8, 0)),
        # an aware datetime anchor is shifted by whole days in UTC, not sent at 09:00
        (utc(2027, 3, 28, 12, 0), -1, utc(2027, 3, 27, 12, 0)),
        (utc(2027, 10, 31, 6, 30), -1, utc(2027, 10, 30, 6, 30)),
    ],
)
def test_due_time(anchor, offset, expected):
    assert due_time(anchor, offset) == expected


# -- 6. grace periods: a reminder too late to be useful expires ----------------------------

# How late each rule may still go out (the data in workflows/reminders.py, checked by hand).
EXPECTED_GRACE = {
    "book_assessment": timedelta(days=3),
    "interview_tomorrow": timedelta(hours=12),
    "checkin_30": timedelta(days=7),
    "checkin_90": timedelta(days=14),
    "company_checkin_30": timedelta(days=7),
    "company_checkin_90": timedelta(days=14),
    "mentor_meeting_due": timedelta(days=7),
    "mentor_meeting_escalation": timedelta(days=14),
    "outreach_follow_up": timedelta(days=7),
    "immersion_overdue": timedelta(days=14),
    "stuck_in_phase": timedelta(days=14),
    "permit_expiry": timedelta(days=6),
    "permit_expiry_desk": timedelta(days=14),
    "permit_expiry_company": timedelta(days=14),
}


def test_every_rule_has_its_grace_period():
    assert {rule.key: rule.grace for rule in RULES} == EXPECTED_GRACE


def test_an_interview_reminder_never_outlives_the_interview():
    rule = RULES_BY_KEY["interview_tomorrow"]
    assert -rule.offset_days * timedelta(days=1) > rule.grace


def test_desk_escalations_wait_longer_than_reminders_to_candidates():
    desk = [rule.grace for rule in RULES if rule.audience == "desk"]
    candidate = [rule.grace for rule in RULES if rule.audience == "candidate" and rule.essential]
    assert min(desk) > max(candidate)


def last_due(rule: str, phase: str) -> datetime:
    """When the rule's last occurrence is due in `phase` (the only one, unless it repeats:
    earlier repeats are overtaken by the next one, not expired)."""
    return max(r.due_at for r in plan(facts(phase), EARLY) if r.rule == rule)


def rule_phases():
    return [(rule.key, phase) for rule in RULES for phase in rule.phases]


@pytest.mark.parametrize(("rule", "phase"), rule_phases())
def test_a_reminder_is_planned_until_its_grace_period_ends(rule, phase):
    due = last_due(rule, phase)
    grace = RULES_BY_KEY[rule].grace
    for now in (due, due + grace - timedelta(seconds=1), due + grace):
        mine = [r for r in plan(facts(phase), now) if r.rule == rule and r.due_at == due]
        assert len(mine) == 1 and mine[0].expired is False, now


@pytest.mark.parametrize(("rule", "phase"), rule_phases())
def test_a_reminder_past_its_grace_period_is_never_planned(rule, phase):
    due = last_due(rule, phase)
    late = due + RULES_BY_KEY[rule].grace + timedelta(seconds=1)

    assert [r for r in plan(facts(phase), late) if r.rule == rule] == []
    (expired,) = [r for r in plan(facts(phase), late, include_expired=True) if r.rule == rule]
    assert (expired.due_at, expired.expired) == (due, True)


def test_book_assessment_expires_three_days_after_it_was_due():
    # End 2027-03-01: due 2027-02-15 09:00 in Brussels (08:00 UTC).
    due = utc(2027, 2, 15, 8, 0)
    booked = facts(LANGUAGE_IMMERSION, immersion_planned_end=IMMERSION_END)

    assert only(plan(booked, utc(2027, 2, 18, 8, 0)), "book_assessment").due_at == due
    assert planned_for(plan(booked, utc(2027, 2, 18, 8, 1)), "book_assessment") == []
    # the desk's overdue reminder (the day after the end) is not affected
    assert only(plan(booked, utc(2027, 2, 18, 8, 1)), "immersion_overdue").expired is False


def test_is_expired_is_strictly_after_the_grace_period():
    rule = RULES_BY_KEY["interview_tomorrow"]
    due = utc(2027, 5, 11, 13, 30)
    assert is_expired(rule, due, due + timedelta(hours=12)) is False
    assert is_expired(rule, due, due + timedelta(hours=12, microseconds=1)) is True
    assert is_expired(rule, due, due - timedelta(days=3)) is False
