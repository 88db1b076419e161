"""The outbox and what surrounds it.

- ``MessageTemplate``: the Chinese text of each kind of message per channel, edited by administrators.
- ``OutboxMessage``: one row per message to one recipient on one channel, unique per causing event;
  it changes state as it is delivered, and every change is also a ``DeliveryEvent`` (append-only).
- ``OptOut``: a person or an address that does not want a channel.
- ``InboxMessage``: what the in-site channel delivers: a message a signed-in user reads on /notifications/.
- ``OneTimeCode``: a verification code sent by text message, kept only as a keyed hash.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from .choices import Channel, DeliveryState


def mask_recipient(channel: str, recipient: str) -> str:
    """A recipient as the admin and the logs show it: enough to tell messages apart, not to call anyone."""
    if channel == Channel.SMS:
        return f"{recipient[:3]}****{recipient[-4:]}" if len(recipient) >= 7 else "*" * len(recipient)
    if channel == Channel.EMAIL:
        local, _at, domain = recipient.rpartition("@")
        return f"{local[:1]}***@{domain}"
    if channel == Channel.WECHAT:
        return f"{recipient[:4]}…"
    return recipient


class MessageTemplate(models.Model):
    code = models.SlugField(_("template code"), max_length=64, help_text=_(
        "What callers name, e.g. appeal_receipt; one template per code and channel."))
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    name = models.CharField(_("name"), max_length=100)
    subject = models.CharField(_("subject"), max_length=200, blank=True, help_text=_(
        "E-mail subject or in-site title; text messages have none."))
    body = models.TextField(pgettext_lazy("notification", "text"), help_text=_(
        "Placeholders in braces, such as {case_number}. Text messages get the sign-off 【…】 added."))
    provider_template_code = models.CharField(_("template code at the provider"), max_length=64, blank=True,
                                              help_text=_("The approved template's code at the SMS provider "
                                                          "(e.g. SMS_123456789) or the WeChat template ID."))
    is_active = models.BooleanField(_("active"), default=True)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)

    class Meta:
        verbose_name = _("message template")
        verbose_name_plural = _("message templates")
        ordering = ["code", "channel"]
        constraints = [models.UniqueConstraint(fields=["code", "channel"], name="notifications_template_once")]

    def __str__(self) -> str:
        return f"{self.name} · {self.get_channel_display()}"


class OutboxMessage(models.Model):
    event_key = models.CharField(_("event"), max_length=200, help_text=_(
        "What caused the message, e.g. appeal:FS2026…:receipt; the same event is sent once per recipient."))
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    # A mobile, an e-mail address, a WeChat openid, or user:<id> for the in-site inbox.
    recipient = models.CharField(_("recipient"), max_length=254)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("user"), null=True, blank=True,
                             on_delete=models.SET_NULL, related_name="outbox_messages")
    template = models.ForeignKey(MessageTemplate, verbose_name=_("template"), on_delete=models.PROTECT,
                                 related_name="messages")
    subject = models.CharField(_("subject"), max_length=200, blank=True)
    body = models.TextField(pgettext_lazy("notification", "text"))
    # The placeholders' values: providers that send an approved template plus values (Aliyun, WeChat) need them.
    params = models.JSONField(_("values"), default=dict, blank=True)
    urgent = models.BooleanField(_("urgent"), default=False)
    state = models.CharField(_("state"), max_length=16, choices=DeliveryState.choices,
                             default=DeliveryState.QUEUED)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    # When the next attempt is due (queued), or when a send in progress is presumed dead (sending).
    next_attempt_at = models.DateTimeField(_("next attempt at"), null=True, blank=True)
    # The last attempt may have reached the provider without us hearing back: ask before sending again.
    outcome_unknown = models.BooleanField(_("outcome of the last attempt unknown"), default=False)
    provider_message_id = models.CharField(_("provider message ID"), max_length=200, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    last_attempt_at = models.DateTimeField(_("last attempt at"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        verbose_name = _("outbox message")
        verbose_name_plural = _("outbox messages")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["event_key", "channel", "recipient"], name="notifications_event_once"),
        ]
        indexes = [
            models.Index(fields=["state", "next_attempt_at"], name="notifications_due"),
            models.Index(fields=["channel", "provider_message_id"], name="notifications_provider_id"),
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} {self.event_key}"

    @property
    def out_id(self) -> str:
        """Our reference for this message at the provider: the same on every attempt."""
        return f"ms{self.pk}"


class DeliveryEvent(models.Model):
    """One state change of one message. Append-only (database triggers, see the 0002 migration)."""

    message = models.ForeignKey(OutboxMessage, verbose_name=pgettext_lazy("notification", "message"),
                                on_delete=models.PROTECT, related_name="events")
    from_state = models.CharField(_("from"), max_length=16, choices=DeliveryState.choices, blank=True)
    to_state = models.CharField(_("to"), max_length=16, choices=DeliveryState.choices)
    attempt = models.PositiveSmallIntegerField(_("attempt"), default=0)
    detail = models.CharField(_("detail"), max_length=500, blank=True)
    occurred_at = models.DateTimeField(_("time"), default=timezone.now)

    class Meta:
        verbose_name = _("delivery event")
        verbose_name_plural = _("delivery events")
        ordering = ["occurred_at", "id"]

    def __str__(self) -> str:
        return f"{self.message_id}: {self.from_state or '–'} → {self.to_state}"


class OptOut(models.Model):
    """A channel switched off, for an address (recipient) or for a person (user), or both."""

    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    recipient = models.CharField(_("recipient"), max_length=254, blank=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("user"), null=True, blank=True,
                             on_delete=models.CASCADE, related_name="notification_optouts")
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("opt-out")
        verbose_name_plural = _("opt-outs")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=~Q(recipient="") | Q(user__isnull=False),
                                   name="notifications_optout_names_someone"),
            models.UniqueConstraint(fields=["channel", "recipient"], condition=~Q(recipient=""),
                                    name="notifications_optout_recipient_once"),
            models.UniqueConstraint(fields=["channel", "user"], condition=Q(recipient=""),
                                    name="notifications_optout_user_once"),
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} {self.recipient or self.user}"


class InboxMessage(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE,
                             related_name="inbox_messages")
    message = models.OneToOneField(OutboxMessage, verbose_name=pgettext_lazy("notification", "message"),
                                   on_delete=models.PROTECT, related_name="inbox_entry")
    subject = models.CharField(_("subject"), max_length=200, blank=True)
    body = models.TextField(pgettext_lazy("notification", "text"))
    created_at = models.DateTimeField(_("received at"), default=timezone.now)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        verbose_name = _("in-site message")
        verbose_name_plural = _("in-site messages")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "read_at"], name="notifications_inbox_unread")]

    def __str__(self) -> str:
        return self.subject or self.body[:40]


class OneTimeCode(models.Model):
    purpose = models.SlugField(_("purpose"), max_length=40)
    mobile = models.CharField(_("mobile"), max_length=11)
    # A keyed hash (HMAC with the site's secret key): a copy of the table does not give the codes away.
    code_hash = models.CharField(max_length=128)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires at"))
    wrong_attempts = models.PositiveSmallIntegerField(_("wrong attempts"), default=0)
    used_at = models.DateTimeField(_("used at"), null=True, blank=True)
    message = models.ForeignKey(OutboxMessage, verbose_name=pgettext_lazy("notification", "message"),
                                null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("one-time code")
        verbose_name_plural = _("one-time codes")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["mobile", "created_at"], name="notifications_otp_by_mobile"),
            models.Index(fields=["purpose", "mobile", "created_at"], name="notifications_otp_latest"),
        ]

    def __str__(self) -> str:
        return f"{self.purpose} {self.mobile[:3]}****{self.mobile[-4:]}"
