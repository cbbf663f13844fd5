"""Every route × every role, with the exact status each one must answer.

The table below is the access policy. `test_matrix_covers_every_route` fails when a route is
added to the app without rows here, so new routes cannot slip in unreviewed.

Roles: anonymous, candidate (mentee of mentor A), other_candidate, mentor (A), other_mentor
(B), staff, company (a contact of company A, the world's company) and other_company (a
contact of company B); the company contacts have no password and sign in with a link.
Paths and bodies use `{placeholders}` filled in from the `world` fixture.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from onboarding.models import Reminder, User, utcnow
from onboarding.services import auth
from tests.conftest import PASSWORD
from tests.factories import (
    make_assessment,
    make_candidate,
    make_company,
    make_placement,
    make_user,
)
from tests.web import access_rows
from tests.web.access_rows.row import LOGGED_IN, ROLES, WITH_ACCOUNT, Row

TODAY = date.today().isoformat()
NEXT_MONTH = (date.today() + timedelta(days=30)).isoformat()
HOME = {
    "candidate": "/me/",
    "other_candidate": "/me/",
    "mentor": "/mentor/",
    "other_mentor": "/mentor/",
    "staff": "/desk/",
    "company": "/company/",
    "other_company": "/company/",
    "partner": "/partner/",
}
LOGIN_REDIRECT = "/login?next="


# -- the routes, by area --------------------------------------------------------------------

DESK_ROUTES = [
    ("GET", "/desk/"),
    ("GET", "/desk/candidates/new"),
    ("POST", "/desk/candidates/new"),
    ("GET", "/desk/candidates/{c1}"),
    ("POST", "/desk/candidates/{c1}/transition"),
    ("POST", "/desk/candidates/{c1}/mentor"),
    ("POST", "/desk/candidates/{c1}/assessments"),
    ("POST", "/desk/candidates/{c1}/placements"),
    ("POST", "/desk/candidates/{c1}/invitation"),
    ("GET", "/desk/reminders"),
    ("POST", "/desk/reminders/{reminder}/retry"),
]
MENTOR_ROUTES = [
    ("GET", "/mentor/"),
    ("GET", "/mentor/mentees/{c1}"),
    ("POST", "/mentor/mentees/{c1}/transition"),
    ("POST", "/mentor/mentees/{c1}/assessments"),
    ("POST", "/mentor/mentees/{c1}/meetings"),
    ("POST", "/mentor/mentees/{c1}/signoff"),
]
CANDIDATE_ROUTES = [
    ("GET", "/me/"),
    ("GET", "/me/profile"),
    ("POST", "/me/profile"),
]
# Every signed-in person reads their own notifications; all but a company contact (who has
# no password) have settings.
NOTIFICATION_ROUTES = [
    ("GET", "/notifications"),
    ("POST", "/notifications/read"),
]
ACCOUNT_ROUTES = [
    ("GET", "/settings"),
    ("POST", "/settings/calendar"),
]
# Who may enter each area; everybody else logged in gets 403.
AREAS = [
    *access_rows.AREAS,
    (NOTIFICATION_ROUTES, set(LOGGED_IN)),
    (ACCOUNT_ROUTES, set(WITH_ACCOUNT)),
    (DESK_ROUTES, {"staff"}),
    (MENTOR_ROUTES, {"mentor", "other_mentor"}),
    (CANDIDATE_ROUTES, {"candidate", "other_candidate"}),
]

# -- valid bodies ---------------------------------------------------------------------------

REGISTRATION = {
    "name": "Thandiwe Nkosi",
    "email": "thandiwe.nkosi@example.org",
    "country": "ZA",
    "origin_institution": "University of Cape Town",
    "stem_field": "energy",
    "graduation_date": "2024-12-01",
    "outreach_channel": "partner_referral",
    "locale": "en",
    "consent": "y",
}
PROFILE = {
    "name": "Candidate Renamed",
    "phone": "+264 61 123 4567",
    "origin_institution": "Namibia University of Science and Technology",
    "stem_field": "physics",
    "graduation_date": "2025-06-30",
    "locale": "en",
    "consent": "y",
}
ASSESSMENT = {"level": "A2", "assessed_on": TODAY}
MEETING = {"met_on": TODAY, "note": "Talked about the placement."}
TRANSITION_UNKNOWN = {"trigger": "teleport"}
PAUSE = {"trigger": "pause", "reason": "Waiting for the visa."}

# -- the policy -----------------------------------------------------------------------------

STAFF = [
    Row("staff", "GET", "/desk/", 200),
    Row("staff", "GET", "/desk/candidates/new", 200),
    Row("staff", "GET", "/desk/candidates/{c1}", 200),
    Row("staff", "GET", "/desk/candidates/{c2}", 200),
    Row("staff", "GET", "/desk/candidates/{unknown}", 404),
    Row("staff", "POST", "/desk/candidates/new", 302, REGISTRATION, "/desk/candidates/"),
    Row("staff", "POST", "/desk/candidates/new", 422),
    # transitions: success, empty form, wrong phase, failing guard, unknown trigger, stale
    Row("staff", "POST", "/desk/candidates/{c1}/transition", 422, {"trigger": "pause"}),  # why?
    Row("staff", "POST", "/desk/candidates/{c1}/transition", 302, PAUSE,
        "/desk/candidates/{c1}"),
    Row("staff", "POST", "/desk/candidates/{c1}/transition", 422),
    Row("staff", "POST", "/desk/candidates/{c1}/transition", 409, {"trigger": "start_immersion"}),
    Row("staff", "POST", "/desk/candidates/{c2}/transition", 422, {"trigger": "start_immersion"}),
    Row("staff", "POST", "/desk/candidates/{c1}/transition", 404, TRANSITION_UNKNOWN),
    Row("staff", "POST", "/desk/candidates/{c1}/transition", 409,
        {"trigger": "pause", "version": "999"}),
    Row("staff", "POST", "/desk/candidates/{unknown}/transition", 404, {"trigger": "pause"}),
    Row("staff", "POST", "/desk/candidates/{c1}/mentor", 302, {"mentor_id": "{mentor_b}"},
        "/desk/candidates/{c1}"),
    Row("staff", "POST", "/desk/candidates/{c1}/mentor", 422),
    Row("staff", "POST", "/desk/candidates/{unknown}/mentor", 404, {"mentor_id": "{mentor_b}"}),
    Row("staff", "POST", "/desk/candidates/{c1}/assessments", 302, ASSESSMENT,
        "/desk/candidates/{c1}"),
    Row("staff", "POST", "/desk/candidates/{c1}/assessments", 422),
    Row("staff", "POST", "/desk/candidates/{unknown}/assessments", 404, ASSESSMENT),
    Row("staff", "POST", "/desk/candidates/{c1}/placements", 302,
        {"company_id": "{company}", "project_title": "Solar storage"}, "/desk/candidates/{c1}"),
    Row("staff", "POST", "/desk/candidates/{c1}/placements", 422),
    Row("staff", "POST", "/desk/candidates/{c1}/placements", 422, {"project_title": "No company"}),
    Row("staff", "POST", "/desk/candidates/{unknown}/placements", 404,
        {"company_id": "{company}", "project_title": "Solar storage"}),
    Row("staff", "POST", "/desk/candidates/{invitee}/invitation", 302, {},
        "/desk/candidates/{invitee}"),
    # candidate 1 has already chosen a password: nothing to resend
    Row("staff", "POST", "/desk/candidates/{c1}/invitation", 422),
    Row("staff", "POST", "/desk/candidates/{unknown}/invitation", 404),
    Row("staff", "GET", "/desk/reminders", 200),
    Row("staff", "POST", "/desk/reminders/{reminder}/retry", 302, {},
        "/desk/reminders?status=failed"),
    Row("staff", "POST", "/desk/reminders/{pending_reminder}/retry", 409),
    Row("staff", "POST", "/desk/reminders/{unknown}/retry", 404),
]  # fmt: skip

MENTOR = [
    Row("mentor", "GET", "/mentor/", 200),
    Row("mentor", "GET", "/mentor/mentees/{c1}", 200),
    Row("mentor", "GET", "/mentor/mentees/{c2}", 404),
    Row("mentor", "GET", "/mentor/mentees/{unknown}", 404),
    # transitions: success, empty form, role may not, wrong phase, guard, unknown trigger
    Row("mentor", "POST", "/mentor/mentees/{immersion}/transition", 302,
        {"trigger": "complete_immersion"}, "/mentor/mentees/{immersion}"),
    Row("mentor", "POST", "/mentor/mentees/{c1}/transition", 422),
    Row("mentor", "POST", "/mentor/mentees/{c1}/transition", 403, {"trigger": "pause"}),
    Row("mentor", "POST", "/mentor/mentees/{immersion}/transition", 409,
        {"trigger": "propose_placement"}),
    Row("mentor", "POST", "/mentor/mentees/{c1}/transition", 422,
        {"trigger": "propose_placement"}),
    Row("mentor", "POST", "/mentor/mentees/{c1}/transition", 404, TRANSITION_UNKNOWN),
    Row("mentor", "POST", "/mentor/mentees/{c2}/transition", 404, {"trigger": "pause"}),
    Row("mentor", "POST", "/mentor/mentees/{c1}/assessments", 302, ASSESSMENT,
        "/mentor/mentees/{c1}"),
    Row("mentor", "POST", "/mentor/mentees/{c1}/assessments", 422),
    Row("mentor", "POST", "/mentor/mentees/{c2}/assessments", 404, ASSESSMENT),
    Row("mentor", "POST", "/mentor/mentees/{c1}/meetings", 302, MEETING, "/mentor/mentees/{c1}"),
    Row("mentor", "POST", "/mentor/mentees/{c1}/meetings", 422),
    Row("mentor", "POST", "/mentor/mentees/{c2}/meetings", 404, MEETING),
    # sign-off needs no fields; a stale version is a conflict
    Row("mentor", "POST", "/mentor/mentees/{c1}/signoff", 302, {"confirmed": "y"},
        "/mentor/mentees/{c1}"),
    Row("mentor", "POST", "/mentor/mentees/{c1}/signoff", 422),  # not confirmed
    Row("mentor", "POST", "/mentor/mentees/{c1}/signoff", 409,
        {"version": "999", "confirmed": "y"}),
    Row("mentor", "POST", "/mentor/mentees/{c2}/signoff", 404),
]  # fmt: skip

# Mentor B is no mentor of candidate 1: with a valid body, every mentee route is 404.
OTHER_MENTOR = [
    Row("other_mentor", "GET", "/mentor/", 200),
    Row("other_mentor", "GET", "/mentor/mentees/{c1}", 404),
    Row("other_mentor", "POST", "/mentor/mentees/{c1}/transition", 404,
        {"trigger": "propose_placement"}),
    Row("other_mentor", "POST", "/mentor/mentees/{c1}/assessments", 404, ASSESSMENT),
    Row("other_mentor", "POST", "/mentor/mentees/{c1}/meetings", 404, MEETING),
    Row("other_mentor", "POST", "/mentor/mentees/{c1}/signoff", 404),
]  # fmt: skip

CANDIDATES = [
    row
    for role in ("candidate", "other_candidate")
    for row in (
        Row(role, "GET", "/me/", 200),
        Row(role, "GET", "/me/profile", 200),
        Row(role, "POST", "/me/profile", 302, PROFILE, "/me/"),
        Row(role, "POST", "/me/profile", 422),
    )
]

# Routes outside the areas: anonymous can reach them, logged-in people are sent home.
ANONYMOUS_AUTH = [
    Row("anonymous", "GET", "/", 302, location="/login"),
    Row("anonymous", "GET", "/login", 200),
    Row("anonymous", "POST", "/login", 302, {"email": "{staff_email}", "password": "{password}"},
        "/desk/"),
    Row("anonymous", "POST", "/login", 422),
    Row("anonymous", "POST", "/logout", 302, location="/login"),
    Row("anonymous", "GET", "/invitation/{token}", 404),
    Row("anonymous", "POST", "/invitation/{token}", 404,
        {"password": "{password}", "confirm": "{password}"}),
    Row("anonymous", "POST", "/language", 302, {"locale": "nl"}, "/login"),
    Row("anonymous", "POST", "/language", 400),
]  # fmt: skip
LOGGED_IN_AUTH = [
    row
    for role in LOGGED_IN
    for row in (
        Row(role, "GET", "/", 302, location=HOME[role]),
        Row(role, "GET", "/login", 302, location=HOME[role]),
        Row(role, "POST", "/login", 302, location=HOME[role]),
        Row(role, "POST", "/logout", 302, location="/login"),
        Row(role, "GET", "/invitation/{token}", 404),
        Row(role, "POST", "/invitation/{token}", 404),
        Row(role, "POST", "/language", 302, {"locale": "af"}, HOME[role]),
    )
]

# Generated: anonymous is sent to log in, and nobody enters another role's area.
ANONYMOUS_PROTECTED = [
    Row("anonymous", method, path, 302, location=LOGIN_REDIRECT)
    for routes, _ in AREAS
    for method, path in routes
]
WRONG_AREA = [
    Row(role, method, path, 403)
    for routes, allowed in AREAS
    for method, path in routes
    for role in LOGGED_IN
    if role not in allowed
]

ACCOUNT = [
    *(
        row
        for role in LOGGED_IN
        for row in (
            Row(role, "GET", "/notifications", 200),
            Row(role, "POST", "/notifications/read", 302, location="/notifications"),
        )
    ),
    *(
        row
        for role in WITH_ACCOUNT
        for row in (
            Row(role, "GET", "/settings", 200),
            Row(role, "POST", "/settings/calendar", 302, {"confirmed": "y"}, "/settings"),
            Row(role, "POST", "/settings/calendar", 422),  # not confirmed
        )
    ),
]
# The feed is reached by its secret address alone (calendar apps do not log in).
CALENDAR = [
    row
    for role in ROLES
    for row in (
        Row(role, "GET", "/calendar/{calendar_token}.ics", 200),
        Row(role, "GET", "/calendar/{token}.ics", 404),
    )
]

MATRIX = [
    *access_rows.ROWS,
    *STAFF,
    *ACCOUNT,
    *CALENDAR,
    *MENTOR,
    *OTHER_MENTOR,
    *CANDIDATES,
    *ANONYMOUS_AUTH,
    *LOGGED_IN_AUTH,
    *ANONYMOUS_PROTECTED,
    *WRONG_AREA,
]


# -- fixtures -------------------------------------------------------------------------------


@pytest.fixture
def world(data):
    """Staff, mentors A and B, candidate 1 (A's mentee, mentoring), candidate 2, and the rows
    some routes need: a second mentee of A in immersion, an invitee without a password, a
    company and a proposed placement for candidate 1.

    Returns the values for the placeholders, and the email each role logs in with."""
    with data() as session:
        staff = make_user("staff")
        mentor_a = make_user("mentor", name="Mentor Anneleen")
        mentor_b = make_user("mentor", name="Mentor Bart")
        c1 = make_candidate(name="Johanna van Wyk", phase="mentoring", mentor=mentor_a)
        c2 = make_candidate(name="Tendai Moyo", country="ZW", consent=False)
        immersion = make_candidate(name="Pieter Botha", phase="language_immersion", mentor=mentor_a)
        make_assessment(immersion, "B1")
        invitee = make_candidate(name="Nomsa Dube")
        invitee.user.password_hash = None
        session.commit()
        company = make_company()
        placement = make_placement(c1, accepted=False, company=company)
        failed = Reminder(
            rule="book_assessment", candidate_id=immersion.id, recipient_id=immersion.user_id,
            due_at=utcnow(), anchor=TODAY, params={"candidate": immersion.name},
            status="failed", attempts=6, last_error="SMTP down",
        )  # fmt: skip
        pending = Reminder(
            rule="book_assessment", candidate_id=immersion.id, recipient_id=immersion.user_id,
            due_at=utcnow(), anchor=TODAY, params={"candidate": immersion.name},
        )  # fmt: skip
        session.add_all([failed, pending])
        staff.calendar_token = "calendar-token-of-staff"
        session.commit()
        values = {
            "c1": c1.id,
            "c2": c2.id,
            "immersion": immersion.id,
            "invitee": invitee.id,
            "mentor_b": mentor_b.id,
            "company": company.id,
            "placement": placement.id,
            "reminder": failed.id,
            "pending_reminder": pending.id,
            "calendar_token": staff.calendar_token,
            "unknown": 999_999,
            "token": "no-such-invitation-token",
            "staff_email": staff.email,
            "password": PASSWORD,
            "c1_name": c1.name,
            "c2_name": c2.name,
        }
        people = {"staff": staff, "mentor_a": mentor_a, "mentor_b": mentor_b, "c1": c1,
                  "c2": c2, "immersion": immersion, "company": company}  # fmt: skip
        values.update(access_rows.world(session, values, people))
        emails = {
            "anonymous": None,
            "candidate": c1.user.email,
            "other_candidate": c2.user.email,
            "mentor": mentor_a.email,
            "other_mentor": mentor_b.email,
            "staff": staff.email,
            "company": values["company_email"],
            "other_company": values["other_company_email"],
            "partner": values["partner_email"],
        }
    return values, emails


@pytest.fixture
def enter(login, data):
    """Sign `client` in as the person with `email`: with the password, or (a company
    contact, who has none) with a fresh sign-in link, as the emailed one is used."""

    def sign_in(client, email: str):
        with data() as session:
            user = session.scalars(select(User).where(User.email == email)).one()
            if user.role != "company":
                return login(client, email)
            token = auth.new_invitation(user, None, purpose="sign_in")
            session.commit()
        response = client.post(f"/company/sign-in/{token}")
        assert response.status_code == 302, response.get_data(as_text=True)
        return client

    return sign_in


def fill(template: str, values: dict) -> str:
    return template.format(**values)


# -- tests ----------------------------------------------------------------------------------


def test_matrix_covers_every_route(app):
    """Every rule and method of the app has a row for every role (static files excepted)."""
    adapter = app.url_map.bind("localhost")
    numbers = ("c1", "c2", "immersion", "invitee", "placement", "unknown", "reminder",
               "pending_reminder", *access_rows.NUMERIC_PLACEHOLDERS)  # fmt: skip
    dummy = {key: 1 for key in numbers}
    dummy["token"] = dummy["calendar_token"] = "token"
    dummy.update(access_rows.TEXT_PLACEHOLDERS)
    covered: dict[tuple[str, str], set[str]] = {}
    for row in MATRIX:
        rule, _args = adapter.match(fill(row.path, dummy), method=row.method, return_rule=True)
        covered.setdefault((row.method, rule.rule), set()).add(row.role)
    expected = {
        (method, rule.rule)
        for rule in app.url_map.iter_rules()
        if rule.endpoint != "static"
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    assert set(covered) == expected, "routes without matrix rows (or rows for no route)"
    missing_roles = {route: set(ROLES) - roles for route, roles in covered.items()}
    assert {route: roles for route, roles in missing_roles.items() if roles} == {}


# A person deactivated while signed in: their open session is refused at the next request,
# on every route of every area they could enter (as if they were anonymous).
DEACTIVATED = [
    Row(sorted(allowed)[0], method, path, 302, location=LOGIN_REDIRECT)
    for routes, allowed in AREAS
    for method, path in routes
]


@pytest.mark.parametrize("row", DEACTIVATED, ids=lambda row: f"deactivated-{row}")
def test_a_deactivated_persons_session_is_refused_everywhere(row: Row, world, client, enter, data):
    values, emails = world
    enter(client, emails[row.role])
    with data() as session:
        user = session.scalars(select(User).where(User.email == emails[row.role])).one()
        user.active = False
        session.commit()
    path = fill(row.path, values)
    response = client.open(path, method=row.method, data={})
    assert response.status_code == 302, response.get_data(as_text=True)
    assert response.location == f"{LOGIN_REDIRECT}{path.replace('/', '%2F')}"


@pytest.mark.parametrize("row", MATRIX, ids=str)
def test_access(row: Row, world, client, enter, outbox):
    values, emails = world
    if emails[row.role]:
        enter(client, emails[row.role])
    body = {key: fill(value, values) for key, value in row.body.items()}
    path = fill(row.path, values)
    response = client.open(path, method=row.method, data=body)
    assert response.status_code == row.status, response.get_data(as_text=True)
    if row.status == 302:
        assert row.location is not None, "say where a 302 must lead"
        assert response.location.startswith(fill(row.location, values)), response.location
    if row.role == "anonymous" and row.location == LOGIN_REDIRECT:
        assert response.location == f"{LOGIN_REDIRECT}{path.replace('/', '%2F')}"


def test_other_candidate_sees_only_own_data(world, client, login):
    values, emails = world
    login(client, emails["other_candidate"])
    for page in ("/me/", "/me/profile"):
        text = client.get(page).get_data(as_text=True)
        assert values["c2_name"] in text
        assert values["c1_name"] not in text


def test_mentor_sees_only_own_mentees(world, client, make_client, login):
    values, emails = world
    login(client, emails["mentor"])
    own = client.get("/mentor/").get_data(as_text=True)
    assert values["c1_name"] in own
    assert values["c2_name"] not in own
    assert values["c1_name"] in client.get(f"/mentor/mentees/{values['c1']}").get_data(as_text=True)
    other = login(make_client(), emails["other_mentor"])
    text = other.get("/mentor/").get_data(as_text=True)
    assert values["c1_name"] not in text
    assert values["c1_name"] not in other.get(f"/mentor/mentees/{values['c1']}").get_data(
        as_text=True
    )
