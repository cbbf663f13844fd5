"""The privacy notice and consent: the one path for giving, recording and withdrawing consent.

The notice is versioned (`PrivacyNotice`): the welcome desk writes a draft, edits it, and
publishes it; a published version never changes, because consents point at it. The newest
published version is the *current* notice. A candidate's consent in force is on the
candidate (`consent_at`, `consent_notice_id`, `share_with_companies`); every give and
withdrawal is also a `Consent` row (the history) and an audit row (the timeline).

A candidate whose consent is to an older version (or to none: consents from before there
was a notice) is asked to accept the current one (`needs_renewal`, checked on every
candidate page by the consent blueprint). Withdrawing stops non-essential processing:
reminders that are not essential (`reminders.scheduling`), matching (`matching`) and
proposals to companies (`candidates.record_placement`); the onboarding guard
`consent_recorded` blocks again because `consent_at` is None.

Nothing here commits (the request is the transaction).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask import current_app, g, has_request_context
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from onboarding.db import flush_unique
from onboarding.extensions import db
from onboarding.models import Candidate, Consent, PrivacyNotice, User, utcnow
from onboarding.services import audit, reminders
from onboarding.services.access import get_or_not_found, require_role
from onboarding.services.errors import Conflict, Forbidden, Refused

NOTE_LENGTH = 1000  # what a note on consent received on the candidate's behalf may hold
BODY_LENGTH = 30_000  # one language's text of a notice
CHANGES_LENGTH = 500  # PrivacyNotice.changes
# Lines of a notice's text replaced when it is shown: the retention periods in force and
# the programme's privacy contact (both from the configuration).
RETENTION_MARK = "[retention]"
CONTACT_MARK = "[contact]"

_UNSET = object()


# -- the notice -----------------------------------------------------------------------------


def current_notice() -> PrivacyNotice | None:
    """The newest published notice, or None when none was ever published."""
    return db.session.scalars(
        select(PrivacyNotice)
        .where(PrivacyNotice.published_at.is_not(None))
        .order_by(PrivacyNotice.version.desc())
        .limit(1)
    ).first()


def current_notice_id() -> int | None:
    """The current notice's id; read once per request (the consent check runs on every
    candidate page), every time outside one."""
    if has_request_context():
        cached = g.get("_current_notice_id", _UNSET)
        if cached is not _UNSET:
            return cached
    found = db.session.scalar(
        select(PrivacyNotice.id)
        .where(PrivacyNotice.published_at.is_not(None))
        .order_by(PrivacyNotice.version.desc())
        .limit(1)
    )
    if has_request_context():
        g._current_notice_id = found
    return found


def _forget_current() -> None:
    if has_request_context():
        g.pop("_current_notice_id", None)


def notices() -> list[PrivacyNotice]:
    """Every version, newest first."""
    return list(db.session.scalars(select(PrivacyNotice).order_by(PrivacyNotice.version.desc())))


def get_notice(notice_id: int) -> PrivacyNotice:
    message = _("This version of the notice does not exist.")
    return get_or_not_found(PrivacyNotice, notice_id, message)


def draft() -> PrivacyNotice | None:
    """The version being written, if any (there is at most one)."""
    return db.session.scalars(
        select(PrivacyNotice).where(PrivacyNotice.published_at.is_(None))
    ).first()


@dataclass(frozen=True)
class NoticeText:
    body_en: str
    body_nl: str
    body_af: str
    changes: str = ""


def _clean(text: str) -> str:
    lines = [line.rstrip() for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    return "\n".join(lines).strip() + "\n"


def _apply(notice: PrivacyNotice, text: NoticeText) -> None:
    bodies = {"en": text.body_en, "nl": text.body_nl, "af": text.body_af}
    if any(not body.strip() for body in bodies.values()):
        raise Refused(_("The notice needs a text in each of the three languages."))
    notice.body_en = _clean(text.body_en)
    notice.body_nl = _clean(text.body_nl)
    notice.body_af = _clean(text.body_af)
    notice.changes = text.changes.strip()[:CHANGES_LENGTH] or None


def new_draft(actor: User, text: NoticeText, now: datetime | None = None) -> PrivacyNotice:
    """Start the next version as a draft; refused while another draft exists."""
    require_role(actor, "staff")
    waiting = draft()
    if waiting is not None:
        raise Refused(
            _(
                "Version %(version)s is still a draft: edit or publish it first.",
                version=waiting.version,
            )
        )
    newest = db.session.scalar(select(func.max(PrivacyNotice.version))) or 0
    notice = PrivacyNotice(version=newest + 1, created_at=now or utcnow(), created_by_id=actor.id)
    _apply(notice, text)
    db.session.add(notice)
    # Two colleagues starting a draft at once: the unique version refuses the second.
    flush_unique(_("Someone else started a new version in the meantime; nothing was saved."))
    return notice


def draft_to_edit(notice_id: int) -> PrivacyNotice:
    notice = get_notice(notice_id)
    if notice.published_at is not None:
        raise Conflict(
            _("Version %(version)s has been published and can no longer change.",
              version=notice.version)
        )  # fmt: skip
    return notice


def save_draft(actor: User, notice_id: int, text: NoticeText) -> PrivacyNotice:
    require_role(actor, "staff")
    notice = draft_to_edit(notice_id)
    _apply(notice, text)
    return notice


def publish(actor: User, notice_id: int, now: datetime | None = None) -> PrivacyNotice:
    """Publish a draft: it becomes the current notice, and every candidate who consented
    to an earlier version is asked to accept it at their next visit."""
    require_role(actor, "staff")
    notice = draft_to_edit(notice_id)
    notice.published_at = now or utcnow()
    notice.published_by_id = actor.id
    _forget_current()
    return notice


def prefill() -> NoticeText:
    """A new draft starts from the current version (or from nothing)."""
    current = current_notice()
    if current is None:
        return NoticeText("", "", "")
    return NoticeText(current.body_en, current.body_nl, current.body_af)


# -- showing the notice ---------------------------------------------------------------------


@dataclass(frozen=True)
class Block:
    kind: str  # heading | paragraph | list | retention
    lines: tuple[str, ...] = ()


def blocks(body: str) -> list[Block]:
    """The notice's text as blocks for the template (which escapes every line): paragraphs
    separated by blank lines, "## " headings, "- " lists, and the retention section where
    its mark stands (at the end when the text has no mark). Never HTML."""
    contact = current_app.config["PRIVACY_CONTACT"]
    found: list[Block] = []
    for chunk in body.replace("\r\n", "\n").split("\n\n"):
        lines = [line.strip().replace(CONTACT_MARK, contact) for line in chunk.split("\n")]
        lines = [line for line in lines if line]
        if not lines:
            continue
        if lines == [RETENTION_MARK]:
            found.append(Block("retention"))
        elif len(lines) == 1 and lines[0].startswith("#"):
            found.append(Block("heading", (lines[0].lstrip("#").strip(),)))
        elif all(line.startswith("- ") for line in lines):
            found.append(Block("list", tuple(line[2:].strip() for line in lines)))
        else:
            found.append(Block("paragraph", (" ".join(lines),)))
    if not any(block.kind == "retention" for block in found):
        found.append(Block("retention"))
    return found


def retention_periods() -> list[str]:
    """How long data is kept, from the settings in force, in the reader's language."""
    config = current_app.config
    return [
        ngettext(
            "If you leave the programme, your file is erased %(num)s day later.",
            "If you leave the programme, your file is erased %(num)s days later.",
            config["RETENTION_WITHDRAWN_DAYS"],
        ),
        ngettext(
            "Once you are placed at a company, your file is erased %(num)s day later.",
            "Once you are placed at a company, your file is erased %(num)s days later.",
            config["RETENTION_PLACED_DAYS"],
        ),
        ngettext(
            "A document that was not accepted is removed %(num)s day after it was refused.",
            "A document that was not accepted is removed %(num)s days after it was refused.",
            config["RETENTION_REJECTED_DOCUMENT_DAYS"],
        ),
        ngettext(
            "Invitation and password links that were never used are removed %(num)s day "
            "after they expired.",
            "Invitation and password links that were never used are removed %(num)s days "
            "after they expired.",
            config["RETENTION_INVITATION_DAYS"],
        ),
        ngettext(
            "Lists of names and email addresses imported by the welcome desk are removed "
            "%(num)s day after the import ended.",
            "Lists of names and email addresses imported by the welcome desk are removed "
            "%(num)s days after the import ended.",
            config["RETENTION_IMPORT_DAYS"],
        ),
        ngettext(
            "A download of all your data stays available for %(num)s day.",
            "A download of all your data stays available for %(num)s days.",
            config["DATA_EXPORT_VALID_DAYS"],
        ),
        _(
            "When you ask for erasure, your file is erased once the welcome desk has "
            "confirmed your request. A file under a legal hold is kept until the hold is "
            "lifted. What remains afterwards is anonymous: phases and outcomes, without your "
            "name, contact details or any text about you."
        ),
    ]


