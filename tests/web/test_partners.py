"""The partners area through the browser's eyes: the public call, the desk's review,
campaigns, importing a CSV file (preview, run, progress page) and CSV exports.

Translated texts are looked up in the catalogs, so the tests do not depend on wording."""

from __future__ import annotations

import csv
import html
import io
import re

import pytest
from babel.support import Translations
from sqlalchemy import func, select

from onboarding import ROOT
from onboarding.db import transaction
from onboarding.models import (
    AuditEvent,
    Campaign,
    Candidate,
    ImportJob,
    Invitation,
    Job,
    Partner,
    User,
)
from onboarding.services import imports, jobs, partners
from tests.factories import make_candidate, make_partner, make_user

APPLICATION = {
    "name": "Namibia University of Science and Technology",
    "kind": "lead",
    "contact_name": "Selma Shilongo",
    "email": "Selma@NUST.example.org",
    "website": "https://nust.example.org",
    "country": "NA",
    "message": "We would like to take the lead in Windhoek.",
}
HEADER = "name,email,country,origin_institution,stem_field,graduation_date,outreach_channel,consent"
GOOD = [
    "Hilma Amupolo,hilma@example.org,NA,UNAM,energy,2025-06-30,partner_referral,yes",
    "Zoë Müller,zoe@example.org,ZA,Stellenbosch University,physics,2024-12-15,partner_referral,no",
]


def catalog(locale: str) -> Translations:
    return Translations.load(str(ROOT / "translations"), [locale])


def field_errors(page: str) -> list[str]:
    return [html.unescape(m) for m in re.findall(r'<p class="error">(.*?)</p>', page)]


def csv_file(*lines: str, encoding: str = "utf-8") -> bytes:
    return ("\r\n".join(lines) + "\r\n").encode(encoding)


def count(data, model) -> int:
    with data() as session:
        return session.scalar(select(func.count()).select_from(model))


def read_csv(response, delimiter=",") -> list[list[str]]:
    body = response.get_data()
    assert body.startswith(b"\xef\xbb\xbf")  # the BOM Excel needs to read UTF-8
    text = body.decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))


@pytest.fixture
def desk(data, client, login):
    """A logged-in staff client, an accepted partner and a campaign; returns their ids."""
    with data() as session:
        staff = make_user("staff")
        with transaction():
            partner = partners.apply(partners.Application(
                name="University of Namibia", kind="contributing",
                contact_name="Ndapewa Nghipandulwa", contact_email="ndapewa@unam.example.org",
            ))  # fmt: skip
            partners.decide(staff, partner.id, "accept")
        campaign = Campaign(name="Windhoek mission", kind="inspiration_mission")
        session.add(campaign)
        session.commit()
        ids = {"staff": staff.id, "partner": partner.id, "campaign": campaign.id,
               "email": staff.email}  # fmt: skip
    login(client, ids["email"])
    return client, ids


def upload(client, ids, content: bytes, filename: str = "prospects.csv", campaign=True):
    return client.post(
        "/desk/import",
        data={
            "file": (io.BytesIO(content), filename),
            "partner_id": str(ids["partner"]),
            "campaign_id": str(ids["campaign"]) if campaign else "",
        },
        content_type="multipart/form-data",
    )


# -- the public call ------------------------------------------------------------------------


@pytest.mark.parametrize("locale", ["nl", "af", "en"])
def test_the_call_is_public_and_in_the_readers_language(client, locale):
    page = client.get("/partners/apply", headers={"Accept-Language": locale})
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert f'<html lang="{locale}">' in text
    texts = catalog(locale)
    shown = html.unescape(text)
    assert texts.gettext("Become a partner") in shown
    assert (
        texts.gettext(
            "Applying places you under no obligation. Tell us who you are; the welcome desk will "
            "contact you to talk about what suits you."
        )
        in shown
    )
    assert 'value="lead"' in text and 'value="contributing"' in text


