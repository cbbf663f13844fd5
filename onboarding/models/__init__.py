"""SQLAlchemy models; importing this package registers every table on the metadata."""

from onboarding.models.base import Base, UTCDateTime, utcnow
from onboarding.models.candidate import (
    PLACEMENT_STATUSES,
    AuditEvent,
    Candidate,
    CandidateField,
    CandidateMunicipality,
    CandidateSkill,
    LanguageAssessment,
    MentoringMeeting,
    Placement,
)
from onboarding.models.company import Company, Project
from onboarding.models.document import Document
from onboarding.models.job import JOB_STATUSES, Job
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
from onboarding.models.reminder import MailServerStatus, Reminder
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
    "AuditEvent",
    "Base",
    "Campaign",
    "Candidate",
    "CandidateField",
    "CandidateMunicipality",
    "CandidateSkill",
    "Company",
    "Document",
    "FormToken",
    "ImportJob",
    "Invitation",
    "Job",
    "LanguageAssessment",
    "MailServerStatus",
    "MentoringMeeting",
    "Partner",
    "Placement",
    "Project",
    "RecoveryCode",
    "Reminder",
    "User",
    "UTCDateTime",
    "campaign_partners",
    "utcnow",
]
