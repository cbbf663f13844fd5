"""Outgoing email over real SMTP, rendered in the recipient's language.

With MAIL_SERVER unset (development), messages are written to instance/outbox as .eml files
instead, so `make run` works without a mail server and nothing is silently dropped.
"""

from __future__ import annotations

import copy
import logging
import os
import re
import smtplib
import socket
import ssl
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from email.generator import BytesGenerator
from email.header import Header
from email.message import Message
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import format_datetime, getaddresses, make_msgid
from html import escape
from io import BytesIO
from pathlib import Path
from typing import Any

from flask import current_app, render_template
from flask_babel import force_locale

from onboarding.models import utcnow

log = logging.getLogger(__name__)


class MailError(Exception):
    """A message could not be sent (e.g. the server refused its recipient)."""


class MailUnreachable(MailError):
    """The mail server could not be used at all: it did not answer, refused the connection
    or login, or dropped the connection. Not the message's fault: it can be sent later."""


class Withheld(Exception):  # noqa: N818 - not an error: the sender chose not to finish
    """The sender's `release` said no before the end of the message: nothing was sent."""


# Asked once the envelope and the text are with the server, before the end of the data that
# makes the server accept the message: True sends it, False withholds it.
Release = Callable[[], bool]


def compose(*, to: str, subject: str, body: str, locale: str, message_id: str | None = None):
    """A UTF-8 multipart/alternative message: the plain text, and an HTML part derived from
    it (`html_of`) for mail programs that prefer one. Built with the compat32 MIME classes:
    the modern EmailMessage parses every header it is given, which made building a message
    cost more than sending it (bench/reminders.py)."""
    text = body.strip() + "\n"
    subject = subject.strip()
    message = MIMEMultipart("alternative")
    message.attach(MIMEText(text, "plain", "utf-8"))
    message.attach(MIMEText(html_of(text, subject, locale), "html", "utf-8"))
    # compat32 messages take a Header object (encoded when written); typeshed says str only.
    message["Subject"] = Header(subject, "utf-8")  # type: ignore[assignment]
    message["From"] = current_app.config["MAIL_SENDER"]
    message["To"] = to
    message["Date"] = format_datetime(utcnow())
    message["Message-ID"] = message_id or make_msgid(domain="onthaal.local")
    message["Content-Language"] = locale
    return message


# An address in running text; punctuation that ends the sentence is not part of it.
_URL = re.compile(r"https?://[^\s<>\"']+")
_TRAILING = ".,;:!?)’”"


def html_of(text: str, subject: str, locale: str) -> str:
    """The plain text as a simple, accessible HTML page: the language, the subject as its
    title, a paragraph per block of lines (blank lines between), the line breaks kept,
    every address a link; everything escaped, no images, no styles, nothing remote."""
    paragraphs = [
        "<p>" + "<br>\n".join(_linked(line) for line in block.strip("\n").split("\n")) + "</p>"
        for block in _BLOCKS.split(text.strip())
        if block.strip()
    ]
    return (
        f'<!DOCTYPE html>\n<html lang="{escape(locale)}">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{escape(subject, quote=False)}</title>\n</head>\n<body>\n"
        + "\n".join(paragraphs)
        + "\n</body>\n</html>\n"
    )


_BLOCKS = re.compile(r"\n[ \t]*\n")


def _linked(line: str) -> str:
    """One line escaped, with its addresses as links."""
    if "://" not in line:
        return escape(line, quote=False)
    parts: list[str] = []
    position = 0
    for match in _URL.finditer(line):
        url = match.group(0).rstrip(_TRAILING)
        end = match.start() + len(url)
        parts.append(escape(line[position : match.start()], quote=False))
        parts.append(f'<a href="{escape(url)}">{escape(url, quote=False)}</a>')
        position = end
    parts.append(escape(line[position:], quote=False))
    return "".join(parts)


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

    def send(self, message: Message, release: Release | None = None) -> None:
        if release is not None and not release():
            raise Withheld
        name = message["Message-ID"].strip("<>").replace("@", "_") + ".eml"
        path = self.folder / name
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(message.as_bytes())
        log.warning("MAIL_SERVER not set: wrote %s to %s", name, self.folder)


