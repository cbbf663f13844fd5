"""People: the accounts as the welcome desk manages them.

The desk invites colleagues and mentors (an account without a password and an invitation
link, as a candidate gets), sends an invitation again, deactivates and reactivates accounts,
sets a mentor's capacity and corrects a person's email address. Every change writes its
account event (`account_events.record`, the acting staff member as the actor); none commits
(the unit of work does) and emails wait for the commit (the caller's `after_commit`).
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from flask_babel import ngettext
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import func, or_, select
from sqlalchemy.orm import joinedload

from onboarding.db import count_of, flush_unique
from onboarding.extensions import db
from onboarding.models import Candidate, User
from onboarding.services import account_events, audit, auth, invitations, mail, sessions
from onboarding.services.access import get_or_not_found, require_role
from onboarding.services.errors import Refused
from onboarding.services.workflow import lock_mentor
from onboarding.vocabulary import INVITABLE_ROLES
from workflows.onboarding import MENTORED_PHASES, PASSWORDLESS_ROLES, PLACED, ROLES, WITHDRAWN

MAX_MENTOR_CAPACITY = 50
SEARCH_LENGTH = 120


def status_of(user: User) -> str:
    """ "deactivated", "invited" (no password chosen yet) or "active"."""
    if not user.active:
        return "deactivated"
    if user.password_hash is None and user.role not in PASSWORDLESS_ROLES:
        return "invited"
    return "active"


@dataclass(frozen=True)
class PeopleFilter:
    search: str = ""  # part of the name or email
    role: str | None = None
    status: str | None = None
    page: int = 1


def people_page(filters: PeopleFilter, per_page: int) -> Pagination:
    """Accounts by name, filtered by search, role and status."""
    statement = select(User).order_by(func.lower(User.name), User.id)
    search = filters.search.strip().lower()
    if search:
        pattern = f"%{search}%"
        statement = statement.where(
            or_(func.lower(User.name).like(pattern), User.email.like(pattern))
        )
    if filters.role in ROLES:
        statement = statement.where(User.role == filters.role)
    if filters.status == "deactivated":
        statement = statement.where(User.active.is_(False))
    elif filters.status == "invited":
        statement = statement.where(User.active.is_(True), User.password_hash.is_(None))
    elif filters.status == "active":
        statement = statement.where(User.active.is_(True), User.password_hash.is_not(None))
    return db.paginate(
        statement, page=max(filters.page, 1), per_page=per_page, error_out=False, count=True
    )


def person(user_id: int) -> User:
    return get_or_not_found(User, user_id, _("This person does not exist."))


# -- inviting --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Invitee:
    name: str
    email: str
    locale: str
    role: str
    mentor_capacity: int | None = None  # mentors only


def check_capacity(capacity: int) -> None:
    if not 0 <= capacity <= MAX_MENTOR_CAPACITY:
        raise Refused(
            _(
                "A mentor's capacity is between %(min)d and %(max)d candidates.",
                min=0,
                max=MAX_MENTOR_CAPACITY,
            )
        )


def invite(actor: User, data: Invitee) -> tuple[User, str]:
    """A colleague's or a mentor's account without a password, and its invitation token
    (the caller emails it after the commit)."""
    require_role(actor, "staff")
    if data.role not in INVITABLE_ROLES:
        raise Refused(_("The welcome desk invites colleagues and mentors only."))
    capacity = None
    if data.role == "mentor":
        capacity = data.mentor_capacity if data.mentor_capacity is not None else User().capacity
        check_capacity(capacity)
    user, token = auth.new_account(
        data.email,
        data.name,
        data.locale,
        data.role,
        created_by=actor,
        mentor_capacity=capacity,
    )
    account_events.record("account_created", user, actor)
    account_events.record("invitation_sent", user, actor, detail=user.email)
    return user, token


def resend_invitation(actor: User, user_id: int) -> tuple[User, str]:
    """A new invitation link for a person who has not chosen a password yet; every earlier
    link stops working (`auth.new_invitation`)."""
    require_role(actor, "staff")
    user = person(user_id)
    if user.role in PASSWORDLESS_ROLES:
        raise Refused(
            _("A company contact signs in with a link by email, without a password: send one "
              "from the company's page.")
        )  # fmt: skip
    if user.password_hash is not None:
        raise Refused(
            _("%(name)s has already chosen a password: there is no invitation to send.",
              name=user.name)
        )  # fmt: skip
    if not user.active:
        raise Refused(_("This account is deactivated: reactivate it before inviting again."))
    token = auth.new_invitation(user, created_by=actor)
    account_events.record("invitation_sent", user, actor, detail=user.email)
    if user.candidate is not None:
        audit.record(user.candidate, actor, "invitation_sent")
    return user, token


# -- deactivating ----------------------------------------------------------------------------


def deactivate(actor: User, user_id: int) -> User:
    """The person can no longer log in and their open sessions end at their next request.
    Refused for one's own account and for the last active welcome-desk account."""
    require_role(actor, "staff")
    user = person(user_id)
    if user.id == actor.id:
        raise Refused(
            _("You cannot deactivate your own account. Ask a colleague at the welcome desk.")
        )
    if not user.active:
        raise Refused(_("The account of %(name)s is already deactivated.", name=user.name))
    if user.role == "staff":
        # Locked (PostgreSQL), so that two colleagues deactivating each other at once cannot
        # both succeed: the second waits, and then sees the first one's change.
        others = db.session.scalars(
            select(User.id)
            .where(User.role == "staff", User.active.is_(True), User.id != user.id)
            .with_for_update()
        ).all()
        if not others:
            raise Refused(
                _(
                    "%(name)s has the last active welcome-desk account: "
                    "invite or reactivate a colleague first.",
                    name=user.name,
                )
            )
    user.active = False
    sessions.end_all(user)
    auth.expire_links(user)  # an invitation, reset or sign-in link on its way stops working
    account_events.record("deactivated", user, actor)
    return user


