"""The inputs of the December review that answered 500 (shared/reviews/security-2026-12.md,
M4 and L9), and their relatives: huge and negative numbers in form fields, implausible
dates, control characters in text, over-long skills, fields left out of a post.

Each one must answer 422 with the field's message in the reader's language (taken from the
catalogs, as tests/web/test_form_errors.py does) and leave every table as it was.
"""

from __future__ import annotations

from datetime import date

import pytest
from babel.dates import format_date
from sqlalchemy import select

from onboarding.i18n import FORMAT_LOCALES
from onboarding.models import CandidateSkill
from tests.factories import make_candidate
from tests.web.test_form_errors import (
    APPLICATION,
    ASSESSMENT,
    CAMPAIGN,
    COMPANY,
    NOT_CHOICES,
    PLACEMENT,
    PROFILE,
    PROJECT,
    REGISTRATION,
    catalog,
    database,
    filled,
    make_world,
    shown,
    tampered,
)

LOCALES = ["nl", "af"]
HUGE = str(2**64)
JUST_TOO_BIG = str(2**63)
NUMBER = "This number is too large or negative."
DATES = "Enter a date between %(first)s and %(last)s."
CONTROL = "Remove the invisible control characters from this text."
ONE_LINE = "This field takes a single line: remove the line breaks."
SKILL = "Each skill may have at most %(max)d characters."
SEARCH = "The search could not be run."
MEETING = {"met_on": date.today().isoformat(), "note": "Talked about the placement."}

# (who, where, body, the msgid shown, its parameters); "{...}" is filled in from the world.
CASES = {
    # numbers a database cannot store (or ids that cannot exist)
    "placement-company-huge": ("staff", "/desk/candidates/{mentee}/placements",
                               tampered(PLACEMENT, company_id=HUGE), NUMBER, {}),
    "placement-company-negative": ("staff", "/desk/candidates/{mentee}/placements",
                                   tampered(PLACEMENT, company_id="-1"), NUMBER, {}),
    "placement-project-2**63": ("staff", "/desk/candidates/{mentee}/placements",
                                tampered(PLACEMENT, project_id=JUST_TOO_BIG), NUMBER, {}),
    "mentor-huge": ("staff", "/desk/candidates/{mentee}/mentor",
                    {"mentor_id": HUGE, "version": "{version}"}, NUMBER, {}),
    "mentor-version-huge": ("staff", "/desk/candidates/{mentee}/mentor",
                            {"mentor_id": "1", "version": HUGE}, NUMBER, {}),
    "propose-huge": ("staff", "/desk/projects/{project}/propose", {"candidate_id": HUGE},
                     NUMBER, {}),
    "register-campaign-huge": ("staff", "/desk/candidates/new",
                               tampered(REGISTRATION, campaign_id=HUGE),
                               "Not a valid choice.", {}),
    # dates outside 1950–2100
    "placement-interview-year-1": ("staff", "/desk/candidates/{mentee}/placements",
                                   tampered(PLACEMENT, interview_at="0001-01-01T00:00"),
                                   DATES, None),
    "placement-step-interview-9999": ("staff", "/desk/placements/{placement}/transition",
                                      {"trigger": "schedule_interview",
                                       "interview_at": "9999-12-31T10:00"}, DATES, None),
    "immersion-start-9999": ("staff", "/desk/candidates/{newcomer}/transition",
                             {"trigger": "start_immersion", "version": "{newcomer_version}",
                              "start_date": "9999-12-31"}, DATES, None),
    "desk-assessment-year-1": ("staff", "/desk/candidates/{mentee}/assessments",
                               tampered(ASSESSMENT, assessed_on="0001-01-01"), DATES, None),
    "mentor-assessment-year-1": ("mentor", "/mentor/mentees/{mentee}/assessments",
                                 tampered(ASSESSMENT, assessed_on="0001-01-01"), DATES, None),
    "meeting-year-1": ("mentor", "/mentor/mentees/{mentee}/meetings",
                       tampered(MEETING, met_on="0001-01-01"), DATES, None),
    "profile-graduation-9999": ("candidate", "/me/profile",
                                tampered(PROFILE, graduation_date="9999-12-31"), DATES, None),
    "profile-available-year-1": ("candidate", "/me/profile",
                                 tampered(PROFILE, available_from="0001-01-01"), DATES, None),
    "register-graduation-1949": ("staff", "/desk/candidates/new",
                                 tampered(REGISTRATION, graduation_date="1949-12-31"),
                                 DATES, None),
    "campaign-start-2101": ("staff", "/desk/campaigns/new",
                            tampered(CAMPAIGN, starts_on="2101-01-01"), DATES, None),
    "project-start-year-1": ("staff", "/desk/projects/{project}",
                             tampered(PROJECT, start_date="0001-01-01"), DATES, None),
    # control characters
    "apply-name-nul": ("anonymous", "/partners/apply", tampered(APPLICATION, name="Nul\x00Org"),
                       CONTROL, {}),
    "apply-message-nul": ("anonymous", "/partners/apply",
                          tampered(APPLICATION, message="Hello\x00"), CONTROL, {}),
    "meeting-note-nul": ("mentor", "/mentor/mentees/{mentee}/meetings",
                         tampered(MEETING, note="Talked\x00"), CONTROL, {}),
    "meeting-note-bell": ("mentor", "/mentor/mentees/{mentee}/meetings",
                          tampered(MEETING, note="Talked\x07"), CONTROL, {}),
    "company-name-nul": ("staff", "/desk/companies/new", tampered(COMPANY, name="Acme\x00"),
                         CONTROL, {}),
    "company-name-newline": ("staff", "/desk/companies/new",
                             tampered(COMPANY, name="Acme\r\nBcc: x"), ONE_LINE, {}),
    "campaign-name-nul": ("staff", "/desk/campaigns/new", tampered(CAMPAIGN, name="N\x00"),
                          CONTROL, {}),
    "register-email-nul": ("staff", "/desk/candidates/new",
                           tampered(REGISTRATION, email="a\x00@example.org"), CONTROL, {}),
    "register-institution-newline": ("staff", "/desk/candidates/new",
                                     tampered(REGISTRATION, origin_institution="UCT\nX"),
                                     ONE_LINE, {}),
    "project-description-escape": ("staff", "/desk/projects/{project}",
                                   tampered(PROJECT, description="\x1b[31mred"), CONTROL, {}),
    "partner-decision-note-nul": ("staff", "/desk/partners/{partner}/decision",
                                  {"decision": "decline", "note": "no\x00"}, CONTROL, {}),
    "review-reason-nul": ("staff", "/desk/documents/{document}/review",
                          {"decision": "rejected", "reason": "blurred\x00"}, CONTROL, {}),
    "profile-institution-tab-newline": ("candidate", "/me/profile",
                                        tampered(PROFILE, origin_institution="UNAM\n"),
                                        ONE_LINE, {}),
    # over-long values: a skill is stored in a String(60)
    "profile-skill-100": ("candidate", "/me/profile", tampered(PROFILE, skills="x" * 100),
                          SKILL, {"max": 60}),
    "project-skill-61": ("staff", "/desk/projects/{project}",
                         tampered(PROJECT, skills="python, " + "y" * 61), SKILL, {"max": 60}),
}  # fmt: skip

