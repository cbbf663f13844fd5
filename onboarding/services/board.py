"""The welcome desk's pipeline board and the pages' read models, in a fixed number of queries."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, literal, or_, select, union_all
from sqlalchemy.orm import joinedload, selectinload

from onboarding.db import PageOf, Pages, summed_counts
from onboarding.extensions import db
from onboarding.models import (
    AuditEvent,
    BoardCount,
    Candidate,
    Company,
    Document,
    LanguageAssessment,
    MentoringMeeting,
    Placement,
    User,
)
from onboarding.services import documents, relocation, reminders, workflow
from onboarding.services.workflow import StepShown
from workflows.checklist import Checklist
from workflows.onboarding import LANGUAGE_IMMERSION, MENTORED_PHASES, ON_HOLD, PHASES
from workflows.reminders import PROGRAMME_TZ

# The board's sort orders (the `sort` query parameter): a column, "-" first for descending.
# Without one the board is in pipeline order, grouped by phase, then by name.
SORT_COLUMNS = ("name", "since", "country")
SORTS = (*SORT_COLUMNS, *(f"-{column}" for column in SORT_COLUMNS))
# Who has no mentor, in the mentor filter (`mentor=none`).
NO_MENTOR = "none"
# The overdue-steps filter as the query string carries it (`overdue=steps`).
OVERDUE_ARG = "steps"


@dataclass(frozen=True)
class BoardFilter:
    phase: str | None = None
    country: str | None = None
    search: str = ""
    page: int = 1
    mentor_id: int | None = None
    without_mentor: bool = False
    sort: str | None = None  # one of SORTS; None: pipeline order
    campaign_id: int | None = None  # the desk's group messages choose a campaign too
    overdue_steps: bool = False  # only candidates with an arrival-plan step past its deadline

    @property
    def mentor(self) -> str:
        """The mentor filter as the query string carries it ("" for everyone)."""
        if self.without_mentor:
            return NO_MENTOR
        return str(self.mentor_id) if self.mentor_id is not None else ""

    @property
    def grouped(self) -> bool:
        """Rows come grouped by phase (the board's own order)."""
        return self.sort is None

    def query_args(self, **changes: object) -> dict[str, object]:
        """The query string of this board with `changes` (a link that keeps the others);
        empty values left out, and the page only when given."""
        args: dict[str, object] = {
            "phase": self.phase,
            "country": self.country,
            "q": self.search,
            "mentor": self.mentor,
            "sort": self.sort,
            "overdue": OVERDUE_ARG if self.overdue_steps else None,
        }
        args.update(changes)
        return {key: value for key, value in args.items() if value}

    def sort_state(self, column: str) -> tuple[str | None, str]:
        """How the board is sorted on `column` (the `aria-sort` value, None if not), and
        the sort order its header links to (ascending first, then the other way)."""
        if self.sort == column:
            return "ascending", f"-{column}"
        if self.sort == f"-{column}":
            return "descending", column
        return None, column


def _like(text: str) -> str:
    """A LIKE pattern that finds `text` anywhere, its own % and _ taken literally."""
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _filtered(query, board_filter: BoardFilter, *, with_phase: bool = True):
    """The filters on a query of candidates. Erased candidates are never shown (they stay,
    anonymous, in the reports' figures). The search looks in `Candidate.search_text` (name,
    email and institution, lower case, kept by the database), which PostgreSQL's trigram
    index serves."""
    query = query.where(Candidate.erased_at.is_(None))
    if board_filter.country:
        query = query.where(Candidate.country_code == board_filter.country)
    if search := board_filter.search.strip():
        query = query.where(Candidate.search_text.like(_like(search), escape="\\"))
    if board_filter.campaign_id is not None:
        query = query.where(Candidate.campaign_id == board_filter.campaign_id)
    if board_filter.without_mentor:
        query = query.where(Candidate.mentor_id.is_(None))
    elif board_filter.mentor_id is not None:
        query = query.where(Candidate.mentor_id == board_filter.mentor_id)
    if board_filter.overdue_steps:
        query = query.where(Candidate.id.in_(relocation.overdue_ids()))
    if with_phase and board_filter.phase:
        query = query.where(Candidate.phase == board_filter.phase)
    return query


def matching_candidates(board_filter: BoardFilter):
    """The candidates the filters select (never the erased), with their accounts: a query."""
    query = select(Candidate).options(joinedload(Candidate.user)).order_by(Candidate.id)
    return _filtered(query, board_filter)


def matching_count(board_filter: BoardFilter) -> int:
    return sum(count for (phase, _country), count in _counts(board_filter).items()
               if not board_filter.phase or phase == board_filter.phase)  # fmt: skip


def _counts(board_filter: BoardFilter) -> dict[tuple[str, str], int]:
    """Candidates per (phase, country) that the filters select, the phase filter aside.
    Filtered by country at most, they are summed from `board_counts` (a few +1/-1 rows per
    phase and country, appended by the database in each change's transaction) instead of
    counted."""
    if (
        board_filter.search.strip()
        or board_filter.campaign_id is not None
        or board_filter.without_mentor
        or board_filter.mentor_id is not None
        or board_filter.overdue_steps
    ):
        query = _filtered(
            select(Candidate.phase, Candidate.country_code, func.count(Candidate.id)).group_by(
                Candidate.phase, Candidate.country_code
            ),
            board_filter,
            with_phase=False,
        )
        return {(phase, country): count for phase, country, count in db.session.execute(query)}
    where = (BoardCount.country_code == board_filter.country,) if board_filter.country else ()
    return summed_counts(BoardCount, "phase", "country_code", where=where)


def phase_counts(board_filter: BoardFilter) -> dict[str, int]:
    """Candidates per phase, honouring the other filters (not the phase filter itself)."""
    counts = dict.fromkeys(PHASES, 0)
    for (phase, _country), count in _counts(board_filter).items():
        counts[phase] = counts.get(phase, 0) + count
    return counts


def _order(board_filter: BoardFilter, country_order: list[str] | None) -> list:
    """The board's order: by phase in pipeline order, or by the chosen column, then by name
    (`sort_name`, the lower-cased name the database keeps) and id."""
    name = Candidate.__table__.c.sort_name
    if board_filter.sort is None:
        phase_order = {phase: index for index, phase in enumerate(PHASES)}
        return [case(phase_order, value=Candidate.phase), name, Candidate.id]
    column = board_filter.sort.lstrip("-")
    descending = board_filter.sort.startswith("-")
    key: ColumnElement[Any]
    if column == "name":
        key = name
    elif column == "since":
        key = Candidate.__table__.c.phase_entered_at
    elif country_order:  # the order of the country names as the reader reads them
        key = case(
            {code: index for index, code in enumerate(country_order)},
            value=Candidate.country_code,
            else_=len(country_order),
        )
    else:
        key = Candidate.__table__.c.country_code
    first = key.desc() if descending else key.asc()
    ties = [name, Candidate.id] if column != "name" else [Candidate.id]
    return [first, *ties]


def board_query(board_filter: BoardFilter, country_order: list[str] | None = None):
    """The board's candidates with their filters, in the chosen order (default: phase, then
    name), all of them (the CSV export). `country_order`: the country codes in the order
    their names are shown."""
    query = (
        select(Candidate)
        .options(joinedload(Candidate.user), joinedload(Candidate.mentor))
        .order_by(*_order(board_filter, country_order))
    )
    return _filtered(query, board_filter)


def _segments(
    board_filter: BoardFilter, counts: dict[tuple[str, str], int], country_order: list[str]
) -> list[tuple[ColumnElement[bool] | None, int]]:
    """The board in its order as runs of candidates that one index serves in order (a
    phase, a country, or the whole board), each with its condition and size."""
    shown = {key: n for key, n in counts.items()
             if not board_filter.phase or key[0] == board_filter.phase}  # fmt: skip
    column = (board_filter.sort or "").lstrip("-")
    if board_filter.sort is None or column == "country":
        if board_filter.sort is None:
            keys, index, field = list(PHASES), 0, Candidate.phase
        else:
            rest = sorted({country for _phase, country in shown} - set(country_order))
            keys, index, field = [*country_order, *rest], 1, Candidate.country_code
            if board_filter.sort.startswith("-"):
                keys.reverse()
        sizes = dict.fromkeys(keys, 0)
        for key, n in shown.items():
            sizes[key[index]] = sizes.get(key[index], 0) + n
        return [(field == key, size) for key, size in sizes.items() if size]
    return [(None, sum(shown.values()))]


def _within(board_filter: BoardFilter) -> list[tuple[ColumnElement[Any], bool]]:
    """The order inside one run of `_segments`: (column, descending) pairs."""
    column = (board_filter.sort or "").lstrip("-")
    descending = (board_filter.sort or "").startswith("-")
    name, ident = Candidate.__table__.c.sort_name, Candidate.__table__.c.id
    if column == "name":
        return [(name, descending), (ident, False)]
    if column == "since":
        return [(Candidate.__table__.c.phase_entered_at, descending), (name, False), (ident, False)]
    return [(name, False), (ident, False)]


def _ordered(columns, keys: list[tuple[ColumnElement[Any], bool]]) -> list:
    return [column.desc() if descending else column.asc() for column, (_, descending)
            in zip(columns, keys, strict=True)]  # fmt: skip


def board_page(
    board_filter: BoardFilter, per_page: int, country_order: list[str] | None = None
) -> PageOf[Candidate]:
    """One page of the board; a page beyond the last shows the last one. Its cost depends
    on the page, not on the number of candidates: the counts come from `board_counts` (or,
    with a search or a mentor filter, from one indexed count); the page's ids from one
    statement that takes, from each phase (or country) the page spans, its part in the order
    of an index (`ix_candidates_board_*`, LIMIT and OFFSET); then the rows by id."""
    counts = _counts(board_filter)
    segments = _segments(board_filter, counts, country_order or [])
    where = Pages.of(sum(size for _condition, size in segments), board_filter.page, per_page)
    keys = _within(board_filter)
    parts = []
    skip, wanted = where.offset, per_page
    for number, (condition, size) in enumerate(segments):
        if wanted <= 0:
            break
        if skip >= size:
            skip -= size
            continue
        part = _filtered(
            select(
                Candidate.__table__.c.id.label("id"),
                literal(number).label("segment"),
                *(column.label(f"key{i}") for i, (column, _) in enumerate(keys)),
            ),
            board_filter,
        )
        if condition is not None:
            part = part.where(condition)
        part = part.order_by(*_ordered([c for c, _ in keys], keys)).offset(skip).limit(wanted)
        parts.append(part.subquery())
        wanted -= min(wanted, size - skip)
        skip = 0
    if not parts:
        return PageOf([], where)
    page = union_all(*(select(part) for part in parts)).subquery()
    order = [page.c.segment, *_ordered([page.c[f"key{i}"] for i in range(len(keys))], keys)]
    ids = list(db.session.scalars(select(page.c.id).order_by(*order)))
    rows = db.session.scalars(
        select(Candidate)
        .options(joinedload(Candidate.user), joinedload(Candidate.mentor))
        .where(Candidate.id.in_(ids))
    ).unique()
    by_id = {candidate.id: candidate for candidate in rows}
    return PageOf([by_id[i] for i in ids if i in by_id], where)


def countries_in_use() -> list[str]:
    """The countries of the candidates on the board (not erased), from `board_counts`."""
    return [country for (country,) in summed_counts(BoardCount, "country_code")]


@dataclass(frozen=True)
class Immersion:
    """The language immersion as it stands: planned (under way or paused), completed, or
    ended early (withdrawn); `end` is the planned end until then, afterwards the day it ended
    by the audit trail (None if the trail does not say)."""

    start: date
    end: date | None
    status: str  # "planned" | "completed" | "ended"


def immersion(candidate: Candidate) -> Immersion | None:
    """The candidate's immersion with the dates that hold now: planned while it lasts, the
    actual end (from the audit trail, in Brussels time) once the candidate has left it."""
    if candidate.immersion_start is None:
        return None
    if candidate.phase == LANGUAGE_IMMERSION or (
        candidate.phase == ON_HOLD and candidate.paused_from == LANGUAGE_IMMERSION
    ):
        return Immersion(candidate.immersion_start, candidate.immersion_planned_end, "planned")
    changes = db.session.execute(
        select(AuditEvent.at, AuditEvent.action, AuditEvent.from_phase, AuditEvent.to_phase)
        .where(
            AuditEvent.candidate_id == candidate.id, AuditEvent.from_phase != AuditEvent.to_phase
        )
        .order_by(AuditEvent.at, AuditEvent.id)
    ).all()
    # After entering immersion, the first change to a phase other than immersion or on hold
    # ends it (a pause and a resume on the way do not).
    entered = False
    for at, action, _source, dest in changes:
        if dest == LANGUAGE_IMMERSION:
            entered = True
        elif entered and dest != ON_HOLD:
            status = "completed" if action == "complete_immersion" else "ended"
            return Immersion(candidate.immersion_start, at.astimezone(PROGRAMME_TZ).date(), status)
    return Immersion(candidate.immersion_start, None, "ended")


@dataclass
class CandidateDetail:
    candidate: Candidate
    assessments: list[LanguageAssessment]
    meetings: list[MentoringMeeting]
    placements: list[Placement]
    immersion: Immersion | None = None


def candidate_detail(candidate: Candidate) -> CandidateDetail:
    assessments = db.session.scalars(
        select(LanguageAssessment)
        .options(joinedload(LanguageAssessment.recorded_by))
        .where(LanguageAssessment.candidate_id == candidate.id)
        .order_by(LanguageAssessment.assessed_on.desc(), LanguageAssessment.id.desc())
    ).all()
    meetings = db.session.scalars(
        select(MentoringMeeting)
        .options(joinedload(MentoringMeeting.mentor))
        .where(MentoringMeeting.candidate_id == candidate.id)
        .order_by(MentoringMeeting.met_on.desc(), MentoringMeeting.id.desc())
    ).all()
    placements = db.session.scalars(
        select(Placement)
        .options(joinedload(Placement.company), selectinload(Placement.project))
        .where(Placement.candidate_id == candidate.id)
        .order_by(Placement.id.desc())
    ).all()
    return CandidateDetail(
        candidate, list(assessments), list(meetings), list(placements), immersion(candidate)
    )


@dataclass(frozen=True)
class MentorOption:
    id: int
    name: str
    load: int
    capacity: int


def mentor_options() -> list[MentorOption]:
    load = (
        select(Candidate.mentor_id, func.count(Candidate.id).label("load"))
        # Only those with a mentor: the index on mentor_id reads the mentees, not everyone.
        .where(Candidate.mentor_id.is_not(None), Candidate.phase.in_(MENTORED_PHASES))
        .group_by(Candidate.mentor_id)
        .subquery()
    )
    rows = db.session.execute(
        select(User, func.coalesce(load.c.load, 0))
        .outerjoin(load, load.c.mentor_id == User.id)
        .where(User.role == "mentor", User.active.is_(True))
        .order_by(User.name)
    ).all()
    return [MentorOption(u.id, u.name, n, u.capacity) for u, n in rows]


def companies() -> list[Company]:
    return list(db.session.scalars(select(Company).order_by(Company.name)))


def mentees(mentor: User) -> list[Candidate]:
    return list(
        db.session.scalars(
            select(Candidate)
            .join(User, Candidate.user_id == User.id)
            .options(joinedload(Candidate.user), joinedload(Candidate.mentor))
            .where(Candidate.mentor_id == mentor.id)
            .order_by(func.lower(User.name))
        )
    )


@dataclass(frozen=True)
class MenteeRow:
    """One line of the mentor's home: the mentee, what comes next and whom it waits on, the
    last meeting, what is overdue and how far the documents are."""

    candidate: Candidate
    step: StepShown
    last_meeting: date | None
    overdue: list[str]  # the overdue reminders' lines, in the reader's language
    checklist: Checklist
    overdue_steps: list  # the arrival plan's overdue steps (relocation.OverdueStep)


def mentee_rows(mentor: User) -> list[MenteeRow]:
    """The mentor's home, in a fixed number of queries whatever the number of mentees."""
    people = mentees(mentor)
    if not people:
        return []
    steps = workflow.next_steps(people, mentor.role)
    facts = reminders.scheduling.facts_for_many(people)
    due = reminders.overdue(people, facts=facts)
    ids = [c.id for c in people]
    late_steps = relocation.overdue_steps(ids)
    papers: dict[int, list[Document]] = {i: [] for i in ids}
    for document in db.session.scalars(select(Document).where(Document.candidate_id.in_(ids))):
        papers[document.candidate_id].append(document)
    return [
        MenteeRow(
            candidate=c,
            step=steps[c.id],
            last_meeting=facts[c.id].last_meeting_on,
            overdue=[reminders.planned_subject(p, c) for p in due[c.id]],
            checklist=documents.checklist_for(c, papers[c.id]),
            overdue_steps=late_steps.get(c.id, []),
        )
        for c in people
    ]


@dataclass(frozen=True)
class StuckCandidate:
    candidate: Candidate
    days_over: int


def stuck_candidates(
    board_filter: BoardFilter | None = None, limit: int = 20
) -> list[StuckCandidate]:
    """Candidates who stayed in their phase longer than the phase's limit, longest first;
    among those the board's filters show (all of them without a filter)."""
    from onboarding.models import utcnow
    from workflows.reminders import PHASE_LIMIT_DAYS

    now = utcnow()
    over = or_(
        *(
            and_(Candidate.phase == phase, Candidate.phase_entered_at < now - timedelta(days=days))
            for phase, days in PHASE_LIMIT_DAYS.items()
        )
    )
    query = (
        select(Candidate)
        .join(User, Candidate.user_id == User.id)
        .options(joinedload(Candidate.user))
        .where(over)
        .order_by(Candidate.phase_entered_at, Candidate.id)
        .limit(limit)
    )
    rows = db.session.scalars(_filtered(query, board_filter or BoardFilter())).all()
    return [
        StuckCandidate(c, (now - c.phase_entered_at).days - PHASE_LIMIT_DAYS[c.phase]) for c in rows
    ]


def campaign_and_partner_choices() -> tuple[list[tuple[int, str]], list[tuple[int, str]]]:
    """Campaigns and accepted partners for linking a prospect to what reached them."""
    from onboarding.models import Campaign, Partner

    campaigns = db.session.execute(select(Campaign.id, Campaign.name).order_by(Campaign.name))
    partners = db.session.execute(
        select(Partner.id, Partner.name).where(Partner.status == "accepted").order_by(Partner.name)
    )
    return [(r.id, r.name) for r in campaigns], [(r.id, r.name) for r in partners]
