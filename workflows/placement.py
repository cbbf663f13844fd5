"""A placement's own small workflow: proposed → interview → offer → accepted → started;
declined or withdrawn from any open step. Fired through the same kind of service path as the
onboarding (role check, guards, audit row, one transaction). The company makes an offer only
once the interview has taken place; an accepted placement with a start date (and its
interview behind it) meets the onboarding's `confirm_placement` guard, and confirming the
placement starts it: `start` is automatic, the follow-up of `confirm_placement`, never a step
of its own. A declined placement lets the desk send the candidate back to mentoring."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from workflows.engine import Guard, Refusal, Workflow
from workflows.i18n import N_

PROPOSED, INTERVIEW, OFFER, ACCEPTED, STARTED = (
    "proposed",
    "interview",
    "offer",
    "accepted",
    "started",
)
DECLINED, WITHDRAWN = "declined", "withdrawn"
STATUSES = (PROPOSED, INTERVIEW, OFFER, ACCEPTED, STARTED, DECLINED, WITHDRAWN)
OPEN_STATUSES = (PROPOSED, INTERVIEW, OFFER)
# A placement holding a seat and meeting the candidate's confirm_placement guard.
SECURED_STATUSES = (ACCEPTED, STARTED)
CLOSED_STATUSES = (DECLINED, WITHDRAWN)
# Still in play: withdrawn when the candidate's placement phase falls through ("started"
# is terminal: the candidate works there). A candidate has at most one live placement per
# project (or, without a project, per company and title): the service and a partial unique
# index both hold that.
LIVE_STATUSES = (*OPEN_STATUSES, ACCEPTED)
# The placement waits for its interview only in this status: the interview is shown as a
# deadline and reminded of only then (before it nothing is planned; after it the placement
# has moved on or closed).
AWAITING_INTERVIEW_STATUSES = (INTERVIEW,)

STATUS_LABELS = {
    PROPOSED: N_("Proposed"),
    INTERVIEW: N_("Interview"),
    OFFER: N_("Offer"),
    ACCEPTED: N_("Accepted"),
    STARTED: N_("Started"),
    DECLINED: N_("Declined"),
    WITHDRAWN: N_("Withdrawn"),
}


@dataclass
class PlacementFacts:
    role: str = ""
    interview_at: datetime | None = None  # the interview being planned (input)
    start_date: date | None = None
    reason: str = ""
    seats_left: int = 1
    now: datetime | None = None  # aware UTC, computed by the service
    recorded_interview_at: datetime | None = None  # the interview the placement has
    other_secured: int = 0  # the candidate's other accepted or started placements


def interview_over(interview_at: datetime | None, now: datetime | None) -> bool:
    """Whether a planned interview has taken place by `now` (without one, nothing is ahead).
    An unknown `now` never counts as after the interview."""
    return interview_at is None or (now is not None and interview_at <= now)


def interview_planned(ctx: PlacementFacts) -> Refusal | None:
    if ctx.interview_at is None:
        return Refusal("no_interview_date", N_("Give the date and time of the interview."))
    return None


def interview_in_past(ctx: PlacementFacts) -> Refusal | None:
    """Recording an interview: it has taken place (the time given is not ahead)."""
    if ctx.interview_at is not None and not interview_over(ctx.interview_at, ctx.now):
        return Refusal(
            "interview_in_future",
            N_("Record the interview once it has taken place: that time is still ahead."),
        )
    return None


def start_date_given(ctx: PlacementFacts) -> Refusal | None:
    if ctx.start_date is None:
        return Refusal("no_start_date", N_("An accepted placement needs a start date."))
    return None


def interview_held(ctx: PlacementFacts) -> Refusal | None:
    if ctx.recorded_interview_at is None or not interview_over(ctx.recorded_interview_at, ctx.now):
        return Refusal(
            "interview_not_held",
            N_("The interview has not taken place yet: an offer can only follow it."),
        )
    return None


def no_other_secured(ctx: PlacementFacts) -> Refusal | None:
    if ctx.other_secured > 0:
        return Refusal(
            "other_placement_secured", N_("The candidate has already accepted another placement.")
        )
    return None


def seat_free(ctx: PlacementFacts) -> Refusal | None:
    if ctx.seats_left <= 0:
        return Refusal("no_seat_left", N_("This project has no seats left."))
    return None


def reason_given(ctx: PlacementFacts) -> Refusal | None:
    if not ctx.reason.strip():
        return Refusal("reason_missing", N_("Please give a reason."))
    return None


# Guards that the step's own form fields satisfy (a date, a reason): the desk page does not
# list them as reasons why a step is not possible yet.
FORM_INPUT_GUARDS = frozenset(
    {"interview_planned", "interview_in_past", "start_date_given", "reason_given"}
)

GUARDS = {
    "interview_planned": Guard(
        "interview_planned", interview_planned, "desk", N_("Plan the interview")
    ),
    "interview_in_past": Guard(
        "interview_in_past", interview_in_past, "company", N_("Hold the placement interview")
    ),
    "interview_held": Guard(
        "interview_held", interview_held, "company", N_("Hold the placement interview")
    ),
    "start_date_given": Guard(
        "start_date_given", start_date_given, "company", N_("Agree on a start date")
    ),
    "no_other_secured": Guard(
        "no_other_secured",
        no_other_secured,
        "desk",
        N_("Withdraw the other accepted placement"),
    ),
    "seat_free": Guard("seat_free", seat_free, "desk", N_("Find a project with a free seat")),
    "reason_given": Guard("reason_given", reason_given, "desk", N_("Give a reason")),
}


def set_interview(model: Any, ctx: PlacementFacts, source: str) -> None:
    model.interview_at = ctx.interview_at


def set_start_date(model: Any, ctx: PlacementFacts, source: str) -> None:
    model.start_date = ctx.start_date


def record_reason(model: Any, ctx: PlacementFacts, source: str) -> None:
    model.closed_reason = ctx.reason.strip()


EFFECTS = {
    "set_interview": set_interview,
    "set_start_date": set_start_date,
    "record_reason": record_reason,
}

# A company contact (role "company") takes the company's steps on its own placements: plan
# the interview, record when it took place, make the offer, confirm the start date, decline.
TRANSITIONS: list[dict[str, Any]] = [
    {
        "trigger": "schedule_interview",
        "label": N_("Plan the interview"),
        "source": PROPOSED,
        "dest": INTERVIEW,
        "roles": ["staff", "company"],
        "conditions": ["interview_planned"],
        "after": ["set_interview"],
    },
    {
        "trigger": "record_interview",
        "label": N_("Record when the interview took place"),
        "source": INTERVIEW,
        "dest": INTERVIEW,
        "roles": ["staff", "company"],
        "conditions": ["interview_planned", "interview_in_past"],
        "after": ["set_interview"],
    },
    {
        "trigger": "make_offer",
        "label": N_("The company makes an offer"),
        "source": INTERVIEW,
        "dest": OFFER,
        "roles": ["staff", "company"],
        "conditions": ["interview_held"],
    },
    {
        "trigger": "accept",
        "label": N_("The candidate accepts the offer"),
        "source": OFFER,
        "dest": ACCEPTED,
        "roles": ["staff"],
        "conditions": ["start_date_given", "seat_free", "no_other_secured"],
        "after": ["set_start_date"],
    },
    *[
        {
            "trigger": "confirm_start_date",
            "label": N_("Confirm the start date"),
            "source": status,
            "dest": status,
            "roles": ["staff", "company"],
            "conditions": ["start_date_given"],
            "after": ["set_start_date"],
        }
        for status in (OFFER, ACCEPTED)
    ],
    {
        "trigger": "start",
        "label": N_("The placement has started"),
        "source": ACCEPTED,
        "dest": STARTED,
        "roles": ["staff"],
        # Only as the follow-up of the onboarding's confirm_placement: the placement starts
        # when the desk confirms it, so the two can never disagree.
        "automatic": True,
    },
    *[
        {
            "trigger": "decline",
            "label": N_("Declined"),
            "source": status,
            "dest": DECLINED,
            "roles": ["staff", "company"],
            "conditions": ["reason_given"],
            "after": ["record_reason"],
            "needs_reason": True,
        }
        for status in OPEN_STATUSES
    ],
    *[
        {
            "trigger": "withdraw",
            "label": N_("Withdraw the placement"),
            "source": status,
            "dest": WITHDRAWN,
            "roles": ["staff"],
            "conditions": ["reason_given"],
            "after": ["record_reason"],
            "needs_reason": True,
        }
        for status in LIVE_STATUSES
    ],
]

PLACEMENT = Workflow(
    name="placement",
    states=[{"name": s, "label": STATUS_LABELS[s]} for s in STATUSES],
    initial=PROPOSED,
    transitions=TRANSITIONS,
    guards=GUARDS,
    effects=EFFECTS,
    state_attribute="status",
)
