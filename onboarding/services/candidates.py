"""Recording facts about candidates: registration, mentors, assessments, meetings, placements.

Each function checks the actor, changes rows and writes an audit row; none commits (the
caller's unit of work does, see `onboarding.db`). Each takes an optional `now`: the moment
the change happens (its audit row, the times it stamps, the reminders it plans); by
default the current time. The demo tells its candidates' stories through the same
functions at past moments.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.attributes import flag_modified

from onboarding.db import flush_unique
from onboarding.extensions import db
from onboarding.models import (
    Candidate,
    CandidateField,
    CandidateMunicipality,
    CandidateSkill,
    Company,
    LanguageAssessment,
    MentoringMeeting,
    Placement,
    Project,
    User,
    utcnow,
)
from onboarding.rules import SKILL_LENGTH
from onboarding.services import (
    account_events,
    audit,
    auth,
    consent,
    dutch,
    matching,
    notifications,
    people,
    placements,
    reminders,
)
from onboarding.services.access import require_role, visible_candidate
from onboarding.services.auth import email_taken
from onboarding.services.companies import normalise_skills
from onboarding.services.errors import Conflict, NotFound, Refused
from onboarding.services.refusals import refusal_text
from onboarding.services.workflow import check_version, facts_for, lock_mentor
from workflows.dates import programme_today
from workflows.matching import level_rank
from workflows.onboarding import MENTORED_PHASES, MENTORING, mentor_has_capacity


def _today(now: datetime | None) -> date:
    """The programme's calendar day at `now` (Brussels); without `now`, today."""
    return programme_today(now)


@dataclass(frozen=True)
class Registration:
    name: str
    email: str
    country_code: str
    origin_institution: str
    stem_field: str
    graduation_date: date
    outreach_channel: str
    locale: str
    consent_recorded: bool
    campaign_id: int | None = None
    partner_id: int | None = None
    # How the desk received the consent (None: the registration's default note).
    consent_note: str | None = None


def registration_note() -> str:
    """The note on a consent the desk records at registration without saying more."""
    return _("Recorded at registration by the welcome desk.")


def register(actor: User, data: Registration, now: datetime | None = None) -> tuple[Candidate, str]:
    """Create the candidate's account and onboarding; returns it with a fresh invitation token."""
    now = now or utcnow()
    require_role(actor, "staff", "partner")
    if actor.role == "partner":
        # A partner refers a prospect: their organisation is linked, the channel is theirs,
        # and consent is the candidate's to give (the desk records it on their behalf).
        from onboarding.services import partner_portal

        partner = partner_portal.own_partner(actor)
        data = replace(
            data,
            partner_id=partner.id,
            outreach_channel="partner_referral",
            campaign_id=partner_portal.allowed_campaign(partner, data.campaign_id),
            consent_recorded=False,
            consent_note=None,
        )
    email = data.email.strip().lower()
    if email_taken(email):
        raise Refused(_("A person with this email address is already registered."))
    user = User(
        email=email, name=data.name.strip(), role="candidate", locale=data.locale, created_at=now
    )
    candidate = Candidate(
        user=user,
        country_code=data.country_code,
        origin_institution=data.origin_institution.strip(),
        stem_field=data.stem_field,
        graduation_date=data.graduation_date,
        outreach_channel=data.outreach_channel,
        campaign_id=data.campaign_id,
        partner_id=data.partner_id,
        created_at=now,
        phase_entered_at=now,
    )
    db.session.add(candidate)
    try:
        db.session.flush()
    except IntegrityError as error:  # a concurrent registration of the same email
        raise Refused(_("A person with this email address is already registered.")) from error
    audit.record(candidate, actor, "registered", at=now)
    if data.consent_recorded:
        consent.give(
            actor,
            candidate,
            share_with_companies=False,
            on_behalf_note=data.consent_note or registration_note(),
            now=now,
        )
    token = auth.new_invitation(user, created_by=actor, now=now)
    account_events.record("account_created", user, actor, at=now)
    account_events.record("invitation_sent", user, actor, detail=user.email, at=now)
    reminders.reschedule(candidate, now)
    return candidate, token


