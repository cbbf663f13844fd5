"""The relocation plan of each candidate (`workflows/relocation.py`): read it, record its
steps, and keep each open step's deadline on its row so that the board finds overdue steps
in one query.

Every change goes through here — the route, the arrival day, a step done, undone or marked
not needed — with the role check, the audit row and `refresh` in the caller's transaction;
`documents` calls `refresh` when a proof is uploaded or reviewed and `relocation_rules` calls
`refresh_all` when a rule row changes. Nothing here commits.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from flask_babel import gettext as _
from sqlalchemy import ColumnExpressionArgument, ScalarSelect, func, select

from onboarding.extensions import db
from onboarding.models import (
    Candidate,
    Document,
    MunicipalityHelp,
    RelocationRule,
    RelocationStep,
    User,
    utcnow,
)
from onboarding.reference import LIMBURG_MUNICIPALITIES
from onboarding.services import audit
from onboarding.services.access import require_role
from onboarding.services.errors import Forbidden, Refused
from onboarding.services.reminders import reschedule
from workflows import relocation
from workflows.checklist import VERIFIED
from workflows.dates import local_date, programme_today
from workflows.onboarding import PLACED
from workflows.relocation import Plan, PlanFacts, RuleBook, RuleRow

# Document kinds whose upload, review or deletion changes a plan or a permit's expiry.
PLAN_KINDS = frozenset(
    {step.proof for step in relocation.STEPS if step.proof} | set(relocation.EXPIRING_KINDS)
)

# How far ahead a planned arrival may be recorded.
ARRIVAL_AHEAD_DAYS = 366
REASON_LENGTH = 500


def rule_rows() -> list[RuleRow]:
    rows = db.session.scalars(select(RelocationRule).order_by(RelocationRule.effective_from))
    return [as_rule_row(row) for row in rows]


def as_rule_row(row: RelocationRule) -> RuleRow:
    return RuleRow(
        key=row.key,
        value=row.value,
        effective_from=row.effective_from,
        source_url=row.source_url,
        checked_on=row.checked_on,
        verified=row.verified,
        note=row.note or "",
    )


def rulebook() -> RuleBook:
    return RuleBook(rule_rows())


def _proved_on(candidate_ids: Sequence[int]) -> dict[int, dict[str, date]]:
    """The day each proof kind was first verified, per candidate."""
    proofs = {step.proof for step in relocation.STEPS if step.proof}
    rows = db.session.execute(
        select(Document.candidate_id, Document.kind, func.min(Document.reviewed_at))
        .where(
            Document.candidate_id.in_(candidate_ids),
            Document.kind.in_(proofs),
            Document.status == VERIFIED,
        )
        .group_by(Document.candidate_id, Document.kind)
    ).all()
    found: dict[int, dict[str, date]] = {}
    for candidate_id, kind, reviewed_at in rows:
        if reviewed_at is not None:  # a verified document always has its review time
            found.setdefault(candidate_id, {})[kind] = local_date(reviewed_at)
    return found


def _recorded(candidate_ids: Sequence[int]) -> dict[int, list[RelocationStep]]:
    """The candidates' step rows, by candidate id."""
    recorded: dict[int, list[RelocationStep]] = {}
    for row in db.session.scalars(
        select(RelocationStep).where(RelocationStep.candidate_id.in_(candidate_ids))
    ):
        recorded.setdefault(row.candidate_id, []).append(row)
    return recorded


def facts_for_many(
    candidates: Sequence[Candidate],
    recorded: dict[int, list[RelocationStep]] | None = None,
) -> dict[int, PlanFacts]:
    """The plan facts of many candidates in two queries, by id; pass `recorded` (from
    `_recorded`) when the step rows are already loaded."""
    ids = [c.id for c in candidates]
    if not ids:
        return {}
    if recorded is None:
        recorded = _recorded(ids)
    proved = _proved_on(ids)
    facts = {}
    for candidate in candidates:
        proofs = proved.get(candidate.id, {})
        done_on = {
            step.code: proofs[step.proof]
            for step in relocation.STEPS
            if step.proof and step.proof in proofs
        }
        skipped = set()
        for row in recorded.get(candidate.id, ()):
            if row.skipped_reason:
                skipped.add(row.step)
            elif row.done_on is not None:
                done_on[row.step] = row.done_on
        facts[candidate.id] = PlanFacts(
            country_code=candidate.country_code,
            route=candidate.residence_route,
            arrival_on=candidate.arrival_on,
            done_on=done_on,
            skipped=frozenset(skipped),
        )
    return facts


