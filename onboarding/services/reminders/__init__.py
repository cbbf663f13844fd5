"""Reminders: durable rows planned from the rules in `workflows/reminders.py`.

- `scheduling`: `reschedule(candidate)` in the transaction of the change that caused it;
- `delivery`: `dispatch(now)`, ticked by the scheduler (leased claims, SMTP, retries,
  outages of the mail server);
- `rendering`: subject, body and link in the recipient's language;
- `reading`: upcoming reminders, notifications, the desk's queue and its outage banner.
"""

from onboarding.services.reminders.delivery import DispatchResult, dispatch, retry
from onboarding.services.reminders.reading import (
    mail_outage,
    mark_all_read,
    notifications_for,
    queue,
    queue_counts,
    unread_count,
    upcoming_for,
)
from onboarding.services.reminders.rendering import build_email, planned_subject, subject
from onboarding.services.reminders.scheduling import overdue, reschedule, reschedule_all

__all__ = [
    "DispatchResult",
    "build_email",
    "dispatch",
    "mail_outage",
    "mark_all_read",
    "notifications_for",
    "overdue",
    "planned_subject",
    "queue",
    "queue_counts",
    "reschedule",
    "reschedule_all",
    "retry",
    "subject",
    "unread_count",
    "upcoming_for",
]
