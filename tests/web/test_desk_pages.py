"""The board's search, sort, mentor filter, next step and pages; the mentor's home; the
matching pages' score wording, propose explanation and links; registration form traps."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest

from onboarding.extensions import db
from onboarding.models import Document, MentoringMeeting, Project, utcnow
from tests.factories import make_assessment, make_candidate, make_company, make_user


def page(response) -> str:
    return response.get_data(as_text=True)


def row_of(html: str, candidate_id: int, end: str = "</tr>") -> str:
    """The markup of one candidate's row (or list item, with `end="</li>"`)."""
    return html.split(f'data-candidate="{candidate_id}"')[1].split(end)[0]


def names_in(html: str) -> list[str]:
    """The candidates' names in the order the board's rows show them."""
    return re.findall(r'<tr data-candidate="\d+">\s*<td><a href="[^"]+">([^<]+)</a>', html)


@pytest.fixture
def board_world(data, client, login):
    with data():
        staff = make_user("staff")
        an = make_user("mentor", name="An Claes")
        bo = make_user("mentor", name="Bo Peeters")
        annelie = make_candidate(name="Annelie Nel", country="ZA", mentor=an,
                                 email="annelie.nel@example.co.za",
                                 origin_institution="Stellenbosch University")  # fmt: skip
        jan = make_candidate(name="Jan-Hendrik Botha", country="ZA",
                             origin_institution="University of Pretoria")  # fmt: skip
        ndapewa = make_candidate(name="Ndapewa Shikongo", country="NA", mentor=bo,
                                 phase="mentoring")  # fmt: skip
        hannah = make_candidate(name="Hannah Ochs", country="BW", mentor=bo)
        hannah.phase_entered_at = utcnow() - timedelta(days=90)  # stuck in outreach
        jan.phase_entered_at = utcnow() - timedelta(days=5)
        db.session.commit()
        world = {
            "an": an.id, "bo": bo.id, "annelie": annelie.id, "jan": jan.id,
            "ndapewa": ndapewa.id, "hannah": hannah.id,
        }  # fmt: skip
        email = staff.email
    login(client, email)
    return world


@pytest.mark.parametrize(
    "query", ["annelie.nel@example.co.za", "STELLENBOSCH", "stellenbosch univ", "ANNELIE"]
)
def test_search_finds_name_email_and_institution_in_any_case(client, board_world, query):
    html = page(client.get("/desk/", query_string={"q": query}))
    assert names_in(html) == ["Annelie Nel"]


def test_search_takes_percent_and_underscore_literally(client, board_world):
    assert names_in(page(client.get("/desk/?q=%25"))) == []
    assert names_in(page(client.get("/desk/?q=_"))) == []


def test_the_stuck_banner_follows_the_filters(client, board_world):
    assert "Hannah Ochs" in page(client.get("/desk/"))
    filtered = page(client.get("/desk/?q=annelie"))
    assert "Stuck" not in filtered and "Hannah Ochs" not in filtered
    by_mentor = page(client.get(f"/desk/?mentor={board_world['bo']}"))
    assert "Stuck" in by_mentor


def test_sorting_by_name_country_and_phase_date(client, board_world):
    by_name = names_in(page(client.get("/desk/?sort=name")))
    assert by_name == sorted(by_name, key=str.lower)
    assert names_in(page(client.get("/desk/?sort=-name"))) == by_name[::-1]
    # Botswana, Namibia, South Africa (by name; then by name within a country)
    assert names_in(page(client.get("/desk/?sort=country"))) == [
        "Hannah Ochs", "Ndapewa Shikongo", "Annelie Nel", "Jan-Hendrik Botha",
    ]  # fmt: skip
    since = names_in(page(client.get("/desk/?sort=since")))
    assert since[0] == "Hannah Ochs" and since[1] == "Jan-Hendrik Botha"


def test_sort_headers_say_how_and_keep_the_filters(client, board_world):
    html = page(client.get("/desk/?sort=name&country=ZA&q=a"))
    name_header = re.search(r'<th scope="col" aria-sort="ascending" data-sort="name">.*?</th>',
                            html, re.S)  # fmt: skip
    assert name_header, html
    assert "sort=-name" in name_header.group(0)
    assert "country=ZA" in name_header.group(0) and "q=a" in name_header.group(0)
    assert 'aria-sort="descending" data-sort="name"' in page(client.get("/desk/?sort=-name"))
    # sorted, the rows are not grouped: the Phase column is shown, no group headings
    assert '<tr class="group">' not in html and ">Phase</th>" in html


