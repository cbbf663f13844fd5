"""Every text field of every form holds what its column holds: a longer value is the
field's translated error (422), never the database's "value too long" (a 500 on
PostgreSQL; SQLite stores it whole).

The map from form field to column is written out here, on purpose: a new text field
fails `test_every_text_field_is_accounted_for` until someone says where it is stored.
"""

from __future__ import annotations

import importlib

import pytest
from sqlalchemy import JSON, String, Text
from wtforms import StringField
from wtforms.validators import Length

from onboarding.account.forms import (
    ChangePasswordForm,
    ConfirmPasswordForm,
    EnableTwoFactorForm,
    ProfileSettingsForm,
)
from onboarding.auth.forms import (
    AcceptInvitationForm,
    ForgotPasswordForm,
    LanguageForm,
    LoginCodeForm,
    LoginForm,
    NewPasswordForm,
    ResetPasswordForm,
)
from onboarding.candidate.forms import ProfileForm
from onboarding.company.forms import (
    CheckinForm,
    ContactDetailsForm,
    ProjectProposalForm,
    SignInRequestForm,
)
from onboarding.consent.forms import NoticeForm, OnBehalfForm
from onboarding.conversation.forms import GroupMessageForm, MessageForm
from onboarding.desk.forms import (
    CandidateFields,
    CompanyContactForm,
    CompanyForm,
    CorrectDetailsForm,
    HelpForm,
    NotNeededForm,
    PlacementForm,
    PlacementStepForm,
    ProjectForm,
    RegisterCandidateForm,
    RuleForm,
)
from onboarding.documents.forms import RemoveDocumentForm, ReviewForm
from onboarding.forms import AssessmentForm, BaseForm, TransitionForm, each_skill_fits
from onboarding.mentor.forms import MeetingForm
from onboarding.models import (
    AuditEvent,
    Broadcast,
    Campaign,
    Candidate,
    CandidateSkill,
    Company,
    Consent,
    DataExport,
    Document,
    LanguageAssessment,
    MentoringMeeting,
    MunicipalityHelp,
    Partner,
    Placement,
    PlacementCheckin,
    PrivacyNotice,
    Project,
    RelocationRule,
    RelocationStep,
    ThreadMessage,
    User,
)
from onboarding.mydata.forms import PostalExportForm
from onboarding.partner_portal.forms import ListingForm, PartnerContactForm, ReferForm
from onboarding.partners.forms import CampaignForm, DecisionForm, PartnerApplicationForm
from onboarding.people.forms import InvitePersonForm
from onboarding.retention.forms import HoldForm
from onboarding.rules import SKILL_LENGTH

