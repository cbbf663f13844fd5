"""The people service: the last active welcome-desk account, the shared checks of a new
account (the command line and the desk), and a mentor's capacity."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from onboarding.db import transaction
from onboarding.models import AccountEvent
from onboarding.services import auth, people
from onboarding.services.errors import Refused
from tests.factories import make_candidate, make_user


def test_the_last_active_welcome_desk_account_cannot_be_deactivated(ctx):
    actor = make_user("staff", active=False)  # e.g. deactivated by a colleague meanwhile
    last = make_user("staff")
    with pytest.raises(Refused, match="last active welcome-desk account"):
        people.deactivate(actor, last.id)
    second = make_user("staff")
    with transaction():
        people.deactivate(second, last.id)
    assert last.active is False
    with pytest.raises(Refused, match="last active welcome-desk account"):
        people.deactivate(actor, second.id)


def test_a_mentor_can_be_deactivated_even_when_one_staff_account_is_left(ctx):
    staff = make_user("staff")
    mentor = make_user("mentor")
    with transaction():
        people.deactivate(staff, mentor.id)
    assert mentor.active is False
    assert mentor.session_generation == 1


@pytest.mark.parametrize(
    ("email", "name", "locale", "message"),
    [
        ("not an address", "Anna Peeters", "nl", "valid email"),
        ("anna@example.org", "<b>Anna</b>", "nl", "letters"),
        ("anna@example.org", "Anna Peeters", "de", "languages"),
        ("taken@example.org", "Anna Peeters", "nl", "already registered"),
    ],
)
def test_the_command_line_and_the_desk_check_a_new_account_alike(ctx, email, name, locale,
                                                                 message):  # fmt: skip
    make_user("mentor", email="taken@example.org")
    staff = make_user("staff")
    with pytest.raises(Refused, match=message):
        auth.create_staff_account(email, name, locale)
    with pytest.raises(Refused, match=message):
        people.invite(staff, people.Invitee(name=name, email=email, locale=locale, role="staff"))


def test_an_invitation_stores_the_address_lower_case_and_records_who_invited(ctx):
    staff = make_user("staff")
    with transaction():
        user, token = people.invite(
            staff,
            people.Invitee(name="  Lindiwe   Dlamini ", email=" Lindiwe@Example.ORG ",
                           locale="af", role="mentor", mentor_capacity=0),
        )  # fmt: skip
    assert (user.email, user.name, user.mentor_capacity) == ("lindiwe@example.org",
                                                            "Lindiwe Dlamini", 0)  # fmt: skip
    assert auth.invitation_for(token) is not None
    kinds = [(event.kind, event.actor_id) for event in people_events(user.id)]
    assert kinds == [("account_created", staff.id), ("invitation_sent", staff.id)]


def people_events(user_id: int) -> list[AccountEvent]:
    from onboarding.extensions import db

    return list(
        db.session.scalars(
            select(AccountEvent).where(AccountEvent.user_id == user_id).order_by(AccountEvent.id)
        )
    )


def test_the_capacity_counts_only_mentees_being_mentored(ctx):
    staff = make_user("staff")
    mentor = make_user("mentor", mentor_capacity=5)
    make_candidate(phase="mentoring", mentor=mentor)
    make_candidate(phase="company_placement", mentor=mentor)
    make_candidate(phase="placed", mentor=mentor)
    make_candidate(phase="on_hold", mentor=mentor)
    assert people.mentor_load(mentor) == 2
    with pytest.raises(Refused, match="mentors 2 candidates now"):
        people.change_capacity(staff, mentor.id, 1)
    with pytest.raises(Refused, match="between 0 and 50"):
        people.change_capacity(staff, mentor.id, 51)
    with transaction():
        people.change_capacity(staff, mentor.id, 2)
    assert mentor.mentor_capacity == 2
    assert [(e.kind, e.detail) for e in people_events(mentor.id)] == [("capacity_changed", "5 → 2")]
    assert len(people.mentees_in_programme(mentor)) == 3  # placed is no longer in it
