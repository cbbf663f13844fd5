"""Delivering reminders over real SMTP: language, timing, retries, leases and exactly-once."""

import re
from collections import Counter
from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from babel.dates import format_date
from babel.support import Translations
from markupsafe import escape
from sqlalchemy import select

from onboarding.db import transaction
from onboarding.extensions import db
from onboarding.i18n import FORMAT_LOCALES
from onboarding.models import Candidate, Reminder
from onboarding.services import candidates, reminders
from onboarding.services.notifications import preferences
from onboarding.services.reminders import DispatchResult, delivery
from tests.conftest import free_port, mail_port
from tests.factories import make_candidate, make_company, make_placement, make_user
from tests.mail import text_of
from workflows.reminders import RULES_BY_KEY

ROOT = Path(__file__).resolve().parents[2]
BRUSSELS = ZoneInfo("Europe/Brussels")


def translations(locale: str) -> Translations:
    return Translations.load(str(ROOT / "translations"), [locale])


def nine_in_brussels(day: date) -> datetime:
    return datetime.combine(day, time(9, 0), tzinfo=BRUSSELS).astimezone(UTC)


def rows(candidate_id: int, rule: str | None = None) -> list[Reminder]:
    db.session.expire_all()
    query = select(Reminder).where(Reminder.candidate_id == candidate_id).order_by(Reminder.id)
    if rule:
        query = query.where(Reminder.rule == rule)
    return list(db.session.scalars(query))


def get(reminder_id: int) -> Reminder:
    db.session.expire_all()
    return db.session.get(Reminder, reminder_id)


def immersion_candidate(end: date, **fields) -> Candidate:
    """A candidate in immersion whose booking reminder is planned (no staff: no desk rows)."""
    candidate = make_candidate(
        phase="language_immersion",
        immersion_start=end - timedelta(days=91),
        immersion_planned_end=end,
        **fields,
    )
    reminders.reschedule(candidate, nine_in_brussels(end - timedelta(days=14)))
    db.session.commit()
    return candidate


def message_ids(outbox) -> Counter:
    return Counter(message["Message-ID"] for message in outbox.messages)


@pytest.mark.parametrize("locale", ["nl", "af", "en"])
def test_due_reminder_is_emailed_once_in_the_recipients_language(app, ctx, outbox, locale):
    end = date.today() + timedelta(days=10)
    candidate = immersion_candidate(end, locale=locale, name="Zoë Nghipondoka")
    (reminder,) = rows(candidate.id, "book_assessment")
    assert [r.rule for r in rows(candidate.id)] == ["book_assessment"]
    now = reminder.due_at + timedelta(minutes=1)

    result = reminders.dispatch(now=now, worker="test-worker")

    assert (result.claimed, result.sent) == (1, 1)
    (message,) = outbox.messages
    assert message["To"] == candidate.user.email
    catalog = translations(locale)
    msgid = RULES_BY_KEY["book_assessment"].subject
    long_date = format_date(end, "long", locale=FORMAT_LOCALES[locale])
    assert message["Subject"] == catalog.gettext(msgid) % {"date": long_date}
    if locale != "en":
        assert catalog.gettext(msgid) != msgid, f"{locale}: subject not translated"
    body = text_of(message)
    assert catalog.gettext("Dear %(name)s,") % {"name": "Zoë"} in body
    assert long_date in body
    assert app.config["PUBLIC_BASE_URL"].rstrip("/") + "/me/" in body
    assert message["Content-Language"] == locale
    assert message["Message-ID"] == f"<reminder-{reminder.id}@onthaal.local>"

    reminder = get(reminder.id)
    assert reminder.status == "sent" and reminder.sent_at is not None
    assert reminder.attempts == 1 and reminder.last_error is None
    user = candidate.user
    assert [n.id for n in reminders.notifications_for(user)] == [reminder.id]
    assert reminders.unread_count(user) == 1
    reminders.mark_all_read(user)
    assert reminders.unread_count(user) == 0
    assert get(reminder.id).read_at is not None

    # Nothing more to send later.
    assert reminders.dispatch(now=now + timedelta(days=1), worker="test-worker").claimed == 0
    assert len(outbox.messages) == 1


