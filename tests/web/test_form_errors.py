"""Tampered and malformed values on every form a signed-in role can reach.

A value that is not among a select's choices (a stale page, a hand-made request) must give
HTTP 422 and the field's error in the reader's language, never a 500 and never WTForms'
English. Each case names the message it expects; the text is taken from the catalogs, so the
test knows nothing about the wording a translator chose.
"""

from __future__ import annotations

import html
import io
from dataclasses import dataclass, field
from datetime import date, timedelta
from itertools import permutations

import pytest
from babel.support import Translations
from sqlalchemy import select

from onboarding import ROOT
from onboarding.models import Base, Campaign, Placement, Project
from onboarding.services import documents, partners
from tests.factories import REGISTRATION_FORM, make_candidate, make_company, make_user

LOCALES = ["nl", "af"]
TODAY = date.today().isoformat()
TOMORROW = (date.today() + timedelta(days=1)).isoformat()
PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
CSV = (
    b"name,email,country_code,origin_institution,stem_field,graduation_date,outreach_channel\n"
    b"Hilma Amupolo,hilma@example.org,NA,UNAM,energy,2025-06-30,partner_referral\n"
)

NOT_A_CHOICE = "Not a valid choice."
NOT_CHOICES = (
    "'%(value)s' is not a valid choice for this field.",
    "'%(value)s' are not valid choices for this field.",
)
NOT_COERCED = "Invalid Choice: could not coerce."
NOT_A_DATETIME = "Not a valid datetime value."


@dataclass(frozen=True)
class Case:
    role: str  # who sends it: candidate, mentor or staff
    path: str  # with {placeholders} from the world
    body: dict  # a valid body, with one value tampered
    message: str | tuple[str, str]  # the msgid shown (a pair: singular and plural)
    params: dict = field(default_factory=dict)
    count: int = 1  # for a plural message: how many values were refused

    def _filled(self, text: str) -> list[str]:
        """`text` with its placeholders filled in; WTForms lists several refused values in
        no fixed order, so a list value gives every order."""
        if not self.params:
            return [text]
        values = self.params["value"]
        if isinstance(values, str):
            return [text % self.params]
        return [text % {"value": "', '".join(order)} for order in permutations(values)]

    def expected(self, catalog: Translations) -> list[str]:
        if isinstance(self.message, tuple):
            return self._filled(catalog.ngettext(*self.message, self.count))
        return self._filled(catalog.gettext(self.message))

    def english(self) -> list[str]:
        if isinstance(self.message, tuple):
            return self._filled(self.message[0 if self.count == 1 else 1])
        return self._filled(self.message)


PROFILE = {
    "name": "Johanna van Wyk",
    "origin_institution": "University of Namibia",
    "stem_field": "engineering",
    "graduation_date": "2025-06-30",
    "locale": "{locale}",
}
REGISTRATION = REGISTRATION_FORM
COMPANY = {"name": "Genk Robotics", "sector": "Robotics", "municipality": "Genk"}
PROJECT = {"kind": "internship", "title": "Cobot safety study", "seats": "2",
           "stem_fields": "engineering", "skills": "python", "is_open": "y"}  # fmt: skip
PLACEMENT = {"company_id": "{company}", "project_id": "{project}", "project_title": ""}
ASSESSMENT = {"level": "B1", "assessed_on": TODAY}
CAMPAIGN = {"name": "Namibia 2027", "kind": "knowledge_tourism", "target_countries": "NA",
            "partner_ids": "{accepted_partner}"}  # fmt: skip
APPLICATION = {"name": "Windhoek Tech Hub", "kind": "lead", "contact_name": "Ndapewa Shikongo",
               "email": "ndapewa@hub.example.org"}  # fmt: skip


def tampered(body: dict, **changes) -> dict:
    return {**body, **changes}


