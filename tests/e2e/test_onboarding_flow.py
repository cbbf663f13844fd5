"""One onboarding journey through the real UI, in headless Chromium.

The welcome desk registers a candidate and starts the language immersion; the candidate
accepts the emailed invitation, switches the interface to Afrikaans and keeps it.
Needs compiled catalogs (`make translations-compile`, which `make test` runs).
"""

from __future__ import annotations

import re
import time
from datetime import date

import pytest
from babel.support import Translations
from playwright.sync_api import expect

from tests.conftest import PASSWORD
from tests.e2e.conftest import REPO, STAFF_EMAIL

pytestmark = pytest.mark.e2e

TIMEOUT = 10_000  # ms, for every wait on the page
MAIL_WAIT = 10  # s
CANDIDATE_EMAIL = "ndapewa.shikongo@e2e.example"
CANDIDATE_NAME = "Ndapewa Shikongo"
CANDIDATE_PASSWORD = "a long and new candidate password"
NEXT_STEP = "Pass a Dutch assessment at level %(target)s or higher"


def afrikaans() -> Translations:
    catalog = Translations.load(str(REPO / "translations"), ["af"])
    if not isinstance(catalog, Translations):
        pytest.fail("translations/af has no compiled catalog: run `make translations-compile`")
    return catalog


def wait_for_mail(smtp_server, to: str):
    deadline = time.monotonic() + MAIL_WAIT
    while time.monotonic() < deadline:
        for message in smtp_server.messages:
            if message["To"] == to:
                return message
        time.sleep(0.1)
    pytest.fail(f"no email to {to} within {MAIL_WAIT}s (got {len(smtp_server.messages)})")


def test_register_start_immersion_accept_invitation_in_afrikaans(
    browser, live_server, smtp_server, results_dir
):
    t = afrikaans()

    # 1. The welcome desk logs in and registers a candidate.
    desk = browser.new_context(locale="en-GB")
    desk.set_default_timeout(TIMEOUT)
    page = desk.new_page()
    page.goto(f"{live_server}/login")
    page.get_by_label("Email address").fill(STAFF_EMAIL)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.locator("p.flash-success")).to_contain_text("Welcome", timeout=TIMEOUT)

    page.get_by_role("link", name="Register a candidate").click()
    expect(page.get_by_role("heading", name="Register a candidate")).to_be_visible(timeout=TIMEOUT)
    form = page.locator("main form.grid-form")
    form.get_by_label("Full name").fill(CANDIDATE_NAME)
    form.get_by_label("Email address").fill(CANDIDATE_EMAIL)
    form.get_by_label("Country of origin").select_option("NA")
    form.get_by_label("Origin institution").fill("Namibia University of Science and Technology")
    form.get_by_label("STEM field").select_option("engineering")
    form.get_by_label("Graduation date").fill("2025-06-30")
    form.get_by_label("Outreach channel").select_option("partner_referral")
    form.get_by_label("Language", exact=True).select_option("en")
    form.get_by_label("The candidate has consented to the processing of their data").check()
    form.get_by_role("button", name="Register", exact=True).click()

    expect(page).to_have_url(re.compile(r"/desk/candidates/\d+$"), timeout=TIMEOUT)
    expect(page.get_by_role("heading", name=CANDIDATE_NAME, level=1)).to_be_visible(timeout=TIMEOUT)
    expect(page.locator("dd.phase[data-phase=outreach]")).to_be_visible(timeout=TIMEOUT)

    # 2. The desk starts the language immersion, today.
    action = page.locator("form.action[data-trigger=start_immersion]")
    action.get_by_label("Start date").fill(date.today().isoformat())
    action.get_by_role("button", name="Start language immersion").click()

    phase = page.locator("dd.phase[data-phase=language_immersion]")
    expect(phase).to_be_visible(timeout=TIMEOUT)
    expect(phase).to_contain_text("Language immersion", timeout=TIMEOUT)
    current = page.locator("svg.workflow-diagram g.phase.current")
    expect(current).to_have_count(1, timeout=TIMEOUT)
    expect(current).to_have_attribute("data-phase", "language_immersion", timeout=TIMEOUT)
    expect(current).to_be_visible(timeout=TIMEOUT)
    page.screenshot(path=str(results_dir / "desk-candidate.png"), full_page=True)

    # 3. The invitation reached the candidate's mailbox.
    message = wait_for_mail(smtp_server, CANDIDATE_EMAIL)
    body = message.get_body(preferencelist=("plain",)).get_content()
    found = re.search(r"https?://\S+/invitation/[\w.~-]+", body)
    assert found, body
    link = found.group(0)
    assert link.startswith(f"{live_server}/invitation/"), link

    # 4. The candidate, in their own browser, sets a password.
    candidate = browser.new_context(locale="en-GB")
    candidate.set_default_timeout(TIMEOUT)
    me = candidate.new_page()
    me.goto(link)
    me.get_by_label("Choose a password").fill(CANDIDATE_PASSWORD)
    me.get_by_label("Repeat the password").fill(CANDIDATE_PASSWORD)
    me.get_by_role("button", name="Activate my account").click()
    expect(me).to_have_url(f"{live_server}/me/", timeout=TIMEOUT)
    expect(me.locator("p.current-phase[data-phase=language_immersion]")).to_be_visible(
        timeout=TIMEOUT
    )

    # 5. … switches to Afrikaans: phase, next step and who it waits on are in Afrikaans.
    phase_af = t.gettext("Language immersion")
    step_af = t.gettext(NEXT_STEP) % {"target": "B1"}
    waiting_af = t.gettext("Waiting on:")

    def shows_afrikaans(page) -> None:
        expect(page.locator("html")).to_have_attribute("lang", "af", timeout=TIMEOUT)
        expect(page.locator("p.current-phase")).to_contain_text(phase_af, timeout=TIMEOUT)
        expect(page.locator("p.next-step")).to_contain_text(step_af, timeout=TIMEOUT)
        expect(page.locator("p.waiting-on")).to_contain_text(waiting_af, timeout=TIMEOUT)
        expect(page.get_by_role("button", name="Afrikaans")).to_have_attribute(
            "aria-pressed", "true", timeout=TIMEOUT
        )

    me.get_by_role("button", name="Afrikaans").click()
    expect(me).to_have_url(re.compile(r"/me/\??$"), timeout=TIMEOUT)
    shows_afrikaans(me)

    # 6. The choice is stored on the account: it survives a reload and a fresh login.
    me.reload()
    shows_afrikaans(me)
    me.screenshot(path=str(results_dir / "candidate-dashboard-af.png"), full_page=True)

    fresh = browser.new_context(locale="en-GB")
    fresh.set_default_timeout(TIMEOUT)
    again = fresh.new_page()
    again.goto(f"{live_server}/login")
    expect(again.locator("html")).to_have_attribute("lang", "en", timeout=TIMEOUT)
    again.get_by_label("Email address").fill(CANDIDATE_EMAIL)
    again.get_by_label("Password").fill(CANDIDATE_PASSWORD)
    again.locator("main form button[type=submit]").click()
    expect(again).to_have_url(f"{live_server}/me/", timeout=TIMEOUT)
    shows_afrikaans(again)

    for context in (desk, candidate, fresh):
        context.close()

    # Last, so the screenshots exist either way: the af catalog really translates these.
    untranslated = [
        msgid
        for msgid, text in (
            ("Language immersion", phase_af),
            (NEXT_STEP % {"target": "B1"}, step_af),
            ("Waiting on:", waiting_af),
        )
        if text == msgid
    ]
    assert not untranslated, f"not translated in translations/af: {untranslated}"
