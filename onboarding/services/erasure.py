"""Erasure of a candidate (GDPR Art. 17): what goes, and the anonymisation itself.

After `erase` no name, email address, phone number, institution, free text or document
bytes of the candidate remain anywhere; what stays is anonymous and keeps the reports'
figures as they were:

- the candidate row (id, phase, country, STEM field, degree and language levels, channel,
  campaign, partner, registration and phase dates), with `erased_at` set;
- the phase history (audit rows, reason and detail cleared — only the "dutch_override" code
  stays, the immersion outcome counts it), assessments (note cleared), meetings (note
  emptied) and placements (closed reason cleared; a title typed in without a project
  becomes "—", a project's title is the company's and stays);
- the user row as a tombstone (a neutral name, `erased-<id>@erased.invalid`, no password,
  two-factor secret or calendar token, inactive, every session ended).

Deleted: documents (their files once the transaction has committed), the candidate's
conversation (every message in it, its attachments and their files, read markers),
reminders and notifications to or about the candidate, consent records, the document
access log, data exports (and their files), invitation and reset links, recovery codes,
the account's events (and any event whose detail is one of their addresses or names, or
one side of "old → new"), skills and preferred municipalities, and the arrival plan's
recorded steps (with the desk's reasons); the arrival day, municipality and residence route
are cleared. CSV import jobs forget the
candidate's rows and problems; job payloads that name them are emptied; failure texts that
name them cleared.

"Them" is every address and name the person has had (the account's change events, read
before they go), matched exactly: ann@example.org is not a part of joann@example.org.
After the erasure nobody finds the candidate (services.access), so nothing new is added.

Each erasure is one unit of work (the caller's request, or the purge's own transaction per
candidate) and is itself recorded: a DataPurge row (who, when, which rule, rows per table,
files) and an "erased" audit row, neither with personal data.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, or_, select, update

from onboarding.db import remove_after_commit, rows_changed
from onboarding.extensions import db
from onboarding.models import (
    AccountEvent,
    AuditEvent,
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
    PlacementCheckin,
    RecoveryCode,
    RelocationStep,
    Reminder,
    ThreadAttachment,
    ThreadMessage,
    ThreadRead,
    User,
    utcnow,
)
from onboarding.services import audit, conversations, sessions
from onboarding.services.access import own_candidate, require_role
from onboarding.services.errors import Conflict, Refused
from onboarding.services.notifications import preferences
from onboarding.storage import private_folder

# The tombstone's name: not a person's name, and sorts after every real one.
ERASED_NAME = "—"
# Audit details that are codes, not free text, which the reports read.
KEPT_DETAILS = ("dutch_override",)
# Account events and free-text failures are searched for a name only when it is at least
# this long.
MIN_NAME_MATCH = 5
# How account events write a change: "old → new".
ARROW = " → "
# What a placement's free-text title (no project) becomes.
ERASED_TITLE = "—"

# What the confirmation page names, in this order (see `what_goes`).
WHAT_GOES_LABELS = {
    "account": _l("The account (name, email address, password, two-factor secret)"),
    "profile": _l("The profile (phone, institution, skills, municipalities, free text)"),
    "documents": _l("Documents"),
    "files": _l("Stored files (documents, data exports and message attachments)"),
    "meetings": _l("Notes of mentoring meetings"),
    "messages": _l("Messages of the conversation"),
    "reminders": _l("Reminders"),
    "notifications": _l("Notifications"),
    "consents": _l("Consent records"),
    "document_access": _l("Lines of the document access log"),
    "data_exports": _l("Data exports"),
    "tokens": _l("Invitation and reset links, recovery codes"),
    "account_events": _l("Account events"),
}


def record_purge(
    now: datetime,
    actor: User | None,
    rule: str,
    candidate_id: int | None,
    rows: dict,
    files: int = 0,
) -> DataPurge:
    """The log row of one erasure or purge (who, when, which rule, rows per table, files):
    the one writer of `data_purges`, for erasures here and the retention purge's rules."""
    purge = DataPurge(at=now, actor_id=actor.id if actor is not None else None, rule=rule,
                      candidate_id=candidate_id, rows=rows, files=files)  # fmt: skip
    db.session.add(purge)
    return purge


