"""A company placement through the real UI, in headless Chromium, with the desk in Dutch.

A candidate signed off by their mentor waits in mentoring. The welcome desk switches to
Nederlands, adds a company in Genk and an energy project, proposes the best-ranked candidate
(who then drops out of the project's ranking), walks the placement (the interview, held
yesterday, the offer, acceptance with a start date) and confirms it, which starts the
placement; the candidate then sees the company, the placement "Started" and the phase
"Placed" on their Dutch dashboard.
Needs compiled catalogs (`make translations-compile`, which `make test` runs). Every text is
compared with the nl catalog, so the test stays valid while the catalog is being translated.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from babel.support import Translations
from playwright.sync_api import expect

from onboarding.extensions import db
from onboarding.models import CandidateMunicipality, CandidateSkill, User, utcnow
from tests.conftest import PASSWORD
from tests.e2e.conftest import REPO, STAFF_EMAIL
from tests.factories import make_candidate, make_user

pytestmark = pytest.mark.e2e

TIMEOUT = 10_000  # ms, for every wait on the page
CANDIDATE_EMAIL = "thandeka.mokoena@e2e.example"
CANDIDATE_NAME = "Thandeka Mokoena"
COMPANY = "Kempen Zonnewarmte BV"
SECTOR = "Hernieuwbare energie"
PROJECT = "Warmtepompen slim sturen"
# Already translated in translations/nl: these must not come back in English.
TRANSLATED = ("Placed",)
# An audit action's key (e.g. placement_make_offer) shown instead of a sentence.
RAW_ACTION = re.compile(r"\b[a-z]+(?:_[a-z]+)+\b")


def dutch() -> Translations:
    catalog = Translations.load(str(REPO / "translations"), ["nl"])
    if not isinstance(catalog, Translations):
        pytest.fail("translations/nl has no compiled catalog: run `make translations-compile`")
    return catalog


@pytest.fixture
def placement_ready(live_app):
    """A mentor and a candidate (locale nl) in mentoring, signed off, energy, Dutch B2."""
    with live_app.app_context():
        mentor = make_user("mentor", name="Mentor E2E", email="mentor.placement@e2e.example")
        candidate = make_candidate(
            phase="mentoring",
            mentor=mentor,
            name=CANDIDATE_NAME,
            email=CANDIDATE_EMAIL,
            locale="nl",
            country="ZA",
            stem_field="energy",
            dutch_level="B2",
            signed_off_at=utcnow(),
        )
        candidate.skills.append(CandidateSkill(skill="python"))
        candidate.preferred_municipalities.append(CandidateMunicipality(municipality="Genk"))
        db.session.commit()
        candidate_id = candidate.id
        staff_locale = db.session.scalar(db.select(User.locale).filter_by(email=STAFF_EMAIL))
        db.session.remove()
    yield candidate_id
    # The staff account keeps the language it switches to: give the other tests theirs back.
    with live_app.app_context():
        staff = db.session.scalar(db.select(User).filter_by(email=STAFF_EMAIL))
        staff.locale = staff_locale
        db.session.commit()
        db.session.remove()


@pytest.fixture
def new_context(browser):
    """Browser contexts (English browsers, bounded waits), closed even when the test fails."""
    opened = []

    def make():
        context = browser.new_context(locale="en-GB")
        context.set_default_timeout(TIMEOUT)
        opened.append(context)
        return context

    yield make
    for context in opened:
        context.close()


def test_desk_places_candidate_with_new_company_in_dutch(
    new_context, live_server, placement_ready, results_dir
):
    t = dutch()
    nl = t.gettext
    candidate_id = placement_ready
    # What is wrong but does not stop the journey, reported together at the end.
    problems: list[str] = []

    def raw_history(page, who: str) -> None:
        texts = page.locator("ol.timeline li span.what").all_inner_texts()
        raw = [text for text in texts if RAW_ACTION.fullmatch(text.strip())]
        if raw:
            problems.append(f"{who}: history shows audit keys instead of text: {raw}")

    # An offer follows the interview: record one that took place yesterday.
    interview = (date.today() - timedelta(days=1)).isoformat() + "T10:30"
    start = (date.today() + timedelta(days=45)).isoformat()

    def placement_now(page, status: str) -> None:
        flash = nl("The placement is now “%(status)s”.") % {"status": nl(status)}
        expect(page.locator("p.flash-success")).to_have_text(flash, timeout=TIMEOUT)

    # 1. The desk logs in and switches the interface to Nederlands.
    page = new_context().new_page()
    page.goto(f"{live_server}/login")
    page.get_by_label("Email address").fill(STAFF_EMAIL)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.locator("p.flash-success")).to_contain_text("Welcome", timeout=TIMEOUT)

    page.locator("button[name=locale][value=nl]").click()
    expect(page.locator("html")).to_have_attribute("lang", "nl", timeout=TIMEOUT)
    expect(page.locator("button[name=locale][value=nl]")).to_have_attribute(
        "aria-pressed", "true", timeout=TIMEOUT
    )

    # … adds a company in Genk through the companies page …
    page.get_by_role("navigation").get_by_role("link", name=nl("Companies"), exact=True).click()
    expect(page).to_have_url(f"{live_server}/desk/companies", timeout=TIMEOUT)
    expect(page.get_by_role("heading", name=nl("Companies"), level=1)).to_be_visible(
        timeout=TIMEOUT
    )
    page.get_by_role("link", name=nl("Add a company"), exact=True).click()
    form = page.locator("main form.grid-form")
    form.get_by_label(nl("Name"), exact=True).fill(COMPANY)
    form.get_by_label(nl("Sector"), exact=True).fill(SECTOR)
    form.get_by_label(nl("Municipality in Limburg"), exact=True).select_option("Genk")
    form.get_by_role("button", name=nl("Save"), exact=True).click()

    expect(page).to_have_url(re.compile(r"/desk/companies/\d+$"), timeout=TIMEOUT)
    expect(page.get_by_role("heading", name=COMPANY, level=1)).to_be_visible(timeout=TIMEOUT)
    expect(page.locator("p.flash-success")).to_have_text(
        nl("%(name)s has been added.") % {"name": COMPANY}, timeout=TIMEOUT
    )

    # … and on the company page, an open energy project with one seat.
    project_form = page.locator("main form[action$='/projects']")
    project_form.get_by_label(nl("Kind"), exact=True).select_option("innovation_project")
    project_form.get_by_label(nl("Title"), exact=True).fill(PROJECT)
    project_form.get_by_label(nl("STEM fields"), exact=True).select_option(["energy"])
    project_form.get_by_label(nl("Skills (separated by commas)"), exact=True).fill("python")
    project_form.get_by_label(nl("Seats"), exact=True).fill("1")
    project_form.get_by_label(nl("Open for candidates"), exact=True).check()
    project_form.get_by_role("button", name=nl("Add project"), exact=True).click()

    # 2. The project page ranks the candidate, with the score explained.
    expect(page).to_have_url(re.compile(r"/desk/projects/\d+$"), timeout=TIMEOUT)
    expect(page.get_by_role("heading", name=PROJECT, level=1)).to_be_visible(timeout=TIMEOUT)
    expect(page.locator("p.flash-success")).to_have_text(
        nl("The project has been added."), timeout=TIMEOUT
    )
    ranking = page.locator("section.matches")
    expect(ranking.get_by_role("heading", name=nl("Candidates ranked by fit"))).to_be_visible(
        timeout=TIMEOUT
    )
    entry = ranking.locator(f"ol.ranking > li[data-candidate='{candidate_id}']")
    expect(entry).to_have_count(1, timeout=TIMEOUT)
    # The score and the link head the entry; the breakdown opens below (no link inside it).
    head = entry.locator("p.match-head")
    expect(head).to_contain_text(CANDIDATE_NAME, timeout=TIMEOUT)
    expect(head).to_contain_text(nl("Mentoring"), timeout=TIMEOUT)
    expect(head).to_contain_text(nl("Energy"), timeout=TIMEOUT)
    expect(head.get_by_role("link", name=CANDIDATE_NAME)).to_have_count(1, timeout=TIMEOUT)
    expect(entry.locator("summary a")).to_have_count(0, timeout=TIMEOUT)
    entry.locator("summary").click()
    parts = entry.locator("table.score-parts")
    expect(parts).to_be_visible(timeout=TIMEOUT)
    expect(parts.locator("thead")).to_contain_text(nl("Component"), timeout=TIMEOUT)
    expect(parts.locator("tbody tr[data-component]").first).to_be_visible(timeout=TIMEOUT)
    assert parts.locator("tbody tr[data-component]").count() >= 3
    skills = page.locator("main form.grid-form").get_by_label(
        nl("Skills (separated by commas)"), exact=True
    )
    if skills.input_value() != "python":
        problems.append(f"project page: the skills field reads {skills.input_value()!r}")
    page.screenshot(path=str(results_dir / "desk-project-ranking-nl.png"), full_page=True)

    project_url = page.url
    entry.get_by_role("button", name=nl("Propose for this project"), exact=True).click()

    # … which lands on the candidate page, with the placement at the new company.
    expect(page).to_have_url(f"{live_server}/desk/candidates/{candidate_id}", timeout=TIMEOUT)
    expect(page.locator("p.flash-success")).to_have_text(
        nl("The candidate has been proposed for this project."), timeout=TIMEOUT
    )
    placements = page.locator("section.placements")
    row = placements.locator("table tbody tr")
    expect(row).to_have_count(1, timeout=TIMEOUT)
    expect(row).to_contain_text(f"{COMPANY} (Genk)", timeout=TIMEOUT)
    expect(row).to_contain_text(PROJECT, timeout=TIMEOUT)
    expect(row.locator("td").last).to_have_text(nl("Proposed"), timeout=TIMEOUT)
    steps = placements.locator("div.placement-steps")
    expect(steps).to_have_count(1, timeout=TIMEOUT)
    expect(steps.locator("strong")).to_have_text(f"{COMPANY} — {PROJECT}", timeout=TIMEOUT)
    # She is in play for the project now: its ranking no longer offers her.
    page.goto(project_url)
    expect(page.locator(f"ol.ranking > li[data-candidate='{candidate_id}']")).to_have_count(
        0, timeout=TIMEOUT
    )
    page.goto(f"{live_server}/desk/candidates/{candidate_id}")

    # 3. The candidate moves to company placement (the onboarding action) …
    expect(page.locator("dd.phase[data-phase=mentoring]")).to_be_visible(timeout=TIMEOUT)
    page.locator("form.action[data-trigger=propose_placement]").get_by_role(
        "button", name=nl("Propose for company placement"), exact=True
    ).click()
    phase = page.locator("dd.phase[data-phase=company_placement]")
    expect(phase).to_be_visible(timeout=TIMEOUT)
    expect(phase).to_contain_text(nl("Company placement"), timeout=TIMEOUT)

    # … and the placement is walked step by step.
    step = steps.locator("form[data-trigger=schedule_interview]")
    step.get_by_label(nl("Interview (Brussels time)")).fill(interview)
    step.get_by_role("button", name=nl("Plan the interview"), exact=True).click()
    placement_now(page, "Interview")
    expect(row.locator("td").nth(2)).not_to_have_text("—", timeout=TIMEOUT)

    steps.locator("form[data-trigger=make_offer]").get_by_role(
        "button", name=nl("The company makes an offer"), exact=True
    ).click()
    placement_now(page, "Offer")

    step = steps.locator("form[data-trigger=accept]")
    expect(step.locator("input[name=start_date]")).to_have_attribute(
        "required", "", timeout=TIMEOUT
    )
    expect(step.locator("span.required")).to_have_text(nl("(required)"), timeout=TIMEOUT)
    step.get_by_label(nl("Start date")).fill(start)
    step.get_by_role("button", name=nl("The candidate accepts the offer"), exact=True).click()
    placement_now(page, "Accepted")
    expect(row.locator("td").nth(3)).not_to_have_text("—", timeout=TIMEOUT)
    # The placement starts when the desk confirms it, never as a step of its own.
    expect(steps.locator("form[data-trigger=start]")).to_have_count(0, timeout=TIMEOUT)

    confirm = page.locator("form.action[data-trigger=confirm_placement]")
    confirm.get_by_label(
        nl("Yes: the placement has started, and the onboarding ends as “placed”.")
    ).check()
    confirm.get_by_role("button", name=nl("Confirm placement"), exact=True).click()
    phase = page.locator("dd.phase[data-phase=placed]")
    expect(phase).to_be_visible(timeout=TIMEOUT)
    expect(phase).to_contain_text(nl("Placed"), timeout=TIMEOUT)
    expect(row.locator("td").last).to_have_text(nl("Started"), timeout=TIMEOUT)
    expect(placements.locator("div.placement-steps")).to_have_count(0, timeout=TIMEOUT)
    expect(page.locator("svg.workflow-diagram g.phase.current")).to_have_attribute(
        "data-phase", "placed", timeout=TIMEOUT
    )
    page.screenshot(path=str(results_dir / "desk-candidate-placed-nl.png"), full_page=True)
    raw_history(page, "desk candidate page")

    # 4. The candidate logs in (browser in English, account in Dutch) and sees the placement.
    me = new_context().new_page()
    me.goto(f"{live_server}/login")
    me.get_by_label("Email address").fill(CANDIDATE_EMAIL)
    me.get_by_label("Password").fill(PASSWORD)
    me.get_by_role("button", name="Log in").click()
    expect(me).to_have_url(f"{live_server}/me/", timeout=TIMEOUT)
    expect(me.locator("html")).to_have_attribute("lang", "nl", timeout=TIMEOUT)
    expect(me.locator("p.current-phase[data-phase=placed] strong")).to_have_text(
        nl("Placed"), timeout=TIMEOUT
    )
    expect(me.locator("ol.journey li[aria-current=step]")).to_have_text(
        nl("Placed"), timeout=TIMEOUT
    )
    section = me.locator("section.card").filter(
        has=me.get_by_role("heading", name=nl("Company placement"), exact=True)
    )
    expect(section.locator("thead")).to_contain_text(nl("Company"), timeout=TIMEOUT)
    mine = section.locator("table tbody tr")
    expect(mine).to_have_count(1, timeout=TIMEOUT)
    expect(mine.locator("td").first).to_have_text(f"{COMPANY} (Genk)", timeout=TIMEOUT)
    expect(mine).to_contain_text(PROJECT, timeout=TIMEOUT)
    me.screenshot(path=str(results_dir / "candidate-dashboard-placed-nl.png"), full_page=True)
    raw_history(me, "candidate dashboard")
    status = mine.locator("td").last.inner_text().strip()
    if status != nl("Started"):
        problems.append(f"candidate dashboard: placement status reads {status!r}")

    # Last, so the screenshots exist either way: the nl catalog really translates these …
    untranslated = [msgid for msgid in TRANSLATED if nl(msgid) == msgid]
    assert not untranslated, f"not translated in translations/nl: {untranslated}"
    # … and nothing on the way looked wrong.
    assert not problems, "\n".join(problems)