CASES = {
    # the candidate: profile, documents, the public partner call
    "profile-stem_field": Case("candidate", "/me/profile",
                               tampered(PROFILE, stem_field="alchemy"), NOT_A_CHOICE),
    "profile-other_fields": Case("candidate", "/me/profile",
                                 tampered(PROFILE, other_fields="nonsense"), NOT_CHOICES,
                                 {"value": "nonsense"}),
    "profile-other_fields-two": Case("candidate", "/me/profile",
                                     tampered(PROFILE, other_fields=["physics", "x", "y"]),
                                     NOT_CHOICES, {"value": ["x", "y"]}, count=2),
    "profile-preferred_municipalities": Case(
        "candidate", "/me/profile", tampered(PROFILE, preferred_municipalities="Atlantis"),
        NOT_CHOICES, {"value": "Atlantis"}),
    "profile-degree_level": Case("candidate", "/me/profile",
                                 tampered(PROFILE, degree_level="wizard"), NOT_A_CHOICE),
    "profile-dutch_level": Case("candidate", "/me/profile",
                                tampered(PROFILE, dutch_level="D9"), NOT_A_CHOICE),
    "profile-english_level": Case("candidate", "/me/profile",
                                  tampered(PROFILE, english_level="Z1"), NOT_A_CHOICE),
    "profile-locale": Case("candidate", "/me/profile", tampered(PROFILE, locale="xx"),
                           NOT_A_CHOICE),
    "upload-kind": Case("candidate", "/me/documents",
                        {"kind": "selfie", "file": "{pdf}"}, NOT_A_CHOICE),
    "apply-kind": Case("candidate", "/partners/apply", tampered(APPLICATION, kind="sponsor"),
                       NOT_A_CHOICE),
    "apply-country": Case("candidate", "/partners/apply", tampered(APPLICATION, country="QQ"),
                          "Choose a country from the list."),
    # the desk: registration
    "register-country": Case("staff", "/desk/candidates/new",
                             tampered(REGISTRATION, country="QQ"),
                             "Choose a country from the list."),
    "register-stem_field": Case("staff", "/desk/candidates/new",
                                tampered(REGISTRATION, stem_field="alchemy"), NOT_A_CHOICE),
    "register-outreach_channel": Case("staff", "/desk/candidates/new",
                                      tampered(REGISTRATION, outreach_channel="pigeon"),
                                      NOT_A_CHOICE),
    "register-locale": Case("staff", "/desk/candidates/new",
                            tampered(REGISTRATION, locale="xx"), NOT_A_CHOICE),
    "register-campaign_id-text": Case("staff", "/desk/candidates/new",
                                      tampered(REGISTRATION, campaign_id="abc"), NOT_COERCED),
    "register-campaign_id-unknown": Case("staff", "/desk/candidates/new",
                                         tampered(REGISTRATION, campaign_id="99999"),
                                         NOT_A_CHOICE),
    "register-partner_id-text": Case("staff", "/desk/candidates/new",
                                     tampered(REGISTRATION, partner_id="abc"), NOT_COERCED),
    "register-partner_id-not-accepted": Case("staff", "/desk/candidates/new",
                                             tampered(REGISTRATION, partner_id="{partner}"),
                                             NOT_A_CHOICE),
    # the desk: the candidate page's side forms
    "mentor-text": Case("staff", "/desk/candidates/{mentee}/mentor",
                        {"mentor_id": "abc", "version": "{version}"}, NOT_COERCED),
    "mentor-unknown": Case("staff", "/desk/candidates/{mentee}/mentor",
                           {"mentor_id": "99999", "version": "{version}"},
                           "Choose one of the listed mentors."),
    "desk-assessment-level": Case("staff", "/desk/candidates/{mentee}/assessments",
                                  tampered(ASSESSMENT, level="D1"), NOT_A_CHOICE),
    "placement-company-text": Case("staff", "/desk/candidates/{mentee}/placements",
                                   tampered(PLACEMENT, company_id="abc"), NOT_COERCED),
    "placement-company-unknown": Case("staff", "/desk/candidates/{mentee}/placements",
                                      tampered(PLACEMENT, company_id="99999"),
                                      "Choose one of the listed companies."),
    "placement-project-text": Case("staff", "/desk/candidates/{mentee}/placements",
                                   tampered(PLACEMENT, project_id="abc"), NOT_COERCED),
    "placement-project-other-company": Case(
        "staff", "/desk/candidates/{mentee}/placements",
        tampered(PLACEMENT, project_id="{other_project}"),
        "Choose one of the company's open projects."),
    "placement-interview": Case("staff", "/desk/candidates/{mentee}/placements",
                                tampered(PLACEMENT, interview_at="tomorrow at ten"),
                                NOT_A_DATETIME),
    "placement-step-interview": Case("staff", "/desk/placements/{placement}/transition",
                                     {"trigger": "schedule_interview",
                                      "interview_at": "next week"}, NOT_A_DATETIME),
    # the desk: companies and projects
    "company-municipality": Case("staff", "/desk/companies/new",
                                 tampered(COMPANY, municipality="Atlantis"), NOT_A_CHOICE),
    "company-size": Case("staff", "/desk/companies/{company}",
                         tampered(COMPANY, size="enormous"), NOT_A_CHOICE),
    "project-kind": Case("staff", "/desk/projects/{project}",
                         tampered(PROJECT, kind="spaceship"), NOT_A_CHOICE),
    "project-stem_fields": Case("staff", "/desk/projects/{project}",
                                tampered(PROJECT, stem_fields=["engineering", "nonsense"]),
                                NOT_CHOICES, {"value": "nonsense"}),
    "project-min_dutch_level": Case("staff", "/desk/projects/{project}",
                                    tampered(PROJECT, min_dutch_level="D1"), NOT_A_CHOICE),
    "new-project-stem_fields": Case("staff", "/desk/companies/{company}/projects",
                                    tampered(PROJECT, stem_fields="nonsense"), NOT_CHOICES,
                                    {"value": "nonsense"}),
    "new-project-kind": Case("staff", "/desk/companies/{company}/projects",
                             tampered(PROJECT, kind="spaceship"), NOT_A_CHOICE),
    # the desk: documents, partners, campaigns, import
    "review-decision": Case("staff", "/desk/documents/{document}/review",
                            {"decision": "shredded"}, NOT_A_CHOICE),
    "partner-decision": Case("staff", "/desk/partners/{partner}/decision",
                             {"decision": "maybe"}, NOT_A_CHOICE),
    "campaign-kind": Case("staff", "/desk/campaigns/new", tampered(CAMPAIGN, kind="spam"),
                          NOT_A_CHOICE),
    "campaign-target_countries": Case("staff", "/desk/campaigns/new",
                                      tampered(CAMPAIGN, target_countries=["NA", "QQ"]),
                                      "Choose countries from the list."),
    "campaign-partner_ids": Case("staff", "/desk/campaigns/{campaign}",
                                 tampered(CAMPAIGN, partner_ids="{partner}"),
                                 "Choose partners from the list."),
    "import-partner_id": Case("staff", "/desk/import", {"file": "{csv}", "partner_id": "abc"},
                              NOT_A_CHOICE),
    "import-campaign_id": Case("staff", "/desk/import",
                               {"file": "{csv}", "partner_id": "{accepted_partner}",
                                "campaign_id": "99999"}, NOT_A_CHOICE),
    # the mentor: the mentee page's side forms
    "mentor-assessment-level": Case("mentor", "/mentor/mentees/{mentee}/assessments",
                                    tampered(ASSESSMENT, level="Z9"), NOT_A_CHOICE),
}  # fmt: skip


