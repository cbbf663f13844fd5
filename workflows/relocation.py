"""The relocation plan: the steps a newcomer takes around arrival in Limburg, in order, with
the deadlines the law sets, as data.

A step says who does it, what it waits for, which document proves it (a verified document of
that kind marks it done), how its deadline is counted and for whom it applies: candidates from
the EU/EEA or Switzerland get a short plan (registration, health insurance, bank); everyone
else gets the full plan, whose permit steps depend on the residence route.

Rules change every year and official pages disagree, so a figure (a deadline, a fee, a salary
threshold, a validity) is never written into a step: the step names a *rule key*, and the rule
rows (value, unit, the date it takes effect, its source, when someone last checked it) live in
the database, edited by the desk. `DEFAULT_RULES` are the rows Onthaal ships; a row whose
figure could not be verified says so (`verified=False`) and the plan shows that.

`plan(facts, book, today)` is pure: it reads plain values, so it is tested without Flask.
Deadlines use the rule row in force on the day they count from (an arrival on 8 May 2026 is
judged by the rule of 8 May, whatever changed later), and count calendar days, months, or
Belgian working days (weekends and public holidays from the `holidays` package).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from functools import lru_cache

import holidays

from workflows.checklist import free_movement
from workflows.dates import add_months
from workflows.i18n import N_

# Residence routes for candidates from outside the EU/EEA and Switzerland.
HIGHLY_SKILLED = "highly_skilled"
TRAINEE = "trainee"
ORIENTATION_YEAR = "orientation_year"
ROUTES = (HIGHLY_SKILLED, TRAINEE, ORIENTATION_YEAR)
ROUTE_LABELS = {
    HIGHLY_SKILLED: N_("Highly skilled worker (single permit)"),
    TRAINEE: N_("Trainee (trainee permit)"),
    ORIENTATION_YEAR: N_("Orientation year after studies in Belgium"),
}

# Who does a step.
ACTORS = ("candidate", "desk", "company", "mentor")

# Units a rule's value is expressed in.
WORKING_DAYS = "working_days"
CALENDAR_DAYS = "calendar_days"
MONTHS = "months"
EUR = "eur"
EUR_PER_YEAR = "eur_per_year"
DEADLINE_UNITS = (WORKING_DAYS, CALENDAR_DAYS, MONTHS)
UNITS = (*DEADLINE_UNITS, EUR, EUR_PER_YEAR)

# Document kinds whose validity ends, and which the candidate, the desk and the company are
# reminded of before they lapse (`workflows.reminders`).
EXPIRING_KINDS = ("single_permit", "trainee_permit", "orientation_year_card", "residence_card")

# Plan step statuses.
DONE = "done"
SKIPPED = "skipped"  # not needed for this candidate (the desk says why)
OPEN = "open"  # can be done now
WAITING = "waiting"  # waits for an earlier step
STEP_STATUSES = (DONE, SKIPPED, OPEN, WAITING)


@dataclass(frozen=True)
class RuleDefinition:
    """What a rule key means: its label and the unit its value is given in."""

    key: str
    label: str  # a msgid
    unit: str


RULE_DEFINITIONS = (
    RuleDefinition(
        "municipality_registration",
        N_("Register at the municipality after arrival"),
        WORKING_DAYS,
    ),
    RuleDefinition(
        "civic_integration_registration",
        N_("Register for civic integration after registering at the municipality"),
        MONTHS,
    ),
    RuleDefinition("orientation_year_validity", N_("How long the orientation year lasts"), MONTHS),
    RuleDefinition(
        "highly_skilled_salary",
        N_("Salary threshold for a highly skilled worker aged 30 or more (gross)"),
        EUR_PER_YEAR,
    ),
    RuleDefinition(
        "highly_skilled_salary_under_30",
        N_("Salary threshold for a highly skilled worker under 30 (gross)"),
        EUR_PER_YEAR,
    ),
    RuleDefinition(
        "naric_level_fee",
        N_("NARIC-Vlaanderen fee for a level recognition of a higher-education diploma"),
        EUR,
    ),
    RuleDefinition(
        "naric_full_fee",
        N_("NARIC-Vlaanderen fee for a full recognition of a higher-education diploma"),
        EUR,
    ),
)
RULES_BY_KEY = {rule.key: rule for rule in RULE_DEFINITIONS}
RULE_KEYS = tuple(RULES_BY_KEY)


@dataclass(frozen=True)
class RuleRow:
    """One figure of the law, in force from `effective_from` until a later row of its key."""

    key: str
    value: Decimal
    effective_from: date
    source_url: str
    checked_on: date | None
    verified: bool = True
    note: str = ""

    @property
    def unit(self) -> str:
        return RULES_BY_KEY[self.key].unit


# The rows Onthaal ships (the migration writes them; the desk edits them afterwards). Each was
# read on the checked date; `verified=False` marks a figure whose source is old, secondary or
# missing, so the desk checks it before relying on it.
CHECKED = date(2026, 12, 2)
DEFAULT_RULES = (
    RuleRow(
        "municipality_registration",
        Decimal(8),
        date(2025, 1, 1),
        "https://www.hoogstraten.be/leven-en-welzijn/buitenlandse-nieuwkomer/inschrijving",
        CHECKED,
        note="Long stay, EU and non-EU: report to the municipality within 8 working days.",
    ),
    RuleRow(
        "civic_integration_registration",
        Decimal(3),
        date(2025, 1, 1),
        "https://www.integratie-inburgering.be/",
        CHECKED,
        verified=False,
        note="Not confirmed on an official page yet: check with the Agency for Integration "
        "and Civic Integration.",
    ),
    RuleRow(
        "orientation_year_validity",
        Decimal(12),
        date(2021, 8, 15),
        "https://dofi.ibz.be/en/themes/third-country-nationals/study/"
        "orientation-year-after-completion-studies",
        CHECKED,
        note="At most 12 months; apply at least 15 days before the student A card expires.",
    ),
    RuleRow(
        "highly_skilled_salary",
        Decimal(48912),
        date(2025, 1, 1),
        "https://propay.be/en/news/new-immigration-rules-in-flanders",
        CHECKED,
        note="2025 amount; Flanders kept it in early 2026 until indexation "
        "(visahq.com, 27 January 2026).",
    ),
    RuleRow(
        "highly_skilled_salary_under_30",
        Decimal("39129.60"),
        date(2025, 1, 1),
        "https://propay.be/en/news/new-immigration-rules-in-flanders",
        CHECKED,
        note="80% of the threshold for those aged 30 or more (2025 amount).",
    ),
    RuleRow(
        "naric_level_fee",
        Decimal(90),
        date(2013, 9, 1),
        "https://moneytalk.knack.be/geld-en-beurs/erkenning-buitenlands-diploma-wordt-betalend/"
        "article-normal-340209.html",
        CHECKED,
        verified=False,
        note="From a news article of the year the fees were introduced; check the current "
        "fee on vlaanderen.be.",
    ),
    RuleRow(
        "naric_full_fee",
        Decimal(180),
        date(2013, 9, 1),
        "https://moneytalk.knack.be/geld-en-beurs/erkenning-buitenlands-diploma-wordt-betalend/"
        "article-normal-340209.html",
        CHECKED,
        verified=False,
        note="From a news article of the year the fees were introduced; check the current "
        "fee on vlaanderen.be.",
    ),
)


class RuleBook:
    """The rule rows, asked for the row of a key in force on a date."""

    def __init__(self, rows: Iterable[RuleRow]):
        self._rows: dict[str, list[RuleRow]] = {}
        for row in sorted(rows, key=lambda r: r.effective_from):
            self._rows.setdefault(row.key, []).append(row)

    def in_force(self, key: str, on: date) -> RuleRow | None:
        """The row of `key` that took effect last on or before `on` (None before the first)."""
        found = None
        for row in self._rows.get(key, ()):
            if row.effective_from > on:
                break
            found = row
        return found


# Where a plan's dates come from.
ARRIVAL = "arrival"


@dataclass(frozen=True)
class Deadline:
    """A step is due `rule`'s value after `counted_from` (ARRIVAL or another step's code)."""

    rule: str
    counted_from: str


EU = "eu"  # free movement: EU/EEA and Switzerland
NON_EU = "non_eu"
EVERYONE = (EU, NON_EU)


@dataclass(frozen=True)
class Step:
    code: str
    title: str  # msgids: translate where shown
    explanation: str
    actor: str  # one of ACTORS
    origins: tuple[str, ...] = (NON_EU,)
    routes: tuple[str, ...] = ROUTES  # for NON_EU: the routes it belongs to
    depends_on: tuple[str, ...] = ()  # steps that do not apply are ignored
    proof: str | None = None  # a document kind: verified, it marks the step done
    deadline: Deadline | None = None
    figures: tuple[str, ...] = ()  # rule keys shown with the step (fees, thresholds)

    def applies(self, origin: str, route: str | None) -> bool:
        if origin not in self.origins:
            return False
        if origin == EU:
            return True
        # Before the route is chosen, the steps every route shares are shown.
        return set(self.routes) == set(ROUTES) if route is None else route in self.routes


WORK_ROUTES = (HIGHLY_SKILLED, TRAINEE)

STEPS: tuple[Step, ...] = (
    Step(
        "residence_route",
        N_("Choose the residence route"),
        N_(
            "Together with the welcome desk you choose how you will live and work here: as a "
            "highly skilled worker with a single permit, as a trainee, or in the orientation "
            "year if you graduated in Belgium."
        ),
        actor="desk",
    ),
    Step(
        "single_permit",
        N_("Single permit application"),
        N_(
            "The employer applies to the Flemish government for the single permit (work and "
            "residence in one). You hand the company your diploma and passport details."
        ),
        actor="company",
        routes=(HIGHLY_SKILLED,),
        depends_on=("residence_route",),
        proof="single_permit",
        figures=("highly_skilled_salary", "highly_skilled_salary_under_30"),
    ),
    Step(
        "trainee_permit",
        N_("Trainee permit application"),
        N_(
            "The company that trains you applies for the permit to work as a trainee, with "
            "the training programme you agreed on."
        ),
        actor="company",
        routes=(TRAINEE,),
        depends_on=("residence_route",),
        proof="trainee_permit",
    ),
    Step(
        "orientation_year",
        N_("Orientation year residence card"),
        N_(
            "You apply at your municipality for the orientation year, at the latest 15 days "
            "before your student residence card expires. It lets you look for work here."
        ),
        actor="candidate",
        routes=(ORIENTATION_YEAR,),
        depends_on=("residence_route",),
        proof="orientation_year_card",
        figures=("orientation_year_validity",),
    ),
    Step(
        "d_visa",
        N_("D visa"),
        N_(
            "Once the permit is approved, you apply for a long-stay (D) visa at the Belgian "
            "embassy or consulate responsible for your country."
        ),
        actor="candidate",
        routes=WORK_ROUTES,
        depends_on=("single_permit", "trainee_permit"),
        proof="d_visa",
    ),
    Step(
        "arrival",
        N_("Arrival in Belgium"),
        N_("Record the day you arrive: the deadlines of the next steps count from it."),
        actor="candidate",
        origins=EVERYONE,
        depends_on=("d_visa",),
    ),
    Step(
        "municipality_registration",
        N_("Registration at the municipality"),
        N_(
            "Report to the population or foreigners' service of the municipality where you "
            "live, with your passport and rental contract. The police will check your address."
        ),
        actor="candidate",
        origins=EVERYONE,
        depends_on=("arrival",),
        deadline=Deadline("municipality_registration", ARRIVAL),
    ),
    Step(
        "residence_card",
        N_("Residence card"),
        N_(
            "After the address check the municipality invites you to collect your electronic "
            "residence card. Upload it here with its expiry date."
        ),
        actor="candidate",
        depends_on=("municipality_registration",),
        proof="residence_card",
    ),
    Step(
        "health_insurance",
        N_("Health insurance (ziekenfonds)"),
        N_(
            "Join a health insurance fund (ziekenfonds) so that medical costs are refunded. "
            "Upload its certificate of membership."
        ),
        actor="candidate",
        origins=EVERYONE,
        depends_on=("municipality_registration",),
        proof="health_insurance",
    ),
    Step(
        "bank_account",
        N_("Bank account"),
        N_("Open a Belgian bank account: your employer pays your salary into it."),
        actor="candidate",
        origins=EVERYONE,
        depends_on=("arrival",),
    ),
    Step(
        "diploma_recognition",
        N_("Diploma recognition (NARIC-Vlaanderen)"),
        N_(
            "Ask NARIC-Vlaanderen to recognise your diploma, so that employers know its level. "
            "Upload the decision here."
        ),
        actor="candidate",
        proof="diploma_recognition",
        figures=("naric_level_fee", "naric_full_fee"),
    ),
    Step(
        "civic_integration",
        N_("Civic integration (inburgering)"),
        N_(
            "If your residence status requires it, register for the civic integration "
            "programme with the Agency for Integration and Civic Integration. The welcome "
            "desk marks this step as not needed if you are exempt."
        ),
        actor="candidate",
        depends_on=("municipality_registration",),
        deadline=Deadline("civic_integration_registration", "municipality_registration"),
    ),
    Step(
        "vdab_registration",
        N_("Registration with VDAB"),
        N_(
            "Register with VDAB, the Flemish employment service: it offers Dutch courses and "
            "job coaching."
        ),
        actor="candidate",
        depends_on=("municipality_registration",),
    ),
)
STEPS_BY_CODE = {step.code: step for step in STEPS}
STEP_CODES = tuple(STEPS_BY_CODE)
# Steps done by recording a date (the others are proved by a verified document).
RECORDED_STEPS = tuple(step.code for step in STEPS if step.proof is None)


@dataclass(frozen=True)
class PlanFacts:
    """What the plan may know about one candidate (built by the service)."""

    country_code: str
    route: str | None = None
    arrival_on: date | None = None
    # The day each step was done: recorded, or the day its proof was verified.
    done_on: dict[str, date] = field(default_factory=dict)
    skipped: frozenset[str] = frozenset()


@dataclass(frozen=True)
class PlanStep:
    step: Step
    status: str  # one of STEP_STATUSES
    done_on: date | None = None
    due_on: date | None = None
    rule: RuleRow | None = None  # the deadline's rule in force, for its source and check
    waits_for: tuple[str, ...] = ()  # codes of the earlier steps it waits for
    overdue: bool = False
    next: bool = False  # the first open step: what to do now

    @property
    def code(self) -> str:
        return self.step.code


@dataclass(frozen=True)
class Plan:
    steps: tuple[PlanStep, ...]

    @property
    def overdue(self) -> tuple[PlanStep, ...]:
        return tuple(step for step in self.steps if step.overdue)

    @property
    def done(self) -> int:
        return sum(1 for step in self.steps if step.status in (DONE, SKIPPED))

    @property
    def total(self) -> int:
        return len(self.steps)

    def get(self, code: str) -> PlanStep | None:
        return next((step for step in self.steps if step.code == code), None)


def origin_of(country_code: str) -> str:
    return EU if free_movement(country_code) else NON_EU


def steps_for(country_code: str, route: str | None) -> tuple[Step, ...]:
    origin = origin_of(country_code)
    return tuple(step for step in STEPS if step.applies(origin, route))


@lru_cache(maxsize=64)
def _belgian_holidays(year: int) -> frozenset[date]:
    return frozenset(holidays.country_holidays("BE", years=year))


def is_working_day(day: date) -> bool:
    """Monday to Friday and not a Belgian public holiday."""
    return day.weekday() < 5 and day not in _belgian_holidays(day.year)


def add_working_days(start: date, days: int) -> date:
    """The `days`-th working day after `start` (the start day itself is not counted)."""
    day = start
    counted = 0
    while counted < days:
        day += timedelta(days=1)
        if is_working_day(day):
            counted += 1
    return day


def count_from(start: date, value: Decimal, unit: str) -> date:
    """`start` plus the rule's value in its unit."""
    amount = int(value)
    if unit == WORKING_DAYS:
        return add_working_days(start, amount)
    if unit == CALENDAR_DAYS:
        return start + timedelta(days=amount)
    if unit == MONTHS:
        return add_months(start, amount)
    raise ValueError(f"{unit} is not a unit of time")


