"""The privacy pages: the notice for everyone, a candidate's consent (accept, withdraw, asked
again after a new version), the desk's versions of the notice and consent recorded on a
candidate's behalf, and what the desk sees after a withdrawal."""

from __future__ import annotations

import html

import pytest
from sqlalchemy import select

from onboarding.extensions import db
from onboarding.models import Candidate, Consent, PrivacyNotice, User
from onboarding.services import consent
from tests.factories import REGISTRATION_FORM, make_candidate, make_user


def text_of(response) -> str:
    return " ".join(html.unescape(response.get_data(as_text=True)).split())


@pytest.fixture
def people(data):
    with data():
        staff = make_user("staff")
        candidate = make_candidate(name="Johanna van Wyk", phase="mentoring")
        return {"staff": staff.email, "candidate": candidate.user.email, "id": candidate.id}


def publish_v2(client) -> int:
    """The desk writes version 2 from the current text and publishes it, through the pages."""
    page = client.get("/desk/privacy/notices/new")
    assert page.status_code == 200
    assert "Who we are" in text_of(page)  # prefilled from version 1
    with client.application.app_context():
        v1 = consent.current_notice()
        bodies = {"body_en": v1.body_en + "\n## Cookies\n\nWe use one session cookie.\n",
                  "body_nl": v1.body_nl, "body_af": v1.body_af}  # fmt: skip
    saved = client.post("/desk/privacy/notices/new", data={**bodies, "changes": "Cookies."})
    assert saved.status_code == 302
    notice_id = int(saved.location.rsplit("/", 1)[1])
    refused = client.post(f"/desk/privacy/notices/{notice_id}/publish", data={})
    assert refused.status_code == 422  # the confirmation box
    published = client.post(f"/desk/privacy/notices/{notice_id}/publish", data={"confirm": "y"})
    assert published.status_code == 302 and published.location.endswith("/desk/privacy/notices")
    return notice_id


def test_the_notice_is_open_to_everyone_with_the_retention_in_force(app, client):
    page = client.get("/privacy")
    assert page.status_code == 200
    shown = text_of(page)
    assert "How long we keep your data" in shown
    assert f"erased {app.config['RETENTION_WITHDRAWN_DAYS']} days later" in shown
    assert app.config["PRIVACY_CONTACT"] in shown
    assert "[retention]" not in shown and "[contact]" not in shown
    assert "Gegevensbeschermingsautoriteit" in shown
    assert 'href="/privacy"' in client.get("/login").get_data(as_text=True)  # the footer


def test_the_notice_is_shown_in_the_readers_language(client, data):
    client.post("/language", data={"locale": "af"})
    shown = text_of(client.get("/privacy"))
    assert "Wie ons is" in shown and "verwelkomingskantoor" in shown
    client.post("/language", data={"locale": "nl"})
    assert "Wie we zijn" in text_of(client.get("/privacy"))


def test_a_new_version_sends_the_candidate_to_accept_it_again(
    client, make_client, login, people, data
):  # noqa: E501
    login(client, people["staff"])
    notice_id = publish_v2(client)

    candidate = make_client()
    login(candidate, people["candidate"])
    home = candidate.get("/me/")
    assert home.status_code == 302 and home.location.endswith("/me/privacy")
    for path in ("/me/profile", "/me/documents"):
        assert candidate.get(path).location.endswith("/me/privacy"), path
    posted = candidate.post("/me/profile", data={})
    assert posted.status_code == 303 and posted.location.endswith("/me/privacy")
    for path in ("/me/privacy", "/privacy", "/settings", "/notifications"):  # still open
        assert candidate.get(path).status_code == 200, path
    page = text_of(candidate.get("/me/privacy"))
    assert "The privacy notice has changed" in page and "Cookies." in page

    assert candidate.post("/me/privacy", data={}).status_code == 422  # the box must be ticked
    accepted = candidate.post("/me/privacy", data={"accept": "y", "share_with_companies": "y"})
    assert accepted.status_code == 302
    assert candidate.get("/me/").status_code == 200
    with data():
        row = db.session.get(Candidate, people["id"])
        assert row.consent_notice_id == notice_id and row.share_with_companies
        (latest, *_older) = consent.records_of(row)
        assert (latest.action, latest.notice.version, latest.on_behalf) == ("given", 2, False)


