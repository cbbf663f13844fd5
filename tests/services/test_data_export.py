"""The data export (GDPR Art. 15/20): a candidate with data in every section, the worker's
ZIP checked against the seeded rows and the documented schema (docs/data-export.md), one
open request at a time, the expiry boundary, who may download, and what a failing or
rolled-back build leaves behind."""

from __future__ import annotations

import hashlib
import io
import json
import re
import zipfile
from datetime import date, timedelta
from pathlib import Path

import pytest
from babel.support import Translations
from sqlalchemy import select

from onboarding.db import transaction
from onboarding.extensions import db
from onboarding.models import (
    AccountEvent,
    AuditEvent,
    CandidateMunicipality,
    CandidateSkill,
    Consent,
    DataExport,
    DocumentAccess,
    Job,
    MentoringMeeting,
    RelocationStep,
    Reminder,
    utcnow,
)
from onboarding.services import data_export, document_access, documents, jobs, reminders
from onboarding.services.errors import NotFound, Refused
from tests.factories import make_assessment, make_candidate, make_placement, make_user
from tests.mail import text_of

REPO = Path(__file__).resolve().parents[2]
PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n" + b"passport of Anna" * 50
PNG = b"\x89PNG\r\n\x1a\n" + b"diploma scan" * 40
PHONE = "+264 81 555 0199"

# The keys docs/data-export.md documents, section by section.
TOP = {"schema", "generated_at", "export_id", "requested_by", "profile", "phase", "history",
       "assessments", "meetings", "placements", "reminders", "consents", "account_events",
       "document_access", "documents", "missing_documents", "messages",
       "arrival_plan"}  # fmt: skip
SECTION_KEYS = {
    "history": {"action", "from_phase", "to_phase", "at", "by", "reason", "detail"},
    "assessments": {"level", "assessed_on", "note", "recorded_by"},
    "meetings": {"date", "mentor", "note"},
    "placements": {"company", "project_title", "status", "start_date", "interview_at",
                   "proposed_at", "decided_at", "closed_reason"},
    "reminders": {"rule", "to_you", "due_at", "status", "sent_at", "read_at"},
    "consents": {"action", "notice_version", "share_with_companies", "at", "by", "on_behalf",
                 "note"},
    "account_events": {"kind", "at", "address", "detail"},
    "document_access": {"at", "viewer", "viewer_role", "action", "document_id", "document_kind"},
    "documents": {"id", "kind", "original_name", "content_type", "status", "rejection_reason",
                  "uploaded_at", "reviewed_at", "valid_until", "path", "size", "sha256"},
    "arrival_plan": {"step", "done_on", "not_needed_reason", "due_on", "recorded_at"},
}  # fmt: skip
PROFILE_KEYS = {
    "name", "email", "language", "account_created_at", "last_login_at", "notification_preferences",
    "two_factor_enabled", "registered_at", "phone", "country_code", "origin_institution",
    "stem_field", "other_fields", "degree_level", "graduation_date", "dutch_level",
    "english_level", "available_from", "skills", "municipalities", "outreach_channel",
    "mentor", "consent_at", "consent_notice_version", "consent_withdrawn_at",
    "share_with_companies", "erasure_requested_at", "arrival_on", "home_municipality",
    "residence_route",
}  # fmt: skip
PHASE_KEYS = {"current", "paused_from", "entered_at", "signed_off_at", "immersion_start",
              "immersion_planned_end", "withdrawn_reason"}  # fmt: skip
UTC_ISO = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ")


def dutch() -> Translations:
    return Translations.load(str(REPO / "translations"), ["nl"])


@pytest.fixture(autouse=True)
def real_jobs(app):
    """Jobs run for real here (no handler is stubbed)."""
    yield