def plan(facts: PlanFacts, book: RuleBook, today: date) -> Plan:
    """The candidate's plan on `today`: each step's status, deadline and what it waits for."""
    applicable = steps_for(facts.country_code, facts.route)
    codes = {step.code for step in applicable}
    done_on = dict(facts.done_on)
    if facts.arrival_on is not None:
        done_on[ARRIVAL] = facts.arrival_on
    # A chosen route is the route step done (the service records its day when it has it).
    chosen = {"residence_route"} if facts.route is not None else set()
    finished = {c for c in codes if c in done_on or c in facts.skipped or c in chosen}
    result = []
    first_open = True
    for step in applicable:
        waits_for = tuple(
            code for code in step.depends_on if code in codes and code not in finished
        )
        due_on = rule = None
        if step.deadline is not None:
            start = done_on.get(step.deadline.counted_from)
            if start is not None:
                rule = book.in_force(step.deadline.rule, start)
                if rule is not None and rule.unit in DEADLINE_UNITS:
                    due_on = count_from(start, rule.value, rule.unit)
        if step.code in facts.skipped:
            status = SKIPPED
        elif step.code in done_on or step.code in chosen:
            status = DONE
        else:
            status = WAITING if waits_for else OPEN
        unfinished = status in (OPEN, WAITING)
        is_next = status == OPEN and first_open
        if is_next:
            first_open = False
        result.append(
            PlanStep(
                step=step,
                status=status,
                done_on=done_on.get(step.code) if status == DONE else None,
                due_on=due_on,
                rule=rule,
                waits_for=waits_for if unfinished else (),
                overdue=unfinished and due_on is not None and due_on < today,
                next=is_next,
            )
        )
    return Plan(tuple(result))


def expiries(valid_until: Mapping[str, date | None]) -> tuple[tuple[str, date], ...]:
    """The expiring documents' valid-until dates, in a stable order (kind, date)."""
    found = []
    for kind in EXPIRING_KINDS:
        until = valid_until.get(kind)
        if until is not None:
            found.append((kind, until))
    return tuple(found)


def expired(valid_until: Mapping[str, date | None], today: date) -> tuple[str, ...]:
    """The kinds whose latest valid-until date has passed."""
    return tuple(kind for kind, until in expiries(valid_until) if until < today)
