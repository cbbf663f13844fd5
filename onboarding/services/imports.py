"""Importing prospects from a partner's CSV file: preview first, then all or nothing.

1. `preview` reads the file, checks every row by the registration rules and stores an
   ImportJob ("previewed") with the rows ready to import and each bad row's problems. A file
   that cannot be read at all (not UTF-8, empty, columns missing, too large) is refused
   without a job. Nothing else is written.
2. `start` claims a clean previewed job ("importing") and runs it in a background thread, or
   inline (IMPORT_RUN_INLINE; the default under TESTING and on SQLite, where every
   transaction takes the write lock, so nobody could watch the progress anyway).
3. `run_import` puts every row through `candidates.register` inside ONE transaction: the
   session it uses is joined to that transaction with savepoints, so register's own commits
   only release savepoints (the SQLAlchemy recipe "Joining a Session into an External
   Transaction"). Any refused row rolls everything back and the job becomes "failed" with
   the reason. The progress callback writes `processed_rows` on short transactions of its
   own while the import transaction stays open, so the job page can show it.
4. After the commit the invitations are emailed, in each prospect's language.

Problems are stored as codes with parameters and translated when shown, so every reader
sees them in their own language.
"""

from __future__ import annotations

import csv
import io
import json
import logging
import re
import threading
import time
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from types import SimpleNamespace

from email_validator import EmailNotValidError, validate_email
from flask import Flask, current_app, has_request_context, url_for
from flask_babel import force_locale, format_decimal, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_sqlalchemy.session import Session as FlaskSession
from sqlalchemy import Engine, select, update
from wtforms.validators import ValidationError

from onboarding.extensions import db
from onboarding.forms import plain_name
from onboarding.i18n import valid_country
from onboarding.models import (
    LOCALES,
    OUTREACH_CHANNELS,
    STEM_FIELDS,
    Campaign,
    ImportJob,
    Partner,
    User,
    utcnow,
)
from onboarding.services import candidates, mail
from onboarding.services.access import require_role
from onboarding.services.errors import Conflict, DomainError, NotFound, Refused

log = logging.getLogger(__name__)

MAX_BYTES = 2 * 1024 * 1024
MAX_ROWS = 5000
REQUIRED_COLUMNS = (
    "name",
    "email",
    "country",
    "origin_institution",
    "stem_field",
    "graduation_date",
    "outreach_channel",
)
OPTIONAL_COLUMNS = ("language", "consent")
COLUMNS = REQUIRED_COLUMNS + OPTIONAL_COLUMNS
MAX_LENGTHS = {"name": 120, "email": 254, "origin_institution": 200}
YES = {"yes", "y", "ja", "true", "1"}
NO = {"no", "n", "nee", "false", "0", ""}
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")

# Row problems, by code; %(column)s is the column's name as written in the file's header.
ROW_MESSAGES = {
    "required": _l("%(column)s: a value is required."),
    "too_long": _l("%(column)s: use at most %(max)s characters."),
    "name_invalid": _l(
        "%(column)s: a name may only contain letters, spaces, hyphens, apostrophes and dots."
    ),
    "email_invalid": _l("%(column)s: “%(value)s” is not a valid email address."),
    "email_repeated": _l("%(column)s: %(value)s is already in row %(other)s of this file."),
    "email_taken": _l("%(column)s: a person with the address %(value)s is already registered."),
    "country_unknown": _l(
        "%(column)s: “%(value)s” is not a two-letter country code (ISO 3166), such as NA or ZA."
    ),
    "choice_invalid": _l("%(column)s: “%(value)s” is not one of: %(allowed)s."),
    "date_invalid": _l("%(column)s: “%(value)s” is not a date written as YYYY-MM-DD."),
    "consent_invalid": _l("%(column)s: write yes or no, not “%(value)s”."),
}


# -- reading the file -----------------------------------------------------------------------


def max_bytes() -> int:
    return current_app.config.get("IMPORT_MAX_BYTES", MAX_BYTES)


def max_rows() -> int:
    return current_app.config.get("IMPORT_MAX_ROWS", MAX_ROWS)


