"""The release of a message (mail.Connection.send's `release`): the envelope and the text
go to a real SMTP server (aiosmtpd on 127.0.0.1) first; the server accepts the message only
if the release says yes, and a withheld message never arrives. The dispatcher relies on it
to record the previous message and re-check this one's row while this one goes out."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import delete

from onboarding.db import transaction
from onboarding.extensions import db
from onboarding.models import Reminder
from onboarding.services import mail
from onboarding.services.reminders import DispatchResult, delivery
from tests.services.test_delivery_faults import NOW, add_due, message_id


def message(n: int):
    return mail.compose(
        to=f"person{n}@example.org",
        subject=f"Message {n}",
        body=f"Line one of {n}\n.a line that starts with a dot\n..and two",
        locale="en",
        message_id=f"<release-{n}@onthaal.local>",
    )


def test_a_released_message_arrives_whole_and_a_withheld_one_never(app, ctx, outbox):
    asked = []

    def release(answer: bool):
        def decide() -> bool:
            asked.append(answer)
            return answer

        return decide

    connection = mail.Connection()
    try:
        connection.send(message(1), release(True))
        with pytest.raises(mail.Withheld):
            connection.send(message(2), release(False))
        connection.send(message(3), release(True))  # on a new connection
        connection.send(message(4))  # without a release: smtplib's own path
    finally:
        connection.close()

    assert asked == [True, False, True]
    received = outbox.messages
    assert [m["Message-ID"] for m in received] == [
        "<release-1@onthaal.local>",
        "<release-3@onthaal.local>",
        "<release-4@onthaal.local>",
    ]
    assert [m["To"] for m in received] == [f"person{n}@example.org" for n in (1, 3, 4)]
    body = received[0].get_body(preferencelist=("plain",)).get_content()
    # The dots at the start of lines arrive as written (stuffed on the way, unstuffed there).
    assert body == "Line one of 1\n.a line that starts with a dot\n..and two\n"


def test_a_row_deleted_while_its_batch_goes_out_is_not_sent(app, ctx, outbox):
    """The candidate was erased (their reminders deleted) after the batch was claimed: the
    row of the next message is checked while the one before it goes out, and its message is
    withheld; the others are sent once."""
    ids = add_due(4, NOW)
    with transaction():
        claimed = delivery.claim(NOW, "worker", 10, timedelta(minutes=5))
    assert sorted(claimed) == sorted(ids)

    original = delivery._mark_sent

    def mark_and_erase(reminder_id, worker, result):
        original(reminder_id, worker, result)
        if reminder_id == ids[1]:  # meanwhile, elsewhere: the third row goes away
            db.session.execute(delete(Reminder).where(Reminder.id == ids[2]))

    delivery._mark_sent = mark_and_erase
    try:
        result = DispatchResult()
        delivery._deliver(sorted(claimed), NOW, "worker", result)
    finally:
        delivery._mark_sent = original

    assert (result.sent, result.lost, result.unrecorded) == (3, 1, 0)
    assert sorted(m["Message-ID"] for m in outbox.messages) == sorted(
        message_id(i) for i in (ids[0], ids[1], ids[3])
    )
