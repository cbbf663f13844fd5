"""Access-matrix rows for the conversation per candidate.

The thread of candidate 1 is read by candidate 1, their mentor (A) and staff; mentor B,
candidate 2 and everyone else find nothing (404), as for an erased candidate. Attachments
follow the thread. The inbox sends a candidate to their own thread.
"""

from __future__ import annotations

from onboarding.models import utcnow
from onboarding.services import conversations
from tests.factories import make_candidate
from tests.web.access_rows.documents import EXECUTABLE, PDF, Upload
from tests.web.access_rows.row import Row

CANDIDATES = {"candidate", "other_candidate"}
MENTORS = {"mentor", "other_mentor"}
LOGGED_IN = {"candidate", "other_candidate", "mentor", "other_mentor", "staff"}

AREAS = [
    ([("GET", "/me/messages"), ("POST", "/me/messages")], CANDIDATES),
    (
        [("GET", "/mentor/mentees/{c1}/messages"), ("POST", "/mentor/mentees/{c1}/messages")],
        MENTORS,
    ),
    (
        [
            ("GET", "/desk/candidates/{c1}/messages"),
            ("POST", "/desk/candidates/{c1}/messages"),
            ("GET", "/desk/messages/group"),
            ("POST", "/desk/messages/group"),
        ],
        {"staff"},
    ),
    ([("GET", "/messages"), ("GET", "/messages/attachments/{att_c1}")], LOGGED_IN),
]

MESSAGE = {"body": "Dag, hoe gaat het met de taalcursus?"}
WITH_FILE = {"body": "Het plan in bijlage.", "attachment": Upload(PDF, "plan.pdf")}
FAKE_PDF = {"body": "Kijk even.", "attachment": Upload(EXECUTABLE, "plan.pdf")}
TOO_LONG = {"body": "x" * 5001}
GROUP = {"body": "Infosessie op 12 januari in Genk.", "phase": "mentoring", "confirmed": "y"}

ROWS = [
    *[
        row
        for role in sorted(CANDIDATES)
        for row in (
            Row(role, "GET", "/me/messages", 200),
            Row(role, "POST", "/me/messages", 302, MESSAGE, "/me/messages"),
            Row(role, "POST", "/me/messages", 302, WITH_FILE, "/me/messages"),
            Row(role, "POST", "/me/messages", 422),
            Row(role, "POST", "/me/messages", 422, {"body": "   "}),
            Row(role, "POST", "/me/messages", 422, TOO_LONG),
            Row(role, "POST", "/me/messages", 422, FAKE_PDF),
            Row(role, "GET", "/messages", 302, location="/me/messages"),
        )
    ],
    # the mentor: their own mentee's thread only
    Row("mentor", "GET", "/mentor/mentees/{c1}/messages", 200),
    Row("mentor", "GET", "/mentor/mentees/{c2}/messages", 404),
    Row("mentor", "GET", "/mentor/mentees/{unknown}/messages", 404),
    Row("mentor", "POST", "/mentor/mentees/{c1}/messages", 302, MESSAGE,
        "/mentor/mentees/{c1}/messages"),
    Row("mentor", "POST", "/mentor/mentees/{c1}/messages", 422),
    Row("mentor", "POST", "/mentor/mentees/{c2}/messages", 404, MESSAGE),
    Row("other_mentor", "GET", "/mentor/mentees/{c1}/messages", 404),
    Row("other_mentor", "POST", "/mentor/mentees/{c1}/messages", 404, MESSAGE),
    Row("mentor", "GET", "/messages", 200),
    Row("other_mentor", "GET", "/messages", 200),
    # the desk: every thread, never an erased candidate's
    Row("staff", "GET", "/desk/candidates/{c1}/messages", 200),
    Row("staff", "GET", "/desk/candidates/{c2}/messages", 200),
    Row("staff", "GET", "/desk/candidates/{unknown}/messages", 404),
    Row("staff", "GET", "/desk/candidates/{erased_thread}/messages", 404),
    Row("staff", "POST", "/desk/candidates/{c1}/messages", 302, MESSAGE,
        "/desk/candidates/{c1}/messages"),
    Row("staff", "POST", "/desk/candidates/{c1}/messages", 422),
    Row("staff", "POST", "/desk/candidates/{erased_thread}/messages", 404, MESSAGE),
    Row("staff", "GET", "/messages", 200),
    # attachments: the thread's members only
    Row("candidate", "GET", "/messages/attachments/{att_c1}", 200),
    Row("other_candidate", "GET", "/messages/attachments/{att_c1}", 404),
    Row("mentor", "GET", "/messages/attachments/{att_c1}", 200),
    Row("other_mentor", "GET", "/messages/attachments/{att_c1}", 404),
    Row("staff", "GET", "/messages/attachments/{att_c1}", 200),
    Row("staff", "GET", "/messages/attachments/{unknown}", 404),
    # group messages
    Row("staff", "GET", "/desk/messages/group", 200),
    Row("staff", "POST", "/desk/messages/group", 302, GROUP, "/desk/messages/group"),
    Row("staff", "POST", "/desk/messages/group", 422),
    Row("staff", "POST", "/desk/messages/group", 422, {**GROUP, "confirmed": ""}),
    Row("staff", "POST", "/desk/messages/group", 422, {**GROUP, "expected": "999999"}),
]  # fmt: skip

NUMERIC_PLACEHOLDERS = ["att_c1", "erased_thread"]


def world(session, values: dict, people: dict) -> dict:
    """A message with a PDF from mentor A in candidate 1's thread; an erased candidate."""
    message = conversations.post(
        people["mentor_a"], people["c1"], "Het plan.", file=PDF, filename="plan.pdf"
    )
    erased = make_candidate(name="Erased Thread")
    erased.erased_at = utcnow()
    session.commit()
    return {"att_c1": message.attachments[0].id, "erased_thread": erased.id}