def decode(content: bytes) -> str:
    """The file's text; refused with a clear message when it is not UTF-8 text."""
    if len(content) > max_bytes():
        raise Refused(
            _(
                "The file is larger than %(size)s MB. Split it into smaller files.",
                size=format_decimal(max_bytes() / (1024 * 1024)),
            )
        )
    if content.startswith(b"PK\x03\x04") or content.startswith(b"\xd0\xcf\x11\xe0"):
        raise Refused(
            _(
                "This is a spreadsheet workbook, not a CSV file. "
                "Save it as “CSV UTF-8” and upload that file."
            )
        )
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise Refused(
            _(
                "The file is not saved as UTF-8. In your spreadsheet choose "
                "“Save as” → “CSV UTF-8” and upload the file again."
            )
        ) from error
    if "\x00" in text:  # UTF-16 that happened to decode, or a binary file
        raise Refused(
            _(
                "The file is not saved as UTF-8. In your spreadsheet choose "
                "“Save as” → “CSV UTF-8” and upload the file again."
            )
        )
    if not text.strip():
        raise Refused(_("The file is empty."))
    return text


def _delimiter(header_line: str) -> str:
    # Spreadsheets in Belgium and the Netherlands save "CSV" with semicolons.
    counts = {sep: header_line.count(sep) for sep in (",", ";", "\t")}
    return max(counts, key=lambda sep: counts[sep]) if any(counts.values()) else ","


def _column_key(name: str) -> str:
    return re.sub(r"[\s-]+", "_", name.strip().lower())


def read_rows(text: str) -> list[tuple[int, dict[str, str]]]:
    """(spreadsheet row number, values by column) for each non-blank row; the header is
    row 1. Refused when columns are missing or there are too many rows."""
    first_line = text.lstrip("\r\n").split("\n", 1)[0]
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(first_line))
    try:
        records = list(reader)
    except csv.Error as error:
        raise Refused(
            _(
                "The file could not be read as CSV. "
                "Check that it is a comma- or semicolon-separated text file."
            )
        ) from error
    numbered = [
        (number, record)
        for number, record in enumerate(records, 1)
        if any(cell.strip() for cell in record)
    ]
    if not numbered:
        raise Refused(_("The file is empty."))
    _header_number, header = numbered[0]
    positions: dict[str, int] = {}
    for index, name in enumerate(header):
        positions.setdefault(_column_key(name), index)
    missing = [column for column in REQUIRED_COLUMNS if column not in positions]
    if missing:
        raise Refused(
            _(
                "The file lacks these columns: %(missing)s. "
                "Its first row must name the columns: %(expected)s.",
                missing=", ".join(missing),
                expected=", ".join(COLUMNS),
            )
        )
    data = numbered[1:]
    if not data:
        raise Refused(_("The file has column names but no rows below them."))
    if len(data) > max_rows():
        raise Refused(
            _(
                "The file has %(count)s rows; at most %(max)s can be imported at once. "
                "Split it into smaller files.",
                count=format_decimal(len(data)),
                max=format_decimal(max_rows()),
            )
        )

    def cell(record: list[str], column: str) -> str:
        index = positions.get(column)
        return record[index].strip() if index is not None and index < len(record) else ""

    return [(number, {c: cell(record, c) for c in COLUMNS}) for number, record in data]


# -- checking the rows ----------------------------------------------------------------------


def _problem(code: str, column: str, **params) -> dict:
    return {"code": code, "column": column, **params}


def _shown(value: str) -> str:
    return value if len(value) <= 60 else value[:57] + "…"


def _choice_key(value: str) -> str:
    return re.sub(r"[\s-]+", "_", value.strip().lower())


def _invalid_choice(column: str, value: str, allowed) -> dict:
    return _problem("choice_invalid", column, value=_shown(value), allowed=", ".join(allowed))