# -- consent --------------------------------------------------------------------------------


def needs_renewal(candidate: Candidate) -> bool:
    """The candidate consented, but not to the current notice (to an older version, or to
    none: a consent from before there was a notice)."""
    if candidate.consent_at is None:
        return False
    current = current_notice_id()
    return current is not None and candidate.consent_notice_id != current


def withdrawn(candidate: Candidate) -> bool:
    """The candidate withdrew their consent and has not given it again."""
    return candidate.consent_withdrawn_at is not None


def give(
    actor: User,
    candidate: Candidate,
    *,
    share_with_companies: bool,
    on_behalf_note: str | None = None,
    now: datetime | None = None,
) -> Consent:
    """Consent to the current notice, given by the candidate themself or recorded by the
    welcome desk on their behalf (then a note says how it was received)."""
    now = now or utcnow()
    note = (on_behalf_note or "").strip() or None
    if actor.role == "candidate":
        if candidate.user_id != actor.id:
            raise Forbidden(_("You are not allowed to do this."))
        on_behalf, action, note = False, "consent_given", None
    elif actor.role == "staff":
        if note is None:
            raise Refused(_("Say how the candidate's consent was received (a note is needed)."))
        on_behalf, action = True, "consent_recorded"
    else:
        raise Forbidden(_("You are not allowed to do this."))
    notice_id = current_notice_id()
    was_withdrawn = withdrawn(candidate)
    record = Consent(
        candidate_id=candidate.id,
        notice_id=notice_id,
        action="given",
        share_with_companies=share_with_companies,
        at=now,
        actor_id=actor.id,
        on_behalf=on_behalf,
        note=note[:NOTE_LENGTH] if note else None,
    )
    db.session.add(record)
    candidate.consent_at = now
    candidate.consent_notice_id = notice_id
    candidate.share_with_companies = share_with_companies
    candidate.consent_withdrawn_at = None
    version = db.session.get(PrivacyNotice, notice_id) if notice_id is not None else None
    audit.record(candidate, actor, action, detail=str(version.version) if version else None, at=now)
    if was_withdrawn:
        reminders.reschedule(candidate, now)  # the reminders that are not essential return
    return record


