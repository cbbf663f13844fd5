"""Company contacts: people of a company who act on its placements in the company portal.

A contact has the role `company`, belongs to one company and has no password: they sign in
with a link emailed to them (`Invitation` rows with purpose "sign_in"; only a hash is kept),
valid for SIGN_IN_LINK_VALID_MINUTES and good for one sign-in. The desk adds contacts and
sends them a link; a contact asks for a new one on the portal's sign-in page by entering
their address. Either way a job is queued and the worker makes and emails the link, so the
request's answer (and its time) says nothing about whether the address belongs to a
contact, and no mail server is waited on inside a request. Revoking a contact is the People
area's deactivation: their sessions end and no link of theirs works any more.
"""

from __future__ import annotations

import logging
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from onboarding.db import after_commit, flush_unique
from onboarding.extensions import db
from onboarding.links import public_url
from onboarding.models import Company, User, utcnow
from onboarding.services import account_events, auth, jobs, mail
from onboarding.services.access import get_or_not_found, require_role
from onboarding.services.errors import Refused
from onboarding.services.invitations import Invite

log = logging.getLogger(__name__)

SIGN_IN_JOB = "company_sign_in"


def active_contacts(company_id: int) -> list[User]:
    return list(
        db.session.scalars(
            select(User)
            .where(User.company_id == company_id, User.role == "company", User.active.is_(True))
            .order_by(User.name, User.id)
        )
    )


def contacts(company_id: int) -> list[User]:
    """Every contact of the company, deactivated ones included (the desk's list)."""
    return list(
        db.session.scalars(
            select(User).where(User.company_id == company_id).order_by(User.name, User.id)
        )
    )


def desk() -> list[User]:
    """Every active welcome-desk account."""
    return list(
        db.session.scalars(
            select(User).where(User.role == "staff", User.active.is_(True)).order_by(User.id)
        )
    )


def add_contact(actor: User, company_id: int, email: str, name: str, locale: str) -> User:
    """A new contact of the company (no password ever), and a sign-in link on its way."""
    require_role(actor, "staff")
    company = get_or_not_found(Company, company_id, _("This company does not exist."))
    email, name = auth.checked_identity(email, name, locale)
    contact = User(email=email, name=name, role="company", locale=locale, company=company)
    db.session.add(contact)
    flush_unique(auth.email_taken_message())
    account_events.record("account_created", contact, actor, detail=company.name)
    send_link(actor, contact)
    return contact


def contact_of(actor: User, company_id: int, user_id: int) -> User:
    require_role(actor, "staff")
    contact = db.session.get(User, user_id)
    if contact is None or contact.role != "company" or contact.company_id != company_id:
        raise Refused(_("This person is not a contact of this company."))
    return contact


def send_link(actor: User, contact: User) -> None:
    """Queue a sign-in link for the contact (the caller's unit of work commits the job)."""
    require_role(actor, "staff")
    if not contact.active:
        raise Refused(
            _("The account of %(name)s is deactivated: reactivate it first.", name=contact.name)
        )
    jobs.enqueue(SIGN_IN_JOB, {"user_id": contact.id}, actor)


def request_link(email: str) -> None:
    """A contact asks for a link themself: the same job whatever the address."""
    jobs.enqueue(SIGN_IN_JOB, {"email": email.strip().lower()[:254]})


def link(token: str) -> str:
    return public_url("company.sign_in_with_link", token=token)


@jobs.handler(SIGN_IN_JOB, forget_payload=True)
def make_and_send(payload: dict[str, Any], beat: jobs.Beat) -> None:
    user_id, email = payload.get("user_id"), payload.get("email")
    if isinstance(user_id, int):
        user = db.session.get(User, user_id)
    else:
        user = db.session.scalars(select(User).where(User.email == str(email or ""))).one_or_none()
    if user is None or user.role != "company" or not user.active:
        return
    token = auth.new_invitation(user, None, purpose="sign_in")
    account_events.record("sign_in_link_sent", user, actor=user)
    invite = Invite.for_user(user, token)
    company = user.company.name if user.company else ""
    after_commit(lambda: send(invite, company))


def send(invite: Invite, company: str) -> None:
    message = mail.build_message(
        invite.email,
        invite.locale,
        "company_sign_in",
        user=invite,
        company=company,
        link=link(invite.token),
    )
    try:
        with mail.connection() as smtp:
            smtp.send(message)
    except mail.MailError:
        log.warning("a sign-in link could not be sent; the contact can ask again")


def sign_in(token: str) -> User:
    """Claim a sign-in link (once, before it expires) for an active contact; the person to
    sign in. Refused for an unknown, used, expired or revoked link."""
    now = utcnow()
    invitation = auth.claim_link(token, "sign_in", now)
    user = invitation.user
    if user.role != "company" or not user.active:
        raise Refused(_("This link is invalid, expired or already used."))
    account_events.record("sign_in_link_used", user, actor=user, at=now)
    user.last_login_at = now
    return user
