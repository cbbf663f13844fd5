"""Bad input to the registration and profile forms: HTTP 422, the message, nothing stored.

Translated messages are checked against the catalogs themselves (nl, af), so the test knows
nothing about the wording a translator chose.
"""

from __future__ import annotations

import hashlib
import html
import re

import pytest
from babel.support import Translations
from sqlalchemy import func, select

from onboarding import ROOT
from onboarding.models import AuditEvent, Candidate, Invitation, User
from tests.factories import REGISTRATION_FORM, make_candidate, make_user
from tests.mail import text_of

REQUIRED = "This field is required."
TOO_LONG = "Use at most %(max)d characters."
BAD_EMAIL = "Enter a valid email address."
BAD_COUNTRY = "Choose a country from the list."
BAD_NAME = "A name may only contain letters, spaces, hyphens, apostrophes and dots."
BAD_DATE = "Not a valid date value."
DUPLICATE = "A person with this email address is already registered."
EXISTING_EMAIL = "already.here@example.org"

VALID = REGISTRATION_FORM

# (case id, fields changed in the valid form, the message shown under a field)
BAD_REGISTRATIONS = [
    ("empty", None, REQUIRED),
    ("name-121", {"name": "a" * 121}, TOO_LONG % {"max": 120}),
    ("institution-201", {"origin_institution": "U" * 201}, TOO_LONG % {"max": 200}),
    ("email-no-at", {"email": "not-an-email"}, BAD_EMAIL),
    ("email-no-domain", {"email": "a@"}, BAD_EMAIL),
    ("email-space", {"email": "a b@example.org"}, BAD_EMAIL),
    ("country-XX", {"country": "XX"}, BAD_COUNTRY),
    ("country-ZZZ", {"country": "ZZZ"}, BAD_COUNTRY),
    ("name-script", {"name": "<script>alert(1)</script>"}, BAD_NAME),
    ("name-tag", {"name": "Jan <b>"}, BAD_NAME),
    ("graduation-month-13", {"graduation_date": "2025-13-40"}, BAD_DATE),
    ("graduation-dmy", {"graduation_date": "30/06/2025"}, BAD_DATE),
    ("graduation-words", {"graduation_date": "last summer"}, BAD_DATE),
]


def field_errors(page: str) -> list[str]:
    """The messages partials/forms.html shows under the fields, as plain text."""
    return [html.unescape(m) for m in re.findall(r'<p class="error">(.*?)</p>', page)]


def catalog(locale: str) -> Translations:
    return Translations.load(str(ROOT / "translations"), [locale])


def counts(data) -> dict[str, int]:
    with data() as session:
        return {
            model.__tablename__: session.scalar(select(func.count()).select_from(model))
            for model in (User, Candidate, AuditEvent, Invitation)
        }


@pytest.fixture
def desk(data, client, login):
    """A logged-in staff client; someone with EXISTING_EMAIL is already registered."""
    with data():
        staff_email = make_user("staff").email
        make_candidate(email=EXISTING_EMAIL)
    return login(client, staff_email)


@pytest.mark.parametrize(
    ("changes", "message"),
    [pytest.param(changes, message, id=case) for case, changes, message in BAD_REGISTRATIONS],
)
def test_bad_registration_is_refused(desk, data, outbox, changes, message):
    before = counts(data)
    body = {} if changes is None else {**VALID, **changes}
    response = desk.post("/desk/candidates/new", data=body)
    page = response.get_data(as_text=True)
    assert response.status_code == 422, page
    assert message in field_errors(page)
    assert "Please correct the marked fields." in page
    assert "<script>alert(1)</script>" not in page
    assert counts(data) == before
    assert outbox.messages == []


@pytest.mark.parametrize("email", [EXISTING_EMAIL, EXISTING_EMAIL.upper()])
def test_duplicate_email_is_refused(desk, data, outbox, email):
    before = counts(data)
    response = desk.post("/desk/candidates/new", data={**VALID, "email": email})
    assert response.status_code == 422
    assert DUPLICATE in html.unescape(response.get_data(as_text=True))
    assert counts(data) == before
    assert outbox.messages == []


