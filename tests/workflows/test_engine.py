"""The generic Workflow engine: building, reading the graph, check()/fire(), purity.

A tiny three-state workflow exercises the engine on its own; the ONBOARDING instance is
used for the properties the app relies on (one shared machine, no auto transitions).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

from workflows.engine import (
    FollowUpOnly,
    Guard,
    GuardFailed,
    NotAllowedFromState,
    Refusal,
    RoleNotAllowed,
    UnknownTrigger,
    Workflow,
    WorkflowError,
)
from workflows.onboarding import ACTIVE_PHASES, ONBOARDING, PHASES, ROLES, TRANSITIONS

REPO = Path(__file__).resolve().parents[2]


# -- a tiny workflow ------------------------------------------------------------------------


def has_title(ctx) -> Refusal | None:
    return None if ctx.title else Refusal("no_title", "A title is needed.")


def approved(ctx) -> Refusal | None:
    return None if ctx.approved else Refusal("not_approved", "Not approved.")


def urgent(ctx) -> Refusal | None:
    return None if ctx.urgent else Refusal("not_urgent", "Not urgent.")


def stamp(model, ctx, source) -> None:
    model.stamps.append((source, model.status))


TINY_GUARDS = {
    "has_title": Guard("has_title", has_title, "author", "Add a title"),
    "approved": Guard("approved", approved, "editor", "Approve"),
    "urgent": Guard("urgent", urgent, "editor", "Mark urgent"),
}
TINY_STATES = [{"name": "draft"}, {"name": "review"}, {"name": "done"}]
TINY_TRANSITIONS = [
    {
        "trigger": "submit",
        "label": "Submit",
        "source": "draft",
        "dest": "review",
        "roles": ["author"],
        "conditions": ["has_title"],
        "after": ["stamp"],
    },
    # Two transitions for one trigger from one state: the first whose guards hold wins.
    {
        "trigger": "decide",
        "label": "Publish",
        "source": "review",
        "dest": "done",
        "roles": ["editor"],
        "conditions": ["approved", "has_title"],
        "after": ["stamp"],
    },
    {
        "trigger": "decide",
        "label": "Fast-track",
        "source": "review",
        "dest": "done",
        "roles": ["editor"],
        "conditions": ["urgent", "has_title"],
    },
    {
        "trigger": "reopen",
        "label": "Reopen",
        "source": "done",
        "dest": "draft",
        "roles": ["editor", "author"],
        "needs_reason": True,
    },
]


def tiny(transitions=None, guards=None) -> Workflow:
    return Workflow(
        name="tiny",
        states=TINY_STATES,
        initial="draft",
        transitions=TINY_TRANSITIONS if transitions is None else transitions,
        guards=TINY_GUARDS if guards is None else guards,
        effects={"stamp": stamp},
        state_attribute="status",
    )


class Doc:
    def __init__(self, status: str = "draft"):
        self.status = status
        self.stamps: list[tuple[str, str]] = []


def doc_ctx(**values) -> SimpleNamespace:
    return SimpleNamespace(**{"title": "Hello", "approved": True, "urgent": False, **values})


# -- building -------------------------------------------------------------------------------


def test_specs_mirror_the_definition():
    flow = tiny()
    assert [(s.trigger, s.source, s.dest) for s in flow.specs] == [
        (t["trigger"], t["source"], t["dest"]) for t in TINY_TRANSITIONS
    ]
    submit = flow.specs[0]
    assert submit.roles == frozenset({"author"})
    assert submit.guards == (TINY_GUARDS["has_title"],)
    assert submit.effects == ("stamp",)
    assert submit.needs_reason is False
    assert submit.label == "Submit"
    reopen = flow.specs[3]
    assert reopen.guards == () and reopen.effects == () and reopen.needs_reason is True
    assert flow.states == ["draft", "review", "done"]
    assert flow.initial == "draft"


@pytest.mark.parametrize("bad_key", ["unless", "guards", "rolse", "before", "prepare"])
def test_constructor_rejects_unknown_keys(bad_key):
    transition = {**TINY_TRANSITIONS[0], bad_key: ["something"]}
    with pytest.raises(ValueError, match=bad_key):
        tiny(transitions=[transition])


@pytest.mark.parametrize(
    ("end", "state"), [("source", "archived"), ("dest", "published"), ("dest", "Draft")]
)
def test_constructor_rejects_unknown_states(end, state):
    transition = {**TINY_TRANSITIONS[0], end: state}
    with pytest.raises(ValueError, match=state):
        tiny(transitions=[transition])


def test_onboarding_definition_builds_again_unchanged():
    """The module-level data is valid input for the constructor (and is not consumed by it)."""
    rebuilt = Workflow(
        name="again",
        states=[{"name": p} for p in PHASES],
        initial="outreach",
        transitions=TRANSITIONS,
        guards=ONBOARDING.guards,
        effects=ONBOARDING.effects,
        state_attribute="phase",
    )
    assert rebuilt.specs == ONBOARDING.specs
    assert sorted(rebuilt.edges()) == sorted(ONBOARDING.edges())


# -- the machine: one per definition, no models, no auto transitions -------------------------


def test_machine_has_no_auto_transitions():
    assert ONBOARDING.machine.auto_transitions is False
    assert not [t for t in ONBOARDING.triggers if t.startswith("to_")]
    assert sorted(ONBOARDING.triggers) == sorted({t["trigger"] for t in TRANSITIONS})
    assert not [t for t in tiny().triggers if t.startswith("to_")]


FORWARD_TRIGGER = {
    "outreach": "start_immersion",
    "language_immersion": "complete_immersion",
    "mentoring": "propose_placement",
}


def test_shared_machine_holds_no_models_after_many_fires(model, facts):
    assert ONBOARDING.machine.models == []
    rows = [model() for _ in range(25)]
    for _ in range(4):
        for row in rows:
            for phase in ACTIVE_PHASES:
                ONBOARDING.fire(row, "pause", "staff", facts())
                assert row.phase == "on_hold" and row.paused_from == phase
                ONBOARDING.fire(row, "resume", "staff", facts(paused_from=row.paused_from))
                assert row.phase == phase
                if phase in FORWARD_TRIGGER:
                    ONBOARDING.fire(row, FORWARD_TRIGGER[phase], "staff", facts())
            assert row.phase == "company_placement"
            ONBOARDING.fire(row, "confirm_placement", "staff", facts())
            assert row.phase == "placed"
            row.phase = "outreach"
    assert ONBOARDING.machine.models == []
    # Nothing was bound onto the rows either (add_model would add triggers and is_<state>).
    for name in ("trigger", "start_immersion", "may_pause", "is_outreach", "to_placed", "state"):
        assert not hasattr(rows[0], name)


def test_models_sharing_the_machine_keep_their_own_phase(model, facts):
    first, second = model(), model("mentoring")
    ONBOARDING.fire(first, "start_immersion", "staff", facts())
    ONBOARDING.fire(second, "pause", "staff", facts())
    assert (first.phase, second.phase) == ("language_immersion", "on_hold")
    assert (first.paused_from, second.paused_from) == (None, "mentoring")


def test_tiny_machine_has_no_models_and_fires_for_any_object():
    flow = tiny()
    docs = [Doc() for _ in range(10)]
    for doc in docs:
        flow.fire(doc, "submit", "author", doc_ctx())
    assert flow.machine.models == []
    assert {d.status for d in docs} == {"review"}
    assert docs[0].stamps == [("draft", "review")]  # effects run after the state changed


# -- reading the graph ----------------------------------------------------------------------


def test_edges_hold_every_transition_once():
    edges = ONBOARDING.edges()
    expected = [(s.source, s.dest, s.trigger) for s in ONBOARDING.specs]
    assert sorted(edges) == sorted(expected)
    assert len(edges) == len(set(edges)) == len(TRANSITIONS)
    for t in TRANSITIONS:
        assert (t["source"], t["dest"], t["trigger"]) in edges


@pytest.mark.parametrize("trigger", sorted({t["trigger"] for t in TRANSITIONS}))
@pytest.mark.parametrize("phase", PHASES)
def test_specs_for_matches_the_definition(trigger, phase):
    expected = [s for s in ONBOARDING.specs if s.trigger == trigger and s.source == phase]
    assert ONBOARDING.specs_for(trigger, phase) == expected


@pytest.mark.parametrize("phase", PHASES)
def test_triggers_from_in_definition_order(phase):
    expected: list[str] = []
    for t in TRANSITIONS:
        if t["source"] == phase and t["trigger"] not in expected:
            expected.append(t["trigger"])
    assert ONBOARDING.triggers_from(phase) == expected


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("phase", PHASES)
def test_available_matches_the_definition(phase, role):
    expected: list[str] = []
    for t in TRANSITIONS:
        if t["source"] == phase and role in t["roles"] and t["trigger"] not in expected:
            expected.append(t["trigger"])
    assert ONBOARDING.available(phase, role) == expected


@pytest.mark.parametrize(
    ("phase", "role", "expected"),
    [
        ("outreach", "staff", ["start_immersion", "begin_mentoring", "pause", "withdraw"]),
        ("outreach", "mentor", []),
        ("language_immersion", "staff", ["complete_immersion", "pause", "withdraw"]),
        ("language_immersion", "mentor", ["complete_immersion"]),
        ("mentoring", "mentor", ["propose_placement"]),
        ("mentoring", "staff", ["propose_placement", "pause", "withdraw"]),
        (
            "company_placement",
            "staff",
            ["confirm_placement", "placement_fell_through", "pause", "withdraw"],
        ),
        ("company_placement", "mentor", []),
        ("on_hold", "staff", ["resume", "withdraw"]),
        ("on_hold", "mentor", []),
        ("placed", "staff", []),
        ("withdrawn", "staff", []),
        *[(phase, "candidate", []) for phase in PHASES],
    ],
)
def test_available_examples(phase, role, expected):
    assert ONBOARDING.available(phase, role) == expected


# -- check() and fire() ---------------------------------------------------------------------


@pytest.mark.parametrize("trigger", ["launch", "", "to_placed", "START_IMMERSION", "pause "])
@pytest.mark.parametrize("phase", PHASES)
def test_unknown_trigger(model, facts, trigger, phase):
    row = model(phase)
    before = row.snapshot()
    with pytest.raises(UnknownTrigger) as raised:
        ONBOARDING.fire(row, trigger, "staff", facts())
    assert [r.code for r in raised.value.refusals] == ["unknown_trigger"]
    assert raised.value.refusals[0].params == {"trigger": trigger}
    assert row.snapshot() == before
    with pytest.raises(UnknownTrigger):
        ONBOARDING.check(trigger, phase, "staff", facts())


def test_errors_share_a_base_and_name_their_codes():
    for cls in (UnknownTrigger, NotAllowedFromState, RoleNotAllowed, GuardFailed):
        assert issubclass(cls, WorkflowError)
    error = GuardFailed([Refusal("a", "A"), Refusal("b", "B")])
    assert str(error) == "a, b"
    assert [r.code for r in error.refusals] == ["a", "b"]


def test_check_order_state_before_role_before_guards(facts):
    # a mentor asking for a staff-only trigger from the wrong phase: the phase speaks first
    with pytest.raises(NotAllowedFromState):
        ONBOARDING.check("confirm_placement", "outreach", "mentor", facts("mentor"))
    # a candidate with failing guards: the role speaks before the guards
    bad = facts("candidate", consent_given=False, missing_profile_fields=("phone",))
    with pytest.raises(RoleNotAllowed):
        ONBOARDING.check("start_immersion", "outreach", "candidate", bad)


def test_check_does_not_touch_the_model(model, facts):
    row = model()
    before = row.snapshot()
    spec = ONBOARDING.check("start_immersion", row.phase, "staff", facts())
    assert spec.dest == "language_immersion"
    assert row.snapshot() == before


def test_guard_failed_lists_every_failing_guard_in_order(model, facts):
    row = model()
    bad = facts(consent_given=False, missing_profile_fields=("phone", "diploma"))
    with pytest.raises(GuardFailed) as raised:
        ONBOARDING.fire(row, "start_immersion", "staff", bad)
    assert [r.code for r in raised.value.refusals] == ["profile_incomplete", "no_consent"]
    assert row.phase == "outreach" and row.immersion_start is None


def test_first_transition_whose_guards_hold_is_taken():
    flow = tiny()
    doc = Doc("review")
    spec = flow.fire(doc, "decide", "editor", doc_ctx(approved=False, urgent=True))
    assert spec.label == "Fast-track"
    assert doc.status == "done" and doc.stamps == []  # the fast track has no effect
    doc = Doc("review")
    spec = flow.fire(doc, "decide", "editor", doc_ctx(approved=True, urgent=True))
    assert spec.label == "Publish"
    assert doc.stamps == [("review", "done")]


def test_refusals_from_several_transitions_are_merged_without_duplicates():
    flow = tiny()
    doc = Doc("review")
    with pytest.raises(GuardFailed) as raised:
        flow.fire(doc, "decide", "editor", doc_ctx(title="", approved=False, urgent=False))
    assert [r.code for r in raised.value.refusals] == ["not_approved", "no_title", "not_urgent"]
    assert doc.status == "review" and doc.stamps == []


def test_role_is_checked_per_transition():
    """A role allowed on one transition of a trigger must not take another one.

    Two `decide` transitions from `review`: an ordinary one for editors (needs approval) and
    a fast track for chiefs only. An editor whose document is not approved but urgent may
    not take the chief's fast track.
    """
    transitions = [
        {**TINY_TRANSITIONS[1], "roles": ["editor", "chief"]},
        {**TINY_TRANSITIONS[2], "roles": ["chief"]},
    ]
    flow = tiny(transitions=transitions)
    doc = Doc("review")
    with pytest.raises((GuardFailed, RoleNotAllowed)):
        flow.check("decide", "review", "editor", doc_ctx(approved=False, urgent=True))
    with pytest.raises((GuardFailed, RoleNotAllowed)):
        flow.fire(doc, "decide", "editor", doc_ctx(approved=False, urgent=True))
    assert doc.status == "review"
    # the chief may
    assert flow.fire(doc, "decide", "chief", doc_ctx(approved=False, urgent=True)).label == (
        "Fast-track"
    )


def test_an_automatic_transition_is_taken_only_as_a_follow_up():
    """`automatic`: reached only as another transition's follow-up, never by hand."""
    transitions = [{**TINY_TRANSITIONS[0], "automatic": True}, TINY_TRANSITIONS[3]]
    flow = tiny(transitions=transitions)
    assert flow.specs[0].automatic is True and flow.specs[1].automatic is False
    assert flow.available("draft", "author") == []
    assert flow.triggers_from("draft") == ["submit"]  # still part of the graph
    assert ("draft", "review", "submit") in flow.edges()
    doc = Doc()
    with pytest.raises(FollowUpOnly) as raised:
        flow.fire(doc, "submit", "author", doc_ctx())
    assert isinstance(raised.value, NotAllowedFromState)
    assert [r.code for r in raised.value.refusals] == ["follow_up_only"]
    assert doc.status == "draft" and doc.stamps == []
    # the role and the guards still hold for the follow-up
    with pytest.raises(RoleNotAllowed):
        flow.fire(doc, "submit", "editor", doc_ctx(), follow_up=True)
    with pytest.raises(GuardFailed):
        flow.fire(doc, "submit", "author", doc_ctx(title=""), follow_up=True)
    assert flow.fire(doc, "submit", "author", doc_ctx(), follow_up=True).dest == "review"
    assert doc.status == "review"


