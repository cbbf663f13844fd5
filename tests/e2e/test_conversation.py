"""End to end, in two languages: a candidate who reads Afrikaans writes to her mentor, who
reads Dutch. The worker's dispatcher sends the notification (`reminders.dispatch()` in the
test, as the worker process would); the mentor sees the unread count in the header, follows
the link in the Dutch email to the mentee's thread and answers; the candidate sees the answer.

Every label is read from the compiled catalogs, so the test fails if a page falls back to
English.
"""

from __future__ import annotations

import re
import time

import pytest
from playwright.sync_api import expect

from onboarding.extensions import db
from onboarding.models import User
from onboarding.services import candidates, reminders
from tests.conftest import PASSWORD
from tests.e2e.conftest import STAFF_EMAIL
from tests.e2e.test_data_export import dutch
from tests.e2e.test_onboarding_flow import MAIL_WAIT, TIMEOUT, afrikaans
from tests.factories import make_candidate, make_user

pytestmark = pytest.mark.e2e

CANDIDATE_EMAIL = "ndeshi.amupolo@e2e.example"
CANDIDATE_NAME = "Ndeshi Amupolo"
MENTOR_EMAIL = "wouter.claes@e2e.example"
MENTOR_NAME = "Wouter Claes"
QUESTION = "Goeie môre! Ek het my diploma opgelaai. Wanneer kan ons oor die taalkursus praat?"
NEW_MESSAGE = "New message from %(author)s"  # the email's subject
ANSWER = "Dag Ndeshi, goed nieuws: je diploma is binnen. Zullen we donderdag om 10 uur bellen?"


def wait_for_mail_about(smtp_server, to: str, subject: str):
    """The email to `to` with `subject` (the mentor also had one about the assignment)."""
    deadline = time.monotonic() + MAIL_WAIT
    while time.monotonic() < deadline:
        for message in smtp_server.messages:
            if message["To"] == to and message["Subject"] == subject:
                return message
        time.sleep(0.1)
    got = [(m["To"], m["Subject"]) for m in smtp_server.messages]
    pytest.fail(f"no email to {to} about {subject!r} within {MAIL_WAIT}s (got {got})")


def log_in(browser, base: str, locale: str, email: str, t):
    context = browser.new_context(locale=locale)
    context.set_default_timeout(TIMEOUT)
    page = context.new_page()
    page.goto(f"{base}/login")
    page.get_by_label(t.gettext("Email address")).fill(email)
    page.get_by_label(t.gettext("Password")).fill(PASSWORD)
    page.get_by_role("button", name=t.gettext("Log in")).click()
    expect(page).not_to_have_url(re.compile(r"/login"))
    return context, page


def dispatch(live_app) -> None:
    with live_app.app_context():  # the worker's turn: the outbox's dispatcher
        assert reminders.dispatch(until_empty=True).sent >= 1
        db.session.remove()


