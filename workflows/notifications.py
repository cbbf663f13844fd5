"""Event notifications as data: which event reaches whom, about what, with which link.

Each event names its audience, the kind it belongs to (what a person sets a preference
for: email and app, app only, or a daily digest), whether it is essential (always by email,
whatever the preference), the subject line, and per audience the page where the reader acts
(an endpoint and the names of the parameters it takes). `onboarding.services.notifications`
resolves the audience to people, writes one outbox row per recipient in the transaction of
the change, and the dispatcher delivers them on the same path as the reminders.

Audiences:
- candidate: the candidate the event is about;
- mentor: the candidate's current mentor; old_mentor: the mentor who was just removed;
- desk: every active welcome-desk account;
- starter: the staff member who started the work (an import);
- requester: the person who asked for it (a data export);
- members: the conversation's other members (candidate, mentor, the desk as a whole);
- applicant: someone without an account, by email only (a partner application);
- company: the active contacts of the company a placement is with (the caller names them:
  only if the candidate shares their profile with companies).
For the placement events the caller names the desk too: it hears of the steps a company
contact took, not of its own.
The person who caused the event is never told about it.

Templates: `templates/email/events/<key>.txt` (the body; the subject comes from here).
Parameters are plain JSON values (names, codes, ISO dates) stored on the row; the rendering
shows codes as labels and dates in the reader's language (`services.notifications.rendering`).
The placement events are `placement_<status>` for each status of `workflows/placement.py`
a placement step reaches (`services.placements.fire`), and `placement_proposed` when one is
recorded. docs/events.md lists every event with its audience, channel and link.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from workflows.i18n import N_

AUDIENCES = (
    "candidate",
    "mentor",
    "old_mentor",
    "desk",
    "starter",
    "requester",
    "members",
    "applicant",
    "company",
)

# The kinds a person sets a preference for, in the order the settings page lists them, with
# the roles they concern. "reminders" covers the reminder rules that are not essential.
CATEGORIES: dict[str, tuple[str, ...]] = {
    "progress": ("candidate", "mentor"),
    "mentoring": ("candidate", "mentor"),
    "documents": ("candidate",),
    "placements": ("candidate", "mentor", "staff", "company"),
    "messages": ("candidate", "mentor", "staff"),
    "reminders": ("candidate", "mentor", "staff"),
    "partners": ("staff",),
    "imports": ("staff", "partner"),
}
CATEGORY_LABELS = {
    "progress": N_("Progress: phase changes and Dutch assessments"),
    "mentoring": N_("Mentor assigned or changed"),
    "documents": N_("Documents verified or rejected"),
    "placements": N_("Placements: proposals, interviews, offers"),
    "messages": N_("New messages in a conversation"),
    "reminders": N_("Reminders that are not deadlines"),
    "partners": N_("Partner applications"),
    "imports": N_("Imports that finished"),
}

# How a person wants a kind of event: by email and in the app, in the app only, or listed
# in one email a day. Essential events ignore it: they always go by email too.
CHANNELS = ("email", "app", "digest")
CHANNEL_LABELS = {
    "email": N_("Email and in the app"),
    "app": N_("Only in the app"),
    "digest": N_("In the app, and a daily summary by email"),
}
DEFAULT_CHANNEL = "email"


@dataclass(frozen=True)
class Link:
    """The page an audience acts on: an endpoint and the event parameters it takes."""

    endpoint: str
    args: tuple[str, ...] = ()


@dataclass(frozen=True)
class Event:
    key: str
    audience: tuple[str, ...]
    category: str
    subject: str
    links: dict[str, Link] = field(default_factory=dict)
    essential: bool = False
    # Shown in the app as well as sent: False for someone without an account (applicant).
    in_app: bool = True
    # The subject for an audience that reads the event from elsewhere (a mentor hears of
    # their mentee's step): by audience, else `subject`.
    subjects: dict[str, str] = field(default_factory=dict)

    def subject_for(self, audience: str) -> str:
        return self.subjects.get(audience, self.subject)

    def link_for(self, audience: str, role: str) -> Link | None:
        """The page for this audience, else for the recipient's role (candidate, mentor,
        staff): a requester or a conversation member can be any of them."""
        return self.links.get(audience) or self.links.get(role)


_CANDIDATE_HOME = Link("candidate.dashboard")
_MENTEE = Link("mentor.mentee", ("candidate_id",))
_DESK_FILE = Link("desk.candidate", ("candidate_id",))
_ABOUT_CANDIDATE = {"candidate": _CANDIDATE_HOME, "mentor": _MENTEE, "staff": _DESK_FILE}
_COMPANY_PLACEMENT = Link("company.placement", ("placement_id",))


def _placement(key: str, subject: str, mentor_subject: str) -> Event:
    """A placement step: the candidate reads `subject`; the mentor, the desk and the
    company's contacts read of the candidate (`mentor_subject`)."""
    return Event(
        key,
        ("candidate", "mentor", "desk", "company"),
        "placements",
        subject,
        links={**_ABOUT_CANDIDATE, "company": _COMPANY_PLACEMENT},
        subjects={"mentor": mentor_subject, "desk": mentor_subject, "company": mentor_subject},
    )