def test_an_application_is_stored_and_thanked(client, data):
    response = client.post("/partners/apply", data=APPLICATION)
    assert response.status_code == 302
    assert response.location.endswith("/partners/apply/thanks")
    assert client.get(response.location).status_code == 200
    with data() as session:
        (partner,) = session.scalars(select(Partner)).all()
        assert (partner.status, partner.kind, partner.contact_email, partner.website) == (
            "applied",
            "lead",
            "selma@nust.example.org",
            "https://nust.example.org",
        )


BAD_APPLICATIONS = [
    ("empty", {key: "" for key in APPLICATION}, "This field is required."),
    ("kind", {"kind": "sponsor"}, "Not a valid choice."),
    ("email", {"email": "not-an-email"}, "Enter a valid email address."),
    ("javascript-url", {"website": "javascript:alert(1)"},
     "Enter a web address that starts with http:// or https://."),
    ("ftp-url", {"website": "ftp://nust.example.org"},
     "Enter a web address that starts with http:// or https://."),
    ("country", {"country": "XX"}, "Choose a country from the list."),
    ("name-201", {"name": "N" * 201}, "Use at most %(max)d characters."),
    ("contact-markup", {"contact_name": "<script>alert(1)</script>"},
     "A name may only contain letters, spaces, hyphens, apostrophes and dots."),
]  # fmt: skip


@pytest.mark.parametrize(
    ("changes", "message"), [pytest.param(c, m, id=i) for i, c, m in BAD_APPLICATIONS]
)
@pytest.mark.parametrize("locale", ["en", "nl"])
def test_a_bad_application_is_refused_in_the_readers_language(
    client, data, changes, message, locale
):
    response = client.post(
        "/partners/apply", data={**APPLICATION, **changes}, headers={"Accept-Language": locale}
    )
    assert response.status_code == 422
    expected = catalog(locale).gettext(message)
    if "%(max)d" in expected:
        expected = expected % {"max": 200}
    assert expected in field_errors(response.get_data(as_text=True))
    assert count(data, Partner) == 0


# -- the desk's review ----------------------------------------------------------------------


def test_partner_list_shows_each_accepted_partner_with_the_candidates_they_referred(desk, data):
    client, ids = desk
    with data():
        with transaction():
            waiting = partners.apply(partners.Application(
                name="Stellenbosch Alumni", kind="lead", contact_name="Pieter Botha",
                contact_email="pieter@example.org"))  # fmt: skip
        referred = make_candidate(name="Hilma Amupolo", partner_id=ids["partner"])
        make_candidate(name="Not Referred")
        waiting_id, referred_id = waiting.id, referred.id
    page = client.get("/desk/partners").get_data(as_text=True)
    accepted = page[page.index('id="accepted"') : page.index('id="declined"')]
    assert "University of Namibia" in accepted
    assert f'href="/desk/candidates/{referred_id}">Hilma Amupolo</a>' in accepted
    assert "Not Referred" not in page
    applied = page[page.index('id="applied"') : page.index('id="accepted"')]
    assert f'href="/desk/partners/{waiting_id}">Stellenbosch Alumni</a>' in applied
    detail = client.get(f"/desk/partners/{waiting_id}").get_data(as_text=True)
    assert 'value="accept"' in detail and 'value="decline"' in detail
    detail = client.get(f"/desk/partners/{ids['partner']}").get_data(as_text=True)
    assert 'value="accept"' not in detail  # decided: no decision form any more
    assert f"/desk/candidates/{referred_id}" in detail


def test_decide_only_from_applied(desk, data):
    client, _ids = desk
    with data(), transaction():
        partner_id = partners.apply(partners.Application(
            name="Stellenbosch Alumni", kind="lead", contact_name="Pieter Botha",
            contact_email="pieter@example.org")).id  # fmt: skip
    url = f"/desk/partners/{partner_id}/decision"
    response = client.post(url, data={"decision": "decline", "note": "Outside our region."})
    assert response.status_code == 302
    assert client.post(url, data={"decision": "accept", "confirmed": "y"}).status_code == 409
    assert client.post(url, data={"decision": "decline"}).status_code == 409
    assert client.post(url, data={"decision": "perhaps"}).status_code == 422
    with data() as session:
        partner = session.get(Partner, partner_id)
        assert (partner.status, partner.decision_note) == ("declined", "Outside our region.")


