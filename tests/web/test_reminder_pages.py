"""Pages around reminders: notifications, settings, the calendar feed, deadlines, desk views."""

import re
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from babel.dates import format_date
from babel.support import Translations
from icalendar import Calendar
from markupsafe import escape
from sqlalchemy import select

from onboarding.db import transaction
from onboarding.i18n import FORMAT_LOCALES
from onboarding.models import (
    AuditEvent,
    MentoringMeeting,
    NotificationPreference,
    Reminder,
    utcnow,
)
from onboarding.services import candidates, reminders
from tests.factories import make_assessment, make_candidate, make_user
from workflows.reminders import PHASE_LIMIT_DAYS, RULES_BY_KEY

ROOT = Path(__file__).resolve().parents[2]
BRUSSELS = ZoneInfo("Europe/Brussels")
FEED = re.compile(r"https?://[^\"\s]+/calendar/([A-Za-z0-9_-]+)\.ics")


def translations(locale: str) -> Translations:
    return Translations.load(str(ROOT / "translations"), [locale])


def nine_in_brussels(day: date) -> datetime:
    return datetime.combine(day, time(9, 0), tzinfo=BRUSSELS).astimezone(UTC)


def section(page: str, css_class: str) -> str:
    match = re.search(rf'<section class="card {css_class}">(.*?)</section>', page, re.S)
    assert match, f"no section .{css_class}"
    return match.group(1)


def header_count(page: str) -> str | None:
    match = re.search(r'<a class="notifications-link"[^>]*>(.*?)</a>', page, re.S)
    assert match, "no notifications link in the header"
    count = re.search(r'<span class="count"[^>]*>(\d+)</span>', match.group(1))
    return count.group(1) if count else None


def immersion_candidate(end: date, **fields):
    return make_candidate(
        phase="language_immersion",
        immersion_start=end - timedelta(days=91),
        immersion_planned_end=end,
        **fields,
    )


@pytest.mark.parametrize("locale", ["nl", "af", "en"])
def test_notifications_show_sent_reminders_and_the_unread_count(
    client, data, login, outbox, locale
):
    end = date.today() + timedelta(days=10)
    with data() as session:
        candidate = immersion_candidate(end, locale=locale)
        with transaction():
            reminders.reschedule(candidate, nine_in_brussels(end - timedelta(days=14)))
        session.commit()
        (reminder,) = session.scalars(select(Reminder).where(Reminder.candidate_id == candidate.id))
        reminders.dispatch(now=reminder.due_at + timedelta(minutes=1), worker="w")
        email, reminder_id = candidate.user.email, reminder.id
    assert len(outbox.messages) == 1
    login(client, email)

    page = client.get("/notifications").get_data(as_text=True)
    catalog = translations(locale)
    text = catalog.gettext(RULES_BY_KEY["book_assessment"].subject) % {
        "date": format_date(end, "long", locale=FORMAT_LOCALES[locale])
    }
    assert str(escape(text)) in page
    assert '<li class="unread" data-rule="book_assessment" data-kind="reminder">' in page
    assert header_count(page) == "1"
    assert header_count(client.get("/me/").get_data(as_text=True)) == "1"

    response = client.post("/notifications/read")
    assert response.status_code == 302
    page = client.get("/notifications").get_data(as_text=True)
    assert header_count(page) is None
    assert str(escape(text)) in page  # still listed, no longer unread
    assert 'class="unread"' not in page
    with data() as session:
        assert session.get(Reminder, reminder_id).read_at is not None


def feed_token(client) -> str:
    page = client.get("/settings").get_data(as_text=True)
    match = FEED.search(page)
    assert match, "no calendar feed address on the settings page"
    return match.group(1)


def events(response) -> list:
    assert response.status_code == 200
    assert response.mimetype == "text/calendar"
    calendar = Calendar.from_ical(response.get_data())
    return list(calendar.walk("VEVENT"))


def by_summary(found) -> dict:
    return {str(event["SUMMARY"]): event for event in found}


def is_all_day(event) -> bool:
    start, stop = event["DTSTART"].dt, event["DTEND"].dt
    return not isinstance(start, datetime) and stop == start + timedelta(days=1)