def withdraw(actor: User, candidate: Candidate, now: datetime | None = None) -> Consent:
    """The candidate withdraws their consent: non-essential processing stops (reminders,
    matching, proposals to companies) and the onboarding guard that needs consent blocks."""
    now = now or utcnow()
    require_role(actor, "candidate")
    if candidate.user_id != actor.id:
        raise Forbidden(_("You are not allowed to do this."))
    if candidate.consent_at is None:
        raise Refused(_("There is no consent to withdraw."))
    record = Consent(
        candidate_id=candidate.id,
        notice_id=candidate.consent_notice_id,
        action="withdrawn",
        share_with_companies=False,
        at=now,
        actor_id=actor.id,
        on_behalf=False,
    )
    db.session.add(record)
    candidate.consent_at = None
    candidate.consent_notice_id = None
    candidate.share_with_companies = False
    candidate.consent_withdrawn_at = now
    audit.record(candidate, actor, "consent_withdrawn", at=now)
    reminders.reschedule(candidate, now)  # cancels every pending reminder that is not essential
    return record


def records_of(candidate: Candidate) -> list[Consent]:
    """The candidate's consents given and withdrawn, newest first, with version and actor."""
    return list(
        db.session.scalars(
            select(Consent)
            .options(joinedload(Consent.notice), joinedload(Consent.actor))
            .where(Consent.candidate_id == candidate.id)
            .order_by(Consent.at.desc(), Consent.id.desc())
        )
    )


@dataclass(frozen=True)
class ConsentState:
    """What the privacy pages say about a candidate's consent."""

    given_at: datetime | None
    version: int | None
    by: str | None  # who gave or recorded it
    on_behalf: bool
    share_with_companies: bool
    withdrawn_at: datetime | None
    needs_renewal: bool


def state_of(candidate: Candidate, records: list[Consent] | None = None) -> ConsentState:
    if records is None:
        records = records_of(candidate)
    latest = next((r for r in records if r.action == "given"), None)
    in_force = candidate.consent_at is not None
    return ConsentState(
        given_at=candidate.consent_at,
        version=latest.notice.version if in_force and latest and latest.notice else None,
        by=latest.actor.name if in_force and latest and latest.actor else None,
        on_behalf=bool(in_force and latest and latest.on_behalf),
        share_with_companies=candidate.share_with_companies,
        withdrawn_at=candidate.consent_withdrawn_at,
        needs_renewal=needs_renewal(candidate),
    )
