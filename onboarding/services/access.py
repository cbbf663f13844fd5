"""Who may see which candidate. Anything a person may not see is reported as not found.

An erased candidate is found by no one: every page and service that works on one candidate
goes through `visible_candidate` or `own_candidate`, so nothing can be corrected, logged,
recorded or sent about them (personal data added after the erasure could never be erased:
`erase` refuses them and the purge skips them). Reports and the board read the anonymous
rows directly."""

from __future__ import annotations

from typing import Any, TypeVar

from flask_babel import gettext as _
from sqlalchemy import false, select
from sqlalchemy.orm import joinedload

from onboarding.extensions import db
from onboarding.models import Candidate, Placement, User
from onboarding.services.errors import Forbidden, NotFound

T = TypeVar("T")


def get_or_not_found(model: type[T], ident: int, message: str, *options: Any) -> T:
    """The row with primary key `ident` (loaded with `options`), or NotFound(`message`)."""
    row = db.session.get(model, ident, options=options)
    if row is None:
        raise NotFound(message)
    return row


def require_role(actor: User, *roles: str) -> None:
    if actor.role not in roles:
        raise Forbidden(_("You are not allowed to do this."))


def visible_candidate(actor: User, candidate_id: int, *, for_update: bool = False) -> Candidate:
    query = (
        select(Candidate)
        .options(joinedload(Candidate.user), joinedload(Candidate.mentor))
        .where(Candidate.id == candidate_id)
    )
    if actor.role == "mentor":
        query = query.where(Candidate.mentor_id == actor.id)
    elif actor.role == "candidate":
        query = query.where(Candidate.user_id == actor.id)
    elif actor.role != "staff":
        query = query.where(false())
    candidate = db.session.scalars(query).unique().one_or_none()
    if candidate is None:
        raise NotFound(_("This candidate does not exist or is not yours to see."))
    if candidate.erased_at is not None:
        raise NotFound(_("This candidate's personal data was erased."))
    return candidate


def shared_with_company(candidate: Candidate) -> bool:
    """Whether a company may see the candidate at all: the candidate agreed to share their
    profile with companies (consent), has not withdrawn consent and was not erased."""
    return (
        bool(candidate.share_with_companies)
        and candidate.consent_withdrawn_at is None
        and candidate.erased_at is None
    )


def company_placement(actor: User, placement_id: int) -> Placement:
    """A placement a company contact may see and act on: one at their own company, of a
    candidate who shares their profile with companies. Anything else is not found."""
    placement = db.session.get(Placement, placement_id, options=[joinedload(Placement.candidate)])
    if (
        placement is None
        or actor.role != "company"
        or actor.company_id is None
        or placement.company_id != actor.company_id
        or not shared_with_company(placement.candidate)
    ):
        raise NotFound(_("This placement does not exist or is not yours to see."))
    return placement


def own_candidate(actor: User) -> Candidate:
    candidate = db.session.scalars(
        select(Candidate)
        .options(joinedload(Candidate.user), joinedload(Candidate.mentor))
        .where(Candidate.user_id == actor.id)
    ).one_or_none()
    if candidate is None or candidate.erased_at is not None:
        raise NotFound(_("No onboarding was found for your account."))
    return candidate
