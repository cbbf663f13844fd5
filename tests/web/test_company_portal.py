"""The company portal's sign-in through HTTP: asking for a link answers the same whatever
the address; opening the emailed link shows a button (a mail scanner's visit uses nothing),
pressing it signs the contact in, once."""

from __future__ import annotations

import re

from sqlalchemy import select

from onboarding.models import Job
from onboarding.services import jobs
from tests.factories import make_company, make_user


def contact_email(data) -> str:
    with data():
        company = make_company("Kempen Zonnewarmte")
        return make_user("company", name="An Claes", company=company, password_hash=None).email


def strip(html: str, address: str) -> str:
    html = re.sub(r'(name="csrf_token"[^>]*value=")[^"]*"', r'\1CSRF"', html)
    return html.replace(address, "ADDRESS")


def test_asking_for_a_link_answers_the_same_whatever_the_address(app, data, client, outbox):
    email = contact_email(data)
    known = client.post("/company/sign-in", data={"email": email})
    unknown = client.post("/company/sign-in", data={"email": "nobody.here@example.org"})
    assert known.status_code == unknown.status_code == 200
    assert strip(known.get_data(as_text=True), email) == strip(
        unknown.get_data(as_text=True), "nobody.here@example.org"
    )
    with data() as session:  # the same work for both: one job each
        assert len(session.scalars(select(Job).where(Job.kind == "company_sign_in")).all()) == 2
    with app.app_context():
        jobs.work()
    assert [m["To"] for m in outbox.messages] == [email]


def test_the_emailed_link_signs_in_once_and_only_when_its_button_is_pressed(
    app, data, client, outbox
):
    email = contact_email(data)
    client.post("/company/sign-in", data={"email": email})
    with app.app_context():
        jobs.work()
    (message,) = outbox.messages
    body = message.get_body(preferencelist=("plain",)).get_content()
    (path,) = re.findall(r"https?://\S+?(/company/sign-in/\S+)", body)
    assert client.get(path).status_code == 200
    assert client.get(path).status_code == 200  # looking at it twice uses nothing
    assert client.get("/company/").status_code == 302  # not signed in yet
    signed_in = client.post(path)
    assert (signed_in.status_code, signed_in.location) == (302, "/company/")
    assert "An Claes" in client.get("/company/").get_data(as_text=True)
    assert client.get(path).status_code == 404  # used
    assert app.test_client().post(path).status_code == 404


def test_a_contacts_notifications_page_leads_nowhere_they_may_not_go(app, data, client, outbox):
    email = contact_email(data)
    client.post("/company/sign-in", data={"email": email})
    with app.app_context():
        jobs.work()
    (message,) = outbox.messages
    body = message.get_body(preferencelist=("plain",)).get_content()
    (path,) = re.findall(r"https?://\S+?(/company/sign-in/\S+)", body)
    client.post(path)
    page = client.get("/notifications")
    assert page.status_code == 200
    for href in re.findall(r'href="(/[^"#?]*)', page.get_data(as_text=True)):
        if href.startswith("/static/") or href == "/favicon.ico":
            continue
        assert client.get(href).status_code in (200, 302), href  # never a 403
