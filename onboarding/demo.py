"""Demo data: one welcome-desk user, three mentors, five Limburg companies and 30 candidates
spread over every phase.

Every candidate's story is told through the real services, each step at its own moment in
the past (the services' optional `now`), and nothing is edited afterwards. So the history,
the summary fields (consent, immersion dates, phase entry), the assessments, placements,
reports and reminders agree with each other, as if the programme had been running for
months: an immersion lasts the programme's three months, a test is dated the day it is
recorded, an interview comes before the offer and the offer before the acceptance, a
placement starts after it was accepted. Office work happens on weekdays.

`_plot` writes a story as dated steps (pure date arithmetic); `load_demo` places each story
so that the candidate has been in their current phase for the number of days given in
CANDIDATES, then tells it. Texts that show on Dutch and Afrikaans pages (sectors, projects,
notes, reasons) are written in Dutch, as a Flemish programme writes them.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import NamedTuple

from sqlalchemy import func, select

from onboarding.extensions import db
from onboarding.models import (
    Candidate,
    Company,
    MunicipalityHelp,
    Placement,
    Project,
    RelocationStep,
    User,
    utcnow,
)
from onboarding.services import (
    auth,
    candidates,
    notifications,
    placements,
    relocation,
    reminders,
    workflow,
)
from onboarding.services import consent as consent_service
from workflows.dates import add_months, local_date
from workflows.onboarding import (
    COMPANY_PLACEMENT,
    IMMERSION_MONTHS,
    LANGUAGE_IMMERSION,
    MENTORING,
    ON_HOLD,
    OUTREACH,
    PLACED,
    WITHDRAWN,
)
from workflows.relocation import NON_EU, origin_of
from workflows.reminders import PROGRAMME_TZ

DEMO_PASSWORD = "onthaal-demo-2026"
DEMO_CANDIDATE_EMAIL = "candidate@onthaal.example"
DEMO_CANDIDATE_INDEX = 6  # Anke Pretorius: in the third month of her immersion
# The contact of the first company in the company portal: signs in with an emailed link.
DEMO_COMPANY_CONTACT_EMAIL = "els@kempense-energielabs.example"

# name, municipality, sector, contact person
COMPANIES = [
    ("Kempense Energielabs", "Genk", "Energie en opslag", "Els Vandeput"),
    ("Datawerf Hasselt", "Hasselt", "Software en data", "Koen Jacobs"),
    ("Haspengouwse Fruittechniek", "Sint-Truiden", "Landbouwtechnologie", "Sofie Moors"),
    ("Glastechniek Lommel", "Lommel", "Materialen en glas", "Bart Vanheusden"),
    ("Biodiagnostiek Tongeren", "Tongeren-Borgloon", "Levenswetenschappen", "Griet Hendrickx"),
]

# title, kind, STEM fields, skills, minimum Dutch level, seats, description (one per company)
PROJECTS = [
    ("Batterijen met een tweede leven voor zonneparken", "innovation_project",
     ["energy", "engineering"], ["batterijchemie", "python", "data-analyse"], "B1", 3,
     "Afgedankte batterijen van elektrische wagens krijgen een tweede leven als opslag bij "
     "zonneparken in de Kempen."),
    ("Platform voor voorspellend onderhoud", "vacancy",
     ["computer_science", "data_science"], ["python", "machine learning", "sql"], "A2", 3,
     "Sensordata van productielijnen voorspellen wanneer een machine onderhoud nodig heeft."),
    ("Boomgaarden opvolgen met drones", "internship",
     ["engineering", "environmental_science"], ["beeldherkenning", "python", "veldwerk"], "B1", 3,
     "Drones brengen de gezondheid van de fruitbomen in Haspengouw in kaart, van de bloei tot "
     "de pluk."),
    ("Glasrecepten met minder CO₂", "innovation_project",
     ["materials_science", "chemistry"], ["materiaaltesten", "labowerk"], "B2", 2,
     "Nieuwe samenstellingen van glas op basis van Kempisch zilverzand, die bij een lagere "
     "temperatuur smelten."),
    ("Snelle diagnostiek voor diergezondheid", "internship",
     ["life_sciences", "chemistry"], ["labowerk", "statistiek"], "B1", 2,
     "Sneltesten die dierenartsen op het erf gebruiken, ontwikkeld en gevalideerd in het labo."),
]  # fmt: skip

SKILLS_BY_FIELD = {
    "engineering": ["cad", "python", "projectbeheer"],
    "computer_science": ["python", "sql", "machine learning"],
    "data_science": ["python", "statistiek", "data-analyse"],
    "mathematics": ["statistiek", "python"],
    "physics": ["data-analyse", "python", "labowerk"],
    "chemistry": ["labowerk", "batterijchemie"],
    "life_sciences": ["labowerk", "statistiek"],
    "environmental_science": ["veldwerk", "data-analyse"],
    "energy": ["batterijchemie", "data-analyse"],
    "materials_science": ["materiaaltesten", "labowerk"],
}

MENTORS = [
    ("mentor.an@onthaal.example", "An Claes", "nl"),
    ("mentor.pieter@onthaal.example", "Pieter Janssens", "nl"),
    ("mentor.thandi@onthaal.example", "Thandi Nkosi", "af"),
]


class Person(NamedTuple):
    name: str
    country: str
    institution: str
    field: str
    channel: str
    locale: str
    target: str  # the phase the candidate is in today
    since: int  # for that many days (at least 1)


# A table reads best one row a line.
CANDIDATES = [Person(*row) for row in [
    ("Johanna van Wyk", "NA", "University of Namibia", "engineering", "partner_referral", "af", OUTREACH, 3),  # noqa: E501
    ("Tangeni Shikongo", "NA", "Namibia University of Science and Technology", "computer_science", "inspiration_mission", "en", OUTREACH, 6),  # noqa: E501
    ("Lerato Mokoena", "ZA", "University of Pretoria", "chemistry", "knowledge_tourism", "en", OUTREACH, 11),  # noqa: E501
    ("Jan-Hendrik Botha", "ZA", "Stellenbosch University", "physics", "internship_formula", "af", OUTREACH, 17),  # noqa: E501
    ("Sophie de Vries", "NL", "TU Eindhoven", "materials_science", "direct_application", "nl", OUTREACH, 26),  # noqa: E501
    ("Lukas Becker", "DE", "RWTH Aachen", "energy", "knowledge_tourism", "en", OUTREACH, 41),
    ("Anke Pretorius", "ZA", "University of Cape Town", "life_sciences", "internship_formula", "af", LANGUAGE_IMMERSION, 62),  # noqa: E501
    ("Kgosi Sebina", "BW", "University of Botswana", "data_science", "partner_referral", "en", LANGUAGE_IMMERSION, 12),  # noqa: E501
    ("Mutale Banda", "ZM", "University of Zambia", "environmental_science", "inspiration_mission", "en", LANGUAGE_IMMERSION, 26),  # noqa: E501
    ("Tendai Moyo", "ZW", "University of Zimbabwe", "mathematics", "internship_formula", "en", LANGUAGE_IMMERSION, 40),  # noqa: E501
    ("Ndapewa Nghipandulwa", "NA", "University of Namibia", "computer_science", "partner_referral", "en", LANGUAGE_IMMERSION, 54),  # noqa: E501
    ("Ruan Steyn", "ZA", "North-West University", "engineering", "knowledge_tourism", "af", LANGUAGE_IMMERSION, 70),  # noqa: E501
    ("Marike du Plessis", "ZA", "University of the Free State", "chemistry", "partner_referral", "af", LANGUAGE_IMMERSION, 84),  # noqa: E501
    ("Onalenna Kgosidintsi", "BW", "Botswana International University of Science and Technology", "energy", "inspiration_mission", "en", MENTORING, 10),  # noqa: E501
    ("Chanda Mwansa", "ZM", "Copperbelt University", "engineering", "partner_referral", "en", MENTORING, 24),  # noqa: E501
    ("Rudo Chikwanha", "ZW", "National University of Science and Technology", "data_science", "internship_formula", "en", MENTORING, 38),  # noqa: E501
    ("Pieter Smit", "NA", "Namibia University of Science and Technology", "physics", "knowledge_tourism", "af", MENTORING, 52),  # noqa: E501
    ("Lotte Hermans", "NL", "Maastricht University", "life_sciences", "direct_application", "nl", MENTORING, 66),  # noqa: E501
    ("Jonas Weber", "DE", "Universität Duisburg-Essen", "computer_science", "inspiration_mission", "en", MENTORING, 80),  # noqa: E501
    ("Elize Venter", "ZA", "University of Johannesburg", "mathematics", "internship_formula", "af", MENTORING, 125),  # noqa: E501
    ("Thabo Nkosi", "ZA", "University of the Witwatersrand", "engineering", "partner_referral", "en", COMPANY_PLACEMENT, 30),  # noqa: E501
    ("Femke Jansen", "NL", "Radboud University", "chemistry", "direct_application", "nl", COMPANY_PLACEMENT, 5),  # noqa: E501
    ("Naledi Dube", "ZW", "University of Zimbabwe", "environmental_science", "knowledge_tourism", "en", COMPANY_PLACEMENT, 22),  # noqa: E501
    ("Willem Kruger", "NA", "University of Namibia", "energy", "internship_formula", "af", COMPANY_PLACEMENT, 15),  # noqa: E501
    ("Hannah Schulz", "DE", "TU Dortmund", "materials_science", "inspiration_mission", "en", COMPANY_PLACEMENT, 36),  # noqa: E501
    ("Boitumelo Tau", "BW", "University of Botswana", "computer_science", "partner_referral", "en", PLACED, 12),  # noqa: E501
    ("Daan Peeters", "NL", "Wageningen University", "life_sciences", "direct_application", "nl", PLACED, 27),  # noqa: E501
    ("Karin Louw", "ZA", "Stellenbosch University", "data_science", "internship_formula", "af", PLACED, 75),  # noqa: E501
    ("Mwila Phiri", "ZM", "University of Zambia", "physics", "inspiration_mission", "en", ON_HOLD, 20),  # noqa: E501
    ("Farai Mutasa", "ZW", "Chinhoyi University of Technology", "engineering", "knowledge_tourism", "en", WITHDRAWN, 15),  # noqa: E501
]]  # fmt: skip

# Recently registered: the invitation is not accepted yet (Sophie's has expired by now).
PENDING_INVITATIONS = (1, 4)
# In outreach without consent so far: the next step waits on them.
NO_CONSENT_YET = (0, 3)
# Gave consent, then withdrew it from his privacy page: the desk sees the flag, matching
# leaves him out and his next step is blocked again.
WITHDREW_CONSENT = 5

MEETING_NOTES = [
    "Kennismaking: verwachtingen en doelen voor de komende weken afgesproken.",
    "Cv samen herwerkt voor de Vlaamse arbeidsmarkt.",
    "Sollicitatiegesprek geoefend, volledig in het Nederlands.",
    "Bedrijfsbezoek voorbereid: hoe een Vlaams bedrijf werkt en wie wat doet.",
    "Opvolging: huisvesting en administratie in orde; werkplek en collega's besproken.",
    "Netwerkmoment in Hasselt bijgewoond; contacten gelegd met twee bedrijven.",
]
MID_TEST = "Tussentijdse toets na vijf weken taalbad."
FINAL_TEST = "Eindtoets van het taalbad."
NATIVE = "Nederlands is de moedertaal."
PAUSE_REASON = "Familieomstandigheden thuis; komt in het voorjaar terug."
WITHDRAWAL_REASON = "Heeft een doctoraatsplaats aan een andere universiteit aanvaard."

DAY = timedelta(days=1)


# -- stories as dated steps (no database) -----------------------------------------------------


@dataclass(frozen=True)
class Step:
    at: datetime  # aware UTC
    action: str
    args: dict = field(default_factory=dict)


def workday(day: date) -> date:
    """The day itself, or the Monday after a Saturday or Sunday."""
    return day + timedelta(days=7 - day.weekday()) if day.weekday() >= 5 else day


def monday_on_or_after(day: date) -> date:
    return day + timedelta(days=(7 - day.weekday()) % 7)


def moment(day: date, clock: time) -> datetime:
    """`clock` in Brussels on `day`, as aware UTC."""
    return datetime.combine(day, clock, tzinfo=PROGRAMME_TZ).astimezone(UTC)


class _Plot:
    """Steps in the order they happen; each strictly after the one before."""

    def __init__(self, index: int, today: date):
        self.index = index
        self.today = today
        self.steps: list[Step] = []
        self.meetings = 0
        self.next_meeting: date | None = None

    def add(self, day: date, clock: time, action: str, **args) -> None:
        at = moment(day, clock)
        if self.steps and at <= self.steps[-1].at:
            at = self.steps[-1].at + timedelta(minutes=5)
        self.steps.append(Step(at, action, args))

    def start_meetings(self, day: date) -> None:
        self.next_meeting = workday(day)

    def meet_until(self, limit: date) -> None:
        """The mentor's meetings before `limit`: every two to three weeks."""
        while self.next_meeting is not None and self.next_meeting < min(limit, self.today):
            note = MEETING_NOTES[0 if not self.meetings else 1 + (self.index + self.meetings) % 5]
            self.add(self.next_meeting, time(13, 30), "meeting", met_on=self.next_meeting,
                     note=note)  # fmt: skip
            self.meetings += 1
            self.next_meeting = workday(
                self.next_meeting + timedelta(days=14 + (self.index + self.meetings) % 6)
            )

    def stop_meetings(self) -> None:
        self.next_meeting = None


