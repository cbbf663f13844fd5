"""The pages of the delivery path: notification settings, the in-app notifications (each
one a link that marks it read) and the desk's queue of every outbox row."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from babel.support import Translations
from sqlalchemy import select

from onboarding.models import NotificationPreference, Reminder, utcnow
from onboarding.services import notifications
from onboarding.services.notifications import preferences
from tests.factories import make_candidate, make_user

ROOT = __import__("pathlib").Path(__file__).resolve().parents[2]


def catalog(locale: str) -> Translations:
    return Translations.load(str(ROOT / "translations"), [locale])


CANDIDATE_CHOICES = {"progress": "email", "mentoring": "app", "documents": "digest",
                     "placements": "email", "messages": "email", "reminders": "app"}  # fmt: skip


def stored(session, user_id: int) -> list[tuple[str, str]]:
    return sorted(
        session.execute(
            select(NotificationPreference.category, NotificationPreference.channel).where(
                NotificationPreference.user_id == user_id
            )
        ).all()
    )


@pytest.mark.parametrize("locale", ["nl", "af", "en"])
def test_the_settings_page_offers_a_choice_per_kind_and_saves_it(client, data, login, locale):
    with data():
        candidate = make_candidate(locale=locale)
        email, user_id = candidate.user.email, candidate.user_id
    login(client, email)
    page = client.get("/settings").get_data(as_text=True)
    texts = catalog(locale)
    assert page.count('<fieldset class="field" id="') >= 6
    for category in CANDIDATE_CHOICES:
        assert f'data-category="{category}"' in page
    assert 'data-category="partners"' not in page  # a kind of the desk only
    for label in ("Email and in the app", "Only in the app",
                  "In the app, and a daily summary by email"):  # fmt: skip
        assert texts.gettext(label) in page
    essential = texts.gettext(
        "Some messages are essential and always come by email as well: password reset "
        "links, deadline reminders and the copy of your data."
    )
    assert essential in page

    response = client.post("/settings/notifications", data=CANDIDATE_CHOICES)

    assert response.status_code == 302
    with data() as session:
        assert stored(session, user_id) == [
            ("documents", "digest"),
            ("mentoring", "app"),
            ("reminders", "app"),
        ]
    page = client.get("/settings").get_data(as_text=True)
    chosen = r'<input[^>]*name="documents"[^>]*value="digest"[^>]*>'
    assert "checked" in re.search(chosen, page).group(0)


@pytest.mark.parametrize(
    "bad",
    [{"reminders": "pigeon"}, {"reminders": ""}, {"documents": "sms"}],
)
def test_a_bad_value_is_a_translated_422_and_changes_nothing(client, data, login, bad):
    with data() as session:
        candidate = make_candidate(locale="nl")
        preferences.save(candidate.user, {"progress": "app"})
        session.commit()
        email, user_id = candidate.user.email, candidate.user_id
    login(client, email)

    response = client.post("/settings/notifications", data={**CANDIDATE_CHOICES, **bad})

    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert catalog("nl").gettext("Please correct the marked fields.") in page
    with data() as session:
        assert stored(session, user_id) == [("progress", "app")]


def _event(candidate, key="phase_changed", at=None, **params) -> Reminder:
    (row,) = notifications.notify(
        key, candidate=candidate, params={"phase": candidate.phase, **params},
        by_email=False, now=at or utcnow(),
    )  # fmt: skip
    return row


def test_notifications_are_links_that_open_their_page_and_mark_them_read(client, data, login):
    with data() as session:
        candidate = make_candidate(locale="en", phase="language_immersion")
        other = make_candidate()
        older = _event(candidate, at=utcnow() - timedelta(hours=2))
        newer = _event(candidate, "document_verified", document_kind="passport")
        theirs = _event(other)
        session.commit()
        ids = (older.id, newer.id, theirs.id)
        email = candidate.user.email
    older_id, newer_id, theirs_id = ids
    login(client, email)
    page = client.get("/notifications").get_data(as_text=True)
    links = re.findall(r'href="/notifications/(\d+)"', page)
    assert links == [str(newer_id), str(older_id)]  # newest first, only their own
    assert '<span class="count" aria-label="unread">2</span>' in page

    response = client.get(f"/notifications/{newer_id}")

    assert response.status_code == 302
    assert response.location == "/me/documents"
    assert client.get(f"/notifications/{older_id}").location == "/me/"
    with data() as session:
        assert session.get(Reminder, newer_id).read_at is not None
        assert session.get(Reminder, theirs_id).read_at is None
    page = client.get("/notifications").get_data(as_text=True)
    assert 'aria-label="unread"' not in page
    assert client.get(f"/notifications/{theirs_id}").status_code == 404
    with data() as session:
        assert session.get(Reminder, theirs_id).read_at is None


def test_a_sent_reminder_opens_its_task_page_and_a_pending_one_is_not_shown(client, data, login):
    with data() as session:
        mentor = make_user("mentor")
        candidate = make_candidate(phase="mentoring", mentor=mentor)
        now = utcnow()
        sent = Reminder(
            rule="mentor_meeting_due",
            candidate_id=candidate.id,
            recipient=mentor,
            due_at=now,
            anchor=now.date().isoformat(),
            essential=False,
            params={"candidate": candidate.name, "phase": "mentoring"},
            status="sent",
            sent_at=now,
            delivery="app",
            in_app_at=now,
        )
        pending = Reminder(
            rule="mentor_meeting_due",
            candidate_id=candidate.id,
            recipient=mentor,
            due_at=now + timedelta(days=3),
            occurrence=2,
            anchor=now.date().isoformat(),
            essential=False,
            params={"candidate": candidate.name, "phase": "mentoring"},
        )
        session.add_all([sent, pending])
        session.commit()
        sent_id, pending_id, candidate_id, email = sent.id, pending.id, candidate.id, mentor.email
    login(client, email)
    assert client.get(f"/notifications/{sent_id}").location == f"/mentor/mentees/{candidate_id}"
    assert client.get(f"/notifications/{pending_id}").status_code == 404
    page = client.get("/notifications").get_data(as_text=True)
    assert f"/notifications/{pending_id}" not in page  # listed under "Coming up", no link


def test_mark_all_as_read_still_works(client, data, login):
    with data() as session:
        candidate = make_candidate()
        row = _event(candidate)
        session.commit()
        row_id, email = row.id, candidate.user.email
    login(client, email)
    assert client.post("/notifications/read").status_code == 302
    with data() as session:
        assert session.get(Reminder, row_id).read_at is not None


def test_the_desk_queue_shows_every_kind_with_a_filter_and_retries_a_failed_notification(
    client, data, login
):
    with data() as session:
        desk = make_user("staff", locale="nl")
        candidate = make_candidate(name="Anke Pretorius")
        (event,) = notifications.notify(
            "document_rejected", candidate=candidate,
            params={"document_kind": "passport", "reason": "Blurred."},
        )  # fmt: skip
        event.status, event.attempts, event.last_error = "failed", 6, "550 no such user"
        now = utcnow()
        session.add(
            Reminder(kind="event", rule="partner_application_accepted", to_email="lead@uni.example",
                     to_name="Lead", to_locale="af", audience="applicant", due_at=now,
                     anchor=now.isoformat(), params={}, status="pending")
        )  # fmt: skip
        session.commit()
        event_id, email = event.id, desk.email
    login(client, email)
    texts = catalog("nl")
    page = client.get("/desk/reminders").get_data(as_text=True)
    assert f"<td>{texts.gettext('Notification')}</td>" in page
    assert "lead@uni.example" in page  # an applicant without an account: the address
    assert "Anke Pretorius" in page  # the candidate is the recipient of the notification
    events = client.get("/desk/reminders?kind=event").get_data(as_text=True)
    assert events.count('data-kind="event"') >= 2 + 1  # two rows and the tab
    reminders_only = client.get("/desk/reminders?kind=reminder").get_data(as_text=True)
    assert "<tr data-status" not in reminders_only
    export = client.get("/desk/export/reminders.csv?kind=event").get_data(as_text=True)
    assert "lead@uni.example" in export and texts.gettext("Notification") in export

    response = client.post(f"/desk/reminders/{event_id}/retry")

    assert response.status_code == 302
    with data() as session:
        retried = session.get(Reminder, event_id)
        assert (retried.status, retried.attempts) == ("pending", 0)
