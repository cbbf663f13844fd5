"""The outbox core: an event written in the change's transaction, delivered by the
reminders' dispatcher once, in the recipient's language, with the link to their page."""

from datetime import timedelta

from sqlalchemy import select

from onboarding.extensions import db
from onboarding.models import Reminder, utcnow
from onboarding.services import notifications, reminders
from tests.factories import make_candidate, make_user
from tests.mail import text_of


def test_an_event_reaches_the_candidate_once_by_email_and_in_the_app(app, ctx, outbox):
    candidate = make_candidate(locale="nl", name="Anke Pretorius")
    desk = make_user("staff")
    (row,) = notifications.notify(
        "document_rejected",
        candidate=candidate,
        actor=desk,
        params={"document_kind": "passport", "reason": "De scan is onleesbaar."},
    )
    db.session.commit()
    assert row.in_app_at is not None and row.status == "pending"

    now = utcnow() + timedelta(seconds=1)
    first = reminders.dispatch(now=now, worker="w1", until_empty=True)
    second = reminders.dispatch(now=now, worker="w2", until_empty=True)

    assert (first.sent, second.claimed) == (1, 0)
    (message,) = outbox.messages
    assert message["To"] == candidate.user.email
    assert message["Message-ID"] == f"<notification-{row.id}@onthaal.local>"
    assert message["Content-Language"] == "nl"
    body = text_of(message)
    assert "De scan is onleesbaar." in body
    assert app.config["PUBLIC_BASE_URL"].rstrip("/") + "/me/documents" in body
    db.session.expire_all()
    stored = db.session.scalars(select(Reminder).where(Reminder.id == row.id)).one()
    assert (stored.status, stored.delivery) == ("sent", "email")


def test_the_actor_is_not_told_and_app_only_rows_need_no_dispatcher(ctx, outbox):
    candidate = make_candidate()
    rows = notifications.notify(
        "document_verified",
        candidate=candidate,
        actor=candidate.user,
        params={"document_kind": "passport"},
    )
    assert rows == []
    (row,) = notifications.notify(
        "document_verified",
        candidate=candidate,
        params={"document_kind": "passport"},
        by_email=False,
    )
    assert (row.status, row.delivery) == ("sent", "app")
