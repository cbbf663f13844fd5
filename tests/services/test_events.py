"""Every event notifies the people it concerns (workflows/notifications.py), through the
service path of the change, in its transaction: who gets a row and an email (never the
actor, an inactive account or another candidate's mentor), in which language (the subject
as the compiled catalog has it), with the link to their own page on PUBLIC_BASE_URL. The
emails go through the real dispatcher to the real SMTP fixture."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from babel.dates import format_date
from babel.support import Translations
from jinja2 import TemplateNotFound
from sqlalchemy import select

from onboarding.db import transaction
from onboarding.extensions import db
from onboarding.i18n import FORMAT_LOCALES
from onboarding.models import Campaign, DataExport, Partner, Reminder, utcnow
from onboarding.services import (
    candidates,
    data_export,
    documents,
    imports,
    jobs,
    notifications,
    partners,
    people,
    placements,
    reminders,
    workflow,
)
from onboarding.services.errors import Refused
from tests.factories import make_candidate, make_company, make_partner, make_user
from workflows.notifications import EVENTS, EVENTS_BY_KEY
from workflows.onboarding import PHASE_LABELS
from workflows.placement import PLACEMENT

ROOT = Path(__file__).resolve().parents[2]
BRUSSELS = ZoneInfo("Europe/Brussels")
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def catalog(locale: str) -> Translations:
    return Translations.load(str(ROOT / "translations"), [locale])


def events(key: str | None = None) -> list[Reminder]:
    db.session.expire_all()
    query = select(Reminder).where(Reminder.kind == "event").order_by(Reminder.id)
    if key is not None:
        query = query.where(Reminder.rule == key)
    return list(db.session.scalars(query))


def told(key: str) -> dict[str, str]:
    """Who has a row for event `key`: email address → audience."""
    found = {}
    for row in events(key):
        address = row.recipient.email if row.recipient is not None else row.to_email
        found[address] = row.audience
    return found


def deliver(outbox) -> list:
    """Run the dispatcher; every message the SMTP server has received."""
    db.session.commit()
    reminders.dispatch(now=utcnow() + timedelta(seconds=1), worker="events", until_empty=True)
    return outbox.messages


def by_address(messages) -> dict[str, object]:
    """The messages by recipient, each person receiving one."""
    found: dict[str, object] = {}
    for message in messages:
        assert message["To"] not in found, f"two messages to {message['To']}"
        found[message["To"]] = message
    return found


def body(message) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def url(app, path: str) -> str:
    return app.config["PUBLIC_BASE_URL"].rstrip("/") + path


def assert_subject(message, locale: str, msgid: str, **shown) -> None:
    """The subject as the compiled catalog of `locale` words it, and in that language."""
    assert message["Content-Language"] == locale
    assert str(message["Subject"]) == catalog(locale).gettext(msgid) % shown


@pytest.fixture
def staff(ctx):
    return make_user("staff", name="Desk Dirk", locale="nl")


# -- the definitions ------------------------------------------------------------------------


# The conversation's own event: its template comes with the conversations.
WRITTEN_ELSEWHERE = {"message_received"}


def test_every_event_has_a_template_and_every_link_a_route(app, ctx):
    rules = {rule.endpoint: rule for rule in app.url_map.iter_rules()}
    for event in EVENTS:
        if event.key in WRITTEN_ELSEWHERE:
            continue
        try:
            app.jinja_env.get_template(f"email/events/{event.key}.txt")
        except TemplateNotFound:  # pragma: no cover - the assertion says which
            pytest.fail(f"no template for {event.key}")
        for link in event.links.values():
            assert link.endpoint in rules, f"{event.key}: {link.endpoint}"
            assert set(link.args) == set(rules[link.endpoint].arguments), event.key


def test_every_placement_status_a_step_reaches_has_an_event():
    reached = {spec.dest for spec in PLACEMENT.specs} | {"proposed"}
    assert {f"placement_{status}" for status in reached} <= set(EVENTS_BY_KEY)


# -- phase changed ----------------------------------------------------------------------------


@pytest.mark.parametrize("locale", ["nl", "af", "en"])
def test_a_phase_change_tells_the_candidate_in_their_language(app, staff, outbox, locale):
    mentor = make_user("mentor")
    candidate = make_candidate(name="Zoë Nghipondoka", locale=locale, mentor=mentor)
    with transaction():
        workflow.fire(
            staff, candidate.id, "start_immersion", expected_version=None, start_date=date.today()
        )
    assert told("phase_changed") == {candidate.user.email: "candidate"}  # not the desk, mentor
    (row,) = events("phase_changed")
    assert row.params["phase"] == "language_immersion" and row.params["from_phase"] == "outreach"

    sent = by_address(deliver(outbox))
    assert set(sent) == {candidate.user.email}
    message = sent[candidate.user.email]
    words = catalog(locale)
    phase = words.gettext(PHASE_LABELS["language_immersion"])
    assert_subject(message, locale, EVENTS_BY_KEY["phase_changed"].subject, phase=phase)
    text = body(message)
    assert words.gettext("Dear %(name)s,") % {"name": "Zoë"} in text
    assert phase in text and words.gettext(PHASE_LABELS["outreach"]) in text
    assert url(app, "/me/") in text


def test_the_mentor_who_fires_a_step_is_not_told(staff):
    mentor = make_user("mentor")
    candidate = make_candidate(phase="mentoring", mentor=mentor)
    with transaction():
        candidates.sign_off(mentor, candidate.id, None)
        workflow.fire(mentor, candidate.id, "propose_placement", expected_version=None)
    assert told("phase_changed") == {candidate.user.email: "candidate"}


def test_a_refused_or_rolled_back_change_leaves_no_notification(staff):
    candidate = make_candidate(consent=False)  # start_immersion needs consent: refused
    with pytest.raises(Refused), transaction():
        workflow.fire(staff, candidate.id, "start_immersion", expected_version=None)
    mentor = make_user("mentor")
    with pytest.raises(RuntimeError), transaction():
        candidates.assign_mentor(staff, candidate.id, mentor.id, None)
        assert len(events("mentor_assigned")) == 2  # written in the change's transaction …
        raise RuntimeError("the request fails after the change")
    assert events() == []  # … and gone with it


# -- mentors ----------------------------------------------------------------------------------


def test_assigning_a_mentor_tells_the_candidate_the_new_and_the_old_mentor(app, staff, outbox):
    old = make_user("mentor", name="Mentor Mieke", locale="nl")
    new = make_user("mentor", name="Mentor Pieter", locale="af")
    bystander = make_user("mentor")  # another candidate's mentor
    make_candidate(mentor=bystander)
    candidate = make_candidate(name="Anna Shikongo", mentor=old, locale="en")
    with transaction():
        candidates.assign_mentor(staff, candidate.id, new.id, None)
    assert told("mentor_assigned") == {candidate.user.email: "candidate", new.email: "mentor"}
    assert told("mentor_removed") == {old.email: "old_mentor"}

    sent = by_address(deliver(outbox))
    assert set(sent) == {candidate.user.email, new.email, old.email}  # not the desk, bystander
    event = EVENTS_BY_KEY["mentor_assigned"]
    assert_subject(sent[candidate.user.email], "en", event.subject, mentor="Mentor Pieter")
    assert url(app, "/me/") in body(sent[candidate.user.email])
    assert_subject(sent[new.email], "af", event.subject_for("mentor"), candidate="Anna Shikongo")
    assert url(app, f"/mentor/mentees/{candidate.id}") in body(sent[new.email])
    removed = EVENTS_BY_KEY["mentor_removed"].subject
    assert_subject(sent[old.email], "nl", removed, candidate="Anna Shikongo")
    text = body(sent[old.email])
    assert url(app, "/mentor/") in text and f"/mentor/mentees/{candidate.id}" not in text


def test_a_deactivated_mentor_is_not_told_when_the_mentee_is_reassigned(staff):
    old = make_user("mentor")
    candidate = make_candidate(mentor=old)
    with transaction():
        people.deactivate(staff, old.id)
    (mentee,) = people.mentees_in_programme(old)  # the page lists them for reassignment
    new = make_user("mentor")
    with transaction():
        candidates.assign_mentor(staff, mentee.id, new.id, None)
    assert told("mentor_removed") == {}
    assert set(told("mentor_assigned")) == {candidate.user.email, new.email}


# -- assessments and documents -----------------------------------------------------------------


def test_an_assessment_tells_the_candidate_and_the_mentor_but_not_who_recorded_it(
    app, staff, outbox
):
    mentor = make_user("mentor", locale="nl")
    candidate = make_candidate(phase="language_immersion", mentor=mentor, locale="af")
    assessed = date.today() - timedelta(days=1)
    with transaction():
        candidates.record_assessment(mentor, candidate.id, "B1", assessed)
    assert told("assessment_recorded") == {candidate.user.email: "candidate"}
    with transaction():
        candidates.record_assessment(staff, candidate.id, "B2", assessed)
    sent = deliver(outbox)
    assert [m["To"] for m in sent].count(candidate.user.email) == 2
    (message,) = [m for m in sent if m["To"] == mentor.email]  # the second one only
    event = EVENTS_BY_KEY["assessment_recorded"]
    assert_subject(message, "nl", event.subject_for("mentor"), candidate=candidate.name, level="B2")
    long_day = format_date(assessed, "long", locale=FORMAT_LOCALES["nl"])
    assert long_day in body(message)
    assert url(app, f"/mentor/mentees/{candidate.id}") in body(message)


@pytest.mark.parametrize("decision", ["verified", "rejected"])
def test_a_reviewed_document_tells_the_candidate_with_the_reason(app, staff, outbox, decision):
    mentor = make_user("mentor")
    candidate = make_candidate(mentor=mentor, locale="nl")
    with transaction():
        document = documents.upload(candidate.user, "passport", PDF, "paspoort_Anna.pdf")
    assert events() == []  # the candidate's own upload tells nobody
    reason = "De scan is onleesbaar." if decision == "rejected" else ""
    with transaction():
        documents.review(staff, document.id, decision, reason)
    key = f"document_{decision}"
    assert told(key) == {candidate.user.email: "candidate"}  # not the mentor, not the desk
    (message,) = deliver(outbox)
    label = catalog("nl").gettext("Passport or identity card")
    assert_subject(message, "nl", EVENTS_BY_KEY[key].subject, document=label)
    text = body(message)
    assert url(app, "/me/documents") in text
    assert "paspoort_Anna" not in text and "paspoort_Anna" not in str(events(key)[0].params)
    assert (reason in text) if reason else ("onleesbaar" not in text)


# -- placements -------------------------------------------------------------------------------


def placement_path(staff, candidate):
    company = make_company("Energyville")
    placement = candidates.record_placement(
        staff, candidate.id, company_id=company.id, project_title="Batterijrecyclage"
    )
    db.session.commit()
    return placement


def test_every_placement_step_tells_the_candidate_and_the_mentor(app, staff, outbox):
    mentor = make_user("mentor", locale="nl")
    candidate = make_candidate(phase="mentoring", mentor=mentor, locale="af", name="Anna Botha")
    placement = placement_path(staff, candidate)
    # An interview held two days ago (an offer follows it), at 09:30 UTC.
    interview = (utcnow() - timedelta(days=2)).replace(hour=9, minute=30, second=0, microsecond=0)
    steps = [
        ("placement_proposed", None, {}),
        ("placement_interview", "schedule_interview", {"interview_at": interview}),
        ("placement_offer", "make_offer", {}),
        ("placement_accepted", "accept", {"start_date": date(2027, 2, 1)}),
    ]
    for key, trigger, inputs in steps:
        if trigger is not None:
            with transaction():
                placements.fire(staff, placement.id, trigger, **inputs)
        assert told(key) == {candidate.user.email: "candidate", mentor.email: "mentor"}, key
    sent = deliver(outbox)
    assert len(sent) == 8 and {m["To"] for m in sent} == {candidate.user.email, mentor.email}
    by_subject = {str(m["Subject"]): m for m in sent}
    af, nl = catalog("af"), catalog("nl")
    shown = {"company": "Energyville", "project": "Batterijrecyclage", "candidate": "Anna Botha"}
    for key, _trigger, _inputs in steps:
        event = EVENTS_BY_KEY[key]
        mine = by_subject[af.gettext(event.subject) % shown]
        theirs = by_subject[nl.gettext(event.subject_for("mentor")) % shown]
        assert mine["To"] == candidate.user.email and theirs["To"] == mentor.email
        assert url(app, "/me/") in body(mine)
        assert url(app, f"/mentor/mentees/{candidate.id}") in body(theirs)
    interview_mail = by_subject[af.gettext(EVENTS_BY_KEY["placement_interview"].subject) % shown]
    in_brussels = interview.astimezone(BRUSSELS).strftime("%H:%M")  # 10:30 or 11:30
    assert in_brussels in body(interview_mail) and f"{in_brussels}:00" not in body(interview_mail)
    assert format_date(interview, "full", locale="af_ZA") in body(interview_mail)
    accepted = by_subject[nl.gettext(EVENTS_BY_KEY["placement_accepted"].subject_for("mentor"))
                          % shown]  # fmt: skip
    assert format_date(date(2027, 2, 1), "long", locale="nl_BE") in body(accepted)


def test_a_proposal_with_its_interview_is_one_notification(staff):
    candidate = make_candidate(phase="mentoring", mentor=make_user("mentor"))
    company = make_company()
    with transaction():
        candidates.record_placement(
            staff, candidate.id, company_id=company.id, project_title="Pilot",
            interview_at=utcnow() + timedelta(days=3),
        )  # fmt: skip
    assert [row.rule for row in events()] == ["placement_interview"] * 2


@pytest.mark.parametrize("trigger", ["decline", "withdraw"])
def test_a_closed_placement_gives_its_reason(staff, outbox, trigger):
    mentor = make_user("mentor")
    candidate = make_candidate(phase="mentoring", mentor=mentor)
    placement = placement_path(staff, candidate)
    deliver(outbox)
    outbox.clear()  # the proposal's
    with transaction():
        placements.fire(staff, placement.id, trigger, reason="Het project is uitgesteld.")
    key = "placement_declined" if trigger == "decline" else "placement_withdrawn"
    assert set(told(key)) == {candidate.user.email, mentor.email}
    sent = deliver(outbox)
    assert len(sent) == 2 and all("Het project is uitgesteld." in body(m) for m in sent)


def test_confirming_the_placement_tells_of_the_start_and_the_new_phase(staff):
    mentor = make_user("mentor")
    candidate = make_candidate(phase="company_placement", mentor=mentor)
    placement = placement_path(staff, candidate)
    with transaction():
        placements.fire(staff, placement.id, "schedule_interview", interview_at=utcnow())
        placements.fire(staff, placement.id, "make_offer", now=utcnow() + timedelta(hours=1))
        placements.fire(staff, placement.id, "accept", start_date=date.today())
    with transaction():
        workflow.fire(staff, candidate.id, "confirm_placement", expected_version=None)
    assert set(told("placement_started")) == {candidate.user.email, mentor.email}
    assert events("phase_changed")[-1].params["phase"] == "placed"


# -- partners ---------------------------------------------------------------------------------


APPLICATION = partners.Application(
    name="Windhoek Tech Hub",
    kind="lead",
    contact_name="Ndapewa Shikongo",
    contact_email="ndapewa@hub.example.org",
    locale="af",
)


def test_an_application_tells_the_desk_and_confirms_to_the_applicant(app, ctx, outbox):
    desk = [make_user("staff", locale=locale) for locale in ("nl", "en")]
    gone = make_user("staff", active=False)
    make_user("mentor")
    with transaction():
        partner = partners.apply(APPLICATION)
    assert told("partner_application_received") == {user.email: "desk" for user in desk}
    assert told("partner_application_confirmed") == {APPLICATION.contact_email: "applicant"}
    (confirmation,) = events("partner_application_confirmed")
    assert confirmation.recipient_id is None and confirmation.in_app_at is None

    sent = by_address(deliver(outbox))
    assert set(sent) == {desk[0].email, desk[1].email, APPLICATION.contact_email}
    assert gone.email not in sent
    received = EVENTS_BY_KEY["partner_application_received"].subject
    assert_subject(sent[desk[0].email], "nl", received, organisation="Windhoek Tech Hub")
    assert url(app, f"/desk/partners/{partner.id}") in body(sent[desk[0].email])
    assert catalog("nl").gettext("Lead partner") in body(sent[desk[0].email])
    to_applicant = sent[APPLICATION.contact_email]
    assert_subject(to_applicant, "af", EVENTS_BY_KEY["partner_application_confirmed"].subject)
    words = catalog("af")
    assert words.gettext("Dear %(name)s,") % {"name": "Ndapewa"} in body(to_applicant)
    assert "/desk/" not in body(to_applicant)


@pytest.mark.parametrize("decision", ["accept", "decline"])
def test_the_decision_reaches_the_applicant_in_the_language_they_applied_in(ctx, outbox, decision):
    with transaction():
        partner = partners.apply(APPLICATION)
    assert db.session.get(Partner, partner.id).locale == "af"
    deliver(outbox)
    outbox.clear()  # the confirmation and the desk's
    staff = make_user("staff", locale="nl")
    with transaction():
        partners.decide(staff, partner.id, decision, note="Intern: goed gesprek gehad.")
    key = f"partner_application_{partners.DECISIONS[decision]}"
    assert told(key) == {APPLICATION.contact_email: "applicant"}
    (message,) = deliver(outbox)
    assert_subject(message, "af", EVENTS_BY_KEY[key].subject)
    assert "Windhoek Tech Hub" in body(message)
    assert "Intern" not in body(message)  # the desk's note stays with the desk


# -- imports and data exports ------------------------------------------------------------------


def test_an_import_tells_the_staff_member_who_started_it(app, ctx, outbox):
    starter = make_user("staff", locale="nl")
    colleague = make_user("staff")
    partner = make_partner(staff=colleague)
    campaign = Campaign(name="Windhoek mission", kind="inspiration_mission")
    db.session.add(campaign)
    db.session.commit()
    content = (
        b"name,email,country,origin_institution,stem_field,graduation_date,outreach_channel,"
        b"language,consent\r\nHilma Amupolo,hilma@example.org,NA,University of Namibia,energy,"
        b"2025-06-30,partner_referral,en,yes\r\n"
    )
    with transaction():
        job = imports.preview(
            colleague, filename="prospects.csv", content=content, partner_id=partner.id,
            campaign_id=campaign.id,
        )  # fmt: skip
    job_id = job.id
    with transaction():
        imports.claim(starter, job_id)
    db.session.commit()
    with transaction():
        imports.run_import(job_id, starter.id)
    assert told("import_finished") == {starter.email: "starter"}  # not who previewed it
    (row,) = events("import_finished")
    assert (row.params["outcome"], row.params["imported"]) == ("done", 1)
    (message,) = [m for m in deliver(outbox) if m["Message-ID"] == row.message_id]
    assert message["To"] == starter.email
    assert_subject(message, "nl", EVENTS_BY_KEY["import_finished"].subject, file="prospects.csv")
    assert url(app, f"/desk/import/{job_id}") in body(message)


@pytest.mark.parametrize("asked_by", ["candidate", "staff"])
def test_a_ready_export_is_notified_to_who_asked_for_it(app, ctx, outbox, asked_by):
    candidate = make_candidate(locale="af")
    staff = make_user("staff", locale="nl")
    requester = candidate.user if asked_by == "candidate" else staff
    note = None if asked_by == "candidate" else "letter received 2 December"
    data_export.request_export(requester, candidate, note)
    db.session.commit()
    assert jobs.work() >= 1
    assert told("data_export_ready") == {requester.email: "requester"}
    (message,) = [m for m in deliver(outbox) if m["To"] == requester.email]
    locale = requester.locale
    assert_subject(message, locale, EVENTS_BY_KEY["data_export_ready"].subject)
    page = "/me/data" if asked_by == "candidate" else f"/desk/candidates/{candidate.id}/data"
    assert url(app, page) in body(message)
    export = db.session.scalars(select(DataExport)).one()
    assert export.stored_name not in body(message)


# -- consent ----------------------------------------------------------------------------------


def test_after_consent_is_withdrawn_only_essential_events_are_written(ctx, staff):
    mentor = make_user("mentor")
    candidate = make_candidate(mentor=mentor, consent=False, consent_withdrawn_at=utcnow())
    with transaction():
        candidates.assign_mentor(staff, candidate.id, make_user("mentor").id, None)
        candidates.record_assessment(staff, candidate.id, "A2", date.today())
    assert events() == []  # about the candidate, to no one
    data_export.request_export(candidate.user, candidate)
    db.session.commit()
    jobs.work()
    assert told("data_export_ready") == {candidate.user.email: "requester"}


def test_an_erased_candidate_is_the_subject_of_nothing(ctx, staff):
    candidate = make_candidate(mentor=make_user("mentor"), erased_at=utcnow())
    for event in ("phase_changed", "mentor_assigned", "data_export_ready"):
        assert notifications.notify(event, candidate=candidate, actor=staff) == []
