"""What the desk, the mentor and the candidate see of placements, in nl, af and en.

A candidate is proposed once per project (a second proposal is refused with a translated
message, and the project's ranking no longer lists them); a step that is not possible yet
says why; the accept step asks for its start date. Once the candidate is placed, every page
shows the state reached: the placement "Started" with no step left, the immersion with the
day it was completed instead of its planned end, and no leftover interview deadline.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path

import pytest
from babel.dates import format_date
from babel.support import Translations
from markupsafe import escape
from sqlalchemy import func, select

from onboarding.db import transaction
from onboarding.extensions import db
from onboarding.i18n import FORMAT_LOCALES
from onboarding.models import Placement, Project, User, utcnow
from onboarding.services import candidates, placements, workflow
from tests.factories import make_candidate, make_company, make_user
from workflows.dates import programme_today

ROOT = Path(__file__).resolve().parents[2]
LOCALES = ["nl", "af", "en"]
TITLE = "Heat pump telemetry"
COMPANY = "Kempen Zonnewarmte"
OTHER_COMPANY = "Hasselt Hydrogen"


def say(locale: str, msgid: str, **params) -> str:
    """The catalog's text for `msgid` in `locale`, as the page writes it (escaped)."""
    text = Translations.load(str(ROOT / "translations"), [locale]).gettext(msgid)
    return str(escape(text % params if params else text))


def long_date(day: date, locale: str) -> str:
    return format_date(day, "long", locale=FORMAT_LOCALES[locale])


def element(page: str, pattern: str) -> str:
    match = re.search(pattern, page, re.S)
    assert match, f"nothing matches {pattern!r}"
    return match.group(1)


def section(page: str, heading: str) -> str:
    """The card whose h2 is `heading`."""
    return element(
        page, rf'<section class="card[^"]*">\s*<h2>{re.escape(heading)}</h2>(.*?)</section>'
    )


@pytest.fixture
def desk(data):
    """Builds the people, a company with an open project, and a candidate in mentoring."""

    def build(locale: str) -> dict:
        with data():
            staff = make_user("staff", locale=locale)
            mentor = make_user("mentor", locale=locale)
            company = make_company(COMPANY)
            other = make_company(OTHER_COMPANY, municipality="Hasselt")
            project = Project(company=company, title=TITLE, stem_fields=["energy"], seats=2)
            db.session.add(project)
            db.session.commit()
            candidate = make_candidate(
                name="Annelie Nel", locale=locale, mentor=mentor, phase="mentoring",
                stem_field="energy", signed_off_at=utcnow(),
            )  # fmt: skip
            return {
                "staff": staff.email, "mentor": mentor.email, "candidate": candidate.user.email,
                "candidate_id": candidate.id, "project_id": project.id,
                "company_id": company.id, "other_id": other.id, "staff_id": staff.id,
                "mentor_id": mentor.id,
            }  # fmt: skip

    return build


def placed_journey(data, locale: str) -> dict:
    """Walk a candidate through the real services: immersion from 80 days ago, completed
    today; mentoring; a placement whose interview took place an hour ago, offer, acceptance;
    a second placement elsewhere still waiting for its interview next week; confirmed."""
    today = programme_today()
    started = today - timedelta(days=80)
    first_day = today + timedelta(days=30)
    with data():
        staff = make_user("staff", locale=locale)
        mentor = make_user("mentor", locale=locale)
        company = make_company(COMPANY)
        other = make_company(OTHER_COMPANY, municipality="Hasselt")
        candidate = make_candidate(name="Annelie Nel", locale=locale, stem_field="energy")
        cid = candidate.id
        steps = [
            lambda: workflow.fire(staff, cid, "start_immersion", expected_version=None,
                                  start_date=started),
            lambda: candidates.record_assessment(staff, cid, "B1", today),
            lambda: candidates.assign_mentor(staff, cid, mentor.id, None),
            lambda: workflow.fire(staff, cid, "complete_immersion", expected_version=None),
            lambda: candidates.log_meeting(mentor, cid, today, "Kick-off"),
            lambda: candidates.sign_off(mentor, cid, None),
            lambda: workflow.fire(mentor, cid, "propose_placement", expected_version=None),
        ]  # fmt: skip
        for step in steps:
            with transaction():
                step()
            staff, mentor = db.session.get(User, staff.id), db.session.get(User, mentor.id)
        with transaction():
            placement = candidates.record_placement(
                staff, cid, company_id=company.id, project_title=TITLE,
                interview_at=utcnow() - timedelta(hours=1),
            )  # fmt: skip
            placement_id = placement.id
        with transaction():
            candidates.record_placement(
                staff, cid, company_id=other.id, project_title="Electrolyser tests",
                interview_at=utcnow() + timedelta(days=7),
            )  # fmt: skip
        for trigger, kwargs in (("make_offer", {}), ("accept", {"start_date": first_day})):
            with transaction():
                placements.fire(db.session.get(User, staff.id), placement_id, trigger, **kwargs)
        with transaction():
            workflow.fire(db.session.get(User, staff.id), cid, "confirm_placement",
                          expected_version=None)  # fmt: skip
        return {
            "staff": staff.email, "mentor": mentor.email, "candidate": candidate.user.email,
            "candidate_id": cid, "placement_id": placement_id, "started": started,
            "completed": today, "first_day": first_day,
        }  # fmt: skip


