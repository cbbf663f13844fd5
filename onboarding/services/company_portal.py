"""What a company contact sees and does in the company portal.

A contact sees their own company only: its projects (a proposed one waits for the desk's
approval before it is open for matching), per project the candidates proposed to it, and the
placements that started. Of a candidate they see only what the candidate agreed to share
with companies (`CandidateCard`: name, field, skills, Dutch level, availability) — never a
document of identity, permit or origin, nor a note — and a candidate who did not agree is
not shown at all (`access.shared_with_company`). They act on placements through the
placement workflow with the role `company` (`services.placements.fire`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from onboarding.db import flush_unique
from onboarding.extensions import db
from onboarding.models import (
    Candidate,
    Company,
    Document,
    Placement,
    PlacementCheckin,
    Project,
    User,
    utcnow,
)
from onboarding.services import audit, companies, documents, notifications
from onboarding.services.access import company_placement, require_role, shared_with_company
from onboarding.services.company_contacts import active_contacts
from onboarding.services.errors import Conflict, NotFound, Refused
from onboarding.services.placements import Step, steps_for
from workflows.dates import local_date
from workflows.placement import STARTED

CHECKIN_DAYS = (30, 90)  # a started placement's check-ins, days after its start


@dataclass(frozen=True)
class CandidateCard:
    """A candidate as a company sees them: only what they agreed to share (and their CV
    once the desk verified it; no other document)."""

    name: str
    stem_field: str
    skills: tuple[str, ...]
    dutch_level: str | None
    available_from: date | None
    has_cv: bool = False

    @classmethod
    def of(cls, candidate: Candidate, *, has_cv: bool = False) -> CandidateCard:
        return cls(
            name=candidate.name,
            stem_field=candidate.stem_field,
            skills=tuple(sorted(s.skill for s in candidate.skills)),
            dutch_level=candidate.dutch_level,
            available_from=candidate.available_from,
            has_cv=has_cv,
        )


def verified_cv(candidate_id: int) -> Document | None:
    """The candidate's newest verified CV, if any."""
    return db.session.scalars(
        select(Document)
        .where(
            Document.candidate_id == candidate_id,
            Document.kind == "cv",
            Document.status == "verified",
        )
        .order_by(Document.id.desc())
        .limit(1)
    ).first()


def read_cv(actor: User, placement_id: int) -> tuple[Document, bytes]:
    """The verified CV of the placement's candidate, for their company's contact (logged
    for the candidate, as the desk's and mentors' downloads are)."""
    placement = company_placement(actor, placement_id)
    document = verified_cv(placement.candidate_id)
    if document is None:
        raise NotFound(_("There is no verified CV to download."))
    return document, documents.read_stored(actor, document, placement.candidate)


@dataclass(frozen=True)
class PlacementRow:
    placement: Placement
    card: CandidateCard


@dataclass(frozen=True)
class ProjectRow:
    project: Project
    placements: list[PlacementRow] = field(default_factory=list)


@dataclass(frozen=True)
class Overview:
    company: Company
    projects: list[ProjectRow]
    without_project: list[PlacementRow]  # placements recorded with a title only
    started: list[PlacementRow]


def own_company(actor: User) -> Company:
    require_role(actor, "company")
    company = db.session.get(Company, actor.company_id) if actor.company_id else None
    if company is None:
        raise NotFound(_("No company was found for your account."))
    return company


def _shared(placements: list[Placement]) -> list[PlacementRow]:
    shown = [p for p in placements if shared_with_company(p.candidate)]
    with_cv = _with_verified_cv([p.candidate_id for p in shown])
    return [
        PlacementRow(p, CandidateCard.of(p.candidate, has_cv=p.candidate_id in with_cv))
        for p in shown
    ]


def _with_verified_cv(candidate_ids: list[int]) -> set[int]:
    """Which of these candidates have a verified CV (one statement)."""
    if not candidate_ids:
        return set()
    return set(
        db.session.scalars(
            select(Document.candidate_id).where(
                Document.candidate_id.in_(candidate_ids),
                Document.kind == "cv",
                Document.status == "verified",
            )
        )
    )


def overview(actor: User) -> Overview:
    company = own_company(actor)
    projects = list(
        db.session.scalars(
            select(Project).where(Project.company_id == company.id).order_by(Project.title)
        )
    )
    placements = list(
        db.session.scalars(
            select(Placement)
            .options(
                joinedload(Placement.candidate).joinedload(Candidate.user),
                joinedload(Placement.candidate).selectinload(Candidate.skills),
            )
            .where(Placement.company_id == company.id)
            .order_by(Placement.created_at.desc(), Placement.id.desc())
        ).unique()
    )
    rows = _shared(placements)
    by_project: dict[int, list[PlacementRow]] = {}
    for row in rows:
        if row.placement.project_id is not None and row.placement.status != STARTED:
            by_project.setdefault(row.placement.project_id, []).append(row)
    return Overview(
        company=company,
        projects=[ProjectRow(p, by_project.get(p.id, [])) for p in projects],
        without_project=[
            r for r in rows if r.placement.project_id is None and r.placement.status != STARTED
        ],
        started=[r for r in rows if r.placement.status == STARTED],
    )


