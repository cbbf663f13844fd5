"""Document rules: content sniffing, size limit, storage, review, visibility, checklist."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

import pytest
from flask import current_app
from sqlalchemy import func, select

from onboarding.db import transaction
from onboarding.extensions import db
from onboarding.models import AuditEvent, Document
from onboarding.services import documents, history
from onboarding.services.errors import Forbidden, NotFound, Refused
from onboarding.vocabulary import DOCUMENT_KINDS
from tests.factories import make_candidate, make_user
from workflows import checklist as checklist_rules

PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01" + b"\x00" * 32
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 32
WINDOWS_EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 64
ELF = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 64
NOT_ACCEPTED = {
    "windows executable": WINDOWS_EXE,
    "elf executable": ELF,
    "html": b"<html><body>%PDF-1.7</body></html>",
    "pdf signature not at the start": b" %PDF-1.7\n",
    "truncated png signature": b"\x89PNG\r\n",
    "gif": b"GIF89a\x01\x00\x01\x00",
    "zip": b"PK\x03\x04" + b"\x00" * 20,
}


def stored_files() -> set[Path]:
    return set(documents.folder().iterdir())


def count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def audit_actions(candidate_id: int) -> list[tuple[str, str | None, str | None]]:
    return [
        (e.action, e.detail, e.reason)
        for e in db.session.scalars(
            select(AuditEvent)
            .where(AuditEvent.candidate_id == candidate_id)
            .order_by(AuditEvent.id)
        )
    ]


@pytest.fixture
def people(ctx):
    mentor = make_user("mentor")
    return {
        "staff": make_user("staff"),
        "mentor": mentor,
        "other_mentor": make_user("mentor"),
        "candidate": make_candidate(country="NA", mentor=mentor, phase="mentoring"),
        "other_candidate": make_candidate(country="NL"),
    }


@pytest.fixture
def candidate(people):
    return people["candidate"]


def upload(candidate, data=PDF, name="passport.pdf", kind="passport"):
    with transaction():
        return documents.upload(candidate.user, kind, data, name)


# -- content, not names ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "expected"),
    [(PDF, "application/pdf"), (JPEG, "image/jpeg"), (PNG, "image/png"), (WINDOWS_EXE, None),
     (ELF, None), (b"", None), (b"%PDF", None), (b"\xff\xd8", None)],
)  # fmt: skip
def test_sniff_reads_the_magic_bytes_only(content, expected):
    assert documents.sniff(content) == expected


def test_upload_stores_the_file_under_a_random_name_with_its_hash(candidate):
    before = stored_files()
    document = upload(candidate)
    (path,) = stored_files() - before
    assert path.name == document.stored_name
    assert documents.STORED_NAME.fullmatch(document.stored_name)
    assert "passport" not in document.stored_name
    assert path.read_bytes() == PDF
    assert path.stat().st_mode & 0o777 == 0o600
    assert documents.folder() == Path(current_app.instance_path) / "documents"
    assert (document.kind, document.original_name, document.status) == (
        "passport",
        "passport.pdf",
        "pending",
    )
    assert document.content_type == "application/pdf"
    assert document.size == len(PDF)
    assert document.sha256 == hashlib.sha256(PDF).hexdigest()
    assert document.uploaded_by_id == candidate.user_id
    assert audit_actions(candidate.id) == [("document_uploaded", "passport.pdf", None)]


def test_two_uploads_of_the_same_file_get_different_names(candidate):
    first, second = upload(candidate), upload(candidate)
    assert first.stored_name != second.stored_name
    assert first.sha256 == second.sha256


@pytest.mark.parametrize(
    ("content", "name", "expected"),
    [
        (PNG, "scan.pdf", "image/png"),  # the name says PDF, the content says PNG
        (JPEG, "photo.png", "image/jpeg"),
        (PDF, "cv", "application/pdf"),  # no extension at all
        (PDF, "cv.exe", "application/pdf"),
    ],
)
def test_the_content_type_comes_from_the_content(candidate, content, name, expected):
    assert upload(candidate, content, name).content_type == expected


def test_a_file_object_is_read_like_bytes(candidate):
    document = upload(candidate, io.BytesIO(JPEG), "photo.jpg")
    assert (document.content_type, document.size) == ("image/jpeg", len(JPEG))


@pytest.mark.parametrize("content", NOT_ACCEPTED.values(), ids=NOT_ACCEPTED.keys())
def test_anything_else_is_refused_and_nothing_is_stored(candidate, content):
    before = stored_files()
    with pytest.raises(Refused) as refused:
        upload(candidate, content, "diploma.pdf")
    assert "PDF, JPEG and PNG" in refused.value.message
    assert stored_files() == before
    assert count(Document, Document.candidate_id == candidate.id) == 0
    assert audit_actions(candidate.id) == []


def test_an_empty_file_is_refused(candidate):
    with pytest.raises(Refused, match="empty"):
        upload(candidate, b"")
    assert count(Document) == 0


def test_an_unknown_kind_is_refused(candidate):
    with pytest.raises(Refused):
        upload(candidate, kind="selfie")
    assert count(Document) == 0


# -- size -----------------------------------------------------------------------------------


def test_default_limit_is_ten_megabytes(app):
    assert app.config["DOCUMENT_MAX_BYTES"] == 10 * 1024 * 1024


def test_the_limit_is_inclusive_and_one_byte_more_is_refused(candidate, app, monkeypatch):
    monkeypatch.setitem(app.config, "DOCUMENT_MAX_BYTES", 1024)
    exact = PDF + b"0" * (1024 - len(PDF))
    assert upload(candidate, exact).size == 1024
    before = stored_files()
    with pytest.raises(Refused, match="too large"):
        upload(candidate, exact + b"0")
    assert stored_files() == before
    assert count(Document) == 1


class CountingStream(io.BytesIO):
    def __init__(self, content: bytes):
        super().__init__(content)
        self.read_bytes = 0

    def read(self, size=-1):
        chunk = super().read(size)
        self.read_bytes += len(chunk)
        return chunk


def test_a_large_stream_is_not_read_past_the_limit(candidate, app, monkeypatch):
    monkeypatch.setitem(app.config, "DOCUMENT_MAX_BYTES", 1000)
    stream = CountingStream(PDF + b"0" * 50_000)
    with pytest.raises(Refused):
        upload(candidate, stream)
    assert stream.read_bytes == 1001
    assert count(Document) == 0


def test_declared_request_size_is_checked_before_reading(app, ctx, monkeypatch):
    monkeypatch.setitem(app.config, "DOCUMENT_MAX_BYTES", 1_000_000)
    with transaction():
        documents.check_declared_size(None)
    with transaction():
        documents.check_declared_size(1_000_000 + documents.FORM_OVERHEAD_BYTES)
    with pytest.raises(Refused, match="1 MB"), transaction():
        documents.check_declared_size(1_000_001 + documents.FORM_OVERHEAD_BYTES)


def test_a_candidate_may_upload_a_limited_number_of_documents(candidate, app, monkeypatch):
    monkeypatch.setitem(app.config, "DOCUMENT_MAX_PER_CANDIDATE", 2)
    upload(candidate)
    upload(candidate)
    before = stored_files()
    with pytest.raises(Refused, match="most documents"):
        upload(candidate)
    assert stored_files() == before


# -- names ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "shown"),
    [
        ("a/../../b.pdf", "b.pdf"),
        ("../../../../etc/passwd.pdf", "passwd.pdf"),
        ("..\\..\\windows\\evil.pdf", "evil.pdf"),
        ("/absolute/path/cv.pdf", "cv.pdf"),
        ("C:\\Users\\Thandiwe\\Diploma 2024.pdf", "Diploma 2024.pdf"),
        ("Diploma – Ndapewa Shikongo.pdf", "Diploma – Ndapewa Shikongo.pdf"),
        ("cv\r\nX-Injected: 1.pdf", "cvX-Injected: 1.pdf"),
        ("...hidden.pdf", "hidden.pdf"),
        ("../../", "document.pdf"),
        ("", "document.pdf"),
        (None, "document.pdf"),
    ],
)
def test_display_name_keeps_no_path_and_no_control_characters(name, shown):
    assert documents.display_name(name, "application/pdf") == shown


def test_a_long_name_is_shortened_and_keeps_its_extension():
    shown = documents.display_name("x" * 400 + ".pdf", "application/pdf")
    assert len(shown) <= documents.MAX_NAME_LENGTH
    assert shown.endswith("x.pdf")


def test_a_path_in_the_name_writes_only_inside_the_documents_folder(candidate):
    folder = documents.folder()
    outside = folder.parent.parent
    before = {p for p in outside.rglob("*") if p.is_file()}
    document = upload(candidate, name="a/../../b.pdf")
    after = {p for p in outside.rglob("*") if p.is_file()}
    new = {p for p in after - before if not p.name.endswith(("-journal", "-wal", "-shm"))}
    assert new == {folder / document.stored_name}
    assert document.original_name == "b.pdf"
    assert not (folder.parent / "b.pdf").exists()
    assert not (outside / "b.pdf").exists()


def test_the_file_is_removed_when_the_row_cannot_be_committed(candidate, monkeypatch):
    def broken_commit():
        raise RuntimeError("database went away")

    before = stored_files()
    monkeypatch.setattr(db.session, "commit", broken_commit)
    with pytest.raises(RuntimeError):
        upload(candidate)
    monkeypatch.undo()
    assert stored_files() == before
    assert count(Document) == 0


# -- who may upload, see and review ---------------------------------------------------------


@pytest.mark.parametrize("role", ["staff", "mentor"])
def test_only_candidates_upload(people, role):
    with pytest.raises(Forbidden), transaction():
        documents.upload(people[role], "cv", PDF, "cv.pdf")
    assert count(Document) == 0


@pytest.mark.parametrize(
    ("role", "visible"),
    [("candidate", True), ("mentor", True), ("staff", True), ("other_candidate", False),
     ("other_mentor", False)],
)  # fmt: skip
def test_who_sees_a_document(people, candidate, role, visible):
    document = upload(candidate)
    actor = people[role] if role in ("staff", "mentor", "other_mentor") else people[role].user
    if visible:
        assert documents.visible_document(actor, document.id) is document
        assert documents.read_document(actor, document.id) == (document, PDF)
    else:
        with pytest.raises(NotFound, match="not yours to see"):
            documents.visible_document(actor, document.id)
        with pytest.raises(NotFound), transaction():
            documents.read_document(actor, document.id)


def test_unknown_document_is_not_found(people):
    with pytest.raises(NotFound):
        documents.visible_document(people["staff"], 999_999)


def test_a_missing_file_is_not_found(people, candidate):
    document = upload(candidate)
    (documents.folder() / document.stored_name).unlink()
    with pytest.raises(NotFound), transaction():
        documents.read_document(people["staff"], document.id)


def test_verifying_records_who_and_when_and_completes_the_item(people, candidate):
    document = upload(candidate)
    with transaction():
        documents.review(people["staff"], document.id, "verified")
    assert document.status == "verified"
    assert document.reviewed_by_id == people["staff"].id
    assert document.reviewed_at is not None and document.reviewed_at.tzinfo is not None
    assert document.rejection_reason is None
    assert audit_actions(candidate.id)[-1] == ("document_verified", "passport.pdf", None)
    passport = documents.checklist_for(candidate).items[0]
    assert (passport.kind, passport.status) == ("passport", checklist_rules.DONE)


def test_rejecting_needs_a_reason_the_candidate_sees(people, candidate):
    document = upload(candidate)
    for empty in ("", "   \n"):
        with pytest.raises(Refused, match="reason"), transaction():
            documents.review(people["staff"], document.id, "rejected", empty)
    assert document.status == "pending"
    with transaction():
        documents.review(people["staff"], document.id, "rejected", "  The photo page is cut off. ")
    assert document.status == "rejected"
    assert document.rejection_reason == "The photo page is cut off."
    assert audit_actions(candidate.id)[-1] == (
        "document_rejected",
        "passport.pdf",
        "The photo page is cut off.",
    )
    item = documents.checklist_for(candidate).items[0]
    assert (item.status, item.reason) == (checklist_rules.REFUSED, "The photo page is cut off.")


def test_a_verified_document_can_be_rejected_later_and_the_reason_is_cleared_on_verify(
    people, candidate
):
    document = upload(candidate)
    with transaction():
        documents.review(people["staff"], document.id, "verified")
    with transaction():
        documents.review(people["staff"], document.id, "rejected", "Expired")
    assert (document.status, document.rejection_reason) == ("rejected", "Expired")
    with transaction():
        documents.review(people["staff"], document.id, "verified", "ignored")
    assert (document.status, document.rejection_reason) == ("verified", None)


def test_an_unknown_decision_is_refused(people, candidate):
    document = upload(candidate)
    with pytest.raises(Refused), transaction():
        documents.review(people["staff"], document.id, "lost")
    assert document.status == "pending"


@pytest.mark.parametrize("role", ["mentor", "candidate"])
def test_only_staff_review(people, candidate, role):
    document = upload(candidate)
    actor = people[role] if role == "mentor" else candidate.user
    with pytest.raises(Forbidden), transaction():
        documents.review(actor, document.id, "verified")
    assert document.status == "pending"


def test_reviewing_an_unknown_document_is_not_found(people):
    with pytest.raises(NotFound), transaction():
        documents.review(people["staff"], 999_999, "verified")


# -- checklist and timeline -----------------------------------------------------------------


def test_reference_kinds_and_checklist_kinds_agree():
    assert tuple(DOCUMENT_KINDS) == checklist_rules.KINDS


def test_checklist_depends_on_the_country_of_origin(people):
    namibian = documents.checklist_for(people["candidate"])
    dutch = documents.checklist_for(people["other_candidate"])
    assert {"single_permit", "diploma_recognition"} <= {i.kind for i in namibian.items}
    assert not {"single_permit", "diploma_recognition"} & {i.kind for i in dutch.items}
    assert (namibian.total, dutch.total) == (7, 5)


def test_checklist_progress_follows_reviews(people, candidate):
    staff = people["staff"]
    passport = upload(candidate, kind="passport")
    cv = upload(candidate, kind="cv", name="cv.pdf")
    upload(candidate, kind="diploma", name="diploma.pdf")
    result = documents.checklist_for(candidate)
    assert (result.done, result.pending, result.rejected) == (0, 3, 0)
    with transaction():
        documents.review(staff, passport.id, "verified")
    with transaction():
        documents.review(staff, cv.id, "rejected", "Not in English")
    result = documents.checklist_for(candidate)
    assert (result.done, result.total, result.pending, result.rejected) == (1, 7, 1, 1)


def test_documents_are_listed_newest_first(candidate):
    first, second = upload(candidate), upload(candidate, kind="cv", name="cv.pdf")
    assert documents.documents_of(candidate) == [second, first]


def test_document_events_appear_in_the_timeline(people, candidate):
    document = upload(candidate, name="cv.pdf", kind="cv")
    with transaction():
        documents.review(people["staff"], document.id, "rejected", "Unreadable")
    texts = [entry.text for entry in history.timeline(candidate, newest_first=False)]
    assert texts == ["Document uploaded: cv.pdf", "Document rejected: cv.pdf"]
    assert history.timeline(candidate)[0].reason == "Unreadable"


@pytest.mark.parametrize(
    ("name", "content_type", "shown"),
    [
        ("diploma.html", "application/pdf", "diploma.pdf"),
        ("passport.PDF", "application/pdf", "passport.pdf"),
        ("photo.jpeg", "image/jpeg", "photo.jpg"),
        ("scan.exe", "image/png", "scan.png"),
        ("no extension", "image/png", "no extension.png"),
        ("cv.v2.pdf", "application/pdf", "cv.v2.pdf"),
        (".html", "application/pdf", "html.pdf"),
    ],
)
def test_the_kept_name_has_the_extension_of_the_detected_type(name, content_type, shown):
    assert documents.display_name(name, content_type) == shown


# -- forgetting a document: its name leaves the history with it -----------------------------


def test_a_deleted_documents_name_and_rejection_reason_leave_the_history(people, candidate):
    document = upload(candidate, name="paspoort_Zanele_Mokoena.pdf")
    kept = upload(candidate, name="cv_Zanele_Mokoena.pdf", kind="cv")
    with transaction():
        documents.review(people["staff"], document.id, "rejected", "Zanele's photo is blurred")
    with transaction():
        documents.delete_own(candidate.user, document.id)
    rows = audit_actions(candidate.id)
    assert rows == [
        ("document_uploaded", "passport", None),
        ("document_uploaded", "cv_Zanele_Mokoena.pdf", None),
        ("document_rejected", "passport", None),
        ("document_deleted", "passport", None),
    ]
    assert not any("Zanele" in str(row) for row in rows[2:] + rows[:1])
    texts = [entry.text for entry in history.timeline(candidate, newest_first=False)]
    label = documents.kind_label("passport")
    assert texts[0] == f"Document uploaded: {label}"
    assert texts[-1] == f"Document deleted by the candidate: {label}"
    assert db.session.get(Document, kept.id) is not None


def test_the_desk_removal_forgets_the_name_and_keeps_its_own_reason(people, candidate):
    document = upload(candidate, name="diploma_Zanele.pdf", kind="diploma")
    with transaction():
        documents.review(people["staff"], document.id, "verified")
    with transaction():
        documents.delete_by_desk(people["staff"], document.id, "Uploaded for the wrong person")
    assert audit_actions(candidate.id) == [
        ("document_uploaded", "diploma", None),
        ("document_verified", "diploma", None),
        ("document_removed", "diploma", "Uploaded for the wrong person"),
    ]
    assert not (documents.folder() / document.stored_name).exists()


def test_forget_removes_the_row_and_the_file_only_after_commit(people, candidate):
    document = upload(candidate, name="paspoort_Zanele.pdf")
    path = documents.folder() / document.stored_name
    with transaction():
        documents.forget(document)
        assert path.exists()
    assert not path.exists()
    assert count(Document) == 0
    assert audit_actions(candidate.id) == [("document_uploaded", "passport", None)]


def test_a_namesake_document_keeps_its_rows(people, candidate):
    first = upload(candidate, name="scan.pdf")
    upload(candidate, name="scan.pdf", kind="cv")
    with transaction():
        documents.delete_own(candidate.user, first.id)
    assert [row[1] for row in audit_actions(candidate.id)] == ["scan.pdf", "scan.pdf", "passport"]


@pytest.mark.parametrize("who", ["candidate", "staff"])
def test_no_document_is_deleted_under_a_legal_hold(people, candidate, who):
    document = upload(candidate)
    with transaction():
        candidate.legal_hold_at = candidate.created_at
        candidate.legal_hold_reason = "Court case"
    with pytest.raises(Refused, match="legal hold"), transaction():
        if who == "candidate":
            documents.delete_own(candidate.user, document.id)
        else:
            documents.delete_by_desk(people["staff"], document.id, "Not needed")
    assert db.session.get(Document, document.id) is not None
    assert (documents.folder() / document.stored_name).exists()
