"""The conversation pages through HTTP: the pager, attachments (stored, downloaded by the
thread's members only, refused when fake or too large), refused texts, the escaped text
with its links, and the refusals in Afrikaans and Dutch."""

from __future__ import annotations

import io
import re
from datetime import timedelta
from pathlib import Path

import pytest
from babel.numbers import format_decimal
from babel.support import Translations
from markupsafe import escape
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from onboarding import ROOT
from onboarding.i18n import FORMAT_LOCALES
from onboarding.models import ThreadAttachment, ThreadMessage, utcnow
from onboarding.services.conversations import MAX_LENGTH, PAGE_SIZE
from tests.factories import make_candidate, make_user

PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
WINDOWS_EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 64
HTML = b"<!doctype html><html><body><script>alert(1)</script></body></html>"
HALF_A_MEGABYTE = 512 * 1024

NOT_ACCEPTED = "Only PDF, JPEG and PNG files are accepted, and this file is none of these."
TOO_LARGE = "The file is too large: at most %(size)s MB is accepted."
REQUIRED = "This field is required."
TOO_LONG = "Use at most %(max)d characters."
SENT = "Your message has been sent."


def translations(locale: str) -> Translations:
    catalog = Translations.load(str(ROOT / "translations"), [locale])
    if not isinstance(catalog, Translations):
        pytest.fail(f"translations/{locale} is not compiled: run `make translations-compile`")
    return catalog


def text(response) -> str:
    return response.get_data(as_text=True)


@pytest.fixture
def world(data):
    """Staff, mentor A with a mentee, mentor B, and another candidate."""
    with data():
        staff = make_user("staff")
        mentor = make_user("mentor")
        other_mentor = make_user("mentor")
        mentee = make_candidate(name="Ndapewa Shikongo", mentor=mentor, phase="mentoring")
        other = make_candidate(name="Sanne de Vries", country="NL")
        return {
            "staff": staff.email,
            "mentor": mentor.email,
            "other_mentor": other_mentor.email,
            "candidate": mentee.user.email,
            "candidate_id": mentee.id,
            "other_candidate": other.user.email,
        }


@pytest.fixture
def client_of(world, make_client, login):
    """`client_of(role)`: a client logged in as that person of `world`."""
    clients: dict = {}

    def open_as(role: str):
        if role not in clients:
            clients[role] = login(make_client(), world[role])
        return clients[role]

    return open_as


@pytest.fixture
def stored(app) -> dict[str, Path]:
    """The private folders a refused upload must leave untouched."""
    folders = {name: Path(app.instance_path) / name for name in ("attachments", "documents")}
    for path in folders.values():
        path.mkdir(exist_ok=True)
    return folders


def files_in(folders: dict[str, Path]) -> dict[str, set[str]]:
    return {name: {p.name for p in path.iterdir()} for name, path in folders.items()}


def counts(data, candidate_id: int) -> tuple[int, int]:
    """(messages, attachments) in the candidate's thread."""
    with data() as session:
        messages = session.scalar(
            select(func.count(ThreadMessage.id)).where(ThreadMessage.candidate_id == candidate_id)
        )
        attachments = session.scalar(
            select(func.count(ThreadAttachment.id))
            .join(ThreadMessage, ThreadMessage.id == ThreadAttachment.message_id)
            .where(ThreadMessage.candidate_id == candidate_id)
        )
        return messages, attachments


def post(client, body: str, content: bytes | None = None, name: str = "plan.pdf",
         url: str = "/me/messages", **extra: str):  # fmt: skip
    """Send a message as a browser would (multipart, the file claimed as application/pdf
    whatever it holds); encoded in memory, so no spooled temporary file is left open."""
    fields: dict = {"body": body, **extra}
    if content is not None:
        fields["attachment"] = FileStorage(
            io.BytesIO(content), filename=name, content_type="application/pdf"
        )
    boundary, encoded = encode_multipart(fields)
    return client.post(
        url, data=encoded, content_type=f'multipart/form-data; boundary="{boundary}"'
    )


def bodies(page: str) -> list[str]:
    """The message bodies on a thread page, in the order shown."""
    return re.findall(r'<div class="message-body">(.*?)</div>', page, re.S)


def assert_refused_and_nothing_stored(response, data, world, stored, before):
    assert response.status_code == 422, text(response)
    assert counts(data, world["candidate_id"]) == (0, 0)
    assert files_in(stored) == before


# -- 1. the pager ----------------------------------------------------------------------------