def catalog(locale: str) -> Translations:
    return Translations.load(str(ROOT / "translations"), [locale])


def database(data) -> dict[str, list]:
    """Every row of every table: a refused request changes none of them."""
    with data() as session:
        return {
            table.name: sorted((tuple(row) for row in session.execute(select(table))), key=repr)
            for table in Base.metadata.sorted_tables
        }


def shown(response) -> str:
    """The page as a reader sees it: tags and entities decoded, whitespace collapsed."""
    return " ".join(html.unescape(response.get_data(as_text=True)).split())


def make_world(data, locale: str) -> dict:
    """Everyone speaks `locale`: staff, a mentor and their mentee (in mentoring, with a
    pending passport), a company with an open project, another company's project, a proposed
    placement, a partner still applying, an accepted partner and a campaign."""
    with data() as session:
        staff = make_user("staff", locale=locale)
        mentor = make_user("mentor", locale=locale)
        mentee = make_candidate(phase="mentoring", mentor=mentor, locale=locale)
        company, other = make_company(), make_company()
        project = Project(company=company, kind="innovation_project", title="Heat pumps",
                          stem_fields=["engineering"], skills=["python"], seats=2)  # fmt: skip
        other_project = Project(company=other, kind="internship", title="Glass recipes",
                                stem_fields=["chemistry"], skills=[], seats=1)  # fmt: skip
        session.add_all([project, other_project])
        session.commit()
        placement = Placement(candidate_id=mentee.id, company_id=company.id,
                              project_title="Heat pumps", status="proposed")  # fmt: skip
        session.add(placement)
        session.commit()
        document = documents.upload(mentee.user, "passport", PDF, "passport.pdf")
        applied = partners.apply(
            partners.Application(name="Alumni Network", kind="lead",
                                 contact_name="Pieter de Villiers",
                                 contact_email="pieter@alumni.example.org")
        )  # fmt: skip
        accepted = partners.apply(
            partners.Application(name="University of Namibia", kind="contributing",
                                 contact_name="Hilma Amupolo",
                                 contact_email="hilma@unam.example.org")
        )  # fmt: skip
        partners.decide(staff, accepted.id, "accept")
        campaign = Campaign(name="Knowledge tourism 2026", kind="knowledge_tourism",
                            target_countries=["NA"], partners=[accepted])  # fmt: skip
        session.add(campaign)
        session.commit()
        return {
            "emails": {
                "staff": staff.email,
                "mentor": mentor.email,
                "candidate": mentee.user.email,
            },
            "locale": locale,
            "mentee": mentee.id,
            "version": mentee.version_id,
            "company": company.id,
            "project": project.id,
            "other_project": other_project.id,
            "placement": placement.id,
            "document": document.id,
            "partner": applied.id,
            "accepted_partner": accepted.id,
            "campaign": campaign.id,
        }


