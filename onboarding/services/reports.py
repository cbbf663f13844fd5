"""The welcome desk's reporting figures, computed in the database.

The unfiltered report, the whole programme's, is computed by the worker every few minutes
and kept (`refresh_snapshot`): the dashboard shows it with its time instead of computing it
on each visit.

Whatever the number of candidates, `build_report` runs the same five statements and no row
per candidate reaches Python: the funnel, the days in each phase (percentiles by window
functions) and the conversion in one statement over the candidates and their phase changes
(`_history_figures`), three GROUP BY counts (country, campaign, placement municipality),
and the immersion completions with the best assessment recorded by then (GROUP BY). The
campaign list for the filter is one more (`campaign_options`).

Rules, stated once here and on the page:
- A candidate *reached* a phase when the audit trail shows a phase change into it. Every
  candidate starts in outreach, and the phase a candidate is in now counts as reached too
  (rows imported without a history still show up).
- *Days in a phase* are measured per stay, from entering the phase (registration for the
  first outreach stay) to the next phase change. Only completed stays count: a stay that
  is still in progress is left out until the candidate leaves the phase, so the figures do
  not move with the clock. A candidate who comes back to a phase (after a pause, or when a
  placement falls through) adds a second stay.
- Percentiles use the nearest-rank method on the sorted durations: the p-th percentile is
  the value at rank ⌈p/100 · n⌉ (so the median of an even count is the lower middle value).
  SQLite and PostgreSQL give the same answer (`nearest_rank`, in SQL and in Python).
- *Conversion* from a phase to the next on the main line: of the candidates who reached the
  phase, the share who entered the next one at the same time or later. Candidates who skip
  the immersion (they already speak Dutch) do not count as converted from outreach.
- *Immersion outcome*: for candidates who left language immersion for mentoring, the best
  Dutch assessment level recorded before that step, or "override" when the step was taken on
  a staff override (AuditEvent.detail == "dutch_override"). Each candidate counts once, with
  their first completion.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from flask import current_app
from sqlalchemy import Integer, and_, case, cast, func, literal, null, or_, select, union_all

from onboarding.extensions import db
from onboarding.models import (
    AuditEvent,
    Campaign,
    Candidate,
    Company,
    LanguageAssessment,
    Placement,
    ReportSnapshot,
    utcnow,
)
from workflows import placement as placement_flow
from workflows.onboarding import (
    ACTIVE_PHASES,
    CEFR_LEVELS,
    LANGUAGE_IMMERSION,
    MENTORING,
    ON_HOLD,
    OUTREACH,
    PHASES,
    PLACED,
)
from workflows.reminders import PROGRAMME_TZ

NO_CAMPAIGN = "none"
OVERRIDE = "override"
NO_ASSESSMENT = "none"
MAIN_LINE = (*ACTIVE_PHASES, PLACED)
# Phases a candidate can leave, so a stay in them can be completed and measured.
MEASURED_PHASES = (*ACTIVE_PHASES, ON_HOLD)
PERCENTILES = (50, 90)
DAY = 86_400.0


@dataclass(frozen=True)
class ReportFilter:
    """Candidates registered from `registered_from` to `registered_to` (both included, as
    days in the programme's time zone) and in one campaign (an id, NO_CAMPAIGN, or None)."""

    registered_from: date | None = None
    registered_to: date | None = None
    campaign: int | str | None = None
    partner: int | None = None  # only the candidates this partner referred (partner portal)

    def conditions(self) -> list:
        where = []
        if self.partner is not None:
            where.append(Candidate.partner_id == self.partner)
        if self.registered_from is not None:
            where.append(Candidate.created_at >= _local_midnight(self.registered_from))
        if self.registered_to is not None:
            where.append(
                Candidate.created_at < _local_midnight(self.registered_to + timedelta(days=1))
            )
        if self.campaign == NO_CAMPAIGN:
            where.append(Candidate.campaign_id.is_(None))
        elif self.campaign is not None:
            where.append(Candidate.campaign_id == self.campaign)
        return where


def _local_midnight(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=PROGRAMME_TZ).astimezone(UTC)


@dataclass(frozen=True)
class FunnelRow:
    phase: str
    reached: int
    now: int


@dataclass(frozen=True)
class CampaignRow:
    campaign_id: int | None
    name: str | None
    count: int


@dataclass(frozen=True)
class DurationRow:
    phase: str
    stays: int
    median: float | None  # days
    p90: float | None


@dataclass(frozen=True)
class ConversionRow:
    phase: str
    next_phase: str
    reached: int
    converted: int

    @property
    def share(self) -> float | None:
        return self.converted / self.reached if self.reached else None


@dataclass
class Report:
    total: int = 0
    funnel: list[FunnelRow] = field(default_factory=list)
    countries: list[tuple[str, int]] = field(default_factory=list)
    campaigns: list[CampaignRow] = field(default_factory=list)
    municipalities: list[tuple[str, int]] = field(default_factory=list)
    durations: list[DurationRow] = field(default_factory=list)
    conversion: list[ConversionRow] = field(default_factory=list)
    immersion: list[tuple[str, int]] = field(default_factory=list)


def percentile(values: list[float], p: int) -> float | None:
    """Nearest rank: the value at rank ⌈p/100 · n⌉ of the sorted values (None if empty)."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[nearest_rank(p, len(ordered)) - 1]


def nearest_rank(p: int, n: int) -> int:
    """The rank ⌈p/100 · n⌉ (at least 1), in integers: no float rounding."""
    return max(1, -(-p * n // 100))


def campaign_options() -> list[tuple[int, str]]:
    return [
        (row.id, row.name)
        for row in db.session.execute(select(Campaign.id, Campaign.name).order_by(Campaign.name))
    ]


def build_report(report_filter: ReportFilter) -> Report:
    where = report_filter.conditions()
    report = Report()
    _history_figures(report, where)
    report.countries = _counted(
        select(Candidate.country_code, func.count(Candidate.id))
        .where(*where)
        .group_by(Candidate.country_code)
    )
    report.campaigns = sorted(
        (
            CampaignRow(campaign_id, name, count)
            for campaign_id, name, count in db.session.execute(
                select(Candidate.campaign_id, Campaign.name, func.count(Candidate.id))
                .outerjoin(Campaign, Campaign.id == Candidate.campaign_id)
                .where(*where)
                .group_by(Candidate.campaign_id, Campaign.name)
            )
        ),
        # Most candidates first; "no campaign" last among equals.
        key=lambda row: (-row.count, row.name is None, row.name or ""),
    )
    report.municipalities = _counted(
        select(Company.municipality, func.count(func.distinct(Placement.candidate_id)))
        .join(Placement, Placement.company_id == Company.id)
        .join(Candidate, Candidate.id == Placement.candidate_id)
        .where(Placement.status.in_(placement_flow.SECURED_STATUSES), *where)
        .group_by(Company.municipality)
    )
    report.immersion = _immersion_outcomes(where)
    return report


# -- snapshots --------------------------------------------------------------------------------
# The whole programme's report (no filter) goes over every candidate's history: the worker
# computes it every REPORT_REFRESH_MINUTES (`refresh_snapshot`) and the dashboard shows that,
# with its time, while it is fresh; a filtered report, or one asked for as of now, is
# computed on the spot.
SNAPSHOT_KEY = "all"


def refresh_snapshot(now: datetime | None = None) -> ReportSnapshot:
    """Compute the unfiltered report and keep it. Does not commit."""
    report = build_report(ReportFilter())
    snapshot = db.session.get(ReportSnapshot, SNAPSHOT_KEY)
    if snapshot is None:
        snapshot = ReportSnapshot(key=SNAPSHOT_KEY)
        db.session.add(snapshot)
    snapshot.figures = asdict(report)
    snapshot.computed_at = now or utcnow()
    db.session.flush()
    return snapshot


def fresh_snapshot(now: datetime | None = None) -> tuple[Report, datetime] | None:
    """The unfiltered report the worker computed and when, if it did so within twice its
    interval (a stopped worker leaves none fresh: then the dashboard computes it)."""
    snapshot = db.session.get(ReportSnapshot, SNAPSHOT_KEY)
    interval = timedelta(minutes=current_app.config["REPORT_REFRESH_MINUTES"])
    if snapshot is None or snapshot.computed_at < (now or utcnow()) - 2 * interval:
        return None
    return _from_figures(snapshot.figures), snapshot.computed_at


def dashboard_report(
    report_filter: ReportFilter, *, as_of_now: bool = False
) -> tuple[Report, datetime | None]:
    """The report the dashboard shows and when it was computed (None: just now)."""
    if report_filter == ReportFilter() and not as_of_now and (found := fresh_snapshot()):
        return found
    return build_report(report_filter), None


def _from_figures(figures: dict) -> Report:
    """A `Report` from its JSON form (`asdict`), rows and pairs as they were."""
    return Report(
        total=figures["total"],
        funnel=[FunnelRow(**row) for row in figures["funnel"]],
        countries=[tuple(pair) for pair in figures["countries"]],
        campaigns=[CampaignRow(**row) for row in figures["campaigns"]],
        municipalities=[tuple(pair) for pair in figures["municipalities"]],
        durations=[DurationRow(**row) for row in figures["durations"]],
        conversion=[ConversionRow(**row) for row in figures["conversion"]],
        immersion=[tuple(pair) for pair in figures["immersion"]],
    )


def _counted(query) -> list[tuple[str, int]]:
    """(key, count) rows, most first, ties by key."""
    rows = [(key, count) for key, count in db.session.execute(query)]
    return sorted(rows, key=lambda row: (-row[1], row[0]))


def _days_between(later, earlier):
    """Days from `earlier` to `later` (timestamps) in SQL, as a fraction."""
    if db.engine.dialect.name == "postgresql":
        return func.extract("epoch", later - earlier) / DAY
    # julianday() counts days; rounded to a millionth of a day (under a tenth of a second),
    # so that whole and half days come out exact, as Python's division gave them.
    return func.round(func.julianday(later) - func.julianday(earlier), 6)


def _history_figures(report: Report, where: list) -> None:
    """Funnel, durations and conversion, computed in the database (a fixed number of
    statements whatever the number of candidates; no row per candidate reaches Python).

    A candidate entered outreach when registered, then each phase a change led to; the
    current phase counts even when the trail has no change into it. A completed stay is a
    change out of the phase the previous change (or the registration) put the candidate in,
    not earlier than it: a gap in the history gives no duration. Percentiles are nearest
    rank (`percentile`), by window functions on both databases."""
    chosen = select(
        Candidate.id, Candidate.phase, Candidate.created_at, Candidate.phase_entered_at
    ).where(*where).cte("chosen")  # fmt: skip
    changes = (
        select(AuditEvent.candidate_id.label("cid"), AuditEvent.to_phase.label("phase"),
               AuditEvent.at.label("at"))
        .join(chosen, chosen.c.id == AuditEvent.candidate_id)
        .where(AuditEvent.from_phase != AuditEvent.to_phase)
        .cte("changes")
    )  # fmt: skip
    trail_has_current = (
        select(changes.c.cid)
        .where(changes.c.cid == chosen.c.id, changes.c.phase == chosen.c.phase)
        .exists()
    )
    entries = union_all(
        select(chosen.c.id.label("cid"), literal(OUTREACH).label("phase"),
               chosen.c.created_at.label("at")),
        select(changes.c.cid, changes.c.phase, changes.c.at),
        select(chosen.c.id, chosen.c.phase, chosen.c.phase_entered_at).where(
            chosen.c.phase != OUTREACH, ~trail_has_current
        ),
    ).cte("entries")  # fmt: skip
    spans = (
        select(entries.c.cid, entries.c.phase, func.min(entries.c.at).label("first"),
               func.max(entries.c.at).label("last"))
        .group_by(entries.c.cid, entries.c.phase)
        .cte("spans")
    )  # fmt: skip

    following = case(dict(zip(MAIN_LINE, MAIN_LINE[1:], strict=False)), value=spans.c.phase)
    later = spans.alias("later")
    by_candidate, in_order = AuditEvent.candidate_id, (AuditEvent.at, AuditEvent.id)
    moves = (
        select(
            AuditEvent.from_phase.label("phase"),
            AuditEvent.at.label("at"),
            func.lag(AuditEvent.to_phase, 1, OUTREACH)
            .over(partition_by=by_candidate, order_by=in_order)
            .label("before"),
            func.lag(AuditEvent.at, 1, chosen.c.created_at)
            .over(partition_by=by_candidate, order_by=in_order)
            .label("since"),
        )
        .join(chosen, chosen.c.id == AuditEvent.candidate_id)
        .where(AuditEvent.from_phase != AuditEvent.to_phase)
        .cte("moves")
    )
    stays = (
        select(moves.c.phase, _days_between(moves.c.at, moves.c.since).label("days"))
        .where(moves.c.phase == moves.c.before, moves.c.at >= moves.c.since)
        .cte("stays")
    )
    ranked = select(
        stays.c.phase,
        stays.c.days,
        func.row_number().over(partition_by=stays.c.phase, order_by=stays.c.days).label("rank"),
        func.count().over(partition_by=stays.c.phase).label("n"),
    ).cte("ranked")
    # `nearest_rank` in SQL (n ≥ 1 here, so the ceiling is at least 1).
    ranks = [(ranked.c.n * p + 99) // 100 for p in PERCENTILES]
    none = cast(null(), Integer)
    # One statement: (what, phase, value, rank, n) rows for every figure.
    figures = union_all(
        select(literal("now"), chosen.c.phase, func.count(), none, none).group_by(chosen.c.phase),
        select(literal("reached"), spans.c.phase, func.count(), none, none).group_by(
            spans.c.phase
        ),
        select(literal("converted"), spans.c.phase, func.count(), none, none)
        .join(later, and_(later.c.cid == spans.c.cid, later.c.phase == following,
                          later.c.last >= spans.c.first))
        .group_by(spans.c.phase),
        select(literal("stay"), ranked.c.phase, ranked.c.days, ranked.c.rank, ranked.c.n).where(
            or_(*(ranked.c.rank == r for r in ranks))
        ),
    )  # fmt: skip
    now: dict[str, int] = dict.fromkeys(PHASES, 0)
    reached: dict[str, int] = dict.fromkeys(PHASES, 0)
    converted: dict[str, int] = dict.fromkeys(MAIN_LINE, 0)
    found: dict[str, dict] = {}
    for what, phase, value, rank, n in db.session.execute(figures):
        if what == "stay":
            stay = found.setdefault(phase, {"n": n})
            for p in PERCENTILES:
                if rank == nearest_rank(p, n):
                    stay[p] = float(value)
        else:
            {"now": now, "reached": reached, "converted": converted}[what][phase] = int(value)

    report.total = sum(now.values())
    report.funnel = [FunnelRow(phase, reached[phase], now[phase]) for phase in PHASES]
    report.durations = [
        DurationRow(
            phase,
            found.get(phase, {}).get("n", 0),
            found.get(phase, {}).get(PERCENTILES[0]),
            found.get(phase, {}).get(PERCENTILES[1]),
        )
        for phase in MEASURED_PHASES
    ]
    report.conversion = [
        ConversionRow(phase, next_phase, reached[phase], converted[phase])
        for phase, next_phase in zip(MAIN_LINE, MAIN_LINE[1:], strict=False)
    ]


def _immersion_outcomes(where: list) -> list[tuple[str, int]]:
    """Best Dutch level recorded before each immersion → mentoring step, or "override"."""
    rows = db.session.execute(
        select(
            AuditEvent.candidate_id,
            AuditEvent.detail,
            func.max(LanguageAssessment.level),  # CEFR codes sort as strings in level order
        )
        .join(Candidate, Candidate.id == AuditEvent.candidate_id)
        .outerjoin(
            LanguageAssessment,
            and_(
                LanguageAssessment.candidate_id == AuditEvent.candidate_id,
                LanguageAssessment.created_at <= AuditEvent.at,
            ),
        )
        .where(
            AuditEvent.from_phase == LANGUAGE_IMMERSION,
            AuditEvent.to_phase == MENTORING,
            *where,
        )
        .group_by(AuditEvent.id, AuditEvent.candidate_id, AuditEvent.detail, AuditEvent.at)
        .order_by(AuditEvent.candidate_id, AuditEvent.at, AuditEvent.id)
    )
    counts: dict[str, int] = dict.fromkeys((*CEFR_LEVELS, OVERRIDE), 0)
    seen: set[int] = set()
    for candidate_id, detail, level in rows:
        if candidate_id in seen:
            continue  # only the first completion counts
        seen.add(candidate_id)
        outcome = OVERRIDE if detail == "dutch_override" else (level or NO_ASSESSMENT)
        counts[outcome] = counts.get(outcome, 0) + 1
    return list(counts.items())
