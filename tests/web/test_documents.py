"""The documents pages: upload and refusals, downloads, the desk's review, the checklist,
and translated messages."""

from __future__ import annotations

import io
import re
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
from onboarding.models import AuditEvent, Document
from tests.factories import make_candidate, make_user

PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 32
WINDOWS_EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 64
ELF = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 64

NOT_ACCEPTED = "Only PDF, JPEG and PNG files are accepted, and this file is none of these."
TOO_LARGE = "The file is too large: at most %(size)s MB is accepted."
REASON_NEEDED = "Give the reason for rejecting the document; the candidate will see it."
PERMIT = "Single permit (work and residence)"
RECOGNITION = "Diploma recognition (NARIC-Vlaanderen)"
HALF_A_MEGABYTE = 512 * 1024


def translations(locale: str) -> Translations:
    return Translations.load(str(ROOT / "translations"), [locale])


def text(response) -> str:
    return response.get_data(as_text=True)


@pytest.fixture
def world(data):
    """Staff, mentor A with a Namibian mentee, mentor B, and a Dutch candidate."""
    with data():
        staff = make_user("staff")
        mentor = make_user("mentor")
        other_mentor = make_user("mentor")
        namibian = make_candidate(name="Ndapewa Shikongo", country="NA", mentor=mentor,
                                  phase="mentoring")  # fmt: skip
        dutch = make_candidate(name="Sanne de Vries", country="NL")
        return {
            "staff": staff.email,
            "mentor": mentor.email,
            "other_mentor": other_mentor.email,
            "candidate": namibian.user.email,
            "candidate_id": namibian.id,
            "dutch": dutch.user.email,
            "dutch_id": dutch.id,
        }


@pytest.fixture
def folder(app) -> Path:
    path = Path(app.instance_path) / "documents"
    path.mkdir(exist_ok=True)
    return path


def files_in(folder: Path) -> set[str]:
    return {p.name for p in folder.iterdir()}


def documents_of(data, candidate_id: int) -> list[Document]:
    with data() as session:
        rows = session.scalars(
            select(Document).where(Document.candidate_id == candidate_id).order_by(Document.id)
        ).all()
        session.expunge_all()
        return list(rows)


def send(client, content: bytes, name: str, kind: str = "passport"):
    """Upload as a browser would, claiming application/pdf whatever the content is.

    The body is encoded in memory: the test client spools large bodies to a temporary file
    that it leaves open when it does not follow redirects (a ResourceWarning)."""
    upload = FileStorage(io.BytesIO(content), filename=name, content_type="application/pdf")
    boundary, body = encode_multipart({"kind": kind, "file": upload})
    return client.post(
        "/me/documents", data=body, content_type=f'multipart/form-data; boundary="{boundary}"'
    )


@pytest.fixture
def as_candidate(world, client, login):
    return login(client, world["candidate"])


def upload_one(client, content=PDF, name="passport.pdf", kind="passport"):
    response = send(client, content, name, kind)
    assert response.status_code == 302, text(response)
    return response


# -- the candidate's page -------------------------------------------------------------------


def test_candidate_page_has_checklist_and_multipart_upload_form(as_candidate):
    page = text(as_candidate.get("/me/documents"))
    assert 'enctype="multipart/form-data"' in page
    assert 'type="file"' in page
    assert "0 of 7 documents done" in page
    assert PERMIT in page and RECOGNITION in page
    assert "No documents uploaded yet." in page


def test_upload_stores_the_document_and_lists_it(as_candidate, world, data, folder):
    before = files_in(folder)
    response = upload_one(as_candidate, PDF, "Passport scan.pdf")
    assert response.location.endswith("/me/documents")
    (document,) = documents_of(data, world["candidate_id"])
    assert files_in(folder) - before == {document.stored_name}
    assert (document.original_name, document.content_type) == (
        "Passport scan.pdf",
        "application/pdf",
    )
    page = text(as_candidate.get("/me/documents"))
    assert "“Passport scan.pdf” has been uploaded." in page
    assert "Passport scan.pdf" in page
    assert f'href="/documents/{document.id}"' in page
    assert "Waiting for review" in page
    assert "1 waiting for review" in page


def test_the_browser_content_type_is_ignored(as_candidate, world, data):
    upload_one(as_candidate, PNG, "scan.pdf")  # sent as application/pdf
    (document,) = documents_of(data, world["candidate_id"])
    assert document.content_type == "image/png"


