"""Demo data: one welcome-desk user, three mentors, five Limburg companies and 30 candidates
spread over every phase. Histories are made through the real services, so the audit trail,
guards and versions are exactly what the app would produce."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import func, select

from onboarding.extensions import db
from onboarding.models import (
    AuditEvent,
    Candidate,
    CandidateMunicipality,
    CandidateSkill,
    Company,
    Project,
    User,
)
from onboarding.services import auth, candidates, placements, reminders, workflow

DEMO_PASSWORD = "onthaal-demo-2026"

COMPANIES = [
    ("Kempen Energie Labs", "Genk", "Energy and storage"),
    ("Hasselt Data Works", "Hasselt", "Software and data"),
    ("Haspengouw AgriTech", "Sint-Truiden", "Agriculture technology"),
    ("Lommel Advanced Materials", "Lommel", "Materials and glass"),
    ("Tongeren Bio Solutions", "Tongeren-Borgloon", "Life sciences"),
]

# title, STEM fields, skills, minimum Dutch level, seats (one per company)
PROJECTS = [
    ("Second-life batteries for solar parks", ["energy", "engineering"],
     ["battery chemistry", "python", "data analysis"], "B1", 3),
    ("Predictive maintenance platform", ["computer_science", "data_science"],
     ["python", "machine learning", "sql"], "A2", 3),
    ("Drone-based orchard monitoring", ["engineering", "environmental_science"],
     ["computer vision", "python", "field work"], "B1", 3),
    ("Low-carbon glass recipes", ["materials_science", "chemistry"],
     ["materials testing", "lab work"], "B2", 2),
    ("Rapid diagnostics for animal health", ["life_sciences", "chemistry"],
     ["lab work", "statistics"], "B1", 2),
]  # fmt: skip

SKILLS_BY_FIELD = {
    "engineering": ["cad", "python", "project management"],
    "computer_science": ["python", "sql", "machine learning"],
    "data_science": ["python", "statistics", "data analysis"],
    "mathematics": ["statistics", "python"],
    "physics": ["data analysis", "python", "lab work"],
    "chemistry": ["lab work", "battery chemistry"],
    "life_sciences": ["lab work", "statistics"],
    "environmental_science": ["field work", "data analysis"],
    "energy": ["battery chemistry", "data analysis"],
    "materials_science": ["materials testing", "lab work"],
}

MENTORS = [
    ("mentor.an@onthaal.example", "An Claes", "nl"),
    ("mentor.pieter@onthaal.example", "Pieter Janssens", "nl"),
    ("mentor.thandi@onthaal.example", "Thandi Nkosi", "af"),
]

# name, country, institution, field, channel, locale, target phase
# A table reads best one row a line.
CANDIDATES = [
    ("Johanna van Wyk", "NA", "University of Namibia", "engineering", "partner_referral", "af", "outreach"),  # noqa: E501
    ("Tangeni Shikongo", "NA", "Namibia University of Science and Technology", "computer_science", "inspiration_mission", "en", "outreach"),  # noqa: E501
    ("Lerato Mokoena", "ZA", "University of Pretoria", "chemistry", "knowledge_tourism", "en", "outreach"),  # noqa: E501
    ("Jan-Hendrik Botha", "ZA", "Stellenbosch University", "physics", "internship_formula", "af", "outreach"),  # noqa: E501
    ("Sophie de Vries", "NL", "TU Eindhoven", "materials_science", "direct_application", "nl", "outreach"),  # noqa: E501
    ("Lukas Becker", "DE", "RWTH Aachen", "energy", "knowledge_tourism", "en", "outreach"),
    ("Anke Pretorius", "ZA", "University of Cape Town", "life_sciences", "internship_formula", "af", "language_immersion"),  # noqa: E501
    ("Kgosi Sebina", "BW", "University of Botswana", "data_science", "partner_referral", "en", "language_immersion"),  # noqa: E501
    ("Mutale Banda", "ZM", "University of Zambia", "environmental_science", "inspiration_mission", "en", "language_immersion"),  # noqa: E501
    ("Tendai Moyo", "ZW", "University of Zimbabwe", "mathematics", "internship_formula", "en", "language_immersion"),  # noqa: E501
    ("Ndapewa Nghipandulwa", "NA", "University of Namibia", "computer_science", "partner_referral", "en", "language_immersion"),  # noqa: E501
    ("Ruan Steyn", "ZA", "North-West University", "engineering", "knowledge_tourism", "af", "language_immersion"),  # noqa: E501
    ("Marike du Plessis", "ZA", "University of the Free State", "chemistry", "partner_referral", "af", "language_immersion"),  # noqa: E501
    ("Onalenna Kgosidintsi", "BW", "Botswana International University of Science and Technology", "energy", "inspiration_mission", "en", "mentoring"),  # noqa: E501
    ("Chanda Mwansa", "ZM", "Copperbelt University", "engineering", "partner_referral", "en", "mentoring"),  # noqa: E501
    ("Rudo Chikwanha", "ZW", "National University of Science and Technology", "data_science", "internship_formula", "en", "mentoring"),  # noqa: E501
    ("Pieter Smit", "NA", "Namibia University of Science and Technology", "physics", "knowledge_tourism", "af", "mentoring"),  # noqa: E501
    ("Lotte Hermans", "NL", "Maastricht University", "life_sciences", "direct_application", "nl", "mentoring"),  # noqa: E501
    ("Jonas Weber", "DE", "Universität Duisburg-Essen", "computer_science", "inspiration_mission", "en", "mentoring"),  # noqa: E501
    ("Elize Venter", "ZA", "University of Johannesburg", "mathematics", "internship_formula", "af", "mentoring"),  # noqa: E501
    ("Thabo Nkosi", "ZA", "University of the Witwatersrand", "engineering", "partner_referral", "en", "company_placement"),  # noqa: E501
    ("Femke Jansen", "NL", "Radboud University", "chemistry", "direct_application", "nl", "company_placement"),  # noqa: E501
    ("Naledi Dube", "ZW", "University of Zimbabwe", "environmental_science", "knowledge_tourism", "en", "company_placement"),  # noqa: E501
    ("Willem Kruger", "NA", "University of Namibia", "energy", "internship_formula", "af", "company_placement"),  # noqa: E501
    ("Hannah Schulz", "DE", "TU Dortmund", "materials_science", "inspiration_mission", "en", "company_placement"),  # noqa: E501
    ("Boitumelo Tau", "BW", "University of Botswana", "computer_science", "partner_referral", "en", "placed"),  # noqa: E501
    ("Daan Peeters", "NL", "Wageningen University", "life_sciences", "direct_application", "nl", "placed"),  # noqa: E501
    ("Karin Louw", "ZA", "Stellenbosch University", "data_science", "internship_formula", "af", "placed"),  # noqa: E501
    ("Mwila Phiri", "ZM", "University of Zambia", "physics", "inspiration_mission", "en", "on_hold"),  # noqa: E501
    ("Farai Mutasa", "ZW", "Chinhoyi University of Technology", "engineering", "knowledge_tourism", "en", "withdrawn"),  # noqa: E501
]  # fmt: skip

DEMO_CANDIDATE_EMAIL = "candidate@onthaal.example"


def _user(email: str, name: str, role: str, locale: str) -> User:
    user = User(
        email=email,
        name=name,
        role=role,
        locale=locale,
        password_hash=auth.hash_password(DEMO_PASSWORD),
    )
    db.session.add(user)
    return user


def load_demo() -> bool:
    if db.session.scalar(select(func.count(User.id))):
        return False
    desk = _user("desk@onthaal.example", "Lotte Vanhoof", "staff", "nl")
    mentors = [_user(email, name, "mentor", locale) for email, name, locale in MENTORS]
    companies = [
        Company(name=n, municipality=m, sector=s, size=("small", "medium", "large")[i % 3],
                contact_person="Contact " + n.split()[0], contact_email=f"hr{i}@company.example")
        for i, (n, m, s) in enumerate(COMPANIES)
    ]  # fmt: skip
    db.session.add_all(companies)
    today = date.today()
    projects = [
        Project(company=company, title=title, stem_fields=fields, skills=skills,
                min_dutch_level=level, seats=seats, start_date=today + timedelta(days=45),
                description="")
        for company, (title, fields, skills, level, seats) in zip(companies, PROJECTS, strict=True)
    ]  # fmt: skip
    db.session.add_all(projects)
    db.session.flush()

    for index, (name, country, institution, field, channel, locale, target) in enumerate(
        CANDIDATES
    ):
        email = (
            DEMO_CANDIDATE_EMAIL
            if index == 6
            else name.lower().replace(" ", ".").replace("-", "") + "@example.org"
        )
        candidate, _token = candidates.register(
            desk,
            candidates.Registration(
                name=name,
                email=email,
                country_code=country,
                origin_institution=institution,
                stem_field=field,
                graduation_date=date(2025 + index % 2, 6 + index % 6, 15),
                outreach_channel=channel,
                locale=locale,
                consent_recorded=not (target == "outreach" and index % 3 == 0),
            ),
        )
        candidate.skills = [CandidateSkill(skill=s) for s in SKILLS_BY_FIELD[field]]
        candidate.preferred_municipalities = [
            CandidateMunicipality(municipality=COMPANIES[index % 5][1])
        ]
        candidate.available_from = today + timedelta(days=index)
        candidate.degree_level = ("bachelor", "master", "phd")[index % 3]
        db.session.flush()
        if index % 6 != 1:  # a few invitations stay pending, as in real life
            candidate.user.password_hash = auth.hash_password(DEMO_PASSWORD)
            db.session.flush()
        _advance(desk, candidate, target, mentors[index % 3], projects[index % 5], today, index)
        _spread_history(candidate, index)
    reminders.reschedule_all()
    return True


def _spread_history(candidate: Candidate, index: int) -> None:
    """Move the history made just now back in time, a step every week or two, so the
    reports, the stuck list and the reminders have something realistic to show."""
    events = db.session.scalars(
        select(AuditEvent).where(AuditEvent.candidate_id == candidate.id).order_by(AuditEvent.id)
    ).all()
    now = datetime.now(UTC)
    step = timedelta(days=6 + index % 9)
    start = now - step * len(events) - timedelta(days=index % 5)
    for number, event in enumerate(events):
        event.at = start + step * number
        if event.from_phase != event.to_phase:
            candidate.phase_entered_at = event.at
    if events:
        candidate.created_at = candidate.user.created_at = events[0].at
        if all(e.from_phase == e.to_phase for e in events):
            candidate.phase_entered_at = events[0].at
    db.session.flush()


def _fire(actor: User, candidate: Candidate, trigger: str, **kwargs) -> None:
    workflow.fire(actor, candidate.id, trigger, expected_version=None, **kwargs)


def _advance(desk, candidate, target, mentor, project, today, index) -> None:
    if target == "outreach":
        return
    if target == "withdrawn":
        _fire(desk, candidate, "withdraw", reason="Accepted a PhD position elsewhere.")
        return
    _fire(desk, candidate, "start_immersion", start_date=today - timedelta(days=20 + 9 * index))
    if target == "language_immersion":
        if index % 2:
            candidates.record_assessment(desk, candidate.id, "A2", today - timedelta(days=5))
        return
    candidates.record_assessment(desk, candidate.id, "B1" if index % 3 else "B2", today)
    candidates.assign_mentor(desk, candidate.id, mentor.id, None)
    _fire(desk, candidate, "complete_immersion")
    if target == "on_hold":
        _fire(desk, candidate, "pause", reason="Family matters at home; back in spring.")
        return
    candidates.log_meeting(mentor, candidate.id, today - timedelta(days=3), "Kick-off meeting.")
    if target == "mentoring":
        return
    candidates.sign_off(mentor, candidate.id, None)
    _fire(mentor, candidate, "propose_placement")
    placement = candidates.record_placement(
        desk,
        candidate.id,
        company_id=project.company_id,
        project_id=project.id,
        project_title=project.title,
        interview_at=datetime.now(UTC) + timedelta(days=2 + index % 5),
    )
    if target == "placed" or index % 2 == 0:
        placements.fire(desk, placement.id, "make_offer")
        placements.fire(desk, placement.id, "accept", start_date=today + timedelta(days=30))
    if target == "placed":
        _fire(desk, candidate, "confirm_placement")