def test_grouped_board_has_no_phase_column(client, board_world):
    html = page(client.get("/desk/"))
    assert '<tr class="group">' in html
    assert ">Phase</th>" not in html


def test_mentor_filter_and_no_mentor(client, board_world):
    assert names_in(page(client.get(f"/desk/?mentor={board_world['bo']}&sort=name"))) == [
        "Hannah Ochs", "Ndapewa Shikongo",
    ]  # fmt: skip
    assert names_in(page(client.get("/desk/?mentor=none"))) == ["Jan-Hendrik Botha"]
    html = page(client.get(f"/desk/?mentor={board_world['an']}"))
    assert f'<option value="{board_world["an"]}" selected>An Claes</option>' in html


@pytest.mark.parametrize(
    "query", ["sort=phase;drop", "sort=", "mentor=99999", "mentor=" + "9" * 40, "mentor=-1",
              "page=" + "9" * 40, "page=-3", "page=0", "phase=nope"],
)  # fmt: skip
def test_unknown_values_are_ignored_like_other_bad_filters(client, board_world, query):
    response = client.get(f"/desk/?{query}")
    assert response.status_code == 200
    assert len(names_in(page(response))) == 4


def test_a_page_beyond_the_end_shows_the_last_page(client, board_world, app, monkeypatch):
    monkeypatch.setitem(app.config, "BOARD_PAGE_SIZE", 3)
    html = page(client.get("/desk/?page=999&sort=name"))
    assert names_in(html) == ["Ndapewa Shikongo"]
    assert "Page 2 of 2" in html
    assert 'rel="prev"' in html and "sort=name" in html.split('rel="prev"')[0].rsplit("<a", 1)[1]


def test_pagination_keeps_the_filters(client, board_world, app, monkeypatch):
    monkeypatch.setitem(app.config, "BOARD_PAGE_SIZE", 1)
    html = page(client.get(f"/desk/?mentor={board_world['bo']}&sort=-name&q=o"))
    link = re.search(r'<a href="([^"]+)" rel="next">', html).group(1)
    assert "page=2" in link and f"mentor={board_world['bo']}" in link
    assert "sort=-name" in link and "q=o" in link


def test_board_shows_the_next_step_and_whom_it_waits_on(client, board_world):
    html = page(client.get("/desk/?q=jan-hendrik"))
    # same wording as the candidate page (workflow.next_steps → step_for)
    row = row_of(html, board_world["jan"])
    assert "Start the language immersion" in row
    assert "Waiting on: the welcome desk" in row
    row = html_of(client, board_world["ndapewa"])
    assert "Sign off readiness for placement" in row and "the mentor" in row


def html_of(client, candidate_id: int) -> str:
    html = page(client.get("/desk/?sort=name"))
    return row_of(html, candidate_id)


# -- the mentor's home ----------------------------------------------------------------------


def test_mentor_home_shows_step_meeting_overdue_and_documents(client, data, login):
    with data():
        mentor = make_user("mentor")
        fresh = make_candidate(name="Fresh Mentee", mentor=mentor, phase="mentoring")
        late = make_candidate(name="Late Mentee", mentor=mentor, phase="mentoring",
                              country="BE")  # fmt: skip
        late.phase_entered_at = utcnow() - timedelta(days=60)
        db.session.add(MentoringMeeting(candidate_id=late.id, mentor_id=mentor.id,
                                        met_on=date(2026, 1, 5), note="first"))  # fmt: skip
        for index, kind in enumerate(("passport", "diploma", "cv")):
            db.session.add(
                Document(candidate_id=late.id, kind=kind, status="verified" if index else "pending",
                         stored_name=f"{late.id:030x}{index:02x}", original_name=f"{kind}.pdf",
                         content_type="application/pdf", size=10, sha256="0" * 64)
            )  # fmt: skip
        db.session.commit()
        ids = (fresh.id, late.id)
        email = mentor.email
    login(client, email)
    html = page(client.get("/mentor/"))
    fresh_row = row_of(html, ids[0])
    late_row = row_of(html, ids[1])
    assert "Sign off readiness for placement" in fresh_row and "the mentor" in fresh_row
    assert "No meeting yet" in fresh_row and "Nothing overdue" in fresh_row
    assert "0 of 7 documents verified" in fresh_row  # Namibia: permit and recognition too
    assert "5 Jan 2026" in late_row  # en_GB, as read in Belgium
    assert "No meeting with Late Mentee logged for three weeks" in late_row
    assert "2 of 5 documents verified" in late_row  # Belgium: the five basic documents