def consent_mode(index: int, person: Person) -> str | None:
    """Who records the consent: the desk at registration, the candidate in their profile,
    or nobody yet."""
    if person.target == OUTREACH and index in NO_CONSENT_YET:
        return None
    if index in PENDING_INVITATIONS:
        return "desk"
    return "candidate" if index % 4 == 2 else "desk"


def plot(index: int, person: Person, registered: date, today: date) -> tuple[list[Step], date]:
    """The candidate's story from registration on `registered` (moved to a weekday) to their
    current phase, and the day they entered it. Steps that fall after today are included;
    the teller stops at the first one that has not happened yet."""
    story = _Plot(index, today)
    day = workday(registered)
    consent = consent_mode(index, person)
    story.add(day, time(10, 5 + index), "register", consent=consent == "desk")
    if index not in PENDING_INVITATIONS:
        story.add(day + DAY, time(19, 30), "accept")
        story.add(day + DAY, time(19, 45), "profile", consent=consent == "candidate")
    if index == WITHDREW_CONSENT:
        story.add(day + timedelta(days=20), time(21, 10), "withdraw_consent")
    if person.target == OUTREACH:
        return story.steps, day

    if person.country == "NL":  # already speaks Dutch: straight into mentoring
        entered = workday(day + timedelta(days=4 + index % 3))
        story.add(entered, time(10, 0), "assess", level="C2", note=NATIVE)
        story.add(entered, time(10, 20), "assign_mentor")
        story.add(entered, time(10, 30), "fire", trigger="begin_mentoring")
    else:
        start = workday(day + timedelta(days=9 + index % 6))
        story.add(start, time(9, 30), "fire", trigger="start_immersion", start_date=start)
        if person.target == WITHDRAWN:
            left = workday(start + timedelta(days=30))
            story.add(left, time(14, 0), "fire", trigger="withdraw", reason=WITHDRAWAL_REASON)
            return story.steps, left
        end = add_months(start, IMMERSION_MONTHS)
        mid = workday(start + timedelta(days=35))
        story.add(mid, time(15, 0), "assess", level="A2" if index % 4 else "A1", note=MID_TEST)
        final = workday(end - timedelta(days=10))
        story.add(final, time(14, 0), "assess", level="B1" if index % 3 else "B2",
                  note=FINAL_TEST)  # fmt: skip
        story.add(workday(end - timedelta(days=5)), time(10, 0), "assign_mentor")
        if person.target == LANGUAGE_IMMERSION:
            return story.steps, start
        entered = workday(end + timedelta(days=index % 3))
        story.add(entered, time(10, 30), "fire", trigger="complete_immersion", by="mentor")

    story.start_meetings(entered + timedelta(days=3))
    if person.target == MENTORING:
        story.meet_until(today)
        return story.steps, entered
    if person.target == ON_HOLD:
        paused = workday(entered + timedelta(days=30))
        story.meet_until(paused)
        story.add(paused, time(11, 0), "fire", trigger="pause", reason=PAUSE_REASON)
        return story.steps, paused

    proposed = workday(entered + timedelta(days=42 + index % 4 * 6))
    story.meet_until(proposed)
    story.add(proposed, time(16, 0), "sign_off")
    story.add(proposed, time(16, 10), "fire", trigger="propose_placement", by="mentor")
    recorded = workday(proposed + timedelta(days=3))
    interview = moment(workday(recorded + timedelta(days=9)), time(14 if index % 2 else 10, 0))
    story.meet_until(recorded)
    story.add(recorded, time(11, 0), "record_placement", interview_at=interview)
    if person.target == COMPANY_PLACEMENT and index % 2:  # waiting for the interview or its outcome
        story.meet_until(today)
        return story.steps, proposed
    offered = workday(local_date(interview) + timedelta(days=4))
    story.meet_until(offered)
    story.add(offered, time(15, 0), "placement_step", trigger="make_offer")
    accepted = workday(offered + timedelta(days=3))
    starts = monday_on_or_after(accepted + timedelta(days=21))
    story.meet_until(accepted)
    story.add(accepted, time(11, 0), "placement_step", trigger="accept", start_date=starts)
    if person.target == COMPANY_PLACEMENT:
        story.meet_until(today)
        return story.steps, proposed
    story.meet_until(starts)
    story.stop_meetings()
    story.add(starts, time(9, 0), "fire", trigger="confirm_placement")
    return story.steps, starts