# -- campaigns ------------------------------------------------------------------------------


def test_create_edit_and_see_the_prospects_of_a_campaign(desk, data):
    client, ids = desk
    response = client.post("/desk/campaigns/new", data={
        "name": "Knowledge tourism 2026", "kind": "knowledge_tourism",
        "target_countries": ["NA", "ZA", "BW"], "target_regions": "",
        "starts_on": "2026-04-01", "ends_on": "2026-04-01", "partner_ids": [str(ids["partner"])],
    })  # fmt: skip
    assert response.status_code == 302
    campaign_id = int(response.location.rsplit("/", 1)[1])
    with data() as session:
        campaign = session.get(Campaign, campaign_id)
        assert sorted(campaign.target_countries) == ["BW", "NA", "ZA"]
        assert [p.id for p in campaign.partners] == [ids["partner"]]
        reached = make_candidate(name="Hilma Amupolo", campaign_id=campaign_id)
        reached_id = reached.id
    page = client.get(f"/desk/campaigns/{campaign_id}").get_data(as_text=True)
    assert f'href="/desk/candidates/{reached_id}">Hilma Amupolo</a>' in page
    assert '<option selected value="NA">' in page or 'value="NA" selected' in page
    response = client.post(f"/desk/campaigns/{campaign_id}", data={
        "name": "Knowledge tourism 2026", "kind": "knowledge_tourism",
        "target_regions": "Southern Africa",
    })  # fmt: skip
    assert response.status_code == 302
    with data() as session:
        campaign = session.get(Campaign, campaign_id)
        assert (campaign.target_countries, campaign.target_regions, campaign.partners) == (
            [],
            "Southern Africa",
            [],
        )
    listing = client.get("/desk/campaigns").get_data(as_text=True)
    assert "Knowledge tourism 2026" in listing and "Windhoek mission" in listing


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"ends_on": "2026-03-31"}, "The end date cannot be before the start date."),
        ({"target_countries": ["NA", "XX"]}, "Choose countries from the list."),
        ({"kind": "webinar"}, "Not a valid choice."),
        ({"name": "windhoek MISSION"}, "A campaign with this name already exists."),
        ({"partner_ids": ["999999"]}, "Choose partners from the list."),
    ],
)
def test_bad_campaigns_are_refused(desk, data, changes, message):
    client, _ids = desk
    body = {"name": "Spring mission", "kind": "inspiration_mission",
            "starts_on": "2026-04-01", **changes}  # fmt: skip
    response = client.post("/desk/campaigns/new", data=body)
    assert response.status_code == 422
    assert message in field_errors(response.get_data(as_text=True))
    assert count(data, Campaign) == 1


def test_a_declined_partner_cannot_join_a_campaign(desk, data):
    client, _ids = desk
    with data():
        declined = make_partner("Declined Org", decision="decline")
        declined_id = declined.id
    page = client.get("/desk/campaigns/new").get_data(as_text=True)
    assert "Declined Org" not in page
    response = client.post("/desk/campaigns/new", data={
        "name": "Spring mission", "kind": "inspiration_mission",
        "partner_ids": [str(declined_id)]})  # fmt: skip
    assert response.status_code == 422


# -- importing ------------------------------------------------------------------------------


def run_worker(data) -> int:
    """What the worker process does: run the jobs that are due."""
    with data():
        return jobs.work()


