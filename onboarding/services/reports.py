"""The welcome desk's reporting figures, read in a fixed number of queries.

Whatever the number of candidates, `build_report` runs the same five statements: the
candidates with their phase changes (one outer join; the figures that need a candidate's
history are computed from it in Python), three GROUP BY counts (country, campaign,
placement municipality), and the immersion completions with the best assessment recorded
by then (GROUP BY). The campaign list for the filter is one more (`campaign_options`).

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
  Computed in Python, SQLite and PostgreSQL give the same answer.
- *Conversion* from a phase to the next on the main line: of the candidates who reached the
  phase, the share who entered the next one at the same time or later. Candidates who skip
  the immersion (they already speak Dutch) do not count as converted from outreach.
- *Immersion outcome*: for candidates who left language immersion for mentoring, the best
  Dutch assessment level recorded before that step, or "override" when the step was taken on
  a staff override (AuditEvent.detail == "dutch_override"). Each candidate counts once, with
  their first completion.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import and_, func, select

from onboarding.extensions import db
from onboarding.models import (
    AuditEvent,
    Campaign,
    Candidate,
    Company,
    LanguageAssessment,
    Placement,
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
    rank = max(1, -(-p * len(ordered) // 100))  # integer ceiling, no float rounding
    return ordered[rank - 1]


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


def _counted(query) -> list[tuple[str, int]]:
    """(key, count) rows, most first, ties by key."""
    rows = [(key, count) for key, count in db.session.execute(query)]
    return sorted(rows, key=lambda row: (-row[1], row[0]))


@dataclass
class _History:
    phase: str
    created_at: datetime
    phase_entered_at: datetime
    changes: list[tuple[datetime, str, str]] = field(default_factory=list)


def _history_figures(report: Report, where: list) -> None:
    """Funnel, durations and conversion from every candidate's phase changes (one query)."""
    rows = db.session.execute(
        select(
            Candidate.id,
            Candidate.phase,
            Candidate.created_at,
            Candidate.phase_entered_at,
            AuditEvent.at,
            AuditEvent.from_phase,
            AuditEvent.to_phase,
        )
        .outerjoin(
            AuditEvent,
            and_(
                AuditEvent.candidate_id == Candidate.id,
                AuditEvent.from_phase != AuditEvent.to_phase,
            ),
        )
        .where(*where)
        .order_by(Candidate.id, AuditEvent.at, AuditEvent.id)
    )
    histories: dict[int, _History] = {}
    for candidate_id, phase, created_at, entered_at, at, from_phase, to_phase in rows:
        history = histories.setdefault(candidate_id, _History(phase, created_at, entered_at))
        if at is not None:
            history.changes.append((at, from_phase, to_phase))

    reached: dict[str, int] = dict.fromkeys(PHASES, 0)
    now: dict[str, int] = dict.fromkeys(PHASES, 0)
    stays: dict[str, list[float]] = defaultdict(list)
    converted: dict[str, int] = dict.fromkeys(MAIN_LINE, 0)
    for history in histories.values():
        now[history.phase] += 1
        entries = _entries(history)
        for phase in entries:
            reached[phase] += 1
        for phase, next_phase in zip(MAIN_LINE, MAIN_LINE[1:], strict=False):
            if (
                phase in entries
                and next_phase in entries
                and max(entries[next_phase]) >= min(entries[phase])
            ):
                converted[phase] += 1
        for phase, days in _stays(history):
            stays[phase].append(days)

    report.total = len(histories)
    report.funnel = [FunnelRow(phase, reached[phase], now[phase]) for phase in PHASES]
    report.durations = [
        DurationRow(
            phase,
            len(stays[phase]),
            percentile(stays[phase], PERCENTILES[0]),
            percentile(stays[phase], PERCENTILES[1]),
        )
        for phase in MEASURED_PHASES
    ]
    report.conversion = [
        ConversionRow(phase, next_phase, reached[phase], converted[phase])
        for phase, next_phase in zip(MAIN_LINE, MAIN_LINE[1:], strict=False)
    ]


def _entries(history: _History) -> dict[str, list[datetime]]:
    """When the candidate entered each phase: registration starts outreach, then each change;
    the current phase counts even when the trail has no change into it."""
    entries: dict[str, list[datetime]] = {OUTREACH: [history.created_at]}
    for at, _from_phase, to_phase in history.changes:
        entries.setdefault(to_phase, []).append(at)
    entries.setdefault(history.phase, [history.phase_entered_at])
    return entries


def _stays(history: _History):
    """(phase, days) for every completed stay: consecutive phase changes, starting from the
    registration in outreach. A change that does not leave the phase the trail says the
    candidate was in (a gap in the history) gives no duration."""
    phase, since = OUTREACH, history.created_at
    for at, from_phase, to_phase in history.changes:
        if from_phase == phase and at >= since:
            yield phase, (at - since).total_seconds() / DAY
        phase, since = to_phase, at


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
