"""Every page of every role on a phone, in nl, af and en: no sideways scrolling, no axe findings.

A world of its own: a fresh database with the demo (`onboarding.demo.load_demo`) plus messages,
a partner, a campaign, a previewed import and company contacts with a proposed project, served
by a second live server. Each role logs in once (anonymous, the demo candidate, a mentor, the
welcome desk, a company contact with the emailed link's button), switches the language with the
header's switch, and opens its pages at 375 px: the page must not be wider than the window
(WCAG 1.4.10, reflow) and axe-core (from the `axe-playwright-python` package, offline) must find
nothing for the WCAG 2.0/2.1 A and AA tags. A smaller set is also opened at 320, 768 and 1,280 px
for overflow only. Everything found is reported together, page by page, with a summary table
(printed, and written to test-results/every_page.md).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass

import pytest

from onboarding import create_app
from onboarding.demo import DEMO_CANDIDATE_EMAIL, DEMO_PASSWORD, load_demo
from onboarding.extensions import db
from tests.conftest import free_port, migrate_fresh, test_config
from tests.e2e.conftest import serving

pytestmark = pytest.mark.e2e

TIMEOUT = 15_000  # ms
LANGUAGES = ("nl", "af", "en")
PHONE = 375
# Overflow only, on the pages most likely to be too wide.
OTHER_WIDTHS = (320, 768, 1280)
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
DESK_EMAIL = "desk@onthaal.example"
MENTOR_EMAIL = "mentor.an@onthaal.example"
IMPORT_CSV = (
    b"name,email,country,origin_institution,stem_field,graduation_date,outreach_channel\n"
    b"Selma Amukoto,selma.amukoto@example.org,NA,University of Namibia,engineering,2025-06-30,"
    b"partner_referral\n"
    b"Bad Row,not-an-email,XX,,astrology,yesterday,nowhere\n"
)


@dataclass(frozen=True)
class Page:
    role: str
    name: str  # the row of the summary table
    path: str
    wide: bool = False  # also opened at OTHER_WIDTHS
    status: int = 200
    # Done on the page after it opened (e.g. submitting an empty form to see its errors).
    then: Callable | None = None


def submit_empty(page) -> None:
    with page.expect_navigation():
        page.locator("main form button[type=submit]").last.click()


@pytest.fixture(scope="module")
def world(smtp_server, tmp_path_factory):
    """The demo, messages, a partner, a campaign and an import preview; the ids the pages need."""
    from onboarding.models import (
        Candidate,
        Company,
        MunicipalityHelp,
        Project,
        RelocationRule,
        User,
    )
    from onboarding.services import campaigns
    from onboarding.services.imports import jobs
    from tests.factories import make_partner

    tmp = tmp_path_factory.mktemp("every-page")
    config = test_config(f"sqlite:///{tmp}/pages.sqlite3", smtp_server.port)
    config["WTF_CSRF_ENABLED"] = True
    port = free_port()
    config["PUBLIC_BASE_URL"] = f"http://127.0.0.1:{port}"
    app = create_app(config, instance_path=str(tmp / "instance"))
    migrate_fresh(app)
    with app.app_context():
        load_demo()
        db.session.commit()
        desk = db.session.scalar(db.select(User).filter_by(email=DESK_EMAIL))
        mentor = db.session.scalar(db.select(User).filter_by(email=MENTOR_EMAIL))
        partner = make_partner("Namibia University of Science and Technology", staff=desk)
        campaign = campaigns.create(
            desk,
            campaigns.CampaignData(
                name="Windhoek STEM days 2026",
                kind="inspiration_mission",
                target_countries=("NA", "ZA"),
                target_regions="Khomas, Erongo",
                partner_ids=(partner.id,),
            ),
        )
        job = jobs.preview(
            desk, filename="namibia.csv", content=IMPORT_CSV, partner_id=partner.id,
            campaign_id=campaign.id,
        )  # fmt: skip
        db.session.commit()

        def first(**where) -> int:
            query = db.select(Candidate.id).filter_by(**where).order_by(Candidate.id)
            return db.session.scalar(query)

        # The fullest pages: a placement under way, a mentee with meetings and documents.
        mentee = first(mentor_id=mentor.id, phase="mentoring")
        seed_conversations(desk, mentor, db.session.get(Candidate, mentee))
        portal = seed_company_portal(
            desk, db.session.get(Candidate, first(phase="company_placement"))
        )
        ids = {
            "placing": first(phase="company_placement"),
            "mentoring": first(phase="mentoring"),
            "mentee": mentee,
            "company": db.session.scalar(db.select(Company.id).order_by(Company.id)),
            "project": db.session.scalar(db.select(Project.id).order_by(Project.id)),
            "partner": partner.id,
            "campaign": campaign.id,
            "job": job.id,
            "mentor": mentor.id,
            "rule": db.session.scalar(db.select(RelocationRule.id).order_by(RelocationRule.id)),
            "help": db.session.scalar(db.select(MunicipalityHelp.id).order_by(MunicipalityHelp.id)),
            **portal,
        }
        db.session.remove()
    with serving(app, port) as url:
        yield url, ids
    with app.app_context():
        db.engine.dispose()


# Messages as people write them: a long address, line breaks, an attachment, every role.
PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n" + b"rooster" * 200
ADDRESS = "https://www.vdab.be/opleidingen/nederlands-tweede-taal/intensieve-cursus-niveau-b1-genk"


def seed_conversations(desk, mentor, mentee) -> None:
    """A thread with every kind of message for the mentee, one for the demo candidate (the
    candidate's own page), and a group message (the desk's list of them), all unread for
    someone."""
    from onboarding.demo import DEMO_CANDIDATE_EMAIL
    from onboarding.models import Candidate, User
    from onboarding.services import conversations

    post = conversations.post
    post(mentee.user, mentee, f"Hello, I have enrolled for the course:\n{ADDRESS}\nSee you!")
    post(mentor, mentee, "Well done. Here is the schedule.", file=PDF, filename="schedule.pdf")
    post(desk, mentee, "The welcome desk read along: " + "enrolment " * 30)
    me = db.session.scalar(
        db.select(Candidate).join(User, Candidate.user).where(User.email == DEMO_CANDIDATE_EMAIL)
    )
    post(me.user, me, "Goeie môre! When is my next language assessment?")
    conversations.send_to_group(
        desk, conversations.Group(phase="language_immersion"), "The course starts on Monday.",
        conversations.group_count(conversations.Group(phase="language_immersion")),
    )  # fmt: skip
    db.session.commit()


def seed_company_portal(desk, placing) -> dict:
    """The company of the placing candidate's placement gets two contacts (one signs in for the
    company pages; the other's link is the link page) and a project it proposed, pending; the
    candidate shares her profile with companies. The ids and links the pages need."""
    from onboarding.models import Placement
    from onboarding.services import auth, companies, company_contacts, company_portal, consent

    placement = db.session.scalar(
        db.select(Placement).filter_by(candidate_id=placing.id).order_by(Placement.id)
    )
    consent.give(placing.user, placing, share_with_companies=True)
    contact = company_contacts.add_contact(
        desk, placement.company_id, "an.hendrickx@company.example", "An Hendrickx", "en"
    )
    other = company_contacts.add_contact(
        desk, placement.company_id, "joris.peeters@company.example", "Joris Peeters", "nl"
    )
    proposed = company_portal.propose_project(
        contact,
        companies.ProjectData(
            kind="internship",
            title="Stage: warmtenetten in kaart brengen met open data uit Limburgse gemeenten",
            description="Zes maanden, met een begeleider van het bedrijf.",
            stem_fields=["energy", "data_science"],
            skills=["gis", "python"],
            min_dutch_level="B1",
            start_date=None,
            seats=1,
            is_open=False,
        ),
    )
    tokens = {
        "company_login": auth.new_invitation(contact, desk, purpose="sign_in"),
        "company_link": auth.new_invitation(other, desk, purpose="sign_in"),
    }
    db.session.commit()
    return {"company_placement": placement.id, "proposed_project": proposed.id, **tokens}


def ask_for_a_link(page) -> None:
    page.locator("main input[name=email]").fill("someone@company.example")
    submit_empty(page)


def pages(ids: dict) -> list[Page]:
    c, m = ids["placing"], ids["mentee"]
    return [
        Page("anonymous", "login", "/login", wide=True),
        Page("anonymous", "login (errors)", "/login", then=submit_empty),
        Page("anonymous", "forgot password", "/forgot-password"),
        Page("anonymous", "partner apply", "/partners/apply", wide=True),
        Page("anonymous", "partner apply (errors)", "/partners/apply", then=submit_empty),
        Page("anonymous", "privacy notice", "/privacy", wide=True),
        Page("anonymous", "invalid invitation", "/invitation/not-a-real-token-0000", status=404),
        Page("anonymous", "company sign-in", "/company/sign-in", wide=True),
        Page("anonymous", "company sign-in (errors)", "/company/sign-in", then=submit_empty),
        Page("anonymous", "company link sent", "/company/sign-in", then=ask_for_a_link),
        Page("anonymous", "company sign-in link", f"/company/sign-in/{ids['company_link']}"),
        Page("anonymous", "company link invalid", "/company/sign-in/not-a-real-token", status=404),
        Page("candidate", "dashboard", "/me/", wide=True),
        Page("candidate", "profile", "/me/profile"),
        Page("candidate", "documents", "/me/documents"),
        Page("candidate", "arrival plan", "/me/plan", wide=True),
        Page("candidate", "messages", "/me/messages", wide=True),
        Page("candidate", "messages (errors)", "/me/messages", then=submit_empty),
        Page("candidate", "notifications", "/notifications"),
        Page("candidate", "settings", "/settings"),
        Page("candidate", "privacy and consent", "/me/privacy", wide=True),
        Page("candidate", "privacy and consent (errors)", "/me/privacy", then=submit_empty),
        Page("candidate", "my data", "/me/data", wide=True),
        Page("mentor", "mentees", "/mentor/", wide=True),
        Page("mentor", "mentee", f"/mentor/mentees/{m}", wide=True),
        Page("mentor", "mentee documents", f"/mentor/mentees/{m}/documents"),
        Page("mentor", "mentee messages", f"/mentor/mentees/{m}/messages", wide=True),
        Page("mentor", "inbox", "/messages"),
        Page("mentor", "notifications", "/notifications"),
        Page("mentor", "settings", "/settings"),
        Page("desk", "pipeline", "/desk/", wide=True),
        Page("desk", "pipeline, a phase", "/desk/?phase=language_immersion"),
        Page("desk", "register", "/desk/candidates/new"),
        Page("desk", "register (errors)", "/desk/candidates/new", then=submit_empty),
        Page("desk", "candidate", f"/desk/candidates/{c}", wide=True),
        Page("desk", "candidate in mentoring", f"/desk/candidates/{ids['mentoring']}"),
        Page("desk", "candidate details", f"/desk/candidates/{c}/details"),
        Page("desk", "arrival plan", f"/desk/candidates/{c}/plan", wide=True),
        Page("desk", "pipeline, overdue steps", "/desk/?overdue=steps"),
        Page("desk", "arrival rules", "/desk/relocation-rules", wide=True),
        Page("desk", "arrival rules (errors)", "/desk/relocation-rules", then=submit_empty),
        Page("desk", "arrival rule", f"/desk/relocation-rules/{ids['rule']}"),
        Page("desk", "help per municipality", "/desk/municipalities", wide=True),
        Page("desk", "help entry", f"/desk/municipalities/{ids['help']}"),
        Page("desk", "candidate documents", f"/desk/candidates/{c}/documents"),
        Page("desk", "candidate messages", f"/desk/candidates/{m}/messages", wide=True),
        Page("desk", "inbox", "/messages", wide=True),
        Page("desk", "group message", "/desk/messages/group", wide=True),
        Page("desk", "group message (errors)", "/desk/messages/group", then=submit_empty),
        Page("desk", "matches", f"/desk/candidates/{ids['mentoring']}/matches"),
        Page("desk", "project ranking", f"/desk/projects/{ids['project']}"),
        Page("desk", "project proposed", f"/desk/projects/{ids['proposed_project']}"),
        Page("desk", "companies", "/desk/companies"),
        Page("desk", "company", f"/desk/companies/{ids['company']}"),
        Page("desk", "new company", "/desk/companies/new"),
        Page("desk", "partners", "/desk/partners"),
        Page("desk", "partner", f"/desk/partners/{ids['partner']}"),
        Page("desk", "campaigns", "/desk/campaigns"),
        Page("desk", "new campaign", "/desk/campaigns/new"),
        Page("desk", "campaign", f"/desk/campaigns/{ids['campaign']}"),
        Page("desk", "import", "/desk/import"),
        Page("desk", "import preview", f"/desk/import/{ids['job']}", wide=True),
        Page("desk", "reports", "/desk/reports", wide=True),
        Page("desk", "reminders", "/desk/reminders", wide=True),
        Page("desk", "privacy notice versions", "/desk/privacy/notices"),
        Page("desk", "privacy notice, published", "/desk/privacy/notices/1", wide=True),
        Page("desk", "privacy notice, new draft", "/desk/privacy/notices/new"),
        Page("desk", "record consent", f"/desk/candidates/{c}/consent"),
        Page("desk", "candidate data", f"/desk/candidates/{c}/data"),
        Page("desk", "candidate data (errors)", f"/desk/candidates/{c}/data", then=submit_empty),
        Page("desk", "privacy overview", "/desk/privacy", wide=True),
        Page("desk", "erase candidate", f"/desk/candidates/{c}/erase"),
        Page("desk", "people", "/desk/people/"),
        Page("desk", "person", f"/desk/people/{ids['mentor']}"),
        Page("desk", "invite", "/desk/people/new"),
        Page("desk", "account log", "/desk/people/events"),
        Page("desk", "notifications", "/notifications"),
        Page("desk", "settings", "/settings"),
        Page("desk", "two-factor setup", "/settings/two-factor"),
        Page("company", "home", "/company/", wide=True),
        Page("company", "placement", f"/company/placements/{ids['company_placement']}", wide=True),
        Page("company", "propose project", "/company/projects/new"),
        Page("company", "propose project (errors)", "/company/projects/new", then=submit_empty),
        Page("company", "contact details", "/company/details"),
    ]


LOGINS = {"candidate": DEMO_CANDIDATE_EMAIL, "mentor": MENTOR_EMAIL, "desk": DESK_EMAIL}


def log_in(page, base: str, role: str, ids: dict | None = None) -> None:
    if role == "anonymous":
        page.goto(f"{base}/login")
        return
    if role == "company":  # no password: the emailed link's button
        assert ids is not None
        page.goto(f"{base}/company/sign-in/{ids['company_login']}")
        with page.expect_navigation():
            page.locator("main form button[type=submit]").click()
        assert page.url == f"{base}/company/", "the company contact could not sign in"
        return
    page.goto(f"{base}/login")
    page.locator("input[name=email]").fill(LOGINS[role])
    page.locator("input[name=password]").fill(DEMO_PASSWORD)
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    assert "/login" not in page.url, f"{role} could not log in"


def switch_language(page, lang: str) -> None:
    # The switch may sit in a collapsed menu on a phone: submit it as its button would.
    with page.expect_navigation():
        page.locator(f"button[name=locale][value={lang}]").evaluate("button => button.click()")
    assert page.locator("html").get_attribute("lang") == lang


def overflow(page) -> int:
    """How many pixels the page is wider than the window (0: it reflows)."""
    return page.evaluate("Math.max(0, document.documentElement.scrollWidth - window.innerWidth)")


def row_name(item: Page) -> str:
    return f"{item.role} {item.name}"


def on_a_phone(page, url: str, item: Page, axe, where: str, problems: list) -> tuple[int, int]:
    """Open the page at PHONE px: (overflow px, axe violation nodes); problems noted."""
    page.set_viewport_size({"width": PHONE, "height": 800})
    response = page.goto(url)
    assert response is not None
    if item.then is not None:
        item.then(page)
    elif response.status != item.status:
        problems.append(f"{where}: HTTP {response.status}, not {item.status}")
    extra = overflow(page)
    if extra:
        problems.append(f"{where}: {extra} px too wide at {PHONE} px")
    options = {"runOnly": {"type": "tag", "values": AXE_TAGS}, "resultTypes": ["violations"]}
    nodes = 0
    for violation in axe.run(page, options=options).response["violations"]:
        for node in violation["nodes"]:
            nodes += 1
            summary = node.get("failureSummary", "").splitlines()[-1:]
            problems.append(
                f"{where}: axe {violation['id']} ({violation['impact']}) at {node['target']}: "
                f"{summary}"
            )
    return extra, nodes


def other_widths(page, shot) -> list[tuple[int, int]]:
    """The open page resized to each of OTHER_WIDTHS (it reflows without a reload), ending at
    the widest: [(width, overflow px)]; with `shot`, a screenshot at each width."""
    found = []
    if shot:
        page.screenshot(path=f"{shot}-{PHONE}.png")
    for width in OTHER_WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        found.append((width, overflow(page)))
        if shot:
            page.screenshot(path=f"{shot}-{width}.png")
    return found


def nav_wraps_or_scrolls(page) -> bool:
    """The header's navigation is not one row that fits (it wrapped, or it needs scrolling)."""
    return page.evaluate(
        """() => {
          const nav = document.querySelector('nav.main-nav');
          if (!nav) return false;
          const tops = new Set([...nav.querySelectorAll('a')].map(a => a.offsetTop));
          return tops.size > 1 || nav.scrollWidth > nav.clientWidth;
        }"""
    )