class _SMTP:
    def __init__(self, smtp: smtplib.SMTP):
        self.smtp = smtp

    def send(self, message: Message, release: Release | None = None) -> None:
        """Send one message; `MailUnreachable` when the connection is gone (the server
        dropped it, reset it, timed out, or answered 421 and closed it), `MailError` when
        the server refused this message and the session goes on. With `release`, see
        `_send_released`."""
        try:
            if release is None:
                self.smtp.send_message(message)
            else:
                self._send_released(message, release)
        except smtplib.SMTPServerDisconnected as error:
            raise MailUnreachable(str(error)) from error
        except smtplib.SMTPException as error:  # a reply code: smtplib closes on a 421
            if self.smtp.sock is None:
                raise MailUnreachable(str(error)) from error
            raise MailError(str(error)) from error
        except OSError as error:  # reset, broken pipe, timeout
            raise MailUnreachable(str(error)) from error

    def _send_released(self, message: Message, release: Release) -> None:
        """smtplib's `send_message` in two parts: envelope, DATA and the text first, then
        `release()` decides whether the final "." follows — the moment the server accepts
        the message — or the connection is dropped, which makes the server discard it
        (RFC 5321, 4.1.1.4). So the sender can do other work while the message goes out and
        still decide, up to the last moment, that it must not be sent. smtplib's own steps
        and replies are used throughout; only `data()` is split."""
        smtp = self.smtp
        sender, recipients, data = _envelope(message)
        if not _ascii(sender, *recipients):  # needs SMTPUTF8: smtplib's own path
            if not release():
                raise Withheld
            smtp.send_message(message)
            return
        smtp.ehlo_or_helo_if_needed()
        code, reply = smtp.mail(sender)
        if code != 250:
            self._abandon(code)
            raise smtplib.SMTPSenderRefused(code, reply, sender)
        refused = {}
        for recipient in recipients:
            code, reply = smtp.rcpt(recipient)
            if code not in (250, 251):
                refused[recipient] = (code, reply)
            if code == 421:
                smtp.close()
                raise smtplib.SMTPRecipientsRefused(refused)
        if len(refused) == len(recipients):
            self._abandon(0)
            raise smtplib.SMTPRecipientsRefused(refused)
        code, reply = smtp.docmd("data")
        if code != 354:
            self._abandon(code)
            raise smtplib.SMTPDataError(code, reply)
        smtp.send(_DOT_AT_LINE_START.sub(b"..", data))
        if not release():
            smtp.close()  # before the final ".": the server discards what it got
            raise Withheld
        smtp.send(b".\r\n")
        code, reply = smtp.getreply()
        if code != 250:
            if code == 421:
                smtp.close()
            raise smtplib.SMTPDataError(code, reply)

    def _abandon(self, code: int) -> None:
        """After a refusal: as smtplib does, close on 421, else reset the transaction."""
        if code == 421:
            self.smtp.close()
        else:
            self.smtp.rset()

    def close(self) -> None:
        try:
            self.smtp.quit()
        except (OSError, smtplib.SMTPException):
            self.smtp.close()


_DOT_AT_LINE_START = re.compile(rb"(?m)^\.")


def _ascii(*addresses: str) -> bool:
    return all(address.isascii() for address in addresses)


def _envelope(message: Message) -> tuple[str, list[str], bytes]:
    """Sender, recipients and the message as sent, as `smtplib.SMTP.send_message` makes
    them (no Bcc header), the text ending in CRLF."""
    sender = getaddresses([message["Sender"] or message["From"]])[0][1]
    fields = [str(f) for f in (message["To"], message["Cc"], message["Bcc"]) if f is not None]
    recipients = [address for _, address in getaddresses(fields)]
    if message["Bcc"] is not None:
        message = copy.copy(message)
        del message["Bcc"]
    with BytesIO() as buffer:
        BytesGenerator(buffer).flatten(message, linesep="\r\n")
        data = buffer.getvalue()
    if not data.endswith(b"\r\n"):
        data += b"\r\n"
    return sender, recipients, data


def _open(config: Mapping[str, Any]) -> _SMTP:
    """Connect (and log in) to the configured SMTP server; `MailUnreachable` if it cannot."""
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
        try:
            # The end of a message ("." after its text) is a small write of its own: sent
            # at once, not held back by Nagle's algorithm until the server's delayed ACK.
            if smtp.sock is not None:
                smtp.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            if config["MAIL_USE_STARTTLS"]:
                smtp.starttls(context=ssl.create_default_context())
            if config.get("MAIL_USERNAME"):
                smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"] or "")
        except BaseException:
            smtp.close()
            raise
    except (OSError, smtplib.SMTPException) as error:  # SMTPException is an OSError too
        raise MailUnreachable(str(error) or type(error).__name__) from error
    return _SMTP(smtp)


@contextmanager
def connection() -> Iterator[_Outbox | _SMTP]:
    """One SMTP session for a batch of messages (or the outbox folder in development)."""
    if not current_app.config.get("MAIL_SERVER"):
        yield _Outbox(Path(current_app.instance_path) / "outbox")
        return
    smtp = _open(current_app.config)
    try:
        yield smtp
    finally:
        smtp.close()


class Connection:
    """An SMTP session for a long batch that reconnects once when the server dropped it.

    It copies the settings it needs, so it can be used outside the app context (the
    dispatcher talks to SMTP from a thread of its own); it opens on the first message.
    """

    def __init__(self) -> None:
        config = current_app.config
        self.config = {key: config.get(key) for key in _SETTINGS}
        self.outbox = Path(current_app.instance_path) / "outbox"
        self.server = f"{config.get('MAIL_SERVER')}:{config.get('MAIL_PORT')}"
        self._smtp: _Outbox | _SMTP | None = None

    def send(self, message: Message, release: Release | None = None) -> None:
        """Send one message. On a dropped connection, connect again once and send it again;
        `MailUnreachable` if that fails too, `MailError` if the server refused it,
        `Withheld` if `release` said no (the connection is then closed)."""
        if self._smtp is None:
            self._smtp = self._open()
        try:
            self._send(message, release)
        except MailUnreachable as error:
            log.info("mail server %s dropped the connection (%s): reconnecting", self.server, error)
            self.close()
            self._smtp = self._open()
            self._send(message, release)

    def _send(self, message: Message, release: Release | None) -> None:
        assert self._smtp is not None
        try:
            self._smtp.send(message, release)
        except Withheld:
            self.close()
            raise

    def _open(self) -> _Outbox | _SMTP:
        if not self.config.get("MAIL_SERVER"):
            return _Outbox(self.outbox)
        return _open(self.config)

    def close(self) -> None:
        smtp, self._smtp = self._smtp, None
        if isinstance(smtp, _SMTP):
            smtp.close()


_SETTINGS = (
    "MAIL_SERVER",
    "MAIL_PORT",
    "MAIL_USE_SSL",
    "MAIL_USE_STARTTLS",
    "MAIL_USERNAME",
    "MAIL_PASSWORD",
    "MAIL_TIMEOUT",
)


def send(message: Message) -> None:
    with connection() as smtp:
        smtp.send(message)
