"""Access-matrix rows for the company portal, its sign-in links and the desk's company
contacts and project reviews.

Roles: company (a contact of company A, the world's company) and other_company (a contact
of company B). Company A has a placement of a candidate who shares their profile with
companies ({cp_shared}) and the world's placement of candidate 1, who does not
({placement}); company B has one of its own ({cp_other}). A contact sees and acts on their
own company's placements of sharing candidates only: anything else is not found (404).

Sign-in links: a valid one ({link_token}, of a third contact of company A) shows its button
to anybody and signs in whoever presses it; an expired, a used one, one of a deactivated
contact ({revoked_link}) and an unknown one are 404, both ways.
"""

from __future__ import annotations

from datetime import date, timedelta

from onboarding.models import Placement, Project, User, utcnow
from onboarding.services import auth, documents
from onboarding.services import people as people_service
from tests.factories import make_candidate, make_company
from tests.web.access_rows.documents import PDF
from tests.web.access_rows.row import ROLES, Row

COMPANIES = {"company", "other_company"}

PORTAL_ROUTES = [
    ("GET", "/company/"),
    ("GET", "/company/placements/{cp_shared}"),
    ("POST", "/company/placements/{cp_shared}/steps"),
    ("GET", "/company/projects/new"),
    ("POST", "/company/projects/new"),
    ("GET", "/company/details"),
    ("POST", "/company/details"),
    ("GET", "/company/placements/{cp_started}/cv"),
    ("GET", "/company/placements/{cp_started}/check-in/30"),
    ("POST", "/company/placements/{cp_started}/check-in/30"),
]
DESK_ROUTES = [
    ("POST", "/desk/companies/{company}/contacts"),
    ("POST", "/desk/companies/{company}/contacts/{contact_a}/link"),
    ("POST", "/desk/projects/{pending_project}/review"),
]
AREAS = [(PORTAL_ROUTES, COMPANIES), (DESK_ROUTES, {"staff"})]
NUMERIC_PLACEHOLDERS = ["cp_shared", "cp_started", "cp_other", "contact_a", "contact_b",
                        "revoked_contact", "pending_project"]  # fmt: skip
TEXT_PLACEHOLDERS = {"link_token": "token", "expired_link": "token", "used_link": "token",
                     "revoked_link": "token"}  # fmt: skip

NEXT_WEEK = f"{(date.today() + timedelta(days=7)).isoformat()}T10:00"
INTERVIEW = {"trigger": "schedule_interview", "interview_at": NEXT_WEEK}
PROPOSAL = {"kind": "internship", "title": "Hydrogen valve test bench", "seats": "1",
            "stem_fields": "engineering", "skills": "labview"}  # fmt: skip
DETAILS = {"contact_person": "Lotte Janssens", "contact_email": "lotte@genk.example.org"}
CONTACT = {"name": "Wim Claes", "email": "wim.claes@example.org", "locale": "nl"}

# Who presses a sign-in link's button is signed in as its contact (their own session, if
# any, ends); links that do not work answer 404 to everybody.
SIGN_IN = [
    row
    for role in ROLES
    for row in (
        Row(role, "GET", "/company/sign-in", 200),
        Row(role, "POST", "/company/sign-in", 200, {"email": "{company_email}"}),
        Row(role, "POST", "/company/sign-in", 200, {"email": "nobody@example.org"}),
        Row(role, "POST", "/company/sign-in", 422),
        Row(role, "GET", "/company/sign-in/{link_token}", 200),
        Row(role, "POST", "/company/sign-in/{link_token}", 302, location="/company/"),
        *(
            row
            for token in ("expired_link", "used_link", "revoked_link", "token")
            for row in (
                Row(role, "GET", f"/company/sign-in/{{{token}}}", 404),
                Row(role, "POST", f"/company/sign-in/{{{token}}}", 404),
            )
        ),
    )
]