def plan_for(candidate: Candidate, today: date | None = None) -> Plan:
    facts = facts_for_many([candidate])[candidate.id]
    return relocation.plan(facts, rulebook(), today or programme_today())


def recorded_steps(candidate: Candidate) -> dict[str, RelocationStep]:
    """The candidate's recorded steps by code (for the reason shown and what may be reopened)."""
    return {row.step: row for row in _recorded([candidate.id]).get(candidate.id, [])}


def _row(candidate: Candidate, code: str) -> RelocationStep:
    row = db.session.get(RelocationStep, (candidate.id, code))
    if row is None:
        row = RelocationStep(candidate_id=candidate.id, step=code)
        db.session.add(row)
    return row


def refresh_many(candidates: Sequence[Candidate], book: RuleBook | None = None) -> None:
    """Write each open step's deadline on its row (and clear it on the others), so that
    `overdue_ids` is one indexed query. Rows that hold nothing are removed."""
    if not candidates:
        return
    db.session.flush()
    book = book or rulebook()
    today = programme_today()
    recorded = _recorded([c.id for c in candidates])
    facts = facts_for_many(candidates, recorded)
    for candidate in candidates:
        open_due = {
            step.code: step.due_on
            for step in relocation.plan(facts[candidate.id], book, today).steps
            if step.status in (relocation.OPEN, relocation.WAITING) and step.due_on
        }
        for code, due_on in open_due.items():
            _row(candidate, code).open_due_on = due_on  # loaded above: no query
        for row in recorded.get(candidate.id, ()):
            if row.step in open_due:
                continue
            row.open_due_on = None
            if row.done_on is None and row.skipped_reason is None:
                db.session.delete(row)


def refresh(candidate: Candidate) -> None:
    """After a change to the candidate's plan: deadlines and the expiry reminders."""
    refresh_many([candidate])
    reschedule(candidate)


def refresh_all(batch: int = 500) -> int:
    """After a rule row changed: every candidate who has a plan with deadlines."""
    book = rulebook()
    query = (
        select(Candidate)
        .where(Candidate.erased_at.is_(None), Candidate.arrival_on.is_not(None))
        .order_by(Candidate.id)
    )
    count = 0
    chunk: list[Candidate] = []
    for candidate in db.session.scalars(query):
        chunk.append(candidate)
        if len(chunk) >= batch:
            refresh_many(chunk, book)
            count += len(chunk)
            chunk = []
    refresh_many(chunk, book)
    return count + len(chunk)


def overdue_ids(today: date | None = None):
    """A subquery of the ids of candidates with a step past its deadline."""
    today = today or programme_today()
    return (
        select(RelocationStep.candidate_id)
        .where(RelocationStep.open_due_on < today)
        .distinct()
        .scalar_subquery()
    )


@dataclass(frozen=True)
class OverdueStep:
    step: str  # a step code
    due_on: date


def overdue_steps(candidate_ids: Iterable[int], today: date | None = None) -> dict:
    """The overdue steps of these candidates, by id, earliest deadline first."""
    ids = list(candidate_ids)
    if not ids:
        return {}
    today = today or programme_today()
    rows = db.session.execute(
        select(RelocationStep.candidate_id, RelocationStep.step, RelocationStep.open_due_on)
        .where(RelocationStep.candidate_id.in_(ids), RelocationStep.open_due_on < today)
        .order_by(RelocationStep.open_due_on)
    ).all()
    found: dict[int, list[OverdueStep]] = {}
    for candidate_id, step, due_on in rows:
        if due_on is not None:  # always set: the query compares it
            found.setdefault(candidate_id, []).append(OverdueStep(step, due_on))
    return found


# Permits and cards that lapse. One counts while not rejected; a renewed one (a newer
# valid-until date) replaces the old one.
STANDING = (Document.status != "rejected", Document.valid_until.is_not(None))