@pytest.mark.parametrize("locale", ["en", "nl", "af"])
def test_candidate_calendar_feed_has_deadlines_and_meetings(
    client, make_client, data, login, locale
):
    end = date.today() + timedelta(days=40)
    met_on = date.today() - timedelta(days=3)
    with data() as session:
        mentor = make_user("mentor")
        candidate = immersion_candidate(end, mentor=mentor, locale=locale)
        session.add(
            MentoringMeeting(candidate_id=candidate.id, mentor_id=mentor.id, met_on=met_on,
                             note="First meeting")
        )  # fmt: skip
        session.commit()
        email = candidate.user.email
    login(client, email)
    token = feed_token(client)

    found = by_summary(events(make_client().get(f"/calendar/{token}.ics")))

    catalog = translations(locale)
    booking = found[catalog.gettext("Book your Dutch assessment")]
    assert booking["DTSTART"].dt == end - timedelta(days=14)
    assert is_all_day(booking)
    # The category is shown by calendar apps: in the feed owner's language.
    assert [str(c) for c in booking["CATEGORIES"].cats] == [catalog.gettext("Deadline")]
    assert locale != "af" or catalog.gettext("Deadline") != "Deadline"
    immersion_end = found[catalog.gettext("Language immersion ends (planned)")]
    assert immersion_end["DTSTART"].dt == end and is_all_day(immersion_end)
    meeting = found[catalog.gettext("Mentoring meeting")]
    assert meeting["DTSTART"].dt == met_on and is_all_day(meeting)
    assert len({str(event["UID"]) for event in found.values()}) == len(found) == 3


def test_mentor_calendar_feed_has_their_mentees_meetings_only(client, make_client, data, login):
    met_on = date.today() - timedelta(days=5)
    with data() as session:
        mentor, other = make_user("mentor"), make_user("mentor")
        mine = make_candidate(phase="mentoring", mentor=mentor, name="Amara Okafor")
        theirs = make_candidate(phase="mentoring", mentor=other, name="Kobus Venter")
        session.add_all(
            [
                MentoringMeeting(candidate_id=mine.id, mentor_id=mentor.id, met_on=met_on,
                                 note="Mock interview"),
                MentoringMeeting(candidate_id=theirs.id, mentor_id=other.id, met_on=met_on,
                                 note="CV review"),
            ]
        )  # fmt: skip
        session.commit()
        email = mentor.email
    login(client, email)
    token = feed_token(client)

    found = by_summary(events(make_client().get(f"/calendar/{token}.ics")))

    meeting = found["Amara Okafor: Mentoring meeting"]
    assert meeting["DTSTART"].dt == met_on and is_all_day(meeting)
    assert not any("Kobus Venter" in summary for summary in found)


def test_calendar_feed_token_can_be_replaced(client, make_client, data, login):
    with data():
        email = immersion_candidate(date.today() + timedelta(days=40)).user.email
    login(client, email)
    old = feed_token(client)
    assert feed_token(client) == old  # stable until reset
    reader = make_client()
    assert reader.get(f"/calendar/{old}.ics").status_code == 200
    for wrong in ("not-the-token", old[:-1], "x" * 80):
        assert reader.get(f"/calendar/{wrong}.ics").status_code == 404

    assert client.post("/settings/calendar").status_code == 422  # the box is not ticked
    assert feed_token(client) == old
    response = client.post("/settings/calendar", data={"confirmed": "y"})
    assert response.status_code == 302
    new = feed_token(client)

    assert new != old
    assert reader.get(f"/calendar/{old}.ics").status_code == 404
    assert reader.get(f"/calendar/{new}.ics").status_code == 200