def story_for(index: int, person: Person, today: date) -> list[Step]:
    """The story placed so that the candidate entered their current phase `since` days ago,
    or as close to that as weekdays and month lengths allow (never today). The entry day
    never moves back when registration moves later, so a short walk finds the best fit."""
    target = today - timedelta(days=person.since)
    _steps, entered = plot(index, person, target, today)
    registered = target - (entered - target)  # back by the story's length
    while plot(index, person, registered, today)[1] > target:
        registered -= DAY
    while plot(index, person, registered + DAY, today)[1] <= target:
        registered += DAY
    before, entered_before = plot(index, person, registered, today)
    after, entered_after = plot(index, person, registered + DAY, today)
    if entered_after < today and entered_after - target < target - entered_before:
        return after
    return before


# -- telling a story through the services -------------------------------------------------------


def _slug(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "-".join(plain.lower().replace("'", "").split())


def _email(index: int, person: Person) -> str:
    if index == DEMO_CANDIDATE_INDEX:
        return DEMO_CANDIDATE_EMAIL
    return person.name.lower().replace(" ", ".").replace("-", "") + "@example.org"


def _user(email: str, name: str, role: str, locale: str, created_at: datetime) -> User:
    user = User(
        email=email,
        name=name,
        role=role,
        locale=locale,
        password_hash=auth.hash_password(DEMO_PASSWORD),
        created_at=created_at,
    )
    db.session.add(user)
    return user


class _Teller:
    """Runs one candidate's steps through the services, each with its own `now`."""

    def __init__(self, index: int, person: Person, desk: User, mentor: User, project: Project):
        self.index, self.person = index, person
        self.desk, self.mentor, self.project = desk, mentor, project
        self._candidate: Candidate | None = None
        self.token = ""
        self._placement: Placement | None = None

    @property
    def candidate(self) -> Candidate:
        if self._candidate is None:
            raise RuntimeError("demo: a step came before the registration")
        return self._candidate

    @property
    def placement(self) -> Placement:
        if self._placement is None:
            raise RuntimeError("demo: a placement step came before the placement")
        return self._placement

    def tell(self, steps: list[Step], now: datetime) -> Candidate:
        for step in steps:
            if step.at >= now:
                break  # this and everything after it has not happened yet
            getattr(self, step.action)(step.at, **step.args)
        candidate = self._candidate
        if candidate is None or candidate.phase != self.person.target:
            phase = candidate.phase if candidate else None
            raise RuntimeError(f"demo: {self.person.name} is in {phase}, not {self.person.target}")
        return candidate

    def register(self, at: datetime, consent: bool) -> None:
        person, registered = self.person, local_date(at)
        self._candidate, self.token = candidates.register(
            self.desk,
            candidates.Registration(
                name=person.name,
                email=_email(self.index, person),
                country_code=person.country,
                origin_institution=person.institution,
                stem_field=person.field,
                graduation_date=registered - timedelta(days=100 + 25 * (self.index % 8)),
                outreach_channel=person.channel,
                locale=person.locale,
                consent_recorded=consent,
            ),
            now=at,
        )

    def accept(self, at: datetime) -> None:
        auth.accept_invitation(self.token, DEMO_PASSWORD, self.person.locale, now=at)

    def profile(self, at: datetime, consent: bool) -> None:
        candidate, person = self.candidate, self.person
        registered = local_date(candidate.created_at)
        speaks_dutch = person.country == "NL"
        candidates.update_profile(
            candidate.user,
            candidates.ProfileUpdate(
                name=person.name,
                phone="",
                origin_institution=person.institution,
                stem_field=person.field,
                graduation_date=candidate.graduation_date,
                locale=person.locale,
                consent=consent or candidate.consent_at is not None,
                degree_level=("bachelor", "master", "phd")[self.index % 3],
                skills=tuple(SKILLS_BY_FIELD[person.field]),
                dutch_level="C2" if speaks_dutch else None,
                english_level="C1" if person.country in ("NL", "DE") else "B2",
                # After the immersion (about three months), or soon for Dutch speakers.
                available_from=registered + timedelta(days=21 if speaks_dutch else 110),
                preferred_municipalities=(COMPANIES[self.index % 5][1],),
            ),
            None,
            now=at,
        )
        if candidate.consent_at is not None and self.index % 3 != 1:
            # Most candidates let companies see their profile (the company portal shows
            # them); a third did not, and are not shown to companies.
            consent_service.give(candidate.user, candidate, share_with_companies=True, now=at)

    def withdraw_consent(self, at: datetime) -> None:
        consent_service.withdraw(self.candidate.user, self.candidate, now=at)

    def assess(self, at: datetime, level: str, note: str) -> None:
        candidates.record_assessment(
            self.desk, self.candidate.id, level, local_date(at), note, now=at
        )

    def assign_mentor(self, at: datetime) -> None:
        candidates.assign_mentor(self.desk, self.candidate.id, self.mentor.id, None, now=at)

    def fire(self, at: datetime, trigger: str, by: str = "desk", **kwargs) -> None:
        actor = self.mentor if by == "mentor" else self.desk
        workflow.fire(actor, self.candidate.id, trigger, expected_version=None, now=at, **kwargs)

    def meeting(self, at: datetime, met_on: date, note: str) -> None:
        candidates.log_meeting(self.mentor, self.candidate.id, met_on, note, now=at)

    def sign_off(self, at: datetime) -> None:
        candidates.sign_off(self.mentor, self.candidate.id, None, now=at)

    def record_placement(self, at: datetime, interview_at: datetime) -> None:
        self._placement = candidates.record_placement(
            self.desk,
            self.candidate.id,
            company_id=self.project.company_id,
            project_id=self.project.id,
            project_title=self.project.title,
            interview_at=interview_at,
            now=at,
        )

    def placement_step(self, at: datetime, trigger: str, **kwargs) -> None:
        placements.fire(self.desk, self.placement.id, trigger, now=at, **kwargs)


# Where a newcomer goes in two municipalities (the city halls' addresses; hours as the demo
# says them: check the municipality's site before relying on them).
HELP = [
    ("Genk", "service_desk", "Stadhuis Genk — dienst Burgerzaken", "Stadsplein 1, 3600 Genk",
     {"nl": "Op afspraak", "af": "Op afspraak", "en": "By appointment"}, "https://www.genk.be"),
    ("Hasselt", "service_desk", "Stadhuis Hasselt — dienst Burgerzaken",
     "Limburgplein 1, 3500 Hasselt",
     {"nl": "Op afspraak", "af": "Op afspraak", "en": "By appointment"}, "https://www.hasselt.be"),
]  # fmt: skip
ARRIVAL_MUNICIPALITIES = ("Hasselt", "Genk", "Sint-Truiden", "Maasmechelen")


def _arrivals(desk: User, today: date, now: datetime) -> None:
    """Everyone past outreach has arrived in Limburg (the immersion is here): a municipality,
    an arrival day, the route for those who need one, and the first steps of their plan —
    some done, some overdue, so that the board's filter and the plan pages have something to
    show."""
    for municipality, kind, name, address, hours, url in HELP:
        db.session.add(MunicipalityHelp(municipality=municipality, kind=kind, name=name,
                                        address=address, hours=hours, url=url))  # fmt: skip
    arrived = []
    candidates = db.session.scalars(select(Candidate).order_by(Candidate.id))
    for index, candidate in enumerate(candidates):
        if candidate.phase == OUTREACH or candidate.erased_at is not None:
            continue
        # The candidate login lives in Hasselt, whose help entry her plan then shows.
        demo_login = candidate.user.email == DEMO_CANDIDATE_EMAIL
        candidate.home_municipality = "Hasselt" if demo_login else ARRIVAL_MUNICIPALITIES[index % 4]
        candidate.arrival_on = local_date(candidate.created_at) + timedelta(days=21)
        if candidate.arrival_on > today:
            candidate.arrival_on = today - timedelta(days=3)
        steps = {"bank_account": 12}
        if index % 3:  # every third has not registered yet: an overdue step
            steps["municipality_registration"] = 4
        if origin_of(candidate.country_code) == NON_EU:
            # The usual route, whose single permit the demo's documents hold.
            candidate.residence_route = "highly_skilled"
            steps["residence_route"] = -30
        for code, after in steps.items():
            done_on = min(candidate.arrival_on + timedelta(days=after), today)
            db.session.add(RelocationStep(candidate_id=candidate.id, step=code, done_on=done_on,
                                          recorded_by_id=desk.id, recorded_at=now))  # fmt: skip
        arrived.append(candidate)
    relocation.refresh_many(arrived)


def load_demo(now: datetime | None = None) -> bool:
    """Load the demo once, as it stands at `now` (default: the current time); a no-op when
    people already exist. Runs inside the caller's unit of work."""
    if db.session.scalar(select(func.count(User.id))):
        return False
    now = now or utcnow()
    today = local_date(now)
    long_ago = now - timedelta(days=400)
    desk = _user("desk@onthaal.example", "Lotte Vanhoof", "staff", "nl", long_ago)
    mentors = [_user(email, name, "mentor", locale, long_ago) for email, name, locale in MENTORS]
    companies = [
        Company(name=name, municipality=municipality, sector=sector,
                size=("small", "medium", "large")[i % 3], contact_person=contact,
                contact_email=f"{contact.split()[0].lower()}@{_slug(name)}.example",
                created_at=long_ago)
        for i, (name, municipality, sector, contact) in enumerate(COMPANIES)
    ]  # fmt: skip
    db.session.add_all(companies)
    projects = [
        Project(company=company, title=title, kind=kind, stem_fields=fields, skills=skills,
                min_dutch_level=level, seats=seats, description=description,
                start_date=monday_on_or_after(today + timedelta(days=30 + 14 * i)),
                created_at=long_ago)
        for i, (company, (title, kind, fields, skills, level, seats, description))
        in enumerate(zip(companies, PROJECTS, strict=True))
    ]  # fmt: skip
    db.session.add_all(projects)
    db.session.flush()
    # Companies sign in with a link by email, never a password (services.company_contacts).
    name = COMPANIES[0][3]
    db.session.add(
        User(email=DEMO_COMPANY_CONTACT_EMAIL, name=name, role="company", locale="en",
             company=companies[0], created_at=long_ago)
    )  # fmt: skip

    for index, person in enumerate(CANDIDATES):
        teller = _Teller(index, person, desk, mentors[index % 3], projects[index % 5])
        teller.tell(story_for(index, person, today), now)
    _arrivals(desk, today, now)
    reminders.reschedule_all(now)
    notifications.settle_in_app(now)  # the stories' news is in the app, not mailed today
    return True