def check_row(values: dict[str, str]) -> tuple[dict | None, list[dict]]:
    """The row ready for `candidates.register` (or None) and its problems."""
    problems: list[dict] = []
    for column in REQUIRED_COLUMNS:
        if not values[column]:
            problems.append(_problem("required", column))
    for column, limit in MAX_LENGTHS.items():
        if len(values[column]) > limit:
            problems.append(_problem("too_long", column, max=limit))
    name = values["name"]
    if name and len(name) <= MAX_LENGTHS["name"]:
        try:  # the same rule as the registration form's name field
            plain_name(None, SimpleNamespace(data=name))
        except ValidationError:
            problems.append(_problem("name_invalid", "name"))
    email = values["email"].lower()
    if email and len(email) <= MAX_LENGTHS["email"]:
        try:  # the same check as WTForms' Email validator on the registration form
            validate_email(email, check_deliverability=False, allow_smtputf8=True)
        except EmailNotValidError:
            problems.append(_problem("email_invalid", "email", value=_shown(values["email"])))
    country = values["country"].upper()
    if country and not valid_country(country):
        problems.append(_problem("country_unknown", "country", value=_shown(values["country"])))
    chosen = {}
    for column, allowed in (("stem_field", STEM_FIELDS), ("outreach_channel", OUTREACH_CHANNELS)):
        chosen[column] = _choice_key(values[column])  # "Computer science" → computer_science
        if values[column] and chosen[column] not in allowed:
            problems.append(_invalid_choice(column, values[column], allowed))
    graduation = None
    if values["graduation_date"]:
        try:
            if not ISO_DATE.fullmatch(values["graduation_date"]):
                raise ValueError(values["graduation_date"])
            graduation = datetime.strptime(values["graduation_date"], "%Y-%m-%d").date()
        except ValueError:
            value = _shown(values["graduation_date"])
            problems.append(_problem("date_invalid", "graduation_date", value=value))
    locale = values["language"].lower() or "en"
    if locale not in LOCALES:
        problems.append(_invalid_choice("language", values["language"], LOCALES))
    consent = values["consent"].lower()
    if consent not in YES | NO:
        problems.append(_problem("consent_invalid", "consent", value=_shown(values["consent"])))
    if problems:
        return None, problems
    return {
        "name": name,
        "email": email,
        "country_code": country,
        "origin_institution": values["origin_institution"],
        "stem_field": chosen["stem_field"],
        "graduation_date": graduation.isoformat(),
        "outreach_channel": chosen["outreach_channel"],
        "locale": locale,
        "consent": consent in YES,
    }, []


def _registered(emails: list[str]) -> set[str]:
    found: set[str] = set()
    for start in range(0, len(emails), 500):
        chunk = emails[start : start + 500]
        found.update(db.session.scalars(select(User.email).where(User.email.in_(chunk))))
    return found


def check_rows(rows: list[tuple[int, dict[str, str]]]) -> tuple[list[dict], list[dict]]:
    """(rows ready to import, [{"row": n, "problems": [...]}]) for the whole file."""
    ready: list[dict] = []
    errors: list[dict] = []
    first_row_of: dict[str, int] = {}
    checked = []
    for number, values in rows:
        row, problems = check_row(values)
        email = values["email"].lower()
        if email and not any(p["column"] == "email" for p in problems):
            if email in first_row_of:
                other = first_row_of[email]
                problems.append(_problem("email_repeated", "email", value=email, other=other))
            else:
                first_row_of[email] = number
        else:
            email = None
        checked.append((number, row, problems, email))
    taken = _registered(list(first_row_of))
    for number, row, problems, email in checked:
        if email in taken:
            problems.append(_problem("email_taken", "email", value=_shown(email)))
        if problems:
            errors.append({"row": number, "problems": problems})
        else:
            ready.append({"row": number, **row})
    return ready, errors


# -- the preview ----------------------------------------------------------------------------


def _clean_filename(filename: str) -> str:
    name = (filename or "").replace("\\", "/").rsplit("/", 1)[-1].strip()
    return name[:255] or "import.csv"


def preview(
    actor: User, *, filename: str, content: bytes, partner_id: int, campaign_id: int | None
) -> ImportJob:
    """Check the file and store a previewed job; refuses an unreadable file (no job)."""
    require_role(actor, "staff")
    partner = db.session.get(Partner, partner_id)
    if partner is None or partner.status != "accepted":
        raise Refused(_("Choose one of the accepted partners."))
    if campaign_id is not None and db.session.get(Campaign, campaign_id) is None:
        raise Refused(_("Choose one of the listed campaigns."))
    rows = read_rows(decode(content))
    ready, errors = check_rows(rows)
    job = ImportJob(
        created_by_id=actor.id,
        filename=_clean_filename(filename),
        partner_id=partner.id,
        campaign_id=campaign_id,
        status="previewed",
        rows=ready,
        errors=errors,
        total_rows=len(rows),
        processed_rows=0,
    )
    db.session.add(job)
    db.session.commit()
    return job


def get_job(job_id: int, *, fresh: bool = False) -> ImportJob:
    job = db.session.get(ImportJob, job_id, populate_existing=fresh)
    if job is None:
        raise NotFound(_("This import does not exist."))
    return job


def problem_text(problem: dict) -> str:
    params = {key: value for key, value in problem.items() if key != "code"}
    return str(ROW_MESSAGES[problem["code"]]) % params


def row_errors(job: ImportJob) -> list[tuple[int, list[str]]]:
    """Each bad row's number and its problems, in the reader's language."""
    return [
        (entry["row"], [problem_text(problem) for problem in entry["problems"]])
        for entry in job.errors or []
    ]


