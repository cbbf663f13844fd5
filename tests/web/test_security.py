"""Security properties of the web layer: CSRF, cookies, escaping, passwords, invitation
links, login messages, logout, the secret key and redirects after login."""

from __future__ import annotations

import hashlib
import html
import re
import stat
from datetime import timedelta
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest
from babel.support import Translations
from sqlalchemy import select

from onboarding import ROOT, create_app
from onboarding.config import Config
from onboarding.extensions import db
from onboarding.models import AuditEvent, Invitation, User, utcnow
from onboarding.services.auth import new_invitation
from tests import conftest
from tests.conftest import PASSWORD
from tests.factories import make_candidate, make_user

CSRF_MESSAGE = "The form was sent without a valid security token. Reload the page and try again."
BAD_LOGIN = "The email address or password is not correct."
SCRIPT = "<script>alert(1)</script>"
ESCAPED_SCRIPT = "&lt;script&gt;alert(1)&lt;/script&gt;"
NEW_PASSWORD = "a brand new passphrase"


def field_errors(page: str) -> list[str]:
    return [html.unescape(m) for m in re.findall(r'<p class="error">(.*?)</p>', page)]


# -- (a) CSRF -------------------------------------------------------------------------------


@pytest.fixture
def csrf_app(app, smtp_server, tmp_path):
    """The suite's app with CSRF protection on, on the same database.

    The per-test rollback covers only the `app` fixture's engine, so tests here must write
    nothing: they only send POSTs that are refused."""
    config = conftest.test_config(app.config["SQLALCHEMY_DATABASE_URI"], smtp_server.port)
    protected = create_app({**config, "WTF_CSRF_ENABLED": True}, instance_path=str(tmp_path))
    yield protected
    with protected.app_context():
        db.engine.dispose()


@pytest.mark.parametrize(
    "path, body",
    [
        ("/login", {"email": "staff@example.org", "password": PASSWORD}),
        ("/desk/candidates/new", {"name": "Thandiwe Nkosi", "email": "t@example.org"}),
    ],
)
def test_post_without_csrf_token_is_refused(csrf_app, path, body):
    response = csrf_app.test_client().post(path, data=body)
    assert response.status_code == 400
    assert CSRF_MESSAGE in html.unescape(response.get_data(as_text=True))


def test_post_with_csrf_token_gets_past_the_check(csrf_app):
    client = csrf_app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    response = client.post(
        "/login", data={"csrf_token": token, "email": "nobody@example.org", "password": "x" * 12}
    )
    assert response.status_code == 422  # the form ran: wrong credentials, not a CSRF refusal
    assert BAD_LOGIN in field_errors(response.get_data(as_text=True))


@pytest.mark.parametrize("locale", ["nl", "af"])
def test_csrf_refusal_is_translated(csrf_app, locale):
    translated = Translations.load(str(ROOT / "translations"), [locale]).gettext(CSRF_MESSAGE)
    response = csrf_app.test_client().post(
        "/login", data={"email": "a@example.org"}, headers={"Accept-Language": locale}
    )
    assert response.status_code == 400
    assert translated in html.unescape(response.get_data(as_text=True))
    assert translated != CSRF_MESSAGE, f"the {locale} catalog has no translation for it"


# -- (b) cookies ----------------------------------------------------------------------------


def set_cookie(response, name: str) -> str:
    cookies = [c for c in response.headers.getlist("Set-Cookie") if c.startswith(f"{name}=")]
    assert len(cookies) == 1, response.headers.getlist("Set-Cookie")
    return cookies[0]


def test_session_cookie_is_httponly_and_samesite_lax(data, client):
    with data():
        email = make_user("staff").email
    response = client.post("/login", data={"email": email, "password": PASSWORD})
    assert response.status_code == 302
    cookie = set_cookie(response, "session")
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie


def test_language_cookie_is_httponly_and_samesite_lax(client):
    response = client.post("/language", data={"locale": "nl"})
    assert response.status_code == 302
    cookie = set_cookie(response, "lang")
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie


# -- (c) escaping ---------------------------------------------------------------------------


@pytest.fixture
def script_candidate(data):
    with data():
        staff = make_user("staff")
        mentor = make_user("mentor")
        candidate = make_candidate(name=SCRIPT, phase="mentoring", mentor=mentor)
        return {
            "staff": staff.email,
            "mentor": mentor.email,
            "candidate": candidate.user.email,
            "id": candidate.id,
        }


