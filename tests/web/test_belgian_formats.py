"""Dates and times as read in Belgium (nl_BE, af_ZA, en_GB; Brussels time said once; never
seconds) on the pages of every role, in an email, and CSV downloads in both forms."""

from __future__ import annotations

import csv
import html
import io
import re
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from onboarding.db import transaction
from onboarding.demo import load_demo
from onboarding.models import AuditEvent, Candidate, User
from onboarding.services.auth import hash_password
from tests.conftest import PASSWORD
from tests.factories import make_candidate, make_user
from tests.web.test_form_errors import catalog

SECONDS = re.compile(r"\b\d{1,2}:\d{2}:\d{2}\b")
US_TIME = re.compile(r"\b\d{1,2}:\d{2}\s?[AP]M\b")
US_DATE = re.compile(r"\b\d{1,2}/\d{1,2}/\d{2}\b(?!\d)")  # 12/2/26
MOMENT = datetime(2026, 10, 12, 7, 0, 5, tzinfo=UTC)  # 09:00:05 in Brussels
# The medium date and time of MOMENT as each language reads it here, and its short form.
SHOWN = {
    "nl": ("12 okt 2026, 09:00", "12/10/2026, 09:00"),
    "af": ("12 Okt. 2026 09:00", "2026-10-12 09:00"),
    "en": ("12 Oct 2026, 09:00", "12/10/2026, 09:00"),
}
# How each language names the time zone, and the page's one note that uses it.
ZONE = {"nl": "Brusselse tijd", "af": "Brusselse tyd", "en": "Brussels time"}


def note(locale: str) -> str:
    return catalog(locale).gettext("All times are Brussels time.")


def text_of(response) -> str:
    """The page's text as a person reads it: no tags, so no `datetime` attributes."""
    body = re.sub(r"<(script|style)\b.*?</\1>", " ", response.get_data(as_text=True), flags=re.S)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", body)).split())


@pytest.mark.parametrize("locale", ["nl", "af", "en"])
def test_dates_and_times_in_the_regional_format_with_brussels_time_once(
    client, data, login, locale
):
    medium, short = SHOWN[locale]
    with data() as session:
        staff = make_user("staff", locale=locale, created_at=MOMENT)
        candidate = make_candidate(name="Hilma Amupolo", phase_entered_at=MOMENT)
        session.add(AuditEvent(candidate_id=candidate.id, action="registered", at=MOMENT,
                               from_phase="outreach", to_phase="outreach"))  # fmt: skip
        session.commit()
        staff_id, email, candidate_id = staff.id, staff.email, candidate.id
    login(client, email)
    page = text_of(client.get(f"/desk/candidates/{candidate_id}"))
    assert medium in page  # the timeline
    assert ZONE[locale] in note(locale)
    assert page.count(ZONE[locale]) == 1 and note(locale) in page
    person = text_of(client.get(f"/desk/people/{staff_id}"))
    assert short in person
    assert person.count(ZONE[locale]) == 1
    board = text_of(client.get("/desk/"))
    assert medium.rsplit(" ", 1)[0].rstrip(",") in board  # "12 okt 2026": a date only
    for shown in (page, person, board):
        assert not SECONDS.search(shown) and not US_TIME.search(shown)
        assert not US_DATE.search(shown)


@pytest.fixture
def demo_people(data):
    """The demo, with a password for its desk member, a mentor with mentees and a candidate
    far along (documents, placements, reminders, history)."""
    with data() as session:
        with transaction():
            assert load_demo() is True
        mentor_id = session.scalar(
            select(Candidate.mentor_id).where(Candidate.mentor_id.is_not(None)).limit(1)
        )
        candidate = (
            session.scalars(
                select(Candidate).where(Candidate.phase == "company_placement").limit(1)
            ).first()
            or session.scalars(select(Candidate).order_by(Candidate.id.desc())).first()
        )
        people = {
            "staff": session.scalars(select(User).where(User.role == "staff")).first(),
            "mentor": session.get(User, mentor_id),
            "candidate": candidate.user,
        }
        for user in people.values():
            user.password_hash = hash_password(PASSWORD)
        session.commit()
        return {role: (user.email, user.id) for role, user in people.items()}, candidate.id


def pages_of(client, role: str, candidate_id: int) -> list[str]:
    """The pages of a role that show dates and times, and every link on its home page."""
    paths = {
        "staff": ["/desk/", f"/desk/candidates/{candidate_id}", "/desk/reminders",
                  "/desk/people/", "/desk/people/events", "/desk/partners", "/desk/campaigns",
                  "/desk/import", "/desk/reports", "/desk/companies", "/notifications"],
        "mentor": ["/mentor/", "/notifications"],
        "candidate": ["/me/", "/me/documents", "/notifications", "/me/profile"],
    }[role]  # fmt: skip
    home = client.get(paths[0]).get_data(as_text=True)
    prefix = {"staff": "/desk/", "mentor": "/mentor/", "candidate": "/me/"}[role]
    links = {h for h in re.findall(r'href="([^"?#]+)"', home) if h.startswith(prefix)}
    return sorted({*paths, *(h for h in links if not h.endswith((".csv", ".ics", ".svg")))})


