"""Access-matrix rows for the notification settings and the in-app notifications.

Everybody signed in saves their own choices (the kinds of their role) and opens their own
notifications: opening one redirects to its page; another person's, a row that is not
shown in the app (a pending reminder) or none at all is 404.
"""

from __future__ import annotations

from onboarding.models import Reminder, utcnow
from tests.web.access_rows.row import LOGGED_IN, WITH_ACCOUNT, Row

ROLE_OF = {"candidate": "candidate", "other_candidate": "candidate", "mentor": "mentor",
           "other_mentor": "mentor", "staff": "staff", "partner": "partner"}  # fmt: skip
CHOICES = {
    "candidate": {"progress": "email", "mentoring": "app", "documents": "digest",
                  "placements": "email", "messages": "email", "reminders": "app"},
    "mentor": {"progress": "digest", "mentoring": "email", "placements": "app",
               "messages": "email", "reminders": "digest"},
    "staff": {"placements": "email", "messages": "app", "reminders": "email", "partners": "digest",
              "imports": "app"},
    "partner": {"imports": "digest"},
}  # fmt: skip

# Everybody with an account chooses how; a company contact (no settings) only reads.
AREAS = [
    ([("POST", "/settings/notifications")], set(WITH_ACCOUNT)),
    ([("GET", "/notifications/{note_c1}")], set(LOGGED_IN)),
]

ROWS = [
    *(
        row
        for role in WITH_ACCOUNT
        for row in (
            Row(role, "POST", "/settings/notifications", 302, CHOICES[ROLE_OF[role]], "/settings"),
            Row(role, "POST", "/settings/notifications", 422,
                {**CHOICES[ROLE_OF[role]], "imports": "pigeon"}
                if role == "partner" else {**CHOICES[ROLE_OF[role]], "reminders": "pigeon"}),
            Row(role, "POST", "/settings/notifications", 422),  # nothing chosen
        )
    ),
    *(Row(role, "GET", "/notifications/{unknown}", 404) for role in LOGGED_IN),
    *(Row(role, "GET", "/notifications/{note_c1}", 404)
      for role in ("company", "other_company", "partner")),
    Row("candidate", "GET", "/notifications/{note_c1}", 302, location="/me/"),
    Row("candidate", "GET", "/notifications/{pending_c1}", 404),  # not in the app yet
    Row("candidate", "GET", "/notifications/{note_staff}", 404),
    Row("other_candidate", "GET", "/notifications/{note_c1}", 404),
    Row("mentor", "GET", "/notifications/{note_c1}", 404),
    Row("other_mentor", "GET", "/notifications/{note_c1}", 404),
    Row("staff", "GET", "/notifications/{note_c1}", 404),
    Row("staff", "GET", "/notifications/{note_staff}", 302, location="/desk/candidates/{c1}"),
]  # fmt: skip

NUMERIC_PLACEHOLDERS = ["note_c1", "pending_c1", "note_staff"]


def _row(candidate, recipient, **values) -> Reminder:
    now = utcnow()
    return Reminder(candidate_id=candidate.id, recipient_id=recipient.id, due_at=now,
                    anchor=now.date().isoformat(), params={"candidate": candidate.name,
                    "phase": candidate.phase}, **values)  # fmt: skip


def world(session, values: dict, people: dict) -> dict:
    """Candidate 1's phase-change notification, a pending reminder of theirs, and a sent
    reminder about them for the desk."""
    c1, staff = people["c1"], people["staff"]
    now = utcnow()
    note = _row(
        c1,
        c1.user,
        kind="event",
        rule="phase_changed",
        audience="candidate",
        status="sent",
        sent_at=now,
        delivery="app",
        in_app_at=now,
        essential=False,
    )
    pending = _row(c1, c1.user, rule="book_assessment", status="pending")
    for_staff = _row(c1, staff, rule="stuck_in_phase", status="sent", sent_at=now,
                     delivery="email", in_app_at=now)  # fmt: skip
    session.add_all([note, pending, for_staff])
    session.commit()
    return {"note_c1": note.id, "pending_c1": pending.id, "note_staff": for_staff.id}