def test_choosing_the_app_for_reminders_in_settings_keeps_them_planned(client, data, login):
    started = utcnow() - timedelta(days=10)
    with data() as session:
        staff, mentor = make_user("staff"), make_user("mentor")
        candidate = make_candidate(phase="mentoring", mentor=mentor, phase_entered_at=started)
        session.add(
            AuditEvent(candidate_id=candidate.id, action="complete_immersion", at=started,
                       from_phase="language_immersion", to_phase="mentoring")
        )  # fmt: skip
        session.commit()
        with transaction():
            reminders.reschedule(candidate, started)
        session.commit()
        planned = {
            r.rule: (r.id, r.recipient_id, r.status)
            for r in session.scalars(select(Reminder).where(Reminder.candidate_id == candidate.id))
        }
        email, mentor_id, staff_id = mentor.email, mentor.id, staff.id
    assert planned["mentor_meeting_due"][1:] == (mentor_id, "pending")
    assert planned["mentor_meeting_escalation"][1:] == (staff_id, "pending")
    login(client, email)

    choices = {"progress": "email", "mentoring": "email", "placements": "digest",
               "messages": "email", "reminders": "app"}  # fmt: skip
    response = client.post("/settings/notifications", data=choices)

    assert response.status_code == 302
    with data() as session:
        stored = session.execute(
            select(NotificationPreference.category, NotificationPreference.channel).where(
                NotificationPreference.user_id == mentor_id
            )
        ).all()
        assert sorted(stored) == [("placements", "digest"), ("reminders", "app")]
        # Planned as before: the dispatcher reads the choice when each one goes out.
        for rule in ("mentor_meeting_due", "mentor_meeting_escalation", "stuck_in_phase"):
            assert session.get(Reminder, planned[rule][0]).status == "pending"
    page = client.get("/settings").get_data(as_text=True)
    assert re.search(r'<input[^>]*checked[^>]*name="reminders"[^>]*value="app"|'
                     r'<input[^>]*name="reminders"[^>]*value="app"[^>]*checked', page)  # fmt: skip


@pytest.mark.parametrize("locale", ["nl", "af", "en"])
def test_candidate_dashboard_lists_upcoming_deadlines(client, data, login, locale):
    end = date.today() + timedelta(days=40)
    with data():
        email = immersion_candidate(end, locale=locale).user.email
    login(client, email)

    deadlines = section(client.get("/me/").get_data(as_text=True), "deadlines")

    catalog = translations(locale)
    booking = re.search(
        r"<li><time[^>]*>([^<]*)</time>\s*<span>" + re.escape(
            str(escape(catalog.gettext("Book your Dutch assessment")))), deadlines
    )  # fmt: skip
    assert booking, deadlines
    assert booking.group(1) == format_date(
        end - timedelta(days=14), "long", locale=FORMAT_LOCALES[locale]
    )
    assert format_date(end, "long", locale=FORMAT_LOCALES[locale]) in deadlines


def test_a_passing_assessment_removes_the_booking_deadline(client, data, login):
    end = date.today() + timedelta(days=40)
    with data():
        candidate = immersion_candidate(end)
        make_assessment(candidate, "B1")
        email = candidate.user.email
    login(client, email)
    deadlines = section(client.get("/me/").get_data(as_text=True), "deadlines")
    assert "Book your Dutch assessment" not in deadlines
    assert format_date(end - timedelta(days=14), "long", locale="en_GB") not in deadlines
    assert format_date(end, "long", locale="en_GB") in deadlines


def test_desk_board_shows_candidates_stuck_in_their_phase(client, data, login):
    limit = PHASE_LIMIT_DAYS["language_immersion"]
    now = utcnow()
    with data():
        email = make_user("staff").email
        make_candidate(phase="language_immersion", name="Stuck Sipho",
                       phase_entered_at=now - timedelta(days=limit + 5))  # fmt: skip
        make_candidate(phase="language_immersion", name="Fresh Farai",
                       phase_entered_at=now - timedelta(days=limit - 1))  # fmt: skip
    login(client, email)

    page = client.get("/desk/").get_data(as_text=True)

    stuck = section(page, "stuck")
    assert "Stuck Sipho" in stuck
    assert "5 days over the limit" in stuck
    assert "Fresh Farai" not in stuck
    assert "Fresh Farai" in page  # still on the board, just not stuck


def test_desk_board_has_no_stuck_section_when_everyone_is_within_limits(client, data, login):
    with data():
        email = make_user("staff").email
        make_candidate(phase="outreach", phase_entered_at=utcnow() - timedelta(days=29))
    login(client, email)
    assert 'class="card stuck"' not in client.get("/desk/").get_data(as_text=True)


