"""E-mail through Django's SMTP backend (``django.core.mail``), with the EMAIL_* settings.

The SMTP backend is named here, not taken from EMAIL_BACKEND: test runners and development settings
switch EMAIL_BACKEND to memory or the console, and this provider's job is to talk to a real server.

Every attempt of one message carries the same Message-ID, so a mail client that got a duplicate
(a crash after the server accepted it, before we recorded it) can tell it is one message. SMTP offers
no way to ask a server whether it took a message, so e-mail is at-least-once.
"""

import smtplib

from django.conf import settings
from django.core.mail import EmailMessage, get_connection

from . import Outgoing, PermanentError, RetryableError

SMTP_BACKEND = "django.core.mail.backends.smtp.EmailBackend"


def message_id(message: Outgoing) -> str:
    domain = settings.DEFAULT_FROM_EMAIL.rpartition("@")[2].strip("> ") or "localhost"
    stamp = message.created_at.strftime("%Y%m%d%H%M%S") if message.created_at else "0"
    return f"<{message.out_id}.{stamp}@{domain}>"


class SmtpEmail:
    def __init__(self, *, timeout: int | None = None):
        self.timeout = timeout or settings.EMAIL_TIMEOUT

    def send(self, message: Outgoing) -> str:
        mid = message_id(message)
        connection = get_connection(SMTP_BACKEND, fail_silently=False, timeout=self.timeout)
        mail = EmailMessage(subject=message.subject, body=message.body, from_email=settings.DEFAULT_FROM_EMAIL,
                            to=[message.recipient], headers={"Message-ID": mid}, connection=connection)
        try:
            mail.send()
        except smtplib.SMTPRecipientsRefused as exc:
            raise PermanentError(f"the server refused the recipient: {exc.recipients}", code="refused") from exc
        except smtplib.SMTPResponseException as exc:
            text = f"SMTP {exc.smtp_code}: {exc.smtp_error!r}"
            if 500 <= exc.smtp_code < 600:
                raise PermanentError(text, code=str(exc.smtp_code)) from exc
            raise RetryableError(text, code=str(exc.smtp_code)) from exc
        except (TimeoutError, smtplib.SMTPServerDisconnected) as exc:
            # The server may have taken the message before the line dropped.
            raise RetryableError(f"SMTP connection lost: {exc}", outcome_unknown=True) from exc
        except (smtplib.SMTPException, OSError) as exc:
            raise RetryableError(f"SMTP server unreachable: {exc}") from exc
        return mid
