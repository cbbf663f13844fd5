"""The Content-Security-Policy allows no inline style or script: every page the demo's people
reach (the desk, a mentor, a candidate, an anonymous visitor) is drawn without a `style=`
attribute, a `<style>` or `<script>` element, an `on…=` handler or a `javascript:` link —
SVG charts and the workflow diagram included — so the policy breaks nothing."""

from __future__ import annotations

import re
from collections import deque

import pytest

from onboarding.db import transaction
from onboarding.demo import DEMO_CANDIDATE_EMAIL, DEMO_PASSWORD, load_demo
from onboarding.extensions import db
from onboarding.models import utcnow
from onboarding.security import CONTENT_SECURITY_POLICY
from tests.conftest import outer_transaction

PEOPLE = {
    "staff": ("desk@onthaal.example", ["/desk/"]),
    "mentor": ("mentor.an@onthaal.example", ["/mentor/"]),
    "candidate": (DEMO_CANDIDATE_EMAIL, ["/me/"]),
    "anonymous": (None, ["/login", "/partners/apply", "/partners/apply/thanks"]),
}
PAGES_PER_ROLE = 60
LINK = re.compile(r'href="(/[^"#]*)"')
TAG = re.compile(r"<[a-zA-Z][^>]*>", re.S)
INLINE_ATTRIBUTE = re.compile(r"""\s(style|on[a-z]+)\s*=""", re.I)
NOT_PAGES = ("/static/", "/calendar/", "/documents/", "/desk/export/")


@pytest.fixture(scope="module")
def demo(app):
    with outer_transaction(app):
        with app.app_context():
            with transaction():
                load_demo(utcnow())
            db.session.remove()
        yield app


def crawl(client, starts: list[str]) -> dict[str, str]:
    """The HTML pages reachable by GET from `starts`, by path (at most PAGES_PER_ROLE)."""
    seen: dict[str, str] = {}
    queue = deque(["/", *starts])
    while queue and len(seen) < PAGES_PER_ROLE:
        path = queue.popleft().replace("&amp;", "&")
        if path in seen or path.startswith(NOT_PAGES) or path.endswith((".csv", ".ics")):
            continue
        response = client.get(path)
        if response.status_code != 200 or response.mimetype != "text/html":
            seen[path] = ""
            continue
        assert response.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY, path
        page = response.get_data(as_text=True)
        seen[path] = page
        queue.extend(LINK.findall(page))
    return {path: page for path, page in seen.items() if page}


def inline_content(page: str) -> list[str]:
    found = []
    lowered = page.lower()
    for element in ("<script", "<style"):
        if element in lowered:
            found.append(element)
    for tag in TAG.findall(page):
        if INLINE_ATTRIBUTE.search(tag) or "javascript:" in tag.lower():
            found.append(tag[:120])
    return found


@pytest.mark.parametrize("role", list(PEOPLE))
def test_no_page_has_inline_style_or_script(demo, role):
    email, start = PEOPLE[role]
    client = demo.test_client()
    if email:
        response = client.post("/login", data={"email": email, "password": DEMO_PASSWORD})
        assert response.status_code == 302, response.get_data(as_text=True)
    pages = crawl(client, start)
    print(f"\n{role}: {len(pages)} pages checked")
    minimum = {"staff": 30, "mentor": 8, "candidate": 5, "anonymous": 3}[role]
    assert len(pages) >= minimum, sorted(pages)
    offences = {path: found for path, page in pages.items() if (found := inline_content(page))}
    assert offences == {}
    if role == "staff":
        assert "/desk/reports" in pages and "<svg" in pages["/desk/reports"]


def test_the_check_itself_finds_inline_content():
    assert inline_content('<p style="color: red">x</p>') == ['<p style="color: red">']
    assert inline_content('<svg><rect fill="#fff" onclick="x()"/></svg>')
    assert inline_content("<script src=/a.js></script>") == ["<script"]
    assert inline_content('<a href="javascript:alert(1)">x</a>')
    assert inline_content('<rect fill="#eee" class="bar"/><p>style= is text here</p>') == []
