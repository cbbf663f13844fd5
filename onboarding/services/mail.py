"""Outgoing email over real SMTP, rendered in the recipient's language.

With MAIL_SERVER unset (development), messages are written to instance/outbox as .eml files
instead, so `make run` works without a mail server and nothing is silently dropped.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path

from flask import current_app, render_template
from flask_babel import force_locale

log = logging.getLogger(__name__)


class MailError(Exception):
    pass


def build_message(to: str, locale: str, template: str, **context) -> EmailMessage:
    """Render `templates/email/<template>.txt`: its first line is the subject."""
    with force_locale(locale):
        text = render_template(f"email/{template}.txt", **context)
    subject, _, body = text.strip().partition("\n")
    message = EmailMessage()
    message["Subject"] = subject.strip()
    message["From"] = current_app.config["MAIL_SENDER"]
    message["To"] = to
    message["Message-ID"] = make_msgid(domain="onthaal.local")
    message.set_content(body.strip() + "\n")
    message["Content-Language"] = locale  # after set_content, which clears Content-* headers
    return message


def send(message: EmailMessage) -> None:
    config = current_app.config
    if not config.get("MAIL_SERVER"):
        outbox = Path(current_app.instance_path) / "outbox"
        outbox.mkdir(exist_ok=True)
        name = message["Message-ID"].strip("<>").replace("@", "_") + ".eml"
        (outbox / name).write_bytes(message.as_bytes())
        log.warning("MAIL_SERVER not set: wrote %s to %s", message["Subject"], outbox / name)
        return
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
        with smtp:
            if config["MAIL_USE_STARTTLS"]:
                smtp.starttls(context=ssl.create_default_context())
            if config.get("MAIL_USERNAME"):
                smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"] or "")
            smtp.send_message(message)
    except (OSError, smtplib.SMTPException) as error:
        raise MailError(str(error)) from error