def seeded():
    """Anna (in Dutch) with data in every section; returns (candidate, mentor, staff, docs)."""
    staff = make_user("staff", name="Desk Dirk")
    mentor = make_user("mentor", name="Mentor Mieke")
    candidate = make_candidate(name="Anna Shikongo", locale="nl", phase="mentoring",
                               mentor=mentor, phone=PHONE, degree_level="master")  # fmt: skip
    db.session.add_all(
        [
            CandidateSkill(candidate_id=candidate.id, skill="python"),
            CandidateMunicipality(candidate_id=candidate.id, municipality="Genk"),
            RelocationStep(candidate_id=candidate.id, step="bank_account",
                           done_on=date(2026, 11, 2), recorded_by_id=candidate.user_id),
        ]
    )  # fmt: skip
    make_assessment(candidate, "B1")
    db.session.add(
        MentoringMeeting(
            candidate_id=candidate.id,
            mentor_id=mentor.id,
            met_on=date(2026, 11, 20),
            note="Talked about housing.",
        )
    )
    make_placement(candidate, accepted=False)
    db.session.add(
        AuditEvent(
            candidate_id=candidate.id,
            action="pause",
            from_phase="mentoring",
            to_phase="on_hold",
            reason="Visa appointment",
        )
    )
    db.session.add(
        Reminder(
            rule="book_assessment",
            candidate_id=candidate.id,
            recipient_id=candidate.user_id,
            due_at=utcnow(),
            anchor="2026-12-01",
            params={},
            status="sent",
            sent_at=utcnow(),
        )
    )
    db.session.add(
        Consent(
            candidate_id=candidate.id,
            action="given",
            actor_id=staff.id,
            on_behalf=True,
            note="Form signed at the desk",
        )
    )
    db.session.add(
        AccountEvent(
            kind="login", user_id=candidate.user_id, actor_id=candidate.user_id, address="192.0.2.7"
        )
    )
    db.session.commit()
    passport = documents.upload(candidate.user, "passport", PDF, "paspoort Anna.pdf")
    diploma = documents.upload(candidate.user, "diploma", PNG, "diplôma.png")
    db.session.commit()
    documents.read_document(staff, passport.id)  # logged: staff downloaded it
    db.session.commit()
    return candidate, mentor, staff, [passport, diploma]


def run_export(export: DataExport) -> DataExport:
    db.session.commit()
    assert jobs.work() >= 1
    db.session.expire_all()
    return db.session.get(DataExport, export.id)


def delivered(outbox) -> list:
    """The dispatcher sends the "ready" notification the job wrote to the outbox."""
    db.session.commit()
    reminders.dispatch(now=utcnow() + timedelta(seconds=1), worker="w", until_empty=True)
    return outbox.messages


def opened(export: DataExport) -> zipfile.ZipFile:
    path = data_export.folder() / export.stored_name
    return zipfile.ZipFile(io.BytesIO(path.read_bytes()))


def test_the_zip_holds_every_section_every_document_and_a_dutch_summary(ctx, outbox):
    candidate, mentor, staff, docs = seeded()
    export = data_export.request_export(candidate.user, candidate)
    assert export.status == "queued" and export.for_user_id == candidate.user_id
    export = run_export(export)
    assert export.status == "ready"
    assert export.expires_at == export.ready_at + timedelta(days=7)
    raw = (data_export.folder() / export.stored_name).read_bytes()
    assert export.size == len(raw) and export.sha256 == hashlib.sha256(raw).hexdigest()

    archive = opened(export)
    data = json.loads(archive.read("data.json"))
    assert set(data) == TOP
    assert data["schema"] == "onthaal.data-export/1"
    assert UTC_ISO.fullmatch(data["generated_at"])
    assert data["requested_by"] == "candidate"
    assert set(data["profile"]) == PROFILE_KEYS
    assert set(data["phase"]) == PHASE_KEYS
    for section, keys in SECTION_KEYS.items():
        assert data[section], f"{section} is empty"
        assert all(set(item) == keys for item in data[section]), section
    profile = data["profile"]
    assert profile["name"] == "Anna Shikongo" and profile["phone"] == PHONE
    assert profile["email"] == candidate.user.email and profile["language"] == "nl"
    assert profile["skills"] == ["python"] and profile["municipalities"] == ["Genk"]
    assert profile["degree_level"] == "master" and profile["mentor"] == "Mentor Mieke"
    assert data["phase"]["current"] == "mentoring"
    assert {"document_uploaded", "pause"} <= {e["action"] for e in data["history"]}
    pause = next(e for e in data["history"] if e["action"] == "pause")
    assert (pause["from_phase"], pause["to_phase"], pause["reason"]) == (
        "mentoring", "on_hold", "Visa appointment")  # fmt: skip
    assert data["assessments"][0]["level"] == "B1"
    assert data["meetings"] == [
        {"date": "2026-11-20", "mentor": "Mentor Mieke", "note": "Talked about housing."}
    ]
    assert data["placements"][0]["status"] == "proposed"
    assert data["reminders"][0]["rule"] == "book_assessment" and data["reminders"][0]["to_you"]
    assert data["consents"][0]["on_behalf"] and data["consents"][0]["by"] == "Desk Dirk"
    assert data["account_events"][0]["address"] == "192.0.2.7"
    assert data["missing_documents"] == []
    access = data["document_access"]
    assert [(a["viewer"], a["viewer_role"], a["action"], a["document_kind"]) for a in access] == [
        ("Desk Dirk", "staff", "downloaded", "passport")
    ]
    # every document, with its bytes
    by_id = {d["id"]: d for d in data["documents"]}
    for document, content in zip(docs, (PDF, PNG), strict=True):
        entry = by_id[document.id]
        assert entry["path"].startswith(f"documents/{document.id}-")
        assert entry["sha256"] == hashlib.sha256(content).hexdigest() == document.sha256
        assert entry["size"] == len(content)
        assert archive.read(entry["path"]) == content
    assert by_id[docs[1].id]["path"] == f"documents/{docs[1].id}-diploma.png"
    # the summary, in Dutch, self-contained
    summary = archive.read("summary.html").decode()
    assert '<html lang="nl">' in summary
    assert dutch().gettext("Country of origin") in summary
    assert "<script" not in summary and "http" not in summary.replace(
        "http-equiv", "")  # fmt: skip
    assert "Anna Shikongo" in summary and PHONE in summary
    # the email: to Anna, in her language, a link to the page (never the file)
    [message] = [m for m in delivered(outbox) if m["To"] == candidate.user.email]
    body = text_of(message)
    assert message["Content-Language"] == "nl"
    assert "/me/data" in body and export.stored_name not in body


