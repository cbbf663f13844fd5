"""Every route, every method it accepts, as every role, with bad values: never a 5xx.

The walk takes each rule of `app.url_map` (except static) and each of its methods, as the
anonymous visitor, a candidate, a mentor, the desk and a company contact (signed in with a
link). A GET is sent with bad query strings;
a POST with the route's form (FORMS below: a new POST route fails the walk until it is
listed) filled in validly, then with each field in turn replaced by each bad value of its
kind, left out, or sent twice. Each answer must be below 500; a 422 must be in the reader's
language (nl or af: no English message of the catalog on the page); and an answer of 400 or
more must leave every table's row count as it was.

The values are a fixed list (no random generation), so a failure is the same on every run;
the test prints how many route × field × value combinations it tried.
"""

from __future__ import annotations

import html
import io
import re
from datetime import date, timedelta

import pytest
from flask_wtf.file import FileField
from sqlalchemy import select, text, update
from wtforms import (
    BooleanField,
    DateTimeField,
    DecimalField,
    EmailField,
    HiddenField,
    IntegerField,
    PasswordField,
    SelectFieldBase,
    TextAreaField,
)

from onboarding.account.forms import (
    ChangePasswordForm,
    ConfirmPasswordForm,
    EnableTwoFactorForm,
    NotificationSettingsForm,
    ProfileSettingsForm,
    ResetCalendarForm,
)
from onboarding.auth.forms import (
    AcceptInvitationForm,
    ForgotPasswordForm,
    LanguageForm,
    LoginCodeForm,
    LoginForm,
    ResetPasswordForm,
)
from onboarding.candidate.forms import ArrivalForm, ProfileForm, StepDoneForm
from onboarding.company.forms import (
    CheckinForm,
    ContactDetailsForm,
    ProjectProposalForm,
    SignInRequestForm,
)
from onboarding.consent.forms import (
    AcceptForm,
    NoticeForm,
    OnBehalfForm,
    PublishForm,
    WithdrawForm,
)
from onboarding.conversation.forms import GroupMessageForm, MessageForm
from onboarding.desk.forms import (
    AssignMentorForm,
    CompanyContactForm,
    CompanyForm,
    CorrectDetailsForm,
    DeskPlanForm,
    HelpForm,
    NotNeededForm,
    PlacementForm,
    PlacementStepForm,
    ProjectForm,
    ProjectReviewForm,
    ProposeForm,
    RegisterCandidateForm,
    RuleForm,
)
from onboarding.documents.forms import (
    DeleteOwnDocumentForm,
    RemoveDocumentForm,
    ReviewForm,
    UploadForm,
)
from onboarding.extensions import db
from onboarding.forms import AssessmentForm, TransitionForm, VersionForm
from onboarding.mentor.forms import MeetingForm, SignOffForm
from onboarding.models import (
    Base,
    Candidate,
    Company,
    MunicipalityHelp,
    RelocationRule,
    User,
)
from onboarding.mydata.forms import ExportRequestForm, PostalExportForm
from onboarding.partner_portal.forms import (
    ListingForm,
    PartnerContactForm,
    PartnerImportForm,
    ReferForm,
)
from onboarding.partners.forms import (
    CampaignForm,
    DecisionForm,
    ImportForm,
    PartnerApplicationForm,
)
from onboarding.people.forms import CapacityForm, InvitePersonForm
from onboarding.retention.forms import EraseForm, ErasureRequestForm, HoldForm
from onboarding.services import auth
from onboarding.services.auth import hash_password
from onboarding.services.consent import current_notice_id
from tests.conftest import PASSWORD
from tests.web.test_form_errors import CSV, PDF, catalog, make_world

ROLES = ("anonymous", "candidate", "mentor", "staff", "company", "partner")
LOCALE = {"anonymous": "af", "candidate": "nl", "mentor": "af", "staff": "nl", "company": "af",
          "partner": "nl"}  # fmt: skip
HUGE = str(2**64)
# The values of the path arguments that are not ids.
TEXT_ARGUMENTS = {"token": "not-a-token", "name": "funnel", "day": 30, "step": "bank_account"}

