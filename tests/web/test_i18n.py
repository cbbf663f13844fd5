"""Languages: catalogs complete and current, locale negotiation, Babel formatting, email."""

import re
import subprocess
import sys
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from babel.dates import format_date
from babel.messages.pofile import read_po
from babel.support import Translations
from markupsafe import escape

from onboarding.i18n import FORMAT_LOCALES
from onboarding.models import AuditEvent, User
from tests.factories import make_candidate, make_user
from tests.mail import text_of

ROOT = Path(__file__).resolve().parents[2]
CATALOGS = ROOT / "translations"


def catalog(locale: str):
    with open(CATALOGS / locale / "LC_MESSAGES" / "messages.po", "rb") as handle:
        return read_po(handle, locale=locale)


def translations(locale: str) -> Translations:
    return Translations.load(str(CATALOGS), [locale])


@pytest.mark.parametrize("locale", ["nl", "af"])
def test_every_message_is_translated_and_none_is_fuzzy(locale):
    messages = [m for m in catalog(locale) if m.id]
    assert len(messages) > 200
    untranslated = [
        m.id
        for m in messages
        if not m.string or not all(m.string if isinstance(m.string, tuple) else [m.string])
    ]
    fuzzy = [m.id for m in messages if m.fuzzy]
    assert untranslated == [], f"{locale}: untranslated {untranslated[:10]}"
    assert fuzzy == [], f"{locale}: fuzzy {fuzzy[:10]}"


@pytest.mark.parametrize("locale", ["nl", "af"])
def test_placeholders_match(locale):
    problems = [(m.id, errors) for m, errors in catalog(locale).check() if errors]
    assert problems == []


def test_catalog_is_not_stale(tmp_path):
    """Extracting again from the code gives exactly the messages in the .pot and the .po files."""
    fresh = tmp_path / "messages.pot"
    subprocess.run(
        [str(Path(sys.executable).with_name("pybabel")), "extract", "-F", "translations/babel.cfg",
         "-k", "_l", "-k", "N_", "--no-location", "--omit-header", "-o", str(fresh), "."],
        cwd=ROOT, check=True, capture_output=True,
    )  # fmt: skip
    with open(fresh, "rb") as handle:
        extracted = {m.id for m in read_po(handle) if m.id}
    with open(CATALOGS / "messages.pot", "rb") as handle:
        committed = {m.id for m in read_po(handle) if m.id}
    assert extracted == committed, "run `make translations-update` and translate"
    for locale in ("nl", "af", "en"):
        in_po = {m.id for m in catalog(locale) if m.id}
        assert in_po == extracted, f"{locale}: catalog differs from the code"


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("af-ZA,af;q=0.9,en;q=0.5", "af"),
        ("nl-BE,nl;q=0.9", "nl"),
        ("en-GB,en;q=0.9", "en"),
        ("fr-FR,fr;q=0.9", "en"),
        (None, "en"),
    ],
)
def test_first_visit_follows_accept_language(client, header, expected):
    headers = {"Accept-Language": header} if header else {}
    page = client.get("/login", headers=headers).get_data(as_text=True)
    assert f'<html lang="{expected}">' in page
    assert translations(expected).gettext("Log in") in page


def test_switch_before_login_is_kept_in_a_cookie(client):
    response = client.post("/language", data={"locale": "nl", "next": "/login"})
    assert response.status_code == 302
    assert "lang=nl" in response.headers["Set-Cookie"]
    assert "HttpOnly" in response.headers["Set-Cookie"]
    page = client.get("/login", headers={"Accept-Language": "af-ZA"}).get_data(as_text=True)
    assert '<html lang="nl">' in page


def test_switch_after_login_is_stored_on_the_account(client, make_client, data, login):
    with data():
        user = make_user("staff", locale="en")
        email, user_id = user.email, user.id
    login(client, email)
    client.post("/language", data={"locale": "af", "next": "/desk/"})
    with data() as session:
        assert session.get(User, user_id).locale == "af"
    # A new browser, with another cookie and header, still gets the account's language.
    other = make_client()
    other.set_cookie("lang", "nl")
    login(other, email)
    page = other.get("/desk/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert '<html lang="af">' in page
    assert translations("af").gettext("Pipeline") in page


def test_unknown_language_is_refused(client):
    response = client.post("/language", data={"locale": "xx"})
    assert response.status_code == 400


@pytest.mark.parametrize("locale", ["nl", "af", "en"])
def test_dates_and_times_are_formatted_for_the_reader(client, data, login, locale):
    moment = datetime(2026, 7, 1, 10, 0, tzinfo=UTC)  # 12:00 in Brussels (summer time)
    with data() as session:
        candidate = make_candidate(
            locale=locale,
            phase="language_immersion",
            immersion_start=date(2026, 9, 1),
            immersion_planned_end=date(2026, 12, 1),
        )
        session.add(
            AuditEvent(candidate_id=candidate.id, action="registered", at=moment,
                       from_phase="outreach", to_phase="outreach")
        )  # fmt: skip
        session.commit()
        email = candidate.user.email
    login(client, email)
    page = client.get("/me/").get_data(as_text=True)
    regional = FORMAT_LOCALES[locale]
    assert format_date(date(2026, 12, 1), "long", locale=regional) in page
    day = format_date(moment, "medium", locale=regional)  # noon in Brussels: the same day
    assert re.search(re.escape(day) + r",? 12:00<", page)  # hours and minutes, no seconds


@pytest.mark.parametrize("locale", ["nl", "af"])
def test_guard_refusal_is_translated(client, data, login, locale):
    with data():
        staff = make_user("staff", locale=locale)
        candidate = make_candidate(consent=False)
        email, candidate_id, version = staff.email, candidate.id, candidate.version_id
    login(client, email)
    response = client.post(
        f"/desk/candidates/{candidate_id}/transition",
        data={"trigger": "start_immersion", "version": version},
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    expected = translations(locale).gettext(
        "The candidate's consent to data processing has not been recorded."
    )
    assert expected != "The candidate's consent to data processing has not been recorded."
    assert escape(expected) in page


@pytest.mark.parametrize("locale", ["nl", "af", "en"])
def test_invitation_email_is_in_the_candidates_language(client, data, login, outbox, locale):
    with data():
        email = make_user("staff", locale="en").email
    login(client, email)
    response = client.post(
        "/desk/candidates/new",
        data={
            "name": "Ruan Steyn", "email": f"ruan.{locale}@example.org", "country": "ZA",
            "origin_institution": "North-West University", "stem_field": "engineering",
            "graduation_date": "2025-11-30", "outreach_channel": "partner_referral",
            "locale": locale, "consent": "y",
        },
    )  # fmt: skip
    assert response.status_code == 302
    (message,) = outbox.messages
    texts = translations(locale)
    assert message["To"] == f"ruan.{locale}@example.org"
    assert message["Subject"] == texts.gettext("Your invitation to Onthaal")
    assert message["Content-Language"] == locale
    body = text_of(message)
    assert texts.gettext("Dear %(name)s,") % {"name": "Ruan"} in body
    assert "/invitation/" in body


def test_wtforms_messages_come_from_our_catalog(client, data, login):
    with data():
        email = make_user("staff", locale="af").email
    login(client, email)
    response = client.post("/desk/candidates/new", data={"graduation_date": "31-31-2025"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert escape(translations("af").gettext("Not a valid date value.")) in page
    with data() as session:
        assert session.query(User).filter_by(role="candidate").count() == 0
