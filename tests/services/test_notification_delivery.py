"""One delivery path for every outbox row: preferences (read when a row is written or,
for reminders, when it goes out), the daily digest, multipart email, and the greeting and
sign-off every email shares."""

from __future__ import annotations

import os
import subprocess
import sys
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest
from babel.support import Translations
from sqlalchemy import func, select

from onboarding.extensions import db
from onboarding.models import NotificationPreference, Reminder, utcnow
from onboarding.services import mail, notifications, reminders
from onboarding.services.errors import Refused
from onboarding.services.notifications import digest, preferences
from tests.factories import make_candidate, make_user

ROOT = Path(__file__).resolve().parents[2]


def catalog(locale: str) -> Translations:
    return Translations.load(str(ROOT / "translations"), [locale])


def plain(message) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def html(message) -> str:
    return message.get_body(preferencelist=("html",)).get_content()


def verified(candidate, actor, kinds=("passport", "diploma", "transcript")) -> list[Reminder]:
    return [
        row
        for kind in kinds
        for row in notifications.notify(
            "document_verified", candidate=candidate, actor=actor, params={"document_kind": kind}
        )
    ]


def later(seconds: int = 1):
    return utcnow() + timedelta(seconds=seconds)


# -- preferences ----------------------------------------------------------------------------


def test_preferences_list_the_kinds_of_the_role_with_the_default(ctx):
    candidate = make_candidate()
    staff = make_user("staff")
    assert preferences.preferences_of(candidate.user) == {
        "progress": "email", "mentoring": "email", "documents": "email",
        "placements": "email", "messages": "email", "reminders": "email",
    }  # fmt: skip
    assert preferences.preferences_of(staff) == {
        "placements": "email", "messages": "email", "reminders": "email", "partners": "email",
        "imports": "email",
    }  # fmt: skip

    preferences.save(staff, {"partners": "digest", "reminders": "app", "imports": "email"})
    assert preferences.preferences_of(staff)["partners"] == "digest"
    stored = db.session.execute(
        select(NotificationPreference.category, NotificationPreference.channel).where(
            NotificationPreference.user_id == staff.id
        )
    ).all()
    assert sorted(stored) == [("partners", "digest"), ("reminders", "app")]  # no default rows

    preferences.save(staff, {"partners": "email"})  # back to the default: the row goes
    assert preferences.preferences_of(staff)["partners"] == "email"


@pytest.mark.parametrize(
    "choices",
    [{"reminders": "pigeon"}, {"documents": "app"}, {"nonsense": "email"}],  # staff: no documents
)
def test_a_bad_choice_is_refused_and_changes_nothing(ctx, choices):
    staff = make_user("staff")
    preferences.save(staff, {"messages": "app"})
    with pytest.raises(Refused):
        preferences.save(staff, {"messages": "digest", **choices})
    assert preferences.preferences_of(staff)["messages"] == "app"


def test_essential_events_come_by_email_whatever_the_preference(ctx):
    candidate = make_candidate()
    preferences.save(candidate.user, {"documents": "app"})
    (essential,) = notifications.notify(
        "data_export_ready", candidate=candidate, people={"requester": [candidate.user]}
    )
    (optional,) = verified(make_candidate(), None, ("passport",)) or [None]
    assert (essential.status, essential.delivery) == ("pending", None)  # for the dispatcher
    (app_only,) = notifications.notify(
        "document_verified", candidate=candidate, params={"document_kind": "passport"}
    )
    assert (app_only.status, app_only.delivery, app_only.in_app_at) == (
        "sent",
        "app",
        app_only.due_at,
    )
    assert optional.status == "pending"


# -- the daily digest -------------------------------------------------------------------------