def erased_email(user_id: int) -> str:
    return f"erased-{user_id}@erased.invalid"


def is_erased(candidate: Candidate) -> bool:
    return candidate.erased_at is not None


def _count(statement) -> int:
    return db.session.scalar(statement) or 0


def _reminders_of(candidate: Candidate):
    return or_(Reminder.candidate_id == candidate.id, Reminder.recipient_id == candidate.user_id)


def _exports_of(candidate: Candidate):
    return or_(DataExport.candidate_id == candidate.id, DataExport.for_user_id == candidate.user_id)


@dataclass(frozen=True)
class Identifiers:
    """Every email address and name the person has had, lower case and with single spaces:
    the current ones and the earlier ones the account's events record ("old → new")."""

    emails: frozenset[str]
    names: frozenset[str]

    def values(self) -> frozenset[str]:
        return self.emails | self.names

    def event_names(self) -> frozenset[str]:
        # a very short name would match other people's lines
        return frozenset(name for name in self.names if len(name) >= MIN_NAME_MATCH)


def _normal(text: str) -> str:
    return " ".join(text.split()).lower()


def _sides(detail: str) -> list[str]:
    """The values an account event's detail names: itself, or both sides of "old → new"."""
    return [_normal(side) for side in detail.split(ARROW)] if ARROW in detail else [_normal(detail)]


def _identifiers(candidate: Candidate) -> Identifiers:
    """The candidate's addresses and names, now and before (read before the events go)."""
    user = candidate.user
    emails, names = {_normal(user.email)}, {_normal(user.name)}
    for kind, detail in db.session.execute(
        select(AccountEvent.kind, AccountEvent.detail).where(
            AccountEvent.user_id == user.id,
            AccountEvent.kind.in_(("email_changed", "name_changed", "invitation_sent")),
            AccountEvent.detail.is_not(None),
        )
    ):
        values = [value for value in _sides(detail or "") if value and not value.endswith("…")]
        if kind == "name_changed":
            names.update(values)
        else:
            emails.update(value for value in values if "@" in value)
    names.discard(_normal(ERASED_NAME))
    return Identifiers(frozenset(emails), frozenset(names))


def _events_of(candidate: Candidate, who: Identifiers | None = None):
    """The account's own events, the ones it did, and any whose detail is (or is one side of
    "old → new") one of its addresses or names — exactly, never a part of someone else's."""
    who = who or _identifiers(candidate)
    detail = func.lower(AccountEvent.detail)
    named = []
    for value in sorted(who.emails | who.event_names()):
        named += [
            detail == value,
            detail.startswith(value + ARROW, autoescape=True),
            detail.endswith(ARROW + value, autoescape=True),
        ]
    return or_(
        AccountEvent.user_id == candidate.user_id,
        AccountEvent.actor_id == candidate.user_id,
        *named,
    )


def what_goes(candidate: Candidate) -> dict[str, int]:
    """How many of each kind an erasure removes or empties, for the confirmation page."""
    cid, uid = candidate.id, candidate.user_id
    documents = _count(select(func.count(Document.id)).where(Document.candidate_id == cid))
    export_files = _count(
        select(func.count(DataExport.id)).where(
            _exports_of(candidate), DataExport.stored_name.is_not(None)
        )
    )
    reminders = db.session.execute(
        select(Reminder.status, Reminder.sent_at).where(_reminders_of(candidate))
    ).all()
    notifications = sum(1 for _status, sent_at in reminders if sent_at is not None)
    attachments = len(conversations.attachment_names(cid))
    return {
        "account": 1,
        "profile": 1,
        "documents": documents,
        "files": documents + export_files + attachments,
        "meetings": _count(
            select(func.count(MentoringMeeting.id)).where(MentoringMeeting.candidate_id == cid)
        ),
        "messages": _count(
            select(func.count(ThreadMessage.id)).where(ThreadMessage.candidate_id == cid)
        ),
        "reminders": len(reminders) - notifications,
        "notifications": notifications,
        "consents": _count(select(func.count(Consent.id)).where(Consent.candidate_id == cid)),
        "document_access": _count(
            select(func.count(DocumentAccess.id)).where(
                or_(DocumentAccess.candidate_id == cid, DocumentAccess.viewer_id == uid)
            )
        ),
        "data_exports": _count(select(func.count(DataExport.id)).where(_exports_of(candidate))),
        "tokens": _count(select(func.count(Invitation.id)).where(Invitation.user_id == uid))
        + _count(select(func.count(RecoveryCode.id)).where(RecoveryCode.user_id == uid)),
        "account_events": _count(select(func.count(AccountEvent.id)).where(_events_of(candidate))),
    }


