"""Accounts: sessions that end on the server, forgotten passwords, the password rule,
throttled logins, two-factor authentication and the account audit log."""

from __future__ import annotations

import re
import time
from datetime import timedelta

import pyotp
import pytest
from sqlalchemy import select

from onboarding.auth.login import LAST_SEEN
from onboarding.models import AccountEvent, Invitation, Job, User, utcnow
from onboarding.services import jobs
from tests.conftest import PASSWORD
from tests.factories import make_candidate, make_user

NEW_PASSWORD = "mopanie-boom langs die rivier"


def events(data, email: str) -> list[str]:
    with data() as session:
        user = session.scalars(select(User).where(User.email == email)).one()
        return list(
            session.scalars(
                select(AccountEvent.kind).where(AccountEvent.user_id == user.id)
                .order_by(AccountEvent.id)
            )
        )  # fmt: skip


def person(data, role="candidate", **fields) -> str:
    with data():
        if role == "candidate":
            return make_candidate(**fields).user.email
        return make_user(role, **fields).email


def run_jobs(app) -> None:
    with app.app_context():
        jobs.work()


def reset_link(outbox, email: str) -> tuple[str, object]:
    (message,) = [m for m in outbox.received if m["To"] == email]
    body = message.get_body(preferencelist=("plain",)).get_content()
    (link,) = re.findall(r"https?://\S+/reset/\S+", body)
    return link[link.index("/reset/") :], message


# -- sessions end on the server -------------------------------------------------------------


def test_a_copied_cookie_stops_working_at_logout(app, data, client, login):
    email = person(data, "candidate")
    login(client, email)
    copy = app.test_client()
    copy.set_cookie("session", client.get_cookie("session").value)
    assert copy.get("/me/").status_code == 200
    client.post("/logout")
    assert copy.get("/me/").status_code == 302  # refused: the generation moved on
    assert events(data, email)[-2:] == ["login", "logout"]


def test_a_deactivated_persons_open_session_is_refused_at_the_next_request(data, client, login):
    email = person(data, "staff")
    login(client, email)
    assert client.get("/desk/").status_code == 200
    with data() as session:
        session.scalars(select(User).where(User.email == email)).one().active = False
        session.commit()
    response = client.get("/desk/")
    assert response.status_code == 302 and response.location.startswith("/login")


def test_sessions_end_after_inactivity(app, data, client, login):
    email = person(data, "mentor")
    login(client, email)
    idle = app.config["SESSION_IDLE_MINUTES"] * 60
    with client.session_transaction() as session:
        session[LAST_SEEN] = int(time.time()) - idle + 30
    assert client.get("/mentor/").status_code == 200  # still within the limit
    with client.session_transaction() as session:
        session[LAST_SEEN] = int(time.time()) - idle - 1
    response = client.get("/mentor/")
    assert (response.status_code, response.location) == (302, "/login?next=%2Fmentor%2F")
    page = client.get(response.location).get_data(as_text=True)
    assert "Your session ended after a while without activity" in page


def test_login_starts_a_new_session_with_a_new_csrf_token(app, data, client, monkeypatch):
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    email = person(data, "staff")
    page = client.get("/login").get_data(as_text=True)
    before = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    with client.session_transaction() as session:
        raw_before = session["csrf_token"]
    response = client.post(
        "/login", data={"email": email, "password": PASSWORD, "csrf_token": before}
    )
    assert response.status_code == 302
    with client.session_transaction() as session:
        assert session.get("csrf_token") != raw_before
    # The token of the anonymous session no longer passes.
    stale = client.post("/settings/calendar", data={"csrf_token": before})
    assert stale.status_code == 400