@dataclass(frozen=True)
class PlacementPage:
    placement: Placement
    card: CandidateCard
    steps: list[Step]
    # The check-ins (days after the start) this contact may answer now, and those answered.
    checkins_open: tuple[int, ...] = ()
    checkins_done: tuple[int, ...] = ()


def placement_page(actor: User, placement_id: int) -> PlacementPage:
    placement = company_placement(actor, placement_id)
    # The steps' guards count the candidate's other secured placements: read them all.
    others = list(
        db.session.scalars(
            select(Placement).where(Placement.candidate_id == placement.candidate_id)
        )
    )
    answered = set(
        db.session.scalars(
            select(PlacementCheckin.day).where(
                PlacementCheckin.placement_id == placement.id,
                PlacementCheckin.author_id == actor.id,
            )
        )
    )
    today = local_date(utcnow())
    return PlacementPage(
        placement=placement,
        card=CandidateCard.of(
            placement.candidate, has_cv=verified_cv(placement.candidate_id) is not None
        ),
        steps=steps_for(others, "company").get(placement.id, []),
        checkins_open=tuple(
            day
            for day in CHECKIN_DAYS
            if day not in answered and checkin_due(placement, day, today)
        ),
        checkins_done=tuple(sorted(answered)),
    )


def propose_project(actor: User, data: companies.ProjectData) -> Project:
    """A project the company proposes: pending, not open for matching, until the desk
    approves it; the desk is told."""
    company = own_company(actor)
    project = companies.fill_project(Project(company=company), data)
    project.is_open = False
    project.approval = "pending"
    project.proposed_by_id = actor.id
    db.session.add(project)
    db.session.flush()
    notifications.notify(
        "project_proposed",
        actor=actor,
        params={"project_id": project.id, "project": project.title, "company": company.name},
    )
    return project


def review_project(actor: User, project_id: int, approve: bool) -> Project:
    """The desk approves a proposed project (it opens for matching) or does not."""
    require_role(actor, "staff")
    project = companies.get_project(project_id)
    if project.approval != "pending":
        raise Conflict(_("This project was already reviewed."))
    project.approval = "approved" if approve else "declined"
    project.is_open = approve
    project.reviewed_at = utcnow()
    notifications.notify(
        "project_approved" if approve else "project_declined",
        actor=actor,
        params={
            "project_id": project.id,
            "project": project.title,
            "company": project.company.name,
        },
        people={"company": active_contacts(project.company_id)},
    )
    return project


def pending_projects() -> list[Project]:
    return list(
        db.session.scalars(
            select(Project)
            .options(selectinload(Project.company))
            .where(Project.approval == "pending")
            .order_by(Project.created_at, Project.id)
        )
    )


def save_contact_details(actor: User, contact_person: str, contact_email: str) -> Company:
    """The contact keeps the company's contact person and address up to date."""
    company = own_company(actor)
    company.contact_person = " ".join(contact_person.split()) or None
    company.contact_email = contact_email.strip().lower() or None
    return company


def checkin_due(placement: Placement, day: int, today: date) -> bool:
    """A check-in is asked for `day` days after a placement started."""
    return (
        placement.status == STARTED
        and placement.start_date is not None
        and (today - placement.start_date).days >= day
    )


def record_checkin(
    actor: User, placement_id: int, day: int, rating: int, comment: str
) -> PlacementCheckin:
    """The company's answer to the check-in of `day` (30 or 90) days: once per contact."""
    placement = company_placement(actor, placement_id)
    if day not in CHECKIN_DAYS or not checkin_due(placement, day, local_date(utcnow())):
        raise Refused(_("This check-in is not open yet."))
    if not 1 <= rating <= 5:
        raise Refused(_("Choose a score from 1 to 5."))
    checkin = PlacementCheckin(
        placement=placement, day=day, rating=rating, comment=comment.strip(), author=actor
    )
    db.session.add(checkin)
    flush_unique(_("You have already answered this check-in. Thank you!"))
    audit.record(
        placement.candidate,
        actor,
        "company_checkin",
        detail=f"{placement.company.name}: {day} · {rating}/5",
    )
    return checkin


def checkins_for(candidate_id: int) -> list[PlacementCheckin]:
    """The companies' check-ins on the candidate's placements, newest first (the desk's
    and the mentor's pages)."""
    return list(
        db.session.scalars(
            select(PlacementCheckin)
            .join(Placement, Placement.id == PlacementCheckin.placement_id)
            .options(
                joinedload(PlacementCheckin.author),
                joinedload(PlacementCheckin.placement).joinedload(Placement.company),
            )
            .where(Placement.candidate_id == candidate_id)
            .order_by(PlacementCheckin.created_at.desc(), PlacementCheckin.id.desc())
        )
    )
