"""SQLAlchemy models; importing this package registers every table on the metadata."""

from onboarding.models.base import Base, UTCDateTime, utcnow
from onboarding.models.candidate import (
    OUTREACH_CHANNELS,
    PLACEMENT_STATUSES,
    STEM_FIELDS,
    AuditEvent,
    Candidate,
    Company,
    LanguageAssessment,
    MentoringMeeting,
    Placement,
)
from onboarding.models.reminder import REMINDER_STATUSES, Reminder
from onboarding.models.user import LOCALES, Invitation, User

__all__ = [
    "LOCALES",
    "OUTREACH_CHANNELS",
    "PLACEMENT_STATUSES",
    "STEM_FIELDS",
    "AuditEvent",
    "Base",
    "Candidate",
    "Company",
    "Invitation",
    "LanguageAssessment",
    "MentoringMeeting",
    "Placement",
    "REMINDER_STATUSES",
    "Reminder",
    "User",
    "UTCDateTime",
    "utcnow",
]