# -- the password rule ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "weak", ["aaaaaaaaaaaa", "password1234", "qwertyuiop123", "short pass", "Welkom123456"]
)
def test_weak_passwords_are_refused_where_a_password_is_changed(data, client, login, weak):
    email = person(data, "candidate")
    login(client, email)
    response = client.post(
        "/settings/password", data={"current": PASSWORD, "password": weak, "confirm": weak}
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "too easy to guess" in html or "at least 12 characters" in html
    client.post("/logout")
    login(client, email)  # the old password still works


def test_changing_the_password_needs_the_current_one_and_ends_other_sessions(
    app, data, client, login
):
    email = person(data, "mentor")
    login(client, email)
    other = login(app.test_client(), email)
    wrong = client.post(
        "/settings/password",
        data={"current": "not it at all", "password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
    )
    assert wrong.status_code == 422 and "current password is not correct" in wrong.get_data(
        as_text=True
    )
    response = client.post(
        "/settings/password",
        data={"current": PASSWORD, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
    )
    assert (response.status_code, response.location) == (302, "/settings")
    assert client.get("/mentor/").status_code == 200  # this session goes on
    assert other.get("/mentor/").status_code == 302  # the other one has ended
    assert "password_changed" in events(data, email)
    login(app.test_client(), email, NEW_PASSWORD)


def test_name_and_language_are_changed_in_settings(data, client, login):
    email = person(data, "candidate", name="Anna Smit")
    login(client, email)
    response = client.post("/settings/profile", data={"name": "Anna de Wet", "locale": "af"})
    assert response.status_code == 302
    page = client.get("/settings").get_data(as_text=True)
    assert '<html lang="af"' in page and "Anna de Wet" in page
    assert events(data, email)[-2:] == ["name_changed", "language_changed"]
    refused = client.post("/settings/profile", data={"name": "<b>x</b>", "locale": "af"})
    assert refused.status_code == 422


# -- forgotten passwords --------------------------------------------------------------------


def test_a_reset_link_in_the_persons_language_sets_a_new_password_once(
    app, data, client, login, outbox
):
    email = person(data, "candidate", locale="af", name="Marike Botha")
    elsewhere = login(app.test_client(), email)
    answer = client.post("/forgot-password", data={"email": email.upper()})
    assert answer.status_code == 200
    run_jobs(app)
    path, message = reset_link(outbox, email)
    assert message["Subject"] == "Kies 'n nuwe wagwoord vir Onthaal"
    with data() as session:
        link = session.scalars(select(Invitation).where(Invitation.purpose == "reset")).one()
        assert link.expires_at - link.created_at == timedelta(minutes=60)
        assert len(link.token_hash) == 64 and path.split("/")[-1] not in link.token_hash
        job = session.scalars(select(Job).where(Job.kind == "password_reset")).one()
        assert job.status == "done" and job.payload == {}  # the address is not kept

    page = client.get(path)
    assert page.status_code == 200 and '<html lang="af"' in page.get_data(as_text=True)
    weak = client.post(path, data={"password": "aaaaaaaaaaaa", "confirm": "aaaaaaaaaaaa"})
    assert weak.status_code == 422
    done = client.post(path, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert (done.status_code, done.location) == (302, "/login")
    assert elsewhere.get("/me/").status_code == 302  # every other session has ended
    assert client.get(path).status_code == 404  # once
    login(client, email, NEW_PASSWORD)
    assert events(data, email)[-3:] == ["reset_requested", "reset_used", "login"]


def test_the_answer_is_the_same_whether_or_not_the_address_exists(app, data, client, outbox):
    email = person(data, "staff")
    known = client.post("/forgot-password", data={"email": email})
    unknown = client.post("/forgot-password", data={"email": "nobody.here@example.org"})
    assert known.status_code == unknown.status_code == 200

    def strip(html: str, address: str) -> str:
        # The CSRF token is signed with the current second: two answers a second apart differ
        # there whatever the address.
        html = re.sub(r'(name="csrf_token"[^>]*value=")[^"]*"', r'\1CSRF"', html)
        return html.replace(address, "ADDRESS")

    assert strip(known.get_data(as_text=True), email) == strip(
        unknown.get_data(as_text=True), "nobody.here@example.org"
    )
    with data() as session:  # both did the same work: one queued job each
        assert len(session.scalars(select(Job).where(Job.kind == "password_reset")).all()) == 2
    run_jobs(app)
    assert [m["To"] for m in outbox.received] == [email]


def test_an_expired_or_invitation_token_does_not_reset(app, data, client, outbox):
    email = person(data, "mentor")
    client.post("/forgot-password", data={"email": email})
    run_jobs(app)
    path, _message = reset_link(outbox, email)
    with data() as session:
        link = session.scalars(select(Invitation).where(Invitation.purpose == "reset")).one()
        link.expires_at = utcnow() - timedelta(seconds=1)
        session.commit()
    assert client.get(path).status_code == 404
    assert (
        client.post(path, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}).status_code
        == 404
    )
    token = path.split("/")[-1]
    assert client.get(f"/invitation/{token}").status_code == 404  # a reset is no invitation


def test_reset_requests_are_throttled(app, data, client, monkeypatch):
    monkeypatch.setitem(app.config, "RESET_LIMIT", "2 per 2 seconds")
    for _ in range(2):
        assert client.post("/forgot-password", data={"email": "a@example.org"}).status_code == 200
    refused = client.post("/forgot-password", data={"email": "a@example.org"})
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) >= 1


# -- throttled logins -----------------------------------------------------------------------


def test_failed_logins_are_throttled_per_account_then_recover(
    app, data, client, login, monkeypatch
):
    monkeypatch.setitem(app.config, "LOGIN_LIMIT_ACCOUNT", "3 per 2 seconds")
    email = person(data, "staff")
    for _ in range(3):
        wrong = client.post("/login", data={"email": email, "password": "guess guess guess"})
        assert wrong.status_code == 422
    right = client.post("/login", data={"email": email, "password": PASSWORD})
    assert right.status_code == 429  # even the right password waits: nothing is revealed
    html = right.get_data(as_text=True)
    assert "Too many attempts" in html and right.headers["Retry-After"]
    assert events(data, email) == ["login_failed"] * 3 + ["login_throttled"]
    time.sleep(2.1)
    login(client, email)  # the window has passed


def test_failed_logins_are_throttled_per_client_address(app, data, client, monkeypatch):
    monkeypatch.setitem(app.config, "LOGIN_LIMIT_ADDRESS", "4 per 2 seconds")
    for number in range(4):
        client.post("/login", data={"email": f"x{number}@example.org", "password": "nope"})
    refused = client.post("/login", data={"email": "someone@example.org", "password": "nope"})
    assert refused.status_code == 429
    other = app.test_client().post(
        "/login",
        data={"email": "someone@example.org", "password": "nope"},
        environ_base={"REMOTE_ADDR": "127.0.0.9"},
    )
    assert other.status_code == 422


# -- two-factor authentication --------------------------------------------------------------


def enable_two_factor(client) -> tuple[str, list[str]]:
    page = client.get("/settings/two-factor").get_data(as_text=True)
    secret = re.search(r"<code>([A-Z2-7]{32})</code>", page).group(1)
    assert 'src="data:image/svg+xml' in page  # the QR code is drawn on the server
    response = client.post("/settings/two-factor", data={"code": pyotp.TOTP(secret).now()})
    assert response.status_code == 200
    codes = re.findall(r"<code>([0-9a-f]{6}-[0-9a-f]{6})</code>", response.get_data(as_text=True))
    assert len(codes) == 10
    return secret, codes


def password_step(client, email):
    response = client.post("/login", data={"email": email, "password": PASSWORD})
    assert (response.status_code, response.location) == (302, "/login/code")


def test_two_factor_login_with_a_valid_code_a_wrong_code_and_a_recovery_code(
    app, data, client, login
):
    email = person(data, "staff")
    login(client, email)
    secret, codes = enable_two_factor(client)
    client.post("/logout")

    fresh = app.test_client()
    password_step(fresh, email)
    assert fresh.get("/desk/").status_code == 302  # not signed in yet
    assert fresh.post("/login/code", data={"code": "000000"}).status_code == 422
    totp = pyotp.TOTP(secret)
    code = totp.at(time.time() + 30)  # the next step's code (the last one was used to enable)
    ok = fresh.post("/login/code", data={"code": code})
    assert (ok.status_code, ok.location) == (302, "/desk/")
    assert fresh.get("/desk/").status_code == 200

    replay = app.test_client()
    password_step(replay, email)
    assert replay.post("/login/code", data={"code": code}).status_code == 422  # used once

    recovery = app.test_client()
    password_step(recovery, email)
    assert recovery.post("/login/code", data={"code": codes[0].upper()}).status_code == 302
    again = app.test_client()
    password_step(again, email)
    assert again.post("/login/code", data={"code": codes[0]}).status_code == 422
    kinds = events(data, email)
    assert "two_factor_enabled" in kinds and "recovery_code_used" in kinds
    assert kinds.count("two_factor_failed") == 3


def test_two_factor_can_be_turned_off_with_the_password(data, client, login):
    email = person(data, "candidate")
    login(client, email)
    enable_two_factor(client)
    assert (
        client.post("/settings/two-factor/disable", data={"password": "wrong"}).status_code == 422
    )
    off = client.post("/settings/two-factor/disable", data={"password": PASSWORD})
    assert off.status_code == 302
    client.post("/logout")
    login(client, email)  # one step again
    assert events(data, email)[-3:] == ["two_factor_disabled", "logout", "login"]


def test_required_two_factor_sends_staff_to_set_it_up_first(app, data, client, monkeypatch):
    monkeypatch.setitem(app.config, "STAFF_2FA", "required")
    email = person(data, "staff")
    response = client.post("/login", data={"email": email, "password": PASSWORD})
    assert response.location == "/settings/two-factor"
    assert client.get("/desk/").location == "/settings/two-factor"  # nothing else first
    enable_two_factor(client)
    assert client.get("/desk/").status_code == 200
    refused = client.post("/settings/two-factor/disable", data={"password": PASSWORD})
    assert refused.status_code == 422
    mentor = person(data, "mentor")
    other = app.test_client()
    assert other.post("/login", data={"email": mentor, "password": PASSWORD}).location == "/mentor/"