# (form, field) -> the column the field's value is stored in
COLUMNS = {
    (RegisterCandidateForm, "name"): User.name,
    (RegisterCandidateForm, "email"): User.email,
    (RegisterCandidateForm, "origin_institution"): Candidate.origin_institution,
    (CandidateFields, "name"): User.name,
    (CandidateFields, "email"): User.email,
    (CandidateFields, "origin_institution"): Candidate.origin_institution,
    (CorrectDetailsForm, "name"): User.name,
    (CorrectDetailsForm, "email"): User.email,
    (CorrectDetailsForm, "origin_institution"): Candidate.origin_institution,
    (InvitePersonForm, "name"): User.name,
    (InvitePersonForm, "email"): User.email,
    (ProfileForm, "name"): User.name,
    (ProfileSettingsForm, "name"): User.name,
    (ProfileForm, "phone"): Candidate.phone,
    (ProfileForm, "origin_institution"): Candidate.origin_institution,
    (AssessmentForm, "note"): LanguageAssessment.note,
    (TransitionForm, "reason"): AuditEvent.reason,
    (TransitionForm, "override_reason"): AuditEvent.reason,
    (MeetingForm, "note"): MentoringMeeting.note,
    (PlacementForm, "project_title"): Placement.project_title,
    (PlacementStepForm, "reason"): Placement.closed_reason,
    (CompanyForm, "name"): Company.name,
    (CompanyForm, "sector"): Company.sector,
    (CompanyForm, "contact_person"): Company.contact_person,
    (CompanyForm, "contact_email"): Company.contact_email,
    (ProjectForm, "title"): Project.title,
    (ProjectForm, "description"): Project.description,
    (ReviewForm, "reason"): Document.rejection_reason,
    (RemoveDocumentForm, "reason"): AuditEvent.reason,
    (PostalExportForm, "note"): DataExport.note,
    (PartnerApplicationForm, "name"): Partner.name,
    (PartnerApplicationForm, "contact_name"): Partner.contact_name,
    (PartnerApplicationForm, "email"): Partner.contact_email,
    (PartnerApplicationForm, "website"): Partner.website,
    (PartnerApplicationForm, "message"): Partner.message,
    (DecisionForm, "note"): Partner.decision_note,
    (CampaignForm, "name"): Campaign.name,
    (CampaignForm, "target_regions"): Campaign.target_regions,
    (HoldForm, "reason"): Candidate.legal_hold_reason,
    (RegisterCandidateForm, "consent_note"): Consent.note,
    (OnBehalfForm, "note"): Consent.note,
    (NoticeForm, "body_en"): PrivacyNotice.body_en,
    (NoticeForm, "body_nl"): PrivacyNotice.body_nl,
    (NoticeForm, "body_af"): PrivacyNotice.body_af,
    (NoticeForm, "changes"): PrivacyNotice.changes,
    (MessageForm, "body"): ThreadMessage.body,
    (GroupMessageForm, "body"): Broadcast.body,
    (CompanyContactForm, "name"): User.name,
    (CompanyContactForm, "email"): User.email,
    (PartnerContactForm, "name"): User.name,
    (PartnerContactForm, "email"): User.email,
    (ReferForm, "name"): User.name,
    (ReferForm, "email"): User.email,
    (ReferForm, "origin_institution"): Candidate.origin_institution,
    (ListingForm, "offers"): Partner.offers,
    (ListingForm, "seeks"): Partner.seeks,
    (ProjectProposalForm, "title"): Project.title,
    (ProjectProposalForm, "description"): Project.description,
    (ContactDetailsForm, "contact_person"): Company.contact_person,
    (ContactDetailsForm, "contact_email"): Company.contact_email,
    (CheckinForm, "comment"): PlacementCheckin.comment,
    (RuleForm, "source_url"): RelocationRule.source_url,
    (RuleForm, "note"): RelocationRule.note,
    (NotNeededForm, "reason"): RelocationStep.skipped_reason,
    (HelpForm, "name"): MunicipalityHelp.name,
    (HelpForm, "address"): MunicipalityHelp.address,
    (HelpForm, "url"): MunicipalityHelp.url,
}
# Text fields stored as one value of a JSON column (no length in the database): the form
# still bounds what one request sends.
JSON_VALUES = {
    (HelpForm, f"hours_{locale}"): MunicipalityHelp.hours for locale in ("nl", "af", "en")
}
# Comma-separated lists stored one item per row (or per JSON item): each item is limited.
PER_ITEM = {
    (ProfileForm, "skills"): CandidateSkill.skill,
    (ProjectForm, "skills"): CandidateSkill.skill,  # projects.skills is JSON: the same tags
    (ProjectProposalForm, "skills"): CandidateSkill.skill,
}
# Text fields whose value is never stored as typed, and why.
NOT_STORED = {
    (LoginForm, "email"): "only compared with users.email",
    (LoginForm, "password"): "checked against the stored hash",
    (LoginForm, "next"): "a redirect target, checked by is_safe_next",
    (LanguageForm, "next"): "a redirect target, checked by is_safe_next",
    **{
        pair: why
        for form in (AcceptInvitationForm, NewPasswordForm, ResetPasswordForm, ChangePasswordForm)
        for pair, why in (
            ((form, "password"), "stored as an Argon2 hash"),
            ((form, "confirm"), "compared with the password"),
        )
    },
    (ChangePasswordForm, "current"): "checked against the stored hash",
    (ConfirmPasswordForm, "password"): "checked against the stored hash",
    (ForgotPasswordForm, "email"): "looked up in users.email by the worker, then forgotten",
    (LoginCodeForm, "code"): "checked against the TOTP secret or the recovery codes' hashes",
    (EnableTwoFactorForm, "code"): "checked against the TOTP secret being set up",
    (TransitionForm, "trigger"): "a trigger name, looked up in the workflow definition",
    (PlacementStepForm, "trigger"): "a trigger name, looked up in the workflow definition",
    (PartnerApplicationForm, "referral_code"): "the honeypot: filled in, nothing is stored",
    (SignInRequestForm, "email"): "looked up in users.email by the worker, then forgotten",
    **{
        (form, "once"): "a one-time token, stored as its SHA-256 (form_tokens.token_hash)"
        for form in (
            MeetingForm,
            PlacementForm,
            RegisterCandidateForm,
            PartnerApplicationForm,
            InvitePersonForm,
            ReferForm,
        )  # fmt: skip
    },
}


