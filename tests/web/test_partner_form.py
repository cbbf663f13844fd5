"""The public partner form against spam (review M5): a per-client rate limit on its POSTs
(the translated 429 page with Retry-After, and room again after the window), a honeypot
field, one open application per organisation and email (also when two race, on PostgreSQL),
and the applicant's confirmation email in the language of the page they applied in."""

from __future__ import annotations

import html
import threading
import time
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from onboarding.db import transaction
from onboarding.extensions import db
from onboarding.models import FormToken, Partner, utcnow
from onboarding.services import partners, reminders
from tests.factories import make_user
from tests.mail import text_of
from tests.web.test_form_errors import catalog

APPLICATION = {"name": "Windhoek Tech Hub", "kind": "lead", "contact_name": "Ndapewa Shikongo",
               "email": "ndapewa@hub.example.org", "country": "NA"}  # fmt: skip
DUPLICATE = (
    "An application from this organisation with this email address is already being reviewed."
)
TOO_OFTEN = "You sent this too often in a short time. Please try again later."


def count(data, model=Partner) -> int:
    with data() as session:
        return session.scalar(select(func.count()).select_from(model))


def apply(client, locale: str = "en", **changes):
    return client.post(
        "/partners/apply", data={**APPLICATION, **changes}, headers={"Accept-Language": locale}
    )


@pytest.fixture
def small_limit(app, monkeypatch):
    monkeypatch.setitem(app.config, "PARTNER_FORM_LIMIT", "3 per 2 seconds")


# -- the rate limit -------------------------------------------------------------------------


def test_the_fourth_post_within_the_window_is_refused_then_room_again(client, data, small_limit):
    for number in range(3):
        response = apply(client, email=f"contact{number}@hub.example.org")
        assert response.status_code == 302, response.get_data(as_text=True)
    refused = apply(client, "nl", email="contact3@hub.example.org")
    assert refused.status_code == 429
    wait = int(refused.headers["Retry-After"])
    assert 1 <= wait <= 2
    page = html.unescape(refused.get_data(as_text=True))
    assert catalog("nl").gettext(TOO_OFTEN) in page
    assert count(data) == 3
    # Only POSTs count: the form itself is still shown.
    assert client.get("/partners/apply").status_code == 200
    time.sleep(wait + 0.2)
    assert apply(client, email="contact3@hub.example.org").status_code == 302
    assert count(data) == 4


def test_refused_posts_count_too_and_the_limit_is_per_client(make_client, data, small_limit):
    robot, person = make_client(), make_client()
    environ = {"REMOTE_ADDR": "192.0.2.10"}
    for _ in range(3):
        response = robot.post("/partners/apply", data={"name": ""}, environ_base=environ)
        assert response.status_code == 422
    blocked = robot.post("/partners/apply", data=APPLICATION, environ_base=environ)
    assert blocked.status_code == 429
    assert apply(person).status_code == 302  # another address has its own count
    assert count(data) == 1


# -- the honeypot ---------------------------------------------------------------------------


def test_the_honeypot_is_hidden_from_people(client):
    page = client.get("/partners/apply").get_data(as_text=True)
    start = page.index('<div class="trap" aria-hidden="true">')
    trap = page[start : page.index("</div>", start)]
    assert "Leave this field empty." in trap
    assert 'name="referral_code"' in trap
    assert 'tabindex="-1"' in trap and 'autocomplete="off"' in trap
    with client.get("/static/onthaal.css") as stylesheet:
        assert ".trap {" in stylesheet.get_data(as_text=True)


def test_a_filled_honeypot_is_answered_as_a_success_and_nothing_is_kept(client, data, outbox):
    honest = apply(client, email="info@hub.example.org")
    assert count(data) == 1
    outbox.clear()
    tokens = count(data, FormToken)
    robot = apply(client, referral_code="https://spam.example")
    assert (robot.status_code, robot.location) == (honest.status_code, honest.location)
    assert count(data) == 1
    assert count(data, FormToken) == tokens
    assert outbox.messages == []


def test_a_robot_filling_in_rubbish_learns_nothing_either(client, data, outbox):
    robot = client.post("/partners/apply", data={"name": "x", "referral_code": "1"})
    assert (robot.status_code, robot.location) == (302, "/partners/apply/thanks")
    assert count(data) == 0
    assert outbox.messages == []


# -- one open application per organisation and email -----------------------------------------


def test_a_second_open_application_is_refused_and_nothing_stored(client, data, outbox):
    assert apply(client).status_code == 302
    outbox.clear()
    again = apply(
        client, name="  windhoek   TECH hub ", email="Ndapewa@Hub.Example.org", kind="contributing"
    )
    assert again.status_code == 422
    assert DUPLICATE in html.unescape(again.get_data(as_text=True))
    assert count(data) == 1
    assert outbox.messages == []
    # Another address of the same organisation, or another organisation, is a new application.
    assert apply(client, email="office@hub.example.org").status_code == 302
    assert apply(client, name="Windhoek Tech Hub North").status_code == 302
    assert count(data) == 3


@pytest.mark.parametrize("decision", ["accept", "decline"])
def test_once_decided_the_organisation_may_apply_again(client, data, decision):
    assert apply(client).status_code == 302
    with data() as session:
        staff = make_user("staff")
        partner_id = session.scalar(select(Partner.id))
        with transaction():
            partners.decide(staff, partner_id, decision)
        assert session.get(Partner, partner_id).open_key is None
    assert apply(client).status_code == 302
    with data() as session:
        keys = session.scalars(select(Partner.open_key).order_by(Partner.id)).all()
    assert keys == [None, "windhoek tech hub|ndapewa@hub.example.org"]


def test_simultaneous_twins_store_one_application(fresh_pg_app):
    """Four people send the same application at the same moment (no one-time token shared):
    the unique key lets one through, the others get the translated 422 (not a 500)."""
    app = fresh_pg_app
    barrier = threading.Barrier(4)
    answers: list[int] = []

    def submit() -> None:
        own = app.test_client()
        barrier.wait()
        answers.append(own.post("/partners/apply", data=APPLICATION).status_code)

    threads = [threading.Thread(target=submit) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(answers) == [302, 422, 422, 422]
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Partner)) == 1
        db.session.remove()


# -- the confirmation email -----------------------------------------------------------------


def delivered(app, outbox) -> list:
    """The dispatcher sends the confirmation (an event on the outbox), not the request."""
    assert outbox.messages == []
    with app.app_context():
        reminders.dispatch(now=utcnow() + timedelta(seconds=1), worker="w", until_empty=True)
        db.session.remove()
    return outbox.messages


@pytest.mark.parametrize("locale", ["nl", "af", "en"])
def test_the_applicant_is_emailed_in_the_language_of_the_page(app, client, outbox, locale):
    assert apply(client, locale).status_code == 302
    (message,) = delivered(app, outbox)
    assert message["To"] == "ndapewa@hub.example.org"
    assert message["Content-Language"] == locale
    body = text_of(message)
    words = catalog(locale)
    assert words.gettext("Dear %(name)s,") % {"name": "Ndapewa"} in body
    assert words.gettext("Kind regards,") in body
    assert "Windhoek Tech Hub" in body


def test_the_language_switch_decides_the_emails_language(app, client, outbox):
    client.post("/language", data={"locale": "af", "next": "/partners/apply"})
    assert client.post("/partners/apply", data=APPLICATION).status_code == 302
    (message,) = delivered(app, outbox)
    assert message["Content-Language"] == "af"
