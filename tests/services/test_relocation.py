"""The relocation plan's service: arrival and deadlines kept for the board, steps recorded,
and permit expiry reminders that move when a new valid-until date is recorded."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from onboarding.db import transaction
from onboarding.extensions import db
from onboarding.models import RelocationStep, Reminder
from onboarding.services import documents, relocation
from onboarding.services.errors import Refused
from tests.factories import make_candidate, make_user
from workflows.dates import programme_today

PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


@pytest.fixture
def people(ctx):
    return {
        "staff": make_user("staff"),
        "candidate": make_candidate(country="ZA", phase="mentoring"),
    }


def pending_permit_reminders(candidate) -> set[tuple[str, int, str]]:
    rows = db.session.scalars(
        select(Reminder).where(
            Reminder.candidate_id == candidate.id,
            Reminder.rule.like("permit_expiry%"),
            Reminder.status == "pending",
        )
    )
    return {(row.rule, row.occurrence, row.anchor) for row in rows}


def upload_permit(candidate, valid_until: date):
    with transaction():
        return documents.upload(
            candidate.user, "residence_card", PDF, "card.pdf", valid_until=valid_until
        )


def test_expiry_reminders_at_90_and_30_days_move_with_a_new_valid_until(people):
    candidate = people["candidate"]
    first = programme_today() + timedelta(days=200)
    upload_permit(candidate, first)
    assert pending_permit_reminders(candidate) == {
        ("permit_expiry", 1, first.isoformat()),
        ("permit_expiry", 2, first.isoformat()),
        ("permit_expiry_desk", 1, first.isoformat()),
        ("permit_expiry_desk", 2, first.isoformat()),
    }
    reminder = db.session.scalars(
        select(Reminder).where(Reminder.rule == "permit_expiry", Reminder.occurrence == 1)
    ).one()
    assert reminder.params["about"] == "residence_card"

    renewed = first + timedelta(days=365)
    upload_permit(candidate, renewed)
    # The old date's reminders are cancelled: only the renewed card's remain.
    assert {anchor for _, _, anchor in pending_permit_reminders(candidate)} == {renewed.isoformat()}


def test_a_permit_needs_its_valid_until_date(people):
    with pytest.raises(Refused), transaction():
        documents.upload(people["candidate"].user, "residence_card", PDF, "card.pdf")


def test_expired_permit_is_reported(people):
    candidate = people["candidate"]
    upload_permit(candidate, programme_today() - timedelta(days=1))
    assert relocation.expired_permits(candidate) == ("residence_card",)


def test_arrival_sets_the_registration_deadline_and_the_board_finds_it_overdue(people):
    candidate = people["candidate"]
    arrival = programme_today() - timedelta(days=30)
    with transaction():
        relocation.set_route(people["staff"], candidate, "highly_skilled")
        relocation.record_arrival(candidate.user, candidate, arrival, "Genk")
    row = db.session.get(RelocationStep, (candidate.id, "municipality_registration"))
    assert row is not None and row.open_due_on == relocation.relocation.add_working_days(arrival, 8)
    overdue = db.session.scalars(select(relocation.overdue_ids())).all()
    assert candidate.id in overdue

    with transaction():
        relocation.mark_done(
            candidate.user, candidate, "municipality_registration", arrival + timedelta(days=3)
        )
    row = db.session.get(RelocationStep, (candidate.id, "municipality_registration"))
    assert row.done_on == arrival + timedelta(days=3) and row.open_due_on is None
    assert candidate.id not in db.session.scalars(select(relocation.overdue_ids())).all()


def test_a_candidate_cannot_record_the_desks_steps_or_a_proved_one(people):
    candidate = people["candidate"]
    with transaction():
        relocation.set_route(people["staff"], candidate, "highly_skilled")
    for code in ("single_permit", "residence_card"):
        with pytest.raises(Refused), transaction():
            relocation.mark_done(candidate.user, candidate, code, programme_today())
