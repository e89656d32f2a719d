"""A real SMTP server on loopback (aiosmtpd) that keeps what arrives, for the e-mail tests."""
import socket
import threading
from email import message_from_bytes, policy

import pytest
from aiosmtpd.controller import Controller


class Mailbox:
    def __init__(self):
        self.lock = threading.Lock()
        self.envelopes = []

    async def handle_DATA(self, _server, _session, envelope):
        with self.lock:
            self.envelopes.append(envelope)
        return "250 Message accepted"

    @property
    def messages(self):
        with self.lock:
            return [message_from_bytes(e.content, policy=policy.default) for e in self.envelopes]

    def recipients(self) -> list[str]:
        with self.lock:
            return sorted(address for e in self.envelopes for address in e.rcpt_tos)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp_server():
    """Yields (mailbox, port)."""
    mailbox = Mailbox()
    port = free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield mailbox, port
    finally:
        controller.stop()


@pytest.fixture
def mail_on(app, smtp_server, monkeypatch):
    """The app sends e-mail to the loopback server; yields the mailbox."""
    mailbox, port = smtp_server
    for key, value in {"MAIL_ENABLED": True, "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": port,
                       "MAIL_USE_TLS": False, "MAIL_USERNAME": None, "MAIL_SENDER": "registry@example.org"}.items():
        monkeypatch.setitem(app.config, key, value)
    return mailbox
