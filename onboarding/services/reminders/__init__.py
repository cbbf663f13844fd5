"""Reminders: durable rows planned from the rules in `workflows/reminders.py`.

- `scheduling`: `reschedule(candidate)` in the transaction of the change that caused it;
- `delivery`: `dispatch(now)`, ticked by the scheduler (leased claims, SMTP, retries,
  outages of the mail server);
- `rendering`: subject, body and link in the recipient's language;
- `reading`: upcoming reminders, in-app notifications (opened, read), the desk's queue of
  every outbox row and its outage banner.
"""

from onboarding.services.reminders.delivery import DispatchResult, dispatch, retry
from onboarding.services.reminders.reading import (
    mail_outage,
    mark_all_read,
    mark_read,
    notifications_for,
    open_notification,
    queue,
    queue_counts,
    unread_count,
    upcoming_for,
)
from onboarding.services.reminders.rendering import (
    build_email,
    link_of,
    planned_subject,
    recipient_label,
    subject,
)
from onboarding.services.reminders.scheduling import overdue, reschedule, reschedule_all

__all__ = [
    "DispatchResult",
    "build_email",
    "dispatch",
    "mail_outage",
    "link_of",
    "mark_all_read",
    "mark_read",
    "notifications_for",
    "open_notification",
    "overdue",
    "planned_subject",
    "queue",
    "queue_counts",
    "recipient_label",
    "reschedule",
    "reschedule_all",
    "retry",
    "subject",
    "unread_count",
    "upcoming_for",
]