# The form behind each POST endpoint (None: the route takes no fields).
FORMS = {
    "auth.login": LoginForm,
    "auth.logout": None,
    "auth.accept_invitation": AcceptInvitationForm,
    "auth.switch_language": LanguageForm,
    "auth.forgot_password": ForgotPasswordForm,
    "auth.reset_password": ResetPasswordForm,
    "auth.login_code": LoginCodeForm,
    "account.save_profile": ProfileSettingsForm,
    "account.change_password": ChangePasswordForm,
    "account.enable_two_factor": EnableTwoFactorForm,
    "account.disable_two_factor": ConfirmPasswordForm,
    "account.new_recovery_codes": ConfirmPasswordForm,
    "account.mark_read": VersionForm,
    "account.save_notifications": NotificationSettingsForm,
    "account.reset_calendar": ResetCalendarForm,
    "candidate.profile": ProfileForm,
    "documents.my_documents": UploadForm,
    "conversation.mine": MessageForm,
    "conversation.mentee": MessageForm,
    "conversation.desk": MessageForm,
    "conversation.group": GroupMessageForm,
    "documents.review": ReviewForm,
    "documents.delete_own": DeleteOwnDocumentForm,
    "documents.remove": RemoveDocumentForm,
    "mydata.request_export": ExportRequestForm,
    "mydata.desk": PostalExportForm,
    "partners.apply": PartnerApplicationForm,
    "partners.decide": DecisionForm,
    "partners.new_campaign": CampaignForm,
    "partners.campaign": CampaignForm,
    "partners.import_start": ImportForm,
    "partners.import_run": VersionForm,
    "desk.register": RegisterCandidateForm,
    "desk.transition": TransitionForm,
    "desk.assign_mentor": AssignMentorForm,
    "desk.record_assessment": AssessmentForm,
    "desk.record_placement": PlacementForm,
    "desk.resend_invitation": VersionForm,
    "desk.retry_reminder": VersionForm,
    "desk.placement_step": PlacementStepForm,
    "desk.propose": ProposeForm,
    "desk.correct_details": CorrectDetailsForm,
    "people.invite": InvitePersonForm,
    "people.resend_invitation": VersionForm,
    "people.deactivate": VersionForm,
    "people.reactivate": VersionForm,
    "people.change_capacity": CapacityForm,
    "desk.new_company": CompanyForm,
    "desk.company": CompanyForm,
    "desk.new_project": ProjectForm,
    "desk.project": ProjectForm,
    "desk.add_company_contact": CompanyContactForm,
    "desk.send_company_link": None,  # a button: its CSRF token only
    "desk.review_project": ProjectReviewForm,
    "company.sign_in": SignInRequestForm,
    "company.sign_in_with_link": None,  # a button: its CSRF token only
    "company.placement_step": PlacementStepForm,
    "company.propose_project": ProjectProposalForm,
    "company.details": ContactDetailsForm,
    "company.checkin": CheckinForm,
    "partners.invite_partner_contact": PartnerContactForm,
    "partner_portal.listing": ListingForm,
    "partner_portal.refer": ReferForm,
    "partner_portal.import_start": PartnerImportForm,
    "partner_portal.import_run": VersionForm,
    "mentor.transition": TransitionForm,
    "mentor.record_assessment": AssessmentForm,
    "mentor.log_meeting": MeetingForm,
    "mentor.sign_off": SignOffForm,
    "retention.erase": EraseForm,
    "retention.hold": HoldForm,
    "retention.release": None,
    "retention.request_erasure": ErasureRequestForm,
    "retention.cancel_erasure": None,
    "consent.mine": AcceptForm,
    "consent.withdraw": WithdrawForm,
    "consent.new_notice": NoticeForm,
    "consent.edit_notice": NoticeForm,
    "consent.publish_notice": PublishForm,
    "consent.record_for": OnBehalfForm,
    "candidate.plan": ArrivalForm,
    "candidate.plan_step_done": StepDoneForm,
    "candidate.plan_step_reopen": None,  # a button: its CSRF token only
    "desk.save_plan": DeskPlanForm,
    "desk.plan_step_done": StepDoneForm,
    "desk.plan_step_not_needed": NotNeededForm,
    "desk.plan_step_reopen": None,
    "desk.relocation_rule_list": RuleForm,
    "desk.relocation_rule": RuleForm,
    "desk.delete_relocation_rule": None,
    "desk.municipality_help": HelpForm,
    "desk.municipality_help_entry": HelpForm,
    "desk.delete_municipality_help": None,
}

