"""The in-site inbox, a person's channel choices, the receipts endpoint and the admin."""

import json

import pytest
from django.urls import reverse

from minsheng.audit.models import AuditEvent
from minsheng.notifications.choices import Channel, DeliveryState
from minsheng.notifications.defaults import APPEAL_ANSWERED, APPEAL_RECEIPT
from minsheng.notifications.models import InboxMessage, MessageTemplate, OptOut, OutboxMessage
from minsheng.notifications.selectors import inbox_list, inbox_unread_count
from minsheng.notifications.services import notification_send, notifications_deliver

pytestmark = pytest.mark.django_db


def inbox_message(user, number: str = "FS1") -> InboxMessage:
    message = notification_send(event_key=f"appeal:{number}:answered", template=APPEAL_ANSWERED,
                                channel=Channel.SITE, user=user,
                                context={"case_number": number, "rate_url": "https://12345.example/r/1"})
    notifications_deliver(ids=[message.pk])
    return InboxMessage.objects.get(message=message)


def test_the_inbox_needs_a_signed_in_user(client):
    response = client.get(reverse("notifications:inbox"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_the_inbox_shows_the_users_own_messages_in_chinese_newest_first(client, citizen, other_citizen):
    inbox_message(citizen, "FS1")
    inbox_message(citizen, "FS2")
    inbox_message(other_citizen, "FS3")
    client.force_login(citizen)
    page = client.get(reverse("notifications:inbox"), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "诉求已答复：FS2" in page and "诉求已答复：FS1" in page
    assert page.index("FS2") < page.index("FS1")
    assert "FS3" not in page
    assert "我的消息" in page and "2 条未读" in page
    assert '<a href="https://12345.example/r/1"' in page  # the link to rate is a link
    assert 'name="viewport"' in page  # phone first


def test_the_selectors_see_only_the_users_own_messages(citizen, other_citizen):
    inbox_message(citizen)
    assert [e.user for e in inbox_list(user=citizen)] == [citizen]
    assert inbox_list(user=other_citizen) == [] and inbox_unread_count(user=other_citizen) == 0


def test_marking_a_message_read(client, citizen):
    entry = inbox_message(citizen, "FS1")
    inbox_message(citizen, "FS2")
    client.force_login(citizen)
    response = client.post(reverse("notifications:read", args=[entry.pk]), HTTP_HX_REQUEST="true",
                           HTTP_ACCEPT_LANGUAGE="zh-hans")
    page = response.content.decode()
    assert response.status_code == 200 and 'class="inbox-entry"' in page  # no longer "unread"
    assert 'id="unread-count" hx-swap-oob="true"' in page and "1 条未读" in page
    entry.refresh_from_db()
    assert entry.read_at is not None
    assert inbox_unread_count(user=citizen) == 1


def test_someone_elses_message_is_not_found(client, citizen, other_citizen):
    entry = inbox_message(citizen)
    client.force_login(other_citizen)
    assert client.post(reverse("notifications:read", args=[entry.pk])).status_code == 404
    entry.refresh_from_db()
    assert entry.read_at is None


def test_marking_all_read(client, citizen):
    inbox_message(citizen, "FS1")
    inbox_message(citizen, "FS2")
    client.force_login(citizen)
    assert client.post(reverse("notifications:read_all")).status_code == 302
    assert inbox_unread_count(user=citizen) == 0


def test_reading_needs_a_post(client, citizen):
    entry = inbox_message(citizen)
    client.force_login(citizen)
    assert client.get(reverse("notifications:read", args=[entry.pk])).status_code == 405


def test_a_person_switches_text_messages_off_and_on_again(client, citizen):
    client.force_login(citizen)
    client.post(reverse("notifications:channels"), {"receive": [Channel.EMAIL]})
    assert set(OptOut.objects.filter(user=citizen).values_list("channel", flat=True)) == {"sms", "wechat"}
    sms = notification_send(event_key="appeal:FS1:receipt", template=APPEAL_RECEIPT, channel=Channel.SMS,
                            user=citizen, context={"case_number": "FS1", "query_code": "K", "due_date": "2026-06-29"})
    assert sms.state == DeliveryState.OPTED_OUT
    client.post(reverse("notifications:channels"), {"receive": [Channel.EMAIL, Channel.SMS, Channel.WECHAT]})
    assert not OptOut.objects.filter(user=citizen).exists()
    assert AuditEvent.objects.filter(action="notifications.optin").count() == 2


def test_the_inbox_itself_cannot_be_switched_off(client, citizen):
    client.force_login(citizen)
    client.post(reverse("notifications:channels"), {"receive": [Channel.SITE]})
    assert not OptOut.objects.filter(channel=Channel.SITE).exists()


# --- receipts pushed by the SMS gateway -------------------------------------------------------

def sent_sms(recording) -> OutboxMessage:
    message = notification_send(event_key="appeal:FS1:receipt", template=APPEAL_RECEIPT, channel=Channel.SMS,
                                recipient="13800138000",
                                context={"case_number": "FS1", "query_code": "K", "due_date": "2026-06-29"})
    notifications_deliver()
    return message


def test_the_gateway_pushes_a_receipt_with_the_secret_token(client, settings, recording):
    settings.NOTIFICATIONS_RECEIPT_TOKEN = "s3cret-token"
    message = sent_sms(recording)
    url = reverse("notifications:aliyun_receipts", args=["s3cret-token"])
    report = [{"success": True, "out_id": message.out_id, "biz_id": "", "err_code": "DELIVERED", "err_msg": ""}]
    response = client.post(url, data=json.dumps(report), content_type="application/json")
    assert response.json() == {"code": 0, "msg": "成功"}
    message.refresh_from_db()
    assert message.state == DeliveryState.DELIVERED


@pytest.mark.parametrize("configured", ["", "s3cret-token"])
def test_receipts_without_the_right_token_are_not_found(client, settings, recording, configured):
    settings.NOTIFICATIONS_RECEIPT_TOKEN = configured
    message = sent_sms(recording)
    report = [{"success": True, "out_id": message.out_id}]
    response = client.post(reverse("notifications:aliyun_receipts", args=["guess"]), data=json.dumps(report),
                           content_type="application/json")
    assert response.status_code == 404
    message.refresh_from_db()
    assert message.state == DeliveryState.SENT


def test_a_malformed_receipt_push_is_a_400(client, settings):
    settings.NOTIFICATIONS_RECEIPT_TOKEN = "s3cret-token"
    url = reverse("notifications:aliyun_receipts", args=["s3cret-token"])
    assert client.post(url, data="{not json", content_type="application/json").status_code == 400


# --- the admin --------------------------------------------------------------------------------

@pytest.fixture
def admin_client(client):
    from minsheng.org.tests.factories import person

    client.force_login(person("admin", superuser=True))
    return client


def template_form(template: MessageTemplate, **changes) -> dict:
    data = {"code": template.code, "channel": template.channel, "name": template.name, "subject": template.subject,
            "body": template.body, "provider_template_code": template.provider_template_code, "is_active": "on"}
    return {**data, **changes}


def test_an_administrator_edits_a_template_and_the_change_is_audited(admin_client):
    template = MessageTemplate.objects.get(code=APPEAL_RECEIPT, channel=Channel.SMS)
    url = reverse("admin:notifications_messagetemplate_change", args=[template.pk])
    body = "诉求{case_number}已受理，查询码{query_code}，{due_date}前答复。"
    response = admin_client.post(url, template_form(template, body=body, provider_template_code="SMS_1"))
    assert response.status_code == 302
    template.refresh_from_db()
    assert (template.body, template.provider_template_code) == (body, "SMS_1")
    assert AuditEvent.objects.filter(action="notifications.template_save", object_id=str(template.pk)).exists()


@pytest.mark.parametrize("body", ["{name}您好，诉求{case_number}已受理", "诉求{case_number已受理"])
def test_a_template_with_personal_data_or_a_broken_placeholder_is_refused(admin_client, body):
    template = MessageTemplate.objects.get(code=APPEAL_RECEIPT, channel=Channel.SMS)
    url = reverse("admin:notifications_messagetemplate_change", args=[template.pk])
    response = admin_client.post(url, template_form(template, body=body))
    assert response.status_code == 200 and response.context["adminform"].form.errors
    template.refresh_from_db()
    assert template.body != body


def test_the_outbox_is_read_only_in_the_admin_and_shows_masked_recipients(admin_client, recording):
    message = sent_sms(recording)
    page = admin_client.get(reverse("admin:notifications_outboxmessage_changelist")).content.decode()
    assert "138****8000" in page and "13800138000" not in page
    detail = admin_client.get(reverse("admin:notifications_outboxmessage_change", args=[message.pk]))
    assert detail.status_code == 200
    assert admin_client.post(reverse("admin:notifications_outboxmessage_change", args=[message.pk]),
                             {"body": "x"}).status_code == 403
    assert admin_client.get(reverse("admin:notifications_outboxmessage_add")).status_code == 403


def test_an_operator_records_a_phoned_in_opt_out_and_removes_it_audited(admin_client):
    response = admin_client.post(reverse("admin:notifications_optout_add"),
                                 {"channel": Channel.SMS, "recipient": "138 0013 8000", "reason": "来电要求"})
    assert response.status_code == 302
    optout = OptOut.objects.get()
    assert optout.recipient == "13800138000"
    admin_client.post(reverse("admin:notifications_optout_delete", args=[optout.pk]), {"post": "yes"})
    assert not OptOut.objects.exists()
    assert list(AuditEvent.objects.filter(action__startswith="notifications.opt").values_list("action", flat=True)
                .order_by("id")) == ["notifications.optout", "notifications.optin"]


def test_an_opt_out_for_the_inbox_or_without_anyone_is_refused_in_the_admin(admin_client):
    for data in ({"channel": Channel.SITE, "recipient": "13800138000"}, {"channel": Channel.SMS, "recipient": ""}):
        response = admin_client.post(reverse("admin:notifications_optout_add"), data)
        assert response.status_code == 200 and response.context["adminform"].form.errors
    assert not OptOut.objects.exists()