# -- once placed, every page shows the state reached -----------------------------------------


@pytest.mark.parametrize("locale", LOCALES)
def test_desk_sees_the_placement_started_and_the_immersion_completed(client, data, login, locale):
    journey = placed_journey(data, locale)
    login(client, journey["staff"])
    page = client.get(f"/desk/candidates/{journey['candidate_id']}").get_data(as_text=True)

    assert 'data-phase="placed"' in page
    rows = section(page, say(locale, "Company placement"))
    row = element(rows, rf"<tr><td>{COMPANY} \(Genk\)</td>(.*?)</tr>")
    assert row.rstrip().endswith(f"<td>{say(locale, 'Started')}</td>"), row
    assert f'data-placement="{journey["placement_id"]}"' not in page  # no step left for it
    assert 'data-trigger="start"' not in page
    immersion = element(page, r'<dd class="immersion" data-status="completed">(.*?)</dd>')
    assert immersion == say(
        locale, "%(start)s to %(end)s (completed)",
        start=long_date(journey["started"], locale),
        end=long_date(journey["completed"], locale),
    )  # fmt: skip
    assert say(locale, "%(start)s to %(end)s (planned)").split(" ")[-1] not in immersion


@pytest.mark.parametrize("locale", LOCALES)
def test_mentor_sees_the_immersion_completed(client, data, login, locale):
    journey = placed_journey(data, locale)
    login(client, journey["mentor"])
    page = client.get(f"/mentor/mentees/{journey['candidate_id']}").get_data(as_text=True)
    immersion = element(page, r'<dd class="immersion" data-status="completed">(.*?)</dd>')
    assert immersion == say(
        locale, "%(start)s to %(end)s (completed)",
        start=long_date(journey["started"], locale),
        end=long_date(journey["completed"], locale),
    )  # fmt: skip
    rows = section(page, say(locale, "Company placement"))
    assert f"<td>{say(locale, 'Started')}</td>" in rows


@pytest.mark.parametrize("locale", LOCALES)
def test_placed_candidate_sees_no_leftover_deadlines_and_actual_dates(client, data, login, locale):
    journey = placed_journey(data, locale)
    login(client, journey["candidate"])
    page = client.get("/me/").get_data(as_text=True)

    assert 'data-phase="placed"' in page
    immersion = element(page, r'<p class="immersion" data-status="completed">(.*?)</p>')
    assert immersion == say(
        locale, "Language immersion: %(start)s to %(end)s (completed)",
        start=long_date(journey["started"], locale),
        end=long_date(journey["completed"], locale),
    )  # fmt: skip
    deadlines = element(page, r'<section class="card deadlines">(.*?)</section>')
    for company in (COMPANY, OTHER_COMPANY):  # interviews behind her, or no longer relevant
        assert say(locale, "Placement interview at %(company)s", company=company) not in deadlines
    first_day = say(locale, "First day at %(company)s", company=COMPANY)
    assert first_day in deadlines
    assert long_date(journey["first_day"], locale) in deadlines
    rows = section(page, say(locale, "Company placement"))
    assert f"<td>{say(locale, 'Started')}</td>" in rows


# -- steps that are not possible yet, and what the accept step asks --------------------------


@pytest.mark.parametrize("locale", LOCALES)
def test_the_offer_waits_for_the_interview_and_says_so(client, data, login, desk, locale):
    world = desk(locale)
    with data():
        staff = db.session.get(User, world["staff_id"])
        with transaction():
            placement = candidates.record_placement(
                staff, world["candidate_id"], company_id=world["company_id"],
                project_id=world["project_id"], project_title="",
                interview_at=utcnow() + timedelta(days=3),
            )  # fmt: skip
            placement_id = placement.id
    login(client, world["staff"])
    page = client.get(f"/desk/candidates/{world['candidate_id']}").get_data(as_text=True)
    offer = element(page, r'<form[^>]*data-trigger="make_offer">(.*?)</form>')
    assert say(locale, "The interview has not taken place yet: an offer can only follow it.") in (
        offer
    )
    response = client.post(
        f"/desk/placements/{placement_id}/transition", data={"trigger": "make_offer"}
    )
    assert response.status_code == 422
    assert say(locale, "The interview has not taken place yet: an offer can only follow it.") in (
        response.get_data(as_text=True)
    )
    with data() as session:
        assert session.get(Placement, placement_id).status == "interview"