COMPANY = [
    Row("company", "GET", "/company/", 200),
    Row("company", "GET", "/company/placements/{cp_shared}", 200),
    Row("company", "GET", "/company/placements/{cp_other}", 404),  # another company's
    Row("company", "GET", "/company/placements/{placement}", 404),  # does not share
    Row("company", "GET", "/company/placements/{unknown}", 404),
    Row("company", "POST", "/company/placements/{cp_shared}/steps", 302, INTERVIEW,
        "/company/placements/{cp_shared}"),
    Row("company", "POST", "/company/placements/{cp_shared}/steps", 422),
    Row("company", "POST", "/company/placements/{cp_shared}/steps", 422,
        {"trigger": "schedule_interview"}),  # no date
    Row("company", "POST", "/company/placements/{cp_shared}/steps", 403,
        {"trigger": "withdraw", "reason": "No"}),  # the desk's step
    Row("company", "POST", "/company/placements/{cp_shared}/steps", 409,
        {"trigger": "make_offer"}),  # no interview yet
    Row("company", "POST", "/company/placements/{cp_shared}/steps", 404,
        {"trigger": "teleport"}),
    Row("company", "POST", "/company/placements/{cp_other}/steps", 404, INTERVIEW),
    Row("company", "POST", "/company/placements/{placement}/steps", 404, INTERVIEW),
    Row("company", "POST", "/company/placements/{unknown}/steps", 404, INTERVIEW),
    Row("company", "GET", "/company/projects/new", 200),
    Row("company", "POST", "/company/projects/new", 302, PROPOSAL, "/company/"),
    Row("company", "POST", "/company/projects/new", 422),
    Row("company", "GET", "/company/details", 200),
    Row("company", "POST", "/company/details", 302, DETAILS, "/company/"),
    Row("company", "POST", "/company/details", 422),
    Row("company", "POST", "/company/details", 422, {**DETAILS, "contact_email": "not mail"}),
    # The CV once the desk verified it, never another document (the placed candidate has a
    # verified CV and a passport; the shared candidate's CV is not verified yet).
    Row("company", "GET", "/company/placements/{cp_started}/cv", 200),
    Row("company", "GET", "/company/placements/{cp_shared}/cv", 404),
    Row("company", "GET", "/company/placements/{cp_other}/cv", 404),
    Row("company", "GET", "/company/placements/{placement}/cv", 404),
    # The check-ins of a placement that started 40 days ago: the 30-day one is open.
    Row("company", "GET", "/company/placements/{cp_started}/check-in/30", 200),
    Row("company", "POST", "/company/placements/{cp_started}/check-in/30", 302,
        {"rating": "4", "comment": "Goed begonnen"}, "/company/placements/{cp_started}"),
    Row("company", "POST", "/company/placements/{cp_started}/check-in/30", 422),
    Row("company", "POST", "/company/placements/{cp_started}/check-in/30", 422,
        {"rating": "6"}),
    Row("company", "POST", "/company/placements/{cp_started}/check-in/90", 422,
        {"rating": "4"}),  # not open yet
    Row("company", "GET", "/company/placements/{cp_started}/check-in/60", 404),
    Row("company", "POST", "/company/placements/{cp_shared}/check-in/30", 422,
        {"rating": "4"}),  # not started
    Row("company", "GET", "/company/placements/{cp_other}/check-in/30", 404),
]  # fmt: skip

OTHER_COMPANY = [
    Row("other_company", "GET", "/company/", 200),
    Row("other_company", "GET", "/company/placements/{cp_other}", 200),
    Row("other_company", "GET", "/company/placements/{cp_shared}", 404),
    Row("other_company", "POST", "/company/placements/{cp_shared}/steps", 404, INTERVIEW),
    Row("other_company", "GET", "/company/projects/new", 200),
    Row("other_company", "POST", "/company/projects/new", 302, PROPOSAL, "/company/"),
    Row("other_company", "GET", "/company/details", 200),
    Row("other_company", "GET", "/company/placements/{cp_started}/check-in/30", 404),
    Row("other_company", "GET", "/company/placements/{cp_started}/cv", 404),
    Row("other_company", "POST", "/company/placements/{cp_started}/check-in/30", 404,
        {"rating": "4"}),
    Row("other_company", "POST", "/company/details", 302, DETAILS, "/company/"),
]  # fmt: skip