def form_classes() -> list[type]:
    for area in ("account", "auth", "candidate", "company", "consent", "conversation", "desk",
                 "documents", "mentor", "mydata", "partner_portal", "partners", "people",
                 "retention"):  # fmt: skip
        importlib.import_module(f"onboarding.{area}.forms")
    found, todo = [], [BaseForm]
    while todo:
        for subclass in todo.pop().__subclasses__():
            found.append(subclass)
            todo.append(subclass)
    return found


def text_fields() -> set[tuple[type, str]]:
    return {
        (form, name)
        for form in form_classes()
        for name in dir(form)
        if issubclass(getattr(getattr(form, name), "field_class", type), StringField)
    }


def bound_field(app, form: type, name: str):
    with app.test_request_context(method="GET"):
        return getattr(form(formdata=None), name)


def max_lengths(field) -> list[int]:
    return [v.max for v in field.validators if isinstance(v, Length) and v.max not in (None, -1)]


def test_every_text_field_is_accounted_for():
    mapped = set(COLUMNS) | set(PER_ITEM) | set(NOT_STORED) | set(JSON_VALUES)
    missing = sorted(f"{form.__name__}.{name}" for form, name in text_fields() - mapped)
    assert missing == [], "say where these fields are stored (COLUMNS, PER_ITEM, NOT_STORED)"
    gone = sorted(f"{form.__name__}.{name}" for form, name in mapped - text_fields())
    assert gone == []


@pytest.mark.parametrize(
    ("form", "name", "column"),
    [pytest.param(f, n, c, id=f"{f.__name__}.{n}") for (f, n), c in COLUMNS.items()],
)
def test_a_fields_limit_is_its_columns(app, ctx, form, name, column):
    limits = max_lengths(bound_field(app, form, name))
    column_type = column.property.columns[0].type
    assert limits, f"{form.__name__}.{name} has no length limit"
    if isinstance(column_type, String) and not isinstance(column_type, Text):
        assert column_type.length is not None
        assert limits == [column_type.length], f"{column} holds {column_type.length}"
    else:  # Text: no limit in the database, but the form still bounds what one request sends
        assert isinstance(column_type, Text), column_type


@pytest.mark.parametrize(
    ("form", "name", "column"),
    [pytest.param(f, n, c, id=f"{f.__name__}.{n}") for (f, n), c in JSON_VALUES.items()],
)
def test_a_json_values_field_is_bounded(app, ctx, form, name, column):
    assert isinstance(column.property.columns[0].type, JSON)
    assert max_lengths(bound_field(app, form, name)), f"{form.__name__}.{name} has no limit"


@pytest.mark.parametrize(
    ("form", "name", "column"),
    [pytest.param(f, n, c, id=f"{f.__name__}.{n}") for (f, n), c in PER_ITEM.items()],
)
def test_each_item_of_a_list_field_fits_its_column(app, ctx, form, name, column):
    field = bound_field(app, form, name)
    assert each_skill_fits in field.validators
    assert max_lengths(field), f"{form.__name__}.{name} has no length limit as a whole"
    assert column.property.columns[0].type.length == SKILL_LENGTH
