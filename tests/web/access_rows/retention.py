"""Access-matrix rows for erasure, legal holds and the desk's privacy overview (staff), and
the candidate's own request for erasure (/me/erasure)."""

from onboarding.models import utcnow
from tests.factories import make_candidate
from tests.web.access_rows.row import Row

STAFF_ROUTES = [
    ("GET", "/desk/privacy"),
    ("GET", "/desk/candidates/{c1}/erase"),
    ("POST", "/desk/candidates/{c1}/erase"),
    ("POST", "/desk/candidates/{c1}/hold"),
    ("POST", "/desk/candidates/{held}/hold/release"),
]
CANDIDATE_ROUTES = [
    ("POST", "/me/erasure"),
    ("POST", "/me/erasure/cancel"),
]
AREAS = [(STAFF_ROUTES, {"staff"}), (CANDIDATE_ROUTES, {"candidate", "other_candidate"})]
NUMERIC_PLACEHOLDERS = ["held"]

ROWS = [
    Row("staff", "GET", "/desk/privacy", 200),
    Row("staff", "GET", "/desk/candidates/{c1}/erase", 200),
    Row("staff", "GET", "/desk/candidates/{held}/erase", 200),  # says why it cannot be done
    Row("staff", "GET", "/desk/candidates/{unknown}/erase", 404),
    Row("staff", "POST", "/desk/candidates/{c1}/erase", 302, {"confirmed": "y"},
        "/desk/privacy"),
    Row("staff", "POST", "/desk/candidates/{c1}/erase", 422),  # not confirmed
    Row("staff", "POST", "/desk/candidates/{held}/erase", 422, {"confirmed": "y"}),  # held
    Row("staff", "POST", "/desk/candidates/{unknown}/erase", 404, {"confirmed": "y"}),
    Row("staff", "POST", "/desk/candidates/{c1}/hold", 302, {"reason": "Court case 4/2026"},
        "/desk/candidates/{c1}"),
    Row("staff", "POST", "/desk/candidates/{c1}/hold", 422),  # no reason
    Row("staff", "POST", "/desk/candidates/{unknown}/hold", 404, {"reason": "Court case"}),
    Row("staff", "POST", "/desk/candidates/{held}/hold/release", 302, {},
        "/desk/candidates/{held}"),
    Row("staff", "POST", "/desk/candidates/{c1}/hold/release", 409),  # not held
    Row("staff", "POST", "/desk/candidates/{unknown}/hold/release", 404),
    Row("candidate", "POST", "/me/erasure", 302, {"confirmed": "y"}, "/settings"),
    Row("candidate", "POST", "/me/erasure", 422),  # not confirmed
    Row("candidate", "POST", "/me/erasure/cancel", 409),  # nothing asked
    Row("other_candidate", "POST", "/me/erasure", 302, {"confirmed": "y"}, "/settings"),
    Row("other_candidate", "POST", "/me/erasure/cancel", 302, {}, "/settings"),
]  # fmt: skip


def world(session, values: dict, people: dict) -> dict:
    held = make_candidate(name="Anna Shikongo", phase="withdrawn")
    held.legal_hold_reason = "Dispute with the employer"
    held.legal_hold_at = utcnow()
    people["c2"].erasure_requested_at = utcnow()  # candidate 2 asked for erasure
    session.commit()
    return {"held": held.id}