def reinvite(actor: User, candidate_id: int, now: datetime | None = None) -> tuple[Candidate, str]:
    now = now or utcnow()
    require_role(actor, "staff")
    candidate = visible_candidate(actor, candidate_id)
    if candidate.user.password_hash is not None:
        raise Refused(_("This candidate has already accepted the invitation."))
    token = auth.new_invitation(candidate.user, created_by=actor, now=now)
    audit.record(candidate, actor, "invitation_sent", at=now)
    account_events.record(
        "invitation_sent", candidate.user, actor, detail=candidate.user.email, at=now
    )
    return candidate, token


@dataclass(frozen=True)
class Details:
    """What the welcome desk corrects of a candidate's registration."""

    name: str
    email: str
    country_code: str
    origin_institution: str
    stem_field: str
    graduation_date: date
    locale: str
    outreach_channel: str
    campaign_id: int | None = None
    partner_id: int | None = None


@dataclass(frozen=True)
class Correction:
    candidate: Candidate
    changed: tuple[str, ...]  # the fields that changed (history.CORRECTED_FIELDS)
    address_change: people.AddressChange | None


def correct_details(
    actor: User,
    candidate_id: int,
    data: Details,
    expected_version: int | None,
    now: datetime | None = None,
) -> Correction:
    """Correct a candidate's details; one audit row names the fields that changed (none if
    nothing did). A new email address keeps the account (`people.change_email`: refused when
    taken, sessions ended, both addresses told after the commit by the caller)."""
    now = now or utcnow()
    require_role(actor, "staff")
    candidate = visible_candidate(actor, candidate_id)
    check_version(candidate, expected_version)
    user = candidate.user
    old_name, old_locale = user.name, user.locale
    fields = (
        ("name", user, "name", " ".join(data.name.split())),
        ("country", candidate, "country_code", data.country_code),
        ("origin_institution", candidate, "origin_institution", data.origin_institution.strip()),
        ("stem_field", candidate, "stem_field", data.stem_field),
        ("graduation_date", candidate, "graduation_date", data.graduation_date),
        ("locale", user, "locale", data.locale),
        ("outreach_channel", candidate, "outreach_channel", data.outreach_channel),
        ("campaign", candidate, "campaign_id", data.campaign_id),
        ("partner", candidate, "partner_id", data.partner_id),
    )
    changed = []
    for key, row, attribute, value in fields:
        if getattr(row, attribute) != value:
            setattr(row, attribute, value)
            changed.append(key)
    # After the language: the two emails about the address speak the corrected language.
    address_change = people.change_email(actor, user, data.email)
    if address_change is not None:
        changed.insert(1, "email")
    if not changed:
        return Correction(candidate, (), None)
    # The versioned row changes even when only the account's fields did: two corrections
    # from the same page conflict instead of overwriting each other.
    flag_modified(candidate, "origin_institution")
    audit.record(candidate, actor, "details_corrected", detail=", ".join(changed), at=now)
    if user.name != old_name:
        account_events.record("name_changed", user, actor, detail=f"{old_name} → {user.name}")
    if user.locale != old_locale:
        account_events.record(
            "language_changed", user, actor, detail=f"{old_locale} → {user.locale}"
        )
    return Correction(candidate, tuple(changed), address_change)


def assign_mentor(
    actor: User,
    candidate_id: int,
    mentor_id: int,
    expected_version: int | None,
    now: datetime | None = None,
) -> Candidate:
    now = now or utcnow()
    require_role(actor, "staff")
    candidate = visible_candidate(actor, candidate_id)
    check_version(candidate, expected_version)
    mentor = db.session.get(User, mentor_id)
    if mentor is None or mentor.role != "mentor" or not mentor.active:
        raise Refused(_("Choose one of the listed mentors."))
    if candidate.mentor_id == mentor.id:
        raise Refused(_("%(name)s is already this candidate's mentor.", name=mentor.name))
    old_mentor = candidate.mentor
    if candidate.phase in MENTORED_PHASES:
        # Taking over a mentee who is being mentored counts against the new mentor's
        # capacity right away: the same guard as entering mentoring.
        lock_mentor(mentor.id)
        candidate.mentor = mentor
        db.session.flush()
        full = mentor_has_capacity(facts_for(candidate, actor.role))
        if full is not None:
            raise Refused(_("The mentor could not be assigned."), [refusal_text(full)])
    candidate.mentor = mentor
    audit.record(candidate, actor, "mentor_assigned", detail=mentor.name, at=now)
    reminders.reschedule(candidate, now)
    notifications.notify(
        "mentor_assigned", candidate=candidate, actor=actor, params={"mentor": mentor.name}, now=now
    )
    if old_mentor is not None:
        people_told = {"old_mentor": [old_mentor]}
        notifications.notify(
            "mentor_removed", candidate=candidate, actor=actor, people=people_told, now=now
        )
    return candidate


