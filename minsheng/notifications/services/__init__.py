"""The notifications app's public API: every write goes through one of these.

- ``notification_send`` — queue one message for an event (outbox.py);
- ``notifications_deliver`` — send what is due (delivery.py; the task runs it);
- ``otp_send`` / ``otp_verify`` — one-time codes by text message (otp.py);
- opt-outs, the inbox, templates and receipts (optouts.py, inbox.py, outbox.py, delivery.py).
"""

from .delivery import message_deliver, notification_receipts_record, notifications_deliver
from .inbox import inbox_read, inbox_read_all
from .optouts import optout_record, optout_remove, optouts_set
from .otp import otp_send, otp_verify
from .outbox import message_template_save, notification_retry, notification_send

__all__ = [
    "inbox_read",
    "inbox_read_all",
    "message_deliver",
    "message_template_save",
    "notification_receipts_record",
    "notification_retry",
    "notification_send",
    "notifications_deliver",
    "optout_record",
    "optout_remove",
    "optouts_set",
    "otp_send",
    "otp_verify",
]