def preview_rows(job: ImportJob, limit: int) -> list[dict]:
    """The first rows ready to import, with their dates as dates (for the page's Babel
    formatting)."""
    return [
        {**row, "graduation_date": date.fromisoformat(row["graduation_date"])}
        for row in (job.rows or [])[:limit]
    ]


def recent_jobs(limit: int = 10) -> list[ImportJob]:
    return list(db.session.scalars(select(ImportJob).order_by(ImportJob.id.desc()).limit(limit)))


# -- running it -----------------------------------------------------------------------------


def claim(actor: User, job_id: int) -> ImportJob:
    """Mark a clean previewed job "importing", once (a second click is a Conflict)."""
    require_role(actor, "staff")
    job = get_job(job_id)
    if job.status != "previewed":
        raise Conflict(_("This import has already been run."))
    if job.errors:
        raise Refused(_("This file has errors. Correct them in the file and upload it again."))
    result = db.session.execute(
        update(ImportJob)
        .where(ImportJob.id == job_id, ImportJob.status == "previewed")
        .values(status="importing", processed_rows=0, failure=None)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        db.session.rollback()
        raise Conflict(_("This import has already been run."))
    db.session.commit()
    return job


def run_inline() -> bool:
    default = current_app.testing or db.engine.dialect.name == "sqlite"
    return bool(current_app.config.get("IMPORT_RUN_INLINE", default))


def start(actor: User, job_id: int) -> ImportJob:
    """Claim the job and run it, in a background thread or (see run_inline) right away."""
    actor_id = actor.id  # read now: after claim's commit it would be loaded again
    job = claim(actor, job_id)
    app = current_app._get_current_object()
    if run_inline():
        run_job(app, job_id, actor_id)
    else:
        threading.Thread(
            target=run_job, args=(app, job_id, actor_id), name=f"import-{job_id}", daemon=True
        ).start()
    return job


def run_job(
    app: Flask, job_id: int, actor_id: int, progress: Callable[[int, int], None] | None = None
) -> None:
    """The thread's entry point: an app context of its own, so a session of its own."""
    with app.app_context():
        try:
            run_import(job_id, actor_id, progress or ProgressWriter(job_id))
        except Exception:  # run_import records failures on the job; this is a last resort
            log.exception("import job %s crashed", job_id)


class ProgressWriter:
    """Writes `processed_rows` on a short transaction of its own (a separate pooled
    connection), so the job page sees it while the import's transaction is still open.

    Only with a real server database: on SQLite the import's transaction holds the write
    lock, and in the test suite the engine is one shared connection; both run inline, where
    nobody can watch, and the final count is written with the result."""

    def __init__(self, job_id: int, interval: float | None = None, clock=time.monotonic):
        self.job_id = job_id
        if interval is None:
            interval = current_app.config.get("IMPORT_PROGRESS_INTERVAL", 0.5)
        self.interval = interval
        self.clock = clock
        self.last: float | None = None

    def __call__(self, done: int, total: int) -> None:
        now = self.clock()
        if done < total and self.last is not None and now - self.last < self.interval:
            return  # at most one write per interval, and always the last one
        self.last = now
        self.write(done)

    def write(self, done: int) -> None:
        bind = db.engines[None]
        if not isinstance(bind, Engine) or bind.dialect.name == "sqlite":
            return
        with bind.begin() as connection:
            connection.execute(
                update(ImportJob.__table__)
                .where(ImportJob.__table__.c.id == self.job_id)
                .values(processed_rows=done)
            )


class _JoinedSession(FlaskSession):
    """A session on one given connection (Flask-SQLAlchemy would pick the app's engine)."""

    def get_bind(self, *args, **kwargs):
        return self.bind


@contextmanager
def _one_transaction():
    """Make `db.session` a session whose commits only release savepoints inside one
    transaction that this block commits at the end, or rolls back on any error."""
    bind = db.engines[None]
    connection = bind.connect() if isinstance(bind, Engine) else bind  # tests: a Connection
    transaction = connection.begin_nested() if connection.in_transaction() else connection.begin()
    session = _JoinedSession(
        db, bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False
    )
    registry = db.session.registry
    previous = registry() if registry.has() else None
    registry.set(session)
    try:
        yield session
        session.commit()
        session.close()
        transaction.commit()
    except BaseException:
        session.close()
        transaction.rollback()
        raise
    finally:
        if previous is None:
            registry.clear()
        else:
            registry.set(previous)
        if connection is not bind:
            connection.close()


class _RowRefused(Exception):
    def __init__(self, row: int, reason: str):
        super().__init__(reason)
        self.row = row
        self.reason = reason


@dataclass(frozen=True)
class _Invite:
    email: str
    locale: str
    name: str
    token: str


def _registration(row: dict, job: ImportJob) -> candidates.Registration:
    return candidates.Registration(
        name=row["name"],
        email=row["email"],
        country_code=row["country_code"],
        origin_institution=row["origin_institution"],
        stem_field=row["stem_field"],
        graduation_date=date.fromisoformat(row["graduation_date"]),
        outreach_channel=row["outreach_channel"],
        locale=row["locale"],
        consent_recorded=row["consent"],
        campaign_id=job.campaign_id,
        partner_id=job.partner_id,
    )


def run_import(
    job_id: int, actor_id: int, progress: Callable[[int, int], None] | None = None
) -> ImportJob:
    """Register every row of a claimed job in one transaction; returns the finished job."""
    invites: list[_Invite] = []
    try:
        with _one_transaction() as session:
            job = session.get(ImportJob, job_id)
            actor = session.get(User, actor_id)
            if job is None or job.status != "importing":
                raise Conflict(_("This import is not waiting to run."))
            if actor is None:
                raise Refused(_("You are not allowed to do this."))
            total = len(job.rows)
            with force_locale(actor.locale):  # a refusal reads in the desk's language
                for done, row in enumerate(job.rows, 1):
                    try:
                        candidate, token = candidates.register(actor, _registration(row, job))
                    except DomainError as error:
                        raise _RowRefused(row["row"], error.message) from error
                    user = candidate.user
                    invites.append(_Invite(user.email, user.locale, user.name, token))
                    if progress:
                        progress(done, total)
            job.status = "done"
            job.processed_rows = total
            job.finished_at = utcnow()
    except _RowRefused as refused:
        return _fail(job_id, {"code": "row_refused", "row": refused.row, "reason": refused.reason})
    except Conflict:
        raise
    except Exception:
        log.exception("import job %s failed", job_id)
        return _fail(job_id, {"code": "unexpected"})
    failed = _send_invitations(invites)
    job = get_job(job_id, fresh=True)
    if failed:
        job.failure = json.dumps({"code": "invitations_not_sent", "count": failed})
        db.session.commit()
    return job


def _fail(job_id: int, failure: dict) -> ImportJob:
    db.session.execute(
        update(ImportJob)
        .where(ImportJob.id == job_id)
        .values(status="failed", failure=json.dumps(failure), finished_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return get_job(job_id, fresh=True)


def _invitation_link(token: str) -> str:
    if has_request_context():
        return url_for("auth.accept_invitation", token=token, _external=True)
    base = current_app.config["PUBLIC_BASE_URL"].rstrip("/")
    with current_app.test_request_context(base_url=base):
        return url_for("auth.accept_invitation", token=token, _external=True)


def _send_invitations(invites: list[_Invite]) -> int:
    """Email every invitation over one SMTP session; returns how many could not be sent."""
    sent = 0
    if not invites:
        return 0
    try:
        with mail.connection() as smtp:
            for invite in invites:
                link = _invitation_link(invite.token)
                message = mail.build_message(
                    invite.email, invite.locale, "invitation", user=invite, link=link
                )
                try:
                    smtp.send(message)
                except mail.MailError:
                    continue
                sent += 1
    except mail.MailError:
        log.warning("mail server unreachable: %s invitations not sent", len(invites) - sent)
    return len(invites) - sent


# -- reading the result ---------------------------------------------------------------------


def progress_of(job: ImportJob) -> int:
    return job.total_rows if job.status == "done" else job.processed_rows


def failure_text(job: ImportJob) -> str | None:
    """Why the job failed (or what went wrong after it), in the reader's language."""
    if not job.failure:
        return None
    try:
        failure = json.loads(job.failure)
    except ValueError:
        return job.failure
    code = failure.get("code")
    if code == "row_refused":
        return _(
            "Row %(row)s could not be imported: %(reason)s",
            row=failure.get("row"),
            reason=failure.get("reason", ""),
        )
    if code == "invitations_not_sent":
        return ngettext(
            "%(num)s invitation email could not be sent. "
            "Send it from the candidate's page with “Send invitation again”.",
            "%(num)s invitation emails could not be sent. "
            "Send them from each candidate's page with “Send invitation again”.",
            failure.get("count", 0),
        )
    return _("An unexpected error stopped the import.")