@pytest.mark.parametrize("content", [WINDOWS_EXE, ELF], ids=["MZ", "ELF"])
def test_a_renamed_executable_is_refused_and_nothing_is_stored(
    as_candidate, world, data, folder, content
):
    before = files_in(folder)
    response = send(as_candidate, content, "diploma.pdf", "diploma")
    assert response.status_code == 422
    assert escape(NOT_ACCEPTED) in text(response)
    assert files_in(folder) == before
    assert documents_of(data, world["candidate_id"]) == []
    with data() as session:
        assert session.scalar(select(func.count(AuditEvent.id))) == 0


def test_a_missing_file_is_a_form_error(as_candidate, world, data):
    response = as_candidate.post("/me/documents", data={"kind": "cv"})
    assert response.status_code == 422
    assert "This field is required." in text(response)
    assert documents_of(data, world["candidate_id"]) == []


def test_an_oversized_file_is_refused_and_nothing_is_stored(
    as_candidate, world, data, folder, app, monkeypatch
):
    monkeypatch.setitem(app.config, "DOCUMENT_MAX_BYTES", HALF_A_MEGABYTE)
    before = files_in(folder)
    response = send(as_candidate, PDF + b"0" * (HALF_A_MEGABYTE - len(PDF) + 1), "big.pdf")
    assert response.status_code == 422
    assert escape(TOO_LARGE % {"size": "0.5"}) in text(response)
    assert files_in(folder) == before
    assert documents_of(data, world["candidate_id"]) == []


def test_a_file_at_the_limit_is_accepted(as_candidate, world, data, app, monkeypatch):
    monkeypatch.setitem(app.config, "DOCUMENT_MAX_BYTES", HALF_A_MEGABYTE)
    upload_one(as_candidate, PDF + b"0" * (HALF_A_MEGABYTE - len(PDF)))
    (document,) = documents_of(data, world["candidate_id"])
    assert document.size == HALF_A_MEGABYTE


def test_an_oversized_body_is_refused_before_it_is_read(as_candidate, world, data, folder):
    """With the default limit of 10 MB: the declared body is too large, so it is refused
    with our translated message, not a bare 413."""
    before = files_in(folder)
    response = send(as_candidate, PDF + b"0" * (10 * 1024 * 1024 + 100_000), "huge.pdf")
    assert response.status_code == 422
    page = text(response)
    assert escape(TOO_LARGE % {"size": "10"}) in page
    assert "0 of 7 documents done" in page  # the documents page, not an error page
    assert files_in(folder) == before
    assert documents_of(data, world["candidate_id"]) == []


def test_a_path_in_the_file_name_is_dropped(as_candidate, world, data, folder):
    outside = folder.parent.parent
    before = {p for p in outside.rglob("*") if p.is_file()}
    upload_one(as_candidate, PDF, "a/../../b.pdf")
    (document,) = documents_of(data, world["candidate_id"])
    assert document.original_name == "b.pdf"
    assert re.fullmatch(r"[0-9a-f]{48}", document.stored_name)
    after = {p for p in outside.rglob("*") if p.is_file()}
    new = {p for p in after - before if not p.name.endswith(("-journal", "-wal", "-shm"))}
    assert new == {folder / document.stored_name}
    page = text(as_candidate.get("/me/documents"))
    assert ">b.pdf<" in page
    assert "a/../../b.pdf" not in page and "../" not in page


# -- downloads ------------------------------------------------------------------------------


def test_download_is_an_attachment_with_the_stored_type(as_candidate, world, data):
    upload_one(as_candidate, PNG, "Diploma – Ndapewa.png", "diploma")
    (document,) = documents_of(data, world["candidate_id"])
    response = as_candidate.get(f"/documents/{document.id}")
    assert response.status_code == 200
    assert response.data == PNG
    assert response.mimetype == "image/png"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert "filename*=UTF-8''Diploma%20%E2%80%93%20Ndapewa.png" in disposition
    assert "no-store" in response.headers["Cache-Control"]


def test_a_pdf_sent_as_html_downloads_as_pdf(as_candidate, world, data):
    """Review L3: the saved file's extension is the content's, never the uploader's."""
    polyglot = b"%PDF-1.4\n<html><script>alert(document.cookie)</script>"
    upload_one(as_candidate, polyglot, "diploma.html", "diploma")
    (document,) = documents_of(data, world["candidate_id"])
    response = as_candidate.get(f"/documents/{document.id}")
    assert response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"] == "attachment; filename=diploma.pdf"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Content-Security-Policy"] == "default-src 'none'; sandbox"


