"""The reporting dashboard over HTTP: charts and tables, CSV files that match the tables,
filters, bad input, access, escaping, the reader's number format and a fixed query count."""

from __future__ import annotations

import csv
import html
import io
import re
from datetime import date, timedelta

import pytest

from onboarding.extensions import db
from onboarding.models import (
    AuditEvent,
    Campaign,
    Candidate,
    Company,
    LanguageAssessment,
    Placement,
    User,
)
from tests.factories import make_candidate, make_user
from tests.services.test_reports import at, build_history
from tests.statements import StatementCounter

NAMES = ("funnel", "countries", "campaigns", "municipalities", "durations", "conversion",
         "immersion")  # fmt: skip


@pytest.fixture
def staff(data):
    with data():
        return make_user("staff").email


@pytest.fixture
def history(data):
    with data() as session:
        return build_history(session)


@pytest.fixture
def desk(client, login, staff):
    return login(client, staff)


def section(page: str, name: str) -> str:
    match = re.search(rf'<section [^>]*data-report="{name}">(.*?)</section>', page, re.S)
    assert match, f"no section {name}"
    return match.group(1)


def table(page: str, name: str) -> list[list[str]]:
    """The section's table as text: header row first."""
    body = section(page, name)
    rows = re.findall(r"<tr>(.*?)</tr>", body, re.S)
    return [
        [
            html.unescape(cell).strip()
            for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)
        ]
        for row in rows
    ]


def read_csv(response) -> list[list[str]]:
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.mimetype_params["charset"] == "utf-8"
    raw = response.get_data()
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 byte-order mark
    return list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))


def as_in_csv(text: str) -> str:
    """A table cell as the CSV has it: no "—" for missing, no % sign (English locale)."""
    return "" if text == "—" else text.removesuffix("%")


def test_dashboard_shows_every_chart_with_its_table(desk, history):
    response = desk.get("/desk/reports")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert page.count('role="img"') == len(NAMES)
    for name in NAMES:
        body = section(page, name)
        assert re.search(r'<svg [^>]*role="img"[^>]*>\s*<title id="chart-' + name, body)
        assert "<table" in body
        assert f'href="/desk/reports/{name}.csv"' in body
    assert "8 candidates registered in the period." in page
    assert table(page, "funnel") == [
        ["Phase", "Reached", "In this phase now"],
        ["Outreach", "8", "1"],
        ["Language immersion", "6", "1"],
        ["Mentoring", "5", "1"],
        ["Company placement", "4", "2"],
        ["Placed", "2", "2"],
        ["On hold", "1", "0"],
        ["Withdrawn", "1", "1"],
    ]
    assert table(page, "countries")[1:] == [
        ["Namibia", "3"], ["South Africa", "3"], ["Botswana", "1"], ["Netherlands", "1"],
    ]  # fmt: skip
    assert table(page, "campaigns")[1:] == [
        ["Cape Talent", "3"], ["Namibia 2026", "3"], ["No campaign", "2"],
    ]  # fmt: skip
    assert table(page, "municipalities")[1:] == [["Genk", "2"], ["Hasselt", "1"]]
    assert table(page, "durations") == [
        ["Phase", "Completed stays", "Median (days)", "90th percentile (days)"],
        ["Outreach", "7", "5.0", "20.0"],
        ["Language immersion", "6", "60.0", "120.0"],
        ["Mentoring", "5", "30.0", "39.5"],
        ["Company placement", "3", "10.0", "20.0"],
        ["On hold", "1", "30.0", "30.0"],
    ]
    assert table(page, "conversion")[1:] == [
        ["Outreach", "Language immersion", "8", "6", "75.0%"],
        ["Language immersion", "Mentoring", "6", "4", "66.7%"],
        ["Mentoring", "Company placement", "5", "4", "80.0%"],
        ["Company placement", "Placed", "4", "2", "50.0%"],
    ]
    assert table(page, "immersion")[1:] == [
        ["A1", "0"], ["A2", "0"], ["B1", "2"], ["B2", "1"], ["C1", "0"], ["C2", "0"],
        ["Staff override", "1"],
    ]  # fmt: skip
    # The rules behind the durations are stated on the page.
    assert "Only completed stays count" in section(page, "durations")
    assert "nearest-rank" in section(page, "durations")


