"""End to end, in Dutch: a candidate asks for a copy of her data from her settings, the
worker builds it (`jobs.work()` in the test, as the worker process would), she follows the
link in the email, downloads the ZIP, and the test opens it: data.json holds her profile and
a document inside has the bytes she uploaded."""

from __future__ import annotations

import hashlib
import json
import re
import zipfile

import pytest
from babel.support import Translations
from playwright.sync_api import expect

from onboarding.extensions import db
from onboarding.services import documents, jobs, reminders
from tests.conftest import PASSWORD
from tests.e2e.conftest import REPO
from tests.e2e.test_onboarding_flow import TIMEOUT, wait_for_mail
from tests.factories import make_candidate

pytestmark = pytest.mark.e2e

EMAIL = "annelies.nghipondoka@e2e.example"
NAME = "Annelies Nghipondoka"
PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n" + b"diploma van Annelies" * 20


def dutch() -> Translations:
    catalog = Translations.load(str(REPO / "translations"), ["nl"])
    if not isinstance(catalog, Translations):
        pytest.fail("translations/nl has no compiled catalog: run `make translations-compile`")
    return catalog


def test_a_candidate_downloads_her_data_and_opens_the_zip_in_dutch(
    browser, live_app, live_server, smtp_server, results_dir, tmp_path
):
    t = dutch()
    with live_app.app_context():
        candidate = make_candidate(name=NAME, email=EMAIL, locale="nl", country="NA")
        document = documents.upload(candidate.user, "diploma", PDF, "diploma.pdf")
        db.session.commit()
        document_id = document.id
        db.session.remove()

    context = browser.new_context(locale="nl-BE", accept_downloads=True)
    context.set_default_timeout(TIMEOUT)
    page = context.new_page()
    page.goto(f"{live_server}/login")
    expect(page.locator("html")).to_have_attribute("lang", "nl")
    page.get_by_label(t.gettext("Email address")).fill(EMAIL)
    page.get_by_label(t.gettext("Password")).fill(PASSWORD)
    page.get_by_role("button", name=t.gettext("Log in")).click()
    expect(page).to_have_url(f"{live_server}/me/")

    page.goto(f"{live_server}/settings")
    page.get_by_role("link", name=t.gettext("Download your data")).click()
    expect(page).to_have_url(f"{live_server}/me/data")
    expect(page.locator("html")).to_have_attribute("lang", "nl")
    page.get_by_role("button", name=t.gettext("Request a copy of my data")).click()
    expect(page.locator("li.export[data-state=queued]")).to_be_visible()
    page.screenshot(path=str(results_dir / "mydata-queued-nl.png"), full_page=True)

    with live_app.app_context():  # the worker's turn: the job, then the outbox's dispatcher
        assert jobs.work() == 1
        assert reminders.dispatch(until_empty=True).sent >= 1
        db.session.remove()
    message = wait_for_mail(smtp_server, EMAIL)
    assert message["Content-Language"] == "nl"
    assert message["Subject"] == t.gettext("Your copy of the data is ready")
    body = message.get_body(preferencelist=("plain",)).get_content()
    link = re.search(r"https?://\S+/me/data\b", body).group(0)
    assert link == f"{live_server}/me/data"

    page.goto(link)
    ready = page.locator("li.export[data-state=ready]")
    expect(ready).to_be_visible()
    page.screenshot(path=str(results_dir / "mydata-ready-nl.png"), full_page=True)
    with page.expect_download() as started:
        ready.get_by_role("link", name=t.gettext("Download the ZIP file")).click()
    download = started.value
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    assert saved.suffix == ".zip"

    with zipfile.ZipFile(saved) as archive:
        data = json.loads(archive.read("data.json"))
        assert data["schema"] == "onthaal.data-export/1"
        assert data["profile"]["name"] == NAME and data["profile"]["email"] == EMAIL
        assert data["profile"]["language"] == "nl"
        [entry] = [d for d in data["documents"] if d["id"] == document_id]
        content = archive.read(entry["path"])
        assert content == PDF and entry["sha256"] == hashlib.sha256(PDF).hexdigest()
        summary = archive.read("summary.html").decode()
        assert '<html lang="nl">' in summary and NAME in summary
    context.close()