@pytest.mark.parametrize("locale", ["en", "nl"])
def test_interview_reminder_shows_brussels_time(ctx, outbox, locale):
    staff = make_user("staff")
    candidate = make_candidate(phase="company_placement", locale=locale)
    interview_at = datetime(date.today().year + 1, 7, 15, 8, 0, tzinfo=UTC)  # 10:00 in Brussels
    with transaction():
        candidates.record_placement(
            staff,
            candidate.id,
            company_id=make_company().id,
            project_title="Smart grid analytics",
            start_date=None,
            interview_at=interview_at,
        )
    (reminder,) = rows(candidate.id, "interview_tomorrow")
    assert reminder.due_at == interview_at - timedelta(days=1)

    reminders.dispatch(now=reminder.due_at + timedelta(minutes=1), worker="test-worker")

    (message,) = [m for m in outbox.messages if m["Message-ID"] == reminder.message_id]
    assert message["To"] == candidate.user.email
    regional = FORMAT_LOCALES[locale]
    day = format_date(interview_at.astimezone(BRUSSELS), "medium", locale=regional)
    shown = f"{day}, 10:00" if locale != "af" else f"{day} 10:00"  # no seconds, 24-hour
    catalog = translations(locale)
    subject = catalog.gettext(RULES_BY_KEY["interview_tomorrow"].subject) % {"date": shown}
    assert message["Subject"] == subject
    body = text_of(message)
    full_day = format_date(interview_at.astimezone(BRUSSELS), "full", locale=regional)
    assert full_day in body
    assert "10:00:00" not in body and "10:00:00" not in message["Subject"]
    if locale == "en":  # British, not US: "15 Jul 2027, 10:00", never "Jul 15, 2027, 10:00 AM"
        assert re.search(r"\b15 Jul 2027, 10:00$", message["Subject"])
        assert "AM" not in body and "July 15" not in body
    assert "10:00" in body
    assert "08:00" not in body and "08:00" not in message["Subject"]


def test_reminders_not_yet_due_are_not_sent(ctx, outbox):
    candidate = immersion_candidate(date.today() + timedelta(days=30))
    (reminder,) = rows(candidate.id, "book_assessment")

    result = reminders.dispatch(now=reminder.due_at - timedelta(seconds=1), worker="w")

    assert result.claimed == 0
    assert outbox.messages == []
    reminder = get(reminder.id)
    assert (reminder.status, reminder.attempts, reminder.sent_at) == ("pending", 0, None)


def test_cancelled_reminders_are_never_sent(ctx, outbox):
    mentor = make_user("mentor")
    candidate = immersion_candidate(date.today() + timedelta(days=30), mentor=mentor)
    (reminder,) = rows(candidate.id, "book_assessment")
    with transaction():
        candidates.record_assessment(mentor, candidate.id, "B2", date.today())
    assert get(reminder.id).status == "cancelled"

    result = reminders.dispatch(now=reminder.due_at + timedelta(days=365), worker="w")

    # only the assessment's own notification to the candidate goes out
    (notification,) = [r for r in rows(candidate.id) if r.kind == "event"]
    assert result.claimed == 1
    assert [m["Message-ID"] for m in outbox.messages] == [notification.message_id]
    reminder = get(reminder.id)
    assert (reminder.status, reminder.attempts, reminder.sent_at) == ("cancelled", 0, None)


@pytest.mark.parametrize("channel", ["app", "digest"])
def test_a_non_essential_reminder_follows_the_preference_read_when_it_goes_out(
    ctx, outbox, channel
):
    candidate = make_candidate(phase="placed")
    placement = make_placement(candidate, accepted=True)
    reminders.reschedule(candidate, nine_in_brussels(placement.start_date))
    db.session.commit()
    (checkin,) = rows(candidate.id, "checkin_30")
    (later,) = rows(candidate.id, "checkin_90")
    assert checkin.essential is False
    # The choice is stored while the reminder is already planned (or claimed).
    preferences.save(candidate.user, {"reminders": channel})
    db.session.commit()
    now = checkin.due_at + timedelta(minutes=1)

    result = reminders.dispatch(now=now, worker="w")

    assert (result.claimed, result.sent, result.skipped) == (1, 0, 1)
    assert outbox.messages == []
    checkin = get(checkin.id)
    assert (checkin.status, checkin.delivery, checkin.sent_at) == ("sent", channel, now)
    assert (checkin.in_app_at, checkin.digest_id, checkin.read_at) == (now, None, None)
    assert reminders.unread_count(candidate.user) == 1
    assert get(later.id).status == "pending"


