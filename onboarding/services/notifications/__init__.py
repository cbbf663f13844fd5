"""Event notifications on the shared outbox (`workflows/notifications.py` says who gets what).

- `events`: `notify(key, …)` in the transaction of the change that caused it: one outbox row
  per recipient, in the app at once, by email through the reminders' dispatcher;
- `preferences`: how each person wants each kind of event (email and app, app only, digest);
- `rendering`: subject, link and email of an event row in the recipient's language.
"""

from onboarding.services.notifications.events import Applicant, notify, settle_in_app
from onboarding.services.notifications.preferences import channels_for, preferences_of
from onboarding.services.notifications.rendering import build_event_email, event_link, event_subject

__all__ = [
    "Applicant",
    "build_event_email",
    "channels_for",
    "event_link",
    "event_subject",
    "notify",
    "preferences_of",
    "settle_in_app",
]