def reactivate(actor: User, user_id: int) -> User:
    require_role(actor, "staff")
    user = person(user_id)
    if user.active:
        raise Refused(_("The account of %(name)s is already active.", name=user.name))
    user.active = True
    account_events.record("reactivated", user, actor)
    return user


def mentees_in_programme(mentor: User) -> list[Candidate]:
    """The mentor's candidates who are still in the programme (not placed or withdrawn):
    after a deactivation, the ones to give another mentor."""
    return list(
        db.session.scalars(
            select(Candidate)
            .join(User, Candidate.user_id == User.id)
            .options(joinedload(Candidate.user))
            .where(Candidate.mentor_id == mentor.id, Candidate.phase.not_in((PLACED, WITHDRAWN)))
            .order_by(func.lower(User.name))
        )
    )


# -- a mentor's capacity ---------------------------------------------------------------------


def mentor_load(mentor: User) -> int:
    """How many candidates the mentor mentors now (the ones that count against capacity)."""
    return count_of(
        select(func.count(Candidate.id)).where(
            Candidate.mentor_id == mentor.id, Candidate.phase.in_(MENTORED_PHASES)
        )
    )


def change_capacity(actor: User, user_id: int, capacity: int) -> User:
    """Set a mentor's capacity (0 to 50), never below the mentees they mentor now."""
    require_role(actor, "staff")
    user = person(user_id)
    if user.role != "mentor":
        raise Refused(_("Only a mentor has a capacity."))
    check_capacity(capacity)
    lock_mentor(user.id)  # the same lock as a mentee entering mentoring
    load = mentor_load(user)
    if capacity < load:
        raise Refused(
            ngettext(
                "%(name)s mentors %(num)d candidate now: the capacity cannot be lower than that.",
                "%(name)s mentors %(num)d candidates now: the capacity cannot be lower than that.",
                load,
                name=user.name,
            )
        )
    old = user.capacity
    user.mentor_capacity = capacity
    if capacity != old:
        account_events.record("capacity_changed", user, actor, detail=f"{old} → {capacity}")
    return user


# -- a changed email address -----------------------------------------------------------------


@dataclass(frozen=True)
class AddressChange:
    """What the two emails about a changed address need, copied out of the rows."""

    name: str
    locale: str
    old_email: str
    new_email: str
    role: str
    invitation_token: str | None  # a fresh invitation, for a person without a password


def change_email(actor: User, user: User, new_email: str) -> AddressChange | None:
    """Give `user` (the same account) another login address; None if it is the same.

    Refused when another account has the address. Their open sessions end; a person who has
    not chosen a password yet gets a fresh invitation at the new address (every earlier link
    stops working). The caller sends `notify_address_change` after the commit."""
    require_role(actor, "staff")
    new_email = new_email.strip().lower()
    old_email = user.email
    if new_email == old_email:
        return None
    if auth.email_taken(new_email, other_than=user.id):
        raise Refused(auth.email_taken_message())
    user.email = new_email
    flush_unique(auth.email_taken_message())
    account_events.record("email_changed", user, actor, detail=f"{old_email} → {new_email}")
    sessions.end_all(user)
    token = None
    if user.password_hash is None:
        token = auth.new_invitation(user, created_by=actor)
        account_events.record("invitation_sent", user, actor, detail=new_email)
    return AddressChange(user.name, user.locale, old_email, new_email, user.role, token)


def notify_address_change(change: AddressChange) -> int:
    """Tell the old address it is no longer the login address, and the new one that it is
    (or send it the invitation); in the person's language. Returns how many failed."""
    context = {"name": change.name, "old_email": change.old_email, "new_email": change.new_email}
    messages = [
        mail.build_message(change.old_email, change.locale, "address_changed_old", **context)
    ]
    if change.invitation_token is not None:
        invite = invitations.Invite(
            change.new_email, change.locale, change.name, change.invitation_token, change.role
        )
        messages.append(invitations.message(invite))
    else:
        messages.append(
            mail.build_message(change.new_email, change.locale, "address_changed_new", **context)
        )
    return invitations.deliver(messages)
