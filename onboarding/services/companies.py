"""Companies and their projects (innovation projects, internships, vacancies)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from onboarding.db import flush_unique
from onboarding.extensions import db
from onboarding.models import Company, Project, User
from onboarding.services.access import get_or_not_found, require_role
from onboarding.services.errors import NotFound


@dataclass(frozen=True)
class CompanyData:
    name: str
    sector: str
    municipality: str
    contact_person: str
    contact_email: str
    size: str | None


@dataclass(frozen=True)
class ProjectData:
    kind: str
    title: str
    description: str
    stem_fields: list[str]
    skills: list[str]
    min_dutch_level: str | None
    start_date: date | None
    seats: int
    is_open: bool


def normalise_skills(text_or_list) -> list[str]:
    """'Python, data analysis ,  python' → ['data analysis', 'python']."""
    items = text_or_list.split(",") if isinstance(text_or_list, str) else text_or_list
    return sorted({" ".join(item.lower().split()) for item in items if item and item.strip()})


def _apply(company: Company, data: CompanyData) -> None:
    company.name = data.name.strip()
    company.sector = data.sector.strip()
    company.municipality = data.municipality
    company.contact_person = data.contact_person.strip() or None
    company.contact_email = data.contact_email.strip().lower() or None
    company.size = data.size or None


def save_company(actor: User, data: CompanyData, company_id: int | None = None) -> Company:
    require_role(actor, "staff")
    company = Company() if company_id is None else get_company(company_id)
    _apply(company, data)
    db.session.add(company)
    flush_unique(_("A company with this name already exists."))
    return company


def get_company(company_id: int) -> Company:
    return get_or_not_found(Company, company_id, _("This company does not exist."))


def get_project(project_id: int) -> Project:
    return get_or_not_found(Project, project_id, _("This project does not exist."))


def save_project(
    actor: User, company_id: int, data: ProjectData, project_id: int | None = None
) -> Project:
    require_role(actor, "staff")
    company = get_company(company_id)
    project = Project(company=company) if project_id is None else get_project(project_id)
    if project.company_id not in (None, company.id):
        raise NotFound(_("This project does not exist."))
    fill_project(project, data)
    # A company's proposal opens for matching only once the desk approved it.
    project.is_open = data.is_open and project.approval in (None, "approved")
    db.session.add(project)
    db.session.flush()
    return project


def fill_project(project: Project, data: ProjectData) -> Project:
    """The project's description as the form gives it (not whether it is open)."""
    project.kind = data.kind
    project.title = data.title.strip()
    project.description = data.description.strip()
    project.stem_fields = sorted(set(data.stem_fields))
    project.skills = normalise_skills(data.skills)
    project.min_dutch_level = data.min_dutch_level or None
    project.start_date = data.start_date
    project.seats = data.seats
    return project


def companies_with_counts() -> list[tuple[Company, int]]:
    open_projects = (
        select(Project.company_id, func.count(Project.id).label("n"))
        .where(Project.is_open)
        .group_by(Project.company_id)
        .subquery()
    )
    return [
        (company, count)
        for company, count in db.session.execute(
            select(Company, func.coalesce(open_projects.c.n, 0))
            .outerjoin(open_projects, open_projects.c.company_id == Company.id)
            .order_by(Company.name)
        ).all()
    ]


def company_with_projects(company_id: int) -> Company:
    company = db.session.scalars(
        select(Company).options(selectinload(Company.projects)).where(Company.id == company_id)
    ).one_or_none()
    if company is None:
        raise NotFound(_("This company does not exist."))
    return company


def open_projects_by_company() -> dict[int, list[Project]]:
    grouped: dict[int, list[Project]] = {}
    for project in db.session.scalars(
        select(Project).where(Project.is_open).order_by(Project.title)
    ):
        grouped.setdefault(project.company_id, []).append(project)
    return grouped