@pytest.fixture
def long_thread(world, data):
    """Two full pages and five messages more, written a minute apart, oldest first."""
    total = 2 * PAGE_SIZE + 5
    start = utcnow() - timedelta(days=1)
    with data() as session:
        session.add_all(
            ThreadMessage(candidate_id=world["candidate_id"], kind="text",
                          body=f"Message {n:03d}", created_at=start + timedelta(minutes=n))
            for n in range(1, total + 1)
        )  # fmt: skip
        session.commit()
    return total


def test_the_thread_opens_on_its_newest_page_oldest_first(client_of, long_thread):
    page = text(client_of("candidate").get("/me/messages"))
    assert bodies(page) == [f"Message {n:03d}" for n in range(2 * PAGE_SIZE + 1, long_thread + 1)]
    assert "Page 3 of 3" in page
    assert 'rel="next"' not in page


def test_the_older_pages_are_reached_through_the_pager(client_of, long_thread):
    client = client_of("candidate")
    newest = text(client.get("/me/messages"))
    previous = re.search(r'<a href="([^"]+)" rel="prev">', newest)
    assert previous and previous.group(1) == "/me/messages?page=2"
    middle = text(client.get(previous.group(1)))
    assert bodies(middle) == [f"Message {n:03d}" for n in range(PAGE_SIZE + 1, 2 * PAGE_SIZE + 1)]
    assert "Page 2 of 3" in middle
    assert 'href="/me/messages?page=3" rel="next"' in middle
    older = re.search(r'<a href="([^"]+)" rel="prev">', middle)
    assert older and older.group(1) == "/me/messages?page=1"
    first = text(client.get(older.group(1)))
    assert bodies(first) == [f"Message {n:03d}" for n in range(1, PAGE_SIZE + 1)]
    assert 'rel="prev"' not in first


def test_the_mentors_pager_keeps_the_candidate_in_its_links(client_of, world, long_thread):
    url = f"/mentor/mentees/{world['candidate_id']}/messages"
    page = text(client_of("mentor").get(url))
    assert bodies(page)[-1] == f"Message {long_thread:03d}"
    assert f'href="{url}?page=2" rel="prev"' in page
    beyond = text(client_of("mentor").get(f"{url}?page=99"))  # past the last: the newest
    assert bodies(beyond) == bodies(page)


def test_a_new_message_lands_last_on_the_newest_page(client_of, world, long_thread):
    client = client_of("staff")
    url = f"/desk/candidates/{world['candidate_id']}/messages"
    response = post(client, "The newest word", url=url)
    assert response.status_code == 302
    assert response.location == f"{url}#newest"
    page = text(client.get(url))
    assert bodies(page)[-1] == "The newest word"
    assert bodies(page)[0] == f"Message {2 * PAGE_SIZE + 1:03d}"


# -- 2. an attachment --------------------------------------------------------------------------


def test_an_attachment_is_stored_and_downloaded_by_the_threads_members(
    client_of, world, data, stored
):
    before = files_in(stored)
    response = post(client_of("candidate"), "My diploma, as promised.", PDF, "Diploma scan.pdf")
    assert response.status_code == 302, text(response)
    with data() as session:
        attachment = session.scalars(select(ThreadAttachment)).one()
        found = (attachment.id, attachment.stored_name, attachment.original_name,
                 attachment.content_type, attachment.size, attachment.message.body)  # fmt: skip
    attachment_id, stored_name = found[:2]
    assert found[2:] == (
        "Diploma scan.pdf",
        "application/pdf",
        len(PDF),
        "My diploma, as promised.",
    )
    assert files_in(stored)["attachments"] - before["attachments"] == {stored_name}
    assert (stored["attachments"] / stored_name).read_bytes() == PDF
    assert files_in(stored)["documents"] == before["documents"]
    url = f"/messages/attachments/{attachment_id}"
    assert f'href="{url}"' in text(client_of("candidate").get("/me/messages"))
    for role in ("candidate", "mentor", "staff"):
        download = client_of(role).get(url)
        assert download.status_code == 200, role
        assert download.data == PDF
        assert download.mimetype == "application/pdf"
        disposition = download.headers["Content-Disposition"]
        assert disposition.startswith("attachment;") and "Diploma scan.pdf" in disposition
        assert "no-store" in download.headers["Cache-Control"]
        assert download.headers["X-Content-Type-Options"] == "nosniff"
        assert "sandbox" in download.headers["Content-Security-Policy"]
    for role in ("other_mentor", "other_candidate"):
        refused = client_of(role).get(url)
        assert refused.status_code == 404, role
        assert PDF not in refused.data


# -- 3. a fake PDF -----------------------------------------------------------------------------


