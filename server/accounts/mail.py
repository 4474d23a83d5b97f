"""Account e-mails (account created, password reset, password changed) in the user's language,
sent through BAOBAB_SMTP_URL: smtp:// with STARTTLS (required), smtps:// with TLS from the
start, the server's certificate checked against the system's authorities.

Sending happens after the database transaction of the action has committed, never inside it;
a failed send is logged and reported to whoever acted, and the action itself stands."""

from __future__ import annotations

import logging
import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from enum import StrEnum
from urllib.parse import unquote, urlsplit

from server.accounts.mail_texts import SETUP_LINES, TEXTS
from server.settings import Settings

log = logging.getLogger("baobab.mail")
TIMEOUT = 20  # seconds for the whole conversation with the mail server


class Sent(StrEnum):
    SENT = "sent"
    FAILED = "failed"  # logged; the action stands
    OFF = "off"  # BAOBAB_SMTP_URL is not set


@dataclass(frozen=True, slots=True)
class Message:
    to: str
    subject: str
    body: str


def compose(kind: str, language: str, to: str, **values: object) -> Message:
    texts = TEXTS.get(language) or TEXTS["en"]
    subject, body = texts[kind]
    if "setup" in values:
        line = SETUP_LINES.get(language, SETUP_LINES["en"])[str(values["setup"])]
        values["setup"] = line.format(**values)
    return Message(to=to, subject=subject, body=body.format(email=to, **values))


def send(settings: Settings, message: Message) -> Sent:
    """Send `message` if a mail server is configured; never raises."""
    if not settings.smtp_url:
        return Sent.OFF
    url = urlsplit(settings.smtp_url)
    email = EmailMessage()
    email["From"] = settings.mail_from
    email["To"] = message.to
    email["Subject"] = message.subject
    email["Date"] = formatdate(localtime=False)
    email["Message-ID"] = make_msgid(domain=settings.mail_from.rpartition("@")[2] or None)
    email.set_content(message.body)
    try:
        context = ssl.create_default_context()
        host = url.hostname or "localhost"
        client: smtplib.SMTP
        if url.scheme == "smtps":
            client = smtplib.SMTP_SSL(host, url.port or 465, timeout=TIMEOUT, context=context)
        else:
            client = smtplib.SMTP(host, url.port or 587, timeout=TIMEOUT)
        with client:
            if url.scheme == "smtp":
                client.starttls(context=context)
            if url.username:
                client.login(unquote(url.username), unquote(url.password or ""))
            client.send_message(email)
    except (OSError, smtplib.SMTPException) as error:
        log.warning("could not send the e-mail %r: %s", message.subject, error)
        return Sent.FAILED
    log.info("sent the e-mail %r", message.subject)
    return Sent.SENT