def assert_escaped(response):
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert ESCAPED_SCRIPT in page
    assert SCRIPT not in page
    assert "<script" not in page


@pytest.mark.parametrize(
    "role, path",
    [
        ("staff", "/desk/"),
        ("staff", "/desk/?q=%3Cscript%3Ealert(1)%3C/script%3E"),
        ("staff", "/desk/candidates/{id}"),
        ("mentor", "/mentor/"),
        ("mentor", "/mentor/mentees/{id}"),
        ("candidate", "/me/"),
        ("candidate", "/me/profile"),
    ],
)
def test_markup_in_a_name_is_escaped(script_candidate, client, login, role, path):
    login(client, script_candidate[role])
    assert_escaped(client.get(path.format(**script_candidate)))


def test_markup_in_a_name_is_escaped_in_the_welcome_message(script_candidate, client, login):
    login(client, script_candidate["candidate"])  # flashes "Welcome, <name>."
    assert_escaped(client.get("/me/"))


# -- (d) passwords --------------------------------------------------------------------------


def test_passwords_are_stored_as_argon2id(data):
    with data() as session:
        user = make_user("staff")
        stored = session.scalars(select(User.password_hash).where(User.id == user.id)).one()
    assert stored.startswith("$argon2id$")
    assert PASSWORD not in stored


# -- (e) invitations ------------------------------------------------------------------------


@pytest.fixture
def invited(data):
    """A registered candidate without a password, and a fresh invitation token."""
    with data() as session:
        candidate = make_candidate(name="Nomsa Dube")
        candidate.user.password_hash = None
        token = new_invitation(candidate.user, created_by=None)
        session.commit()
        return {"token": token, "email": candidate.user.email, "user_id": candidate.user_id}


def invitation_state(data, user_id: int) -> tuple:
    with data() as session:
        user = session.get(User, user_id)
        used = session.scalars(select(Invitation.used_at).where(Invitation.user_id == user_id))
        return user.password_hash, [at is not None for at in used]


