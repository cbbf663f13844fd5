"""Consent and the privacy notice's versions (services/consent.py): giving, recording on the
candidate's behalf, withdrawing and its effects (reminders, matching, proposals, the
workflow guard), renewal after a new version, drafts and publication."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from onboarding.db import transaction
from onboarding.extensions import db
from onboarding.models import (
    AuditEvent,
    Candidate,
    Consent,
    PrivacyNotice,
    Project,
    Reminder,
    utcnow,
)
from onboarding.services import candidates, consent, matching, workflow
from onboarding.services.errors import Conflict, Forbidden, Refused
from tests.factories import make_candidate, make_company, make_placement, make_user

DEFAULT_NOTICE = Path(__file__).resolve().parents[2] / "onboarding" / "consent" / "default_notice"


@pytest.fixture
def staff(ctx):
    return make_user("staff")


def reload(candidate_id: int) -> Candidate:
    db.session.expire_all()
    found = db.session.get(Candidate, candidate_id)
    assert found is not None
    return found


def actions(candidate_id: int) -> list[str]:
    return list(
        db.session.scalars(
            select(AuditEvent.action)
            .where(AuditEvent.candidate_id == candidate_id)
            .order_by(AuditEvent.id)
        )
    )


def publish_v2(staff) -> PrivacyNotice:
    with transaction():
        start = consent.prefill()
        draft = consent.new_draft(
            staff,
            consent.NoticeText(
                body_en=start.body_en + "\n## New\n\nA new paragraph.\n",
                body_nl=start.body_nl,
                body_af=start.body_af,
                changes="A paragraph about new things.",
            ),
        )
        consent.publish(staff, draft.id)
    return draft


# -- the notice -----------------------------------------------------------------------------


def test_version_1_is_published_from_the_default_texts(ctx):
    notice = consent.current_notice()
    assert notice is not None and notice.version == 1 and notice.published_at is not None
    for locale in ("en", "nl", "af"):
        text = (DEFAULT_NOTICE / f"{locale}.md").read_text(encoding="utf-8").strip() + "\n"
        assert notice.body(locale) == text
        assert consent.RETENTION_MARK in text and consent.CONTACT_MARK in text
        assert "Gegevensbeschermingsautoriteit" in text


def test_blocks_keep_paragraphs_escape_nothing_themselves_and_fill_in_the_marks(app, ctx):
    body = (
        "## Title\n\nOne <b>line</b>\nwrapped.\n\n- first\n- second\n\n[retention]\n\n"
        "Ask [contact]."
    )
    found = consent.blocks(body)
    assert [b.kind for b in found] == ["heading", "paragraph", "list", "retention", "paragraph"]
    assert found[1].lines == ("One <b>line</b> wrapped.",)  # the template escapes it
    assert found[2].lines == ("first", "second")
    assert found[4].lines == (f"Ask {app.config['PRIVACY_CONTACT']}.",)
    # Without the mark, the retention section comes last.
    assert [b.kind for b in consent.blocks("Only text.")] == ["paragraph", "retention"]


def test_retention_periods_name_the_settings_in_force(app, ctx):
    periods = consent.retention_periods()
    assert any(str(app.config["RETENTION_WITHDRAWN_DAYS"]) in p for p in periods)
    app.config["RETENTION_PLACED_DAYS"], before = 1, app.config["RETENTION_PLACED_DAYS"]
    try:
        assert any("erased 1 day later" in p for p in consent.retention_periods())
    finally:
        app.config["RETENTION_PLACED_DAYS"] = before


def test_a_draft_is_edited_then_published_and_never_changes_again(staff):
    with transaction():
        draft = consent.new_draft(staff, consent.prefill())
    assert (draft.version, draft.published_at) == (2, None)
    assert consent.current_notice().version == 1  # a draft is not current
    with pytest.raises(Refused), transaction():  # one draft at a time
        consent.new_draft(staff, consent.prefill())
    with transaction():
        consent.save_draft(staff, draft.id, consent.NoticeText("EN v2", "NL v2", "AF v2", "x"))
    assert db.session.get(PrivacyNotice, draft.id).body_nl == "NL v2\n"
    with pytest.raises(Refused), transaction():
        consent.save_draft(staff, draft.id, consent.NoticeText("EN", "", "AF"))
    with transaction():
        consent.publish(staff, draft.id)
    assert consent.current_notice().version == 2
    with pytest.raises(Conflict), transaction():
        consent.save_draft(staff, draft.id, consent.NoticeText("changed", "NL", "AF"))
    with pytest.raises(Conflict), transaction():
        consent.publish(staff, draft.id)
    assert db.session.get(PrivacyNotice, draft.id).body_en == "EN v2\n"


def test_only_staff_write_and_publish_notices(ctx):
    mentor, candidate = make_user("mentor"), make_candidate()
    for actor in (mentor, candidate.user):
        with pytest.raises(Forbidden), transaction():
            consent.new_draft(actor, consent.prefill())


# -- giving and recording -------------------------------------------------------------------


def test_candidate_gives_consent_to_the_current_version(ctx):
    candidate = make_candidate(consent=False)
    with transaction():
        consent.give(candidate.user, candidate, share_with_companies=True)
    candidate = reload(candidate.id)
    current = consent.current_notice()
    assert candidate.consent_at is not None and candidate.consent_notice_id == current.id
    assert candidate.share_with_companies is True
    (record,) = consent.records_of(candidate)
    assert (record.action, record.notice_id, record.on_behalf, record.actor_id) == (
        "given", current.id, False, candidate.user_id
    )  # fmt: skip
    assert actions(candidate.id) == ["consent_given"]


def test_staff_record_consent_on_behalf_only_with_a_note(staff):
    candidate = make_candidate(consent=False)
    with pytest.raises(Refused), transaction():
        consent.give(staff, candidate, share_with_companies=False, on_behalf_note="  ")
    assert reload(candidate.id).consent_at is None
    with transaction():
        consent.give(staff, reload(candidate.id), share_with_companies=False,
                     on_behalf_note="Signed form received by post")  # fmt: skip
    (record,) = consent.records_of(reload(candidate.id))
    assert (record.on_behalf, record.note, record.actor_id) == (
        True, "Signed form received by post", staff.id
    )  # fmt: skip
    assert actions(candidate.id) == ["consent_recorded"]


def test_mentors_and_other_candidates_cannot_give_consent(ctx):
    candidate, other = make_candidate(consent=False), make_candidate(consent=False)
    for actor in (make_user("mentor"), other.user):
        with pytest.raises(Forbidden), transaction():
            consent.give(actor, candidate, share_with_companies=False, on_behalf_note="n")
    with pytest.raises(Forbidden), transaction():
        consent.withdraw(make_user("staff"), make_candidate())


def test_registration_by_the_desk_records_consent_with_a_note(staff):
    data = candidates.Registration(
        name="Thandiwe Nkosi", email="thandiwe@example.org", country_code="ZA",
        origin_institution="UCT", stem_field="energy",
        graduation_date=utcnow().date() - timedelta(days=400),
        outreach_channel="partner_referral", locale="af", consent_recorded=True,
    )  # fmt: skip
    with transaction():
        candidate, _token = candidates.register(staff, data)
    (record,) = consent.records_of(reload(candidate.id))
    assert record.on_behalf and record.note == candidates.registration_note()
    assert record.notice_id == consent.current_notice_id()
    assert actions(candidate.id) == ["registered", "consent_recorded"]


# -- renewal --------------------------------------------------------------------------------


def test_a_new_version_asks_for_renewal_and_accepting_records_it(staff):
    candidate = make_candidate()
    never = make_candidate(consent=False)
    assert not consent.needs_renewal(candidate)
    v2 = publish_v2(staff)
    assert consent.needs_renewal(reload(candidate.id))
    assert not consent.needs_renewal(reload(never.id))  # nothing to renew
    with transaction():
        consent.give(candidate.user, reload(candidate.id), share_with_companies=False)
    candidate = reload(candidate.id)
    assert candidate.consent_notice_id == v2.id and not consent.needs_renewal(candidate)


def test_a_consent_from_before_the_notice_had_versions_needs_renewal(ctx):
    candidate = make_candidate()
    candidate.consent_notice_id = None
    db.session.commit()
    assert consent.needs_renewal(reload(candidate.id))


# -- withdrawal and its effects -------------------------------------------------------------


def mentored(mentor) -> Candidate:
    started = utcnow() - timedelta(days=10)
    candidate = make_candidate(phase="mentoring", mentor=mentor, phase_entered_at=started)
    db.session.add(
        AuditEvent(candidate_id=candidate.id, action="complete_immersion", at=started,
                   from_phase="language_immersion", to_phase="mentoring")
    )  # fmt: skip
    db.session.commit()
    with transaction():
        from onboarding.services import reminders

        reminders.reschedule(reload(candidate.id))
    return candidate


def pending(candidate_id: int) -> dict[str, bool]:
    db.session.expire_all()
    rows = db.session.scalars(
        select(Reminder).where(Reminder.candidate_id == candidate_id, Reminder.status == "pending")
    )
    return {row.rule: row.essential for row in rows}


def test_withdrawal_cancels_non_essential_reminders_and_plans_none(staff):
    mentor = make_user("mentor")
    candidate = mentored(mentor)
    before = pending(candidate.id)
    assert before["mentor_meeting_due"] is False and before["mentor_meeting_escalation"] is True
    with transaction():
        consent.withdraw(candidate.user, reload(candidate.id))
    after = pending(candidate.id)
    assert "mentor_meeting_due" not in after and after["mentor_meeting_escalation"] is True
    assert all(after.values())  # only essential ones are left
    cancelled = db.session.scalars(
        select(Reminder.status).where(Reminder.rule == "mentor_meeting_due",
                                      Reminder.candidate_id == candidate.id)
    ).all()  # fmt: skip
    assert cancelled == ["cancelled"]
    with transaction():  # a change that re-plans: still nothing that is not essential
        candidates.log_meeting(mentor, candidate.id, utcnow().date(), "Met")
    assert all(pending(candidate.id).values())
    with transaction():  # consenting again brings them back
        consent.give(candidate.user, reload(candidate.id), share_with_companies=False)
    assert pending(candidate.id).get("mentor_meeting_due") is False


def test_withdrawal_clears_the_consent_in_force_and_is_audited(ctx):
    candidate = make_candidate(share_with_companies=True)
    with transaction():
        consent.withdraw(candidate.user, candidate)
    candidate = reload(candidate.id)
    assert (candidate.consent_at, candidate.consent_notice_id) == (None, None)
    assert candidate.consent_withdrawn_at is not None and not candidate.share_with_companies
    assert [r.action for r in consent.records_of(candidate)] == ["withdrawn"]
    assert actions(candidate.id) == ["consent_withdrawn"]
    assert not consent.needs_renewal(candidate)
    with pytest.raises(Refused), transaction():  # nothing left to withdraw
        consent.withdraw(candidate.user, candidate)
    with transaction():
        consent.give(candidate.user, candidate, share_with_companies=False)
    assert reload(candidate.id).consent_withdrawn_at is None


def test_withdrawal_leaves_the_candidate_out_of_matching_with_a_reason(staff):
    company = make_company()
    project = Project(company=company, title="Grid study", seats=2, stem_fields=["engineering"])
    db.session.add(project)
    db.session.commit()
    candidate = make_candidate(phase="mentoring", stem_field="engineering")
    assert candidate.id in [m.candidate.id for m in matching.candidates_for(project)]
    assert matching.projects_for(candidate) and matching.excluded(candidate) is None
    with transaction():
        consent.withdraw(candidate.user, candidate)
    candidate = reload(candidate.id)
    assert candidate.id not in [m.candidate.id for m in matching.candidates_for(project)]
    assert candidate.id not in matching.plain_filter_ids(project)
    assert matching.projects_for(candidate) == []
    assert "withdrew their consent" in matching.excluded(candidate)
    assert candidates.placement_not_possible(candidate) == matching.excluded(candidate)


def test_withdrawal_refuses_new_proposals_to_companies(staff):
    candidate = make_candidate(phase="mentoring")
    company = make_company()
    with transaction():
        consent.withdraw(candidate.user, candidate)
    with pytest.raises(Refused) as refused, transaction():
        candidates.record_placement(staff, candidate.id, company_id=company.id,
                                    project_title="Pilot")  # fmt: skip
    assert any("withdrew their consent" in d for d in refused.value.details)
    assert db.session.scalars(select(Consent).where(Consent.candidate_id == candidate.id)).all()
    # Placements made before stay as they were.
    make_placement(reload(candidate.id), accepted=False, company=company)


def test_withdrawal_blocks_the_transition_that_needs_consent_again(staff):
    candidate = make_candidate(phase="outreach")
    with transaction():
        consent.withdraw(candidate.user, candidate)
    with pytest.raises(Refused) as refused, transaction():
        workflow.fire(staff, candidate.id, "start_immersion", expected_version=None)
    assert any("consent" in detail for detail in refused.value.details)
    assert reload(candidate.id).phase == "outreach"
