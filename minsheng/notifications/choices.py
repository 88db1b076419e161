"""Notification vocabulary: channels, delivery states and the one table of allowed state changes."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Channel(models.TextChoices):
    SMS = "sms", _("Text message")
    EMAIL = "email", _("E-mail")
    SITE = "site", _("In-site message")
    WECHAT = "wechat", _("WeChat")


class DeliveryState(models.TextChoices):
    QUEUED = "queued", _("Queued")
    # Handed to the provider; until its answer is recorded the outcome is unknown (see delivery.py).
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    DELIVERED = "delivered", _("Delivered")
    FAILED = "failed", _("Failed")
    OPTED_OUT = "opted_out", _("Not sent: the recipient opted out")


# Every state change a message may make; anything else is a bug and raises.
# ``None`` is the moment the row is created.
TRANSITIONS: frozenset[tuple[str | None, str]] = frozenset({
    (None, DeliveryState.QUEUED),
    (None, DeliveryState.OPTED_OUT),
    (DeliveryState.QUEUED, DeliveryState.SENDING),
    (DeliveryState.QUEUED, DeliveryState.OPTED_OUT),
    (DeliveryState.SENDING, DeliveryState.SENT),
    (DeliveryState.SENDING, DeliveryState.QUEUED),  # a retryable error, or a worker that stopped mid-send
    (DeliveryState.SENDING, DeliveryState.FAILED),
    (DeliveryState.SENT, DeliveryState.DELIVERED),  # the provider's delivery receipt
    (DeliveryState.SENT, DeliveryState.FAILED),  # the provider accepted it, the handset never got it
    (DeliveryState.FAILED, DeliveryState.QUEUED),  # an administrator sends it again
})

# Channels a person may switch off. In-site messages are their own inbox: nothing to opt out of.
OPTABLE_CHANNELS = (Channel.SMS, Channel.EMAIL, Channel.WECHAT)
