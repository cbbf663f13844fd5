"""One conversation per candidate: the candidate, their current mentor and the welcome desk.

- Who reads a thread: the candidate, their current mentor, and every staff member; anyone
  else (another mentor, another candidate, an erased candidate's thread) finds nothing
  (`services.access.visible_candidate`, answered as 404).
- A message is text as written (1 to MAX_LENGTH characters; rendered escaped, see
  `onboarding/conversation/text.py`) with at most one attachment, checked and stored like a
  document (`documents.check_file`/`store_file`: PDF, JPEG or PNG by content, the size
  limit, a random name in `<instance>/attachments/`).
- The thread reads oldest first, PAGE_SIZE per page, and opens on its newest page; opening
  it marks it read (`ThreadRead`) up to the newest message shown, and the reader's
  "message_received" notifications for it as read.
- A message notifies the other members (`notifications.notify("message_received")`): the
  candidate, the current mentor, and the desk — the staff who have written in the thread,
  or every active staff member if none has. Email is throttled: no second email within
  THROTTLE to someone who has not read the thread since the last one (in the app still).
  The email names the author and links to the thread, never quotes the text.
- A phase change is a system post (no author, no notification), shown in the reader's
  language.
- A group message: the desk picks a board filter (phase, country, campaign); every
  matching candidate (never the erased) gets it in their own thread, one Broadcast row
  keeps the text and the count.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import BinaryIO

from flask_babel import gettext as _
from sqlalchemy import and_, case, false, func, insert, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import joinedload, selectinload

from onboarding.db import Pages
from onboarding.extensions import db
from onboarding.forms import has_control_characters
from onboarding.models import (
    Broadcast,
    Candidate,
    Reminder,
    ThreadAttachment,
    ThreadMessage,
    ThreadRead,
    User,
    utcnow,
)
from onboarding.services import documents, notifications
from onboarding.services.access import own_candidate, require_role, visible_candidate
from onboarding.services.errors import NotFound, Refused
from onboarding.storage import private_folder

PAGE_SIZE = 30
MAX_LENGTH = 5000
THROTTLE = timedelta(minutes=15)
EVENT = "message_received"
ATTACHMENTS = "attachments"  # the private folder (services.retention sweeps it too)


def folder() -> Path:
    """`<instance>/attachments`, private, outside the web root."""
    return private_folder(ATTACHMENTS)


# -- whose thread ------------------------------------------------------------------------


def thread_of(actor: User, candidate_id: int | None = None) -> Candidate:
    """The candidate whose thread `actor` opens: a candidate their own (no id), a mentor
    a current mentee, staff anyone; not found otherwise (and for the erased)."""
    if actor.role == "candidate" and candidate_id is None:
        return own_candidate(actor)
    if candidate_id is None:
        raise NotFound(_("This candidate does not exist or is not yours to see."))
    return visible_candidate(actor, candidate_id)


# -- reading -------------------------------------------------------------------------------


@dataclass(frozen=True)
class ThreadPage:
    candidate: Candidate
    messages: list[ThreadMessage]  # oldest first
    pager: Pages

    @property
    def newest_id(self) -> int:
        return self.messages[-1].id if self.messages else 0


def _count(statement) -> int:
    return db.session.scalar(statement) or 0


def thread_page(candidate: Candidate, page: int | None = None) -> ThreadPage:
    """One page of the thread, oldest first; no page (or one beyond the last): the newest."""
    total = _count(
        select(func.count(ThreadMessage.id)).where(ThreadMessage.candidate_id == candidate.id)
    )
    pager = Pages.of(total, page, PAGE_SIZE)
    messages = list(
        db.session.scalars(
            select(ThreadMessage)
            .options(joinedload(ThreadMessage.author), selectinload(ThreadMessage.attachments))
            .where(ThreadMessage.candidate_id == candidate.id)
            .order_by(ThreadMessage.id)
            .offset(pager.offset)
            .limit(PAGE_SIZE)
        )
    )
    return ThreadPage(candidate, messages, pager)


def _upsert_read(candidate_id: int, user_id: int, last_read_id: int, now: datetime):
    """INSERT … ON CONFLICT: two tabs opening the thread at once never collide."""
    dialect = postgresql if db.engine.dialect.name == "postgresql" else sqlite
    statement = dialect.insert(ThreadRead).values(
        candidate_id=candidate_id, user_id=user_id, last_read_id=last_read_id, read_at=now
    )
    newer = statement.excluded.last_read_id > ThreadRead.last_read_id
    return statement.on_conflict_do_update(
        index_elements=[ThreadRead.candidate_id, ThreadRead.user_id],
        set_={
            "last_read_id": case(
                (newer, statement.excluded.last_read_id), else_=ThreadRead.last_read_id
            ),  # fmt: skip
            "read_at": statement.excluded.read_at,
        },
    )


def mark_read(reader: User, shown: ThreadPage, now: datetime | None = None) -> None:
    """`reader` saw the page: the thread is read up to its newest message shown (never
    back), and their notifications of new messages in it are read."""
    now = now or utcnow()
    db.session.execute(_upsert_read(shown.candidate.id, reader.id, shown.newest_id, now))
    _mark_notifications_read(reader, shown.candidate.id, now)


def _mark_notifications_read(reader: User, candidate_id: int, now: datetime) -> None:
    # To fold into reminders.reading.mark_read(user, rule=, candidate_id=) once it exists.
    db.session.execute(
        update(Reminder)
        .where(
            Reminder.recipient_id == reader.id,
            Reminder.rule == EVENT,
            Reminder.candidate_id == candidate_id,
            Reminder.read_at.is_(None),
        )
        .values(read_at=now)
        .execution_options(synchronize_session=False)
    )


# -- unread --------------------------------------------------------------------------------


def _unread_conditions(reader: User) -> list:
    """What makes a message unread for `reader`, on a query of ThreadMessage joined with
    Candidate and (outer) the reader's ThreadRead: someone else's text, newer than their
    marker, in a thread they see; for staff only candidates' and mentors' messages written
    since the staff account exists."""
    conditions = [
        ThreadMessage.kind == "text",
        or_(ThreadMessage.author_id.is_(None), ThreadMessage.author_id != reader.id),
        ThreadMessage.id > func.coalesce(ThreadRead.last_read_id, 0),
        Candidate.erased_at.is_(None),
    ]
    if reader.role == "candidate":
        conditions.append(Candidate.user_id == reader.id)
    elif reader.role == "mentor":
        conditions.append(Candidate.mentor_id == reader.id)
    elif reader.role == "staff":
        author_role = select(User.role).where(User.id == ThreadMessage.author_id)
        conditions.append(author_role.scalar_subquery().in_(("candidate", "mentor")))
        if reader.created_at is not None:
            conditions.append(ThreadMessage.created_at >= reader.created_at)
    else:
        conditions.append(false())
    return conditions


def _joined(query, reader: User):
    return query.join(Candidate, Candidate.id == ThreadMessage.candidate_id).outerjoin(
        ThreadRead,
        and_(
            ThreadRead.candidate_id == ThreadMessage.candidate_id, ThreadRead.user_id == reader.id
        ),
    )


def unread_count(reader: User) -> int:
    """The header's count: unread messages in every thread `reader` sees (one statement)."""
    query = _joined(select(func.count(ThreadMessage.id)), reader)
    return _count(query.where(*_unread_conditions(reader)))


