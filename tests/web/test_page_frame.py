"""What every page's frame offers (templates/base.html, partials/forms.html): a skip link
first, the current page marked in the navigation, form errors tied to their fields and
announced once, and a favicon. The browser side (reflow, axe) is tests/e2e/test_every_page.py.
"""

from __future__ import annotations

import re

from tests.factories import make_candidate, make_user

FIRST_FOCUSABLE = re.compile(r"<(a|button|input|select|textarea)\b[^>]*>", re.S)


def first_focusable(body: str) -> str:
    for match in FIRST_FOCUSABLE.finditer(body):
        if 'type="hidden"' not in match.group(0):
            return match.group(0)
    return ""


def test_skip_link_comes_first_and_leads_to_main(client):
    body = client.get("/login").get_data(as_text=True)
    assert first_focusable(body) == '<a class="skip-link" href="#content">'
    assert '<main id="content" tabindex="-1">' in body


def test_the_current_page_and_its_section_are_marked(client, data, login):
    with data():
        email = make_user("staff").email
        candidate_id = make_candidate().id
    login(client, email)
    board = client.get("/desk/").get_data(as_text=True)
    assert re.findall(r'<a href="(/[^"]*)" aria-current="page"', board) == ["/desk/"]
    page = client.get(f"/desk/candidates/{candidate_id}").get_data(as_text=True)
    # Below the pipeline: "true", not "page" (it is not the pipeline itself).
    assert '<a href="/desk/" aria-current="true">' in page
    assert 'aria-current="page"' not in page.split("</header>")[0]


def test_field_errors_are_tied_to_their_inputs_and_announced_once(client):
    response = client.post("/partners/apply", data={"email": "not-an-email"})
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert body.count('role="alert"') == 1
    summary = body.split('error-summary" role="alert">')[1].split("</div>")[0]
    assert '<a href="#name">' in summary and '<a href="#kind-0">' in summary
    name_input = re.search(r"<input[^>]*\bid=\"name\"[^>]*>", body).group(0)
    assert 'aria-invalid="true"' in name_input
    assert 'aria-describedby="name-error"' in name_input
    assert '<div class="errors" id="name-error"><p class="error">' in body
    assert 'aria-describedby="kind-error"' in body and 'id="kind-error"' in body


def test_a_hint_describes_its_field(client, data, login):
    with data():
        email = make_user("staff").email
    login(client, email)
    body = client.get("/desk/candidates/new").get_data(as_text=True)
    select = re.search(r"<select[^>]*\bid=\"locale\"[^>]*>", body).group(0)
    assert 'aria-describedby="locale-hint"' in select and "aria-invalid" not in select
    assert 'id="locale-hint"' in body


def test_favicon_answers_everyone(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 200
    assert response.mimetype == "image/vnd.microsoft.icon"
    assert response.data[:4] == b"\x00\x00\x01\x00"
    assert "public" in response.headers["Cache-Control"]
    with client.get("/static/favicon.svg") as svg:
        assert svg.status_code == 200 and svg.mimetype == "image/svg+xml"