def refuse_unless_erasable(candidate: Candidate) -> None:
    if candidate.erased_at is not None:
        raise Conflict(_("This candidate has already been erased."))
    if candidate.legal_hold_at is not None:
        raise Refused(
            _(
                "This candidate is under a legal hold: their data cannot be erased or purged "
                "until the hold is released."
            )
        )


def _mentions(value: Any, who: Identifiers) -> bool:
    """Whether a JSON value (an import row, a problem, a job payload) names the person: one
    of its strings is exactly one of their addresses (case-insensitively) or names."""
    if isinstance(value, dict):
        return any(_mentions(item, who) for item in value.values())
    if isinstance(value, list):
        return any(_mentions(item, who) for item in value)
    if isinstance(value, str):
        return _normal(value) in who.values()
    return False


def _pattern(who: Identifiers) -> re.Pattern[str]:
    """A free text (a job's failure) naming one of the addresses or names as a whole word:
    "ann@example.org" is not in "joann@example.org", "Ann Smith" not in "Ann Smithson"."""
    words = sorted(who.emails | who.event_names(), key=len, reverse=True)
    if not words:
        return re.compile(r"(?!)")  # matches nothing
    alternatives = "|".join(re.escape(word).replace(r"\ ", r"\s+") for word in words)
    return re.compile(rf"(?<![\w.+@-])(?:{alternatives})(?![\w@-]|\.\w)", re.IGNORECASE)


def _names_in(text: str | None, pattern: re.Pattern[str]) -> bool:
    return bool(text) and pattern.search(text or "") is not None


def _forget_in_imports(who: Identifiers) -> int:
    """Drop the candidate's rows and problems from every CSV import job (and a failure text
    that names them); jobs changed."""
    changed = 0
    pattern = _pattern(who)
    for job in db.session.scalars(select(ImportJob)):
        rows = [row for row in (job.rows or []) if not _mentions(row, who)]
        errors = [entry for entry in (job.errors or []) if not _mentions(entry, who)]
        touched = False
        if rows != (job.rows or []) or errors != (job.errors or []):
            job.rows, job.errors = rows, errors
            touched = True
        if _names_in(job.failure, pattern):
            job.failure = None
            touched = True
        changed += touched
    return changed


def _forget_in_jobs(candidate: Candidate, who: Identifiers) -> int:
    """Empty the payload (and failure) of every job about the candidate (by id, or a value
    that is one of their addresses or names), and any failure text that names them."""
    changed = 0
    pattern = _pattern(who)
    ids = {("candidate_id", candidate.id), ("user_id", candidate.user_id)}
    for job in db.session.scalars(select(Job)):
        payload = job.payload or {}
        by_id = any((key, payload.get(key)) in ids for key, _value in ids)
        if by_id or _mentions(payload, who):
            job.payload = {}
            job.failure = None
            changed += 1
        elif _names_in(job.failure, pattern):
            job.failure = None
            changed += 1
    return changed