def test_invitation_sets_the_password_once(invited, data, client, make_client, login):
    url = f"/invitation/{invited['token']}"
    page = client.get(url)
    assert page.status_code == 200
    assert "Nomsa Dube" in page.get_data(as_text=True)

    response = client.post(url, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 302
    assert response.location == "/me/"
    assert client.get("/me/").status_code == 200  # logged in straight away

    stored, used = invitation_state(data, invited["user_id"])
    assert stored.startswith("$argon2id$")
    assert NEW_PASSWORD not in stored
    assert used == [True]
    with data() as session:
        actions = session.scalars(
            select(AuditEvent.action).where(AuditEvent.actor_id == invited["user_id"])
        ).all()
        assert actions == ["invitation_accepted"]

    login(make_client(), invited["email"], NEW_PASSWORD)

    again = make_client()
    assert again.get(url).status_code == 404
    second = again.post(
        url, data={"password": "another passphrase", "confirm": "another passphrase"}
    )
    assert second.status_code == 404
    assert invitation_state(data, invited["user_id"])[0] == stored


def test_expired_invitation_is_not_found(invited, data, client):
    with data() as session:
        invitation = session.scalars(
            select(Invitation).where(Invitation.user_id == invited["user_id"])
        ).one()
        invitation.expires_at = utcnow() - timedelta(minutes=1)
        session.commit()
    url = f"/invitation/{invited['token']}"
    assert client.get(url).status_code == 404
    response = client.post(url, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 404
    assert invitation_state(data, invited["user_id"]) == (None, [False])


def test_only_the_token_hash_is_stored(invited, data):
    token = invited["token"]
    with data() as session:
        invitation = session.scalars(
            select(Invitation).where(Invitation.user_id == invited["user_id"])
        ).one()
        stored = invitation.token_hash
    assert stored == hashlib.sha256(token.encode()).hexdigest()
    assert stored != token
    assert token not in stored


@pytest.mark.parametrize(
    "password, confirm, message",
    [
        (NEW_PASSWORD, NEW_PASSWORD + "!", "The two passwords are not the same."),
        ("12345678901", "12345678901", "Choose a password of at least 12 characters."),
        (
            "aaaaaaaaaaaaaaaa",
            "aaaaaaaaaaaaaaaa",
            "This password is too easy to guess: it is "
            "common, or built from a word, a name, a date or a keyboard pattern. Add a few "
            "uncommon words or use a longer passphrase.",
        ),
        ("", "", "This field is required."),
    ],
    ids=["mismatch", "too-short", "too-common", "empty"],
)
def test_bad_invitation_passwords_change_nothing(invited, data, client, password, confirm, message):
    url = f"/invitation/{invited['token']}"
    response = client.post(url, data={"password": password, "confirm": confirm})
    assert response.status_code == 422
    assert message in field_errors(response.get_data(as_text=True))
    assert invitation_state(data, invited["user_id"]) == (None, [False])
    assert client.get("/me/").status_code == 302  # not logged in
    assert client.get(url).status_code == 200  # the link still works


# -- (f) login messages ---------------------------------------------------------------------


@pytest.fixture
def staff_email(data):
    with data():
        return make_user("staff").email


@pytest.mark.parametrize(
    "email, password",
    [
        ("{staff}", "wrong password!"),
        ("nobody@example.org", PASSWORD),
        ("{inactive}", PASSWORD),
    ],
    ids=["wrong-password", "unknown-email", "inactive-account"],
)
def test_failed_login_gives_one_generic_message(data, client, staff_email, email, password):
    with data():
        inactive = make_user("staff", active=False).email
    email = email.format(staff=staff_email, inactive=inactive)
    response = client.post("/login", data={"email": email, "password": password})
    assert response.status_code == 422
    assert field_errors(response.get_data(as_text=True)) == [BAD_LOGIN]
    assert client.get("/desk/").status_code == 302  # still not logged in


# -- (g) logout -----------------------------------------------------------------------------


def test_logout_is_post_only(staff_email, client, login):
    login(client, staff_email)
    assert client.get("/logout").status_code == 405
    assert client.get("/desk/").status_code == 200  # a GET (e.g. an <img>) logs nobody out
    response = client.post("/logout")
    assert response.status_code == 302
    assert client.get("/desk/").status_code == 302


# -- (h) secret key -------------------------------------------------------------------------


def test_missing_secret_key_is_generated_into_the_instance_folder(
    monkeypatch, tmp_path, smtp_server
):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    # Config reads the environment at import time: make sure it holds no key either.
    monkeypatch.setattr(Config, "SECRET_KEY", None)
    config = conftest.test_config(f"sqlite:///{tmp_path / 'unused.sqlite3'}", smtp_server.port)
    del config["SECRET_KEY"]
    instance = tmp_path / "instance"

    first = create_app(dict(config), instance_path=str(instance))
    key_file = Path(instance) / "secret_key"
    key = first.config["SECRET_KEY"]
    assert re.fullmatch(r"[0-9a-f]{64}", key)
    assert key_file.read_text().strip() == key
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600

    second = create_app(dict(config), instance_path=str(instance))
    assert second.config["SECRET_KEY"] == key

    elsewhere = create_app(dict(config), instance_path=str(tmp_path / "other"))
    assert elsewhere.config["SECRET_KEY"] != key
    for made in (first, second, elsewhere):
        with made.app_context():
            db.engine.dispose()


# -- (i) redirect after login ---------------------------------------------------------------


def browser_host(location: str) -> str:
    """The host a browser on https://onthaal.test/login goes to for this Location header
    (browsers read a backslash in a URL like a slash)."""
    return urlsplit(urljoin("https://onthaal.test/login", location.replace("\\", "/"))).netloc


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/",
        "//evil.example/",
        "http:/evil.example/",
        "javascript:alert(1)",
        "/\t/evil.example/",
        "/\\evil.example/",
    ],
)
@pytest.mark.parametrize("where", ["query", "form"])
def test_login_ignores_an_external_next(staff_email, client, target, where):
    body = {"email": staff_email, "password": PASSWORD}
    if where == "query":
        response = client.post("/login", query_string={"next": target}, data=body)
    else:
        response = client.post("/login", data={**body, "next": target})
    assert response.status_code == 302
    # `response.location` is the header as sent (Werkzeug percent-encodes it on the way out).
    assert browser_host(response.location) == "onthaal.test", response.location
    if target != "/\\evil.example/":  # that one becomes the harmless local path /%5Cevil…
        assert response.location == "/desk/"


def test_login_follows_a_local_next(staff_email, client):
    response = client.post(
        "/login",
        query_string={"next": "/desk/candidates/new"},
        data={"email": staff_email, "password": PASSWORD},
    )
    assert response.status_code == 302
    assert response.location == "/desk/candidates/new"
