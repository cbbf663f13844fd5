"""Plain functions that make rows for tests; call them inside an app context."""

from __future__ import annotations

import itertools
from datetime import date, timedelta

from onboarding.extensions import db
from onboarding.models import (
    Candidate,
    Company,
    LanguageAssessment,
    Partner,
    Placement,
    User,
    utcnow,
)
from onboarding.services.auth import hash_password
from onboarding.services.consent import current_notice_id
from tests.conftest import PASSWORD

_sequence = itertools.count(1)


def make_user(role: str = "staff", *, name: str | None = None, locale: str = "en", **fields):
    number = next(_sequence)
    user = User(
        email=fields.pop("email", f"{role}{number}@example.org"),
        name=name or f"{role.title()} {number}",
        role=role,
        locale=locale,
        password_hash=fields.pop("password_hash", hash_password(PASSWORD)),
        **fields,
    )
    db.session.add(user)
    db.session.commit()
    return user


def make_candidate(
    *,
    phase: str = "outreach",
    mentor: User | None = None,
    consent: bool = True,
    name: str | None = None,
    locale: str = "en",
    country: str = "NA",
    **fields,
) -> Candidate:
    user = make_user("candidate", name=name, locale=locale, email=fields.pop("email", None)
                     or f"candidate{next(_sequence)}@example.org")  # fmt: skip
    candidate = Candidate(
        user=user,
        country_code=country,
        origin_institution=fields.pop("origin_institution", "University of Namibia"),
        stem_field=fields.pop("stem_field", "engineering"),
        graduation_date=fields.pop("graduation_date", date(2025, 6, 30)),
        outreach_channel=fields.pop("outreach_channel", "partner_referral"),
        phase=phase,
        mentor=mentor,
        consent_at=utcnow() if consent else None,
        # Consent is to the published notice (migration 0011), as `consent.give` records it.
        consent_notice_id=current_notice_id() if consent else None,
        **fields,
    )
    db.session.add(candidate)
    db.session.commit()
    return candidate


def make_assessment(candidate: Candidate, level: str, days_ago: int = 1) -> LanguageAssessment:
    assessment = LanguageAssessment(
        candidate_id=candidate.id, level=level, assessed_on=date.today() - timedelta(days_ago)
    )
    db.session.add(assessment)
    db.session.commit()
    return assessment


def make_company(name: str | None = None, municipality: str = "Genk") -> Company:
    company = Company(
        name=name or f"Company {next(_sequence)}", municipality=municipality, sector="Energy"
    )
    db.session.add(company)
    db.session.commit()
    return company


def make_placement(candidate: Candidate, *, accepted: bool = True, company=None) -> Placement:
    placement = Placement(
        candidate_id=candidate.id,
        company_id=(company or make_company()).id,
        project_title="Battery recycling pilot",
        start_date=date.today() + timedelta(days=30) if accepted else None,
        status="accepted" if accepted else "proposed",
    )
    db.session.add(placement)
    db.session.commit()
    return placement


def make_partner(
    name: str = "University of Namibia", *, decision: str | None = "accept", staff=None
) -> Partner:
    """A partner application through the services, accepted (default), declined or left
    waiting (decision=None); each step in a unit of work of its own, as two requests are."""
    from onboarding.db import transaction
    from onboarding.services import partners

    with transaction():
        partner = partners.apply(
            partners.Application(name=name, kind="lead", contact_name="Selma Shilongo",
                                 contact_email="selma@example.org")
        )  # fmt: skip
    if decision is None:
        return partner
    with transaction():
        return partners.decide(staff or make_user("staff"), partner.id, decision)


# The desk's registration form, filled in as a person would (POST /desk/candidates/new).
REGISTRATION_FORM = {
    "name": "Thandiwe Nkosi",
    "email": "thandiwe.nkosi@example.org",
    "country": "ZA",
    "origin_institution": "University of Cape Town",
    "stem_field": "energy",
    "graduation_date": "2024-12-01",
    "outreach_channel": "partner_referral",
    "locale": "af",
    "consent": "y",
}


def make_due_reminders(
    count: int, now, *, staff: int = 3, locales=("en",), spread_minutes: int = 30
) -> list[int]:
    """`count` essential desk reminders due by `now` for `staff` desk members (in `locales`),
    their due moments spread over the `spread_minutes` before it; returns their ids."""
    from sqlalchemy import insert, select

    from onboarding.models import Reminder

    desk = [make_user("staff", locale=locales[n % len(locales)]) for n in range(staff)]
    candidate = make_candidate(phase="language_immersion")
    db.session.execute(
        insert(Reminder),
        [
            {
                "rule": "immersion_overdue",
                "occurrence": 1,
                "candidate_id": candidate.id,
                "recipient_id": desk[n % len(desk)].id,
                "due_at": now - timedelta(minutes=n % spread_minutes),
                "anchor": (now - timedelta(days=1)).date().isoformat(),
                "params": {"candidate": candidate.name, "phase": candidate.phase},
                "essential": True,
                "status": "pending",
                "attempts": 0,
                "created_at": now - timedelta(days=1),
            }
            for n in range(count)
        ],
    )
    db.session.commit()
    return list(
        db.session.scalars(
            select(Reminder.id).where(Reminder.candidate_id == candidate.id).order_by(Reminder.id)
        )
    )