def statuses(page: str) -> list[str]:
    return re.findall(r'<tr data-status="(\w+)"', page)


def test_desk_reminder_queue_filters_by_status(client, data, login):
    with data():
        staff = make_user("staff")
        candidate = immersion_candidate(date.today() + timedelta(days=40))
        with transaction():
            reminders.reschedule(candidate, candidate.phase_entered_at)
        with transaction():
            candidates.record_assessment(staff, candidate.id, "B1", date.today())  # cancels two
        email = staff.email
    login(client, email)

    everything = client.get("/desk/reminders")
    assert everything.status_code == 200
    # the queue holds the outbox: the reminders and the assessment's notification to the
    # candidate (pending: by email)
    assert sorted(statuses(everything.get_data(as_text=True))) == [
        "cancelled",
        "cancelled",
        "pending",
        "pending",
    ]
    pending = client.get("/desk/reminders?status=pending").get_data(as_text=True)
    assert statuses(pending) == ["pending", "pending"]
    assert "has been in the phase" in pending  # the stuck_in_phase reminder
    assert "Dutch assessment recorded: level B1" in pending  # the notification
    cancelled = client.get("/desk/reminders?status=cancelled").get_data(as_text=True)
    assert statuses(cancelled) == ["cancelled", "cancelled"]
    assert statuses(client.get("/desk/reminders?status=failed").get_data(as_text=True)) == []
    unknown = client.get("/desk/reminders?status=bogus").get_data(as_text=True)
    assert len(statuses(unknown)) == 4


@pytest.mark.parametrize("role", ["candidate", "mentor"])
def test_desk_reminder_queue_is_for_staff_only(client, data, login, role):
    with data() as session:
        user = make_candidate().user if role == "candidate" else make_user("mentor")
        candidate = immersion_candidate(date.today() + timedelta(days=40))
        with transaction():
            reminders.reschedule(candidate, candidate.phase_entered_at)
        session.commit()
        reminder_id = session.scalars(
            select(Reminder.id).where(Reminder.candidate_id == candidate.id)
        ).first()
        email = user.email
    assert client.get("/desk/reminders").status_code == 302  # not signed in: to the login
    login(client, email)
    assert client.get("/desk/reminders").status_code == 403
    assert client.get("/desk/reminders?status=failed").status_code == 403
    assert client.post(f"/desk/reminders/{reminder_id}/retry").status_code == 403


@pytest.mark.parametrize(
    ("locale", "label", "grace"), [("en", "Expired", "3 days"), ("nl", "Verlopen", "3 dagen"),
                                   ("af", "Verval", "3 dae")]
)  # fmt: skip
def test_desk_reminder_queue_shows_expired_reminders_translated(
    client, data, login, outbox, locale, label, grace
):
    end = date.today() + timedelta(days=40)
    with data() as session:
        email = make_user("staff", locale=locale).email
        candidate = immersion_candidate(end, name="Laat Lukas")
        with transaction():
            reminders.reschedule(candidate, nine_in_brussels(end - timedelta(days=60)))
        (book,) = session.scalars(
            select(Reminder).where(
                Reminder.candidate_id == candidate.id, Reminder.rule == "book_assessment"
            )
        )
        result = reminders.dispatch(now=book.due_at + timedelta(days=4), worker="w")
        assert (result.expired, result.sent) == (1, 0)
    assert outbox.messages == []
    login(client, email)
    catalog = translations(locale)

    page = client.get("/desk/reminders?status=expired").get_data(as_text=True)

    assert statuses(page) == ["expired"]
    assert f'data-status="expired" class="active" aria-current="page">{label} ' in page
    assert f'<td class="status-expired">{label}' in page
    explanation = catalog.gettext("Not sent: it was more than %(grace)s overdue.")
    assert str(escape(explanation % {"grace": grace})) in page
    if locale != "en":
        assert catalog.gettext("Expired") == label
    everything = client.get("/desk/reminders").get_data(as_text=True)
    assert "expired" in statuses(everything)
    export = client.get("/desk/export/reminders.csv?status=expired")
    assert export.status_code == 200
    assert label in export.get_data(as_text=True)
