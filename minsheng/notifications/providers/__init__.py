"""Providers: what actually carries a message — a text-message gateway, an SMTP server, the in-site inbox.

Every provider has one method, ``send(message) -> provider_id``, and answers in one of three ways:

- returns the provider's ID for the message (accepted; for most providers that is "sent", not yet
  "delivered");
- raises ``RetryableError`` (the network, a busy gateway, a rate limit: try again later). With
  ``outcome_unknown=True`` the request may have reached the provider before the failure (a time-out
  while waiting for the answer), so the next attempt asks first (below);
- raises ``PermanentError`` (an invalid number, a template the provider does not know: trying again
  cannot help).

Optional:

- ``confirms_delivery = True``: acceptance *is* delivery (the in-site inbox, the demo log);
- ``lookup(message) -> provider_id | None``: whether an earlier attempt of this message reached the
  provider, found by ``message.out_id`` (the same on every attempt). The deliverer calls it before
  sending again a message whose last attempt's outcome is unknown; that is how a crash between
  "the provider accepted it" and "we recorded it" does not send a text twice.

Which class serves which channel is a setting (dotted paths)::

    NOTIFICATIONS_PROVIDERS = {"sms": "minsheng.notifications.providers.aliyun.AliyunSms", ...}
"""

import datetime as dt
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string


@dataclass(frozen=True)
class Outgoing:
    """What a provider gets: a copy of the message, never the model (providers run outside transactions)."""

    id: int
    out_id: str
    channel: str
    recipient: str
    user_id: int | None
    subject: str
    body: str
    template_code: str
    provider_template_code: str = ""
    params: dict[str, str] = field(default_factory=dict)
    attempt: int = 1
    created_at: dt.datetime | None = None
    # When earlier attempts were made (for a provider that looks a message up by date).
    previous_attempt_at: dt.datetime | None = None


@dataclass(frozen=True)
class Receipt:
    """A provider's word on whether a message reached the handset, named by its ID or by our ``out_id``."""

    delivered: bool
    provider_message_id: str = ""
    out_id: str = ""
    error: str = ""


class DeliveryError(Exception):
    def __init__(self, message: str, *, code: str = ""):
        super().__init__(message)
        self.code = code


class RetryableError(DeliveryError):
    def __init__(self, message: str, *, code: str = "", outcome_unknown: bool = False):
        super().__init__(message, code=code)
        self.outcome_unknown = outcome_unknown


class PermanentError(DeliveryError):
    pass


class Provider(Protocol):
    def send(self, message: Outgoing) -> str: ...


@runtime_checkable
class LooksUp(Protocol):
    def lookup(self, message: Outgoing) -> str | None: ...


def confirms_delivery(provider: Provider) -> bool:
    return getattr(provider, "confirms_delivery", False) is True


def provider_for(channel: str) -> Provider:
    """A new instance of the provider configured for ``channel`` (providers read their settings when made)."""
    path = settings.NOTIFICATIONS_PROVIDERS.get(str(channel))
    if not path:
        raise ImproperlyConfigured(f"NOTIFICATIONS_PROVIDERS names no provider for the channel {channel!r}")
    return import_string(path)()