def record_assessment(
    actor: User,
    candidate_id: int,
    level: str,
    assessed_on: date,
    note: str = "",
    now: datetime | None = None,
) -> LanguageAssessment:
    require_role(actor, "staff", "mentor")
    candidate = visible_candidate(actor, candidate_id)
    if assessed_on > _today(now):
        raise Refused(_("The assessment date cannot be in the future."))
    now = now or utcnow()
    assessment = LanguageAssessment(
        candidate_id=candidate.id,
        level=level,
        assessed_on=assessed_on,
        note=note.strip() or None,
        recorded_by_id=actor.id,
        created_at=now,
    )
    db.session.add(assessment)
    if level_rank(level) > level_rank(candidate.dutch_level):
        candidate.dutch_level = level  # the best known level, used for matching
    audit.record(candidate, actor, "assessment_recorded", detail=level, at=now)
    reminders.reschedule(candidate, now)  # a passing level stops the booking reminder
    params = {"level": level, "assessed_date": assessed_on.isoformat()}
    notifications.notify(
        "assessment_recorded", candidate=candidate, actor=actor, params=params, now=now
    )
    return assessment


def log_meeting(
    actor: User, candidate_id: int, met_on: date, note: str, now: datetime | None = None
) -> MentoringMeeting:
    require_role(actor, "mentor")
    candidate = visible_candidate(actor, candidate_id)
    if met_on > _today(now):
        raise Refused(_("The meeting date cannot be in the future."))
    now = now or utcnow()
    meeting = MentoringMeeting(
        candidate_id=candidate.id,
        mentor_id=actor.id,
        met_on=met_on,
        note=note.strip(),
        created_at=now,
    )
    db.session.add(meeting)
    audit.record(candidate, actor, "meeting_logged", at=now)
    reminders.reschedule(candidate, now)  # the three-week clock starts again
    return meeting


def sign_off(
    actor: User, candidate_id: int, expected_version: int | None, now: datetime | None = None
) -> Candidate:
    now = now or utcnow()
    require_role(actor, "mentor")
    candidate = visible_candidate(actor, candidate_id)
    check_version(candidate, expected_version)
    if candidate.phase != MENTORING:
        raise Conflict(_("Readiness can only be signed off during the mentoring phase."))
    if candidate.signed_off_at is not None:
        raise Refused(_("Readiness for placement has already been signed off."))
    candidate.signed_off_at = now
    audit.record(candidate, actor, "signed_off", at=now)
    return candidate


def placement_not_possible(candidate: Candidate) -> str | None:
    """Why no placement can be recorded for the candidate now (None: it can): the rule
    `record_placement` applies, for pages that would offer one (the matching pages)."""
    if (left_out := matching.excluded(candidate)) is not None:
        return left_out
    if candidate.phase not in MENTORED_PHASES:
        return _("A placement can only be recorded during mentoring or company placement.")
    return None