# -- matching -------------------------------------------------------------------------------


@pytest.fixture
def matching_world(data, client, login):
    with data():
        staff = make_user("staff")
        company = make_company(municipality="Genk")
        project = Project(company=company, title="Grid storage", stem_fields=["engineering"],
                          skills=[], min_dutch_level="B2", seats=2, is_open=True)  # fmt: skip
        db.session.add(project)
        outreach = make_candidate(name="Jan-Hendrik Botha", dutch_level="C2")
        mentee = make_candidate(name="Annelie Nel", phase="mentoring", dutch_level="A1")
        make_assessment(mentee, "B2", days_ago=3)
        declared = make_candidate(name="Declared Only", phase="mentoring", dutch_level="C1")
        db.session.commit()
        world = {"project": project.id, "outreach": outreach.id, "mentee": mentee.id,
                 "declared": declared.id,
                 "assessed_on": date.today() - timedelta(days=3)}  # fmt: skip
        email = staff.email
    login(client, email)
    return world


def test_a_candidate_in_outreach_is_told_why_there_is_no_propose_button(client, matching_world):
    html = page(client.get(f"/desk/candidates/{matching_world['outreach']}/matches"))
    assert "Grid storage" in html
    assert "Propose for this project" not in html
    assert "A placement can only be recorded during mentoring or company placement." in html
    assert re.search(r"\d+ out of 100", html)


def test_matches_page_scores_out_of_100_and_links_outside_the_summary(client, matching_world):
    html = page(client.get(f"/desk/candidates/{matching_world['mentee']}/matches"))
    assert "Propose for this project" in html
    assert "100 out of 100" in html
    for summary in re.findall(r"<summary>.*?</summary>", html, re.S):
        assert "<a " not in summary
    assert f'href="/desk/projects/{matching_world["project"]}"' in html
    assert "assessed B2 on" in html


def test_project_ranking_says_which_dutch_level_it_used(client, matching_world):
    html = page(client.get(f"/desk/projects/{matching_world['project']}"))
    for summary in re.findall(r"<summary>.*?</summary>", html, re.S):
        assert "<a " not in summary
    assert "out of 100" in html
    mentee = row_of(html, matching_world["mentee"], "</li>")
    declared = row_of(html, matching_world["declared"], "</li>")
    assert "assessed B2 on" in mentee and "100 out of 100" in mentee
    # a declared C1 counts as B2 against the B2 minimum: still all 20 points
    assert "C1 declared on the profile, not assessed" in declared
    assert "100 out of 100" in declared


# -- registration and the candidate page's forms --------------------------------------------


def test_registration_marks_required_fields_before_submit(client, board_world):
    html = page(client.get("/desk/candidates/new"))
    assert "Full name (required)" in html
    assert "Origin institution (required)" in html
    assert "Outreach campaign (required)" not in html
    assert "Language (required)" not in html


def test_an_unassigned_candidates_mentor_select_starts_empty(client, board_world):
    html = page(client.get(f"/desk/candidates/{board_world['jan']}"))
    select = re.search(r'<select[^>]*name="mentor_id".*?</select>', html, re.S).group(0)
    options = re.findall(r"<option([^>]*)>([^<]*)</option>", select)
    assert 'value=""' in options[0][0] and "choose a mentor" in options[0][1]
    assert all("selected" not in attributes for attributes, _label in options[1:])
    assigned = page(client.get(f"/desk/candidates/{board_world['annelie']}"))
    select = re.search(r'<select[^>]*name="mentor_id".*?</select>', assigned, re.S).group(0)
    assert "choose a mentor" not in select
    an = board_world["an"]
    assert (
        f'<option selected value="{an}">' in select or f'<option value="{an}" selected>' in select
    )


def test_the_empty_mentor_choice_is_refused_as_not_filled_in(client, board_world, data):
    from onboarding.models import Candidate

    with data():
        version = db.session.get(Candidate, board_world["jan"]).version_id
    response = client.post(f"/desk/candidates/{board_world['jan']}/mentor",
                           data={"mentor_id": "", "version": version})  # fmt: skip
    assert response.status_code == 422
    assert "This field is required." in page(response)