def test_an_essential_reminder_is_emailed_whatever_the_preference(ctx, outbox):
    candidate = make_candidate(
        phase="language_immersion",
        immersion_start=date.today() - timedelta(days=80),
        immersion_planned_end=date.today() + timedelta(days=20),
    )
    reminders.reschedule(candidate)
    preferences.save(candidate.user, {"reminders": "app"})
    db.session.commit()
    (book,) = rows(candidate.id, "book_assessment")
    assert book.essential is True

    result = reminders.dispatch(now=book.due_at + timedelta(minutes=1), worker="w")

    assert (result.sent, result.skipped) == (1, 0)
    (message,) = outbox.messages
    assert message["To"] == candidate.user.email
    assert (get(book.id).status, get(book.id).delivery) == ("sent", "email")


def test_refused_messages_retry_with_backoff_and_each_is_delivered_once(
    app, data, client, login, faulty_smtp
):
    """The server refuses the recipients (a 5xx for the message, not the connection): each
    refusal counts an attempt, retries back off, and the last attempt marks the row failed.
    (This test used to point at a closed port; a server that cannot be reached at all no
    longer counts attempts: tests/services/test_delivery_faults.py.)"""
    end = date.today() + timedelta(days=10)
    with data():
        first = immersion_candidate(end, locale="en")
        second = immersion_candidate(end, locale="nl")
        third = immersion_candidate(end + timedelta(days=1), locale="af")
        ids = [rows(c.id, "book_assessment")[0].id for c in (first, second, third)]
        due = {i: get(i).due_at for i in ids}
        staff_email = make_user("staff").email  # after scheduling: no desk rows for them
        refused = {first.user.email, second.user.email, third.user.email}
    early, late = ids[:2], ids[2]
    base = app.config["REMINDER_RETRY_BASE_SECONDS"]
    max_attempts = app.config["REMINDER_MAX_ATTEMPTS"]
    assert max_attempts >= 3

    server = faulty_smtp(refuse=refused)
    with mail_port(app, server.port):
        now = due[early[0]] + timedelta(minutes=1)
        delays = []
        for attempt in range(1, max_attempts + 1):
            with data():
                result = reminders.dispatch(now=now, worker="w")
                assert (result.claimed, result.sent) == (2, 0)
                found = [get(i) for i in early]
                assert {r.attempts for r in found} == {attempt}
                assert all(r.last_error for r in found)
                if attempt < max_attempts:
                    assert result.retrying == 2
                    assert {r.status for r in found} == {"pending"}
                    (next_at,) = {r.next_attempt_at for r in found}
                    assert next_at > now
                    delays.append(next_at - now)
                    # Not before its time.
                    early_try = reminders.dispatch(now=next_at - timedelta(seconds=1), worker="w")
                    assert early_try.claimed == 0
                    now = next_at
                else:
                    assert result.failed == 2
                    assert {r.status for r in found} == {"failed"}
                errors = {i: get(i).last_error for i in early}
        assert delays[0] == timedelta(seconds=base)
        assert delays[1] == 2 * delays[0]
        assert all(b == 2 * a or b == timedelta(hours=1) for a, b in pairwise(delays))
        assert server.messages == []

        # The later reminder fails once and waits.
        with data():
            now = due[late] + timedelta(minutes=1)
            result = reminders.dispatch(now=now, worker="w")
            assert (result.claimed, result.retrying) == (1, 1)
            waiting = get(late)
            assert (waiting.status, waiting.attempts) == ("pending", 1)
            assert waiting.next_attempt_at == now + timedelta(seconds=base)
            late_next = waiting.next_attempt_at

        login(client, staff_email)
        page = client.get("/desk/reminders?status=failed").get_data(as_text=True)
        assert re.findall(r'<tr data-status="(\w+)"', page) == ["failed", "failed"]
        for reminder_id in early:
            assert str(escape(errors[reminder_id])) in page
            assert f"/desk/reminders/{reminder_id}/retry" in page
        assert f"/desk/reminders/{late}/retry" not in page

        response = client.post(f"/desk/reminders/{early[0]}/retry")
        assert response.status_code == 302
        with data():
            with transaction():
                reminders.retry(early[1])
            for reminder_id in early:
                again = get(reminder_id)
                assert (again.status, again.attempts, again.next_attempt_at) == ("pending", 0, None)

        server.refuse.clear()  # the mailboxes take mail again
        with data():
            # Before the later reminder's next attempt: only the two retried ones go.
            result = reminders.dispatch(now=late_next - timedelta(seconds=1), worker="w")
            assert (result.claimed, result.sent) == (2, 2)
            result = reminders.dispatch(now=late_next + timedelta(seconds=1), worker="w")
            assert (result.claimed, result.sent) == (1, 1)
            assert reminders.dispatch(now=late_next + timedelta(days=2), worker="w").claimed == 0
            assert {get(i).status for i in ids} == {"sent"}
    expected = Counter({f"<reminder-{i}@onthaal.local>": 1 for i in ids})
    assert server.message_ids() == expected