# Query strings: (where, the msgid shown, its parameters)
QUERIES = {
    "board-q-nul": ("/desk/?q=%00", CONTROL, {}),
    "board-country-nul": ("/desk/?country=%00", CONTROL, {}),
    "board-q-newline": ("/desk/?q=a%0Ab", ONE_LINE, {}),
    "export-q-nul": ("/desk/export/candidates.csv?q=%00", CONTROL, {}),
    "reports-to-9999": ("/desk/reports?to=9999-12-31", DATES, None),
    "reports-from-year-1": ("/desk/reports?from=0001-01-01", DATES, None),
    "reports-csv-to-9999": ("/desk/reports/funnel.csv?to=9999-12-31", DATES, None),
}


def bad_value_world(data, locale: str) -> dict:
    """tests/web/test_form_errors.py's world, and a newcomer in outreach (whose page offers
    the start of the immersion, with its start date)."""
    world = make_world(data, locale)
    with data():
        newcomer = make_candidate(locale=locale)
        world.update(newcomer=newcomer.id, newcomer_version=newcomer.version_id)
    return world


def expected(locale: str, msgid: str, params: dict | None) -> tuple[str, str]:
    """The message as the reader sees it, and in English; `None` params: the date range."""
    if params is None:
        params = {
            "first": format_date(date(1950, 1, 1), "long", locale=FORMAT_LOCALES[locale]),
            "last": format_date(date(2100, 12, 31), "long", locale=FORMAT_LOCALES[locale]),
        }
        english = {"first": "January 1, 1950", "last": "December 31, 2100"}
        return catalog(locale).gettext(msgid) % params, msgid % english
    return catalog(locale).gettext(msgid) % params, msgid % params if params else msgid


