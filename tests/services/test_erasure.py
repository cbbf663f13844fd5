"""Erasure (Art. 17) and the retention purge.

The scan: one candidate with personal data in every table that can hold some, and a second
one who must stay untouched; after the erasure every text and JSON column of every table —
reflected from the database, so a new table cannot be forgotten — and the documents and
exports folders are searched for the name, email address, phone number, institution, the
free texts and the document's bytes and checksum. Nothing may remain; the reports' figures
are the same before and after.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import time
from datetime import UTC, date, datetime, timedelta

import pytest
from flask import current_app
from sqlalchemy import JSON, MetaData, String, Text, func, select

from onboarding.db import count_of, transaction
from onboarding.extensions import db
from onboarding.models import (
    AccountEvent,
    AuditEvent,
    Base,
    Candidate,
    CandidateMunicipality,
    CandidateSkill,
    Consent,
    DataExport,
    DataPurge,
    Document,
    DocumentAccess,
    ImportJob,
    Invitation,
    Job,
    LanguageAssessment,
    MentoringMeeting,
    Placement,
    RecoveryCode,
    RelocationStep,
    Reminder,
    User,
)
from onboarding.services import erasure, reports, retention
from onboarding.services.errors import Conflict, Refused
from onboarding.storage import private_folder
from tests.factories import make_company, make_user

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)

NAME = "Zanele Xyzzy-Mokoena"
EMAIL = "zanele.xyzzy@example.org"
# What she was called and where she was written to before the desk corrected it.
OLD_NAME = "Zanele Quorble"
OLD_EMAIL = "zq.quorble@example.net"
PHONE = "+264 81 555 0199"
INSTITUTION = "Quuxbridge Institute of Technology"
FREE = "plughtext"  # every free text seeded for the candidate contains this word
DOCUMENT_BYTES = b"%PDF-1.4 frobnicated passport of the candidate " + secrets.token_bytes(16)
EXPORT_BYTES = b"PK zip of everything about the candidate frobnicated"
NEEDLES = (
    NAME.lower(),
    EMAIL,
    PHONE,
    "555 0199",
    INSTITUTION.lower(),
    FREE,
    "xyzzy",
    "frobnicated",
    hashlib.sha256(DOCUMENT_BYTES).hexdigest(),
    hashlib.sha256(EXPORT_BYTES).hexdigest(),
    OLD_NAME.lower(),
    OLD_EMAIL,
    "quorble",
)
# Filled in by the scan: how much of the schema it read (the closing note quotes it).
SCANNED: dict[str, int] = {}


def _file(folder: str, content: bytes) -> str:
    name = secrets.token_hex(24)  # as stored files are named (services.documents.STORED_NAME)
    (private_folder(folder) / name).write_bytes(content)
    return name


def seed(name=NAME, email=EMAIL, phone=PHONE, institution=INSTITUTION, free=FREE,
         document_bytes=DOCUMENT_BYTES, export_bytes=EXPORT_BYTES, phase="mentoring"):  # fmt: skip
    """A candidate with personal data in every table that can hold some; answers ids."""
    staff = make_user("staff")
    mentor = make_user("mentor")
    company = make_company()
    user = User(email=email, name=name, role="candidate", locale="nl",
                password_hash="argon2-hash", calendar_token=secrets.token_hex(16),
                totp_secret="JBSWY3DPEHPK3PXP")  # fmt: skip
    db.session.add(user)
    db.session.flush()
    candidate = Candidate(
        user=user, country_code="NA", origin_institution=institution, stem_field="engineering",
        graduation_date=date(2025, 6, 30), outreach_channel="partner_referral", phone=phone,
        phase=phase, mentor_id=mentor.id, consent_at=NOW - timedelta(days=300),
        arrival_on=date(2026, 3, 2), home_municipality="Genk",
        created_at=NOW - timedelta(days=300), phase_entered_at=NOW - timedelta(days=100),
        withdrawn_reason=f"{free} moved back home",
    )  # fmt: skip
    db.session.add(candidate)
    db.session.flush()
    cid, uid = candidate.id, user.id
    db.session.add_all([
        CandidateSkill(candidate_id=cid, skill=f"{free}-welding"),
        CandidateMunicipality(candidate_id=cid, municipality=f"{free}dorp"),
        RelocationStep(candidate_id=cid, step="vdab_registration",
                       skipped_reason=f"{free}: {name} already works for the employer",
                       recorded_by_id=staff.id),
        AuditEvent(candidate_id=cid, actor_id=staff.id, action="start_immersion",
                   from_phase="outreach", to_phase="language_immersion",
                   at=NOW - timedelta(days=250), reason=f"{free}: {name} asked for it"),
        AuditEvent(candidate_id=cid, actor_id=staff.id, action="start_mentoring",
                   from_phase="language_immersion", to_phase="mentoring",
                   at=NOW - timedelta(days=100), detail="dutch_override",
                   reason=f"{free} speaks Dutch at home"),
        AuditEvent(candidate_id=cid, actor_id=staff.id, action="details_corrected",
                   from_phase="mentoring", to_phase="mentoring", at=NOW - timedelta(days=90),
                   detail=f"{name}, {email}"),
        LanguageAssessment(candidate_id=cid, level="B1", assessed_on=date(2026, 5, 1),
                           note=f"{free} good listener", recorded_by_id=staff.id,
                           created_at=NOW - timedelta(days=200)),
        MentoringMeeting(candidate_id=cid, mentor_id=mentor.id, met_on=date(2026, 9, 1),
                         note=f"{free}: {name} talked about her family"),
        Placement(candidate_id=cid, company_id=company.id, project_title="Battery pilot",
                  status="declined", closed_reason=f"{free} chose another offer"),
        Consent(candidate_id=cid, action="given", actor_id=staff.id, on_behalf=True,
                note=f"{free}: by phone with {name}"),
        Invitation(user_id=uid, token_hash=secrets.token_hex(32), expires_at=NOW),
        RecoveryCode(user_id=uid, code_hash=secrets.token_hex(32)),
        AccountEvent(user_id=uid, actor_id=uid, kind="name_changed", detail=f"Z → {name}"),
        AccountEvent(user_id=staff.id, actor_id=staff.id, kind="invitation_sent", detail=email),
        AccountEvent(user_id=None, kind="login_failed", detail=email, address="192.0.2.7"),
        Reminder(rule="profile_incomplete", candidate_id=cid, recipient_id=uid, due_at=NOW,
                 anchor="2026-11-30", params={"name": name}, status="sent", sent_at=NOW,
                 last_error=f"{free} mailbox full"),
        Reminder(rule="meeting_due", candidate_id=cid, recipient_id=mentor.id, due_at=NOW,
                 anchor="2026-11-30", params={"candidate": name}),
        Job(kind="reset-password", payload={"email": email}, status="done"),
        Job(kind="data-export", payload={"candidate_id": cid}, status="queued"),
    ])  # fmt: skip
    document = Document(
        candidate_id=cid, kind="passport", original_name=f"{free}-passport.pdf",
        stored_name=_file("documents", document_bytes), content_type="application/pdf",
        size=len(document_bytes), sha256=hashlib.sha256(document_bytes).hexdigest(),
        status="rejected", rejection_reason=f"{free} blurry", uploaded_by_id=uid,
    )  # fmt: skip
    db.session.add(document)
    db.session.flush()
    db.session.add(DocumentAccess(candidate_id=cid, document_id=document.id,
                                  document_kind="passport", viewer_id=staff.id,
                                  viewer_role="staff", action="downloaded"))  # fmt: skip
    db.session.add(
        DataExport(
            candidate_id=cid,
            for_user_id=uid,
            requested_by_id=staff.id,
            note=f"{free} letter",
            status="ready",
            stored_name=_file("exports", export_bytes),
            size=len(export_bytes),
            sha256=hashlib.sha256(export_bytes).hexdigest(),
            ready_at=NOW,
            expires_at=NOW + timedelta(days=7),
        )  # fmt: skip
    )
    db.session.add(
        ImportJob(
            filename="prospects.csv", status="done", total_rows=2, processed_rows=2,
            rows=[{"name": name, "email": email, "origin_institution": institution},
                  {"name": "Other Person", "email": "other.person@example.org"}],
            errors=[{"row": 4, "messages": [{"code": "email_taken", "column": "email",
                                             "value": email}]},
                    {"row": 5, "messages": [{"code": "required", "column": "name"}]}],
        )
    )  # fmt: skip
    db.session.commit()
    return {"candidate": cid, "user": uid, "staff": staff.id, "document": document.stored_name}


def seed_history(seeded) -> None:
    """An email and a name change, the earlier values quoted elsewhere (another account's
    invitation line, a failed login, an import row, a reset job), failure texts naming her,
    and a placement under a title typed in (no project)."""
    uid, staff = seeded["user"], seeded["staff"]
    candidate = db.session.get(Candidate, seeded["candidate"])
    db.session.add_all([
        AccountEvent(user_id=uid, actor_id=staff, kind="email_changed",
                     detail=f"{OLD_EMAIL} → {EMAIL}"),
        AccountEvent(user_id=uid, actor_id=staff, kind="name_changed",
                     detail=f"{OLD_NAME} → {NAME}"),
        AccountEvent(user_id=staff, actor_id=staff, kind="invitation_sent", detail=OLD_EMAIL),
        AccountEvent(user_id=None, kind="login_failed", detail=OLD_EMAIL.upper()),
        Job(kind="reset-password", payload={"email": OLD_EMAIL}, status="failed",
            failure=f"SMTP 550 for <{OLD_EMAIL}>: {FREE} mailbox unavailable"),
        Job(kind="send-mail", payload={"template": "welcome"}, status="failed",
            failure=f"could not render the letter to {NAME}"),
        ImportJob(filename="old.csv", status="failed", total_rows=1, processed_rows=0,
                  rows=[{"name": OLD_NAME, "email": OLD_EMAIL.upper()}], errors=[],
                  failure=f"row 2: {OLD_EMAIL} is not allowed ({FREE})"),
        ImportJob(filename="empty.csv", status="failed", total_rows=0, processed_rows=0,
                  rows=[], errors=[], failure=f"stopped at {OLD_NAME}"),
        Placement(candidate_id=candidate.id, company_id=make_company().id,
                  project_title=f"{FREE} internship for {NAME}", status="proposed"),
    ])  # fmt: skip
    db.session.commit()


def erase_now(candidate_id: int, actor_id: int | None = None):
    with transaction():
        actor = db.session.get(User, actor_id) if actor_id else None
        return erasure.erase(actor, db.session.get(Candidate, candidate_id), now=NOW)


def report():
    return reports.build_report(reports.ReportFilter())


def scan(needles) -> list[str]:
    """Every text/JSON column of every reflected table, searched for each needle."""
    metadata = MetaData()
    metadata.reflect(bind=db.session.connection())
    found, tables, columns = [], 0, 0
    # By name: users and partners point at each other, so there is no dependency order.
    for table in sorted(metadata.tables.values(), key=lambda t: t.name):
        texts = [c for c in table.columns if isinstance(c.type, String | Text | JSON)]
        tables += 1
        columns += len(texts)
        if not texts:
            continue
        for row in db.session.execute(select(*texts)):
            for column, value in zip(texts, row, strict=True):
                if value is None:
                    continue
                text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
                hits = [n for n in needles if n in text.lower()]
                if hits:
                    found.append(f"{table.name}.{column.name}: {hits}")
    SCANNED.update(tables=tables, text_columns=columns)
    return found


def folder_hits(*contents: bytes) -> list[str]:
    hits = []
    for folder in ("documents", "exports"):
        for path in private_folder(folder).iterdir():
            data = path.read_bytes()
            if any(content in data for content in contents):
                hits.append(f"{folder}/{path.name}")
    return hits


def test_the_scan_finds_nothing_of_an_erased_candidate(app, ctx):
    erased = seed()
    seed_history(erased)
    other_name, other_email = "Thabo Keep-Untouched", "thabo.keep@example.org"
    other_bytes = b"%PDF-1.4 the other candidate's diploma " + secrets.token_bytes(8)
    other = seed(name=other_name, email=other_email, phone="+27 82 444 1234",
                 institution="Keepsake University", free="keepword",
                 document_bytes=other_bytes, export_bytes=b"PK other export")  # fmt: skip
    other_needles = (other_name.lower(), other_email, "444 1234", "keepsake", "keepword")
    before = report()
    # The seeding really put the needles everywhere the scan looks.
    assert len(scan(NEEDLES)) >= 20
    seeded_hits = scan(NEEDLES)
    for column in ("jobs.failure", "import_jobs.failure", "placements.project_title",
                   "account_events.detail", "import_jobs.rows", "jobs.payload"):  # fmt: skip
        assert any(hit.startswith(column + ":") for hit in seeded_hits), column

    purge = erase_now(erased["candidate"], erased["staff"])

    found = scan(NEEDLES)
    print(f"scanned {SCANNED['tables']} tables, {SCANNED['text_columns']} text/JSON columns")
    assert found == []
    # Every table of the models (and Alembic's own) was read.
    assert SCANNED["tables"] == len(Base.metadata.tables) + 1
    assert SCANNED["text_columns"] >= 100
    assert folder_hits(DOCUMENT_BYTES, EXPORT_BYTES) == []
    assert not (private_folder("documents") / erased["document"]).exists()
    assert report() == before

    # The second candidate is untouched: every needle of theirs is still where it was.
    kept = scan(other_needles)
    for table in ("users.name", "users.email", "candidates.phone", "documents.original_name",
                  "relocation_steps.skipped_reason",
                  "mentoring_meetings.note", "audit_events.reason", "consents.note",
                  "import_jobs.rows", "import_jobs.errors", "account_events.detail",
                  "data_exports.note", "placements.closed_reason", "reminders.params"):  # fmt: skip
        assert any(hit.startswith(table + ":") for hit in kept), table
    assert (private_folder("documents") / other["document"]).read_bytes() == other_bytes
    assert (
        count_of(select(func.count(Document.id)).where(Document.candidate_id == other["candidate"]))
        == 1
    )

    # What stays of the erased candidate: an anonymous row the reports count.
    candidate = db.session.get(Candidate, erased["candidate"])
    assert candidate.erased_at == NOW and candidate.phase == "mentoring"
    assert candidate.name == "Erased candidate"
    user = candidate.user
    assert user.email == f"erased-{user.id}@erased.invalid" and not user.active
    assert user.password_hash is None and user.totp_secret is None and user.calendar_token is None
    assert user.session_generation == 1
    kept_codes = db.session.scalars(
        select(AuditEvent.detail).where(AuditEvent.candidate_id == candidate.id)
    ).all()
    assert "dutch_override" in kept_codes
    assert candidate.arrival_on is None and candidate.home_municipality is None
    actions = db.session.scalars(
        select(AuditEvent.action).where(AuditEvent.candidate_id == candidate.id)
    ).all()
    assert "erased" in actions

    # The purge log holds counts, no personal data.
    assert purge.rule == "erasure" and purge.actor_id == erased["staff"]
    assert purge.files == 2
    assert purge.rows["documents"] == 1 and purge.rows["consents"] == 1
    # Her own three, the other account's two lines and two failed logins with her addresses.
    assert purge.rows["account_events"] == 7 and purge.rows["reminders"] == 2
    assert all(isinstance(key, str) and isinstance(n, int) for key, n in purge.rows.items())
    assert not any(n in json.dumps(purge.rows).lower() for n in NEEDLES)


def test_what_goes_names_every_kind(app, ctx):
    seeded = seed()
    counts = erasure.what_goes(db.session.get(Candidate, seeded["candidate"]))
    assert set(counts) == set(erasure.WHAT_GOES_LABELS)
    assert counts["documents"] == 1 and counts["files"] == 2
    assert counts["notifications"] == 1 and counts["reminders"] == 1
    assert counts["tokens"] == 2 and counts["account_events"] == 3
    assert counts["consents"] == 1 and counts["document_access"] == 1
    assert counts["data_exports"] == 1 and counts["meetings"] == 1


def test_files_go_only_after_the_commit(app, ctx):
    seeded = seed()
    path = private_folder("documents") / seeded["document"]
    with pytest.raises(RuntimeError), transaction():
        erasure.erase(None, db.session.get(Candidate, seeded["candidate"]), now=NOW)
        assert path.exists()  # still there inside the transaction
        raise RuntimeError("crash before the commit")
    assert path.read_bytes() == DOCUMENT_BYTES
    candidate = db.session.get(Candidate, seeded["candidate"])
    assert candidate.erased_at is None and candidate.user.email == EMAIL
    assert count_of(select(func.count(Document.id)).where(Document.candidate_id == candidate.id))
    assert count_of(select(func.count(DataPurge.id))) == 0


def test_erasing_twice_or_under_a_legal_hold_is_refused(app, ctx):
    seeded = seed()
    staff = db.session.get(User, seeded["staff"])
    candidate = db.session.get(Candidate, seeded["candidate"])
    with pytest.raises(Refused):
        retention.hold(staff, candidate, "   ")
    retention.hold(staff, candidate, "Court case 12/2026", now=NOW)
    db.session.commit()
    with pytest.raises(Refused):
        erasure.erase(staff, candidate)
    retention.release(staff, candidate)
    with pytest.raises(Conflict):
        retention.release(staff, candidate)
    erase_now(candidate.id, staff.id)
    with pytest.raises(Conflict):
        erasure.erase(staff, db.session.get(Candidate, candidate.id))
    mentor = make_user("mentor")
    from onboarding.services.errors import Forbidden

    with pytest.raises(Forbidden):
        retention.hold(mentor, db.session.get(Candidate, candidate.id), "x")


def test_an_erased_candidate_leaves_the_board_and_its_search(app, ctx):
    from onboarding.services import board

    seeded = seed()
    staying = seed(name="Thabo Stays", email="thabo.stays@example.org", free="keepword")
    erase_now(seeded["candidate"])
    shown = db.session.scalars(board.board_query(board.BoardFilter())).all()
    assert [c.id for c in shown] == [staying["candidate"]]
    assert db.session.scalars(board.board_query(board.BoardFilter(search="erased"))).all() == []


# -- retention ---------------------------------------------------------------------------------


def _candidate(phase: str, entered: datetime, **fields) -> Candidate:
    user = make_user("candidate")
    candidate = Candidate(
        user=user, country_code="ZA", origin_institution="UCT", stem_field="engineering",
        graduation_date=date(2024, 6, 30), outreach_channel="partner_referral", phase=phase,
        phase_entered_at=entered, **fields,
    )  # fmt: skip
    db.session.add(candidate)
    db.session.commit()
    return candidate


def _document(candidate: Candidate, status: str, reviewed: datetime | None) -> Document:
    document = Document(candidate_id=candidate.id, kind="diploma", original_name="d.pdf",
                        stored_name=_file("documents", b"%PDF-1.4 d"),
                        content_type="application/pdf", size=10, sha256="0" * 64,
                        status=status, reviewed_at=reviewed)  # fmt: skip
    db.session.add(document)
    db.session.commit()
    return document


def _make(rule: str, due_at: datetime):
    """A thing `rule` removes at `due_at`; answers (kind, id) to look for in the items."""
    config = current_app.config
    if rule in ("withdrawn", "placed"):
        days = config[
            "RETENTION_WITHDRAWN_DAYS" if rule == "withdrawn" else "RETENTION_PLACED_DAYS"
        ]
        return ("candidate", _candidate(rule, due_at - timedelta(days=days)).id)
    if rule == "rejected_document":
        days = config["RETENTION_REJECTED_DOCUMENT_DAYS"]
        candidate = _candidate("mentoring", NOW - timedelta(days=10))
        return ("target", _document(candidate, "rejected", due_at - timedelta(days=days)).id)
    if rule == "unused_invitation":
        days = config["RETENTION_INVITATION_DAYS"]
        invitation = Invitation(user_id=make_user("mentor").id, token_hash=secrets.token_hex(32),
                                expires_at=due_at - timedelta(days=days))  # fmt: skip
        db.session.add(invitation)
        db.session.commit()
        return ("target", invitation.id)
    if rule == "import_job":
        days = config["RETENTION_IMPORT_DAYS"]
        job = ImportJob(filename="p.csv", status="done", rows=[{"email": "a@example.org"}],
                        errors=[], finished_at=due_at - timedelta(days=days))  # fmt: skip
        db.session.add(job)
        db.session.commit()
        return ("target", job.id)
    if rule == "data_export":
        candidate = _candidate("mentoring", NOW - timedelta(days=10))
        export = DataExport(candidate_id=candidate.id, for_user_id=candidate.user_id,
                            status="ready", stored_name=_file("exports", b"PK"),
                            expires_at=due_at)  # fmt: skip
        db.session.add(export)
        db.session.commit()
        return ("target", export.id)
    raise AssertionError(rule)


def _found(items, rule, made) -> bool:
    kind, ident = made
    return any(
        item.rule == rule
        and (item.candidate_id if kind == "candidate" else item.target_id) == ident
        for item in items
    )


RULES = ("withdrawn", "placed", "rejected_document", "unused_invitation", "import_job",
         "data_export")  # fmt: skip


@pytest.mark.parametrize("rule", RULES)
def test_retention_boundaries(app, ctx, rule):
    tomorrow = _make(rule, NOW + timedelta(days=1))
    today = _make(rule, NOW)
    yesterday = _make(rule, NOW - timedelta(days=1))
    pending = retention.pending(NOW)
    assert not _found(pending, rule, tomorrow)  # a day before its date: kept
    assert _found(pending, rule, today) and _found(pending, rule, yesterday)
    # The desk sees a week ahead.
    assert _found(retention.due(NOW), rule, tomorrow)
    result = retention.purge(NOW)
    assert _found(result.items, rule, today) and _found(result.items, rule, yesterday)
    assert not _found(result.items, rule, tomorrow)
    assert not _found(retention.pending(NOW), rule, today)  # gone, or emptied
    logged = db.session.scalars(select(DataPurge.rule).where(DataPurge.rule == rule)).all()
    assert len(logged) == 2


def test_what_each_rule_does(app, ctx):
    withdrawn = _make("withdrawn", NOW)[1]
    document = _make("rejected_document", NOW)[1]
    stored = db.session.get(Document, document).stored_name
    invitation = _make("unused_invitation", NOW)[1]
    job = _make("import_job", NOW)[1]
    export = _make("data_export", NOW)[1]
    export_file = db.session.get(DataExport, export).stored_name
    result = retention.purge(NOW)
    assert result.candidate_ids() == [withdrawn]
    assert db.session.get(Candidate, withdrawn).erased_at == NOW
    purge = db.session.scalars(select(DataPurge).where(DataPurge.rule == "withdrawn")).one()
    assert purge.actor_id is None and purge.candidate_id == withdrawn
    assert db.session.get(Document, document) is None
    assert not (private_folder("documents") / stored).exists()
    assert db.session.get(Invitation, invitation) is None
    emptied = db.session.get(ImportJob, job)
    assert emptied.rows == [] and emptied.errors == [] and emptied.status == "done"
    gone = db.session.get(DataExport, export)
    assert gone.status == "expired" and gone.stored_name is None
    assert not (private_folder("exports") / export_file).exists()


def test_a_legal_hold_stops_the_purge(app, ctx):
    staff = make_user("staff")
    held = db.session.get(Candidate, _make("withdrawn", NOW - timedelta(days=30))[1])
    _document(held, "rejected", NOW - timedelta(days=400))
    retention.hold(staff, held, "Dispute with the employer", now=NOW)
    db.session.commit()
    assert [i for i in retention.pending(NOW) if i.candidate_id == held.id] == []
    assert [i for i in retention.due(NOW) if i.candidate_id == held.id] == []
    retention.purge(NOW)
    held = db.session.get(Candidate, held.id)
    assert held.erased_at is None
    assert count_of(select(func.count(Document.id)).where(Document.candidate_id == held.id)) == 1


def test_a_dry_run_changes_nothing(app, ctx):
    from tests.web.test_route_walk import row_counts

    for rule in RULES:
        _make(rule, NOW - timedelta(days=1))
    files = {
        f: sorted(p.name for p in private_folder(f).iterdir()) for f in ("documents", "exports")
    }
    before = row_counts(db.session.connection())
    result = retention.purge(NOW, dry_run=True)
    assert result.dry_run and set(result.counts()) >= set(RULES)
    assert row_counts(db.session.connection()) == before
    assert {f: sorted(p.name for p in private_folder(f).iterdir()) for f in files} == files
    assert count_of(select(func.count(DataPurge.id))) == 0


def test_the_orphan_sweep(app, ctx):
    candidate = _candidate("mentoring", NOW)
    kept_row = _document(candidate, "pending", None)
    old = time.time() - 2 * 86_400
    orphan = private_folder("documents") / _file("documents", b"left behind by a crash")
    export_orphan = private_folder("exports") / _file("exports", b"PK left behind")
    fresh = private_folder("documents") / _file("documents", b"an upload in progress")
    referenced = private_folder("documents") / kept_row.stored_name
    for path in (orphan, export_orphan, referenced):
        os.utime(path, (old, old))
    now = datetime.now(UTC)
    result = retention.purge(now)
    swept = {item.name for item in result.items if item.rule == "orphan_file"}
    assert f"documents/{orphan.name}" in swept and f"exports/{export_orphan.name}" in swept
    assert not orphan.exists() and not export_orphan.exists()
    assert fresh.exists() and referenced.exists()
    purge = db.session.scalars(select(DataPurge).where(DataPurge.rule == "orphan_file")).one()
    assert purge.files >= 2 and purge.candidate_id is None
    fresh.unlink()


def test_erasure_request_and_cancel(app, ctx):
    candidate = _candidate("mentoring", NOW)
    user = candidate.user
    erasure.request_erasure(user, now=NOW)
    erasure.request_erasure(user, now=NOW + timedelta(days=1))  # asked again: the first date
    db.session.commit()
    assert db.session.get(Candidate, candidate.id).erasure_requested_at == NOW
    assert [c.id for c in retention.erasure_requests()] == [candidate.id]
    erasure.cancel_erasure_request(user)
    db.session.commit()
    assert retention.erasure_requests() == []
    with pytest.raises(Conflict):
        erasure.cancel_erasure_request(user)
    actions = db.session.scalars(
        select(AuditEvent.action).where(AuditEvent.candidate_id == candidate.id)
    ).all()
    assert actions.count("erasure_requested") == 1 and "erasure_request_cancelled" in actions


def test_consent_withdrawals_are_listed_for_the_desk(app, ctx):
    withdrawn = _candidate("mentoring", NOW, consent_withdrawn_at=NOW)
    _candidate("mentoring", NOW, consent_at=NOW, consent_withdrawn_at=NOW - timedelta(days=3))
    assert [c.id for c in retention.consent_withdrawals()] == [withdrawn.id]


def test_an_erased_candidate_is_neither_matched_nor_reminded_about(app, ctx):
    from onboarding.models import Project
    from onboarding.services import matching, reminders

    seeded = seed(phase="mentoring")
    staying = seed(name="Thabo Stays", email="thabo.stays@example.org", free="keepword")
    project = Project(company=make_company(), title="Grid study", stem_fields=["engineering"])
    db.session.add(project)
    db.session.commit()
    before = {m.candidate.id for m in matching.candidates_for(project)}
    assert seeded["candidate"] in before  # in an eligible phase, so ranked until erased
    erase_now(seeded["candidate"])
    with transaction():
        reminders.reschedule_all(NOW)
        erased = db.session.get(Candidate, seeded["candidate"])
        reminders.reschedule(erased, NOW)
    assert {m.candidate.id for m in matching.candidates_for(project)} == before - {
        seeded["candidate"]
    }
    assert staying["candidate"] in before
    left = count_of(
        select(func.count(Reminder.id)).where(Reminder.candidate_id == seeded["candidate"])
    )
    assert left == 0


def test_erasure_matches_exactly_never_a_part_of_someone_elses_address_or_name(app, ctx):
    """Erasing ann@example.org ("Ann Smith") leaves joann@example.org ("Ann Smithson")
    alone: her login and invitation lines, import rows, queued reset job and failure texts."""
    ann = seed(name="Ann Smith", email="ann@example.org", phone="+32 470 11 22 33",
               institution="Frobcollege", free="plughfree")  # fmt: skip
    joann = seed(name="Ann Smithson", email="joann@example.org", phone="+32 470 99 88 77",
                 institution="Keepsake University", free="keepword")  # fmt: skip
    db.session.add_all([
        AccountEvent(user_id=None, kind="login_failed", detail="joann@example.org"),
        AccountEvent(user_id=joann["staff"], actor_id=joann["staff"], kind="invitation_sent",
                     detail="joann@example.org"),
        AccountEvent(user_id=None, kind="login_failed", detail="Ann Smithson"),
        Job(kind="reset-password", payload={"email": "joann@example.org"}, status="queued"),
        Job(kind="reset-password", payload={"email": "JoAnn@Example.org"}, status="failed",
            failure="SMTP 550 for <joann@example.org>: mailbox unavailable"),
        Job(kind="send-mail", payload={"template": "welcome"}, status="failed",
            failure="could not render the letter to Ann Smithson"),
        ImportJob(filename="joann.csv", status="done", total_rows=1, processed_rows=1,
                  rows=[{"name": "Ann Smithson", "email": "joann@example.org"}],
                  errors=[{"row": 2, "messages": [{"code": "email_taken", "column": "email",
                                                   "value": "joann@example.org"}]}],
                  failure="row 3: joann@example.org.invalid is not an address"),
    ])  # fmt: skip
    db.session.commit()
    events_before = db.session.scalars(
        select(AccountEvent.id).where(AccountEvent.detail.ilike("%joann%"))
    ).all()
    smithson_before = db.session.scalars(
        select(AccountEvent.id).where(AccountEvent.detail == "Ann Smithson")
    ).all()

    purge = erase_now(ann["candidate"], ann["staff"])

    # Ann's own lines went (her two seeded events naming her address, her own events) ...
    assert purge.rows["account_events"] == 3
    assert scan(("frobcollege", "plughfree", "11 22 33")) == []
    # ... Joann's are all still there.
    assert (
        db.session.scalars(
            select(AccountEvent.id).where(AccountEvent.detail.ilike("%joann%"))
        ).all()
        == events_before
        and len(events_before) == 4
    )
    assert (
        db.session.scalars(
            select(AccountEvent.id).where(AccountEvent.detail == "Ann Smithson")
        ).all()
        == smithson_before
    )
    reset_jobs = db.session.scalars(
        select(Job).where(Job.kind == "reset-password").order_by(Job.id)
    ).all()
    payloads = [job.payload for job in reset_jobs]
    assert {"email": "joann@example.org"} in payloads and {"email": "JoAnn@Example.org"} in payloads
    assert {"email": "ann@example.org"} not in payloads
    failures = set(db.session.scalars(select(Job.failure).where(Job.failure.is_not(None))))
    assert failures == {
        "SMTP 550 for <joann@example.org>: mailbox unavailable",
        "could not render the letter to Ann Smithson",
    }
    imports = {job.filename: job for job in db.session.scalars(select(ImportJob))}
    assert imports["joann.csv"].rows == [{"name": "Ann Smithson", "email": "joann@example.org"}]
    assert len(imports["joann.csv"].errors) == 1
    assert imports["joann.csv"].failure == "row 3: joann@example.org.invalid is not an address"
    # The shared import (seeded twice): Ann's row and problem gone, Joann's and the others kept.
    for job in (j for j in imports.values() if j.filename == "prospects.csv"):
        assert {"name": "Ann Smith", "email": "ann@example.org",
                "origin_institution": "Frobcollege"} not in job.rows  # fmt: skip
    assert any(
        row.get("email") == "joann@example.org" for j in imports.values() for row in (j.rows or [])
    )
    joann_user = db.session.get(User, joann["user"])
    assert joann_user.email == "joann@example.org" and joann_user.name == "Ann Smithson"


def test_a_placements_typed_in_title_is_neutralised_a_projects_title_kept(app, ctx):
    from onboarding.models import Project

    seeded = seed()
    company = make_company()
    project = Project(company=company, title="Grid study", stem_fields=["engineering"])
    db.session.add(project)
    db.session.flush()
    cid = seeded["candidate"]
    db.session.add_all([
        Placement(candidate_id=cid, company_id=company.id, project_id=project.id,
                  project_title="Grid study", status="declined"),
        Placement(candidate_id=cid, company_id=company.id, project_title=f"{NAME}'s own idea",
                  status="proposed"),
        Placement(candidate_id=cid, company_id=company.id, project_title="A second idea",
                  status="proposed"),
    ])  # fmt: skip
    db.session.commit()
    before = report()
    erase_now(cid)
    titles = db.session.scalars(
        select(Placement.project_title).where(Placement.candidate_id == cid).order_by(Placement.id)
    ).all()
    assert titles == [erasure.ERASED_TITLE, "Grid study", erasure.ERASED_TITLE,
                      f"{erasure.ERASED_TITLE} 2"]  # fmt: skip
    assert report() == before


def test_two_purges_of_the_same_due_set_do_each_item_once(app, ctx, monkeypatch):
    """Two workers at PURGE_HOUR both compute the list; the second one's items are done
    already when it gets to them: skipped, no second DataPurge row, nothing failed."""
    for rule in RULES:
        _make(rule, NOW - timedelta(days=1))
    with transaction(writes=False) as unit:
        stale = retention.pending(NOW)
        unit.veto()
    assert {item.rule for item in stale} >= set(RULES)
    first = retention.purge(NOW)
    assert first.failed == [] and set(first.counts()) >= set(RULES)
    logged = count_of(select(func.count(DataPurge.id)))

    monkeypatch.setattr(retention, "pending", lambda now: list(stale))
    second = retention.purge(NOW)
    assert second.failed == [] and second.items == []
    assert count_of(select(func.count(DataPurge.id))) == logged
    per_item = db.session.execute(
        select(DataPurge.rule, func.count(DataPurge.id)).group_by(DataPurge.rule)
    ).all()
    assert {rule: n for rule, n in per_item if rule in RULES} == {rule: 1 for rule in RULES}


def test_a_failed_purge_item_is_logged_without_personal_data(app, ctx, monkeypatch, caplog):
    import logging

    _make("import_job", NOW - timedelta(days=1))

    def boom(item, now, actor):
        raise RuntimeError("INSERT failed for zanele.xyzzy@example.org, Zanele Xyzzy-Mokoena")

    monkeypatch.setattr(retention, "_apply", boom)
    with caplog.at_level(logging.DEBUG, logger="onboarding.services.retention"):
        result = retention.purge(NOW)
    assert [why for _item, why in result.failed] == ["RuntimeError"]
    logged = "\n".join(
        record.getMessage()
        + (str(record.exc_info) if record.exc_info else "")
        + (record.exc_text or "")
        for record in caplog.records
    )
    assert "import_job" in logged and "RuntimeError" in logged
    assert "xyzzy" not in logged.lower() and not any(r.exc_info for r in caplog.records)


def test_sql_errors_never_quote_bound_parameters(app, ctx):
    from sqlalchemy.exc import IntegrityError

    assert current_app.config["SQLALCHEMY_ENGINE_OPTIONS"]["hide_parameters"] is True
    make_user("staff", email="taken@example.org")
    db.session.commit()
    with pytest.raises(IntegrityError) as raised:
        db.session.add(User(email="taken@example.org", name="Secret Name", role="staff"))
        db.session.flush()
    db.session.rollback()
    # (PostgreSQL's own message names the duplicate key: the purge logs an error's type only.)
    assert "parameters hidden" in str(raised.value)
    assert "Secret Name" not in str(raised.value)


def test_a_purged_rejected_document_leaves_no_name_or_reason_in_the_history(app, ctx):
    candidate = _candidate("mentoring", NOW - timedelta(days=10))
    days = current_app.config["RETENTION_REJECTED_DOCUMENT_DAYS"]
    document = _document(candidate, "rejected", NOW - timedelta(days=days + 1))
    document.original_name = "paspoort_Zanele_Mokoena.pdf"
    for action, reason in (("document_uploaded", None), ("document_rejected", "Blurred scan")):
        db.session.add(AuditEvent(candidate_id=candidate.id, action=action, from_phase="mentoring",
                                  to_phase="mentoring", detail=document.original_name,
                                  reason=reason))  # fmt: skip
    db.session.commit()
    retention.purge(NOW)
    assert db.session.get(Document, document.id) is None
    rows = db.session.execute(
        select(AuditEvent.detail, AuditEvent.reason).where(AuditEvent.candidate_id == candidate.id)
    ).all()
    assert rows and all(
        "Zanele" not in (detail or "") and "Blurred" not in (reason or "")
        for detail, reason in rows
    )
