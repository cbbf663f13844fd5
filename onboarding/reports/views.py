"""The welcome desk's reporting dashboard: figures as SVG charts with their tables, and the
same tables as CSV downloads, for one filter (registration period and campaign).

The rules behind the figures live in `onboarding.services.reports`; this module parses the
filter, turns the figures into translated, locale-formatted sections and renders them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from flask import Blueprint, abort, current_app, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup

from onboarding import csvfiles
from onboarding.forms import date_range_message, in_date_range
from onboarding.i18n import country_name, format_decimal, format_percent, phase_label
from onboarding.services import charts, reports
from onboarding.services.errors import Refused
from onboarding.web import csv_download, csv_form, role_required

bp = Blueprint("reports", __name__)

TITLES = {
    "funnel": _l("Funnel by phase"),
    "countries": _l("Candidates by country of origin"),
    "campaigns": _l("Candidates by campaign"),
    "municipalities": _l("Placements by municipality"),
    "durations": _l("Days spent in each phase"),
    "conversion": _l("Conversion to the next phase"),
    "immersion": _l("Immersion outcomes by Dutch level"),
}
REPORTS = tuple(TITLES)
FILTER_ARGS = ("from", "to", "campaign")
ONE_DECIMAL = Decimal("0.1")


@dataclass(frozen=True)
class Cell:
    value: object  # written to the CSV as is
    text: str  # shown in the table, formatted for the reader

    def number(self) -> float | None:
        """The value as a number for a chart (None for an empty cell)."""
        return float(self.value) if isinstance(self.value, int | float | Decimal) else None


@dataclass
class Section:
    name: str
    title: str
    note: str
    headers: list[str]
    rows: list[list[Cell]]
    chart: Markup | None


@bp.before_request
@role_required("staff")
def staff_only():
    return None


@bp.get("/desk/reports", endpoint="dashboard")
def dashboard():
    campaigns = reports.campaign_options()
    report_filter, errors = parse_filter(request.args, campaigns)
    kept = {key: request.args.get(key, "").strip()[:40] for key in FILTER_ARGS}
    if errors:
        page = render_template(
            "reports/dashboard.html",
            sections=[],
            errors=errors,
            campaigns=campaigns,
            kept=kept,
            csv_args={},
            total=None,
            computed_at=None,
        )
        return page, 422
    as_of_now = _as_of_now()
    report, computed_at = reports.dashboard_report(report_filter, as_of_now=as_of_now)
    return render_template(
        "reports/dashboard.html",
        sections=sections(report),
        errors=[],
        campaigns=campaigns,
        kept=kept,
        csv_args={key: value for key, value in kept.items() if value}
        | ({"now": "1"} if as_of_now else {}),
        total=report.total,
        computed_at=computed_at,
        refresh_minutes=current_app.config["REPORT_REFRESH_MINUTES"],
    )


def _as_of_now() -> bool:
    """The figures asked for as of now (`?now=1`) rather than as the worker last computed."""
    return request.args.get("now") == "1"


@bp.get("/desk/reports/<name>.csv", endpoint="download")
def download(name: str):
    if name not in REPORTS:
        abort(404)
    report_filter, errors = parse_filter(request.args, reports.campaign_options())
    if errors:
        raise Refused(_("The filters are not valid."), errors)
    report, _computed_at = reports.dashboard_report(report_filter, as_of_now=_as_of_now())
    section = next(s for s in sections(report) if s.name == name)
    return csv_download(to_csv(section, csv_form()), f"onthaal-{name}.csv")


# -- the filter -----------------------------------------------------------------------------


def parse_filter(args, campaigns: list[tuple[int, str]]) -> tuple[reports.ReportFilter, list]:
    """The filter from the query string, and the translated problems with it (if any)."""
    errors = []
    days: dict[str, date | None] = {}
    for key, message in (
        ("from", _("The start date is not a valid date (use YYYY-MM-DD).")),
        ("to", _("The end date is not a valid date (use YYYY-MM-DD).")),
    ):
        raw = args.get(key, "").strip()
        days[key] = _day(raw)
        if raw and days[key] is None:
            errors.append(message)
        elif not in_date_range(days[key]):
            days[key] = None
            errors.append(date_range_message())
    if days["from"] and days["to"] and days["from"] > days["to"]:
        errors.append(_("The start date is after the end date."))
    raw_campaign = args.get("campaign", "").strip()
    campaign: int | str | None = None
    if raw_campaign == reports.NO_CAMPAIGN:
        campaign = reports.NO_CAMPAIGN
    elif raw_campaign:
        known = {str(campaign_id): campaign_id for campaign_id, _name in campaigns}
        if raw_campaign in known:
            campaign = known[raw_campaign]
        else:
            errors.append(_("This campaign does not exist."))
    return reports.ReportFilter(days["from"], days["to"], campaign), errors


def _day(raw: str) -> date | None:
    """A YYYY-MM-DD date (what `<input type="date">` sends), else None."""
    if len(raw) != 10:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        return None


# -- figures as translated, formatted sections ------------------------------------------------


def count(number: int) -> Cell:
    return Cell(number, format_decimal(number))


def days(value: float | None) -> Cell:
    if value is None:
        return Cell("", "—")
    rounded = Decimal(value).quantize(ONE_DECIMAL, ROUND_HALF_UP)
    return Cell(rounded, format_decimal(rounded, format="#,##0.0"))


def share(value: float | None) -> Cell:
    """A share as a percentage with one decimal: 66.7 in the CSV, "66.7%" on the page."""
    if value is None:
        return Cell("", "—")
    percent = (Decimal(value) * 100).quantize(ONE_DECIMAL, ROUND_HALF_UP)
    return Cell(percent, format_percent(percent / 100, format="#,##0.0%"))


def label(text: str) -> Cell:
    return Cell(text, text)


def _chart(name: str, labels: list[str], series: list[charts.Series], **options) -> Markup:
    return charts.bar_chart(name, str(TITLES[name]), labels, series, **options)


def _counts_section(name: str, note: str, header: str, rows: list[tuple[str, int]]) -> Section:
    labels = [text for text, _number in rows]
    cells = [[label(text), count(number)] for text, number in rows]
    series = charts.Series(_("Candidates"), [n for _t, n in rows], [c[1].text for c in cells])
    return Section(
        name,
        str(TITLES[name]),
        note,
        [header, _("Candidates")],
        cells,
        _chart(name, labels, [series]) if rows else None,
    )


def sections(report: reports.Report) -> list[Section]:
    return [
        funnel_section(report),
        _counts_section(
            "countries",
            _("Candidates registered in the period, by the country they come from."),
            _("Country of origin"),
            [(country_name(code), number) for code, number in report.countries],
        ),
        _counts_section(
            "campaigns",
            _("Candidates registered in the period, by the outreach campaign that found them."),
            _("Campaign"),
            [(row.name or _("No campaign"), row.count) for row in report.campaigns],
        ),
        _counts_section(
            "municipalities",
            _(
                "Candidates with an accepted or started placement, by the municipality of the "
                "company."
            ),
            _("Municipality"),
            report.municipalities,
        ),
        durations_section(report),
        conversion_section(report),
        immersion_section(report),
    ]


def funnel_section(report: reports.Report) -> Section:
    labels = [phase_label(row.phase) for row in report.funnel]
    reached = [count(row.reached) for row in report.funnel]
    now = [count(row.now) for row in report.funnel]
    return Section(
        "funnel",
        str(TITLES["funnel"]),
        _(
            "Reached: the audit trail shows a phase change into the phase (every candidate "
            "starts in outreach; the current phase counts as reached). Now: the candidates in "
            "the phase today."
        ),
        [_("Phase"), _("Reached"), _("In this phase now")],
        [[label(text), r, n] for text, r, n in zip(labels, reached, now, strict=True)],
        _chart(
            "funnel",
            labels,
            [
                charts.Series(
                    _("Reached"), [r.reached for r in report.funnel], [c.text for c in reached]
                ),
                charts.Series(
                    _("In this phase now"), [r.now for r in report.funnel], [c.text for c in now]
                ),
            ],
        ),
    )


def durations_section(report: reports.Report) -> Section:
    labels = [phase_label(row.phase) for row in report.durations]
    medians = [days(row.median) for row in report.durations]
    p90s = [days(row.p90) for row in report.durations]
    return Section(
        "durations",
        str(TITLES["durations"]),
        _(
            "Days per stay in a phase, from entering it to the next phase change. Only "
            "completed stays count: a candidate who is still in a phase is left out until they "
            "leave it. Median and 90th percentile by the nearest-rank method (the value at rank "
            "⌈p × n⌉ of the sorted stays)."
        ),
        [_("Phase"), _("Completed stays"), _("Median (days)"), _("90th percentile (days)")],
        [
            [label(text), count(row.stays), m, p]
            for text, row, m, p in zip(labels, report.durations, medians, p90s, strict=True)
        ],
        _chart(
            "durations",
            labels,
            [
                charts.Series(
                    _("Median (days)"),
                    [c.number() for c in medians],
                    [c.text for c in medians],
                ),
                charts.Series(
                    _("90th percentile (days)"),
                    [c.number() for c in p90s],
                    [c.text for c in p90s],
                ),
            ],
        ),
    )


def conversion_section(report: reports.Report) -> Section:
    shares = [share(row.share) for row in report.conversion]
    return Section(
        "conversion",
        str(TITLES["conversion"]),
        _(
            "Of the candidates who reached a phase, the share who later entered the next one. "
            "Candidates who skip the immersion because they already speak Dutch do not count "
            "as converted from outreach."
        ),
        [_("From phase"), _("To phase"), _("Reached"), _("Went on"), _("Conversion (%)")],
        [
            [
                label(phase_label(row.phase)),
                label(phase_label(row.next_phase)),
                count(row.reached),
                count(row.converted),
                cell,
            ]
            for row, cell in zip(report.conversion, shares, strict=True)
        ],
        _chart(
            "conversion",
            [
                _(
                    "%(phase)s → %(next)s",
                    phase=phase_label(r.phase),
                    next=phase_label(r.next_phase),
                )
                for r in report.conversion
            ],
            [
                charts.Series(
                    _("Conversion (%)"),
                    [r.share for r in report.conversion],
                    [c.text for c in shares],
                )
            ],
            max_value=1,
        ),  # fmt: skip
    )


def immersion_section(report: reports.Report) -> Section:
    names = {
        reports.OVERRIDE: _("Staff override"),
        reports.NO_ASSESSMENT: _("No assessment recorded"),
    }
    rows = [(names.get(outcome, outcome), number) for outcome, number in report.immersion]
    return _counts_section(
        "immersion",
        _(
            "Candidates who completed the immersion and began mentoring: the best Dutch "
            "assessment recorded before that step, or a staff override of the language target."
        ),
        _("Dutch level at completion"),
        rows,
    )


def to_csv(section: Section, form: csvfiles.CsvForm = csvfiles.MACHINE) -> str:
    return csvfiles.to_csv(
        section.headers, ([cell.value for cell in row] for row in section.rows), form
    )