def test_many_events_make_one_digest_in_the_persons_language_with_links(app, ctx, outbox):
    candidate = make_candidate(locale="nl", name="Anke Pretorius")
    desk = make_user("staff")
    preferences.save(candidate.user, {"documents": "digest"})
    items = verified(candidate, desk)
    db.session.commit()
    assert {(r.status, r.delivery, r.digest_id) for r in items} == {("sent", "digest", None)}
    assert reminders.dispatch(now=later(), worker="w", until_empty=True).claimed == 0

    assert digest.run(now=later(2)) == 1
    assert digest.run(now=later(3)) == 0  # a second run lists nothing again
    result = reminders.dispatch(now=later(4), worker="w", until_empty=True)

    assert result.sent == 1
    (message,) = outbox.messages
    texts = catalog("nl")
    assert message["To"] == candidate.user.email
    assert message["Content-Language"] == "nl"
    assert message["Subject"] == texts.gettext("What happened on Onthaal today")
    body = plain(message)
    assert texts.gettext("Dear %(name)s,") % {"name": "Anke"} in body
    base = app.config["PUBLIC_BASE_URL"].rstrip("/")
    assert body.count(f"{base}/me/documents") == 3
    for kind in ("passport", "diploma", "transcript"):
        row = next(r for r in items if r.params["document_kind"] == kind)
        with app.test_request_context(), _locale("nl"):
            assert reminders.subject(row) in body
    assert f"{base}/notifications" in body and f"{base}/settings" in body
    db.session.expire_all()
    (summary,) = db.session.scalars(select(Reminder).where(Reminder.kind == "digest")).all()
    assert (summary.status, summary.essential, summary.recipient_id) == (
        "sent",
        True,
        candidate.user_id,
    )
    assert message["Message-ID"] == f"<notification-{summary.id}@onthaal.local>"
    assert {db.session.get(Reminder, r.id).digest_id for r in items} == {summary.id}


def _locale(locale: str):
    from flask_babel import force_locale

    return force_locale(locale)


def test_the_items_of_two_people_make_two_digests_and_none_when_nothing_waits(ctx, outbox):
    first = make_candidate(locale="af")
    second = make_candidate(locale="en")
    for candidate in (first, second):
        preferences.save(candidate.user, {"documents": "digest"})
    verified(first, None, ("passport",))
    verified(second, None, ("passport", "cv"))
    email_only = make_candidate()
    notifications.notify(  # by email: never in a digest
        "document_rejected", candidate=email_only,
        params={"document_kind": "passport", "reason": "Blurred."},
    )  # fmt: skip
    db.session.commit()

    assert digest.run(now=later()) == 2
    reminders.dispatch(now=later(2), worker="w", until_empty=True)
    subjects = {m["To"]: m["Subject"] for m in outbox.messages}
    assert subjects[first.user.email] == catalog("af").gettext("What happened on Onthaal today")
    assert subjects[second.user.email] == "What happened on Onthaal today"
    assert sorted(m["To"] for m in outbox.messages) == sorted(
        [first.user.email, second.user.email, email_only.user.email]
    )
    assert digest.run(now=later(3)) == 0
    assert db.session.scalar(select(func.count()).where(Reminder.kind == "digest")) == 2


def test_a_digest_lists_a_reminder_that_went_to_it(ctx, outbox):
    candidate = make_candidate(phase="placed")
    preferences.save(candidate.user, {"reminders": "digest"})
    now = utcnow()
    checkin = Reminder(rule="checkin_30", candidate_id=candidate.id, recipient=candidate.user,
                       due_at=now, anchor=now.date().isoformat(), essential=False,
                       params={"candidate": candidate.name, "phase": "placed"})  # fmt: skip
    db.session.add(checkin)
    db.session.commit()
    reminders.dispatch(now=later(), worker="w", until_empty=True)
    assert outbox.messages == []
    assert digest.run(now=later(2)) == 1
    reminders.dispatch(now=later(3), worker="w", until_empty=True)
    (message,) = outbox.messages
    assert "/me/" in plain(message)


