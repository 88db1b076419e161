"""The Aliyun SMS provider against a local server that checks signatures the way Aliyun documents them."""

import datetime as dt
import json

import pytest
import time_machine
from django.utils import timezone

from minsheng.notifications.choices import Channel, DeliveryState
from minsheng.notifications.defaults import APPEAL_ANSWERED
from minsheng.notifications.models import MessageTemplate
from minsheng.notifications.providers import Outgoing, PermanentError, RetryableError
from minsheng.notifications.providers.aliyun import AliyunSms, percent_encode, receipts_from, signature
from minsheng.notifications.services import notification_send, notifications_deliver

from . import aliyun_server
from .aliyun_server import ACCESS_KEY_ID, ACCESS_KEY_SECRET

PROVIDER = "minsheng.notifications.providers.aliyun.AliyunSms"


@pytest.fixture
def aliyun(settings):
    with aliyun_server.Running() as fake:
        settings.NOTIFICATIONS_ALIYUN_SMS = {"endpoint": fake.url, "access_key_id": ACCESS_KEY_ID,
                                             "access_key_secret": ACCESS_KEY_SECRET, "timeout": 2}
        yield fake


def outgoing(**overrides) -> Outgoing:
    fields = {"id": 7, "out_id": "ms7", "channel": "sms", "recipient": "13800138000", "user_id": None,
              "subject": "", "body": "【佛山12345】您的诉求FS1已有答复", "template_code": APPEAL_ANSWERED,
              "provider_template_code": "SMS_460000001",
              "params": {"case_number": "FS1", "rate_url": "https://12345.example/r/1"}}
    return Outgoing(**{**fields, **overrides})


# --- the signature, by itself -----------------------------------------------------------------

def test_the_signature_matches_the_worked_example_in_aliyuns_documentation():
    params = {"AccessKeyId": "testid", "Action": "DescribeRegions", "Format": "XML",
              "SignatureMethod": "HMAC-SHA1", "SignatureNonce": "3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf",
              "SignatureVersion": "1.0", "Timestamp": "2016-02-23T12:46:24Z", "Version": "2014-05-26"}
    assert signature("testsecret", "GET", params) == "OLeaidS1JvxuMvnyHOwuJ+uX5qY="


def test_percent_encoding_follows_rfc_3986_not_html_forms():
    assert percent_encode("a b*c~d/é") == "a%20b%2Ac~d%2F%C3%A9"
    assert percent_encode("佛山") == "%E4%BD%9B%E5%B1%B1"


# --- SendSms ----------------------------------------------------------------------------------

def test_send_sms_carries_the_number_sign_off_template_values_and_out_id(aliyun):
    biz_id = AliyunSms().send(outgoing())
    [request] = aliyun.accepted
    assert biz_id == request["BizId"]
    assert request["Action"] == "SendSms" and request["PhoneNumbers"] == "13800138000"
    assert request["SignName"] == "佛山12345" and request["TemplateCode"] == "SMS_460000001"
    assert json.loads(request["TemplateParam"]) == {"case_number": "FS1", "rate_url": "https://12345.example/r/1"}
    assert request["OutId"] == "ms7"


def test_a_wrong_secret_is_refused_by_the_server_and_nothing_is_sent(aliyun):
    with pytest.raises(PermanentError) as caught:
        AliyunSms(access_key_secret="not-the-secret").send(outgoing())
    assert caught.value.code == "SignatureDoesNotMatch"
    assert aliyun.accepted == [] and aliyun.refused == ["SignatureDoesNotMatch"]


def test_a_request_changed_after_signing_is_refused(aliyun):
    provider = AliyunSms()
    signed = provider.signed_params("SendSms", {"PhoneNumbers": "13800138000"})
    signed["PhoneNumbers"] = "13900139000"
    assert aliyun_server.expected_signature("POST", signed) != signed["Signature"]


def test_each_request_has_a_fresh_nonce(aliyun):
    provider = AliyunSms()
    provider.send(outgoing())
    provider.send(outgoing(out_id="ms8"))
    assert len(aliyun.accepted) == 2 and aliyun.refused == []


@pytest.mark.parametrize(("code", "error"), [
    ("isv.BUSINESS_LIMIT_CONTROL", RetryableError),
    ("isp.SYSTEM_ERROR", RetryableError),
    ("Throttling.User", RetryableError),
    ("isv.MOBILE_NUMBER_ILLEGAL", PermanentError),
    ("isv.SMS_TEMPLATE_ILLEGAL", PermanentError),
    ("isv.TEMPLATE_MISSING_PARAMETERS", PermanentError),
])
def test_aliyun_error_codes_are_retryable_or_permanent(aliyun, code, error):
    aliyun.script.append(code)
    with pytest.raises(error) as caught:
        AliyunSms().send(outgoing())
    assert type(caught.value) is error and caught.value.code == code


