"""E-mail end to end: Django's SMTP backend talking to a real SMTP server (aiosmtpd) on 127.0.0.1."""

import email
import socket
from email import policy

import pytest
from aiosmtpd.controller import Controller

from minsheng.notifications.choices import Channel, DeliveryState
from minsheng.notifications.defaults import APPEAL_RECEIPT
from minsheng.notifications.providers import Outgoing, PermanentError, RetryableError
from minsheng.notifications.providers.smtp import SmtpEmail
from minsheng.notifications.services import notification_send, notifications_deliver

PROVIDER = "minsheng.notifications.providers.smtp.SmtpEmail"


class Mailbox:
    """An SMTP server's handler: keeps what it accepts; refuses one address; can fail DATA once."""

    def __init__(self):
        self.received: list[tuple[list[str], bytes]] = []
        self.fail_next_data: str | None = None

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.startswith("nobody@"):
            return "550 5.1.1 No such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.fail_next_data:
            reply, self.fail_next_data = self.fail_next_data, None
            return reply
        self.received.append((list(envelope.rcpt_tos), envelope.content))
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp_server(settings):
    mailbox = Mailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", controller.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.DEFAULT_FROM_EMAIL = "12345@foshan.example"
    try:
        yield mailbox
    finally:
        controller.stop()


def outgoing(**overrides) -> Outgoing:
    fields = {"id": 3, "out_id": "ms3", "channel": "email", "recipient": "citizen@example.cn", "user_id": None,
              "subject": "您的诉求已受理（编号FS1）", "body": "您好：\n\n您的诉求已受理。",
              "template_code": APPEAL_RECEIPT}
    return Outgoing(**{**fields, **overrides})


def test_a_message_reaches_the_smtp_server_with_its_chinese_subject_and_a_stable_message_id(smtp_server):
    provider_id = SmtpEmail().send(outgoing())
    [(recipients, raw)] = smtp_server.received
    mail = email.message_from_bytes(raw, policy=policy.default)
    assert recipients == ["citizen@example.cn"]
    assert mail["Subject"] == "您的诉求已受理（编号FS1）"
    assert mail["From"] == "12345@foshan.example"
    assert mail.get_content().replace("\r\n", "\n").strip() == "您好：\n\n您的诉求已受理。"
    assert mail["Message-ID"] == provider_id == "<ms3.0@foshan.example>"


def test_a_refused_recipient_is_a_permanent_error(smtp_server):
    with pytest.raises(PermanentError):
        SmtpEmail().send(outgoing(recipient="nobody@example.cn"))
    assert smtp_server.received == []


def test_a_temporary_refusal_is_retryable_and_a_permanent_one_is_not(smtp_server):
    smtp_server.fail_next_data = "451 4.3.0 Try again later"
    with pytest.raises(RetryableError) as temporary:
        SmtpEmail().send(outgoing())
    assert temporary.value.code == "451"
    smtp_server.fail_next_data = "554 5.7.1 Message rejected"
    with pytest.raises(PermanentError):
        SmtpEmail().send(outgoing())


def test_no_server_listening_is_retryable(settings):
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", free_port()
    with pytest.raises(RetryableError):
        SmtpEmail(timeout=2).send(outgoing())


@pytest.mark.django_db
def test_the_outbox_sends_an_email_end_to_end(smtp_server, settings):
    settings.NOTIFICATIONS_PROVIDERS = {**settings.NOTIFICATIONS_PROVIDERS, "email": PROVIDER}
    message = notification_send(event_key="appeal:FS1:receipt", template=APPEAL_RECEIPT, channel=Channel.EMAIL,
                                recipient="Citizen@Example.CN",
                                context={"case_number": "FS1", "query_code": "K7P2Q9", "due_date": "2026-06-29"})
    assert notifications_deliver() == {"sent": 1}
    message.refresh_from_db()
    assert message.state == DeliveryState.SENT
    [(recipients, raw)] = smtp_server.received
    mail = email.message_from_bytes(raw, policy=policy.default)
    assert recipients == ["Citizen@example.cn"]
    assert mail["Subject"] == "您的诉求已受理（编号FS1）"
    assert "查询码K7P2Q9" in mail.get_content()
    assert mail["Message-ID"] == message.provider_message_id
