"""End to end, the company portal: the welcome desk adds a company contact (English) on the
company page and proposes a candidate (Afrikaans, who agreed to share her profile with
companies) for the company's project. The worker makes the sign-in link (`jobs.work()` in the
test, as the worker process would); the contact follows it from the email, presses Sign in,
sees the company's home, follows the email about the proposal to the placement, plans the
interview, records it once held (not while it is ahead) and makes an offer. The outbox's
dispatcher tells the candidate (in Afrikaans) and the desk (a company's step); the candidate
sees the offer on her page.

Every label is read from the compiled catalogs, so the test fails if a page falls back to
English where the catalog translates.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from babel.support import Translations
from playwright.sync_api import expect

from onboarding.extensions import db
from onboarding.models import CandidateSkill, Placement, User, utcnow
from onboarding.services import companies, consent, jobs
from tests.e2e.conftest import REPO, STAFF_EMAIL
from tests.e2e.test_conversation import dispatch, log_in, wait_for_mail_about
from tests.e2e.test_onboarding_flow import TIMEOUT, afrikaans
from tests.e2e.test_placement_flow import RAW_ACTION
from tests.factories import make_candidate, make_company, make_user

pytestmark = pytest.mark.e2e

COMPANY = "Maasland Batterijtechniek NV"
PROJECT = "Tweede leven voor batterijen"
CONTACT_NAME = "Eline Vanderstraeten"
CONTACT_EMAIL = "eline.vanderstraeten@maasland.e2e.example"
CANDIDATE_NAME = "Lerato Dlamini"
CANDIDATE_EMAIL = "lerato.dlamini@e2e.example"
MENTOR_EMAIL = "mentor.portal@e2e.example"
SIGN_IN_SUBJECT = "Your sign-in link for Onthaal"
PROPOSED_SUBJECT = "%(candidate)s was proposed to %(company)s"  # the company's subject
OFFER_SUBJECT = "An offer from %(company)s"  # the candidate's
DESK_OFFER_SUBJECT = "An offer for %(candidate)s from %(company)s"
NOW_STATUS = "The placement is now “%(status)s”."


def english() -> Translations:
    catalog = Translations.load(str(REPO / "translations"), ["en"])
    if not isinstance(catalog, Translations):
        pytest.fail("translations/en has no compiled catalog: run `make translations-compile`")
    return catalog


@pytest.fixture
def portal_world(live_app):
    """A company with an open energy project; a candidate (af) in mentoring, signed off,
    who agreed (herself) to share her profile with companies. Their ids."""
    with live_app.app_context():
        desk = db.session.scalar(db.select(User).filter_by(email=STAFF_EMAIL))
        mentor = make_user("mentor", name="Mentor Portal", email=MENTOR_EMAIL, locale="nl")
        candidate = make_candidate(
            phase="mentoring",
            mentor=mentor,
            name=CANDIDATE_NAME,
            email=CANDIDATE_EMAIL,
            locale="af",
            country="ZA",
            stem_field="energy",
            dutch_level="B2",
            signed_off_at=utcnow(),
        )
        candidate.skills.append(CandidateSkill(skill="battery chemistry"))
        consent.give(candidate.user, candidate, share_with_companies=True)
        company = make_company(COMPANY, municipality="Maasmechelen")
        project = companies.save_project(
            desk,
            company.id,
            companies.ProjectData(
                kind="innovation_project",
                title=PROJECT,
                description="Batterijen uit bussen krijgen een tweede leven als opslag.",
                stem_fields=["energy"],
                skills=["battery chemistry"],
                min_dutch_level=None,
                start_date=None,
                seats=1,
                is_open=True,
            ),
        )
        db.session.commit()
        ids = {"candidate": candidate.id, "company": company.id, "project": project.id}
        db.session.remove()
    return ids


def history(page) -> list[str]:
    """The page's timeline: each entry's text (an audit key here means a step without text)."""
    texts = [text.strip() for text in page.locator("ol.timeline li span.what").all_inner_texts()]
    assert texts, "no history on the page"
    return texts


def status_flash(page, t, status: str) -> None:
    expect(page.locator("p.flash-success")).to_have_text(
        t.gettext(NOW_STATUS) % {"status": t.gettext(status)}
    )


def test_a_company_contact_signs_in_from_the_email_and_makes_an_offer_the_candidate_sees(
    browser, live_app, live_server, smtp_server, results_dir, portal_world
):
    en, af = english(), afrikaans()
    ids = portal_world
    opened = []
    tomorrow = (date.today() + timedelta(days=1)).isoformat() + "T10:30"
    yesterday = (date.today() - timedelta(days=1)).isoformat() + "T14:00"
    try:
        # 1. The desk (English) adds the contact on the company page.
        desk_context, desk = log_in(browser, live_server, "en-GB", STAFF_EMAIL, en)
        opened.append(desk_context)
        desk.goto(f"{live_server}/desk/companies/{ids['company']}")
        expect(desk.get_by_role("heading", level=1)).to_have_text(COMPANY)
        contacts = desk.locator("section#contacts")
        expect(contacts.locator("ul.contacts li")).to_have_count(0)
        form = contacts.locator("form[action$='/contacts']")
        form.get_by_label(en.gettext("Full name")).fill(CONTACT_NAME)
        form.get_by_label(en.gettext("Email address")).fill(CONTACT_EMAIL)
        form.get_by_label(en.gettext("Language"), exact=True).select_option("en")
        form.get_by_role("button", name=en.gettext("Add and send a sign-in link")).click()
        expect(desk).to_have_url(f"{live_server}/desk/companies/{ids['company']}#contacts")
        expect(desk.locator("p.flash-success")).to_have_text(
            en.gettext("%(name)s can now sign in: a link is on its way to %(email)s.")
            % {"name": CONTACT_NAME, "email": CONTACT_EMAIL}
        )
        listed = contacts.locator("ul.contacts li")
        expect(listed).to_have_count(1)
        expect(listed).to_contain_text(CONTACT_NAME)
        expect(listed).to_contain_text(CONTACT_EMAIL)
        desk.screenshot(path=str(results_dir / "company-portal-desk-contact-en.png"),
                        full_page=True)  # fmt: skip
        # Nothing was emailed inside the request: the worker makes the link.
        assert not [m for m in smtp_server.messages if m["To"] == CONTACT_EMAIL]

        # 2. The desk proposes the candidate for the company's project (its ranking).
        desk.goto(f"{live_server}/desk/projects/{ids['project']}")
        entry = desk.locator(f"ol.ranking > li[data-candidate='{ids['candidate']}']")
        expect(entry).to_have_count(1)
        expect(entry.locator("p.not-shared")).to_have_count(0)  # she shares with companies
        entry.get_by_role("button", name=en.gettext("Propose for this project")).click()
        expect(desk).to_have_url(f"{live_server}/desk/candidates/{ids['candidate']}")
        expect(desk.locator("p.flash-success")).to_have_text(
            en.gettext("The candidate has been proposed for this project.")
        )
        with live_app.app_context():
            placement_id = db.session.scalar(
                db.select(Placement.id).filter_by(candidate_id=ids["candidate"])
            )
            db.session.remove()
        assert placement_id is not None

        # 3. The worker makes the link and emails it, in English.
        with live_app.app_context():
            assert jobs.work() >= 1
            db.session.remove()
        email = wait_for_mail_about(smtp_server, CONTACT_EMAIL, en.gettext(SIGN_IN_SUBJECT))
        assert email["Content-Language"] == "en"
        body = email.get_body(preferencelist=("plain",)).get_content()
        assert COMPANY in body
        found = re.search(r"https?://\S+/company/sign-in/[\w-]+", body)
        assert found, body
        link = found.group(0)
        assert link.startswith(f"{live_server}/company/sign-in/")

        # 4. The contact opens the link: a button (a mail scanner's visit uses nothing) …
        contact_context = browser.new_context(locale="en-GB")
        contact_context.set_default_timeout(TIMEOUT)
        opened.append(contact_context)
        contact = contact_context.new_page()
        contact.goto(link)
        expect(contact.locator("html")).to_have_attribute("lang", "en")
        expect(contact.get_by_role("heading", level=1)).to_have_text(
            en.gettext("Sign in: company portal")
        )
        expect(contact.locator("main")).to_contain_text(CONTACT_NAME)
        contact.screenshot(path=str(results_dir / "company-portal-link-en.png"), full_page=True)
        contact.reload()  # opening it again does not use it up
        # … which signs in and opens the company's home.
        contact.get_by_role("button", name=en.gettext("Sign in"), exact=True).click()
        expect(contact).to_have_url(f"{live_server}/company/")
        expect(contact.get_by_role("heading", level=1)).to_have_text(COMPANY)
        project = contact.locator(f"article.project[data-project='{ids['project']}']")
        expect(project.get_by_role("heading", level=3)).to_have_text(PROJECT)
        proposed = project.locator("ul.placements li")
        expect(proposed).to_have_count(1)
        expect(proposed).to_contain_text(CANDIDATE_NAME)
        expect(proposed).to_contain_text(en.gettext("Proposed"))
        contact.screenshot(path=str(results_dir / "company-portal-home-en.png"), full_page=True)

        # The link worked once: a second use is refused.
        used = contact_context.new_page()
        response = used.goto(link)
        assert response is not None and response.status == 404
        expect(used.get_by_role("heading", level=1)).to_have_text(en.gettext("Link not valid"))
        used.close()

        # 5. The dispatcher tells the contact of the proposal; the email links the placement.
        dispatch(live_app)
        proposal = wait_for_mail_about(
            smtp_server,
            CONTACT_EMAIL,
            en.gettext(PROPOSED_SUBJECT) % {"candidate": CANDIDATE_NAME, "company": COMPANY},
        )
        assert proposal["Content-Language"] == "en"
        proposal_body = proposal.get_body(preferencelist=("plain",)).get_content()
        placement_url = f"{live_server}/company/placements/{placement_id}"
        assert placement_url in proposal_body, proposal_body
        contact.goto(placement_url)
        expect(contact.get_by_role("heading", level=1)).to_have_text(
            f"{CANDIDATE_NAME} — {PROJECT}"
        )
        card = contact.locator("section.card dl.facts").first
        expect(card).to_contain_text(CANDIDATE_NAME)
        expect(card).to_contain_text("battery chemistry")
        expect(card).not_to_contain_text(CANDIDATE_EMAIL)  # only what she shares
        status = contact.locator("dd[data-status]")
        expect(status).to_have_attribute("data-status", "proposed")

        # 6. The contact plans the interview for tomorrow: no offer before it was held …
        step = contact.locator("form[data-trigger=schedule_interview]")
        step.get_by_label(en.gettext("Interview (Brussels time)")).fill(tomorrow)
        step.get_by_role("button", name=en.gettext("Plan the interview"), exact=True).click()
        status_flash(contact, en, "Interview")
        expect(status).to_have_attribute("data-status", "interview")
        offer = contact.locator("form[data-trigger=make_offer]")
        expect(offer.locator("ul.blocked li")).to_have_text(
            [en.gettext("The interview has not taken place yet: an offer can only follow it.")]
        )
        contact.screenshot(path=str(results_dir / "company-portal-interview-en.png"),
                           full_page=True)  # fmt: skip

        # … cannot record it as held while it is ahead …
        record = en.gettext("Record when the interview took place")
        step = contact.locator("form[data-trigger=record_interview]")
        step.get_by_label(en.gettext("Interview (Brussels time)")).fill(tomorrow)
        step.get_by_role("button", name=record, exact=True).click()
        expect(contact.locator("main")).to_contain_text(
            en.gettext("Record the interview once it has taken place: that time is still ahead.")
        )
        contact.goto(placement_url)
        expect(status).to_have_attribute("data-status", "interview")

        # … records it as held (it was moved to yesterday) …
        step.get_by_label(en.gettext("Interview (Brussels time)")).fill(yesterday)
        step.get_by_role("button", name=record, exact=True).click()
        status_flash(contact, en, "Interview")
        expect(offer.locator("ul.blocked")).to_have_count(0)

        # … and makes the offer.
        make_offer = en.gettext("The company makes an offer")
        offer.get_by_role("button", name=make_offer, exact=True).click()
        status_flash(contact, en, "Offer")
        expect(status).to_have_attribute("data-status", "offer")
        expect(status).to_have_text(en.gettext("Offer"))
        expect(contact.locator("form[data-trigger=make_offer]")).to_have_count(0)
        contact.screenshot(path=str(results_dir / "company-portal-offer-en.png"), full_page=True)

        # 7. The dispatcher tells the candidate (Afrikaans) and the desk (a company's step).
        dispatch(live_app)
        assert af.gettext(OFFER_SUBJECT) != OFFER_SUBJECT, "not translated in translations/af"
        to_her = wait_for_mail_about(
            smtp_server, CANDIDATE_EMAIL, af.gettext(OFFER_SUBJECT) % {"company": COMPANY}
        )
        assert to_her["Content-Language"] == "af"
        to_desk = wait_for_mail_about(
            smtp_server,
            STAFF_EMAIL,
            en.gettext(DESK_OFFER_SUBJECT) % {"candidate": CANDIDATE_NAME, "company": COMPANY},
        )
        assert (
            f"/desk/candidates/{ids['candidate']}"
            in to_desk.get_body(preferencelist=("plain",)).get_content()
        )

        # 8. The candidate logs in (Afrikaans) and sees the offer on her page.
        her_context, me = log_in(browser, live_server, "af-ZA", CANDIDATE_EMAIL, af)
        opened.append(her_context)
        expect(me).to_have_url(f"{live_server}/me/")
        expect(me.locator("html")).to_have_attribute("lang", "af")
        section = me.locator("section.card").filter(
            has=me.get_by_role("heading", name=af.gettext("Company placement"), exact=True)
        )
        row = section.locator("table tbody tr")
        expect(row).to_have_count(1)
        cells = row.locator("td")
        expect(cells.first).to_have_text(f"{COMPANY} (Maasmechelen)")
        expect(cells.nth(1)).to_have_text(PROJECT)
        expect(cells.nth(2)).not_to_have_text("—")  # the interview, held yesterday
        assert af.gettext("Offer") != "Offer", "not translated in translations/af"
        expect(cells.last).to_have_text(af.gettext("Offer"))
        me.screenshot(path=str(results_dir / "company-portal-candidate-offer-af.png"),
                      full_page=True)  # fmt: skip
        # Her history tells each of the company's steps in Afrikaans.
        steps = history(me)
        assert not [text for text in steps if RAW_ACTION.fullmatch(text)], steps
        detail = f"{COMPANY}: {PROJECT}"
        for label in (
            "Interview planned: %(detail)s",
            "Interview held: %(detail)s",
            "The company made an offer: %(detail)s",
        ):
            assert af.gettext(label) != label, f"not translated in translations/af: {label}"
            assert af.gettext(label) % {"detail": detail} in steps, steps

        # The desk's file of the candidate reads the same steps, none as an audit key.
        desk.goto(f"{live_server}/desk/candidates/{ids['candidate']}")
        steps = history(desk)
        assert not [text for text in steps if RAW_ACTION.fullmatch(text)], steps
        assert en.gettext("Interview held: %(detail)s") % {"detail": detail} in steps, steps
    finally:
        for context in opened:
            context.close()