def test_a_server_error_without_an_answer_is_retryable(aliyun):
    aliyun.script.append("HTTP500")
    with pytest.raises(RetryableError):
        AliyunSms().send(outgoing())


def test_an_answer_too_late_is_retryable_with_an_unknown_outcome(aliyun):
    aliyun.script.append("SLOW")
    aliyun.slow_seconds = 1.0
    with pytest.raises(RetryableError) as caught:
        AliyunSms(timeout=0.3).send(outgoing())
    assert caught.value.outcome_unknown
    assert len(aliyun.accepted) == 1  # Aliyun had it all along


def test_a_server_that_is_not_there_is_retryable_and_certainly_not_sent(settings):
    with aliyun_server.Running() as gone:
        url = gone.url
    with pytest.raises(RetryableError) as caught:
        AliyunSms(endpoint=url, access_key_id=ACCESS_KEY_ID, access_key_secret=ACCESS_KEY_SECRET).send(outgoing())
    assert not caught.value.outcome_unknown


def test_a_template_without_its_aliyun_code_cannot_be_sent(aliyun):
    with pytest.raises(PermanentError):
        AliyunSms().send(outgoing(provider_template_code=""))
    assert aliyun.accepted == []


def test_only_http_endpoints_are_accepted():
    from django.core.exceptions import ImproperlyConfigured

    with pytest.raises(ImproperlyConfigured):
        AliyunSms(endpoint="file:///etc/passwd")


# --- QuerySendDetails --------------------------------------------------------------------------

def test_lookup_finds_an_earlier_attempt_by_out_id_across_pages(aliyun):
    provider = AliyunSms()
    for n in range(60):
        provider.send(outgoing(out_id=f"ms{1000 + n}"))
    # The records carry OutId but no BizId (as documented): our out_id is what names the message then.
    assert provider.lookup(outgoing(out_id="ms1055")) == "OutId:ms1055"
    assert aliyun.queries == 2  # 50 a page
    assert provider.lookup(outgoing(out_id="ms9999")) is None


# --- through the outbox ------------------------------------------------------------------------

@pytest.mark.django_db
def test_the_outbox_sends_through_aliyun_end_to_end(aliyun, settings):
    settings.NOTIFICATIONS_PROVIDERS = {**settings.NOTIFICATIONS_PROVIDERS, "sms": PROVIDER}
    MessageTemplate.objects.filter(code=APPEAL_ANSWERED, channel=Channel.SMS).update(
        provider_template_code="SMS_460000001")
    message = notification_send(event_key="appeal:FS1:answered", template=APPEAL_ANSWERED, channel=Channel.SMS,
                                recipient="13800138000",
                                context={"case_number": "FS1", "rate_url": "https://12345.example/r/1"})
    assert notifications_deliver() == {"sent": 1}
    message.refresh_from_db()
    assert message.state == DeliveryState.SENT
    assert message.provider_message_id == aliyun.accepted[0]["BizId"]
    assert aliyun.accepted[0]["OutId"] == message.out_id


@pytest.mark.django_db
def test_a_send_that_timed_out_is_found_at_aliyun_and_not_sent_twice(aliyun, settings):
    settings.NOTIFICATIONS_PROVIDERS = {**settings.NOTIFICATIONS_PROVIDERS, "sms": PROVIDER}
    settings.NOTIFICATIONS_ALIYUN_SMS = {**settings.NOTIFICATIONS_ALIYUN_SMS, "timeout": 0.3}
    MessageTemplate.objects.filter(code=APPEAL_ANSWERED, channel=Channel.SMS).update(
        provider_template_code="SMS_460000001")
    message = notification_send(event_key="appeal:FS1:answered", template=APPEAL_ANSWERED, channel=Channel.SMS,
                                recipient="13800138000",
                                context={"case_number": "FS1", "rate_url": "https://12345.example/r/1"})
    aliyun.script.append("SLOW")
    assert notifications_deliver() == {"retry": 1}
    message.refresh_from_db()
    assert message.outcome_unknown
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=5), tick=False):
        assert notifications_deliver() == {"sent": 1}
    message.refresh_from_db()
    assert message.state == DeliveryState.SENT
    assert len(aliyun.accepted) == 1 and aliyun.queries == 1
    assert message.provider_message_id == f"OutId:{message.out_id}"


# --- delivery receipts ------------------------------------------------------------------------

def test_pushed_reports_become_receipts():
    reports = [{"phone_number": "13800138000", "success": True, "biz_id": "1000^0", "out_id": "ms7",
                "err_code": "DELIVERED", "err_msg": "用户接收成功"},
               {"success": False, "biz_id": "1001^0", "out_id": "", "err_code": "MK:0001", "err_msg": "空号"},
               "not an object"]
    first, second = receipts_from(reports)
    assert (first.delivered, first.out_id) == (True, "ms7")
    assert (second.delivered, second.provider_message_id, second.error) == (False, "1001^0", "MK:0001 空号")
    with pytest.raises(ValueError):
        receipts_from({"not": "a list"})
