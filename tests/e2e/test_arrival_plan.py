"""End to end, in Afrikaans: a candidate from South Africa records her arrival date (8 May
2026, the Friday before Ascension Day) and where she lives, and sees her deadline for
registering at the municipality: 8 Belgian working days later, weekends and the public
holiday left out — 21 May 2026 — written as an Afrikaans reader reads it. The help entry the
desk recorded for her municipality shows with its hours in Afrikaans."""

from __future__ import annotations

from datetime import date

import pytest
from babel.dates import format_date
from playwright.sync_api import expect

from onboarding.extensions import db
from onboarding.models import MunicipalityHelp
from tests.e2e.test_conversation import log_in
from tests.e2e.test_onboarding_flow import afrikaans
from tests.factories import make_candidate
from workflows.relocation import add_working_days

pytestmark = pytest.mark.e2e

EMAIL = "thandi.nkosi@e2e.example"
ARRIVAL = date(2026, 5, 8)


def test_a_candidate_records_her_arrival_and_sees_her_registration_deadline_in_afrikaans(
    browser, live_app, live_server, results_dir
):
    t = afrikaans()
    due = add_working_days(ARRIVAL, 8)
    assert due == date(2026, 5, 21)  # 14 May is Ascension Day: not a working day
    with live_app.app_context():
        make_candidate(name="Thandi Nkosi", email=EMAIL, locale="af", country="ZA",
                       phase="language_immersion")  # fmt: skip
        db.session.add(
            MunicipalityHelp(
                municipality="Genk", kind="service_desk", name="Stadhuis Genk",
                address="Stadsplein 1, 3600 Genk",
                hours={"nl": "Maandag tot vrijdag", "af": "Maandag tot Vrydag, 09:00 tot 12:30"},
            )
        )  # fmt: skip
        db.session.commit()
        db.session.remove()

    context, page = log_in(browser, live_server, "af-ZA", EMAIL, t)
    expect(page.locator("html")).to_have_attribute("lang", "af")
    page.get_by_role("link", name=t.gettext("My arrival plan")).click()
    expect(page.get_by_role("heading", name=t.gettext("My arrival plan"))).to_be_visible()
    page.get_by_label(t.gettext("Arrival date in Belgium")).fill(ARRIVAL.isoformat())
    page.get_by_label(t.gettext("Municipality where you live")).select_option("Genk")
    page.get_by_role("button", name=t.gettext("Save"), exact=True).click()
    expect(page.locator("p.flash-success")).to_have_text(
        t.gettext("Your arrival details have been saved.")
    )

    step = page.locator('li[data-step="municipality_registration"]')
    deadline = step.locator(f'p.deadline[data-due="{due.isoformat()}"]')
    expect(deadline).to_be_visible()
    long_date = format_date(due, "long", locale="af_ZA")
    expect(deadline).to_contain_text(long_date)
    expect(deadline).to_contain_text(t.gettext("working days"))
    expect(page.locator("main")).to_contain_text("Maandag tot Vrydag, 09:00 tot 12:30")
    page.screenshot(path=str(results_dir / "arrival-plan-af.png"), full_page=True)
    context.close()