def test_every_page_reflows_on_a_phone_and_axe_finds_nothing(browser, world, results_dir):
    from axe_playwright_python.sync_playwright import Axe

    base, ids = world
    axe = Axe()
    by_role: dict[str, list[Page]] = defaultdict(list)
    for item in pages(ids):
        by_role[item.role].append(item)

    problems: list[str] = []
    # (page row, language) → "overflow px / violation nodes"
    table: dict[tuple[str, str], tuple[int, int]] = {}
    wide: dict[tuple[str, int], int] = defaultdict(int)  # (page row, width) → worst overflow px

    for role, role_pages in by_role.items():
        context = browser.new_context(viewport={"width": PHONE, "height": 800})
        context.set_default_timeout(TIMEOUT)
        try:
            page = context.new_page()
            log_in(page, base, role, ids)
            for lang in LANGUAGES:
                switch_language(page, lang)
                for item in role_pages:
                    row = row_name(item)
                    where = f"{row} [{lang}] {item.path}"
                    table[row, lang] = on_a_phone(
                        page, base + item.path, item, axe, where, problems
                    )
                    if item.wide:
                        shot = results_dir / f"every-page-{row.replace(' ', '-')}"
                        for width, extra in other_widths(page, shot if lang == "nl" else None):
                            wide[row, width] = max(wide[row, width], extra)
                            if extra:
                                problems.append(f"{where}: {extra} px too wide at {width}")
                        if nav_wraps_or_scrolls(page):
                            problems.append(f"{where}: the main nav does not fit at 1280 px")
        finally:
            context.close()

    for role, path, name in (
        ("desk", f"/desk/candidates/{ids['placing']}", "desk-candidate"),
        ("mentor", f"/mentor/mentees/{ids['mentee']}", "mentor-mentee"),
    ):
        problems += check_print(browser, base, role, path, results_dir / f"print-{name}")

    summary = summary_table(table, wide)
    (results_dir / "every_page.md").write_text(summary + "\n" + "\n".join(problems) + "\n")
    print("\n" + summary)
    assert not problems, f"{len(problems)} problems:\n" + "\n".join(problems)


