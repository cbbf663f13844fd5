"""Access-matrix rows for companies, projects, matching and the placement workflow."""

from datetime import date, timedelta

from onboarding.models import Project
from tests.web.access_rows.row import Row

NEXT_MONTH = (date.today() + timedelta(days=30)).isoformat()

ROUTES = [
    ("GET", "/desk/companies"),
    ("GET", "/desk/companies/new"),
    ("POST", "/desk/companies/new"),
    ("GET", "/desk/companies/{company}"),
    ("POST", "/desk/companies/{company}"),
    ("POST", "/desk/companies/{company}/projects"),
    ("GET", "/desk/projects/{project}"),
    ("POST", "/desk/projects/{project}"),
    ("POST", "/desk/projects/{project}/propose"),
    ("GET", "/desk/candidates/{c1}/matches"),
    ("POST", "/desk/placements/{placement}/transition"),
]
AREAS = [(ROUTES, {"staff"})]
NUMERIC_PLACEHOLDERS = ["project", "company"]

COMPANY = {"name": "Genk Robotics", "sector": "Robotics", "municipality": "Genk"}
PROJECT = {"kind": "internship", "title": "Cobot safety study", "seats": "2",
           "stem_fields": "engineering", "skills": "python, safety", "is_open": "y"}  # fmt: skip

ROWS = [
    Row("staff", "GET", "/desk/companies", 200),
    Row("staff", "GET", "/desk/companies/new", 200),
    Row("staff", "POST", "/desk/companies/new", 302, COMPANY, "/desk/companies/"),
    Row("staff", "POST", "/desk/companies/new", 422),
    Row("staff", "POST", "/desk/companies/new", 422, {**COMPANY, "municipality": "Brussel"}),
    Row("staff", "GET", "/desk/companies/{company}", 200),
    Row("staff", "GET", "/desk/companies/{unknown}", 404),
    Row("staff", "POST", "/desk/companies/{company}", 302,
        {**COMPANY, "name": "Renamed Co"}, "/desk/companies/{company}"),
    Row("staff", "POST", "/desk/companies/{company}", 422, {**COMPANY, "name": ""}),
    Row("staff", "POST", "/desk/companies/{company}/projects", 302, PROJECT, "/desk/projects/"),
    Row("staff", "POST", "/desk/companies/{company}/projects", 422),
    Row("staff", "POST", "/desk/companies/{unknown}/projects", 404, PROJECT),
    Row("staff", "GET", "/desk/projects/{project}", 200),
    Row("staff", "GET", "/desk/projects/{unknown}", 404),
    Row("staff", "POST", "/desk/projects/{project}", 302, PROJECT, "/desk/projects/{project}"),
    Row("staff", "POST", "/desk/projects/{project}", 422, {**PROJECT, "seats": "0"}),
    # candidate 1 is in mentoring: proposing works; candidate 2 is in outreach: conflict
    Row("staff", "POST", "/desk/projects/{project}/propose", 302, {"candidate_id": "{c1}"},
        "/desk/candidates/{c1}"),
    Row("staff", "POST", "/desk/projects/{project}/propose", 409, {"candidate_id": "{c2}"}),
    Row("staff", "POST", "/desk/projects/{project}/propose", 422),
    Row("staff", "POST", "/desk/projects/{unknown}/propose", 404, {"candidate_id": "{c1}"}),
    Row("staff", "GET", "/desk/candidates/{c1}/matches", 200),
    Row("staff", "GET", "/desk/candidates/{unknown}/matches", 404),
    # placement steps: success, missing guard input, not from this status, unknown
    Row("staff", "POST", "/desk/placements/{placement}/transition", 302,
        {"trigger": "schedule_interview", "interview_at": f"{NEXT_MONTH}T10:00"},
        "/desk/candidates/{c1}"),
    Row("staff", "POST", "/desk/placements/{placement}/transition", 422,
        {"trigger": "schedule_interview"}),
    Row("staff", "POST", "/desk/placements/{placement}/transition", 409, {"trigger": "start"}),
    Row("staff", "POST", "/desk/placements/{placement}/transition", 422,
        {"trigger": "decline"}),
    Row("staff", "POST", "/desk/placements/{placement}/transition", 404, {"trigger": "teleport"}),
    Row("staff", "POST", "/desk/placements/{placement}/transition", 422),
    Row("staff", "POST", "/desk/placements/{unknown}/transition", 404,
        {"trigger": "decline", "reason": "No"}),
]  # fmt: skip


def world(session, values: dict, people: dict) -> dict:
    project = Project(company=people["company"], kind="innovation_project",
                      title="Heat pump telemetry", stem_fields=["engineering"],
                      skills=["python"], seats=2)  # fmt: skip
    session.add(project)
    session.commit()
    return {"project": project.id}
