"""Administrators edit the templates; the outbox and its history are for reading (and sending a failed
message again). Recipients are shown masked: the admin is for seeing what happened, not whom to call."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from minsheng.audit.admin import ReadOnlyAdmin
from minsheng.audit.services import client_ip

from .choices import Channel, DeliveryState
from .models import DeliveryEvent, InboxMessage, MessageTemplate, OptOut, OutboxMessage, mask_recipient
from .rendering import template_check
from .services import message_template_save, notification_retry, optout_record, optout_remove
from .services.optouts import optout_target


class MessageTemplateForm(forms.ModelForm):
    class Meta:
        model = MessageTemplate
        fields = ["code", "channel", "name", "subject", "body", "provider_template_code", "is_active"]

    def clean(self):
        cleaned = super().clean()
        try:
            template_check(cleaned.get("subject") or "", cleaned.get("body") or "")
        except ValidationError as exc:
            self.add_error("body", exc)
        if cleaned.get("channel") == Channel.SMS and cleaned.get("subject"):
            self.add_error("subject", _("Text messages have no subject."))
        return cleaned


@admin.register(MessageTemplate)
class MessageTemplateAdmin(admin.ModelAdmin):
    form = MessageTemplateForm
    list_display = ["code", "channel", "name", "provider_template_code", "is_active", "updated_at"]
    list_filter = ["channel", "is_active"]
    search_fields = ["code", "name", "body"]

    def save_model(self, request, obj, form, change):
        # Through the service: checked again and audited.
        saved = message_template_save(
            actor=request.user, ip=client_ip(request), template=obj if change else None, **form.cleaned_data)
        obj.pk = saved.pk

    def has_delete_permission(self, request, obj=None):
        return False  # messages refer to their template; switch it off instead


class DeliveryEventInline(admin.TabularInline):
    model = DeliveryEvent
    fields = ["occurred_at", "from_state", "to_state", "attempt", "detail"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(OutboxMessage)
class OutboxMessageAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "channel", "template", "recipient_masked", "state", "attempts",
                    "next_attempt_at", "event_key"]
    list_filter = ["state", "channel", "template__code", "urgent"]
    search_fields = ["event_key", "provider_message_id"]
    date_hierarchy = "created_at"
    list_select_related = ["template"]
    fields = ["event_key", "channel", "recipient_masked", "template", "subject", "body", "urgent", "state",
              "attempts", "next_attempt_at", "outcome_unknown", "provider_message_id", "last_error",
              "created_at", "last_attempt_at", "sent_at"]
    readonly_fields = fields
    inlines = [DeliveryEventInline]
    actions = ["send_again"]

    @admin.display(description=_("recipient"))
    def recipient_masked(self, obj: OutboxMessage) -> str:
        return mask_recipient(obj.channel, obj.recipient)

    @admin.action(description=_("Send the selected failed messages again"))
    def send_again(self, request, queryset):
        done = 0
        for message in queryset.filter(state=DeliveryState.FAILED).select_related("template"):
            try:
                notification_retry(message=message, actor=request.user, ip=client_ip(request))
                done += 1
            except ValidationError as exc:
                self.message_user(request, f"{message.event_key}: {' '.join(exc.messages)}", messages.WARNING)
        self.message_user(request, ngettext("%(n)d message queued again.", "%(n)d messages queued again.", done)
                          % {"n": done})


class OptOutForm(forms.ModelForm):
    class Meta:
        model = OptOut
        fields = ["channel", "recipient", "user", "reason"]

    def clean(self):
        cleaned = super().clean()
        try:
            cleaned["recipient"] = optout_target(channel=cleaned.get("channel"),
                                                 recipient=cleaned.get("recipient") or "", user=cleaned.get("user"))
        except ValidationError as exc:
            self.add_error(None, exc)
        return cleaned


@admin.register(OptOut)
class OptOutAdmin(admin.ModelAdmin):
    """Opt-outs that people ask for by phone are entered here (through the service, audited)."""

    form = OptOutForm
    list_display = ["created_at", "channel", "recipient_masked", "user", "reason"]
    list_filter = ["channel"]
    raw_id_fields = ["user"]

    @admin.display(description=_("recipient"))
    def recipient_masked(self, obj: OptOut) -> str:
        return mask_recipient(obj.channel, obj.recipient)

    def has_change_permission(self, request, obj=None):
        return False  # delete and add again

    def save_model(self, request, obj, form, change):
        saved = optout_record(channel=obj.channel, recipient=obj.recipient, user=obj.user, reason=obj.reason,
                              actor=request.user)
        obj.pk = saved.pk

    def delete_model(self, request, obj):
        optout_remove(channel=obj.channel, recipient=obj.recipient, user=obj.user, actor=request.user)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            self.delete_model(request, obj)


@admin.register(InboxMessage)
class InboxMessageAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "user", "subject", "read_at"]
    search_fields = ["subject"]
    raw_id_fields = ["user", "message"]