def test_a_candidate_in_afrikaans_and_her_mentor_in_dutch_write_to_each_other(
    browser, live_app, live_server, smtp_server, results_dir
):
    af, nl = afrikaans(), dutch()
    with live_app.app_context():
        desk = db.session.scalar(db.select(User).filter_by(email=STAFF_EMAIL))
        mentor = make_user("mentor", name=MENTOR_NAME, email=MENTOR_EMAIL, locale="nl")
        candidate = make_candidate(
            name=CANDIDATE_NAME, email=CANDIDATE_EMAIL, locale="af", phase="language_immersion"
        )
        candidates.assign_mentor(desk, candidate.id, mentor.id, candidate.version_id)
        db.session.commit()
        candidate_id = candidate.id
        db.session.remove()
    thread_path = f"/mentor/mentees/{candidate_id}/messages"

    # 1. The candidate, in Afrikaans, writes from her messages page.
    mine, me = log_in(browser, live_server, "af-ZA", CANDIDATE_EMAIL, af)
    expect(me).to_have_url(f"{live_server}/me/")
    expect(me.locator("html")).to_have_attribute("lang", "af")
    me.locator("header").get_by_role("link", name=af.gettext("Messages")).click()
    expect(me).to_have_url(f"{live_server}/me/messages")
    expect(me.locator("html")).to_have_attribute("lang", "af")
    expect(me.get_by_role("heading", level=1)).to_have_text(
        af.gettext("Messages with your mentor and the welcome desk")
    )
    expect(me.locator("ol.messages li.message-text")).to_have_count(0)
    me.get_by_label(af.gettext("Your message")).fill(QUESTION)
    me.get_by_role("button", name=af.gettext("Send"), exact=True).click()
    expect(me.locator("p.flash-success")).to_have_text(af.gettext("Your message has been sent."))
    mine_sent = me.locator("ol.messages li.message-text")
    expect(mine_sent).to_have_count(1)
    expect(mine_sent.locator(".message-body")).to_have_text(QUESTION)
    expect(mine_sent.locator(".author")).to_have_text(CANDIDATE_NAME)
    me.screenshot(path=str(results_dir / "conversation-candidate-sent-af.png"), full_page=True)

    dispatch(live_app)

    # 2. The mentor, in Dutch, has one unread message in the header.
    theirs, mentor_page = log_in(browser, live_server, "nl-BE", MENTOR_EMAIL, nl)
    expect(mentor_page.locator("html")).to_have_attribute("lang", "nl")
    messages_link = mentor_page.locator("header a.messages-link")
    expect(messages_link).to_contain_text(nl.gettext("Messages"))
    expect(messages_link.locator(".count")).to_have_text("1")
    expect(messages_link.locator(".count")).to_have_attribute("aria-label", nl.gettext("unread"))
    mentor_page.screenshot(path=str(results_dir / "conversation-mentor-unread-nl.png"))

    # 3. The email is in Dutch, names the author, does not quote the text, links to the thread.
    assert nl.gettext(NEW_MESSAGE) != NEW_MESSAGE, "not translated in translations/nl"
    subject = nl.gettext(NEW_MESSAGE) % {"author": CANDIDATE_NAME}
    email = wait_for_mail_about(smtp_server, MENTOR_EMAIL, subject)
    assert email["Content-Language"] == "nl"
    body = email.get_body(preferencelist=("plain",)).get_content()
    assert QUESTION not in body
    found = re.search(r"https?://\S+/mentor/mentees/\d+/messages\b", body)
    assert found, body
    assert found.group(0) == f"{live_server}{thread_path}"

    # 4. … the link opens that mentee's thread, which marks it read.
    mentor_page.goto(found.group(0))
    expect(mentor_page).to_have_url(f"{live_server}{thread_path}")
    expect(mentor_page.get_by_role("heading", level=1)).to_have_text(
        nl.gettext("Messages with %(name)s") % {"name": CANDIDATE_NAME}
    )
    received = mentor_page.locator("ol.messages li.message-text")
    expect(received).to_have_count(1)
    expect(received.locator(".message-body")).to_have_text(QUESTION)
    expect(received.locator(".author")).to_have_text(CANDIDATE_NAME)
    expect(messages_link.locator(".count")).to_have_count(0)
    mentor_page.screenshot(path=str(results_dir / "conversation-mentor-thread-nl.png"),
                           full_page=True)  # fmt: skip

    # 5. The mentor answers in Dutch; nothing is unread for him.
    mentor_page.get_by_label(nl.gettext("Your message")).fill(ANSWER)
    mentor_page.get_by_role("button", name=nl.gettext("Send"), exact=True).click()
    expect(mentor_page).to_have_url(f"{live_server}{thread_path}#newest")
    expect(mentor_page.locator("p.flash-success")).to_have_text(
        nl.gettext("Your message has been sent.")
    )
    expect(received).to_have_count(2)
    expect(received.last.locator(".message-body")).to_have_text(ANSWER)
    expect(messages_link.locator(".count")).to_have_count(0)
    mentor_page.goto(f"{live_server}/messages")
    expect(mentor_page.locator("ul.inbox li")).to_have_count(1)
    expect(mentor_page.locator("ul.inbox li.unread")).to_have_count(0)
    expect(messages_link.locator(".count")).to_have_count(0)

    dispatch(live_app)
    reply = wait_for_mail_about(
        smtp_server,
        CANDIDATE_EMAIL,
        af.gettext(NEW_MESSAGE) % {"author": MENTOR_NAME},
    )
    assert reply["Content-Language"] == "af"
    assert ANSWER not in reply.get_body(preferencelist=("plain",)).get_content()

    # 6. The candidate reloads: one unread in her header, and the answer in her thread.
    me.goto(f"{live_server}/me/")
    my_link = me.locator("header a.messages-link")
    expect(my_link.locator(".count")).to_have_text("1")
    expect(my_link.locator(".count")).to_have_attribute("aria-label", af.gettext("unread"))
    my_link.click()
    expect(me).to_have_url(f"{live_server}/me/messages")
    thread = me.locator("ol.messages li.message-text")
    expect(thread).to_have_count(2)
    expect(thread.first.locator(".message-body")).to_have_text(QUESTION)
    expect(thread.last.locator(".message-body")).to_have_text(ANSWER)
    expect(thread.last.locator(".author")).to_have_text(MENTOR_NAME)
    expect(my_link.locator(".count")).to_have_count(0)
    expect(me.locator("html")).to_have_attribute("lang", "af")
    me.screenshot(path=str(results_dir / "conversation-candidate-answer-af.png"), full_page=True)

    for context in (mine, theirs):
        context.close()