def test_rows_of_a_dead_dispatcher_are_sent_once_after_the_lease(app, ctx, outbox):
    end = date.today() + timedelta(days=10)
    people = [immersion_candidate(end) for _ in range(3)]
    ids = sorted(rows(c.id, "book_assessment")[0].id for c in people)
    now = get(ids[0]).due_at + timedelta(minutes=1)
    lease = timedelta(seconds=app.config["REMINDER_LEASE_SECONDS"])

    with transaction():
        claimed = delivery.claim(now, "dead-worker", 10, lease)
    assert claimed == ids  # ... and it never sends
    for reminder_id in ids:
        held = get(reminder_id)
        assert (held.status, held.claimed_by) == ("sending", "dead-worker")

    for moment in (now, now + lease - timedelta(seconds=1), now + lease):
        assert reminders.dispatch(now=moment, worker="live-worker").claimed == 0
    assert outbox.messages == []

    result = reminders.dispatch(now=now + lease + timedelta(seconds=1), worker="live-worker")

    assert (result.claimed, result.sent) == (3, 3)
    for reminder_id in ids:
        sent = get(reminder_id)
        assert (sent.status, sent.claimed_by, sent.attempts) == ("sent", "live-worker", 2)
    assert message_ids(outbox) == Counter({f"<reminder-{i}@onthaal.local>": 1 for i in ids})
    later = reminders.dispatch(now=now + 10 * lease, worker="live-worker")
    assert later.claimed == 0
    assert len(outbox.messages) == 3


def taken_over(app) -> tuple[int, datetime, datetime]:
    """A reminder claimed by worker A whose lease expired and that worker B claimed."""
    candidate = immersion_candidate(date.today() + timedelta(days=10))
    (reminder,) = rows(candidate.id, "book_assessment")
    reminder_id = reminder.id
    lease = timedelta(seconds=app.config["REMINDER_LEASE_SECONDS"])
    first = reminder.due_at + timedelta(minutes=1)
    second = first + lease + timedelta(seconds=1)
    for moment, worker in ((first, "worker-a"), (second, "worker-b")):
        with transaction():
            assert delivery.claim(moment, worker, 10, lease) == [reminder_id]
    return reminder_id, first, second


def test_a_worker_whose_lease_was_taken_over_cannot_mark_the_row(app, ctx, outbox):
    reminder_id, first, second = taken_over(app)
    lease = timedelta(seconds=app.config["REMINDER_LEASE_SECONDS"])
    late = second + timedelta(seconds=5)

    # A wakes up and reports its outcome: sent, skipped, failed. None of it may stick.
    with transaction():
        delivery._mark_sent(reminder_id, "worker-a", DispatchResult())
    with transaction():
        delivery._mark({reminder_id: "app"}, {}, late, "worker-a", DispatchResult())
    with transaction():
        delivery._mark({}, {reminder_id: "timed out"}, late, "worker-a", DispatchResult())
    held = get(reminder_id)
    assert (held.status, held.claimed_by, held.claimed_until) == (
        "sending",
        "worker-b",
        second + lease,
    )
    assert (held.attempts, held.sent_at, held.cancelled_at, held.last_error) == (
        2,
        None,
        None,
        None,
    )

    # B delivers and marks it.
    by_b = DispatchResult()
    delivery._deliver([reminder_id], second, "worker-b", by_b)
    assert by_b.sent == 1
    sent = get(reminder_id)
    assert (sent.status, sent.claimed_by, sent.attempts) == ("sent", "worker-b", 2)
    sent_at = sent.sent_at

    # A's outcome arriving after B finished changes nothing either.
    with transaction():
        delivery._mark_sent(reminder_id, "worker-a", DispatchResult())
    with transaction():
        delivery._mark({}, {reminder_id: "timed out"}, late, "worker-a", DispatchResult())
    sent = get(reminder_id)
    assert (sent.status, sent.sent_at, sent.attempts, sent.last_error) == (
        "sent",
        sent_at,
        2,
        None,
    )
    assert message_ids(outbox) == Counter({f"<reminder-{reminder_id}@onthaal.local>": 1})
    assert reminders.dispatch(now=second + 10 * lease, worker="worker-a").claimed == 0


