"""Partner organisations: the public application, the desk's decision, who they referred.

An organisation applies as a lead partner (takes the lead) or a contributing partner (thinks
along). The welcome desk accepts or declines an application once; accepted partners can join
campaigns and bring in prospects (Candidate.partner_id).

One organisation applies once at a time with one email address: while an application is
open its `open_key` (normalised name and email) is set, and a unique constraint holds the
rule when two applications race; the decision clears the key, so the organisation can apply
again later. The desk is told of a new application, and the applicant gets a confirmation
and later the decision by email (events on the outbox, `services.notifications`), in the
language of the page they applied in (`Partner.locale`).
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from flask_babel import gettext as _
from sqlalchemy import func, select, update
from sqlalchemy.orm import joinedload, selectinload

from onboarding.db import flush_unique, rows_changed
from onboarding.extensions import db
from onboarding.i18n import valid_country
from onboarding.models import LOCALES, Candidate, Partner, User, utcnow
from onboarding.services import notifications
from onboarding.services.access import get_or_not_found, require_role
from onboarding.services.errors import Conflict, Refused
from onboarding.vocabulary import PARTNER_KINDS

DECISIONS = {"accept": "accepted", "decline": "declined"}


def valid_website(value: str) -> bool:
    """An absolute http(s) address: nothing a browser would run (javascript:, data:)."""
    value = value.strip()
    if not value or any(ch.isspace() for ch in value):
        return False
    parts = urlsplit(value)
    return parts.scheme.lower() in ("http", "https") and bool(parts.hostname)


@dataclass(frozen=True)
class Application:
    name: str
    kind: str
    contact_name: str
    contact_email: str
    website: str = ""
    country_code: str = ""
    message: str = ""
    locale: str = "en"  # the language of the page it was sent from: the email's language


def open_key(name: str, email: str) -> str:
    """What makes two open applications the same: the organisation's name (spaces and case
    aside) and the email address."""
    return f"{' '.join(name.split()).lower()}|{email.strip().lower()}"


def duplicate_message() -> str:
    return _(
        "An application from this organisation with this email address is already being reviewed."
    )


def apply(data: Application) -> Partner:
    """Store a public application (no login): status "applied", waiting for the desk; one
    open application per organisation and email. The confirmation email goes after the
    commit."""
    website = data.website.strip()
    country = data.country_code.strip().upper()
    if data.kind not in PARTNER_KINDS:
        raise Refused(_("Choose whether you join as a lead or a contributing partner."))
    if website and not valid_website(website):
        raise Refused(_("Enter a web address that starts with http:// or https://."))
    if country and not valid_country(country):
        raise Refused(_("Choose a country from the list."))
    key = open_key(data.name, data.contact_email)
    if db.session.scalar(select(Partner.id).where(Partner.open_key == key)) is not None:
        raise Refused(duplicate_message())
    partner = Partner(
        name=data.name.strip(),
        kind=data.kind,
        contact_name=data.contact_name.strip(),
        contact_email=data.contact_email.strip().lower(),
        website=website or None,
        country_code=country or None,
        message=data.message.strip() or None,
        status="applied",
        open_key=key,
        locale=data.locale if data.locale in LOCALES else "en",
    )
    db.session.add(partner)
    flush_unique(duplicate_message())  # a concurrent twin took the key meanwhile
    params = {
        "partner_id": partner.id,
        "organisation": partner.name,
        "contact": partner.contact_name,
        "partner_kind": partner.kind,
    }
    notifications.notify("partner_application_received", params=params)
    notifications.notify(
        "partner_application_confirmed", params=params, applicant=applicant(partner)
    )
    return partner


def applicant(partner: Partner) -> notifications.Applicant:
    """Who applied, to be told by email in the language they applied in."""
    return notifications.Applicant(partner.contact_email, partner.contact_name, partner.locale)


def get(partner_id: int) -> Partner:
    return get_or_not_found(
        Partner,
        partner_id,
        _("This partner does not exist."),
        joinedload(Partner.reviewed_by),
        selectinload(Partner.campaigns),
    )


def decide(actor: User, partner_id: int, decision: str, note: str = "") -> Partner:
    """Accept or decline an application; only once, and only while it is "applied"."""
    require_role(actor, "staff")
    if decision not in DECISIONS:
        raise Refused(_("Choose to accept or to decline."))
    partner = get(partner_id)
    # One conditional UPDATE, so two people deciding at once cannot both succeed.
    changed = rows_changed(
        update(Partner)
        .where(Partner.id == partner_id, Partner.status == "applied")
        .values(
            status=DECISIONS[decision],
            decision_note=note.strip() or None,
            reviewed_at=utcnow(),
            reviewed_by_id=actor.id,
            open_key=None,  # decided: the organisation may apply again
        )
        .execution_options(synchronize_session=False)
    )
    if changed != 1:
        raise Conflict(_("This application has already been decided."))
    db.session.refresh(partner)  # the UPDATE bypassed the session: read the decision back
    params = {"partner_id": partner.id, "organisation": partner.name}
    notifications.notify(
        f"partner_application_{partner.status}", params=params, applicant=applicant(partner)
    )
    return partner


def referred(partner_ids) -> dict[int, list[Candidate]]:
    """The candidates each partner brought in, by partner id, in name order."""
    ids = list(partner_ids)
    result: dict[int, list[Candidate]] = {partner_id: [] for partner_id in ids}
    if not ids:
        return result
    rows = db.session.scalars(
        select(Candidate)
        .join(User, Candidate.user_id == User.id)
        .options(joinedload(Candidate.user))
        .where(Candidate.partner_id.in_(ids))
        .order_by(func.lower(User.name), Candidate.id)
    )
    for candidate in rows:
        if candidate.partner_id is not None:  # always: the query selects by partner
            result[candidate.partner_id].append(candidate)
    return result


@dataclass
class Overview:
    applied: list[Partner]
    accepted: list[tuple[Partner, list[Candidate]]]
    declined: list[Partner]


def overview() -> Overview:
    partners = db.session.scalars(
        select(Partner).order_by(Partner.created_at.desc(), Partner.id.desc())
    ).all()
    accepted = [p for p in partners if p.status == "accepted"]
    by_partner = referred(p.id for p in accepted)
    return Overview(
        applied=[p for p in partners if p.status == "applied"],
        accepted=sorted(
            ((p, by_partner[p.id]) for p in accepted), key=lambda item: item[0].name.lower()
        ),
        declined=[p for p in partners if p.status == "declined"],
    )


def accepted_partners() -> list[Partner]:
    return list(
        db.session.scalars(
            select(Partner).where(Partner.status == "accepted").order_by(func.lower(Partner.name))
        )
    )
