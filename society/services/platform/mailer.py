"""Outgoing e-mail over SMTP (settings MAIL_*). With MAIL_ENABLED off nothing is sent.

``outbox()`` opens one SMTP connection for a batch, lazily, and closes it at the end;
each message carries a plain-text body and an HTML alternative.
"""
import smtplib
import ssl
from contextlib import contextmanager
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from flask import current_app


@dataclass(frozen=True)
class Mail:
    to: tuple[str, ...]
    subject: str
    text: str
    html: str
    reply_to: str | None = None  # answers go here (the public finder relays a visitor's message)


def build_message(mail: Mail, sender: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = ", ".join(mail.to)
    message["Subject"] = mail.subject
    if mail.reply_to:
        message["Reply-To"] = mail.reply_to
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or None)
    message.set_content(mail.text)
    message.add_alternative(mail.html, subtype="html")
    return message


class Outbox:
    """Sends messages over one SMTP connection, opened on the first message."""

    def __init__(self, config):
        self.config = config
        self.enabled = bool(config["MAIL_ENABLED"])
        self._smtp: smtplib.SMTP | None = None

    def _connect(self) -> smtplib.SMTP:
        config = self.config
        smtp = smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=config.get("MAIL_TIMEOUT", 30))
        if config["MAIL_USE_TLS"]:
            smtp.starttls(context=ssl.create_default_context())
        if config["MAIL_USERNAME"]:
            smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"] or "")
        return smtp

    def send(self, mail: Mail) -> bool:
        """Send one message; False when sending is disabled. Raises on SMTP errors."""
        if not self.enabled or not mail.to:
            return False
        if self._smtp is None:
            self._smtp = self._connect()
        try:
            self._smtp.send_message(build_message(mail, self.config["MAIL_SENDER"]))
        except smtplib.SMTPServerDisconnected:
            self._smtp = None  # reconnect for the next message; this one is reported as failed
            raise
        return True

    def close(self) -> None:
        if self._smtp is not None:
            try:
                self._smtp.quit()
            except (smtplib.SMTPException, OSError):
                pass  # the messages went out; a failed goodbye changes nothing
            self._smtp = None


@contextmanager
def outbox():
    box = Outbox(current_app.config)
    try:
        yield box
    finally:
        box.close()