def test_a_late_worker_does_not_count_rows_it_no_longer_holds(app, ctx, outbox):
    """The dispatcher's result (logged, and printed by `flask dispatch`) reports what it
    recorded; a row taken over by another worker is counted by that worker alone."""
    reminder_id, first, second = taken_over(app)
    by_b = DispatchResult()
    delivery._deliver([reminder_id], second, "worker-b", by_b)
    assert by_b.sent == 1

    by_a = DispatchResult()
    with transaction():
        delivery._mark_sent(reminder_id, "worker-a", by_a)
    with transaction():
        delivery._mark({reminder_id: "app"}, {}, second, "worker-a", by_a)
    with transaction():
        delivery._mark({}, {reminder_id: "timed out"}, second, "worker-a", by_a)
    assert get(reminder_id).status == "sent"
    assert (by_a.sent, by_a.skipped, by_a.failed, by_a.retrying) == (0, 0, 0, 0)


# -- reminders too late to send expire instead --------------------------------------------


def grace(rule: str) -> timedelta:
    return RULES_BY_KEY[rule].grace


def planned_booking(end: date, planned_at: datetime, **fields) -> Reminder:
    """A candidate in immersion whose booking reminder was planned at `planned_at`."""
    candidate = make_candidate(
        phase="language_immersion",
        immersion_start=end - timedelta(days=91),
        immersion_planned_end=end,
        **fields,
    )
    reminders.reschedule(candidate, planned_at)
    db.session.commit()
    (reminder,) = rows(candidate.id, "book_assessment")
    return reminder


def test_first_tick_weeks_late_expires_the_booking_reminder_instead_of_sending_it(ctx, outbox):
    """The review's case: an immersion ending on 4 November, the dispatcher's first tick on
    1 December. "Book your assessment, your immersion ends on 4 November" must not go out."""
    year = date.today().year
    end = date(year, 11, 4)
    reminder = planned_booking(end, nine_in_brussels(date(year, 9, 1)), locale="af")
    assert reminder.due_at == nine_in_brussels(date(year, 10, 21))
    first_tick = nine_in_brussels(date(year, 12, 1))

    result = reminders.dispatch(now=first_tick, worker="w")

    assert (result.expired, result.claimed, result.sent) == (1, 0, 0)
    assert outbox.messages == []
    expired = get(reminder.id)
    assert (expired.status, expired.attempts, expired.sent_at) == ("expired", 0, None)
    assert expired.claimed_by is None and expired.claimed_until is None
    # Expired is final: later ticks neither send nor count it again.
    later = reminders.dispatch(now=first_tick + timedelta(days=1), worker="w")
    assert (later.expired, later.claimed) == (0, 0)
    assert outbox.messages == []


@pytest.mark.parametrize("late", [timedelta(0), timedelta(days=3)])
def test_a_reminder_within_its_grace_period_is_still_sent(ctx, outbox, late):
    end = date.today() + timedelta(days=30)
    reminder = planned_booking(end, nine_in_brussels(end - timedelta(days=60)))
    assert late <= grace("book_assessment")

    result = reminders.dispatch(now=reminder.due_at + late, worker="w")

    assert (result.expired, result.claimed, result.sent) == (0, 1, 1)
    assert get(reminder.id).status == "sent"
    assert len(outbox.messages) == 1


def test_a_reminder_one_second_past_its_grace_period_expires(ctx, outbox):
    end = date.today() + timedelta(days=30)
    reminder = planned_booking(end, nine_in_brussels(end - timedelta(days=60)))

    result = reminders.dispatch(
        now=reminder.due_at + grace("book_assessment") + timedelta(seconds=1), worker="w"
    )

    assert (result.expired, result.claimed, result.sent) == (1, 0, 0)
    assert get(reminder.id).status == "expired"
    assert outbox.messages == []