# What must not be on paper: the header (navigation, language, account), forms and buttons.
HIDDEN_IN_PRINT = "header, nav, form, button, footer, .skip-link"


def check_print(browser, base: str, role: str, path: str, stem) -> list[str]:
    """The candidate's file as printed on A4 (in nl): only the file, nothing cut off sideways.
    Writes a PDF and a screenshot of the print layout for humans."""
    context = browser.new_context(viewport={"width": 794, "height": 1123})  # A4 at 96 dpi
    context.set_default_timeout(TIMEOUT)
    try:
        page = context.new_page()
        log_in(page, base, role)
        switch_language(page, "nl")
        page.goto(base + path)
        page.emulate_media(media="print")
        found = []
        shown = page.evaluate(
            """selector => [...document.querySelectorAll(selector)]
                 .filter(e => e.getClientRects().length > 0).map(e => e.tagName.toLowerCase())""",
            HIDDEN_IN_PRINT,
        )
        if shown:
            found.append(f"print {path}: still printed: {sorted(set(shown))}")
        if overflow(page):
            found.append(f"print {path}: {overflow(page)} px wider than A4")
        background = page.evaluate("getComputedStyle(document.body).backgroundColor")
        if background not in ("rgb(255, 255, 255)", "rgba(0, 0, 0, 0)"):
            found.append(f"print {path}: background {background}, not white")
        page.pdf(path=f"{stem}.pdf", format="A4", print_background=False)
        page.screenshot(path=f"{stem}.png", full_page=True)
        return found
    finally:
        context.close()


def summary_table(table: dict, wide: dict) -> str:
    rows = list(dict.fromkeys(row for row, _lang in table))
    head = "| page | " + " | ".join(LANGUAGES) + " | " + " | ".join(f"{w} px" for w in OTHER_WIDTHS)
    lines = [
        f"At {PHONE} px: overflow in px / axe violation nodes ({', '.join(AXE_TAGS)}); "
        f"at the other widths the worst overflow over the languages (overflow only).",
        "",
        head + " |",
        "|---" * (1 + len(LANGUAGES) + len(OTHER_WIDTHS)) + "|",
    ]
    for row in rows:
        cells = [f"{table[row, lang][0]} / {table[row, lang][1]}" for lang in LANGUAGES]
        cells += [str(wide[row, w]) if (row, w) in wide else "–" for w in OTHER_WIDTHS]
        lines.append(f"| {row} | " + " | ".join(cells) + " |")
    overflowing = sum(1 for value in table.values() if value[0])
    violations = sum(value[1] for value in table.values())
    lines.append(
        f"\n{len(table)} page views at {PHONE} px: {overflowing} overflow, "
        f"{violations} axe violation nodes."
    )
    return "\n".join(lines)
