"""Outgoing email over real SMTP, rendered in the recipient's language.

With MAIL_SERVER unset (development), messages are written to instance/outbox as .eml files
instead, so `make run` works without a mail server and nothing is silently dropped.
"""

from __future__ import annotations

import logging
import os
import smtplib
import ssl
from contextlib import contextmanager
from email.header import Header
from email.message import Message
from email.mime.text import MIMEText
from email.utils import format_datetime, make_msgid
from pathlib import Path

from flask import current_app, render_template
from flask_babel import force_locale

from onboarding.models import utcnow

log = logging.getLogger(__name__)


class MailError(Exception):
    pass


def compose(*, to: str, subject: str, body: str, locale: str, message_id: str | None = None):
    """A UTF-8 plain-text message. Built with the compat32 MIME classes: the modern
    EmailMessage parses every header it is given, which made building a message cost more
    than sending it (bench/reminders.py)."""
    message = MIMEText(body.strip() + "\n", "plain", "utf-8")
    # compat32 messages take a Header object (encoded when written); typeshed says str only.
    message["Subject"] = Header(subject.strip(), "utf-8")  # type: ignore[assignment]
    message["From"] = current_app.config["MAIL_SENDER"]
    message["To"] = to
    message["Date"] = format_datetime(utcnow())
    message["Message-ID"] = message_id or make_msgid(domain="onthaal.local")
    message["Content-Language"] = locale
    return message


def build_message(to: str, locale: str, template: str, **context) -> Message:
    """Render `templates/email/<template>.txt`: its first line is the subject."""
    with force_locale(locale):
        text = render_template(f"email/{template}.txt", **context)
    subject, _, body = text.strip().partition("\n")
    return compose(to=to, subject=subject, body=body, locale=locale)


class _Outbox:
    def __init__(self, folder: Path):
        self.folder = folder
        folder.mkdir(mode=0o700, exist_ok=True)  # the messages carry sign-in links

    def send(self, message: Message) -> None:
        name = message["Message-ID"].strip("<>").replace("@", "_") + ".eml"
        path = self.folder / name
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(message.as_bytes())
        log.warning("MAIL_SERVER not set: wrote %s to %s", message["Subject"], self.folder)


class _SMTP:
    def __init__(self, smtp: smtplib.SMTP):
        self.smtp = smtp

    def send(self, message: Message) -> None:
        try:
            self.smtp.send_message(message)
        except (OSError, smtplib.SMTPException) as error:
            raise MailError(str(error)) from error


@contextmanager
def connection():
    """One SMTP session for a batch of messages (or the outbox folder in development)."""
    config = current_app.config
    if not config.get("MAIL_SERVER"):
        yield _Outbox(Path(current_app.instance_path) / "outbox")
        return
    smtp: smtplib.SMTP
    try:
        if config["MAIL_USE_SSL"]:
            smtp = smtplib.SMTP_SSL(
                config["MAIL_SERVER"],
                config["MAIL_PORT"],
                timeout=config["MAIL_TIMEOUT"],
                context=ssl.create_default_context(),
            )
        else:
            smtp = smtplib.SMTP(
                config["MAIL_SERVER"], config["MAIL_PORT"], timeout=config["MAIL_TIMEOUT"]
            )
        if config["MAIL_USE_STARTTLS"]:
            smtp.starttls(context=ssl.create_default_context())
        if config.get("MAIL_USERNAME"):
            smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"] or "")
    except (OSError, smtplib.SMTPException) as error:
        raise MailError(str(error)) from error
    try:
        yield _SMTP(smtp)
    finally:
        try:
            smtp.quit()
        except (OSError, smtplib.SMTPException):
            smtp.close()


def send(message: Message) -> None:
    with connection() as smtp:
        smtp.send(message)
