"""The conversation service: email throttle, unread counts, group messages, refusals and
the text filter (both databases through the `ctx` fixture)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from onboarding.conversation.text import message_html
from onboarding.extensions import db
from onboarding.models import Broadcast, Reminder, ThreadMessage, utcnow
from onboarding.services import conversations
from onboarding.services.errors import Refused
from tests.factories import make_candidate, make_user


def _rows(user) -> list[Reminder]:
    return list(
        db.session.scalars(
            select(Reminder)
            .where(Reminder.rule == "message_received", Reminder.recipient_id == user.id)
            .order_by(Reminder.id)
        )
    )


def _emails(user) -> int:
    return sum(1 for row in _rows(user) if row.status == "pending" or row.delivery == "email")


@pytest.fixture
def thread(ctx):
    make_user("staff")
    mentor = make_user("mentor")
    candidate = make_candidate(mentor=mentor, phase="mentoring")
    return candidate, mentor


def test_two_messages_within_15_minutes_send_one_email(thread):
    candidate, mentor = thread
    now = utcnow()
    conversations.post(candidate.user, candidate, "One", now=now)
    conversations.post(candidate.user, candidate, "Two", now=now + timedelta(minutes=5))
    rows = _rows(mentor)
    assert len(rows) == 2
    assert _emails(mentor) == 1
    assert (rows[1].status, rows[1].delivery) == ("sent", "app")


def test_after_reading_the_thread_the_next_message_emails_again(thread):
    candidate, mentor = thread
    now = utcnow()
    conversations.post(candidate.user, candidate, "One", now=now)
    shown = conversations.thread_page(candidate)
    conversations.mark_read(mentor, shown, now=now + timedelta(minutes=2))
    conversations.post(candidate.user, candidate, "Two", now=now + timedelta(minutes=3))
    assert _emails(mentor) == 2


def test_after_15_minutes_the_next_message_emails_again(thread):
    candidate, mentor = thread
    now = utcnow()
    conversations.post(candidate.user, candidate, "One", now=now)
    conversations.post(candidate.user, candidate, "Two", now=now + timedelta(minutes=16))
    assert _emails(mentor) == 2


def test_unread_counts_per_role_and_opening_marks_read(thread):
    candidate, mentor = thread
    staff = db.session.scalars(select(conversations.User).where(
        conversations.User.role == "staff")).first()  # fmt: skip
    now = utcnow() + timedelta(minutes=1)
    conversations.post(mentor, candidate, "From the mentor", now=now)
    conversations.post(
        candidate.user, candidate, "From the candidate", now=now + timedelta(minutes=1)
    )
    # Writing marks the thread read up to one's own message: the candidate, who wrote
    # last, has nothing unread; the mentor has the candidate's message.
    assert conversations.unread_count(candidate.user) == 0
    assert conversations.unread_count(mentor) == 1
    assert conversations.unread_count(staff) == 2
    conversations.mark_read(mentor, conversations.thread_page(candidate))
    assert conversations.unread_count(mentor) == 0
    assert all(row.read_at is not None for row in _rows(mentor))
    # A staff account made after the messages does not count them.
    late = make_user("staff", created_at=now + timedelta(hours=1))
    assert conversations.unread_count(late) == 0


def test_a_phase_change_is_a_system_post_without_notification(thread):
    candidate, mentor = thread
    conversations.phase_changed(candidate, "mentoring", "placement", utcnow())
    db.session.flush()
    (post,) = db.session.scalars(
        select(ThreadMessage).where(ThreadMessage.candidate_id == candidate.id)
    )
    assert (post.kind, post.params) == ("system", {"from_phase": "mentoring",
                                                   "to_phase": "placement"})  # fmt: skip
    assert _rows(mentor) == [] and _rows(candidate.user) == []
    assert conversations.unread_count(mentor) == 0


def test_group_message_counts_by_phase_and_country_without_the_erased(ctx):
    staff = make_user("staff")
    make_candidate(phase="mentoring", country="NA")
    make_candidate(phase="mentoring", country="ZA")
    make_candidate(phase="outreach", country="NA")
    gone = make_candidate(phase="mentoring", country="NA")
    gone.erased_at = utcnow()
    db.session.commit()
    by_phase = conversations.Group(phase="mentoring")
    by_country = conversations.Group(country="NA")
    assert conversations.group_count(by_phase) == 2
    assert conversations.group_count(by_country) == 2
    sent = conversations.send_to_group(staff, by_phase, "Hello all", expected=2)
    assert sent.recipients == 2
    assert db.session.scalar(select(func.count(Broadcast.id))) == 1
    assert (
        db.session.scalar(
            select(func.count(ThreadMessage.id)).where(ThreadMessage.broadcast_id == sent.id)
        )
        == 2
    )
    assert not db.session.scalars(
        select(ThreadMessage).where(ThreadMessage.candidate_id == gone.id)
    ).all()


@pytest.mark.parametrize("body", ["", "   \n ", "x" * (conversations.MAX_LENGTH + 1)])
def test_empty_or_too_long_text_is_refused_and_nothing_stored(thread, body):
    candidate, _mentor = thread
    with pytest.raises(Refused):
        conversations.post(candidate.user, candidate, body)
    assert db.session.scalar(select(func.count(ThreadMessage.id))) == 0


def test_text_is_escaped_linked_safely_and_keeps_line_breaks():
    html = str(message_html("<script>alert(1)</script>\njavascript:alert(1)\nsee http://x.be/a."))
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert 'href="javascript' not in html
    assert '<a href="http://x.be/a" rel="noopener nofollow">http://x.be/a</a>.' in html
    assert html.count("<br>") == 2