@pytest.mark.parametrize(
    ("stored_name", "content_type", "downloaded"),
    [
        ("diploma.html", "application/pdf", "diploma.pdf"),
        ("photo.svg", "image/png", "photo.png"),
        ("scan.PDF.exe", "image/jpeg", "scan.PDF.jpg"),
        ("passport.pdf", "application/pdf", "passport.pdf"),
    ],
)
def test_a_row_stored_with_another_extension_downloads_with_its_types(
    as_candidate, world, data, stored_name, content_type, downloaded
):
    """Rows stored before uploads were renamed: the name is fixed when it is downloaded."""
    upload_one(as_candidate, PDF, "any.pdf")
    (document,) = documents_of(data, world["candidate_id"])
    with data() as session:
        row = session.get(Document, document.id)
        row.original_name, row.content_type = stored_name, content_type
        session.commit()
    response = as_candidate.get(f"/documents/{document.id}")
    assert response.mimetype == content_type
    assert response.headers["Content-Disposition"] == f"attachment; filename={downloaded}"


@pytest.mark.parametrize(
    ("who", "status"),
    [("candidate", 200), ("mentor", 200), ("staff", 200), ("dutch", 404), ("other_mentor", 404)],
)
def test_only_the_candidate_their_mentor_and_staff_download(
    world, data, client, make_client, login, who, status
):
    upload_one(login(client, world["candidate"]))
    (document,) = documents_of(data, world["candidate_id"])
    response = login(make_client(), world[who]).get(f"/documents/{document.id}")
    assert response.status_code == status
    if status == 404:
        assert response.data != PDF
        assert "Content-Disposition" not in response.headers


def test_anonymous_download_goes_to_login(world, data, client, make_client, login):
    upload_one(login(client, world["candidate"]))
    (document,) = documents_of(data, world["candidate_id"])
    response = make_client().get(f"/documents/{document.id}")
    assert response.status_code == 302
    assert response.location.startswith("/login?next=")


# -- the checklist depends on the country ---------------------------------------------------


def test_a_namibian_candidate_needs_a_permit_and_recognition_a_dutch_one_does_not(
    world, client, make_client, login
):
    namibian = text(login(client, world["candidate"]).get("/me/documents"))
    dutch = text(login(make_client(), world["dutch"]).get("/me/documents"))
    assert PERMIT in namibian and RECOGNITION in namibian
    assert 'data-kind="single_permit"' in namibian
    assert 'data-kind="diploma_recognition"' in namibian
    assert 'data-kind="single_permit"' not in dutch
    assert 'data-kind="diploma_recognition"' not in dutch
    assert "0 of 7 documents done" in namibian
    assert "0 of 5 documents done" in dutch


# -- the desk's review ----------------------------------------------------------------------


@pytest.fixture
def uploaded(world, data, client, make_client, login):
    """The Namibian candidate has uploaded a passport and a CV; returns the clients."""
    candidate = login(client, world["candidate"])
    upload_one(candidate, PDF, "passport.pdf", "passport")
    upload_one(candidate, PDF, "cv.pdf", "cv")
    passport, cv = documents_of(data, world["candidate_id"])
    staff = login(make_client(), world["staff"])
    return {"candidate": candidate, "staff": staff, "passport": passport.id, "cv": cv.id}


def test_review_page_lists_documents_with_verify_and_reject_forms(world, uploaded):
    page = text(uploaded["staff"].get(f"/desk/candidates/{world['candidate_id']}/documents"))
    assert "0 of 7 documents done" in page
    assert "2 waiting for review" in page
    assert page.count('name="decision" value="verified"') == 2
    assert page.count('name="decision" value="rejected"') == 2
    assert f'action="/desk/documents/{uploaded["passport"]}/review"' in page


def test_verify_and_reject_update_the_checklist_and_the_candidate_sees_the_reason(
    world, data, uploaded
):
    staff, candidate = uploaded["staff"], uploaded["candidate"]
    review_page = f"/desk/candidates/{world['candidate_id']}/documents"
    response = staff.post(
        f"/desk/documents/{uploaded['passport']}/review", data={"decision": "verified"}
    )
    assert response.status_code == 302
    assert response.location.endswith(review_page)
    page = text(staff.get(review_page))
    assert "“passport.pdf” is verified." in page
    assert "1 of 7 documents done" in page
    reason = "The CV is in Afrikaans; please add an English version."
    response = staff.post(
        f"/desk/documents/{uploaded['cv']}/review",
        data={"decision": "rejected", "reason": reason},
    )
    assert response.status_code == 302
    page = text(staff.get(review_page))
    assert "1 rejected" in page
    own = text(candidate.get("/me/documents"))
    assert "1 of 7 documents done" in own
    assert "1 rejected" in own
    assert escape(reason) in own
    assert re.search(r'data-kind="cv" data-status="rejected"', own)
    assert re.search(r'data-kind="passport" data-status="done"', own)
    with data() as session:
        actions = session.scalars(
            select(AuditEvent.action)
            .where(AuditEvent.candidate_id == world["candidate_id"])
            .order_by(AuditEvent.id)
        ).all()
    assert actions == [
        "document_uploaded",
        "document_uploaded",
        "document_verified",
        "document_rejected",
    ]