def test_a_good_file_is_previewed_then_imported(desk, data, outbox):
    client, ids = desk
    before = {m: count(data, m) for m in (User, Candidate, AuditEvent, Invitation)}
    response = upload(client, ids, csv_file(HEADER, *GOOD))
    assert response.status_code == 302
    job_url = response.location
    page = client.get(job_url).get_data(as_text=True)
    assert f'action="{job_url}/run"' in page
    assert "Zoë Müller" in page and "hilma@example.org" in page
    assert {m: count(data, m) for m in before} == before  # the preview saves no one
    response = client.post(f"{job_url}/run")
    assert response.status_code == 302 and response.location == job_url
    assert {m: count(data, m) for m in before} == before  # the request only asks the worker
    assert run_worker(data) == 1
    page = client.get(job_url).get_data(as_text=True)
    assert 'http-equiv="refresh"' not in page
    assert '<progress value="2" max="2">' in page
    after = {m: count(data, m) for m in before}
    assert after[User] - before[User] == 2
    assert after[Candidate] - before[Candidate] == 2
    assert after[Invitation] - before[Invitation] == 2
    assert after[AuditEvent] - before[AuditEvent] == 3  # 2 registered + 1 consent
    with data() as session:
        linked = session.execute(
            select(Candidate.campaign_id, Candidate.partner_id)
            .join(User, Candidate.user_id == User.id)
            .where(User.email.in_(["hilma@example.org", "zoe@example.org"]))
        ).all()
        assert set(linked) == {(ids["campaign"], ids["partner"])}
        job = session.get(ImportJob, int(job_url.rsplit("/", 1)[1]))
        assert (job.status, job.processed_rows, job.total_rows) == ("done", 2, 2)
    assert sorted(m["To"] for m in outbox.messages) == ["hilma@example.org", "zoe@example.org"]
    # the campaign page now lists them
    campaign_page = client.get(f"/desk/campaigns/{ids['campaign']}").get_data(as_text=True)
    assert "Hilma Amupolo" in campaign_page and "Zoë Müller" in campaign_page
    assert client.post(f"{job_url}/run").status_code == 409  # once only


def test_a_file_with_bad_rows_imports_nothing_and_shows_each_row(desk, data, outbox):
    client, ids = desk
    with data():
        make_candidate(email="already@example.org")
    lines = [
        HEADER,
        GOOD[0],
        "Tendai Moyo,not-an-email,ZW,University of Zimbabwe,physics,2025-01-31,partner_referral,",
        GOOD[1],
        "Already Here,already@example.org,XX,Somewhere,energy,01/31/2025,partner_referral,maybe",
        GOOD[0].replace("Hilma Amupolo", "Hilma Again"),
    ]
    before = {m: count(data, m) for m in (User, Candidate, AuditEvent, Invitation)}
    response = upload(client, ids, csv_file(*lines))
    assert response.status_code == 302
    job_url = response.location
    page = client.get(job_url).get_data(as_text=True)
    rows = dict(re.findall(r'<tr data-row="(\d+)"><td>\d+</td>\s*<td>(.*?)</td></tr>', page, re.S))
    assert sorted(int(n) for n in rows) == [3, 5, 6]
    assert "“not-an-email” is not a valid email address." in html.unescape(rows["3"])
    row5 = html.unescape(rows["5"])
    for text in (
        "already@example.org is already registered",
        "“XX” is not a two-letter country",
        "“01/31/2025” is not a date written as YYYY-MM-DD",
        "write yes or no",
    ):
        assert text in row5
    assert "hilma@example.org is already in row 2 of this file." in html.unescape(rows["6"])
    assert "/run" not in page  # no import button while there are errors
    assert client.post(f"{job_url}/run").status_code == 422
    assert {m: count(data, m) for m in before} == before
    assert outbox.messages == []


