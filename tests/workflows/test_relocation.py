"""The relocation plan without Flask: plans per origin and route, Belgian working days,
the rule row in force on a date."""

from datetime import date
from decimal import Decimal

from workflows import relocation
from workflows.relocation import (
    DEFAULT_RULES,
    PlanFacts,
    RuleBook,
    RuleRow,
    add_working_days,
    plan,
    steps_for,
)

BOOK = RuleBook(DEFAULT_RULES)


def codes(country: str, route: str | None) -> list[str]:
    return [step.code for step in steps_for(country, route)]


def test_eu_candidates_get_the_short_plan():
    assert codes("NL", None) == [
        "arrival",
        "municipality_registration",
        "health_insurance",
        "bank_account",
    ]


def test_each_route_has_its_own_permit_step():
    highly = codes("ZA", relocation.HIGHLY_SKILLED)
    trainee = codes("NA", relocation.TRAINEE)
    orientation = codes("ZW", relocation.ORIENTATION_YEAR)
    assert "single_permit" in highly and "trainee_permit" not in highly
    assert "trainee_permit" in trainee and "single_permit" not in trainee
    assert "orientation_year" in orientation and "d_visa" not in orientation
    for plan_codes in (highly, trainee, orientation):
        for code in ("municipality_registration", "residence_card", "health_insurance",
                     "bank_account", "diploma_recognition", "civic_integration",
                     "vdab_registration"):  # fmt: skip
            assert code in plan_codes


def test_before_the_route_is_chosen_only_shared_steps_show():
    shared = codes("BW", None)
    assert shared[0] == "residence_route"
    assert not {"single_permit", "trainee_permit", "orientation_year", "d_visa"} & set(shared)


def test_working_days_skip_the_weekend_and_ascension_day():
    # Friday 8 May 2026; Thursday 14 May is Ascension Day.
    assert add_working_days(date(2026, 5, 8), 8) == date(2026, 5, 21)
    # Without a holiday in between: Monday 1 June + 8 working days.
    assert add_working_days(date(2026, 6, 1), 8) == date(2026, 6, 11)
    # Over 21 July (National Day, a Tuesday in 2026).
    assert add_working_days(date(2026, 7, 20), 1) == date(2026, 7, 22)


def test_registration_deadline_counts_from_arrival_in_working_days():
    facts = PlanFacts("ZA", relocation.HIGHLY_SKILLED, arrival_on=date(2026, 5, 8))
    step = plan(facts, BOOK, date(2026, 5, 9)).get("municipality_registration")
    assert step is not None
    assert step.due_on == date(2026, 5, 21)
    assert step.rule is not None and step.rule.verified
    assert not step.overdue
    late = plan(facts, BOOK, date(2026, 5, 22)).get("municipality_registration")
    assert late is not None and late.overdue


def test_the_rule_in_force_on_the_arrival_day_is_used():
    rows = (
        *DEFAULT_RULES,
        RuleRow("municipality_registration", Decimal(15), date(2026, 6, 1), "https://x", None),
    )
    book = RuleBook(rows)
    before = plan(PlanFacts("NL", arrival_on=date(2026, 5, 29)), book, date(2026, 5, 29))
    after = plan(PlanFacts("NL", arrival_on=date(2026, 6, 1)), book, date(2026, 6, 1))
    assert before.get("municipality_registration").due_on == add_working_days(date(2026, 5, 29), 8)
    assert after.get("municipality_registration").due_on == add_working_days(date(2026, 6, 1), 15)
    assert book.in_force("municipality_registration", date(2024, 12, 31)) is None


def test_civic_integration_counts_months_from_registration_and_is_marked_unverified():
    facts = PlanFacts(
        "ZA",
        relocation.HIGHLY_SKILLED,
        arrival_on=date(2026, 5, 8),
        done_on={"municipality_registration": date(2026, 5, 15)},
    )
    step = plan(facts, BOOK, date(2026, 5, 16)).get("civic_integration")
    assert step is not None and step.due_on == date(2026, 8, 15)
    assert step.rule is not None and not step.rule.verified


def test_steps_wait_for_earlier_ones_and_done_steps_clear_the_deadline():
    facts = PlanFacts("ZA", relocation.HIGHLY_SKILLED)
    result = plan(facts, BOOK, date(2026, 5, 1))
    assert result.get("d_visa").waits_for == ("single_permit",)
    assert result.get("single_permit").next
    done = PlanFacts(
        "ZA",
        relocation.HIGHLY_SKILLED,
        arrival_on=date(2026, 5, 8),
        done_on={"municipality_registration": date(2026, 5, 12)},
    )
    step = plan(done, BOOK, date(2026, 6, 1)).get("municipality_registration")
    assert step.status == relocation.DONE and not step.overdue


def test_a_skipped_step_is_never_overdue():
    facts = PlanFacts(
        "ZA",
        relocation.HIGHLY_SKILLED,
        arrival_on=date(2026, 1, 5),
        done_on={"municipality_registration": date(2026, 1, 6)},
        skipped=frozenset({"civic_integration"}),
    )
    step = plan(facts, BOOK, date(2026, 12, 1)).get("civic_integration")
    assert step.status == relocation.SKIPPED and not step.overdue


def test_expired_permits():
    until = {"residence_card": date(2026, 11, 30), "single_permit": date(2027, 1, 1)}
    assert relocation.expired(until, date(2026, 12, 1)) == ("residence_card",)


def test_the_checklist_asks_for_the_permit_of_the_chosen_route():
    from workflows.checklist import ROUTE_PERMITS, required_kinds

    assert set(ROUTE_PERMITS) == set(relocation.ROUTES)
    for route, permit in ROUTE_PERMITS.items():
        proofs = {step.proof for step in relocation.steps_for("ZA", route)}
        assert permit in proofs and permit in required_kinds("ZA", route)
        others = set(ROUTE_PERMITS.values()) - {permit}
        assert not others & set(required_kinds("ZA", route))
    assert "single_permit" in required_kinds("ZA")
    assert not set(ROUTE_PERMITS.values()) & set(required_kinds("NL", "trainee"))