def test_machine_disagreeing_with_check_is_never_silent():
    """If a guard answers differently when the machine re-checks it, fire() raises."""
    answers = iter([None, Refusal("changed", "Changed its mind.")])
    flaky = Guard("flaky", lambda ctx: next(answers), "author", "Wait")
    flow = tiny(
        transitions=[{**TINY_TRANSITIONS[0], "conditions": ["flaky"]}],
        guards={"flaky": flaky},
    )
    doc = Doc()
    with pytest.raises(RuntimeError, match="machine refused submit"):
        flow.fire(doc, "submit", "author", doc_ctx())
    assert doc.status == "draft" and doc.stamps == []


def test_machine_checks_the_guards_itself():
    """The machine's conditions are the same guard functions, evaluated with the ctx."""
    flow = tiny()
    doc = Doc()
    fired = flow.machine.events["submit"].trigger(doc, ctx=doc_ctx(title=""), role="author")
    assert fired is False and doc.status == "draft"
    # The role is one of the machine's conditions as well.
    fired = flow.machine.events["submit"].trigger(doc, ctx=doc_ctx(), role="editor")
    assert fired is False and doc.status == "draft"
    fired = flow.machine.events["submit"].trigger(doc, ctx=doc_ctx(), role="author")
    assert fired is True and doc.status == "review"


# -- purity ---------------------------------------------------------------------------------


WORKFLOW_MODULES = sorted(
    f"workflows.{path.stem}"
    for path in (REPO / "workflows").glob("*.py")
    if path.stem != "__init__"
)


def test_the_purity_check_covers_every_module_of_workflows():
    assert len(WORKFLOW_MODULES) >= 8
    assert {"workflows.checklist", "workflows.matching", "workflows.reminders"} <= set(
        WORKFLOW_MODULES
    )


@pytest.mark.parametrize("module", WORKFLOW_MODULES)
def test_workflows_import_without_flask_or_sqlalchemy(module):
    """Each module of workflows/, imported alone in a fresh interpreter, pulls in no web or
    database library and nothing of the application."""
    code = (
        "import importlib, json, sys\n"
        f"importlib.import_module({module!r})\n"
        "names = [m for m in sys.modules if m.split('.')[0] in "
        "('flask', 'flask_babel', 'flask_login', 'flask_wtf', 'wtforms', 'werkzeug', "
        "'sqlalchemy', 'flask_sqlalchemy', 'alembic', 'onboarding')]\n"
        "print(json.dumps({'bad': sorted(names)}))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    assert json.loads(result.stdout) == {"bad": []}