def filled(value, world: dict):
    if isinstance(value, list):
        return [filled(item, world) for item in value]
    if value == "{pdf}":
        return (io.BytesIO(PDF), "passport.pdf")
    if value == "{csv}":
        return (io.BytesIO(CSV), "prospects.csv")
    return value.format(**world)


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("case", [pytest.param(c, id=i) for i, c in CASES.items()])
def test_tampered_choice_is_refused_in_the_readers_language(client, data, login, case, locale):
    world = make_world(data, locale)
    login(client, world["emails"][case.role])
    body = {key: filled(value, world) for key, value in case.body.items()}
    before = database(data)
    response = client.post(case.path.format(**world), data=body)
    page = shown(response)
    assert response.status_code == 422, page[:2000]
    assert database(data) == before
    assert f'<html lang="{locale}">' in page
    expected, english = case.expected(catalog(locale)), case.english()
    assert expected != english, f"the {locale} catalog has no translation"
    assert any(text in page for text in expected)
    assert not any(text in page for text in english)


@pytest.mark.parametrize("locale", LOCALES)
def test_wtforms_messages_are_translated(locale):
    """Every WTForms message a user can reach has a translation of its own."""
    texts = catalog(locale)
    for msgid in (NOT_A_CHOICE, NOT_COERCED, NOT_A_DATETIME, "Not a valid date value.",
                  "Not a valid integer value.", "This field is required."):  # fmt: skip
        assert texts.gettext(msgid) != msgid, msgid
    for count in (1, 2):
        assert texts.ngettext(*NOT_CHOICES, count) not in NOT_CHOICES


def test_a_refused_new_project_stays_on_the_company_page(client, data, login):
    world = make_world(data, "nl")
    login(client, world["emails"]["staff"])
    body = tampered(PROJECT, title="Cobot-veiligheid in Genk", stem_fields="nonsense")
    response = client.post(f"/desk/companies/{world['company']}/projects", data=body)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "error-page" not in page
    assert 'value="Cobot-veiligheid in Genk"' in page
    assert catalog("nl").gettext("Please correct the marked fields.") in html.unescape(page)


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/notifications/read", {"version": "seven"}),
        ("/desk/projects/{project}/propose", {"candidate_id": "Anke"}),
    ],
)
def test_a_hidden_fields_error_is_reported_without_its_english_name(
    client, data, login, path, body
):
    world = make_world(data, "af")
    login(client, world["emails"]["staff"])
    response = client.post(path.format(**world), data=body)
    page = shown(response)
    assert response.status_code == 422
    assert catalog("af").gettext("Not a valid integer value.") in page
    assert "Version" not in page and "Candidate Id" not in page