@pytest.mark.parametrize("content", [WINDOWS_EXE, HTML], ids=["MZ", "HTML"])
def test_a_fake_pdf_is_refused_and_nothing_is_stored(client_of, world, data, stored, content):
    before = files_in(stored)
    response = post(client_of("candidate"), "Here is my diploma.", content, "diploma.pdf")
    assert_refused_and_nothing_stored(response, data, world, stored, before)
    page = text(response)
    assert escape(translations("en").gettext(NOT_ACCEPTED)) in page
    assert SENT not in page
    assert "Here is my diploma." in page  # the text is kept in the form to send again


# -- 4. a file above the size limit ------------------------------------------------------------


def test_a_file_above_the_limit_is_refused_and_nothing_is_stored(
    client_of, world, data, stored, app, monkeypatch
):
    monkeypatch.setitem(app.config, "DOCUMENT_MAX_BYTES", HALF_A_MEGABYTE)
    before = files_in(stored)
    big = PDF + b"0" * (HALF_A_MEGABYTE - len(PDF) + 1)
    response = post(client_of("candidate"), "A big one.", big, "big.pdf")
    assert_refused_and_nothing_stored(response, data, world, stored, before)
    assert escape(TOO_LARGE % {"size": "0.5"}) in text(response)
    assert "PDF, JPEG or PNG, at most 0.5 MB." in text(response)


def test_a_file_at_the_limit_is_accepted(client_of, world, data, app, monkeypatch):
    monkeypatch.setitem(app.config, "DOCUMENT_MAX_BYTES", HALF_A_MEGABYTE)
    response = post(client_of("candidate"), "Just fits.", PDF + b"0" * (HALF_A_MEGABYTE - len(PDF)))
    assert response.status_code == 302, text(response)
    assert counts(data, world["candidate_id"]) == (1, 1)


def test_a_body_declared_too_large_is_refused_before_it_is_read(
    client_of, world, data, stored, app, monkeypatch
):
    """Above the limit plus the form's room, the page answers with its own translated
    refusal (not a bare 413), the thread still shown."""
    monkeypatch.setitem(app.config, "DOCUMENT_MAX_BYTES", HALF_A_MEGABYTE)
    before = files_in(stored)
    huge = PDF + b"0" * (HALF_A_MEGABYTE + 200_000)
    response = post(client_of("candidate"), "A huge one.", huge, "huge.pdf")
    assert_refused_and_nothing_stored(response, data, world, stored, before)
    page = text(response)
    assert escape(TOO_LARGE % {"size": "0.5"}) in page
    assert "Messages with your mentor and the welcome desk" in page


# -- 5. refused texts --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body", ["", "   ", " \r\n\t \r\n"], ids=["empty", "spaces", "blank-lines"]
)
def test_an_empty_message_is_refused_and_nothing_is_stored(client_of, world, data, stored, body):
    before = files_in(stored)
    response = post(client_of("candidate"), body, PDF)  # not even its attachment is kept
    assert_refused_and_nothing_stored(response, data, world, stored, before)
    assert escape(REQUIRED) in text(response)


def test_a_message_longer_than_the_limit_is_refused_and_nothing_is_stored(
    client_of, world, data, stored
):
    before = files_in(stored)
    response = post(client_of("mentor"), "x" * (MAX_LENGTH + 1),
                    url=f"/mentor/mentees/{world['candidate_id']}/messages")  # fmt: skip
    assert_refused_and_nothing_stored(response, data, world, stored, before)
    assert escape(TOO_LONG % {"max": MAX_LENGTH}) in text(response)


def test_a_message_at_the_limit_is_sent(client_of, world, data):
    response = post(client_of("candidate"), "x" * MAX_LENGTH)
    assert response.status_code == 302, text(response)
    assert counts(data, world["candidate_id"]) == (1, 0)


