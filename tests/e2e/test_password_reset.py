"""End to end, in Afrikaans: a candidate forgets her password, resets it from the email and
logs in with the new one. The worker's part (making and mailing the link) runs in the test
with `jobs.work()`, as the worker process would."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from onboarding.extensions import db
from onboarding.services import jobs
from tests.e2e.test_onboarding_flow import TIMEOUT, afrikaans, wait_for_mail
from tests.factories import make_candidate

pytestmark = pytest.mark.e2e

EMAIL = "lerato.mokoena@e2e.example"
NEW_PASSWORD = "soetdoring en rooibos in die Karoo"


def test_a_candidate_resets_her_forgotten_password_in_afrikaans(
    browser, live_app, live_server, smtp_server, results_dir
):
    t = afrikaans()
    with live_app.app_context():
        make_candidate(name="Lerato Mokoena", email=EMAIL, locale="af", country="ZA")
        db.session.remove()

    context = browser.new_context(locale="af-ZA")
    context.set_default_timeout(TIMEOUT)
    page = context.new_page()
    page.goto(f"{live_server}/login")
    expect(page.locator("html")).to_have_attribute("lang", "af")
    page.get_by_role("link", name=t.gettext("Forgot your password?")).click()
    page.get_by_label(t.gettext("Email address")).fill(EMAIL)
    page.get_by_role("button", name=t.gettext("Send me a link")).click()
    expect(page.get_by_role("heading", name=t.gettext("Check your email"))).to_be_visible()

    with live_app.app_context():  # the worker's turn
        jobs.work()
        db.session.remove()
    message = wait_for_mail(smtp_server, EMAIL)
    assert message["Subject"] == t.gettext("Choose a new password for Onthaal")
    body = message.get_body(preferencelist=("plain",)).get_content()
    assert t.gettext("Dear %(name)s,") % {"name": "Lerato"} in body
    link = re.search(r"https?://\S+/reset/[\w.~-]+", body).group(0)
    assert link.startswith(f"{live_server}/reset/")

    page.goto(link)
    expect(page.locator("html")).to_have_attribute("lang", "af")
    page.get_by_label(t.gettext("Choose a password")).fill(NEW_PASSWORD)
    page.get_by_label(t.gettext("Repeat the password")).fill(NEW_PASSWORD)
    page.get_by_role("button", name=t.gettext("Save my new password")).click()
    expect(page).to_have_url(f"{live_server}/login")
    expect(page.locator("p.flash-success")).to_be_visible()
    page.screenshot(path=str(results_dir / "reset-done-af.png"), full_page=True)

    page.get_by_label(t.gettext("Email address")).fill(EMAIL)
    page.get_by_label(t.gettext("Password")).fill(NEW_PASSWORD)
    page.get_by_role("button", name=t.gettext("Log in")).click()
    expect(page).to_have_url(f"{live_server}/me/")
    expect(page.locator("html")).to_have_attribute("lang", "af")

    page.goto(link)  # the link worked once
    expect(page.get_by_role("heading", name=t.gettext("Link not valid"))).to_be_visible()
    context.close()
