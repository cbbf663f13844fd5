"""A workflow definition (data) and the one `transitions` machine built from it.

The definition lists states and transitions as plain dicts. Extra keys that `transitions`
does not know (`roles`, `needs_reason`, `then` for follow-ups, `automatic` for steps reached
only as a follow-up) stay in the definition; guards and effects are named by string and
resolved here. One `Machine` is built per definition, with no models attached:
a trigger is fired for a model through the machine's own `Event.trigger(model, ...)`, so no
row is ever registered on the machine (see docs/pitfalls.md: a machine per row, or `add_model` per
request, costs memory and time).

Guards are small pure functions `guard(ctx) -> Refusal | None`. The engine evaluates them
itself before firing so that a refusal carries a reason a person can read; the machine then
checks the same functions again as its conditions, so the machine stays the one authority on
what may happen.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from transitions import Machine, MachineError


@dataclass(frozen=True)
class Refusal:
    """Why something may not happen: a msgid (translated when shown) and its parameters."""

    code: str
    message: str
    params: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Guard:
    """A named precondition.

    `check(ctx)` returns None when the condition holds, else a Refusal. `waits_on` names the
    role that can make it hold, and `todo` is the next step shown while it does not. A
    `selects` guard chooses between transitions of one trigger (e.g. which phase `resume`
    returns to) rather than blocking: branches it rules out are not reported as refusals.
    """

    name: str
    check: Callable[[Any], Refusal | None]
    waits_on: str
    todo: str
    selects: bool = False


@dataclass(frozen=True)
class TransitionSpec:
    trigger: str
    source: str
    dest: str
    roles: frozenset[str]
    guards: tuple[Guard, ...]
    effects: tuple[str, ...]
    needs_reason: bool
    label: str
    # Changes to other aggregates that the service makes through *their* workflows, in the
    # same transaction (e.g. withdrawing live placements); the engine itself never runs them.
    follow_ups: tuple[str, ...] = ()
    # Reached only as another transition's follow-up (`automatic` in the definition): never
    # offered to a person, and refused when fired without `follow_up=True`.
    automatic: bool = False
    # A step with consequences that the person confirms first (a ticked box saying this,
    # `confirm` in the definition); "" when one click is enough.
    confirm: str = ""


class WorkflowError(Exception):
    """Base for refusals raised by the engine; `refusals` say why."""

    def __init__(self, refusals: Iterable[Refusal]):
        self.refusals = tuple(refusals)
        super().__init__(", ".join(r.code for r in self.refusals))


class UnknownTrigger(WorkflowError):
    pass


class NotAllowedFromState(WorkflowError):
    pass


class FollowUpOnly(NotAllowedFromState):
    """The transition happens only as the follow-up of another one, never by hand."""


class RoleNotAllowed(WorkflowError):
    pass


class GuardFailed(WorkflowError):
    pass


class Workflow:
    """One process: its states, transitions, guards, effects and the machine built from them."""

    def __init__(
        self,
        *,
        name: str,
        states: list[dict[str, Any]],
        initial: str,
        transitions: list[dict[str, Any]],
        guards: Mapping[str, Guard],
        effects: Mapping[str, Callable[[Any, Any, str], None]],
        state_attribute: str,
    ):
        self.name = name
        self.states = [s["name"] for s in states]
        self.state_info = {s["name"]: s for s in states}
        self.initial = initial
        self.guards = dict(guards)
        self.effects = dict(effects)
        self.state_attribute = state_attribute
        self.specs = [self._spec(t) for t in transitions]
        self.machine = Machine(
            model=None,
            states=self.states,
            initial=initial,
            transitions=[self._machine_transition(s) for s in self.specs],
            auto_transitions=False,
            send_event=True,
            model_attribute=state_attribute,
            name=name,
        )

    # -- building ---------------------------------------------------------------------------

    def _spec(self, data: dict[str, Any]) -> TransitionSpec:
        unknown = set(data) - {
            "trigger", "source", "dest", "roles", "conditions", "after", "needs_reason", "label",
            "then", "automatic", "confirm",
        }  # fmt: skip
        if unknown:
            raise ValueError(f"{self.name}: unknown keys {sorted(unknown)} in {data!r}")
        for state in (data["source"], data["dest"]):
            if state not in self.states:
                raise ValueError(f"{self.name}: unknown state {state!r} in {data!r}")
        return TransitionSpec(
            trigger=data["trigger"],
            source=data["source"],
            dest=data["dest"],
            roles=frozenset(data["roles"]),
            guards=tuple(self.guards[name] for name in data.get("conditions", ())),
            effects=tuple(data.get("after", ())),
            needs_reason=bool(data.get("needs_reason", False)),
            label=data["label"],
            follow_ups=tuple(data.get("then", ())),
            automatic=bool(data.get("automatic", False)),
            confirm=str(data.get("confirm", "")),
        )

    def _machine_transition(self, spec: TransitionSpec) -> dict[str, Any]:
        def condition(guard: Guard) -> Callable[[Any], bool]:
            return lambda event: guard.check(event.kwargs["ctx"]) is None

        def role_allowed(event: Any) -> bool:
            return event.kwargs["role"] in spec.roles

        def effect(name: str) -> Callable[[Any], None]:
            func = self.effects[name]
            return lambda event: func(event.model, event.kwargs["ctx"], event.transition.source)

        return {
            "trigger": spec.trigger,
            "source": spec.source,
            "dest": spec.dest,
            # The role is a condition too, so that a trigger with several transitions from one
            # state never lets a role take a branch reserved for another.
            "conditions": [role_allowed, *(condition(g) for g in spec.guards)],
            "after": [effect(name) for name in spec.effects],
        }

    # -- reading the graph ------------------------------------------------------------------

    @property
    def triggers(self) -> list[str]:
        return list(self.machine.events)

    def specs_for(self, trigger: str, source: str) -> list[TransitionSpec]:
        """Transitions for `trigger` from `source` (definition order), as the machine has them."""
        held = {(t.source, t.dest) for t in self.machine.get_transitions(trigger, source)}
        return [s for s in self.specs if s.trigger == trigger and (s.source, s.dest) in held]

    def triggers_from(self, state: str) -> list[str]:
        """Triggers that can leave `state`, in definition order, each once."""
        seen: list[str] = []
        for spec in self.specs:
            if spec.source == state and spec.trigger not in seen:
                seen.append(spec.trigger)
        return seen

    def edges(self) -> list[tuple[str, str, str]]:
        """(source, dest, trigger) for every transition the machine holds."""
        return [
            (t.source, t.dest or t.source, name)  # a transition without dest stays
            for name, event in self.machine.events.items()
            for transitions in event.transitions.values()
            for t in transitions
        ]

    # -- deciding and firing ----------------------------------------------------------------

    def check(
        self, trigger: str, state: str, role: str, ctx: Any, *, follow_up: bool = False
    ) -> TransitionSpec:
        """The transition that `trigger` would take, or a WorkflowError saying why not.

        `follow_up` says the service takes the step as another transition's follow-up; only
        then may an `automatic` transition be taken."""
        if trigger not in self.machine.events:
            raise UnknownTrigger([Refusal("unknown_trigger", "unknown", {"trigger": trigger})])
        specs = self.specs_for(trigger, state)
        if not specs:
            raise NotAllowedFromState(
                [Refusal("invalid_from_state", "invalid", {"trigger": trigger, "state": state})]
            )
        specs = [s for s in specs if role in s.roles]
        if not specs:
            raise RoleNotAllowed([Refusal("role", "role", {"trigger": trigger, "role": role})])
        if getattr(ctx, "role", role) != role:
            raise ValueError(f"{self.name}: facts are for role {ctx.role!r}, not {role!r}")
        if not follow_up:
            specs = [s for s in specs if not s.automatic]
            if not specs:
                raise FollowUpOnly(
                    [Refusal("follow_up_only", "follow_up_only", {"trigger": trigger})]
                )
        selected = [s for s in specs if all(g.check(ctx) is None for g in s.guards if g.selects)]
        if not selected:
            ruled_out: list[Refusal] = []
            for spec in specs:
                for guard in spec.guards:
                    refusal = guard.check(ctx) if guard.selects else None
                    if refusal is not None and refusal not in ruled_out:
                        ruled_out.append(refusal)
            raise GuardFailed(ruled_out)
        refusals: list[Refusal] = []
        for spec in selected:
            failed = [r for r in (g.check(ctx) for g in spec.guards) if r is not None]
            if not failed:
                return spec
            refusals.extend(r for r in failed if r not in refusals)
        raise GuardFailed(refusals)

    def fire(
        self, model: Any, trigger: str, role: str, ctx: Any, *, follow_up: bool = False
    ) -> TransitionSpec:
        """Check, then fire `trigger` on `model` through the shared machine."""
        state = getattr(model, self.state_attribute)
        spec = self.check(trigger, state, role, ctx, follow_up=follow_up)
        try:
            fired = self.machine.events[trigger].trigger(model, ctx=ctx, role=role)
        except MachineError as error:  # the graph changed under us: treat as invalid
            raise NotAllowedFromState([Refusal("invalid_from_state", str(error))]) from error
        if not fired or getattr(model, self.state_attribute) != spec.dest:
            # The machine disagreed with our own reading of the same guards: never silently.
            raise RuntimeError(f"{self.name}: machine refused {trigger} that check() allowed")
        return spec

    def available(self, state: str, role: str) -> list[str]:
        """Triggers `role` may fire by hand from `state` (guards not yet considered)."""
        return [
            t
            for t in self.triggers_from(state)
            if any(role in s.roles and not s.automatic for s in self.specs_for(t, state))
        ]