def test_summary_escapes_what_people_typed(ctx):
    candidate = make_candidate(name="Eve", locale="en")
    db.session.add(MentoringMeeting(candidate_id=candidate.id,
                                    mentor_id=make_user("mentor").id, met_on=date(2026, 1, 2),
                                    note="<script>alert(1)</script>"))  # fmt: skip
    db.session.commit()
    export = run_export(data_export.request_export(candidate.user, candidate))
    summary = opened(export).read("summary.html").decode()
    assert "<script>" not in summary and "&lt;script&gt;" in summary


def test_one_open_request_at_a_time(ctx):
    candidate = make_candidate()
    staff = make_user("staff")
    data_export.request_export(candidate.user, candidate)
    with pytest.raises(Refused):
        data_export.request_export(candidate.user, candidate)
    with pytest.raises(Refused):
        data_export.request_export(staff, candidate, "letter received 2 December")
    db.session.commit()
    jobs.work()
    assert data_export.request_export(candidate.user, candidate).status == "queued"


def test_staff_need_a_note_and_get_the_export_themselves(ctx, outbox):
    candidate = make_candidate(locale="af")
    staff = make_user("staff", locale="nl")
    with pytest.raises(Refused):
        data_export.request_export(staff, candidate, "  ")
    export = data_export.request_export(staff, candidate, "letter received 2 December")
    assert export.for_user_id == staff.id and export.note == "letter received 2 December"
    export = run_export(export)
    assert json.loads(opened(export).read("data.json"))["requested_by"] == "welcome_desk"
    [message] = [m for m in delivered(outbox) if m["To"] == staff.email]
    assert f"/desk/candidates/{candidate.id}/data" in text_of(message)
    assert not [m for m in outbox.messages if m["To"] == candidate.user.email]


def test_a_candidate_cannot_ask_for_someone_elses_data(ctx):
    candidate, other = make_candidate(), make_candidate()
    with pytest.raises(NotFound):
        data_export.request_export(other.user, candidate)


def test_expiry_boundary_and_only_for_user_downloads(ctx):
    candidate = make_candidate()
    mentor = make_user("mentor")
    candidate.mentor = mentor
    staff, other = make_user("staff"), make_candidate()
    export = run_export(data_export.request_export(candidate.user, candidate))
    second = export.expires_at - timedelta(seconds=1)
    found, path = data_export.for_download(candidate.user, export.id, now=second)
    assert found.downloaded_at == second and path.is_file()
    with pytest.raises(data_export.ExportExpired):
        data_export.for_download(candidate.user, export.id, now=export.expires_at)
    for someone in (staff, mentor, other.user):
        with pytest.raises(NotFound):
            data_export.for_download(someone, export.id, now=second)


def test_a_failing_job_marks_the_export_failed_and_leaves_no_file(ctx, monkeypatch):
    candidate = make_candidate()
    export = data_export.request_export(candidate.user, candidate)
    db.session.get(Job, export.job_id).max_attempts = 1
    db.session.commit()
    before = set(data_export.folder().iterdir())

    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(data_export, "_copy_into", broken)
    monkeypatch.setattr(data_export, "write_zip", _failing_after_write(data_export.write_zip))
    assert jobs.work() == 1
    db.session.expire_all()
    assert db.session.get(DataExport, export.id).status == "failed"
    assert set(data_export.folder().iterdir()) == before


def _failing_after_write(write_zip):
    def write_then_fail(sources, data, summary, target, beat):
        write_zip([], data, summary, target, beat)
        assert target.exists()
        raise OSError("disk full")

    return write_then_fail


def test_a_rolled_back_build_leaves_no_file(ctx):
    candidate = make_candidate()
    documents.upload(candidate.user, "cv", PDF, "cv.pdf")
    export = data_export.request_export(candidate.user, candidate)
    db.session.commit()
    before = set(data_export.folder().iterdir())
    with pytest.raises(RuntimeError), transaction():
        data_export.build({"export_id": export.id}, lambda: None)
        assert len(set(data_export.folder().iterdir()) - before) == 1
        raise RuntimeError("the commit never happens")
    assert set(data_export.folder().iterdir()) == before
    db.session.expire_all()
    assert db.session.get(DataExport, export.id).status == "queued"