def test_withdrawal_needs_its_confirmation_and_the_desk_is_told(
    client, make_client, login, people, data
):  # noqa: E501
    candidate = login(make_client(), people["candidate"])
    assert candidate.post("/me/privacy/withdraw", data={}).status_code == 422
    done = candidate.post("/me/privacy/withdraw", data={"confirm": "y"})
    assert done.status_code == 302
    page = text_of(candidate.get("/me/privacy"))
    assert "You withdrew your consent on" in page
    assert candidate.get("/me/").status_code == 200  # no renewal asked: there is nothing to renew

    login(client, people["staff"])
    board = client.get("/desk/").get_data(as_text=True)
    assert 'data-flag="consent-withdrawn"' in board
    desk_page = client.get(f"/desk/candidates/{people['id']}")
    shown = text_of(desk_page)
    assert 'data-flag="consent-withdrawn"' in desk_page.get_data(as_text=True)
    assert "Consent to data processing withdrawn" in shown  # the history
    matches = text_of(client.get(f"/desk/candidates/{people['id']}/matches"))
    assert "withdrew their consent" in matches and "left out of matching" in matches


def test_the_desk_records_consent_on_behalf_only_with_a_note(client, login, data):
    with data():
        staff = make_user("staff")
        candidate = make_candidate(consent=False)
        email, candidate_id = staff.email, candidate.id
    login(client, email)
    page = client.get(f"/desk/candidates/{candidate_id}/consent")
    assert page.status_code == 200
    assert client.post(f"/desk/candidates/{candidate_id}/consent", data={}).status_code == 422
    done = client.post(
        f"/desk/candidates/{candidate_id}/consent", data={"note": "Signed form, 2 December."}
    )
    assert done.status_code == 302
    with data():
        (record,) = db.session.scalars(select(Consent).where(Consent.candidate_id == candidate_id))
        assert (record.on_behalf, record.note) == (True, "Signed form, 2 December.")
    panel = text_of(client.get(f"/desk/candidates/{candidate_id}"))
    assert "Consent given to version 1 of the privacy notice" in panel


def test_a_published_version_is_read_only_and_a_draft_is_escaped(client, login, data):
    with data():
        email = make_user("staff").email
        v1 = consent.current_notice().id
    login(client, email)
    published = client.get(f"/desk/privacy/notices/{v1}")
    assert published.status_code == 200 and "<textarea" not in published.get_data(as_text=True)
    refused = client.post(
        f"/desk/privacy/notices/{v1}", data={"body_en": "x", "body_nl": "x", "body_af": "x"}
    )
    assert refused.status_code == 409
    created = client.post(
        "/desk/privacy/notices/new",
        data={"body_en": "<script>alert(1)</script>\n\nok", "body_nl": "nl", "body_af": "af"},
    )
    assert created.status_code == 302
    draft = client.get(created.location).get_data(as_text=True)
    assert "<script>alert(1)</script>" not in draft and "&lt;script&gt;" in draft
    with data():
        assert (
            db.session.scalar(
                select(PrivacyNotice.version).where(PrivacyNotice.published_at.is_(None))
            )
            == 2
        )
    # A text without the retention mark still gets the retention section, at its end.
    assert "How long we keep your data" in text_of(client.get(created.location))


def test_registration_records_the_desks_note(client, login, data):
    with data():
        email = make_user("staff").email
    login(client, email)
    form = {**REGISTRATION_FORM, "consent_note": "Signed at the info session in Windhoek."}
    assert client.post("/desk/candidates/new", data=form).status_code == 302
    with data():
        candidate = db.session.scalars(
            select(Candidate).join(Candidate.user).where(User.email == REGISTRATION_FORM["email"])
        ).one()
        (record,) = consent.records_of(candidate)
        assert record.note == "Signed at the info session in Windhoek." and record.on_behalf
        assert candidate.consent_notice_id == consent.current_notice_id()
