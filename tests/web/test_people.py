"""The desk's People area: the list of accounts, inviting colleagues and mentors, a person's
page and its actions (invitation again, deactivate, reactivate, capacity), the account audit
log; and the desk's correction of a candidate's details."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from onboarding.models import AccountEvent, AuditEvent, Candidate, User
from tests.conftest import PASSWORD
from tests.factories import make_candidate, make_partner, make_user
from tests.mail import text_of
from tests.web.test_form_errors import catalog, database

NEW_PASSWORD = "a long enough passphrase"


@pytest.fixture
def desk(data, client, login):
    """A signed-in staff member (English pages); returns their id."""
    with data():
        staff = make_user("staff", name="Desk Anna", email="anna@desk.example.org")
        staff_id = staff.id
    login(client, "anna@desk.example.org")
    return staff_id


def events_of(data, user_id: int) -> list[tuple[str, int | None, str | None]]:
    with data() as session:
        rows = session.execute(
            select(AccountEvent.kind, AccountEvent.actor_id, AccountEvent.detail)
            .where(AccountEvent.user_id == user_id)
            .order_by(AccountEvent.id)
        )
        return [tuple(row) for row in rows]


def user_by_email(data, email: str) -> User | None:
    with data() as session:
        user = session.scalars(select(User).where(User.email == email)).one_or_none()
        if user is not None:
            session.expunge(user)
        return user


def invitation_link(message) -> str:
    return re.search(r"https?://\S+/invitation/(\S+)", text_of(message)).group(1)


# -- the list --------------------------------------------------------------------------------


def listed(client, query: str = "") -> set[str]:
    page = client.get(f"/desk/people/{query}").get_data(as_text=True)
    return set(re.findall(r'<td><a href="/desk/people/\d+">([^<]+)</a></td>', page))


def test_the_list_searches_and_filters_by_role_and_status(data, client, desk):
    with data() as session:
        make_user("mentor", name="Mentor Bart", email="bart@mentors.example.org")
        make_user("mentor", name="Mentor Gone", active=False)
        make_user("staff", name="Invited Colleague", password_hash=None)
        make_candidate(name="Johanna van Wyk")
        session.commit()
    assert listed(client) == {
        "Desk Anna", "Mentor Bart", "Mentor Gone", "Invited Colleague", "Johanna van Wyk",
    }  # fmt: skip
    assert listed(client, "?q=MENTORS.example") == {"Mentor Bart"}
    assert listed(client, "?q=johanna") == {"Johanna van Wyk"}
    assert listed(client, "?role=mentor") == {"Mentor Bart", "Mentor Gone"}
    assert listed(client, "?status=deactivated") == {"Mentor Gone"}
    assert listed(client, "?status=invited") == {"Invited Colleague"}
    assert listed(client, "?role=staff&status=active") == {"Desk Anna"}
    assert listed(client, "?role=nonsense&status=%00") == listed(client)
    assert client.get("/desk/people/?q=%00").status_code == 422


def test_the_list_has_pages_of_25(data, client, desk):
    with data():
        for number in range(30):
            make_user("mentor", name=f"Paged Mentor {number:02d}", password_hash="unused")
    first = client.get("/desk/people/?role=mentor").get_data(as_text=True)
    second = client.get("/desk/people/?role=mentor&page=2").get_data(as_text=True)
    assert first.count("data-person=") == 25
    assert second.count("data-person=") == 5
    assert "Page 2 of 2" in second


def test_the_last_login_is_shown_in_brussels_time_without_seconds(data, client, desk):
    from datetime import UTC, datetime

    with data() as session:
        mentor = make_user("mentor", name="Mentor Time")
        mentor.last_login_at = datetime(2026, 7, 1, 7, 5, 9, tzinfo=UTC)
        session.commit()
    page = client.get("/desk/people/?q=Mentor+Time").get_data(as_text=True)
    assert "9:05" in page  # 07:05 UTC is 09:05 in Brussels (summer time)
    assert "9:05:09" not in page


# -- inviting --------------------------------------------------------------------------------


@pytest.mark.parametrize(("role", "locale"), [("staff", "nl"), ("mentor", "af")])
def test_inviting_a_colleague_or_a_mentor_emails_them_in_their_language(
    data, client, desk, outbox, role, locale
):
    body = {"name": "Lindiwe Dlamini", "email": "Lindiwe@Example.org", "locale": locale,
            "role": role, "mentor_capacity": "7"}  # fmt: skip
    response = client.post("/desk/people/new", data=body)
    assert response.status_code == 302, response.get_data(as_text=True)
    user = user_by_email(data, "lindiwe@example.org")
    assert user is not None and user.role == role and user.locale == locale
    assert user.password_hash is None
    assert user.mentor_capacity == (7 if role == "mentor" else None)
    assert response.location.endswith(f"/desk/people/{user.id}")
    assert [kind for kind, actor, _ in events_of(data, user.id)] == [
        "account_created",
        "invitation_sent",
    ]
    assert {actor for _, actor, _ in events_of(data, user.id)} == {desk}
    (message,) = outbox.messages
    assert message["To"] == "lindiwe@example.org"
    assert message["Content-Language"] == locale
    texts = catalog(locale)
    assert message["Subject"] == texts.gettext("Your invitation to Onthaal")
    assert texts.gettext("Dear %(name)s,") % {"name": "Lindiwe"} in text_of(message)
    # The link works, in the invitee's language, and signs them in on their own home page.
    token = invitation_link(message)
    invitation = client.get(f"/invitation/{token}")
    assert f'<html lang="{locale}"' in invitation.get_data(as_text=True)
    client.post("/logout")
    accepted = client.post(
        f"/invitation/{token}", data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    )
    assert accepted.status_code == 302
    assert accepted.location.endswith("/desk/" if role == "staff" else "/mentor/")


def test_a_mentor_gets_the_default_capacity_when_none_is_given(data, client, desk, outbox):
    response = client.post(
        "/desk/people/new",
        data={"name": "Mentor Default", "email": "default@example.org", "locale": "en",
              "role": "mentor"},
    )  # fmt: skip
    assert response.status_code == 302
    assert user_by_email(data, "default@example.org").mentor_capacity == User().capacity


@pytest.mark.parametrize(
    "change",
    [
        {"email": "anna@desk.example.org"},  # taken
        {"email": "not an address"},
        {"name": "<script>"},
        {"role": "candidate"},
        {"locale": "xx"},
        {"mentor_capacity": "51"},
        {"mentor_capacity": "-1"},
    ],
)
def test_a_bad_invitation_is_refused_and_nothing_changes(data, client, desk, outbox, change):
    body = {"name": "Bad Invite", "email": "bad@example.org", "locale": "en", "role": "mentor",
            **change}  # fmt: skip
    before = database(data)
    response = client.post("/desk/people/new", data=body)
    assert response.status_code == 422
    assert database(data) == before
    assert outbox.messages == []


# -- a person's page: invitation again --------------------------------------------------------


def test_sending_the_invitation_again_leaves_only_the_newest_link_working(
    data, client, make_client, desk, outbox
):
    client.post(
        "/desk/people/new",
        data={"name": "Twice Invited", "email": "twice@example.org", "locale": "en",
              "role": "staff"},
    )  # fmt: skip
    user_id = user_by_email(data, "twice@example.org").id
    page = client.get(f"/desk/people/{user_id}").get_data(as_text=True)
    assert "Send invitation again" in page
    response = client.post(f"/desk/people/{user_id}/invitation")
    assert response.status_code == 302
    first, second = (invitation_link(m) for m in outbox.messages)
    assert [kind for kind, _, _ in events_of(data, user_id)].count("invitation_sent") == 2
    visitor = make_client()
    assert visitor.get(f"/invitation/{first}").status_code == 404
    assert visitor.get(f"/invitation/{second}").status_code == 200
    done = visitor.post(
        f"/invitation/{second}", data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    )
    assert done.status_code == 302
    # Once a password is chosen, there is nothing to send again.
    again = client.post(f"/desk/people/{user_id}/invitation")
    assert again.status_code == 422
    assert "already chosen a password" in again.get_data(as_text=True)


# -- deactivating and reactivating ------------------------------------------------------------


def test_deactivating_ends_the_persons_session_and_login(data, client, make_client, login, desk):
    with data():
        mentor = make_user("mentor", name="Mentor Leaving", email="leaving@example.org")
        mentor_id = mentor.id
    theirs = login(make_client(), "leaving@example.org")
    assert theirs.get("/mentor/").status_code == 200
    response = client.post(f"/desk/people/{mentor_id}/deactivate")
    assert response.status_code == 302
    with data() as session:
        stored = session.get(User, mentor_id)
        assert stored.active is False
        assert stored.session_generation == 1
    assert [kind for kind, _, _ in events_of(data, mentor_id)] == ["login", "deactivated"]
    refused = make_client().post(
        "/login", data={"email": "leaving@example.org", "password": PASSWORD}
    )
    assert refused.status_code == 422
    next_request = theirs.get("/mentor/")
    assert next_request.status_code == 302
    assert "/login" in next_request.location


def test_the_page_lists_a_deactivated_mentors_mentees_still_in_the_programme(data, client, desk):
    with data():
        mentor = make_user("mentor", name="Mentor Leaving")
        current = make_candidate(name="Still Mentored", phase="mentoring", mentor=mentor)
        make_candidate(name="Already Placed", phase="placed", mentor=mentor)
        mentor_id, current_id = mentor.id, current.id
    assert "Still Mentored" not in client.get(f"/desk/people/{mentor_id}").get_data(as_text=True)
    client.post(f"/desk/people/{mentor_id}/deactivate")
    page = client.get(f"/desk/people/{mentor_id}").get_data(as_text=True)
    assert f'href="/desk/candidates/{current_id}"' in page
    assert "Already Placed" not in page


def test_nobody_deactivates_their_own_account(data, client, desk):
    before = database(data)
    response = client.post(f"/desk/people/{desk}/deactivate")
    assert response.status_code == 422
    assert "cannot deactivate your own account" in response.get_data(as_text=True)
    assert database(data) == before


def test_a_deactivated_account_can_be_reactivated(data, client, make_client, login, desk):
    with data():
        mentor = make_user("mentor", email="back@example.org", active=False)
        mentor_id = mentor.id
    response = client.post(f"/desk/people/{mentor_id}/reactivate")
    assert response.status_code == 302
    assert user_by_email(data, "back@example.org").active is True
    assert [kind for kind, _, _ in events_of(data, mentor_id)] == ["reactivated"]
    login(make_client(), "back@example.org")
    assert client.post(f"/desk/people/{mentor_id}/reactivate").status_code == 422


# -- a mentor's capacity ---------------------------------------------------------------------


def test_a_mentors_capacity_changes_within_bounds_and_never_below_their_mentees(data, client, desk):
    with data():
        mentor = make_user("mentor", name="Mentor Busy")
        for number in range(3):
            make_candidate(phase="mentoring", mentor=mentor, name=f"Mentee {chr(65 + number)}")
        mentor_id = mentor.id
    response = client.post(f"/desk/people/{mentor_id}/capacity", data={"capacity": "8"})
    assert response.status_code == 302
    assert events_of(data, mentor_id) == [("capacity_changed", desk, "5 → 8")]
    before = database(data)
    lower = client.post(f"/desk/people/{mentor_id}/capacity", data={"capacity": "2"})
    assert lower.status_code == 422
    assert "mentors 3 candidates now" in lower.get_data(as_text=True)
    for bad in ("51", "-1", "", "x"):
        assert (
            client.post(f"/desk/people/{mentor_id}/capacity", data={"capacity": bad}).status_code
            == 422
        )
    assert database(data) == before
    assert (
        client.post(f"/desk/people/{mentor_id}/capacity", data={"capacity": "3"}).status_code == 302
    )
    with data() as session:
        assert session.get(User, mentor_id).mentor_capacity == 3


def test_only_a_mentor_has_a_capacity(data, client, desk):
    assert client.post(f"/desk/people/{desk}/capacity", data={"capacity": "3"}).status_code == 422


# -- the account audit log -------------------------------------------------------------------


def test_the_audit_log_filters_by_kind_and_person(data, client, desk, outbox):
    with data():
        mentor = make_user("mentor", name="Mentor Logged", email="logged@example.org")
        mentor_id = mentor.id
    client.post(f"/desk/people/{mentor_id}/deactivate")
    client.post(f"/desk/people/{mentor_id}/reactivate")
    client.post("/desk/people/new", data={"name": "Other Person", "email": "other@example.org",
                                          "locale": "en", "role": "staff"})  # fmt: skip
    everything = client.get("/desk/people/events").get_data(as_text=True)
    assert (
        everything.index('data-kind="account_created"')
        < everything.index('data-kind="reactivated"')
        < everything.index('data-kind="deactivated"')
    )  # newest first
    assert "Desk Anna" in everything and "127.0.0.1" in everything
    deactivations = client.get("/desk/people/events?kind=deactivated").get_data(as_text=True)
    assert 'data-kind="deactivated"' in deactivations
    assert 'data-kind="reactivated"' not in deactivations
    by_person = client.get("/desk/people/events?person=OTHER@").get_data(as_text=True)
    assert 'data-kind="account_created"' in by_person and "Mentor Logged" not in by_person
    assert client.get("/desk/people/events?person=%00").status_code == 422
    assert client.get("/desk/people/events?kind=nonsense&page=-3").status_code == 200


# -- correcting a candidate's details --------------------------------------------------------


def details_form(candidate_id: int, data, **changes) -> dict:
    with data() as session:
        candidate = session.get(Candidate, candidate_id)
        body = {
            "name": candidate.user.name,
            "email": candidate.user.email,
            "country": candidate.country_code,
            "origin_institution": candidate.origin_institution,
            "stem_field": candidate.stem_field,
            "graduation_date": candidate.graduation_date.isoformat(),
            "locale": candidate.user.locale,
            "outreach_channel": candidate.outreach_channel,
            "campaign_id": "",
            "partner_id": str(candidate.partner_id or ""),
            "version": str(candidate.version_id),
        }
    return {**body, **changes}


def audit_rows(data, candidate_id: int) -> list[tuple[str, str | None]]:
    with data() as session:
        rows = session.execute(
            select(AuditEvent.action, AuditEvent.detail).where(
                AuditEvent.candidate_id == candidate_id, AuditEvent.action == "details_corrected"
            )
        )
        return [tuple(row) for row in rows]


def test_the_details_form_shows_what_is_stored_and_saves_only_changes(data, client, desk):
    with data():
        candidate = make_candidate(name="Johanna van Wyk", origin_institution="UNAM")
        candidate_id = candidate.id
    page = client.get(f"/desk/candidates/{candidate_id}")
    assert f"/desk/candidates/{candidate_id}/details" in page.get_data(as_text=True)
    form = client.get(f"/desk/candidates/{candidate_id}/details").get_data(as_text=True)
    assert 'value="Johanna van Wyk"' in form and 'value="UNAM"' in form
    unchanged = client.post(f"/desk/candidates/{candidate_id}/details",
                            data=details_form(candidate_id, data))  # fmt: skip
    assert unchanged.status_code == 302
    assert audit_rows(data, candidate_id) == []
    body = details_form(candidate_id, data, name="Johanna  Botha", origin_institution="NUST",
                        country="BW")  # fmt: skip
    response = client.post(f"/desk/candidates/{candidate_id}/details", data=body)
    assert response.status_code == 302
    assert audit_rows(data, candidate_id) == [
        ("details_corrected", "name, country, origin_institution")
    ]
    with data() as session:
        stored = session.get(Candidate, candidate_id)
        assert (stored.user.name, stored.country_code, stored.origin_institution) == (
            "Johanna Botha", "BW", "NUST",
        )  # fmt: skip
    history = client.get(f"/desk/candidates/{candidate_id}").get_data(as_text=True)
    assert "Details corrected by the welcome desk: name, country of origin" in history
    assert [kind for kind, _, _ in events_of(data, stored.user_id)] == ["name_changed"]


def test_a_stale_details_form_is_a_conflict_and_nothing_changes(data, client, desk):
    with data():
        candidate = make_candidate(name="Stale Form")
        candidate_id = candidate.id
    body = details_form(candidate_id, data, name="First Tab")
    assert client.post(f"/desk/candidates/{candidate_id}/details", data=body).status_code == 302
    before = database(data)
    second = client.post(f"/desk/candidates/{candidate_id}/details", data={**body, "name": "Tab"})
    assert second.status_code == 409
    assert database(data) == before


def test_changing_the_email_keeps_the_account_and_tells_both_addresses(
    data, client, make_client, login, desk, outbox
):
    with data():
        candidate = make_candidate(name="Moving Mail", email="old@example.org", locale="nl")
        candidate_id, user_id = candidate.id, candidate.user_id
    theirs = login(make_client(), "old@example.org")
    body = details_form(candidate_id, data, email="New@Example.org")
    response = client.post(f"/desk/candidates/{candidate_id}/details", data=body)
    assert response.status_code == 302
    with data() as session:
        user = session.get(User, user_id)
        assert user.email == "new@example.org"
        assert user.session_generation == 1
        assert session.scalar(select(func.count(User.id))) == 2  # the desk and this one
    assert audit_rows(data, candidate_id) == [("details_corrected", "email")]
    assert [event for event in events_of(data, user_id) if event[0] != "login"] == [
        ("email_changed", desk, "old@example.org → new@example.org")
    ]
    messages = {message["To"]: message for message in outbox.messages}
    assert set(messages) == {"old@example.org", "new@example.org"}
    texts = catalog("nl")
    for message in messages.values():
        assert message["Content-Language"] == "nl"
        assert texts.gettext("Dear %(name)s,") % {"name": "Moving"} in text_of(message)
    warning = texts.gettext(
        "If you did not expect this change, contact the welcome desk straight away."
    )
    assert warning in text_of(messages["old@example.org"])
    assert "new@example.org" in text_of(messages["new@example.org"])
    assert "/invitation/" not in text_of(messages["new@example.org"])
    assert make_client().post("/login", data={"email": "new@example.org",
                                              "password": PASSWORD}).status_code == 302  # fmt: skip
    assert theirs.get("/me/").status_code == 302


def test_a_new_address_without_a_password_gets_a_fresh_invitation(data, client, desk, outbox):
    from onboarding.services.auth import new_invitation

    with data() as session:
        candidate = make_candidate(name="Not Yet", email="first@example.org", locale="af")
        candidate.user.password_hash = None
        old_token = new_invitation(candidate.user, created_by=None)
        session.commit()
        candidate_id = candidate.id
    body = details_form(candidate_id, data, email="second@example.org")
    assert client.post(f"/desk/candidates/{candidate_id}/details", data=body).status_code == 302
    messages = {message["To"]: message for message in outbox.messages}
    assert set(messages) == {"first@example.org", "second@example.org"}
    invitation = messages["second@example.org"]
    assert invitation["Subject"] == catalog("af").gettext("Your invitation to Onthaal")
    token = invitation_link(invitation)
    visitor = client.application.test_client()
    assert visitor.get(f"/invitation/{old_token}").status_code == 404
    assert visitor.get(f"/invitation/{token}").status_code == 200


def test_an_email_of_another_account_is_refused_and_nothing_changes(data, client, desk, outbox):
    with data():
        candidate = make_candidate(name="Keeps Mail", email="keep@example.org")
        make_user("mentor", email="taken@example.org")
        candidate_id = candidate.id
    before = database(data)
    body = details_form(candidate_id, data, email="taken@example.org", name="Other Name")
    response = client.post(f"/desk/candidates/{candidate_id}/details", data=body)
    assert response.status_code == 422
    assert "already registered" in response.get_data(as_text=True)
    assert database(data) == before
    assert outbox.messages == []


def test_only_an_accepted_partner_may_be_named(data, client, desk):
    with data():
        waiting = make_partner("Waiting Partner", decision=None)
        accepted = make_partner("Accepted Partner")
        candidate = make_candidate(name="Partnered")
        waiting_id, accepted_id, candidate_id = waiting.id, accepted.id, candidate.id
    before = database(data)
    url = f"/desk/candidates/{candidate_id}/details"
    body = details_form(candidate_id, data, partner_id=str(waiting_id))
    assert client.post(url, data=body).status_code == 422
    assert database(data) == before
    body = details_form(candidate_id, data, partner_id=str(accepted_id))
    assert client.post(url, data=body).status_code == 302
    assert audit_rows(data, candidate_id) == [("details_corrected", "partner")]


@pytest.mark.parametrize(
    "change",
    [{"name": ""}, {"country": "XX"}, {"graduation_date": "0001-01-01"}, {"locale": "xx"},
     {"stem_field": "alchemy"}, {"origin_institution": "x" * 201}, {"email": "nope"}],
)  # fmt: skip
def test_bad_details_are_refused_and_nothing_changes(data, client, desk, change):
    with data():
        candidate_id = make_candidate(name="Bad Details").id
    before = database(data)
    body = details_form(candidate_id, data, **change)
    response = client.post(f"/desk/candidates/{candidate_id}/details", data=body)
    assert response.status_code == 422
    assert database(data) == before