@pytest.mark.parametrize("locale", LOCALES)
def test_the_accept_step_requires_its_start_date(client, data, login, desk, locale):
    world = desk(locale)
    with data():
        staff = db.session.get(User, world["staff_id"])
        with transaction():
            placement_id = candidates.record_placement(
                staff, world["candidate_id"], company_id=world["company_id"],
                project_id=world["project_id"], project_title="",
                interview_at=utcnow() - timedelta(hours=2),
            ).id  # fmt: skip
        with transaction():
            placements.fire(db.session.get(User, world["staff_id"]), placement_id, "make_offer")
    login(client, world["staff"])
    page = client.get(f"/desk/candidates/{world['candidate_id']}").get_data(as_text=True)
    accept = element(page, r'<form[^>]*data-trigger="accept">(.*?)</form>')
    (start_input,) = re.findall(r'<input[^>]*name="start_date"[^>]*>', accept)
    assert 'type="date"' in start_input and " required" in start_input
    assert 'value=""' in start_input
    assert f'<span class="required">{say(locale, "(required)")}</span>' in accept

    response = client.post(
        f"/desk/placements/{placement_id}/transition",
        data={"trigger": "accept", "start_date": ""},
    )
    assert response.status_code == 422
    assert say(locale, "This field is required.") in response.get_data(as_text=True)
    with data() as session:
        assert session.get(Placement, placement_id).status == "offer"


# -- one proposal per project ----------------------------------------------------------------


@pytest.mark.parametrize("locale", LOCALES)
def test_proposing_the_same_candidate_twice_for_a_project_is_refused(
    client, data, login, desk, locale
):
    world = desk(locale)
    login(client, world["staff"])
    project_page = f"/desk/projects/{world['project_id']}"
    listed = f'data-candidate="{world["candidate_id"]}"'
    assert listed in client.get(project_page).get_data(as_text=True)
    propose = f"{project_page}/propose"

    first = client.post(propose, data={"candidate_id": world["candidate_id"]})
    assert first.status_code == 302
    # the ranking no longer offers her for this project …
    assert listed not in client.get(project_page).get_data(as_text=True)
    # … and a second proposal (a stale page, a double click) is refused with the reason
    second = client.post(propose, data={"candidate_id": world["candidate_id"]})
    assert second.status_code == 422
    message = say(
        locale, "%(name)s already has a placement in progress for “%(title)s” at %(company)s.",
        name="Annelie Nel", title=TITLE, company=COMPANY,
    )  # fmt: skip
    assert message in second.get_data(as_text=True)
    with data() as session:
        count = session.scalar(
            select(func.count(Placement.id)).where(Placement.candidate_id == world["candidate_id"])
        )
        assert count == 1
    page = client.get(f"/desk/candidates/{world['candidate_id']}").get_data(as_text=True)
    assert page.count('<div class="placement-steps"') == 1


def test_a_duplicate_the_check_missed_is_a_translated_422_not_a_500(
    client, data, login, desk, monkeypatch
):
    """Two requests at once both pass the service's check: the database's partial unique
    index refuses the second insert, and the desk reads the same message."""
    world = desk("nl")
    login(client, world["staff"])
    propose = f"/desk/projects/{world['project_id']}/propose"
    assert client.post(propose, data={"candidate_id": world["candidate_id"]}).status_code == 302
    monkeypatch.setattr(placements, "refuse_duplicate", lambda *args: None)  # the race
    second = client.post(propose, data={"candidate_id": world["candidate_id"]})
    assert second.status_code == 422
    message = say(
        "nl", "%(name)s already has a placement in progress for “%(title)s” at %(company)s.",
        name="Annelie Nel", title=TITLE, company=COMPANY,
    )  # fmt: skip
    assert message in second.get_data(as_text=True)
    # the page after it works: the unit of work was rolled back cleanly
    page = client.get(f"/desk/candidates/{world['candidate_id']}")
    assert page.status_code == 200
    assert page.get_data(as_text=True).count('<div class="placement-steps"') == 1