def test_after_an_outage_each_rule_keeps_its_own_grace_period(ctx, outbox):
    """The dispatcher comes back at `back`: a booking reminder due two days earlier still goes
    out (3 days' grace); one due a week earlier and an interview reminder due 42 hours
    earlier (12 hours' grace) expire."""
    staff = make_user("staff")
    back = nine_in_brussels(date.today() + timedelta(days=40))
    fresh_due, old_due = back - timedelta(days=2), back - timedelta(days=7)
    fresh = planned_booking(
        brussels_date(fresh_due) + timedelta(days=14), back - timedelta(days=60)
    )
    old = planned_booking(brussels_date(old_due) + timedelta(days=14), back - timedelta(days=60))
    assert (fresh.due_at, old.due_at) == (fresh_due, old_due)
    interviewee = make_candidate(phase="company_placement")
    with transaction():
        candidates.record_placement(
            staff,
            interviewee.id,
            company_id=make_company().id,
            project_title="Slimme netten",
            interview_at=back - timedelta(hours=18),
            now=back - timedelta(days=10),
        )
    (interview,) = rows(interviewee.id, "interview_tomorrow")
    assert interview.due_at == back - timedelta(hours=42)

    (planned,) = [r for r in rows(interviewee.id) if r.kind == "event"]  # the interview's news

    result = reminders.dispatch(now=back, worker="w")

    assert (result.expired, result.claimed, result.sent) == (2, 2, 2)
    assert [get(r.id).status for r in (fresh, old, interview)] == ["sent", "expired", "expired"]
    assert sorted(m["Message-ID"] for m in outbox.messages) == sorted(
        [get(fresh.id).message_id, planned.message_id]
    )


def brussels_date(moment: datetime) -> date:
    return moment.astimezone(BRUSSELS).date()


@pytest.mark.parametrize("fault", ["refused", "unreachable"])
def test_a_reminder_retried_past_its_grace_period_expires(app, ctx, outbox, faulty_smtp, fault):
    """Refused by the server (an attempt counted) or not sent because the server could not be
    reached (no attempt counted): either way it waits, and expires once too late."""
    end = date.today() + timedelta(days=30)
    reminder = planned_booking(end, nine_in_brussels(end - timedelta(days=60)))
    if fault == "refused":
        port = faulty_smtp(refuse={reminder.recipient.email}).port
    else:
        port = free_port()  # nothing listens there
    with mail_port(app, port):
        first = reminders.dispatch(now=reminder.due_at, worker="w")
    attempts = 1 if fault == "refused" else 0
    assert (first.retrying, first.deferred) == (attempts, 1 - attempts)
    waiting = get(reminder.id)
    assert waiting.status == "pending" and waiting.next_attempt_at is not None

    # The dispatcher comes back only after the grace period: no late message.
    result = reminders.dispatch(
        now=reminder.due_at + grace("book_assessment") + timedelta(minutes=1), worker="w"
    )

    assert (result.expired, result.claimed, result.sent) == (1, 0, 0)
    expired = get(reminder.id)
    assert (expired.status, expired.attempts) == ("expired", attempts)
    assert outbox.messages == []


def test_a_dead_dispatchers_row_is_not_resent_once_past_its_grace_period(app, ctx, outbox):
    end = date.today() + timedelta(days=30)
    reminder = planned_booking(end, nine_in_brussels(end - timedelta(days=60)))
    lease = timedelta(seconds=app.config["REMINDER_LEASE_SECONDS"])
    claimed_at = reminder.due_at + grace("book_assessment") - timedelta(seconds=30)
    with transaction():
        assert delivery.claim(claimed_at, "dead-worker", 10, lease) == [reminder.id]

    result = reminders.dispatch(now=claimed_at + lease + timedelta(seconds=1), worker="live")

    assert (result.expired, result.claimed, result.sent) == (1, 0, 0)
    assert get(reminder.id).status == "expired"
    assert outbox.messages == []


def test_claim_never_hands_out_a_row_past_its_grace_period(app, ctx, outbox):
    end = date.today() + timedelta(days=30)
    reminder = planned_booking(end, nine_in_brussels(end - timedelta(days=60)))
    lease = timedelta(seconds=app.config["REMINDER_LEASE_SECONDS"])
    late = reminder.due_at + grace("book_assessment") + timedelta(seconds=1)

    with transaction():
        assert delivery.claim(late, "w", 10, lease) == []
    assert get(reminder.id).status == "pending"  # expire() marks it, in dispatch's claim step
    with transaction():
        assert delivery.expire(late) == 1
    assert get(reminder.id).status == "expired"
