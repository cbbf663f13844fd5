"""Access-matrix rows for the People area (/desk/people: accounts, invitations, deactivation,
capacity, the account audit log) and the desk's correction of a candidate's details.

Only staff enter; the matrix adds anonymous → log in and every other role → 403 from AREAS.
"""

from tests.factories import make_user
from tests.web.access_rows.row import Row

STAFF_ROUTES = [
    ("GET", "/desk/people/"),
    ("GET", "/desk/people/new"),
    ("POST", "/desk/people/new"),
    ("GET", "/desk/people/{mentor_b}"),
    ("POST", "/desk/people/{invited_colleague}/invitation"),
    ("POST", "/desk/people/{mentor_b}/deactivate"),
    ("POST", "/desk/people/{deactivated_mentor}/reactivate"),
    ("POST", "/desk/people/{mentor_b}/capacity"),
    ("GET", "/desk/people/events"),
    ("GET", "/desk/candidates/{c1}/details"),
    ("POST", "/desk/candidates/{c1}/details"),
]
AREAS = [(STAFF_ROUTES, {"staff"})]

INVITE = {"name": "Lindiwe Dlamini", "email": "lindiwe@example.org", "locale": "af",
          "role": "mentor", "mentor_capacity": "4"}  # fmt: skip
DETAILS = {
    "name": "{c1_name}",
    "email": "corrected@example.org",
    "country": "ZA",
    "origin_institution": "University of Cape Town",
    "stem_field": "energy",
    "graduation_date": "2025-06-30",
    "locale": "en",
    "outreach_channel": "partner_referral",
}

ROWS = [
    Row("staff", "GET", "/desk/people/", 200),
    Row("staff", "GET", "/desk/people/new", 200),
    Row("staff", "POST", "/desk/people/new", 302, INVITE, "/desk/people/"),
    Row("staff", "POST", "/desk/people/new", 422),
    Row("staff", "POST", "/desk/people/new", 422, {**INVITE, "role": "candidate"}),
    Row("staff", "GET", "/desk/people/{mentor_b}", 200),
    Row("staff", "GET", "/desk/people/{staff_id}", 200),
    Row("staff", "GET", "/desk/people/{unknown}", 404),
    Row("staff", "POST", "/desk/people/{invited_colleague}/invitation", 302, {},
        "/desk/people/{invited_colleague}"),
    # mentor B has chosen a password: no invitation to send
    Row("staff", "POST", "/desk/people/{mentor_b}/invitation", 422),
    Row("staff", "POST", "/desk/people/{unknown}/invitation", 404),
    Row("staff", "POST", "/desk/people/{mentor_b}/deactivate", 302, {},
        "/desk/people/{mentor_b}"),
    Row("staff", "POST", "/desk/people/{staff_id}/deactivate", 422),  # oneself
    Row("staff", "POST", "/desk/people/{unknown}/deactivate", 404),
    Row("staff", "POST", "/desk/people/{deactivated_mentor}/reactivate", 302, {},
        "/desk/people/{deactivated_mentor}"),
    Row("staff", "POST", "/desk/people/{mentor_b}/reactivate", 422),  # already active
    Row("staff", "POST", "/desk/people/{unknown}/reactivate", 404),
    Row("staff", "POST", "/desk/people/{mentor_b}/capacity", 302, {"capacity": "6"},
        "/desk/people/{mentor_b}"),
    Row("staff", "POST", "/desk/people/{mentor_b}/capacity", 422),
    Row("staff", "POST", "/desk/people/{mentor_b}/capacity", 422, {"capacity": "51"}),
    Row("staff", "POST", "/desk/people/{staff_id}/capacity", 422, {"capacity": "6"}),
    Row("staff", "POST", "/desk/people/{unknown}/capacity", 404, {"capacity": "6"}),
    Row("staff", "GET", "/desk/people/events", 200),
    Row("staff", "GET", "/desk/candidates/{c1}/details", 200),
    Row("staff", "GET", "/desk/candidates/{unknown}/details", 404),
    Row("staff", "POST", "/desk/candidates/{c1}/details", 302, DETAILS, "/desk/candidates/{c1}"),
    Row("staff", "POST", "/desk/candidates/{c1}/details", 422),
    Row("staff", "POST", "/desk/candidates/{c1}/details", 422,
        {**DETAILS, "email": "{staff_email}"}),
    Row("staff", "POST", "/desk/candidates/{c1}/details", 409, {**DETAILS, "version": "999"}),
    Row("staff", "POST", "/desk/candidates/{unknown}/details", 404, DETAILS),
]  # fmt: skip
NUMERIC_PLACEHOLDERS = ["mentor_b", "staff_id", "invited_colleague", "deactivated_mentor"]


def world(session, values: dict, people: dict) -> dict:
    """A colleague invited who has not chosen a password yet, and a deactivated mentor."""
    invited = make_user("staff", name="Invited Colleague", password_hash=None)
    deactivated = make_user("mentor", name="Mentor Gone", active=False)
    return {
        "staff_id": people["staff"].id,
        "invited_colleague": invited.id,
        "deactivated_mentor": deactivated.id,
    }