def test_bad_rows_are_described_in_the_readers_language(desk, data):
    client, ids = desk
    with data() as session:
        session.get(User, ids["staff"]).locale = "nl"
        session.commit()
    response = upload(client, ids, csv_file(HEADER, GOOD[0].replace("2025-06-30", "gisteren")))
    page = html.unescape(client.get(response.location).get_data(as_text=True))
    expected = catalog("nl").gettext(
        "%(column)s: “%(value)s” is not a date written as YYYY-MM-DD or DD/MM/YYYY."
    )
    assert expected % {"column": "graduation_date", "value": "gisteren"} in page


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (csv_file(HEADER, GOOD[1], encoding="cp1252"),
         "The file is not saved as UTF-8. In your spreadsheet choose “Save as” → “CSV UTF-8” "
         "and upload the file again."),
        (csv_file("name,email,country", "Hilma Amupolo,hilma@example.org,NA"),
         "The file lacks these columns: origin_institution, stem_field, graduation_date, "
         "outreach_channel."),
        (b"", "The file is empty."),
    ],
    ids=["cp1252", "missing-columns", "empty"],
)  # fmt: skip
def test_an_unreadable_file_gets_a_clear_error_and_no_job(desk, data, content, message):
    client, ids = desk
    response = upload(client, ids, content)
    assert response.status_code == 422
    errors = field_errors(response.get_data(as_text=True))
    assert any(error.startswith(message) for error in errors), errors
    assert count(data, ImportJob) == 0


def test_the_import_form_needs_a_file_and_an_accepted_partner(desk, data):
    client, ids = desk
    with data():
        applied_id = partners.apply(
            partners.Application(
                name="Not Yet", kind="lead", contact_name="Bo Li", contact_email="bo@example.org"
            )
        ).id
    response = client.post("/desk/import", data={"partner_id": str(ids["partner"])})
    assert response.status_code == 422
    assert "Choose a CSV file to upload." in field_errors(response.get_data(as_text=True))
    response = upload(client, {**ids, "partner": applied_id}, csv_file(HEADER, GOOD[0]))
    assert response.status_code == 422
    assert count(data, ImportJob) == 0


def test_a_row_taken_between_preview_and_run_leaves_nothing(desk, data, outbox):
    client, ids = desk
    job_url = upload(client, ids, csv_file(HEADER, *GOOD)).location
    with data():
        make_candidate(email="zoe@example.org")  # registered by someone else meanwhile
    before = {m: count(data, m) for m in (User, Candidate, AuditEvent, Invitation)}
    assert client.post(f"{job_url}/run").status_code == 302
    run_worker(data)
    page = html.unescape(client.get(job_url).get_data(as_text=True))
    assert "Row 3 could not be imported:" in page
    assert "A person with this email address is already registered." in page
    assert {m: count(data, m) for m in before} == before
    with data() as session:
        assert session.scalar(select(User).where(User.email == "hilma@example.org")) is None
        assert session.get(ImportJob, int(job_url.rsplit("/", 1)[1])).status == "failed"
    assert outbox.messages == []


def test_the_job_page_refreshes_itself_while_importing(desk, data):
    client, ids = desk
    job_url = upload(client, ids, csv_file(HEADER, *GOOD)).location
    with data() as session:
        job = session.get(ImportJob, int(job_url.rsplit("/", 1)[1]))
        job.status, job.processed_rows = "importing", 1
        session.commit()
    response = client.get(job_url)
    page = response.get_data(as_text=True)
    assert response.headers["Refresh"] == "1"
    assert '<meta http-equiv="refresh" content="1">' in page
    assert '<progress value="1" max="2">' in page
    assert "/run" not in page


def test_the_run_asks_the_worker_and_the_page_waits_for_it(desk, data):
    """The request only claims the import and queues a job for the worker (never a thread
    of the web worker, never inline): the page refreshes itself until the worker is done."""
    client, ids = desk
    job_url = upload(client, ids, csv_file(HEADER, *GOOD)).location
    import_id = int(job_url.rsplit("/", 1)[1])
    assert client.post(f"{job_url}/run").status_code == 302
    with data() as session:
        (job,) = session.scalars(select(Job)).all()
        assert (job.kind, job.status, job.payload) == (
            "import",
            "queued",
            {"import_job_id": import_id, "actor_id": ids["staff"]},
        )
        assert session.get(ImportJob, import_id).status == "importing"
    assert '<meta http-equiv="refresh" content="1">' in client.get(job_url).get_data(as_text=True)
    assert run_worker(data) == 1
    assert 'http-equiv="refresh"' not in client.get(job_url).get_data(as_text=True)
    with data() as session:
        assert session.scalars(select(Job.status)).all() == ["done"]


