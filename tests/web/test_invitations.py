"""Invitation links: the page speaks the invited person's language (not the browser's), the
stored language is kept unless the person changes it there, and only the newest link works."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from onboarding.db import transaction
from onboarding.models import User
from onboarding.services import candidates
from onboarding.services.auth import new_invitation
from tests.conftest import PASSWORD as STAFF_PASSWORD
from tests.factories import REGISTRATION_FORM, make_candidate, make_user
from tests.mail import text_of

PASSWORD = "a long enough passphrase"


def invite(data, locale: str) -> dict:
    with data() as session:
        candidate = make_candidate(name="Annelie Nel", locale=locale)
        candidate.user.password_hash = None
        token = new_invitation(candidate.user, created_by=None)
        session.commit()
        return {"token": token, "user_id": candidate.user_id, "candidate_id": candidate.id}


def stored_locale(data, user_id: int) -> str:
    with data() as session:
        return session.get(User, user_id).locale


def page_language(html: str) -> str:
    return re.search(r'<html lang="(\w+)"', html).group(1)


@pytest.mark.parametrize("browser", ["en-ZA,en;q=0.9", "en-US", "nl-BE,nl;q=0.8"])
def test_the_invitation_speaks_the_language_the_desk_chose(data, client, browser):
    invited = invite(data, "af")
    headers = {"Accept-Language": browser}
    page = client.get(f"/invitation/{invited['token']}", headers=headers)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert page_language(html) == "af"
    assert "Welkom, Annelie Nel" in html
    assert re.search(r'<option selected value="af">|<option value="af" selected>', html)

    response = client.post(
        f"/invitation/{invited['token']}",
        data={"password": PASSWORD, "confirm": PASSWORD},
        headers=headers,
    )
    assert response.status_code == 302
    assert stored_locale(data, invited["user_id"]) == "af"  # kept, not the browser's
    dashboard = client.get("/me/", headers=headers).get_data(as_text=True)
    assert page_language(dashboard) == "af"


def test_the_person_may_choose_another_language_on_the_invitation_page(data, client):
    invited = invite(data, "af")
    url = f"/invitation/{invited['token']}"
    response = client.post(url, data={"password": PASSWORD, "confirm": PASSWORD, "locale": "en"})
    assert response.status_code == 302
    assert stored_locale(data, invited["user_id"]) == "en"


def test_the_header_switch_on_the_invitation_page_changes_its_language(data, client):
    invited = invite(data, "af")
    url = f"/invitation/{invited['token']}"
    switched = client.post("/language", data={"locale": "nl", "next": url})
    assert switched.status_code == 302
    assert switched.location == f"{url}?lang=nl"
    html = client.get(switched.location).get_data(as_text=True)
    assert page_language(html) == "nl"
    assert (
        client.post(switched.location, data={"password": PASSWORD, "confirm": PASSWORD}).status_code
        == 302
    )
    assert stored_locale(data, invited["user_id"]) == "nl"


def test_a_tampered_language_is_refused_on_the_form(data, client):
    invited = invite(data, "af")
    url = f"/invitation/{invited['token']}"
    response = client.post(url, data={"password": PASSWORD, "confirm": PASSWORD, "locale": "xx"})
    assert response.status_code == 422
    assert stored_locale(data, invited["user_id"]) == "af"


def test_resending_an_invitation_leaves_only_the_newest_link_working(data, client, login):
    invited = invite(data, "en")
    first = f"/invitation/{invited['token']}"
    assert client.get(first).status_code == 200
    with data():
        staff = make_user("staff")
        with transaction():
            _candidate, token = candidates.reinvite(staff, invited["candidate_id"])
    second = f"/invitation/{token}"
    assert client.get(first).status_code == 404
    assert client.post(first, data={"password": PASSWORD, "confirm": PASSWORD}).status_code == 404
    assert client.get(second).status_code == 200
    assert client.post(second, data={"password": PASSWORD, "confirm": PASSWORD}).status_code == 302
    with data() as session:
        assert session.scalar(select(User.password_hash).where(User.id == invited["user_id"]))


def test_the_emailed_link_uses_the_public_address_not_the_host_header(app, client, data, outbox):
    with data():
        email = make_user("staff").email
    forged = {"Host": "evil.example:8080"}  # the whole visit on the forged host
    signed_in = client.post(
        "/login", data={"email": email, "password": STAFF_PASSWORD}, headers=forged
    )
    assert signed_in.status_code == 302
    response = client.post(
        "/desk/candidates/new",
        data=REGISTRATION_FORM,
        headers=forged,
    )
    assert response.status_code == 302
    (message,) = outbox.messages
    body = text_of(message)
    public = app.config["PUBLIC_BASE_URL"].rstrip("/")
    assert f"{public}/invitation/" in body
    assert "evil.example" not in body