@pytest.mark.parametrize("query", ["", "?campaign={B}", "?from=2026-01-05&to=2026-01-12"])
def test_csv_files_match_the_tables(desk, history, query):
    query = query.format(**history)
    page = desk.get(f"/desk/reports{query}").get_data(as_text=True)
    for name in NAMES:
        found = re.search(r'data-format="csv" href="([^"]+)"', section(page, name))
        link = html.unescape(found[1])
        assert link == f"/desk/reports/{name}.csv{query}"
        response = desk.get(link)
        assert response.headers["Content-Disposition"] == (
            f'attachment; filename="onthaal-{name}.csv"'
        )
        rows = read_csv(response)
        shown = table(page, name)
        if not shown:  # no figures: the page says so, the file has its header row only
            assert "No figures for these filters." in section(page, name)
            assert len(rows) == 1
            continue
        assert rows[0] == shown[0]
        assert rows[1:] == [[as_in_csv(cell) for cell in row] for row in shown[1:]]


def test_filters_change_the_figures(desk, history):
    page = desk.get(f"/desk/reports?campaign={history['B']}").get_data(as_text=True)
    assert "3 candidates registered in the period." in page
    assert table(page, "countries")[1:] == [["South Africa", "2"], ["Botswana", "1"]]
    assert f'<option value="{history["B"]}" selected>Cape Talent</option>' in page
    rows = read_csv(desk.get(f"/desk/reports/conversion.csv?campaign={history['B']}"))
    assert [row[2:] for row in rows[1:]] == [["3", "3", "100.0"], ["3", "1", "33.3"],
                                             ["1", "0", "0.0"], ["0", "0", ""]]  # fmt: skip
    none = read_csv(desk.get("/desk/reports/countries.csv?campaign=none"))
    assert none[1:] == [["Netherlands", "1"], ["South Africa", "1"]]
    period = desk.get("/desk/reports?from=2026-01-05&to=2026-01-09").get_data(as_text=True)
    assert "2 candidates registered in the period." in period
    assert table(period, "countries")[1:] == [["Namibia", "2"]]


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("from=2026-13-01", "The start date is not a valid date (use YYYY-MM-DD)."),
        ("to=yesterday", "The end date is not a valid date (use YYYY-MM-DD)."),
        ("from=2026-02-01&to=2026-01-01", "The start date is after the end date."),
        ("campaign=999999", "This campaign does not exist."),
        ("campaign=abc", "This campaign does not exist."),
    ],
)
def test_bad_filters_are_refused_with_a_message(desk, history, query, message):
    response = desk.get(f"/desk/reports?{query}")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert html.escape(message, quote=False) in page
    assert 'role="img"' not in page
    download = desk.get(f"/desk/reports/funnel.csv?{query}")
    assert download.status_code == 422
    assert html.escape(message, quote=False) in download.get_data(as_text=True)


def test_unknown_report_is_not_found(desk):
    assert desk.get("/desk/reports/secrets.csv").status_code == 404


@pytest.mark.parametrize("role", ["candidate", "mentor"])
def test_others_are_refused(client, login, data, role):
    with data():
        email = (make_candidate().user if role == "candidate" else make_user("mentor")).email
    login(client, email)
    assert client.get("/desk/reports").status_code == 403
    assert client.get("/desk/reports/funnel.csv").status_code == 403


def test_anonymous_is_sent_to_log_in(client):
    for path in ("/desk/reports", "/desk/reports/funnel.csv"):
        response = client.get(path)
        assert response.status_code == 302
        assert response.location.startswith("/login?next=")


def test_labels_are_escaped_and_csv_cells_cannot_run_formulas(desk, data):
    with data() as session:
        script = Campaign(name="<script>alert(1)</script>", kind="partner_referral")
        formula = Campaign(name='=HYPERLINK("http://x")', kind="partner_referral")
        session.add_all([script, formula])
        session.commit()
        make_candidate(campaign_id=script.id)
        make_candidate(campaign_id=formula.id)
    page = desk.get("/desk/reports").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in section(page, "campaigns")
    rows = read_csv(desk.get("/desk/reports/campaigns.csv"))
    assert ['\'=HYPERLINK("http://x")', "1"] in rows
    assert ["<script>alert(1)</script>", "1"] in rows


def test_numbers_follow_the_readers_locale(client, login, data, history):
    with data():
        email = make_user("staff", locale="nl").email
    login(client, email)
    page = client.get("/desk/reports").get_data(as_text=True)
    assert '<html lang="nl">' in page
    mentoring = table(page, "durations")[3]
    assert mentoring[1:] == ["5", "30,0", "39,5"]
    assert table(page, "conversion")[2][-1] == "66,7%"
    assert ">39,5</text>" in section(page, "durations")  # the chart's own label too
    # The CSV keeps machine-readable numbers whatever the reader's language.
    rows = read_csv(client.get("/desk/reports/durations.csv"))
    assert rows[3][1:] == ["5", "30.0", "39.5"]


# -- query budget -----------------------------------------------------------------------------


