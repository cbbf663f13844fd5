"""The reminder queue at scale (issue 15): the counts per kind and status that triggers keep
in `outbox_counts` stay exact whatever writes the outbox (the ORM, a bulk insert, the
dispatcher's status changes, a delete) and after the worker folds them; concurrent changes
never wait for one another; and the paged queue shows exactly what the whole queue in its
order shows, page after page, on every tab."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import case, delete, func, select, text, update

from onboarding.db import fold_counts as fold
from onboarding.extensions import db
from onboarding.models import OutboxCount, Reminder, utcnow
from onboarding.scheduler import fold_counts
from onboarding.services import reminders
from onboarding.services.reminders.reading import QUEUE_ORDER
from tests.factories import make_due_reminders

STATUSES = ["pending", "sent", "failed", "cancelled", "expired", "sending"]


def actual(kind: str | None = None) -> dict[str, int]:
    query = select(Reminder.status, func.count(Reminder.id)).group_by(Reminder.status)
    if kind:
        query = query.where(Reminder.kind == kind)
    return dict(db.session.execute(query).all())


def mixed_outbox(count: int = 40) -> list[int]:
    """`count` reminders over every status (sent and cancelled ones with their moment) and
    a few notifications; their ids."""
    now = utcnow()
    ids = make_due_reminders(count, now, spread_minutes=7)
    for n, reminder_id in enumerate(ids):
        status = STATUSES[n % len(STATUSES)]
        values: dict = {"status": status}
        if status == "sent":
            values["sent_at"] = now - timedelta(minutes=n)
        if status == "cancelled":
            values["cancelled_at"] = now - timedelta(minutes=3 * n % 11)
        if n % 5 == 0:
            values["kind"] = "event"
        db.session.execute(update(Reminder).where(Reminder.id == reminder_id).values(**values))
    db.session.flush()
    return ids


def test_counts_follow_every_write_and_survive_folding(ctx):
    ids = mixed_outbox()
    assert reminders.queue_counts() == actual()
    assert reminders.queue_counts("event") == actual("event")
    # The dispatcher's moves, a retry, a status set to what it was, a delete.
    db.session.execute(
        update(Reminder).where(Reminder.status == "pending").values(status="sending")
    )
    db.session.execute(update(Reminder).where(Reminder.id == ids[2]).values(status="pending"))
    db.session.execute(update(Reminder).where(Reminder.id == ids[3]).values(status="sent"))
    reminder = db.session.get(Reminder, ids[4])
    reminder.status = "sent"
    db.session.execute(delete(Reminder).where(Reminder.id.in_(ids[10:15])))
    db.session.flush()
    assert reminders.queue_counts() == actual()
    assert reminders.queue_counts("reminder") == actual("reminder")
    before = db.session.scalar(select(func.count(OutboxCount.id)))
    folded = fold(OutboxCount, "kind", "status")
    assert folded == before
    rows = db.session.execute(select(OutboxCount.kind, OutboxCount.status)).all()
    assert len(rows) == len(set(rows)) < before  # one row per kind and status
    assert reminders.queue_counts() == actual()
    assert reminders.queue_counts("event") == actual("event")
    assert fold(OutboxCount, "kind", "status") == len(rows)  # folding again changes nothing
    assert reminders.queue_counts() == actual()


def reference(status: str | None, kind: str | None) -> list[int]:
    """The whole queue in its order, as one statement (what the pages must add up to)."""
    query = select(Reminder.id)
    if status:
        query = query.where(Reminder.status == status)
    if kind:
        query = query.where(Reminder.kind == kind)
    if status == "sent":
        order = [Reminder.sent_at.desc(), Reminder.id.desc()]
    elif status == "cancelled":
        order = [Reminder.cancelled_at.desc(), Reminder.id.desc()]
    elif status == "expired":
        order = [Reminder.due_at.desc(), Reminder.id.desc()]
    else:
        order = [case(QUEUE_ORDER, value=Reminder.status), Reminder.due_at, Reminder.id]
    return list(db.session.scalars(query.order_by(*order)))


def test_the_pages_add_up_to_the_whole_queue_on_every_tab(ctx):
    mixed_outbox(45)
    for kind in (None, "reminder", "event"):
        for status in (None, *STATUSES):
            whole = reference(status, kind)
            shown: list[int] = []
            first = reminders.queue(status, 1, per_page=4, kind=kind)
            for number in range(1, first.pages + 1):
                page = reminders.queue(status, number, per_page=4, kind=kind)
                assert page.page == number and page.total == len(whole)
                shown.extend(r.id for r in page.items)
            assert shown == whole, (status, kind)
            beyond = reminders.queue(status, first.pages + 3, per_page=4, kind=kind)
            assert beyond.page == first.pages  # a page beyond the last shows the last one


def test_concurrent_changes_neither_wait_nor_lose_a_count(fresh_pg_app):
    """Two transactions change reminders of the same kind and status at once: the second
    commits while the first is still open (a counter row updated in place would make it
    wait, and two in opposite orders deadlock); the worker folds while a change is open,
    and that change still counts once it commits."""
    pg_app = fresh_pg_app
    with pg_app.app_context():
        ids = make_due_reminders(6, utcnow())
        engine = db.engine
        db.session.remove()
    with engine.connect() as first, engine.connect() as second:
        first.execute(text("SET lock_timeout = '2s'"))
        second.execute(text("SET lock_timeout = '2s'"))
        first.execute(update(Reminder).where(Reminder.id == ids[0]).values(status="sent"))
        second.execute(update(Reminder).where(Reminder.id == ids[1]).values(status="failed"))
        second.execute(update(Reminder).where(Reminder.id == ids[2]).values(status="sent"))
        second.commit()  # did not wait for `first`, which holds pending → sent too
        fold_counts(pg_app)  # folds what is committed; `first` is still open
        first.execute(update(Reminder).where(Reminder.id == ids[3]).values(status="failed"))
        first.commit()
    with pg_app.app_context():
        assert reminders.queue_counts() == actual() == {"pending": 2, "sent": 2, "failed": 2}
        fold_counts(pg_app)
        assert reminders.queue_counts() == actual()
        db.session.remove()