def test_rejecting_without_a_reason_is_refused(world, data, uploaded):
    response = uploaded["staff"].post(
        f"/desk/documents/{uploaded['cv']}/review", data={"decision": "rejected", "reason": " "}
    )
    assert response.status_code == 422
    assert escape(REASON_NEEDED) in text(response)
    assert {d.status for d in documents_of(data, world["candidate_id"])} == {"pending"}


def test_the_mentor_page_is_read_only(world, uploaded, make_client, login):
    mentor = login(make_client(), world["mentor"])
    page = text(mentor.get(f"/mentor/mentees/{world['candidate_id']}/documents"))
    assert "passport.pdf" in page and "cv.pdf" in page
    assert "0 of 7 documents done" in page
    assert "/review" not in page
    assert 'name="decision"' not in page
    other = login(make_client(), world["other_mentor"])
    response = other.get(f"/mentor/mentees/{world['candidate_id']}/documents")
    assert response.status_code == 404
    assert "passport.pdf" not in text(response)


# -- CSRF and translations ------------------------------------------------------------------


def csrf_token(page: str) -> str:
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
    assert match, "no CSRF token on the page"
    return match.group(1)


def test_forms_carry_a_csrf_token(world, data, client, make_client, login, app, monkeypatch):
    candidate = login(client, world["candidate"])
    staff = login(make_client(), world["staff"])
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    assert send(candidate, PDF, "cv.pdf", "cv").status_code == 400
    token = csrf_token(text(candidate.get("/me/documents")))
    response = candidate.post(
        "/me/documents",
        data={"csrf_token": token, "kind": "cv", "file": (io.BytesIO(PDF), "cv.pdf")},
    )
    assert response.status_code == 302, text(response)
    (document,) = documents_of(data, world["candidate_id"])
    review = f"/desk/documents/{document.id}/review"
    assert staff.post(review, data={"decision": "verified"}).status_code == 400
    page = text(staff.get(f"/desk/candidates/{world['candidate_id']}/documents"))
    response = staff.post(review, data={"csrf_token": csrf_token(page), "decision": "verified"})
    assert response.status_code == 302


@pytest.fixture
def candidate_in(data, client, login):
    def make(locale: str):
        with data():
            candidate = make_candidate(locale=locale, country="ZA")
            email, candidate_id = candidate.user.email, candidate.id
        login(client, email)
        return client, candidate_id

    return make


@pytest.mark.parametrize("locale", ["nl", "af"])
def test_a_refused_file_is_explained_in_the_candidates_language(candidate_in, data, locale):
    client, candidate_id = candidate_in(locale)
    response = send(client, WINDOWS_EXE, "diploma.pdf", "diploma")
    assert response.status_code == 422
    page = text(response)
    assert f'<html lang="{locale}">' in page
    assert escape(translations(locale).gettext(NOT_ACCEPTED)) in page
    assert documents_of(data, candidate_id) == []


@pytest.mark.parametrize("locale", ["nl", "af"])
def test_an_oversized_file_is_explained_in_the_candidates_language(
    candidate_in, data, app, monkeypatch, locale
):
    monkeypatch.setitem(app.config, "DOCUMENT_MAX_BYTES", HALF_A_MEGABYTE)
    client, candidate_id = candidate_in(locale)
    response = send(client, PDF + b"0" * HALF_A_MEGABYTE, "big.pdf")
    assert response.status_code == 422
    expected = translations(locale).gettext(TOO_LARGE) % {
        "size": format_decimal(0.5, locale=FORMAT_LOCALES[locale])
    }
    assert "0,5" in expected  # both write a decimal comma
    assert escape(expected) in text(response)
    assert documents_of(data, candidate_id) == []


@pytest.mark.parametrize("locale", ["nl", "af"])
def test_a_rejection_without_reason_is_explained_in_the_staff_members_language(
    world, data, uploaded, make_client, login, locale
):
    with data():
        email = make_user("staff", locale=locale).email
    staff = login(make_client(), email)
    response = staff.post(f"/desk/documents/{uploaded['cv']}/review", data={"decision": "rejected"})
    assert response.status_code == 422
    assert escape(translations(locale).gettext(REASON_NEEDED)) in text(response)