def add_candidates(count: int, offset: int, campaign_id: int, company_id: int) -> None:
    """Bulk candidates with a full history, assessments and a started placement each."""
    candidates = []
    for index in range(offset, offset + count):
        user = User(email=f"report{index}@example.org", name=f"Report {index}",
                    role="candidate", locale="en", password_hash="unused")  # fmt: skip
        candidates.append(
            Candidate(user=user, country_code=["NA", "ZA", "BW", "NL"][index % 4],
                      origin_institution="UNAM", stem_field="physics",
                      graduation_date=date(2025, 6, 1), outreach_channel="partner_referral",
                      phase="placed", campaign_id=campaign_id if index % 2 else None,
                      created_at=at(index % 30), phase_entered_at=at(index % 30 + 40))
        )  # fmt: skip
    db.session.add_all(candidates)
    db.session.flush()
    steps = [("start_immersion", "outreach", "language_immersion"),
             ("complete_immersion", "language_immersion", "mentoring"),
             ("propose_placement", "mentoring", "company_placement"),
             ("confirm_placement", "company_placement", "placed")]  # fmt: skip
    for candidate in candidates:
        start = candidate.created_at
        for step, (trigger, source, dest) in enumerate(steps, start=1):
            db.session.add(
                AuditEvent(candidate_id=candidate.id, at=start + timedelta(days=10 * step),
                           action=trigger, from_phase=source, to_phase=dest)
            )  # fmt: skip
        db.session.add_all(
            [
                LanguageAssessment(candidate_id=candidate.id, level="B1", assessed_on=date.today(),
                                   created_at=start + timedelta(days=15)),
                Placement(candidate_id=candidate.id, company_id=company_id, project_title="P",
                          status="started", start_date=date(2026, 9, 1)),
            ]
        )  # fmt: skip
    db.session.commit()


def test_dashboard_query_count_does_not_grow_with_candidates(desk, data, rollback):
    counter = StatementCounter(rollback)
    with data() as session:
        campaign = Campaign(name="Budget campaign", kind="partner_referral")
        company = Company(name="Budget reports Co", municipality="Genk", sector="Data")
        session.add_all([campaign, company])
        session.commit()
        campaign_id, company_id = campaign.id, company.id
        add_candidates(10, 0, campaign_id, company_id)
    pages = {
        "dashboard": "/desk/reports",
        "filtered": f"/desk/reports?from=2026-01-01&to=2026-12-31&campaign={campaign_id}",
        "csv": "/desk/reports/durations.csv?campaign=none",
    }
    small = {key: counter.measure(lambda path=path: desk.get(path)) for key, path in pages.items()}
    with data():
        add_candidates(190, 10, campaign_id, company_id)
    large = {key: counter.measure(lambda path=path: desk.get(path)) for key, path in pages.items()}
    assert large == small
    assert all(count <= 15 for count in small.values()), small
    page = desk.get("/desk/reports").get_data(as_text=True)
    assert "200 candidates registered in the period." in page
    assert table(page, "municipalities")[1:] == [["Genk", "200"]]


def test_the_dashboard_shows_the_workers_figures_with_their_time(desk, history, data):
    """With the worker's snapshot fresh, the unfiltered dashboard shows it and says when it
    was computed (Brussels time, no seconds); "as of now" and a filter compute on the spot,
    and the CSV of "as of now" matches that page."""
    from onboarding.models import utcnow
    from onboarding.services import reports

    computed = (utcnow() - timedelta(minutes=1)).replace(second=42, microsecond=0)
    with data() as session:
        reports.refresh_snapshot(now=computed)
        session.commit()
        make_candidate(phase="outreach", country="ZM")  # after the worker's run
    response = desk.get("/desk/reports")
    page = response.get_data(as_text=True)
    assert response.status_code == 200, page[page.find("<main") :][:800]
    assert "8 candidates registered in the period." in page
    note = re.search(r'<p class="hint report-as-of">(.*?)</p>', page, re.S)
    assert note, "no note of when the figures were computed"
    local = computed.astimezone(reports.PROGRAMME_TZ)
    assert "Figures as of " in note.group(1) and f"{local:%H:%M}" in note.group(1)
    assert f"{local:%H:%M:%S}" not in note.group(1)
    assert "recomputed every 10 minutes" in note.group(1)
    assert 'href="/desk/reports?now=1"' in note.group(1)
    assert "All times are Brussels time." in page
    now = desk.get("/desk/reports?now=1").get_data(as_text=True)
    assert "9 candidates registered in the period." in now
    assert "report-as-of" not in now
    assert ["Zambia", "1"] in table(now, "countries")
    assert "/desk/reports/countries.csv?now=1" in now
    rows = read_csv(desk.get("/desk/reports/countries.csv?now=1"))
    assert ["Zambia", "1"] in [row[:2] for row in rows]
    filtered = desk.get("/desk/reports?campaign=none").get_data(as_text=True)
    assert "report-as-of" not in filtered