@pytest.mark.parametrize("locale", ["nl", "af"])
@pytest.mark.parametrize(
    ("changes", "msgid", "params"),
    [
        pytest.param(None, REQUIRED, {}, id="empty"),
        pytest.param({"email": "not-an-email"}, BAD_EMAIL, {}, id="email"),
        pytest.param({"name": "a" * 121}, TOO_LONG, {"max": 120}, id="name-121"),
    ],
)
def test_registration_errors_are_translated(
    data, client, login, outbox, locale, changes, msgid, params
):
    translated = catalog(locale).gettext(msgid)
    with data():
        staff_email = make_user("staff", locale=locale).email
    login(client, staff_email)
    before = counts(data)
    body = {} if changes is None else {**VALID, **changes}
    response = client.post("/desk/candidates/new", data=body)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert counts(data) == before
    assert outbox.messages == []
    assert f'<html lang="{locale}">' in page
    assert (translated % params if params else translated) in field_errors(page)
    assert translated != msgid, f"the {locale} catalog has no translation for {msgid!r}"


@pytest.fixture
def candidate_login(data, client, login):
    """A logged-in candidate client and the candidate's email."""
    with data():
        candidate = make_candidate(name="Johanna van Wyk", phone="+264 61 123 4567")
        email = candidate.user.email
    return login(client, email), email


def profile_state(data, email: str) -> tuple:
    with data() as session:
        user = session.scalars(select(User).where(User.email == email)).one()
        candidate = user.candidate
        audit = session.scalar(
            select(func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.candidate_id == candidate.id)
        )
        return (user.name, user.locale, candidate.phone, candidate.origin_institution,
                candidate.version_id, audit)  # fmt: skip


PROFILE = {
    "name": "Johanna van Wyk",
    "phone": "+264 61 123 4567",
    "origin_institution": "University of Namibia",
    "stem_field": "engineering",
    "graduation_date": "2025-06-30",
    "locale": "en",
}


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        pytest.param({"name": "<script>alert(1)</script>"}, BAD_NAME, id="name-script"),
        pytest.param({"name": "Jan <b>", "locale": "nl"}, BAD_NAME, id="name-tag"),
        pytest.param({"phone": "+" + "1" * 45}, TOO_LONG % {"max": 40}, id="phone-46"),
    ],
)
def test_bad_profile_changes_nothing(candidate_login, data, changes, message):
    client, email = candidate_login
    before = profile_state(data, email)
    response = client.post("/me/profile", data={**PROFILE, **changes})
    page = response.get_data(as_text=True)
    assert response.status_code == 422, page
    assert message in field_errors(page)
    assert "<script>alert(1)</script>" not in page
    assert profile_state(data, email) == before


def test_valid_registration_stores_once_and_invites(desk, data, outbox):
    before = counts(data)
    response = desk.post("/desk/candidates/new", data=VALID)
    assert response.status_code == 302
    after = counts(data)
    assert after == {
        "users": before["users"] + 1,
        "candidates": before["candidates"] + 1,
        # registered + consent_recorded
        "audit_events": before["audit_events"] + 2,
        "invitations": before["invitations"] + 1,
    }
    with data() as session:
        user = session.scalars(select(User).where(User.email == VALID["email"])).one()
        candidate = user.candidate
        assert (user.name, user.role, user.locale, user.password_hash) == (
            "Thandiwe Nkosi", "candidate", "af", None
        )  # fmt: skip
        assert response.location == f"/desk/candidates/{candidate.id}"
        assert (candidate.country_code, candidate.stem_field, candidate.phase) == (
            "ZA", "energy", "outreach"
        )  # fmt: skip
        assert candidate.consent_at is not None
        actions = session.scalars(
            select(AuditEvent.action).where(AuditEvent.candidate_id == candidate.id)
        ).all()
        assert sorted(actions) == ["consent_recorded", "registered"]
        token_hash = session.scalars(
            select(Invitation.token_hash).where(Invitation.user_id == user.id)
        ).one()
    messages = outbox.messages
    assert len(messages) == 1
    assert messages[0]["To"] == VALID["email"]
    assert messages[0]["Content-Language"] == "af"
    token = re.search(r"/invitation/([\w-]+)", text_of(messages[0])).group(1)
    assert hashlib.sha256(token.encode()).hexdigest() == token_hash
