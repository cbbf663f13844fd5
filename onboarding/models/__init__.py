"""SQLAlchemy models; importing this package registers every table on the metadata."""

from onboarding.models.base import Base, UTCDateTime, utcnow
from onboarding.models.candidate import (
    PLACEMENT_STATUSES,
    AuditEvent,
    BoardCount,
    Candidate,
    CandidateField,
    CandidateMunicipality,
    CandidateSkill,
    LanguageAssessment,
    MentoringMeeting,
    Placement,
    PlacementCheckin,
)
from onboarding.models.company import Company, Project
from onboarding.models.conversation import (
    MESSAGE_KINDS,
    Broadcast,
    ThreadAttachment,
    ThreadMessage,
    ThreadRead,
)
from onboarding.models.document import Document
from onboarding.models.job import JOB_STATUSES, Job, WorkerHeartbeat
from onboarding.models.partner import Campaign, ImportJob, Partner, campaign_partners
from onboarding.models.privacy import (
    CONSENT_ACTIONS,
    DOCUMENT_ACCESS_ACTIONS,
    EXPORT_STATUSES,
    PURGE_RULES,
    Consent,
    DataExport,
    DataPurge,
    DocumentAccess,
    PrivacyNotice,
)
from onboarding.models.relocation import (
    MunicipalityHelp,
    RelocationRule,
    RelocationRuleChange,
    RelocationStep,
)
from onboarding.models.reminder import (
    OUTBOX_KINDS,
    MailServerStatus,
    NotificationPreference,
    OutboxCount,
    Reminder,
)
from onboarding.models.report import ReportSnapshot
from onboarding.models.submission import FormToken
from onboarding.models.user import (
    LINK_PURPOSES,
    LOCALES,
    AccountEvent,
    Invitation,
    RecoveryCode,
    User,
)

__all__ = [
    "BoardCount",
    "MESSAGE_KINDS",
    "OUTBOX_KINDS",
    "Broadcast",
    "NotificationPreference",
    "ThreadAttachment",
    "ThreadMessage",
    "ThreadRead",
    "CONSENT_ACTIONS",
    "DOCUMENT_ACCESS_ACTIONS",
    "EXPORT_STATUSES",
    "PURGE_RULES",
    "Consent",
    "DataExport",
    "DataPurge",
    "DocumentAccess",
    "PrivacyNotice",
    "JOB_STATUSES",
    "LINK_PURPOSES",
    "LOCALES",
    "PLACEMENT_STATUSES",
    "AccountEvent",
    "PlacementCheckin",
    "AuditEvent",
    "Base",
    "Campaign",
    "Candidate",
    "CandidateField",
    "CandidateMunicipality",
    "CandidateSkill",
    "Company",
    "Document",
    "MunicipalityHelp",
    "RelocationRule",
    "RelocationRuleChange",
    "RelocationStep",
    "FormToken",
    "ImportJob",
    "Invitation",
    "Job",
    "WorkerHeartbeat",
    "LanguageAssessment",
    "MailServerStatus",
    "MentoringMeeting",
    "Partner",
    "Placement",
    "Project",
    "OutboxCount",
    "RecoveryCode",
    "Reminder",
    "ReportSnapshot",
    "User",
    "UTCDateTime",
    "campaign_partners",
    "utcnow",
]