def _neutralise_titles(candidate_id: int) -> None:
    """Placements without a project: the typed-in title becomes ERASED_TITLE ("— 2", "— 3"
    for more at one company: a live placement's title is unique per candidate and company)."""
    seen: Counter[int] = Counter()
    for placement in db.session.scalars(
        select(Placement)
        .where(Placement.candidate_id == candidate_id, Placement.project_id.is_(None))
        .order_by(Placement.id)
    ):
        seen[placement.company_id] += 1
        n = seen[placement.company_id]
        placement.project_title = ERASED_TITLE if n == 1 else f"{ERASED_TITLE} {n}"
    db.session.flush()


def _deleted(statement) -> int:
    return rows_changed(statement)


def erase(
    actor: User | None, candidate: Candidate, rule: str = "erasure", now: datetime | None = None
) -> DataPurge:
    """Erase `candidate` in the caller's unit of work (see the module docstring). `actor`
    None: the nightly purge. Files go only once the unit of work has committed."""
    if actor is not None:
        require_role(actor, "staff")
    # Two erasures of one candidate at once (the desk and the purge, two workers): the second
    # waits for the first's commit here and is then refused (PostgreSQL; SQLite has one writer).
    db.session.flush()
    db.session.execute(select(Candidate.id).where(Candidate.id == candidate.id).with_for_update())
    db.session.refresh(candidate, ["erased_at", "legal_hold_at"])
    refuse_unless_erasable(candidate)
    now = now or utcnow()
    user = candidate.user
    cid, uid = candidate.id, user.id
    # Every address and name they have had: read before their account events go.
    who = _identifiers(candidate)
    rows: dict[str, int] = {}
    files = 0

    documents_folder = private_folder("documents")
    for stored_name in db.session.scalars(
        select(Document.stored_name).where(Document.candidate_id == cid)
    ):
        remove_after_commit(documents_folder / stored_name)
        files += 1
    exports_folder = private_folder("exports")
    for export_name in db.session.scalars(
        select(DataExport.stored_name).where(
            _exports_of(candidate), DataExport.stored_name.is_not(None)
        )
    ):
        remove_after_commit(exports_folder / str(export_name))
        files += 1
    attachments_folder = conversations.folder()
    for attachment_name in conversations.attachment_names(cid):
        remove_after_commit(attachments_folder / attachment_name)
        files += 1

    # The access log points at documents (SET NULL): delete it first.
    rows["document_access"] = _deleted(
        delete(DocumentAccess).where(
            or_(DocumentAccess.candidate_id == cid, DocumentAccess.viewer_id == uid)
        )
    )
    rows["documents"] = _deleted(delete(Document).where(Document.candidate_id == cid))
    rows["data_exports"] = _deleted(delete(DataExport).where(_exports_of(candidate)))
    rows["reminders"] = _deleted(delete(Reminder).where(_reminders_of(candidate)))
    rows["consents"] = _deleted(delete(Consent).where(Consent.candidate_id == cid))
    # The conversation is the candidate's: every message in it (whoever wrote it), its
    # attachments and who read how far.
    thread = select(ThreadMessage.id).where(ThreadMessage.candidate_id == cid)
    rows["thread_attachments"] = _deleted(
        delete(ThreadAttachment).where(ThreadAttachment.message_id.in_(thread))
    )
    rows["thread_messages"] = _deleted(
        delete(ThreadMessage).where(ThreadMessage.candidate_id == cid)
    )
    rows["thread_reads"] = _deleted(
        delete(ThreadRead).where(or_(ThreadRead.candidate_id == cid, ThreadRead.user_id == uid))
    )
    rows["invitations"] = _deleted(delete(Invitation).where(Invitation.user_id == uid))
    rows["recovery_codes"] = _deleted(delete(RecoveryCode).where(RecoveryCode.user_id == uid))
    rows["account_events"] = _deleted(delete(AccountEvent).where(_events_of(candidate, who)))
    rows["candidate_skills"] = _deleted(
        delete(CandidateSkill).where(CandidateSkill.candidate_id == cid)
    )
    rows["candidate_municipalities"] = _deleted(
        delete(CandidateMunicipality).where(CandidateMunicipality.candidate_id == cid)
    )
    rows["relocation_steps"] = _deleted(
        delete(RelocationStep).where(RelocationStep.candidate_id == cid)
    )
    # Reason and detail are free text, but for the codes the reports read (KEPT_DETAILS).
    rows["audit_events"] = _deleted(
        update(AuditEvent)
        .where(
            AuditEvent.candidate_id == cid,
            or_(AuditEvent.detail.is_(None), AuditEvent.detail.not_in(KEPT_DETAILS)),
        )
        .values(reason=None, detail=None)
    )
    rows["audit_events"] += _deleted(
        update(AuditEvent)
        .where(AuditEvent.candidate_id == cid, AuditEvent.detail.in_(KEPT_DETAILS))
        .values(reason=None)
    )
    rows["language_assessments"] = _deleted(
        update(LanguageAssessment).where(LanguageAssessment.candidate_id == cid).values(note=None)
    )
    rows["mentoring_meetings"] = _deleted(
        update(MentoringMeeting).where(MentoringMeeting.candidate_id == cid).values(note="")
    )
    rows["placements"] = _deleted(
        update(Placement).where(Placement.candidate_id == cid).values(closed_reason=None)
    )
    # The companies' check-ins speak of the candidate: the comment goes, the score stays.
    rows["placement_checkins"] = _deleted(
        update(PlacementCheckin)
        .where(
            PlacementCheckin.placement_id.in_(
                select(Placement.id).where(Placement.candidate_id == cid)
            )
        )
        .values(comment="")
    )
    # A title typed in for a placement without a project is free text; a project's title is
    # the company's, and stays.
    _neutralise_titles(cid)
    rows["import_jobs"] = _forget_in_imports(who)
    rows["jobs"] = _forget_in_jobs(candidate, who)

    candidate.phone = None
    candidate.origin_institution = ""
    candidate.withdrawn_reason = None
    candidate.available_from = None
    # Where they live and when they came are part of their story; the route, of their status.
    candidate.arrival_on = None
    candidate.home_municipality = None
    candidate.residence_route = None
    # The year is enough for any figure; the day is part of a person's story.
    candidate.graduation_date = date(candidate.graduation_date.year, 1, 1)
    candidate.mentor_id = None  # an erased candidate is no one's mentee any more
    # No consent in force any more: whatever skips candidates without one (matching,
    # non-essential reminders) skips the erased too.
    candidate.consent_at = None
    candidate.consent_notice_id = None
    candidate.share_with_companies = False
    candidate.erased_at = now
    rows["candidates"] = 1

    user.name = ERASED_NAME
    user.email = erased_email(uid)
    user.password_hash = None
    user.totp_secret = None
    user.totp_enabled_at = None
    user.totp_last_step = None
    user.calendar_token = None
    user.password_changed_at = None
    user.last_login_at = None
    preferences.forget(user)  # an erased person is sent nothing anyway
    user.active = False
    sessions.end_all(user)
    rows["users"] = 1

    # Rows deleted or emptied, per table; tables left alone are not listed.
    rows = {table: count for table, count in rows.items() if count}
    audit.record(candidate, actor, "erased", at=now)
    purge = record_purge(now, actor, rule, cid, rows, files=files)
    db.session.flush()
    # The session's copies of deleted and updated rows are stale now.
    db.session.expire_all()
    return purge


# -- the candidate's own request (the desk confirms by erasing) --------------------------------


def request_erasure(actor: User, now: datetime | None = None) -> Candidate:
    """The candidate asks for their data to be erased; the welcome desk is told (privacy
    overview) and confirms by erasing."""
    candidate = own_candidate(actor)
    if candidate.erasure_requested_at is None:
        now = now or utcnow()
        candidate.erasure_requested_at = now
        audit.record(candidate, actor, "erasure_requested", at=now)
    return candidate


def cancel_erasure_request(actor: User, now: datetime | None = None) -> Candidate:
    candidate = own_candidate(actor)
    if candidate.erasure_requested_at is None:
        raise Conflict(_("You have not asked for your data to be erased."))
    candidate.erasure_requested_at = None
    audit.record(candidate, actor, "erasure_request_cancelled", at=now or utcnow())
    return candidate
