"""The candidate onboarding workflow: phases, triggers, roles, guards and next steps.

outreach → language_immersion → mentoring → company_placement → placed, with `on_hold`
(pause from any active phase; resume returns to the phase it left) and `withdrawn`.
Candidates who already speak Dutch at the programme target (for example from the
Netherlands) may `begin_mentoring` straight from outreach.

Guards read a `OnboardingFacts` snapshot that the service builds from the database, so
they stay pure and testable with plain objects.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from workflows.dates import add_months, programme_today
from workflows.engine import Guard, Refusal, Workflow
from workflows.i18n import N_
from workflows.placement import interview_over

OUTREACH = "outreach"
LANGUAGE_IMMERSION = "language_immersion"
MENTORING = "mentoring"
COMPANY_PLACEMENT = "company_placement"
PLACED = "placed"
ON_HOLD = "on_hold"
WITHDRAWN = "withdrawn"

ACTIVE_PHASES = (OUTREACH, LANGUAGE_IMMERSION, MENTORING, COMPANY_PLACEMENT)
PHASES = (*ACTIVE_PHASES, PLACED, ON_HOLD, WITHDRAWN)
# Phases in which a mentor actively mentors the candidate (they count against capacity).
MENTORED_PHASES = (MENTORING, COMPANY_PLACEMENT)

CEFR_LEVELS = ("A1", "A2", "B1", "B2", "C1", "C2")
DEFAULT_DUTCH_TARGET = "B1"
DEFAULT_MENTOR_CAPACITY = 5
IMMERSION_MONTHS = 3

# company: a contact person of one company (signs in by emailed link, no password);
# partner: the contact of an accepted partner organisation.
ROLES = ("candidate", "mentor", "staff", "company", "partner")
# Accounts that never have a password: they sign in with an emailed link.
PASSWORDLESS_ROLES = ("company",)
# Who the next step waits on, as shown to people.
AUDIENCES = ("candidate", "mentor", "desk", "company")
ROLE_AUDIENCE = {
    "staff": "desk",
    "mentor": "mentor",
    "candidate": "candidate",
    "company": "company",
    "partner": "desk",
}

PHASE_LABELS = {
    OUTREACH: N_("Outreach"),
    LANGUAGE_IMMERSION: N_("Language immersion"),
    MENTORING: N_("Mentoring"),
    COMPANY_PLACEMENT: N_("Company placement"),
    PLACED: N_("Placed"),
    ON_HOLD: N_("On hold"),
    WITHDRAWN: N_("Withdrawn"),
}


@dataclass
class OnboardingFacts:
    """What the guards may know about one candidate and the request at hand."""

    role: str = ""  # the actor's role; no default power (a staff override needs "staff")
    missing_profile_fields: tuple[str, ...] = ()
    consent_given: bool = False
    best_dutch_level: str | None = None
    dutch_target: str = DEFAULT_DUTCH_TARGET
    override_reason: str = ""
    mentor_assigned: bool = False
    mentor_name: str = ""
    mentor_load: int = 0
    mentor_capacity: int = DEFAULT_MENTOR_CAPACITY
    signed_off: bool = False
    accepted_placement: bool = False
    # Interview times (None: none recorded) of the accepted placements with a start date.
    accepted_interviews: tuple[datetime | None, ...] = ()
    now: datetime | None = None  # aware UTC, computed by the service
    reason: str = ""
    paused_from: str | None = None
    start_date: date | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def level_at_least(level: str | None, target: str) -> bool:
    return level is not None and CEFR_LEVELS.index(level) >= CEFR_LEVELS.index(target)


# -- guards ---------------------------------------------------------------------------------


def profile_complete(ctx: OnboardingFacts) -> Refusal | None:
    if ctx.missing_profile_fields:
        return Refusal(
            "profile_incomplete",
            N_("The profile is not complete yet: %(fields)s."),
            {"fields": ctx.missing_profile_fields},
        )
    return None


def consent_recorded(ctx: OnboardingFacts) -> Refusal | None:
    if not ctx.consent_given:
        return Refusal(
            "no_consent",
            N_("The candidate's consent to data processing has not been recorded."),
        )
    return None


def dutch_target_met(ctx: OnboardingFacts) -> Refusal | None:
    if level_at_least(ctx.best_dutch_level, ctx.dutch_target):
        return None
    if ctx.role == "staff" and ctx.override_reason.strip():
        return None
    return Refusal(
        "dutch_below_target",
        N_(
            "No Dutch assessment at level %(target)s or higher has been recorded. "
            "Welcome-desk staff can override this with a written reason."
        ),
        {"target": ctx.dutch_target},
    )


def mentor_assigned(ctx: OnboardingFacts) -> Refusal | None:
    if not ctx.mentor_assigned:
        return Refusal("no_mentor", N_("No mentor has been assigned yet."))
    return None


def mentor_has_capacity(ctx: OnboardingFacts) -> Refusal | None:
    if ctx.mentor_assigned and ctx.mentor_load >= ctx.mentor_capacity:
        return Refusal(
            "mentor_full",
            N_("%(mentor)s already mentors %(count)s candidates, which is their maximum."),
            {"mentor": ctx.mentor_name, "count": ctx.mentor_load},
        )
    return None


def mentor_signed_off(ctx: OnboardingFacts) -> Refusal | None:
    if not ctx.signed_off:
        return Refusal(
            "not_signed_off",
            N_("The mentor has not yet signed off that the candidate is ready for placement."),
        )
    return None


def placement_accepted(ctx: OnboardingFacts) -> Refusal | None:
    if not ctx.accepted_placement:
        return Refusal(
            "no_accepted_placement",
            N_("No accepted placement with a company and a start date has been recorded."),
        )
    return None


def placement_interview_held(ctx: OnboardingFacts) -> Refusal | None:
    """The accepted placement's interview is not in the future (a candidate is never placed
    before meeting the company)."""
    if ctx.accepted_interviews and not any(
        interview_over(at, ctx.now) for at in ctx.accepted_interviews
    ):
        return Refusal(
            "placement_interview_ahead",
            N_("The interview for the accepted placement has not taken place yet."),
        )
    return None


def reason_given(ctx: OnboardingFacts) -> Refusal | None:
    if not ctx.reason.strip():
        return Refusal("reason_missing", N_("Please give a reason."))
    return None


def _paused_from(phase: str) -> Callable[[OnboardingFacts], Refusal | None]:
    def check(ctx: OnboardingFacts) -> Refusal | None:
        if ctx.paused_from != phase:
            return Refusal("not_paused_from", N_("The candidate was not paused in this phase."))
        return None

    check.__name__ = f"paused_from_{phase}"
    return check


GUARDS = {
    "profile_complete": Guard(
        "profile_complete", profile_complete, "candidate", N_("Complete the profile")
    ),
    "consent_recorded": Guard(
        "consent_recorded",
        consent_recorded,
        "candidate",
        N_("Give consent to data processing"),
    ),
    "dutch_target_met": Guard(
        "dutch_target_met",
        dutch_target_met,
        "candidate",
        N_("Pass a Dutch assessment at level %(target)s or higher"),
    ),
    "mentor_assigned": Guard("mentor_assigned", mentor_assigned, "desk", N_("Assign a mentor")),
    "mentor_has_capacity": Guard(
        "mentor_has_capacity",
        mentor_has_capacity,
        "desk",
        N_("Find a mentor with free capacity"),
    ),
    "mentor_signed_off": Guard(
        "mentor_signed_off",
        mentor_signed_off,
        "mentor",
        N_("Sign off readiness for placement"),
    ),
    "placement_accepted": Guard(
        "placement_accepted",
        placement_accepted,
        "company",
        N_("A company accepts the placement and sets a start date"),
    ),
    "placement_interview_held": Guard(
        "placement_interview_held",
        placement_interview_held,
        "company",
        N_("Hold the placement interview"),
    ),
    "reason_given": Guard("reason_given", reason_given, "desk", N_("Give a reason")),
}
for _phase in ACTIVE_PHASES:
    GUARDS[f"paused_from_{_phase}"] = Guard(
        f"paused_from_{_phase}",
        _paused_from(_phase),
        "desk",
        N_("Resume the onboarding"),
        selects=True,
    )


# -- effects: run by the machine after the state changed; the service commits once -----------


def plan_immersion(model: Any, ctx: OnboardingFacts, source: str) -> None:
    start = ctx.start_date or programme_today(ctx.now)
    model.immersion_start = start
    model.immersion_planned_end = add_months(start, IMMERSION_MONTHS)


def remember_paused_phase(model: Any, ctx: OnboardingFacts, source: str) -> None:
    model.paused_from = source


def clear_paused_phase(model: Any, ctx: OnboardingFacts, source: str) -> None:
    model.paused_from = None


def record_withdrawal(model: Any, ctx: OnboardingFacts, source: str) -> None:
    model.withdrawn_reason = ctx.reason.strip()


EFFECTS = {
    "plan_immersion": plan_immersion,
    "remember_paused_phase": remember_paused_phase,
    "clear_paused_phase": clear_paused_phase,
    "record_withdrawal": record_withdrawal,
}


# -- the graph ------------------------------------------------------------------------------

TRANSITIONS: list[dict[str, Any]] = [
    {
        "trigger": "start_immersion",
        "label": N_("Start language immersion"),
        "source": OUTREACH,
        "dest": LANGUAGE_IMMERSION,
        "roles": ["staff"],
        "conditions": ["profile_complete", "consent_recorded"],
        "after": ["plan_immersion"],
    },
    {
        "trigger": "begin_mentoring",
        "label": N_("Begin mentoring (already speaks Dutch)"),
        "source": OUTREACH,
        "dest": MENTORING,
        "roles": ["staff"],
        "conditions": [
            "profile_complete",
            "consent_recorded",
            "dutch_target_met",
            "mentor_assigned",
            "mentor_has_capacity",
        ],
    },
    {
        "trigger": "complete_immersion",
        "label": N_("Complete immersion and begin mentoring"),
        "source": LANGUAGE_IMMERSION,
        "dest": MENTORING,
        "roles": ["staff", "mentor"],
        "conditions": ["dutch_target_met", "mentor_assigned", "mentor_has_capacity"],
    },
    {
        "trigger": "propose_placement",
        "label": N_("Propose for company placement"),
        "source": MENTORING,
        "dest": COMPANY_PLACEMENT,
        "roles": ["staff", "mentor"],
        "conditions": ["mentor_signed_off"],
    },
    {
        "trigger": "confirm_placement",
        "label": N_("Confirm placement"),
        "source": COMPANY_PLACEMENT,
        "dest": PLACED,
        "roles": ["staff"],
        "conditions": ["placement_accepted", "placement_interview_held"],
        # The accepted placement starts, through the placement workflow (its only way there).
        "then": ["start_accepted_placement"],
        "confirm": N_("Yes: the placement has started, and the onboarding ends as “placed”."),
    },
    {
        "trigger": "placement_fell_through",
        "label": N_("Placement fell through: back to mentoring"),
        "source": COMPANY_PLACEMENT,
        "dest": MENTORING,
        "roles": ["staff"],
        "conditions": ["reason_given"],
        # Every live placement is withdrawn through the placement workflow, with the reason.
        "then": ["withdraw_live_placements"],
        "needs_reason": True,
    },
    *[
        {
            "trigger": "pause",
            "label": N_("Put on hold"),
            "source": phase,
            "dest": ON_HOLD,
            "roles": ["staff"],
            # Putting someone's onboarding on hold needs a reason (the history keeps it).
            "conditions": ["reason_given"],
            "needs_reason": True,
            "after": ["remember_paused_phase"],
        }
        for phase in ACTIVE_PHASES
    ],
    *[
        {
            "trigger": "resume",
            "label": N_("Resume"),
            "source": ON_HOLD,
            "dest": phase,
            "roles": ["staff"],
            # Back into a mentored phase the mentee counts against the mentor's capacity again.
            "conditions": [f"paused_from_{phase}"]
            + (["mentor_has_capacity"] if phase in MENTORED_PHASES else []),
            "after": ["clear_paused_phase"],
        }
        for phase in ACTIVE_PHASES
    ],
    *[
        {
            "trigger": "withdraw",
            "label": N_("Withdraw"),
            "source": phase,
            "dest": WITHDRAWN,
            "roles": ["staff"],
            "conditions": ["reason_given"],
            "after": ["record_withdrawal"],
            "needs_reason": True,
        }
        for phase in (*ACTIVE_PHASES, ON_HOLD)
    ],
]

# The step that moves each phase forward: its trigger, and the message shown once every
# guard holds and only the people allowed to fire it still have to act.
FORWARD = {
    OUTREACH: ("start_immersion", N_("Start the language immersion")),
    LANGUAGE_IMMERSION: ("complete_immersion", N_("Complete the immersion and begin mentoring")),
    MENTORING: ("propose_placement", N_("Propose the candidate for a company placement")),
    COMPANY_PLACEMENT: ("confirm_placement", N_("Confirm the placement")),
    ON_HOLD: ("resume", N_("Resume the onboarding")),
}
FINAL_STEPS = {
    PLACED: N_("Placed with a company: nothing left to do in the onboarding"),
    WITHDRAWN: N_("Withdrawn from the programme"),
}

ONBOARDING = Workflow(
    name="onboarding",
    states=[
        {"name": p, "label": PHASE_LABELS[p], "row": 1 if p in (ON_HOLD, WITHDRAWN) else 0}
        for p in PHASES
    ],
    initial=OUTREACH,
    transitions=TRANSITIONS,
    guards=GUARDS,
    effects=EFFECTS,
    state_attribute="phase",
)


@dataclass(frozen=True)
class NextStep:
    """What happens next and whom it waits on (None once the onboarding has ended)."""

    message: str
    params: dict[str, Any]
    waits_on: str | None
    trigger: str | None


def next_step(phase: str, ctx: OnboardingFacts) -> NextStep:
    """The first unmet condition of the phase's forward step, else the step itself."""
    if phase in FINAL_STEPS:
        return NextStep(FINAL_STEPS[phase], {}, None, None)
    trigger, message = FORWARD[phase]
    specs = ONBOARDING.specs_for(trigger, phase)
    if phase == ON_HOLD:
        specs = [s for s in specs if s.dest == ctx.paused_from] or specs
    spec = specs[0]
    for guard in spec.guards:
        if guard.check(ctx) is not None:
            return NextStep(guard.todo, {"target": ctx.dutch_target}, guard.waits_on, trigger)
    first_role = next(r for r in ("staff", "mentor", "candidate") if r in spec.roles)
    return NextStep(message, {}, ROLE_AUDIENCE[first_role], trigger)