def latest_valid_until(
    candidate_id: ColumnExpressionArgument[int], kind: str
) -> ScalarSelect[date | None]:
    """The latest standing valid-until date of the candidate's `kind`, as a subquery
    correlated with `candidate_id` (a column of the outer statement)."""
    return (
        select(func.max(Document.valid_until))
        .where(Document.candidate_id == candidate_id, Document.kind == kind, *STANDING)
        .correlate_except(Document)
        .scalar_subquery()
    )


def valid_until_many(
    candidate_ids: Sequence[int], *, placed_only: bool = False
) -> dict[int, dict[str, date]]:
    """The latest standing valid-until date of each expiring kind, per candidate.
    `placed_only`: of the placed among them (decided in the query, so a page issues it
    whatever phases it shows)."""
    if not candidate_ids:
        return {}
    query = (
        select(Document.candidate_id, Document.kind, func.max(Document.valid_until))
        .where(
            Document.candidate_id.in_(candidate_ids),
            Document.kind.in_(relocation.EXPIRING_KINDS),
            *STANDING,
        )
        .group_by(Document.candidate_id, Document.kind)
    )
    if placed_only:
        query = query.join(Candidate, Candidate.id == Document.candidate_id).where(
            Candidate.phase == PLACED
        )
    found: dict[int, dict[str, date]] = {}
    for candidate_id, kind, until in db.session.execute(query).all():
        if until is not None:
            found.setdefault(candidate_id, {})[kind] = until
    return found


def expired_permits(candidate: Candidate, today: date | None = None) -> tuple[str, ...]:
    """The kinds of the candidate's permits and cards whose validity has ended."""
    until = valid_until_many([candidate.id]).get(candidate.id, {})
    return relocation.expired(dict(until), today or programme_today())


def red_flag_of(candidate: Candidate, documents: Iterable[Document]) -> tuple[str, ...]:
    """`red_flags` of one candidate from their documents, already loaded (the candidate
    page has them for the checklist): the same rule, without a query."""
    if candidate.phase != PLACED:
        return ()
    until: dict[str, date] = {}
    for document in documents:
        if (
            document.kind in relocation.EXPIRING_KINDS
            and document.status != "rejected"
            and document.valid_until is not None
        ):
            until[document.kind] = max(document.valid_until, until.get(document.kind, date.min))
    return relocation.expired(until, programme_today())


def red_flags(
    candidates: Sequence[Candidate], today: date | None = None
) -> dict[int, tuple[str, ...]]:
    """The expired permits and cards of the placed among `candidates` (one query): a placed
    candidate whose permit lapsed may no longer work, which the desk must see at once."""
    today = today or programme_today()
    flags = {}
    ids = [c.id for c in candidates]
    for candidate_id, until in valid_until_many(ids, placed_only=True).items():
        if kinds := relocation.expired(dict(until), today):
            flags[candidate_id] = kinds
    return flags


# Changes.


def _check_candidate_or_desk(actor: User, candidate: Candidate) -> None:
    require_role(actor, "candidate", "staff")
    if actor.role == "candidate" and candidate.user_id != actor.id:
        raise Forbidden(_("You are not allowed to do this."))


def record_arrival(
    actor: User, candidate: Candidate, arrival_on: date | None, home_municipality: str | None
) -> None:
    """The candidate (or the desk) records the arrival day and where they live."""
    _check_candidate_or_desk(actor, candidate)
    today = programme_today()
    if arrival_on is not None and arrival_on > today + timedelta(days=ARRIVAL_AHEAD_DAYS):
        raise Refused(_("The arrival date can be at most a year ahead."))
    if home_municipality and home_municipality not in LIMBURG_MUNICIPALITIES:
        raise Refused(_("Choose a municipality in Limburg from the list."))
    changed = []
    if arrival_on != candidate.arrival_on:
        candidate.arrival_on = arrival_on
        changed.append("arrival")
    if (home_municipality or None) != candidate.home_municipality:
        candidate.home_municipality = home_municipality or None
        changed.append("municipality")
    if not changed:
        return
    detail = arrival_on.isoformat() if arrival_on else None
    audit.record(candidate, actor, "arrival_recorded", detail=detail)
    refresh(candidate)