@pytest.mark.postgres
def test_two_digest_runs_at_once_list_every_item_exactly_once(fresh_pg_app):
    """Two `flask digest` processes at the same moment against PostgreSQL: every item is
    taken by exactly one digest and no digest is empty."""
    app = fresh_pg_app
    people = 40
    with app.app_context():
        for _ in range(people):
            candidate = make_candidate()
            preferences.save(candidate.user, {"documents": "digest"})
            verified(candidate, None, ("passport", "diploma", "cv"))
        db.session.commit()
        url = db.engine.url.render_as_string(hide_password=False)
        db.session.remove()
    env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": "digest-test"}
    flask = str(Path(sys.executable).with_name("flask"))
    runs = [
        subprocess.Popen([flask, "--app", "wsgi", "digest"], cwd=ROOT, env=env,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(2)
    ]  # fmt: skip
    written = 0
    for run in runs:
        stdout, stderr = run.communicate(timeout=120)
        assert run.returncode == 0, stderr[-3000:]
        written += int(stdout.strip().split("=")[1])
    with app.app_context():
        items = db.session.execute(
            select(Reminder.id, Reminder.digest_id, Reminder.recipient_id).where(
                Reminder.kind == "event"
            )
        ).all()
        digests = dict(
            db.session.execute(
                select(Reminder.id, Reminder.recipient_id).where(Reminder.kind == "digest")
            ).all()
        )
        db.session.remove()
    assert len(items) == people * 3
    assert all(digest_id in digests for _, digest_id, _ in items)  # every item taken once
    assert all(digests[digest_id] == recipient for _, digest_id, recipient in items)
    assert set(Counter(digest_id for _, digest_id, _ in items)) == set(digests)  # none empty
    assert written == len(digests) >= people


# -- multipart email --------------------------------------------------------------------------


def test_every_email_is_multipart_with_an_escaped_accessible_html_part(app, ctx):
    body = (
        "Dear <script>alert(1)</script>,\n\nFirst line & more\nsecond line\n\n"
        "Open https://onthaal.example/me/?a=1&b=2.\n"
    )
    message = mail.compose(
        to="a@example.org", subject="Über <b>", body=body, locale="af", message_id="<m@x>"
    )
    assert message.get_content_type() == "multipart/alternative"
    parts = [part.get_content_type() for part in message.get_payload()]
    assert parts == ["text/plain", "text/html"]
    text = message.get_payload()[0].get_payload(decode=True).decode()
    assert text == body.strip() + "\n"
    page = message.get_payload()[1].get_payload(decode=True).decode()
    assert '<html lang="af">' in page
    assert "<title>Über &lt;b&gt;</title>" in page
    assert "<script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<p>First line &amp; more<br>\nsecond line</p>" in page
    assert (
        '<a href="https://onthaal.example/me/?a=1&amp;b=2">'
        "https://onthaal.example/me/?a=1&amp;b=2</a>." in page
    )
    assert "<img" not in page and "style" not in page and "src=" not in page


def test_a_name_with_a_script_is_escaped_in_the_html_part_of_a_sent_email(ctx, outbox):
    candidate = make_candidate(name="<script>alert('x')</script> Pretorius")
    notifications.notify(
        "document_rejected", candidate=candidate,
        params={"document_kind": "passport", "reason": "<b>blurred</b>"},
    )  # fmt: skip
    db.session.commit()
    reminders.dispatch(now=later(), worker="w", until_empty=True)
    (message,) = outbox.messages
    page = html(message)
    assert "<script>" not in page and "<b>" not in page
    assert "&lt;b&gt;blurred&lt;/b&gt;" in page
    assert "<b>blurred</b>" in plain(message)  # the text part is the text as written


# -- greeting and sign-off --------------------------------------------------------------------


@pytest.mark.parametrize("locale", ["nl", "af", "en"])
def test_every_kind_of_email_greets_by_first_name_and_signs_off_once(app, ctx, outbox, locale):
    texts = catalog(locale)
    candidate = make_candidate(locale=locale, name="Anke van der Merwe", phase="placed")
    notifications.notify("document_rejected", candidate=candidate,
                         params={"document_kind": "passport", "reason": "Blurred."})  # fmt: skip
    now = utcnow()
    db.session.add(
        Reminder(rule="checkin_30", candidate_id=candidate.id, recipient=candidate.user,
                 due_at=now, anchor=now.date().isoformat(), essential=False,
                 params={"candidate": candidate.name, "phase": "placed"})
    )  # fmt: skip
    db.session.commit()
    reminders.dispatch(now=later(), worker="w", until_empty=True)
    messages = outbox.messages
    assert len(messages) == 2
    greeting = texts.gettext("Dear %(name)s,") % {"name": "Anke"}
    for message in messages:
        body = plain(message)
        assert body.startswith(greeting + "\n\n")
        assert body.count(texts.gettext("Kind regards,")) == 1
        assert body.rstrip().endswith(
            texts.gettext("Kind regards,") + "\n" + texts.gettext("The Onthaal welcome desk")
        )
        link = next(line for line in body.splitlines() if "://" in line)
        lead_in = body.splitlines()[body.splitlines().index(link) - 1]
        assert lead_in.endswith(":")  # never a bare link
    reminder = next(m for m in messages if m["Message-ID"].startswith("<reminder-"))
    body = plain(reminder)
    assert texts.gettext("Open the page on Onthaal:") + "\n" in body
    settings = app.config["PUBLIC_BASE_URL"].rstrip("/") + "/settings"
    opt_out = texts.gettext(
        "You can choose how reminders like this one reach you (by email, only in the app, "
        "or in a daily summary) in your settings:"
    )
    assert f"\n\n{opt_out}\n{settings}\n\n" in body  # its own paragraph, with the link