@dataclass(frozen=True)
class InboxLine:
    candidate: Candidate
    last: ThreadMessage
    unread: int


def inbox(reader: User, page: int = 1) -> tuple[list[InboxLine], Pages]:
    """The threads `reader` sees that have messages, the most recently written first, with
    their unread counts: (lines, pagination)."""
    require_role(reader, "mentor", "staff")
    unread = func.sum(case((and_(*_unread_conditions(reader)), 1), else_=0))
    last_id = func.max(ThreadMessage.id)
    query = _joined(select(ThreadMessage.candidate_id, last_id, unread), reader).where(
        ThreadMessage.kind == "text", Candidate.erased_at.is_(None)
    )
    if reader.role == "mentor":
        query = query.where(Candidate.mentor_id == reader.id)
    query = query.group_by(ThreadMessage.candidate_id).order_by(last_id.desc())
    total = _count(select(func.count()).select_from(query.order_by(None).subquery()))
    pager = Pages.of(total, page, PAGE_SIZE)
    rows = db.session.execute(query.offset(pager.offset).limit(PAGE_SIZE)).all()
    candidates = {
        c.id: c
        for c in db.session.scalars(
            select(Candidate)
            .options(joinedload(Candidate.user))
            .where(Candidate.id.in_([row[0] for row in rows]))
        )
    }
    lasts = {
        m.id: m
        for m in db.session.scalars(
            select(ThreadMessage)
            .options(joinedload(ThreadMessage.author))
            .where(ThreadMessage.id.in_([row[1] for row in rows]))
        )
    }
    lines = [InboxLine(candidates[cid], lasts[mid], int(n or 0)) for cid, mid, n in rows]
    return lines, pager


