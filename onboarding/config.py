"""Settings read from the environment (12-factor); one class per mode."""

import os

from workflows.onboarding import CEFR_LEVELS, DEFAULT_DUTCH_TARGET


def _bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def database_url(url: str | None) -> str | None:
    """Accept the common `postgres://` spelling and use the psycopg 3 driver."""
    if not url:
        return None
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


class Config:
    # Read at create_app time; when unset, a key is generated into the instance folder.
    SECRET_KEY = os.environ.get("SECRET_KEY")
    SQLALCHEMY_DATABASE_URI = database_url(os.environ.get("DATABASE_URL"))
    # hide_parameters: an error's text (and so a log line) never quotes a statement's bound
    # values — email addresses, names.
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True, "hide_parameters": True}

    BABEL_DEFAULT_LOCALE = "en"
    BABEL_DEFAULT_TIMEZONE = "Europe/Brussels"

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = _bool("SESSION_COOKIE_SECURE")
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_SECURE = _bool("SESSION_COOKIE_SECURE")
    WTF_CSRF_TIME_LIMIT = None  # tied to the session instead, so long forms do not expire

    # Programme settings
    DUTCH_TARGET_LEVEL = os.environ.get("ONTHAAL_DUTCH_TARGET", DEFAULT_DUTCH_TARGET)
    INVITATION_VALID_HOURS = int(os.environ.get("ONTHAAL_INVITATION_VALID_HOURS", "168"))
    BOARD_PAGE_SIZE = 25
    MIN_PASSWORD_LENGTH = 12
    # A reset link works once, for this many minutes.
    RESET_LINK_VALID_MINUTES = int(os.environ.get("ONTHAAL_RESET_LINK_MINUTES", "60"))
    # A company contact's emailed sign-in link (they have no password): one sign-in.
    SIGN_IN_LINK_VALID_MINUTES = int(os.environ.get("ONTHAAL_SIGN_IN_LINK_MINUTES", "30"))
    # Sessions end after this much inactivity (staff and mentors; candidates get longer).
    SESSION_IDLE_MINUTES = int(os.environ.get("ONTHAAL_SESSION_IDLE_MINUTES", "480"))
    CANDIDATE_SESSION_IDLE_MINUTES = int(
        os.environ.get("ONTHAAL_CANDIDATE_SESSION_IDLE_MINUTES", str(7 * 24 * 60))
    )
    # "required": every welcome-desk account must use two-factor authentication.
    STAFF_2FA = os.environ.get("ONTHAAL_STAFF_2FA", "optional")

    # Throttling (the `limits` notation): failed logins per account and per client address,
    # reset requests, and applications on the public partner form. Behind a reverse proxy set
    # ONTHAAL_TRUSTED_PROXIES to the number of proxies, so the client address is the real one.
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
    RATELIMIT_HEADERS_ENABLED = False
    # Names the counts in a shared store, so two installations on one Redis stay apart.
    RATELIMIT_KEY_PREFIX = os.environ.get("RATELIMIT_KEY_PREFIX", "onthaal")
    LOGIN_LIMIT_ACCOUNT = os.environ.get("ONTHAAL_LOGIN_LIMIT_ACCOUNT", "5 per 15 minutes")
    LOGIN_LIMIT_ADDRESS = os.environ.get("ONTHAAL_LOGIN_LIMIT_ADDRESS", "20 per 15 minutes")
    RESET_LIMIT = os.environ.get("ONTHAAL_RESET_LIMIT", "5 per hour")
    PARTNER_FORM_LIMIT = os.environ.get("ONTHAAL_PARTNER_FORM_LIMIT", "5 per hour")
    TRUSTED_PROXIES = int(os.environ.get("ONTHAAL_TRUSTED_PROXIES", "0"))

    # Mail: real SMTP when MAIL_SERVER is set; otherwise messages go to instance/outbox.
    MAIL_SERVER = os.environ.get("MAIL_SERVER")
    MAIL_PORT = int(os.environ.get("MAIL_PORT", "25"))
    MAIL_USE_STARTTLS = _bool("MAIL_USE_STARTTLS")
    MAIL_USE_SSL = _bool("MAIL_USE_SSL")
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD")
    MAIL_SENDER = os.environ.get("MAIL_SENDER", "Onthaal <onthaal@localhost>")
    MAIL_TIMEOUT = 10

    # Uploads are at most 10 MB (DOCUMENT_MAX_BYTES); anything much larger is refused before
    # it is read, with the translated 413 page.
    MAX_CONTENT_LENGTH = 11 * 1024 * 1024

    # Reminders: links in emails, the dispatcher's batch, lease and retry policy.
    PUBLIC_BASE_URL = os.environ.get("ONTHAAL_PUBLIC_URL", "http://127.0.0.1:5000")
    REMINDER_BATCH_SIZE = int(os.environ.get("ONTHAAL_REMINDER_BATCH", "100"))
    REMINDER_LEASE_SECONDS = int(os.environ.get("ONTHAAL_REMINDER_LEASE_SECONDS", "300"))
    REMINDER_MAX_ATTEMPTS = int(os.environ.get("ONTHAAL_REMINDER_MAX_ATTEMPTS", "6"))
    REMINDER_RETRY_BASE_SECONDS = int(os.environ.get("ONTHAAL_REMINDER_RETRY_SECONDS", "60"))
    SCHEDULER_INTERVAL_SECONDS = int(os.environ.get("ONTHAAL_SCHEDULER_INTERVAL", "60"))
    # "inprocess" runs the worker inside this process (make run); production runs
    # `flask --app wsgi worker` as its own process instead, never one per web worker.
    SCHEDULER_MODE = os.environ.get("ONTHAAL_SCHEDULER", "off")
    # Background jobs (imports): how often the worker looks for one, the lease it takes
    # (renewed while it works) and how often a crashed job is tried again.
    JOB_POLL_SECONDS = float(os.environ.get("ONTHAAL_JOB_POLL_SECONDS", "2"))
    JOB_LEASE_SECONDS = int(os.environ.get("ONTHAAL_JOB_LEASE_SECONDS", "120"))
    JOB_MAX_ATTEMPTS = int(os.environ.get("ONTHAAL_JOB_MAX_ATTEMPTS", "3"))

    # Logs: JSON lines on stderr (onboarding.logs); off for a host that sets up its own.
    LOG_TO_STDERR = _bool("ONTHAAL_LOG_TO_STDERR", True)
    LOG_LEVEL = os.environ.get("ONTHAAL_LOG_LEVEL", "INFO").upper()
    # GET /metrics answers only with "Authorization: Bearer <this>"; unset, it is off (404).
    METRICS_TOKEN = os.environ.get("ONTHAAL_METRICS_TOKEN") or None
    # The worker process serves its own counts (deliveries) on this port of 127.0.0.1.
    WORKER_METRICS_PORT = int(os.environ.get("ONTHAAL_WORKER_METRICS_PORT", "0")) or None

    # Personal data: how long it is kept (the privacy notice states these figures). The
    # worker's nightly purge erases a candidate this many days after they were withdrawn or
    # placed (unless on legal hold), and removes rejected documents, invitation and reset
    # links after they expired, and the rows of CSV imports after they ended.
    RETENTION_WITHDRAWN_DAYS = int(os.environ.get("ONTHAAL_RETENTION_WITHDRAWN_DAYS", "365"))
    RETENTION_PLACED_DAYS = int(os.environ.get("ONTHAAL_RETENTION_PLACED_DAYS", "730"))
    RETENTION_REJECTED_DOCUMENT_DAYS = int(
        os.environ.get("ONTHAAL_RETENTION_REJECTED_DOCUMENT_DAYS", "90")
    )
    RETENTION_INVITATION_DAYS = int(os.environ.get("ONTHAAL_RETENTION_INVITATION_DAYS", "30"))
    RETENTION_IMPORT_DAYS = int(os.environ.get("ONTHAAL_RETENTION_IMPORT_DAYS", "30"))
    # The desk's "due for purge" list looks this far ahead.
    PURGE_NOTICE_DAYS = int(os.environ.get("ONTHAAL_PURGE_NOTICE_DAYS", "7"))
    # The nightly purge runs at this hour, Brussels time.
    PURGE_HOUR = int(os.environ.get("ONTHAAL_PURGE_HOUR", "3"))
    # The hour (Brussels time) the worker writes the daily digests (services.notifications.digest).
    DIGEST_HOUR = int(os.environ.get("ONTHAAL_DIGEST_HOUR", "17"))
    # The worker recomputes the reports' unfiltered figures this often (services.reports).
    REPORT_REFRESH_MINUTES = int(os.environ.get("ONTHAAL_REPORT_REFRESH_MINUTES", "10"))
    # A data export (ZIP) can be downloaded for this many days after it is ready.
    DATA_EXPORT_VALID_DAYS = int(os.environ.get("ONTHAAL_DATA_EXPORT_VALID_DAYS", "7"))
    # The programme's contact for privacy questions, named in the privacy notice.
    PRIVACY_CONTACT = os.environ.get("ONTHAAL_PRIVACY_CONTACT", "privacy@onthaal.example")


def validate(config) -> None:
    if config["STAFF_2FA"] not in {"optional", "required"}:
        raise RuntimeError("ONTHAAL_STAFF_2FA must be 'optional' or 'required'")
    if config["DUTCH_TARGET_LEVEL"] not in CEFR_LEVELS:
        raise RuntimeError(
            f"ONTHAAL_DUTCH_TARGET must be one of {', '.join(CEFR_LEVELS)}, "
            f"not {config['DUTCH_TARGET_LEVEL']!r}"
        )