# -- exports --------------------------------------------------------------------------------


def test_candidates_export_honours_the_board_filters_and_guards_formulas(desk, data):
    client, ids = desk
    with data():
        make_candidate(
            name="Hilma Amupolo",
            country="NA",
            origin_institution="=cmd|' /C calc'!A0",
            campaign_id=ids["campaign"],
            partner_id=ids["partner"],
        )
        make_candidate(name="Hendrik Amupolo", country="ZA", phase="mentoring")
        make_candidate(name="Tendai Moyo", country="ZW")
    response = client.get("/desk/export/candidates.csv")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    rows = read_csv(response)
    # The machine form: the import's column keys and codes, then the board's columns.
    assert rows[0][:9] == list(imports.COLUMNS)
    assert rows[0][9:] == ["phase", "mentor", "campaign", "partner", "registered_at"]
    assert sorted(r[0] for r in rows[1:]) == ["Hendrik Amupolo", "Hilma Amupolo", "Tendai Moyo"]
    hilma = next(r for r in rows if r[0] == "Hilma Amupolo")
    assert hilma[2:4] == ["NA", "'=cmd|' /C calc'!A0"]
    assert hilma[11:13] == ["Windhoek mission", "University of Namibia"]
    filtered = read_csv(client.get("/desk/export/candidates.csv?q=amupolo&country=na"))
    assert [r[0] for r in filtered[1:]] == ["Hilma Amupolo"]
    filtered = read_csv(client.get("/desk/export/candidates.csv?phase=mentoring"))
    assert [r[0] for r in filtered[1:]] == ["Hendrik Amupolo"]
    assert len(read_csv(client.get("/desk/export/candidates.csv?phase=teleported"))) == 4


def test_partner_and_campaign_exports(desk, data):
    client, ids = desk
    with data() as session:
        with transaction():
            partners.apply(partners.Application(
                name="+Evil Org", kind="lead", contact_name="Eve Smith",
                contact_email="eve@example.org", website="https://evil.example.org"))  # fmt: skip
        make_candidate(partner_id=ids["partner"])
        campaign = Campaign(
            name="@SUM(1+1)",
            kind="knowledge_tourism",
            target_countries=["NA", "ZA"],
            target_regions="-Khomas",
        )
        session.add(campaign)
        session.commit()
    rows = read_csv(client.get("/desk/export/partners.csv"))
    assert rows[0][:3] == ["Organisation", "Partnership", "Status"]
    by_name = {row[0]: row for row in rows[1:]}
    assert set(by_name) == {"'+Evil Org", "University of Namibia"}
    assert by_name["University of Namibia"][2] == "Accepted"
    assert by_name["University of Namibia"][-1] == "1"
    assert by_name["'+Evil Org"][1:3] == ["Lead partner", "Applied"]
    rows = read_csv(client.get("/desk/export/campaigns.csv"))
    by_name = {row[0]: row for row in rows[1:]}
    assert set(by_name) == {"'@SUM(1+1)", "Windhoek mission"}
    assert by_name["'@SUM(1+1)"][1:4] == ["Knowledge tourism", "Namibia; South Africa", "'-Khomas"]


def test_export_headers_are_in_the_readers_language(desk, data):
    client, ids = desk
    with data() as session:
        session.get(User, ids["staff"]).locale = "nl"
        session.commit()
    header = read_csv(client.get("/desk/export/candidates.csv?format=excel"), ";")[0]
    texts = catalog("nl")
    assert header[:2] == [texts.gettext("Name"), texts.gettext("Email address")]
    assert header[0] != "Name"
