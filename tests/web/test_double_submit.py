"""A form sent twice in quick succession (a double click, a resent POST) is done once, and
the second submit shows the result of the first (services/submissions.py)."""

from __future__ import annotations

import re
import threading
from datetime import date

import pytest
from sqlalchemy import func, select

from onboarding.extensions import db
from onboarding.models import FormToken, MentoringMeeting, Partner, Placement, User
from tests.factories import REGISTRATION_FORM, make_candidate, make_company, make_user
from tests.web.test_form_errors import catalog

ALREADY = "This form had already been sent: it was done once, and this is the result."
APPLICATION = {"name": "Windhoek Tech Hub", "kind": "lead", "contact_name": "Ndapewa Shikongo",
               "email": "ndapewa@hub.example.org"}  # fmt: skip


def token_in(page: str) -> str:
    match = (
        re.search(r'name="once" type="hidden" value="([^"]+)"', page)
        or re.search(r'type="hidden" name="once" value="([^"]+)"', page)
        or re.search(r'id="once" name="once" type="hidden" value="([^"]+)"', page)
    )
    assert match, "the form carries no one-time token"
    return match.group(1)


def count(data, model) -> int:
    with data() as session:
        return session.scalar(select(func.count()).select_from(model))


@pytest.fixture
def world(data):
    with data():
        staff = make_user("staff", locale="nl")
        mentor = make_user("mentor", locale="af")
        mentee = make_candidate(phase="mentoring", mentor=mentor)
        company = make_company()
        return {"staff": staff.email, "mentor": mentor.email, "mentee": mentee.id,
                "company": company.id}  # fmt: skip


def cases(world) -> dict:
    """name: (who, the page with the form, where it posts, the body, the model written)"""
    mentee = world["mentee"]
    desk_page = f"/desk/candidates/{mentee}"
    return {
        "meeting": ("mentor", f"/mentor/mentees/{mentee}", f"/mentor/mentees/{mentee}/meetings",
                    {"met_on": date.today().isoformat(), "note": "Talked."}, MentoringMeeting),
        "placement": ("staff", desk_page, f"{desk_page}/placements",
                      {"company_id": str(world["company"]), "project_title": "Solar storage"},
                      Placement),
        "registration": ("staff", "/desk/candidates/new", "/desk/candidates/new",
                         REGISTRATION_FORM, User),
        "partner": ("anonymous", "/partners/apply", "/partners/apply", APPLICATION, Partner),
    }  # fmt: skip


@pytest.mark.parametrize("name", ["meeting", "placement", "registration", "partner"])
def test_a_form_sent_twice_is_done_once(client, data, login, outbox, world, name):
    role, page, action, body, model = cases(world)[name]
    if role != "anonymous":
        login(client, world[role])
    token = token_in(client.get(page).get_data(as_text=True))
    before = count(data, model)
    first = client.post(action, data={**body, "once": token})
    assert first.status_code == 302, first.get_data(as_text=True)[:2000]
    second = client.post(action, data={**body, "once": token})
    assert second.status_code == 302, second.get_data(as_text=True)[:2000]
    assert second.location == first.location
    assert count(data, model) == before + 1
    shown = client.get(second.location).get_data(as_text=True)
    if role != "anonymous":
        locale = "nl" if role == "staff" else "af"
        assert catalog(locale).gettext(ALREADY) in shown.replace("&#39;", "'")
        assert catalog(locale).gettext(ALREADY) != ALREADY
    # The same form drawn again has a new token: a second meeting is a new one.
    assert token_in(client.get(page).get_data(as_text=True)) != token


def test_a_refused_submit_leaves_its_token_unused(client, data, login, world):
    _role, page, action, body, _model = cases(world)["meeting"]
    login(client, world["mentor"])
    token = token_in(client.get(page).get_data(as_text=True))
    refused = client.post(action, data={**body, "met_on": "2999-01-01", "once": token})
    assert refused.status_code == 422
    assert token_in(refused.get_data(as_text=True)) == token  # shown again as sent
    assert count(data, FormToken) == 0
    done = client.post(action, data={**body, "once": token})
    assert done.status_code == 302
    assert count(data, MentoringMeeting) == 1


def test_a_form_without_a_token_still_works(client, data, world):
    before = count(data, Partner)
    other = {**APPLICATION, "email": "info@hub.example.org"}  # one open application per email
    assert client.post("/partners/apply", data=APPLICATION).status_code == 302
    assert client.post("/partners/apply", data=other).status_code == 302
    assert count(data, Partner) == before + 2


def test_concurrent_submits_of_one_form_store_one_row(fresh_pg_app):
    """Five simultaneous submits of one partner application on PostgreSQL: the unique key
    lets one through; the others wait for it and answer with its result."""
    app = fresh_pg_app
    client = app.test_client()
    token = token_in(client.get("/partners/apply").get_data(as_text=True))
    barrier = threading.Barrier(5)
    answers: list[tuple[int, str | None]] = []

    def submit() -> None:
        own = app.test_client()
        barrier.wait()
        response = own.post("/partners/apply", data={**APPLICATION, "once": token})
        answers.append((response.status_code, response.location))

    threads = [threading.Thread(target=submit) for _ in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert answers == [(302, "/partners/apply/thanks")] * 5
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Partner)) == 1
        assert db.session.scalar(select(func.count()).select_from(FormToken)) == 1
