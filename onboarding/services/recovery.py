"""Forgotten passwords: a one-time reset link by email, in the person's language.

Asking for a link does the same thing whatever the address: it queues one job with the
address and answers. The worker looks the address up and, for an active account, makes the
link (`auth.new_invitation(purpose="reset")`, only its hash stored) and emails it. So the
answer, and the time it takes, say nothing about whether an account exists; and no mail
server is ever waited on inside the request. The job forgets the address when it ends.
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import select

from onboarding.db import after_commit
from onboarding.extensions import db
from onboarding.links import public_url
from onboarding.models import User
from onboarding.services import account_events, auth, jobs, mail
from onboarding.services.invitations import Invite
from workflows.onboarding import PASSWORDLESS_ROLES

log = logging.getLogger(__name__)

RESET_JOB = "password_reset"


def request_reset(email: str) -> None:
    """Queue a reset link for `email` (the caller's unit of work commits the job)."""
    jobs.enqueue(RESET_JOB, {"email": email.strip().lower()[:254]})


def link(token: str) -> str:
    return public_url("auth.reset_password", token=token)


@jobs.handler(RESET_JOB, forget_payload=True)
def make_and_send(payload: dict[str, Any], beat: jobs.Beat) -> None:
    email = str(payload.get("email", ""))
    user = db.session.scalars(select(User).where(User.email == email)).one_or_none()
    # A company contact has no password to reset: they ask for a sign-in link instead.
    if user is None or not user.active or user.role in PASSWORDLESS_ROLES:
        return
    token = auth.new_invitation(user, None, purpose="reset")
    account_events.record("reset_requested", user)
    invite = Invite.for_user(user, token)
    after_commit(lambda: send(invite))


def send(invite: Invite) -> None:
    message = mail.build_message(
        invite.email, invite.locale, "password_reset", user=invite, link=link(invite.token)
    )
    try:
        with mail.connection() as smtp:
            smtp.send(message)
    except mail.MailError:
        log.warning("a password reset link could not be sent; the person can ask again")