STAFF = [
    Row("staff", "POST", "/desk/companies/{company}/contacts", 302, CONTACT,
        "/desk/companies/{company}#contacts"),
    Row("staff", "POST", "/desk/companies/{company}/contacts", 422),
    Row("staff", "POST", "/desk/companies/{company}/contacts", 422,
        {**CONTACT, "email": "{company_email}"}),  # taken
    Row("staff", "POST", "/desk/companies/{unknown}/contacts", 404, CONTACT),
    Row("staff", "POST", "/desk/companies/{company}/contacts/{contact_a}/link", 302,
        location="/desk/companies/{company}#contacts"),
    # company B's contact is no contact of company A; a deactivated contact gets no link
    Row("staff", "POST", "/desk/companies/{company}/contacts/{contact_b}/link", 422),
    Row("staff", "POST", "/desk/companies/{company}/contacts/{revoked_contact}/link", 422),
    Row("staff", "POST", "/desk/companies/{company}/contacts/{unknown}/link", 422),
    Row("staff", "POST", "/desk/projects/{pending_project}/review", 302,
        {"decision": "approve"}, "/desk/projects/{pending_project}"),
    Row("staff", "POST", "/desk/projects/{pending_project}/review", 302,
        {"decision": "decline"}, "/desk/projects/{pending_project}"),
    Row("staff", "POST", "/desk/projects/{pending_project}/review", 422),
    Row("staff", "POST", "/desk/projects/{pending_project}/review", 422, {"decision": "maybe"}),
    Row("staff", "POST", "/desk/projects/{project}/review", 409, {"decision": "approve"}),
    Row("staff", "POST", "/desk/projects/{unknown}/review", 404, {"decision": "approve"}),
]  # fmt: skip

ROWS = [*SIGN_IN, *COMPANY, *OTHER_COMPANY, *STAFF]


def contact(session, company, name: str, *, active: bool = True) -> User:
    """A company contact as the desk makes one: no password."""
    user = User(email=f"{name.split()[0].lower()}@{company.name.split()[0].lower()}.example.org",
                name=name, role="company", locale="en", company=company, active=active)  # fmt: skip
    session.add(user)
    session.commit()
    return user


def world(session, values: dict, people: dict) -> dict:
    company_a = people["company"]
    company_b = make_company("Hasselt Hydrogen", municipality="Hasselt")
    contact_a = contact(session, company_a, "Els Vermeulen")
    contact_b = contact(session, company_b, "Jef Peeters")
    link_contact = contact(session, company_a, "Ruben Maes")
    revoked = contact(session, company_a, "Sofie Wouters")
    # a candidate who shares their profile with companies (candidate 1 does not)
    shared = make_candidate(name="Lindiwe Khumalo", phase="mentoring", mentor=people["mentor_a"],
                            share_with_companies=True)  # fmt: skip
    cp_shared = Placement(candidate_id=shared.id, company_id=company_a.id,
                          project_title="Wind farm monitoring", status="proposed")  # fmt: skip
    cp_other = Placement(candidate_id=shared.id, company_id=company_b.id,
                         project_title="Electrolyser controls", status="proposed")  # fmt: skip
    placed = make_candidate(name="Chipo Banda", phase="placed", country="ZM",
                            share_with_companies=True)  # fmt: skip
    cp_started = Placement(candidate_id=placed.id, company_id=company_a.id,
                           project_title="Grid storage pilot", status="started",
                           start_date=date.today() - timedelta(days=40))  # fmt: skip
    pending = Project(company=company_a, kind="vacancy", title="Process engineer",
                      stem_fields=["engineering"], skills=[], seats=1, is_open=False,
                      approval="pending", proposed_by_id=contact_a.id)  # fmt: skip
    session.add_all([cp_shared, cp_other, cp_started, pending])
    session.commit()
    cv = documents.upload(placed.user, "cv", PDF, "cv.pdf")
    documents.upload(placed.user, "passport", PDF, "passport.pdf")
    documents.upload(shared.user, "cv", PDF, "cv.pdf")
    session.commit()
    documents.review(people["staff"], cv.id, "verified")
    now = utcnow()
    link_token = auth.new_invitation(link_contact, None, purpose="sign_in")
    expired = auth.new_invitation(contact_a, None, now - timedelta(hours=2), purpose="sign_in")
    session.commit()
    used = auth.new_invitation(contact_b, None, purpose="sign_in")
    session.commit()
    auth.claim_link(used, "sign_in", utcnow())
    revoked_link = auth.new_invitation(revoked, None, purpose="sign_in")
    session.commit()
    people_service.deactivate(people["staff"], revoked.id)  # after the link was sent
    session.commit()
    return {
        "cp_shared": cp_shared.id,
        "cp_other": cp_other.id,
        "cp_started": cp_started.id,
        "contact_a": contact_a.id,
        "contact_b": contact_b.id,
        "revoked_contact": revoked.id,
        "pending_project": pending.id,
        "link_token": link_token,
        "expired_link": expired,
        "used_link": used,
        "revoked_link": revoked_link,
        "company_email": contact_a.email,
        "other_company_email": contact_b.email,
    }