def record_placement(
    actor: User,
    candidate_id: int,
    *,
    company_id: int,
    project_title: str,
    start_date: date | None = None,
    interview_at: datetime | None = None,
    project_id: int | None = None,
    now: datetime | None = None,
) -> Placement:
    """Propose the candidate to a company, for one of its projects or under a title of its
    own (one of the two is needed), unless a live placement for the same project — or the
    same company and title — exists. With an interview date the placement moves straight
    on to the interview step."""
    now = now or utcnow()
    require_role(actor, "staff")
    candidate = visible_candidate(actor, candidate_id)
    if consent.withdrawn(candidate):  # no proposals to companies without consent
        raise Refused(
            _("The candidate could not be proposed."), [str(matching.excluded(candidate))]
        )
    if (not_now := placement_not_possible(candidate)) is not None:
        raise Conflict(not_now)
    company = db.session.get(Company, company_id)
    if company is None:
        raise Refused(_("Choose one of the listed companies."))
    project = None
    if project_id is not None:
        project = db.session.get(Project, project_id)
        if project is None or project.company_id != company.id or not project.is_open:
            raise Refused(_("Choose one of the company's open projects."))
    title = project_title.strip() or (project.title if project else "")
    if not title:
        raise Refused(_("Choose a project or give the project a title."))
    placements.refuse_duplicate(candidate, company, project, title)
    placement = Placement(
        candidate_id=candidate.id,
        company_id=company.id,
        project_id=project.id if project else None,
        project_title=title,
        start_date=start_date,
        status="proposed",
        created_by_id=actor.id,
        created_at=now,
    )
    db.session.add(placement)
    # A concurrent request may have added the same placement since the check above: the
    # partial unique index refuses it, and so do we, with the same message.
    flush_unique(placements.duplicate_message(candidate, company, title))
    audit.record(
        candidate,
        actor,
        "placement_recorded",
        detail=f"{company.name}: {placement.project_title}",
        at=now,
    )
    if interview_at is not None:  # its own notification tells of the proposal too
        placements.fire(
            actor, placement.id, "schedule_interview", interview_at=interview_at, now=now
        )
    else:
        placements.notify_step(actor, placement, now)
    reminders.reschedule(candidate, now)
    return placement


@dataclass(frozen=True)
class ProfileUpdate:
    name: str
    phone: str
    origin_institution: str
    stem_field: str
    graduation_date: date
    locale: str
    consent: bool
    degree_level: str | None = None
    skills: tuple[str, ...] = ()
    other_fields: tuple[str, ...] = ()
    dutch_level: str | None = None
    english_level: str | None = None
    available_from: date | None = None
    preferred_municipalities: tuple[str, ...] = ()


def update_profile(
    actor: User, data: ProfileUpdate, expected_version: int | None, now: datetime | None = None
) -> Candidate:
    now = now or utcnow()
    require_role(actor, "candidate")
    candidate = db.session.scalars(
        select(Candidate).where(Candidate.user_id == actor.id)
    ).one_or_none()
    if candidate is None:
        raise NotFound(_("No onboarding was found for your account."))
    check_version(candidate, expected_version)
    actor.name = data.name.strip()
    actor.locale = data.locale
    candidate.phone = data.phone.strip() or None
    candidate.origin_institution = data.origin_institution.strip()
    candidate.stem_field = data.stem_field
    candidate.graduation_date = data.graduation_date
    candidate.degree_level = data.degree_level or None
    candidate.english_level = data.english_level or None
    candidate.available_from = data.available_from
    # A declared Dutch level never hides a better recorded assessment.
    recorded = dutch.best_recorded_level(candidate.id)
    declared = data.dutch_level or None
    candidate.dutch_level = max((lvl for lvl in (declared, recorded) if lvl), key=level_rank,
                                default=None)  # fmt: skip
    skills = normalise_skills(list(data.skills))
    if any(len(skill) > SKILL_LENGTH for skill in skills):  # the column holds that many
        raise Refused(_("Each skill may have at most %(max)d characters.", max=SKILL_LENGTH))
    candidate.skills = [CandidateSkill(skill=s) for s in skills]
    candidate.other_fields = [
        CandidateField(stem_field=f) for f in sorted(set(data.other_fields) - {data.stem_field})
    ]
    candidate.preferred_municipalities = [
        CandidateMunicipality(municipality=m) for m in sorted(set(data.preferred_municipalities))
    ]
    gave_consent = data.consent and candidate.consent_at is None
    # Mark the versioned row changed even when only the user's name changed, so that two
    # tabs editing the same profile conflict instead of silently overwriting each other.
    flag_modified(candidate, "origin_institution")
    audit.record(candidate, actor, "profile_updated", at=now)
    if gave_consent:  # the profile's box: consent to the current notice, sharing unchanged
        consent.give(actor, candidate, share_with_companies=candidate.share_with_companies, now=now)
    return candidate


def invitation_pending(candidate: Candidate) -> bool:
    return candidate.user.password_hash is None