def test_line_breaks_count_once_as_the_browser_counts_them(client_of, world, data):
    """A browser sends each line break as CR LF but its maxlength counts one character:
    a text the browser let through is stored, with its line breaks as one character each."""
    lines = ["regel"] * (MAX_LENGTH // 6)  # 5 letters + a line break each: within the limit
    assert len("\r\n".join(lines)) > MAX_LENGTH >= len("\n".join(lines))
    response = post(client_of("candidate"), "\r\n".join(lines))
    assert response.status_code == 302, text(response)
    with data() as session:
        body = session.scalar(
            select(ThreadMessage.body).where(ThreadMessage.candidate_id == world["candidate_id"])
        )
    assert body == "\n".join(lines)


def test_the_message_form_carries_a_csrf_token(client_of, world, data, app, monkeypatch):
    client = client_of("candidate")
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    assert post(client, "Without a token.", PDF).status_code == 400
    assert counts(data, world["candidate_id"]) == (0, 0)
    page = text(client.get("/me/messages"))
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
    assert token, "no CSRF token on the thread page"
    response = post(client, "With the token.", PDF, csrf_token=token.group(1))
    assert response.status_code == 302, text(response)
    assert counts(data, world["candidate_id"]) == (1, 1)


# -- 6. the text as shown ----------------------------------------------------------------------

WRITTEN = (
    "<script>alert('hi')</script> & <b>bold</b>\r\n"
    "The plan: https://example.org/plan?a=1&b=2.\r\n"
    "\r\n"
    "And javascript:alert(1) stays text."
)


def test_the_text_is_escaped_keeps_its_lines_and_links_safely(client_of, world):
    assert post(client_of("candidate"), WRITTEN).status_code == 302
    for role, url in (("candidate", "/me/messages"),
                      ("mentor", f"/mentor/mentees/{world['candidate_id']}/messages"),
                      ("staff", f"/desk/candidates/{world['candidate_id']}/messages")):  # fmt: skip
        page = text(client_of(role).get(url))
        assert "<script>alert" not in page and "<b>bold" not in page, role
        (shown,) = bodies(page)
        assert shown == (
            "&lt;script&gt;alert(&#39;hi&#39;)&lt;/script&gt; &amp; &lt;b&gt;bold&lt;/b&gt;<br>\n"
            'The plan: <a href="https://example.org/plan?a=1&amp;b=2" rel="noopener nofollow">'
            "https://example.org/plan?a=1&amp;b=2</a>.<br>\n"
            "<br>\n"
            "And javascript:alert(1) stays text."
        ), role
        assert shown.count("<a ") == 1


# -- 7. refusals in Afrikaans and Dutch --------------------------------------------------------


@pytest.fixture
def candidate_in(data, make_client, login):
    def make(locale: str):
        with data():
            candidate = make_candidate(locale=locale, country="ZA")
            email, candidate_id = candidate.user.email, candidate.id
        return login(make_client(), email), candidate_id

    return make


LOCALES = ["af", "nl"]


def assert_in_language(response, locale: str, message: str) -> None:
    """A 422 page in `locale` with the catalog's translation of `message` (no placeholders)."""
    assert response.status_code == 422, text(response)
    page = text(response)
    assert f'<html lang="{locale}">' in page
    translated = translations(locale).gettext(message)
    assert translated != message, f"{message!r} has no {locale} translation"
    assert escape(translated) in page


@pytest.mark.parametrize("locale", LOCALES)
def test_a_fake_pdf_is_explained_in_the_candidates_language(candidate_in, data, stored, locale):
    client, candidate_id = candidate_in(locale)
    before = files_in(stored)
    response = post(client, "Hier is my diploma.", WINDOWS_EXE, "diploma.pdf")
    assert_in_language(response, locale, NOT_ACCEPTED)
    assert escape(NOT_ACCEPTED) not in text(response)
    assert counts(data, candidate_id) == (0, 0)
    assert files_in(stored) == before


@pytest.mark.parametrize("locale", LOCALES)
def test_an_empty_message_is_explained_in_the_candidates_language(candidate_in, data, locale):
    client, candidate_id = candidate_in(locale)
    response = post(client, "   ")
    assert_in_language(response, locale, REQUIRED)
    assert counts(data, candidate_id) == (0, 0)


@pytest.mark.parametrize("locale", LOCALES)
def test_a_too_long_message_is_explained_in_the_candidates_language(candidate_in, data, locale):
    client, candidate_id = candidate_in(locale)
    response = post(client, "x" * (MAX_LENGTH + 1))
    assert response.status_code == 422
    expected = translations(locale).gettext(TOO_LONG) % {"max": MAX_LENGTH}
    assert expected != TOO_LONG % {"max": MAX_LENGTH}
    assert escape(expected) in text(response)
    assert counts(data, candidate_id) == (0, 0)


@pytest.mark.parametrize("locale", LOCALES)
def test_a_too_large_file_is_explained_in_the_candidates_language(
    candidate_in, data, app, monkeypatch, locale
):
    monkeypatch.setitem(app.config, "DOCUMENT_MAX_BYTES", HALF_A_MEGABYTE)
    client, candidate_id = candidate_in(locale)
    response = post(client, "Groot.", PDF + b"0" * HALF_A_MEGABYTE, "groot.pdf")
    assert response.status_code == 422
    expected = translations(locale).gettext(TOO_LARGE) % {
        "size": format_decimal(0.5, locale=FORMAT_LOCALES[locale])
    }
    assert "0,5" in expected  # both write a decimal comma
    assert escape(expected) in text(response)
    assert counts(data, candidate_id) == (0, 0)