# -- writing -------------------------------------------------------------------------------


def _checked_body(body: str | None) -> str:
    body = body or ""
    if not body.strip():
        raise Refused(_("Write a message."))
    if len(body) > MAX_LENGTH:
        raise Refused(_("Use at most %(max)d characters.", max=MAX_LENGTH))
    if has_control_characters(body, multi_line=True):
        raise Refused(_("The message contains characters that cannot be stored."))
    return body


def post(
    actor: User,
    candidate: Candidate,
    body: str | None,
    *,
    file: bytes | BinaryIO | None = None,
    filename: str | None = None,
    now: datetime | None = None,
) -> ThreadMessage:
    """`actor` writes in `candidate`'s thread (from `thread_of`, which decided they may),
    with an optional attachment; the other members are notified."""
    now = now or utcnow()
    text = _checked_body(body)
    checked = documents.check_file(file, filename) if file is not None else None
    message = ThreadMessage(
        candidate_id=candidate.id, author_id=actor.id, kind="text", body=text, created_at=now
    )
    if checked is not None:
        message.attachments.append(
            ThreadAttachment(
                original_name=checked.original_name,
                stored_name=documents.store_file(checked, folder()),
                content_type=checked.content_type,
                size=checked.size,
                sha256=checked.sha256,
                created_at=now,
            )
        )
    db.session.add(message)
    db.session.flush()
    _notify(candidate, actor, members(candidate), message, now)
    # The author has read their own thread up to here.
    db.session.execute(_upsert_read(candidate.id, actor.id, message.id, now))
    return message


def members(candidate: Candidate) -> list[User]:
    """Who is told of a message: the candidate, the current mentor, and the desk (the staff
    who have written in this thread, or every active staff member if none has)."""
    writers = list(
        db.session.scalars(
            select(User)
            .where(
                User.role == "staff",
                User.active.is_(True),
                User.id.in_(
                    select(ThreadMessage.author_id).where(
                        ThreadMessage.candidate_id == candidate.id
                    )
                ),
            )
            .order_by(User.id)
        )
    )
    desk = writers or list(
        db.session.scalars(
            select(User).where(User.role == "staff", User.active.is_(True)).order_by(User.id)
        )
    )
    people = [candidate.user, candidate.mentor, *desk]
    return [person for person in people if person is not None]


def throttled(
    candidate_ids: Iterable[int], users: Iterable[User], now: datetime
) -> set[tuple[int, int]]:
    """(candidate id, user id) pairs that already had an email (sent or on its way) about
    a new message in that thread within THROTTLE and have not read the thread since."""
    cids, uids = list(set(candidate_ids)), list({user.id for user in users})
    if not cids or not uids:
        return set()
    rows = db.session.execute(
        select(Reminder.candidate_id, Reminder.recipient_id)
        .outerjoin(
            ThreadRead,
            and_(
                ThreadRead.candidate_id == Reminder.candidate_id,
                ThreadRead.user_id == Reminder.recipient_id,
            ),
        )
        .where(
            Reminder.rule == EVENT,
            Reminder.candidate_id.in_(cids),
            Reminder.recipient_id.in_(uids),
            Reminder.due_at > now - THROTTLE,
            or_(Reminder.delivery == "email", Reminder.status.in_(("pending", "sending"))),
            or_(ThreadRead.read_at.is_(None), ThreadRead.read_at < Reminder.due_at),
        )
    ).all()
    return {(cid, uid) for cid, uid in rows if cid is not None and uid is not None}


def _notify(
    candidate: Candidate, author: User, people: list[User], message: ThreadMessage, now: datetime
) -> None:
    recipients = [person for person in people if person.id != author.id]
    held_back = throttled([candidate.id], recipients, now)
    params = {"author": author.name, "message_id": message.id}
    for by_email in (True, False):
        chosen = [p for p in recipients if ((candidate.id, p.id) not in held_back) == by_email]
        if chosen:
            notifications.notify(
                EVENT,
                candidate=candidate,
                actor=author,
                params=params,
                people={"members": chosen},
                by_email=by_email,
                now=now,
            )


def phase_changed(candidate: Candidate, from_phase: str, to_phase: str, now: datetime) -> None:
    """The system post of a phase change (no author, nobody notified): the thread reads as
    a timeline. Its text is drawn in the reader's language from `params`."""
    if from_phase == to_phase:
        return
    db.session.add(
        ThreadMessage(
            candidate_id=candidate.id,
            kind="system",
            params={"from_phase": from_phase, "to_phase": to_phase},
            created_at=now,
        )
    )


# -- attachments ---------------------------------------------------------------------------