# Bad values by the kind of field they go to; MISSING leaves the field out, and every field
# is also sent twice (a valid value, then a bad one).
MISSING = object()
TEXT = ["", "x" * 10_000, "a\x00b", "\x1b[2J", "😀" * 300, "one\r\ntwo", HUGE]
NUMBER = ["", HUGE, str(2**63), "-1", "-" + HUGE, "1e9", "a\x00"]
DATE = ["", "0001-01-01", "9999-12-31", "0001-01-01T00:00", "9999-12-31T23:59", "\x00"]
CHOICE = ["", HUGE, "-1", "a\x00", "x" * 10_000]
FILE = ["", "not a file"]
QUERIES = [
    "page=99999999999999999999",
    "page=-1&page=2",
    "q=%00",
    "q=" + "x" * 10_000,
    "q=%F0%9F%98%80&country=%00",
    "from=0001-01-01&to=9999-12-31",
    "from=2026-12-31&to=2026-01-01&campaign=%00",
    "status=%00&phase=%00&next=%00//evil&lang=%00",
]


def bad_values(field) -> list:
    if isinstance(field, FileField):
        return FILE
    if isinstance(field, DateTimeField):
        return DATE
    if isinstance(field, IntegerField):
        return NUMBER
    if isinstance(field, SelectFieldBase | BooleanField):
        return CHOICE
    return TEXT


def english_messages() -> list[str]:
    """Messages of the catalog as English text a translated page must not show: each one
    (or its part before the first placeholder) that nl and af translate."""
    nl, af = catalog("nl"), catalog("af")
    found = set()
    for message in nl._catalog:  # msgid -> msgstr (plural ids are tuples)
        if not isinstance(message, str) or not message:
            continue
        if nl.gettext(message) == message or af.gettext(message) == message:
            continue
        head = message.split("%(")[0].strip()
        if len(head) >= 20 and " " in head:
            found.add(head)
    return sorted(found)


ENGLISH = english_messages()


def shown(response) -> str:
    return " ".join(html.unescape(response.get_data(as_text=True)).split())


# The account audit log keeps refused attempts on purpose (a failed login is answered 422 and
# still logged, `account_events.record_refusal`), and the document access log is written by
# GETs (staff and mentors opening a candidate's documents): every other table must stay as
# it was.
LOGS_REFUSALS = {"account_events", "document_access"}


def row_counts(connection) -> tuple:
    tables = [t.name for t in Base.metadata.sorted_tables if t.name not in LOGS_REFUSALS]
    query = "SELECT " + ", ".join(f'(SELECT count(*) FROM "{name}")' for name in tables)
    return tuple(connection.execute(text(query)).one())