def set_route(actor: User, candidate: Candidate, route: str | None) -> None:
    """The desk records the residence route chosen with the candidate."""
    require_role(actor, "staff")
    if route is not None and route not in relocation.ROUTES:
        raise Refused(_("Choose one of the residence routes."))
    if relocation.origin_of(candidate.country_code) == relocation.EU and route is not None:
        raise Refused(_("Candidates from the EU, the EEA or Switzerland need no residence route."))
    if route == candidate.residence_route:
        return
    candidate.residence_route = route
    row = _row(candidate, "residence_route")
    row.done_on = programme_today() if route else None
    row.recorded_by_id = actor.id
    row.recorded_at = utcnow()
    audit.record(candidate, actor, "residence_route_set", detail=route)
    refresh(candidate)


def _recordable(actor: User, candidate: Candidate, code: str) -> relocation.Step:
    _check_candidate_or_desk(actor, candidate)
    step = relocation.STEPS_BY_CODE.get(code)
    applicable = relocation.steps_for(candidate.country_code, candidate.residence_route)
    if step is None or step not in applicable:
        raise Refused(_("This step is not part of the plan."))
    if code in ("arrival", "residence_route"):
        raise Refused(_("This step is done by recording its own details."))
    if actor.role == "candidate" and step.actor != "candidate":
        raise Refused(_("Only the welcome desk can record this step."))
    if step.proof is not None and actor.role == "candidate":
        raise Refused(_("Upload the document for this step: it is done once it is verified."))
    return step


def mark_done(actor: User, candidate: Candidate, code: str, done_on: date) -> None:
    _recordable(actor, candidate, code)
    if done_on > programme_today():
        raise Refused(_("The date cannot be in the future."))
    if candidate.arrival_on and code != "diploma_recognition" and done_on < candidate.arrival_on:
        raise Refused(_("The date cannot be before the arrival date."))
    row = _row(candidate, code)
    row.done_on = done_on
    row.skipped_reason = None
    row.recorded_by_id = actor.id
    row.recorded_at = utcnow()
    audit.record(candidate, actor, "relocation_step_done", detail=code)
    refresh(candidate)


def mark_not_needed(actor: User, candidate: Candidate, code: str, reason: str) -> None:
    """The desk says a step is not needed for this candidate, and why."""
    require_role(actor, "staff")
    _recordable(actor, candidate, code)
    reason = (reason or "").strip()
    if not reason:
        raise Refused(_("Say why this step is not needed."))
    if len(reason) > REASON_LENGTH:
        raise Refused(_("The reason can be at most %(count)s characters.", count=REASON_LENGTH))
    row = _row(candidate, code)
    row.skipped_reason = reason
    row.done_on = None
    row.recorded_by_id = actor.id
    row.recorded_at = utcnow()
    audit.record(candidate, actor, "relocation_step_skipped", detail=code, reason=reason)
    refresh(candidate)


def reopen(actor: User, candidate: Candidate, code: str) -> None:
    """Undo a step recorded as done or not needed (a mistake)."""
    _recordable(actor, candidate, code)
    row = db.session.get(RelocationStep, (candidate.id, code))
    if row is None or (row.done_on is None and row.skipped_reason is None):
        return
    if actor.role == "candidate" and row.skipped_reason is not None:
        raise Refused(_("Only the welcome desk can record this step."))
    row.done_on = None
    row.skipped_reason = None
    row.recorded_by_id = actor.id
    row.recorded_at = utcnow()
    audit.record(candidate, actor, "relocation_step_reopened", detail=code)
    refresh(candidate)


def recordable_by(actor: User, candidate: Candidate) -> frozenset[str]:
    """The steps `actor` may record as done on the candidate's plan page."""
    codes = set()
    for step in relocation.steps_for(candidate.country_code, candidate.residence_route):
        try:
            _recordable(actor, candidate, step.code)
        except (Refused, Forbidden):
            continue
        codes.add(step.code)
    return frozenset(codes)


def help_for(candidate: Candidate) -> list[MunicipalityHelp]:
    """Where to go for help in the municipality the candidate lives in."""
    if not candidate.home_municipality:
        return []
    return list(
        db.session.scalars(
            select(MunicipalityHelp)
            .where(MunicipalityHelp.municipality == candidate.home_municipality)
            .order_by(MunicipalityHelp.kind, MunicipalityHelp.name)
        )
    )
