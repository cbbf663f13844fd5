"""Emailing invitation links, in each invited person's own language.

Invitations are emailed only after the transaction that created them has committed
(`onboarding.db.after_commit`): a link is never sent for an account that was rolled back.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from email.message import Message

from onboarding.links import public_url
from onboarding.models import User
from onboarding.services import mail

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Invite:
    """What the email needs, copied out of the rows (they are expired after the commit)."""

    email: str
    locale: str
    name: str
    token: str
    role: str = "candidate"  # the email tells a candidate, a mentor and a colleague apart

    @classmethod
    def for_user(cls, user: User, token: str) -> Invite:
        return cls(user.email, user.locale, user.name, token, user.role)


def link(token: str) -> str:
    return public_url("auth.accept_invitation", token=token)


def message(invite: Invite) -> Message:
    return mail.build_message(
        invite.email, invite.locale, "invitation", user=invite, link=link(invite.token)
    )


def send(invites: list[Invite]) -> int:
    """Email every invitation over one SMTP session; returns how many could not be sent."""
    return deliver([message(invite) for invite in invites])


def deliver(messages: list[Message]) -> int:
    """Send `messages` over one SMTP session; returns how many could not be sent."""
    sent = 0
    if not messages:
        return 0
    try:
        with mail.connection() as smtp:
            for one in messages:
                try:
                    smtp.send(one)
                except mail.MailError:
                    continue
                sent += 1
    except mail.MailError:
        log.warning("mail server unreachable: %s messages not sent", len(messages) - sent)
    return len(messages) - sent