class Walk:
    def __init__(self, app, rollback, world: dict):
        self.app = app
        self.connection = rollback
        self.world = world
        self.tried = 0
        self.failures: list[str] = []
        self.sequence = 0
        self.combinations = 0  # route × field × value
        self.statuses: dict[int, int] = {}

    def path(self, rule, huge_ids: bool = False) -> str:
        ids = {
            "candidate_id": self.world["mentee"],
            "campaign_id": self.world["campaign"],
            "company_id": self.world["company"],
            "document_id": self.world["document"],
            "partner_id": self.world["partner"],
            "placement_id": self.world["placement"],
            "project_id": self.world["project"],
            "job_id": 999_999,
            "export_id": 999_999,
            "notice_id": self.world["notice"],
            "reminder_id": 999_999,
            "notification_id": 999_999,
            "attachment_id": 999_999,
            "user_id": self.world["mentor_id"],
            "rule_id": self.world["rule"],
            "help_id": self.world["help"],
        }
        values = {}
        for argument in rule.arguments:
            if argument in ids:
                values[argument] = HUGE if huge_ids else ids[argument]
            else:
                values[argument] = TEXT_ARGUMENTS[argument]
        path = rule.rule
        for key, value in values.items():
            path = re.sub(rf"<(?:\w+(?:\([^)]*\))?:)?{key}>", str(value), path)
        return path

    def valid_body(self, form_class, role: str, endpoint: str) -> dict:
        if form_class is None:
            return {}
        with self.app.test_request_context(method="GET"):
            form = form_class(formdata=None)
            values = {f.name: self.valid_value(f, role, endpoint) for f in form}
        return {name: v for name, v in values.items() if name != "csrf_token" and v is not MISSING}

    def valid_value(self, field, role: str, endpoint: str):
        self.sequence += 1
        name = field.name
        world = self.world
        by_name = {
            "company_id": world["company"],
            "project_id": world["project"],
            "partner_id": world["accepted_partner"],
            "campaign_id": "",
            "mentor_id": world["mentor_id"],
            "candidate_id": world["mentee"],
            "partner_ids": world["accepted_partner"],
        }
        if name in ("version", "once", "next"):
            return MISSING
        if name == "locale":
            return LOCALE[role]
        if name == "trigger":
            placement_steps = ("desk.placement_step", "company.placement_step")
            return "schedule_interview" if endpoint in placement_steps else "pause"
        if isinstance(field, FileField):
            imports = ("partners.import_start", "partner_portal.import_start")
            return "{csv}" if endpoint in imports else "{pdf}"
        if isinstance(field, BooleanField):
            return "y"
        if name in by_name:
            return str(by_name[name])
        if isinstance(field, SelectFieldBase):
            choices = [c[0] for c in field.iter_choices() if c[0] not in ("", None)]
            return str(choices[0]) if choices else MISSING
        if isinstance(field, DateTimeField):
            day = date.today() + timedelta(days=2)
            return f"{day.isoformat()}T10:00" if "T" in field.format[0] else day.isoformat()
        if isinstance(field, IntegerField):
            return "2"
        if isinstance(field, EmailField):
            return f"walker{self.sequence}@example.org"
        if isinstance(field, PasswordField):
            return PASSWORD
        if name in ("name", "contact_name", "contact_person") and not isinstance(
            field, TextAreaField | HiddenField
        ):
            return "Anna Peeters" if endpoint != "desk.new_company" else f"Walker {self.sequence}"
        if name in ("website", "url", "source_url"):
            return "https://example.org"
        if isinstance(field, DecimalField):
            return "8"
        if name == "phone":
            return "+32 11 22 33 44"
        return f"Walker text {self.sequence}"

    @staticmethod
    def encoded(body: dict) -> dict:
        def one(value):
            if value == "{pdf}":
                return (io.BytesIO(PDF), "passport.pdf")
            if value == "{csv}":
                return (io.BytesIO(CSV), "prospects.csv")
            return value

        return {k: [one(v) for v in value] if isinstance(value, list) else one(value)
                for k, value in body.items()}  # fmt: skip

    def send(self, client, role: str, method: str, path: str, body=None, what: str = ""):
        self.tried += 1
        before = row_counts(self.connection)
        if method == "GET":
            response = client.get(path)
        else:
            response = client.open(path, method=method, data=self.encoded(body or {}))
        status = response.status_code
        self.statuses[status] = self.statuses.get(status, 0) + 1
        label = f"{role} {method} {path[:80]} {what[:80]!r} -> {status}"
        if status >= 500 and not no_worker_ticks(path, response):
            self.failures.append(label)
            return response
        if status >= 400 and row_counts(self.connection) != before:
            self.failures.append(f"{label}: rows changed")
        if status == 422 and LOCALE[role] in ("nl", "af"):
            page = shown(response)
            lang = re.search(r'<html lang="(\w+)"', page)
            english = [m for m in ENGLISH if m in page]
            if lang is None or lang.group(1) != LOCALE[role] or english:
                self.failures.append(f"{label}: not translated {english[:3]}")
        return response


@pytest.fixture
def walker_world(app, rollback, data):
    world = make_world(data, "nl")
    with data() as session:
        for role in ("candidate", "mentor"):
            session.execute(
                update(User).where(User.email == world["emails"][role]).values(locale=LOCALE[role])
            )
        world["mentor_id"] = session.scalar(
            select(User.id).where(User.email == world["emails"]["mentor"])
        )
        world["notice"] = current_notice_id()  # the published version: edits are refused
        # A contact of the world's company; the mentee shares their profile with companies,
        # so the contact sees the proposed placement and takes its steps.
        company = session.get(Company, world["company"])
        contact = User(email="walker.contact@example.org", name="Walker Contact", role="company",
                       locale=LOCALE["company"], company=company)  # fmt: skip
        session.add(contact)
        session.get(Candidate, world["mentee"]).share_with_companies = True
        world["emails"]["company"] = contact.email
        # The contact of the world's accepted partner (a password, like a colleague).
        partner_contact = User(email="walker.partner@example.org", name="Walker Partner",
                               role="partner", locale=LOCALE["partner"],
                               partner_id=world["accepted_partner"],
                               password_hash=hash_password(PASSWORD))  # fmt: skip
        session.add(partner_contact)
        world["emails"]["partner"] = partner_contact.email
        # The only row of a rule (deleting it is refused) and a help entry.
        world["rule"] = session.scalar(
            select(RelocationRule.id).where(RelocationRule.key == "civic_integration_registration")
        )
        help_entry = MunicipalityHelp(municipality="Genk", kind="service_desk", name="Stadhuis",
                                      address="Stadsplein 1, 3600 Genk")  # fmt: skip
        session.add(help_entry)
        session.flush()
        world["help"] = help_entry.id
        session.commit()
    return world