STORED_NAME = re.compile(r"[0-9a-f]{48}")


def read_attachment(actor: User, attachment_id: int) -> tuple[ThreadAttachment, bytes]:
    """An attachment and its bytes, for a member of its thread only (else not found)."""
    attachment = db.session.get(
        ThreadAttachment, attachment_id, options=[joinedload(ThreadAttachment.message)]
    )
    missing = NotFound(_("This attachment does not exist or is not yours to see."))
    if attachment is None:
        raise missing
    try:
        thread_of(actor, attachment.message.candidate_id)
    except NotFound:
        raise missing from None
    path = folder() / attachment.stored_name
    if not STORED_NAME.fullmatch(attachment.stored_name) or not path.is_file():
        raise missing
    return attachment, path.read_bytes()


def attachment_names(candidate_id: int) -> list[str]:
    """The stored names of a thread's attachments (erasure removes the files)."""
    return list(
        db.session.scalars(
            select(ThreadAttachment.stored_name)
            .join(ThreadMessage, ThreadMessage.id == ThreadAttachment.message_id)
            .where(ThreadMessage.candidate_id == candidate_id)
        )
    )


# -- group messages ------------------------------------------------------------------------


@dataclass(frozen=True)
class Group:
    """The board filter a group message goes to (None: any)."""

    phase: str | None = None
    country: str | None = None
    campaign_id: int | None = None

    def board_filter(self):
        # Imported here: services.board imports the workflow, whose phase changes post here.
        from onboarding.services.board import BoardFilter

        return BoardFilter(phase=self.phase, country=self.country, campaign_id=self.campaign_id)

    def as_dict(self) -> dict:
        """As stored with the Broadcast (the codes and ids chosen)."""
        return {key: value for key, value in self.__dict__.items() if value is not None}

    def as_query(self) -> dict:
        """As the group page's query string carries it."""
        return {"phase": self.phase, "country": self.country, "campaign": self.campaign_id}


def group_count(group: Group) -> int:
    from onboarding.services import board

    return board.matching_count(group.board_filter())


def send_to_group(
    actor: User, group: Group, body: str | None, expected: int | None, now: datetime | None = None
) -> Broadcast:
    """The desk's message to every candidate `group` matches, each in their own thread;
    refused when the group is empty or no longer the size the desk confirmed."""
    from onboarding.services import board

    require_role(actor, "staff")
    now = now or utcnow()
    text = _checked_body(body)
    candidates = list(db.session.scalars(board.matching_candidates(group.board_filter())))
    if not candidates:
        raise Refused(_("No candidate matches this group: nothing was sent."))
    if expected is not None and expected != len(candidates):
        raise Refused(
            _("The group has changed: it now matches %(count)s candidates. Check it and send "
              "again.", count=len(candidates))
        )  # fmt: skip
    broadcast = Broadcast(author_id=actor.id, body=text, filter=group.as_dict(),
                          recipients=len(candidates), created_at=now)  # fmt: skip
    db.session.add(broadcast)
    db.session.flush()
    db.session.execute(
        insert(ThreadMessage),
        [
            {
                "candidate_id": c.id,
                "author_id": actor.id,
                "kind": "text",
                "body": text,
                "params": {},
                "broadcast_id": broadcast.id,
                "created_at": now,
            }  # fmt: skip
            for c in candidates
        ],
    )
    held_back = throttled([c.id for c in candidates], [c.user for c in candidates], now)
    params = {"author": actor.name, "broadcast_id": broadcast.id}
    for candidate in candidates:
        notifications.notify(
            EVENT, candidate=candidate, actor=actor, params=params,
            people={"members": [candidate.user]},
            by_email=(candidate.id, candidate.user_id) not in held_back, now=now,
        )  # fmt: skip
    return broadcast


def broadcasts(limit: int = 20) -> list[Broadcast]:
    """The group messages sent, newest first."""
    return list(
        db.session.scalars(
            select(Broadcast)
            .options(joinedload(Broadcast.author))
            .order_by(Broadcast.created_at.desc(), Broadcast.id.desc())
            .limit(limit)
        )
    )


# -- erasure and the data export -----------------------------------------------------------


def messages_of(candidate: Candidate) -> list[ThreadMessage]:
    """The whole thread, oldest first, with authors and attachments (the data export)."""
    return list(
        db.session.scalars(
            select(ThreadMessage)
            .options(joinedload(ThreadMessage.author), selectinload(ThreadMessage.attachments))
            .where(ThreadMessage.candidate_id == candidate.id)
            .order_by(ThreadMessage.id)
        )
    )
