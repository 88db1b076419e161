"""Queueing a message: ``notification_send``."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import DatabaseError, transaction

from minsheng.notifications.choices import Channel, DeliveryState
from minsheng.notifications.defaults import APPEAL_RECEIPT, ONE_TIME_CODE
from minsheng.notifications.models import DeliveryEvent, OutboxMessage
from minsheng.notifications.services import notification_send, optout_record

pytestmark = pytest.mark.django_db

FOSHAN = ZoneInfo("Asia/Shanghai")
RECEIPT = {"case_number": "FS20260615000123", "query_code": "K7P2Q9", "due_date": dt.date(2026, 6, 29)}


def receipt(**overrides) -> OutboxMessage:
    arguments = {"event_key": "appeal:FS20260615000123:receipt", "template": APPEAL_RECEIPT, "channel": Channel.SMS,
                 "recipient": "13800138000", "context": RECEIPT, **overrides}
    return notification_send(**arguments)


def test_a_message_is_queued_rendered_with_its_sign_off_and_its_first_event():
    message = receipt()
    assert message.state == DeliveryState.QUEUED
    assert message.body.startswith("【佛山12345】您的诉求已受理，编号FS20260615000123，查询码K7P2Q9")
    assert "2026-06-29" in message.body
    assert message.params == {"case_number": "FS20260615000123", "query_code": "K7P2Q9", "due_date": "2026-06-29"}
    events = list(DeliveryEvent.objects.filter(message=message).values_list("from_state", "to_state"))
    assert events == [("", DeliveryState.QUEUED)]


def test_the_sign_off_is_a_setting(settings):
    settings.NOTIFICATIONS_SMS_SIGNATURE = "禅城12345"
    assert receipt().body.startswith("【禅城12345】")


def test_the_same_event_to_the_same_recipient_returns_the_first_message():
    first = receipt()
    again = receipt(context={**RECEIPT, "query_code": "ZZZZZZ"})
    assert again.pk == first.pk
    assert OutboxMessage.objects.count() == 1
    assert "K7P2Q9" in again.body


def test_the_same_event_on_another_channel_or_to_another_number_is_another_message(citizen):
    sms = receipt()
    other_number = receipt(recipient="13900139000")
    inbox = receipt(channel=Channel.SITE, recipient="", user=citizen)
    assert len({sms.pk, other_number.pk, inbox.pk}) == 3
    assert inbox.recipient == f"user:{citizen.pk}"
    assert inbox.subject == "诉求已受理：FS20260615000123"
    assert not inbox.body.startswith("【")  # the sign-off is for text messages


def test_the_uniqueness_is_kept_by_the_database_too():
    message = receipt()
    with pytest.raises(DatabaseError), transaction.atomic():
        OutboxMessage.objects.create(event_key=message.event_key, channel=message.channel,
                                     recipient=message.recipient, template=message.template, body="x")


def test_a_mobile_written_with_spaces_or_country_code_is_the_same_recipient():
    first = receipt()
    assert receipt(recipient="+86 138-0013-8000").pk == first.pk


def test_without_a_recipient_the_users_own_mobile_or_address_is_used(citizen):
    assert receipt(recipient="", user=citizen).recipient == "13800138000"
    assert receipt(channel=Channel.EMAIL, recipient="", user=citizen).recipient == "citizen@example.cn"


def test_a_missing_value_is_a_clear_error_for_the_caller_and_nothing_is_queued():
    with pytest.raises(ValidationError) as caught:
        receipt(context={"case_number": "FS1", "query_code": "K7"})
    assert caught.value.code == "missing_value"
    assert "due_date" in caught.value.params["names"]
    assert not OutboxMessage.objects.exists()


@pytest.mark.parametrize(("overrides", "code"), [
    ({"template": "no_such_template"}, "template"),
    ({"channel": "pigeon"}, "channel"),
    ({"recipient": "12345"}, "invalid_mobile"),
    ({"channel": Channel.EMAIL, "recipient": "not-an-address"}, "invalid"),
    ({"channel": Channel.SITE, "recipient": ""}, "no_user"),
    ({"event_key": ""}, "event_key"),
])
def test_what_cannot_be_sent_is_refused_when_queued(overrides, code):
    with pytest.raises(ValidationError) as caught:
        receipt(**overrides)
    assert code in {error.code for error in caught.value.error_list}


def test_an_inactive_template_is_not_used():
    from minsheng.notifications.models import MessageTemplate

    MessageTemplate.objects.filter(code=APPEAL_RECEIPT, channel=Channel.SMS).update(is_active=False)
    with pytest.raises(ValidationError):
        receipt()


def test_a_recipient_who_opted_out_gets_nothing_but_the_event_is_recorded():
    optout_record(channel=Channel.SMS, recipient="13800138000")
    message = receipt()
    assert message.state == DeliveryState.OPTED_OUT
    assert message.next_attempt_at is None
    assert receipt().pk == message.pk  # still once per event


def test_a_person_who_opted_out_is_not_sent_to_at_their_mobile_even_without_the_account_named(citizen):
    optout_record(channel=Channel.SMS, user=citizen)
    assert receipt().state == DeliveryState.OPTED_OUT  # 13800138000 is the citizen's mobile
    assert receipt(channel=Channel.EMAIL, recipient="citizen@example.cn").state == DeliveryState.QUEUED


def test_a_one_time_code_is_sent_whatever_the_opt_outs():
    optout_record(channel=Channel.SMS, recipient="13800138000")
    message = notification_send(event_key="otp:1", template=ONE_TIME_CODE, channel=Channel.SMS,
                                recipient="13800138000", context={"code": "123456", "minutes": 5})
    assert message.state == DeliveryState.QUEUED


def test_a_text_message_queued_at_night_waits_until_eight_in_the_morning():
    with time_machine.travel(dt.datetime(2026, 6, 15, 23, 30, tzinfo=FOSHAN), tick=False):
        message = receipt()
    assert message.state == DeliveryState.QUEUED
    assert message.next_attempt_at == dt.datetime(2026, 6, 16, 8, 0, tzinfo=FOSHAN)
    assert "08:00" in message.events.get().detail


def test_the_quiet_hours_are_settings(settings):
    settings.NOTIFICATIONS_SMS_QUIET_START_HOUR, settings.NOTIFICATIONS_SMS_QUIET_END_HOUR = 21, 9
    with time_machine.travel(dt.datetime(2026, 6, 15, 21, 5, tzinfo=FOSHAN), tick=False):
        message = receipt()
    assert message.next_attempt_at == dt.datetime(2026, 6, 16, 9, 0, tzinfo=FOSHAN)


@pytest.mark.parametrize("kind", ["urgent", "one_time_code", "email", "daytime"])
def test_urgent_messages_one_time_codes_other_channels_and_daytime_messages_go_at_once(kind, citizen):
    moment = dt.datetime(2026, 6, 15, 14 if kind == "daytime" else 23, 30, tzinfo=FOSHAN)
    with time_machine.travel(moment, tick=False):
        if kind == "one_time_code":
            message = notification_send(event_key="otp:9", template=ONE_TIME_CODE, channel=Channel.SMS,
                                        recipient="13800138000", context={"code": "123456", "minutes": 5})
        elif kind == "email":
            message = receipt(channel=Channel.EMAIL, recipient="a@example.cn")
        else:
            message = receipt(urgent=kind == "urgent")
    assert message.next_attempt_at == moment


def test_nothing_is_sent_inside_the_callers_transaction(recording, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        receipt()
    assert recording.sent == []  # queued only
    assert len(callbacks) == 1


def test_once_the_callers_transaction_commits_the_message_is_sent(recording, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        message = receipt()
    assert [m.out_id for m in recording.sent] == [message.out_id]
    message.refresh_from_db()
    assert message.state == DeliveryState.SENT


def test_a_caller_that_rolls_back_leaves_nothing_queued_or_sent(recording, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError), transaction.atomic():
        receipt()
        raise RuntimeError("the appeal could not be registered")
    assert not OutboxMessage.objects.exists()
    assert recording.sent == []


def test_a_message_held_for_the_quiet_hours_is_not_handed_to_a_worker_at_once(django_capture_on_commit_callbacks):
    night = time_machine.travel(dt.datetime(2026, 6, 15, 23, 0, tzinfo=FOSHAN), tick=False)
    with night, django_capture_on_commit_callbacks(execute=False) as callbacks:
        receipt()
    assert callbacks == []