def no_worker_ticks(path: str, response) -> bool:
    """/healthz's 503 in the walk's world, where no worker ticks: its answer, not a fault
    (the database still answers)."""
    if not path.startswith("/healthz") or response.status_code != 503:
        return False
    checks = response.get_json()["checks"]
    return (
        checks == {"database": {"status": "ok"}, "worker": checks["worker"]}
        and checks["worker"]["status"] == "never"
    )


def sign_in(app, client, email: str) -> None:
    """A company contact has no password: sign in with a fresh link, as the emailed one."""
    with app.app_context():
        user = db.session.scalars(select(User).where(User.email == email)).one()
        token = auth.new_invitation(user, None, purpose="sign_in")
        db.session.commit()
        db.session.remove()
    assert client.post(f"/company/sign-in/{token}").status_code == 302


def rules(app):
    found = [r for r in app.url_map.iter_rules() if r.endpoint != "static"]
    # Logging out last: the rest of the walk keeps its session.
    return sorted(found, key=lambda r: (r.endpoint == "auth.logout", r.rule))


def test_every_post_route_has_its_form_listed(app):
    posts = {r.endpoint for r in app.url_map.iter_rules() if "POST" in (r.methods or ())}
    assert posts - set(FORMS) == set(), "add the route's form to FORMS"
    assert set(FORMS) - posts == set()


@pytest.mark.parametrize("role", ROLES)
def test_walk_every_route_with_bad_values(app, rollback, client, login, walker_world, role):
    world = walker_world
    walk = Walk(app, rollback, world)
    if role == "anonymous":
        client.post("/language", data={"locale": LOCALE[role]})
    elif role == "company":
        sign_in(app, client, world["emails"][role])
    else:
        login(client, world["emails"][role])
    with app.app_context():
        db.session.remove()
    fields_tried = 0
    for rule in rules(app):
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            path = walk.path(rule)
            if rule.arguments & {
                "candidate_id", "campaign_id", "company_id", "document_id", "partner_id",
                "placement_id", "project_id", "job_id", "reminder_id", "user_id", "export_id",
                "notice_id", "notification_id",
            }:  # fmt: skip
                walk.send(client, role, method, walk.path(rule, huge_ids=True), {}, "huge id")
            if method == "GET":
                walk.send(client, role, method, path)
                for query in QUERIES:
                    walk.send(client, role, method, f"{path}?{query}", what=query)
                continue
            form_class = FORMS[rule.endpoint]
            valid = walk.valid_body(form_class, role, rule.endpoint)
            walk.send(client, role, method, path, {}, "empty")
            if form_class is None or role_may_not(walk, client, role, method, path, valid):
                continue
            with app.test_request_context(method="GET"):
                fields = [f for f in form_class(formdata=None) if f.name != "csrf_token"]
            for field in fields:
                fields_tried += 1
                for value in [*bad_values(field), MISSING, "twice"]:
                    body = dict(valid)
                    if value is MISSING:
                        body.pop(field.name, None)
                    elif value == "twice":
                        body[field.name] = [valid.get(field.name, ""), "a\x00" + HUGE]
                    else:
                        body[field.name] = value
                    walk.combinations += 1
                    walk.send(client, role, method, path, body, f"{field.name}={value!r}")
    print(
        f"\n{role}: {walk.tried} requests, {walk.combinations} route × field × value "
        f"combinations ({fields_tried} route × field pairs); "
        f"statuses {sorted(walk.statuses.items())}"
    )
    assert walk.failures == []


def role_may_not(walk: Walk, client, role, method, path, valid) -> bool:
    """Send the valid body once; a role the route refuses (a redirect to the login page,
    403, 404) gets no field-by-field walk: its answers never read the fields."""
    response = walk.send(client, role, method, path, valid, "valid")
    location = response.headers.get("Location", "")
    return response.status_code in (403, 404) or "/login" in location
