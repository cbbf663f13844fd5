"""Every fixed choice list with its labels, one home each (like CTFd's `constants/`).

The values are what the database stores (the models build their CHECK constraints from
them); the labels are lazy msgids, translated when shown, so a form, a page, a CSV export
and a report always name a value the same way. Vocabularies the pure workflow code needs
(phases, placement statuses, document kinds) are defined in `workflows/` with N_() markers
and only given their lazy labels here.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from workflows import checklist, relocation
from workflows import placement as placement_flow

OUTREACH_CHANNEL_LABELS = {
    "internship_formula": _l("Renewed internship formula"),
    "knowledge_tourism": _l("Knowledge tourism"),
    "inspiration_mission": _l("Inspiration mission"),
    "partner_referral": _l("Partner referral"),
    "direct_application": _l("Direct application"),
}
OUTREACH_CHANNELS = tuple(OUTREACH_CHANNEL_LABELS)

# The campaign kinds are the outreach channels that run as campaigns; same labels.
CAMPAIGN_KINDS = (
    "internship_formula",
    "knowledge_tourism",
    "inspiration_mission",
    "partner_referral",
)
CAMPAIGN_KIND_LABELS = {kind: OUTREACH_CHANNEL_LABELS[kind] for kind in CAMPAIGN_KINDS}

STEM_FIELD_LABELS = {
    "engineering": _l("Engineering"),
    "computer_science": _l("Computer science"),
    "data_science": _l("Data science"),
    "mathematics": _l("Mathematics"),
    "physics": _l("Physics"),
    "chemistry": _l("Chemistry"),
    "life_sciences": _l("Life sciences"),
    "environmental_science": _l("Environmental science"),
    "energy": _l("Energy"),
    "materials_science": _l("Materials science"),
}
STEM_FIELDS = tuple(STEM_FIELD_LABELS)

DEGREE_LEVEL_LABELS = {
    "bachelor": _l("Bachelor"),
    "master": _l("Master"),
    "phd": _l("PhD"),
}
DEGREE_LEVELS = tuple(DEGREE_LEVEL_LABELS)

COMPANY_SIZE_LABELS = {
    "micro": _l("Micro (fewer than 10 people)"),
    "small": _l("Small (10–49)"),
    "medium": _l("Medium (50–249)"),
    "large": _l("Large (250 or more)"),
}
COMPANY_SIZES = tuple(COMPANY_SIZE_LABELS)

PROJECT_KIND_LABELS = {
    "innovation_project": _l("Innovation project"),
    "internship": _l("Internship"),
    "vacancy": _l("Vacancy"),
}
PROJECT_KINDS = tuple(PROJECT_KIND_LABELS)

PARTNER_KIND_LABELS = {
    "lead": _l("Lead partner"),
    "contributing": _l("Contributing partner"),
}
PARTNER_KINDS = tuple(PARTNER_KIND_LABELS)

PARTNER_STATUS_LABELS = {
    "applied": _l("Applied"),
    "accepted": _l("Accepted"),
    "declined": _l("Declined"),
}
PARTNER_STATUSES = tuple(PARTNER_STATUS_LABELS)

# A project a company contact proposed waits for the desk's approval before it is open for
# matching; the desk's own projects are approved when made.
PROJECT_APPROVAL_LABELS = {
    "pending": _l("Waiting for the desk's approval"),
    "approved": _l("Approved"),
    "declined": _l("Not approved"),
}
PROJECT_APPROVALS = tuple(PROJECT_APPROVAL_LABELS)

# expired: its moment passed more than its rule's grace period ago before it could be sent;
# it never will be (workflows/reminders.py).
REMINDER_STATUS_LABELS = {
    "pending": _l("Pending"),
    "sending": _l("Sending"),
    "sent": _l("Sent"),
    "failed": _l("Failed"),
    "expired": _l("Expired"),
    "cancelled": _l("Cancelled"),
}
REMINDER_STATUSES = tuple(REMINDER_STATUS_LABELS)
# The kinds of row in the outbox (models/reminder.py OUTBOX_KINDS), as the desk's queue names them.
OUTBOX_KIND_LABELS = {
    "reminder": _l("Reminder"),
    "event": _l("Notification"),
    "digest": _l("Daily summary"),
}

PLACEMENT_STATUS_LABELS = {
    status: _l(label) for status, label in placement_flow.STATUS_LABELS.items()
}

DOCUMENT_KINDS = checklist.KINDS
DOCUMENT_KIND_LABELS = {kind: _l(label) for kind, label in checklist.KIND_LABELS.items()}
DOCUMENT_STATUSES = (checklist.PENDING, checklist.VERIFIED, checklist.REJECTED)

# Who a next step waits on (workflows' `waits_on`), as staff read it and as the candidate does.
AUDIENCE_LABELS = {
    "candidate": _l("the candidate"),
    "mentor": _l("the mentor"),
    "desk": _l("the welcome desk"),
    "company": _l("a company"),
}
AUDIENCE_LABELS_FOR_CANDIDATE = {
    "candidate": _l("you"),
    "mentor": _l("your mentor"),
    "desk": _l("the welcome desk"),
    "company": _l("a company"),
}

# The roles of the accounts (users.role) as the desk reads them; the desk invites colleagues
# and mentors (candidates are registered).
ROLE_LABELS = {
    "staff": _l("Welcome desk"),
    "mentor": _l("Mentor"),
    "candidate": _l("Candidate"),
    "company": _l("Company contact"),
    "partner": _l("Partner contact"),
}
INVITABLE_ROLES = ("staff", "mentor")

# An account's status on the desk's People list: invited (no password chosen yet), active, or
# deactivated (cannot log in).
ACCOUNT_STATUS_LABELS = {
    "active": _l("Active"),
    "invited": _l("Invited, no password yet"),
    "deactivated": _l("Deactivated"),
}
ACCOUNT_STATUSES = tuple(ACCOUNT_STATUS_LABELS)

# The account audit log (`services.account_events`): what happened to an account.
ACCOUNT_EVENT_LABELS = {
    "login": _l("Logged in"),
    "login_failed": _l("Failed login"),
    "login_throttled": _l("Login attempts paused"),
    "two_factor_failed": _l("Wrong two-factor code"),
    "recovery_code_used": _l("Recovery code used"),
    "logout": _l("Logged out"),
    "session_expired": _l("Session expired after inactivity"),
    "reset_requested": _l("Password reset requested"),
    "reset_used": _l("Password reset with a link"),
    "password_changed": _l("Password changed"),
    "two_factor_enabled": _l("Two-factor authentication turned on"),
    "two_factor_disabled": _l("Two-factor authentication turned off"),
    "account_created": _l("Account created"),
    "invitation_sent": _l("Invitation sent"),
    "invitation_accepted": _l("Invitation accepted"),
    "deactivated": _l("Account deactivated"),
    "reactivated": _l("Account reactivated"),
    "role_changed": _l("Role changed"),
    "email_changed": _l("Email address changed"),
    "name_changed": _l("Name changed"),
    "language_changed": _l("Language changed"),
    "capacity_changed": _l("Mentor capacity changed"),
    "sign_in_link_sent": _l("Sign-in link sent"),
    "sign_in_link_used": _l("Signed in with a link"),
}
ACCOUNT_EVENT_KINDS = tuple(ACCOUNT_EVENT_LABELS)


# The relocation plan (workflows/relocation.py): residence routes, rule keys and their units.
RESIDENCE_ROUTES = relocation.ROUTES
RESIDENCE_ROUTE_LABELS = {route: _l(label) for route, label in relocation.ROUTE_LABELS.items()}
RELOCATION_RULE_LABELS = {rule.key: _l(rule.label) for rule in relocation.RULE_DEFINITIONS}
RULE_UNIT_LABELS = {
    relocation.WORKING_DAYS: _l("working days"),
    relocation.CALENDAR_DAYS: _l("calendar days"),
    relocation.MONTHS: _l("months"),
    relocation.EUR: _l("euro"),
    relocation.EUR_PER_YEAR: _l("euro a year"),
}
STEP_STATUS_LABELS = {
    relocation.DONE: _l("Done"),
    relocation.SKIPPED: _l("Not needed"),
    relocation.OPEN: _l("To do"),
    relocation.WAITING: _l("Waiting"),
}

# Where a newcomer goes for help in their municipality.
RULE_CHANGE_LABELS = {
    "created": _l("row added"),
    "changed": _l("row changed"),
    "deleted": _l("row deleted"),
}
HELP_KINDS = ("service_desk", "expat_centre", "dutch_course_intake", "health_insurance_office")
HELP_KIND_LABELS = {
    "service_desk": _l("Municipal service desk"),
    "expat_centre": _l("Expat Centre"),
    "dutch_course_intake": _l("Dutch course intake"),
    "health_insurance_office": _l("Health insurance office"),
}