EVENTS: tuple[Event, ...] = (
    Event(
        "phase_changed",
        ("candidate",),
        "progress",
        N_("Your onboarding moved on: %(phase)s"),
        links={"candidate": _CANDIDATE_HOME},
    ),
    Event(
        "mentor_assigned",
        ("candidate", "mentor"),
        "mentoring",
        N_("Your mentor: %(mentor)s"),
        links=dict(_ABOUT_CANDIDATE),
        subjects={"mentor": N_("Your new mentee: %(candidate)s")},
    ),
    Event(
        "mentor_removed",
        ("old_mentor",),
        "mentoring",
        N_("%(candidate)s is no longer your mentee"),
        links={"old_mentor": Link("mentor.index")},
    ),
    Event(
        "assessment_recorded",
        ("candidate", "mentor"),
        "progress",
        N_("Dutch assessment recorded: level %(level)s"),
        links=dict(_ABOUT_CANDIDATE),
        subjects={"mentor": N_("Dutch assessment of %(candidate)s: level %(level)s")},
    ),
    Event(
        "document_verified",
        ("candidate",),
        "documents",
        N_("Your document was verified: %(document)s"),
        links={"candidate": Link("documents.my_documents")},
    ),
    Event(
        "document_rejected",
        ("candidate",),
        "documents",
        N_("Your document was not accepted: %(document)s"),
        links={"candidate": Link("documents.my_documents")},
    ),
    _placement(
        "placement_proposed",
        N_("Proposed to %(company)s: %(project)s"),
        N_("%(candidate)s was proposed to %(company)s"),
    ),
    _placement(
        "placement_interview",
        N_("Interview planned with %(company)s"),
        N_("Interview planned for %(candidate)s with %(company)s"),
    ),
    _placement(
        "placement_offer",
        N_("An offer from %(company)s"),
        N_("An offer for %(candidate)s from %(company)s"),
    ),
    _placement(
        "placement_accepted",
        N_("Placement accepted: %(company)s"),
        N_("%(candidate)s accepted the placement at %(company)s"),
    ),
    _placement(
        "placement_started",
        N_("The placement at %(company)s has started"),
        N_("%(candidate)s has started at %(company)s"),
    ),
    _placement(
        "placement_declined",
        N_("The placement at %(company)s will not go ahead"),
        N_("The placement of %(candidate)s at %(company)s will not go ahead"),
    ),
    _placement(
        "placement_withdrawn",
        N_("The placement at %(company)s was withdrawn"),
        N_("The placement of %(candidate)s at %(company)s was withdrawn"),
    ),
    Event(
        "project_proposed",
        ("desk",),
        "placements",
        N_("%(company)s proposes a project: %(project)s"),
        links={"staff": Link("desk.project", ("project_id",))},
    ),
    Event(
        "project_approved",
        ("company",),
        "placements",
        N_("Your project is open for candidates: %(project)s"),
        links={"company": Link("company.home")},
    ),
    Event(
        "project_declined",
        ("company",),
        "placements",
        N_("Your project was not approved: %(project)s"),
        links={"company": Link("company.home")},
    ),
    Event(
        "partner_application_received",
        ("desk",),
        "partners",
        N_("New partner application: %(organisation)s"),
        links={"staff": Link("partners.partner_detail", ("partner_id",))},
    ),
    Event(
        "partner_application_confirmed",
        ("applicant",),
        "partners",
        N_("We have received your application to become a partner"),
        essential=True,
        in_app=False,
    ),
    Event(
        "partner_application_accepted",
        ("applicant",),
        "partners",
        N_("Your application as a partner was accepted"),
        essential=True,
        in_app=False,
    ),
    Event(
        "partner_application_declined",
        ("applicant",),
        "partners",
        N_("Your application as a partner"),
        essential=True,
        in_app=False,
    ),
    Event(
        "import_finished",
        ("starter",),
        "imports",
        N_("Your import has finished: %(file)s"),
        links={
            "staff": Link("partners.import_job", ("job_id",)),
            "partner": Link("partner_portal.import_job", ("job_id",)),
        },
    ),
    Event(
        "data_export_ready",
        ("requester",),
        "documents",
        N_("Your copy of the data is ready"),
        links={"candidate": Link("mydata.index"), "staff": Link("mydata.desk", ("candidate_id",))},
        essential=True,
    ),
    Event(
        "message_received",
        ("members",),
        "messages",
        N_("New message from %(author)s"),
        links={
            "candidate": Link("conversation.mine"),
            "mentor": Link("conversation.mentee", ("candidate_id",)),
            "staff": Link("conversation.desk", ("candidate_id",)),
        },
    ),
)
EVENTS_BY_KEY = {event.key: event for event in EVENTS}

# The daily summary: one email per person and day listing what went to their digest.
DIGEST = "digest"
DIGEST_SUBJECT = N_("What happened on Onthaal today")


def category_of(key: str) -> str | None:
    event = EVENTS_BY_KEY.get(key)
    return event.category if event else None


def categories_for(role: str) -> list[str]:
    """The kinds of event a person in `role` can set a preference for."""
    return [category for category, roles in CATEGORIES.items() if role in roles]