def test_the_access_log_skips_the_candidate_themself(ctx):
    candidate = make_candidate()
    assert document_access.record(candidate.user, candidate, "listed") is None
    mentor = make_user("mentor")
    assert document_access.record(mentor, candidate, "listed").viewer_role == "mentor"
    db.session.commit()
    rows = db.session.scalars(select(DocumentAccess).where(
        DocumentAccess.candidate_id == candidate.id)).all()  # fmt: skip
    assert len(rows) == 1


# -- what the copy must not hand over, and what it must not hide ------------------------------


def test_staff_members_addresses_are_not_in_the_export(ctx):
    candidate = make_candidate()
    staff = make_user("staff")
    db.session.add_all(
        [
            AccountEvent(kind="login", user_id=candidate.user_id, actor_id=candidate.user_id,
                         address="192.0.2.7"),
            AccountEvent(kind="password_reset_requested", user_id=candidate.user_id,
                         actor_id=staff.id, address="198.51.100.9"),
            AccountEvent(kind="login", user_id=candidate.user_id, actor_id=None,
                         address="203.0.113.5"),
        ]
    )  # fmt: skip
    db.session.commit()
    export = run_export(data_export.request_export(candidate.user, candidate))
    raw = opened(export).read("data.json").decode()
    addresses = [row["address"] for row in json.loads(raw)["account_events"]]
    assert sorted(addresses, key=str) == ["192.0.2.7", None, None]
    assert "198.51.100.9" not in raw and "203.0.113.5" not in raw


def test_a_document_whose_file_is_gone_is_stated_not_hidden(ctx, caplog):
    candidate = make_candidate(locale="en")
    kept = documents.upload(candidate.user, "diploma", PNG, "diploma.png")
    lost = documents.upload(candidate.user, "passport", PDF, "paspoort_Zanele_Mokoena.pdf")
    db.session.commit()
    (documents.folder() / lost.stored_name).unlink()
    with caplog.at_level("WARNING", logger="onboarding.services.data_export"):
        export = run_export(data_export.request_export(candidate.user, candidate))
    assert export.status == "ready"
    archive = opened(export)
    data = json.loads(archive.read("data.json"))
    assert data["missing_documents"] == [
        {"id": lost.id, "kind": "passport", "original_name": "paspoort_Zanele_Mokoena.pdf",
         "uploaded_at": data["missing_documents"][0]["uploaded_at"]}
    ]  # fmt: skip
    by_id = {entry["id"]: entry for entry in data["documents"]}
    assert by_id[lost.id]["path"] is None and by_id[lost.id]["sha256"] is None
    assert archive.read(by_id[kept.id]["path"]) == PNG
    assert not [name for name in archive.namelist() if f"documents/{lost.id}-" in name]
    summary = archive.read("summary.html").decode()
    assert "could not be found" in summary and "file not found" in summary
    assert any(str(lost.id) in message for message in caplog.messages)
    assert not any("Zanele" in message for message in caplog.messages)


def test_a_file_gone_while_the_zip_is_written_is_still_listed(ctx, monkeypatch):
    candidate = make_candidate(locale="en")
    lost = documents.upload(candidate.user, "passport", PDF, "passport.pdf")
    db.session.commit()
    original = data_export.write_zip

    def vanishing(sources, *args):
        (documents.folder() / lost.stored_name).unlink()
        return original(sources, *args)

    monkeypatch.setattr(data_export, "write_zip", vanishing)
    export = run_export(data_export.request_export(candidate.user, candidate))
    data = json.loads(opened(export).read("data.json"))
    assert [row["id"] for row in data["missing_documents"]] == [lost.id]
    assert data["documents"][0]["path"] is None


def test_the_desks_download_of_a_postal_export_is_in_the_access_log(ctx):
    candidate = make_candidate()
    staff = make_user("staff")
    export = run_export(data_export.request_export(staff, candidate, "Letter of 2 December"))
    data_export.for_download(staff, export.id)
    db.session.commit()
    rows = db.session.scalars(
        select(DocumentAccess).where(DocumentAccess.candidate_id == candidate.id)
    ).all()
    assert [(r.viewer_id, r.viewer_role, r.action, r.document_id, r.document_kind)
            for r in rows] == [(staff.id, "staff", "downloaded", None, "data_export")]  # fmt: skip
    own = run_export(data_export.request_export(candidate.user, candidate))
    data_export.for_download(candidate.user, own.id)
    db.session.commit()
    assert len(document_access.log_of(candidate)) == 1  # the candidate's own is not logged