def check_refused(response, locale: str, msgid: str, params) -> None:
    page = shown(response)
    assert response.status_code == 422, page[:2000]
    assert f'<html lang="{locale}">' in page
    translated, english = expected(locale, msgid, params)
    assert catalog(locale).gettext(msgid) != msgid, f"the {locale} catalog lacks {msgid!r}"
    assert translated in page, page[:3000]
    assert english not in page


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_bad_value_is_refused_in_the_readers_language(client, data, login, case, locale):
    role, path, body, msgid, params = case
    world = bad_value_world(data, locale)
    if role == "anonymous":
        client.post("/language", data={"locale": locale})
    else:
        login(client, world["emails"][role])
    body = {key: filled(value, world) for key, value in body.items()}
    before = database(data)
    response = client.post(path.format(**world), data=body)
    check_refused(response, locale, msgid, params)
    assert database(data) == before


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("case", QUERIES.values(), ids=QUERIES.keys())
def test_bad_query_is_refused_in_the_readers_language(client, data, login, case, locale):
    path, msgid, params = case
    world = make_world(data, locale)
    login(client, world["emails"]["staff"])
    before = database(data)
    check_refused(client.get(path), locale, msgid, params)
    assert database(data) == before


def test_line_breaks_and_tabs_are_kept_where_a_field_has_lines(client, data, login):
    world = make_world(data, "en")
    login(client, world["emails"]["mentor"])
    note = "First line\r\nsecond line\tindented"
    path = f"/mentor/mentees/{world['mentee']}/meetings"
    response = client.post(path, data=tampered(MEETING, note=note))
    assert response.status_code == 302, shown(response)[:2000]


def test_dates_at_the_edges_of_the_range_are_accepted(client, data, login):
    world = make_world(data, "en")
    login(client, world["emails"]["candidate"])
    body = tampered(PROFILE, locale="en", graduation_date="1950-01-01", available_from="2100-12-31")
    response = client.post("/me/profile", data=body)
    assert response.status_code == 302, shown(response)[:2000]


@pytest.mark.parametrize("locale", LOCALES)
def test_a_profile_posted_without_its_fields_is_refused_not_a_500(client, data, login, locale):
    world = make_world(data, locale)
    login(client, world["emails"]["candidate"])
    before = database(data)
    response = client.post("/me/profile", data={"skills": "python"})
    check_refused(response, locale, "This field is required.", {})
    assert database(data) == before


def test_a_profile_posted_without_skills_is_saved_with_none(client, data, login):
    """The review's 500: the form fell back to the stored skills (a list of rows). A post
    now holds only what was sent; a left-out optional field is empty."""
    world = make_world(data, "en")
    login(client, world["emails"]["candidate"])
    client.post("/me/profile", data=tampered(PROFILE, locale="en", skills="python, sql"))
    body = tampered(PROFILE, locale="en")
    assert "skills" not in body
    response = client.post("/me/profile", data=body)
    assert response.status_code == 302, shown(response)[:2000]
    with data() as session:
        stored = session.scalars(
            select(CandidateSkill.skill).where(CandidateSkill.candidate_id == world["mentee"])
        ).all()
    assert stored == []


@pytest.mark.parametrize("locale", LOCALES)
def test_a_blank_among_chosen_values_does_not_skip_the_choice_check(client, data, login, locale):
    """Found by tests/web/test_route_walk.py: other_fields=["", "alchemy"] skipped the
    choice check (Optional() saw the blank first) and the CHECK constraint answered 500."""
    world = make_world(data, locale)
    login(client, world["emails"]["candidate"])
    before = database(data)
    body = tampered(PROFILE, locale=locale, other_fields=["", "alchemy"])
    response = client.post("/me/profile", data=body)
    message = catalog(locale).ngettext(*NOT_CHOICES, 1) % {"value": "alchemy"}
    page = shown(response)
    assert response.status_code == 422, page[:2000]
    assert message in page
    assert database(data) == before


def test_a_blank_chosen_value_alone_chooses_nothing(client, data, login):
    world = make_world(data, "en")
    login(client, world["emails"]["candidate"])
    response = client.post("/me/profile", data=tampered(PROFILE, locale="en", other_fields=""))
    assert response.status_code == 302, shown(response)[:2000]