@pytest.mark.parametrize("locale", ["nl", "af", "en"])
def test_no_seconds_and_no_us_formats_on_any_page_of_any_role(client, data, login, demo_people,
                                                             locale):  # fmt: skip
    people, candidate_id = demo_people
    checked = 0
    for role, (email, user_id) in people.items():
        with data() as session:
            session.get(User, user_id).locale = locale
            session.commit()
        login(client, email)
        for path in pages_of(client, role, candidate_id):
            response = client.get(path)
            if response.status_code != 200 or response.mimetype != "text/html":
                continue
            page = text_of(response)
            checked += 1
            assert not SECONDS.search(page), (role, path, SECONDS.search(page)[0])
            assert not US_TIME.search(page), (role, path, US_TIME.search(page)[0])
            assert not US_DATE.search(page), (role, path, US_DATE.search(page)[0])
            # Said once per page (a form's time field may name it in its label too), never
            # after every value.
            assert page.count(note(locale)) <= 1, (role, path)
            assert not re.search(rf"\d:\d\d,? \(?{ZONE[locale]}", page), (role, path)
        client.post("/logout")
    assert checked >= 15


# -- CSV downloads --------------------------------------------------------------------------

EXPORTS = [
    "/desk/export/candidates.csv", "/desk/export/partners.csv", "/desk/export/campaigns.csv",
    "/desk/export/companies.csv", "/desk/export/reminders.csv", "/desk/reports/durations.csv",
    "/desk/import/template.csv",
]  # fmt: skip


def parsed(response, delimiter: str) -> list[list[str]]:
    body = response.get_data()
    assert body.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"), newline=""), delimiter=delimiter))


@pytest.mark.parametrize("path", EXPORTS)
def test_every_export_in_both_forms(client, data, login, demo_people, path):
    people, _candidate = demo_people
    login(client, people["staff"][0])
    machine = client.get(path)
    excel = client.get(f"{path}?format=excel")
    assert machine.status_code == excel.status_code == 200
    name = path.rsplit("/", 1)[1].removesuffix(".csv")
    assert f'{name}.csv"' in machine.headers["Content-Disposition"]
    assert f'{name}-excel.csv"' in excel.headers["Content-Disposition"]
    rows, sheet = parsed(machine, ","), parsed(excel, ";")
    assert len(rows) == len(sheet) and len(rows[0]) > 1
    # The same columns (the candidates' spreadsheet also names the country beside its code).
    assert len(sheet[0]) == len(rows[0]) + (name == "candidates")
    assert all(len(row) == len(sheet[0]) for row in sheet)
    text = excel.get_data(as_text=True)
    assert not SECONDS.search(text)
    assert not re.search(r"\d{4}-\d{2}-\d{2}T", text)  # no ISO moments for Excel
    if path.endswith("durations.csv"):
        decimals = [cell for row in sheet[1:] for cell in row[2:] if cell]
        assert decimals and all("," in cell and "." not in cell for cell in decimals)
        assert all("." in cell for row in rows[1:] for cell in row[2:] if cell)
    if path.endswith("reminders.csv"):
        assert all(re.fullmatch(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}\+00:00", r[0]) for r in rows[1:])
        # the demo desk reads Dutch: Brussels time, 18/04/2027 09:00
        assert all(re.fullmatch(r"\d{1,2}/\d{2}/\d{4} \d{2}:\d{2}", r[0]) for r in sheet[1:])


def test_the_pages_offer_both_forms(client, data, login, demo_people):
    people, _candidate = demo_people
    login(client, people["staff"][0])
    for page in ("/desk/", "/desk/partners", "/desk/campaigns", "/desk/companies",
                 "/desk/reminders", "/desk/reports", "/desk/import"):  # fmt: skip
        body = html.unescape(client.get(page).get_data(as_text=True))
        excel = re.findall(r'data-format="excel" href="([^"]+)"', body)
        machine = re.findall(r'data-format="csv" href="([^"]+)"', body)
        assert excel and len(excel) == len(machine), page
        assert all("format=excel" in link for link in excel)
        assert not any("format=" in link for link in machine)
        t = catalog("nl").gettext  # the demo desk reads Dutch
        assert t("for Excel (semicolon)") in body, page
        assert t("for other programs (comma, UTC)") in body, page


def test_the_import_page_lists_each_column_with_its_accepted_labels(client, data, login):
    with data():
        email = make_user("staff", locale="nl").email
    login(client, email)
    page = client.get("/desk/import").get_data(as_text=True)
    row = re.search(r'<tr data-column="stem_field">(.*?)</tr>', page, re.S)[1]
    assert "Informatica" in row and "<code>computer_science</code>" in row
    language = re.search(r'<tr data-column="language">(.*?)</tr>', page, re.S)[1]
    assert "Afrikaans" in language and "<code>af</code>" in language
    template = client.get("/desk/import/template.csv?format=excel")
    header, example = parsed(template, ";")
    assert "Informatica" in example and "30/06/2025" in example
    assert len(header) == len(example) == 9
