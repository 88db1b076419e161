"""Sending what is due: claim, send, record; retries, failures, leases, history."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import DatabaseError, transaction
from django.utils import timezone

from minsheng.notifications.choices import Channel, DeliveryState
from minsheng.notifications.defaults import APPEAL_ANSWERED, ONE_TIME_CODE
from minsheng.notifications.models import DeliveryEvent, InboxMessage, OutboxMessage
from minsheng.notifications.providers import PermanentError, Receipt, RetryableError
from minsheng.notifications.services import (
    message_deliver,
    notification_receipts_record,
    notification_retry,
    notification_send,
    notifications_deliver,
    optout_record,
)
from minsheng.notifications.tasks import PERIODIC, notifications_send_due

from .conftest import RECORDING_LOOKUP
from .fakes import RecordingLookupProvider

pytestmark = pytest.mark.django_db

FOSHAN = ZoneInfo("Asia/Shanghai")


def answered(number: str = "FS20260615000123", **overrides) -> OutboxMessage:
    arguments = {"event_key": f"appeal:{number}:answered", "template": APPEAL_ANSWERED, "channel": Channel.SMS,
                 "recipient": "13800138000", "context": {"case_number": number, "rate_url": "https://12345.example/r/1"},
                 **overrides}
    return notification_send(**arguments)


def states(message: OutboxMessage) -> list[tuple[str, str]]:
    return list(DeliveryEvent.objects.filter(message=message).order_by("id").values_list("from_state", "to_state"))


def test_a_due_message_is_sent_and_its_path_recorded(recording):
    message = answered()
    assert notifications_deliver() == {"sent": 1}
    message.refresh_from_db()
    assert message.state == DeliveryState.SENT
    assert message.attempts == 1
    assert message.provider_message_id == f"fake-{message.out_id}-1"
    assert message.sent_at is not None and message.next_attempt_at is None
    assert states(message) == [("", "queued"), ("queued", "sending"), ("sending", "sent")]
    assert recording.sent[0].body == message.body and recording.sent[0].params["case_number"] == "FS20260615000123"


def test_a_provider_whose_acceptance_is_delivery_marks_the_message_delivered(citizen):
    message = answered(channel=Channel.SITE, recipient="", user=citizen)
    assert notifications_deliver() == {"delivered": 1}
    message.refresh_from_db()
    assert message.state == DeliveryState.DELIVERED
    assert states(message)[-2:] == [("sending", "sent"), ("sent", "delivered")]
    entry = InboxMessage.objects.get(message=message)
    assert (entry.user, entry.subject) == (citizen, "诉求已答复：FS20260615000123")


def test_a_sent_message_is_not_sent_again_by_the_next_run(recording):
    answered()
    notifications_deliver()
    assert notifications_deliver() == {}
    assert len(recording.sent) == 1


def test_a_retryable_error_puts_the_message_back_with_exponential_back_off(recording, settings):
    settings.NOTIFICATIONS_RETRY_BASE_SECONDS, settings.NOTIFICATIONS_RETRY_MAX_SECONDS = 60, 3600
    recording.failures[:] = [RetryableError("gateway busy", code="isp.SYSTEM_ERROR")] * 2
    start = dt.datetime(2026, 6, 15, 10, 0, tzinfo=FOSHAN)
    with time_machine.travel(start, tick=False):
        message = answered()
        assert notifications_deliver() == {"retry": 1}
    message.refresh_from_db()
    assert (message.state, message.attempts) == (DeliveryState.QUEUED, 1)
    assert message.next_attempt_at == start + dt.timedelta(seconds=60)
    assert message.last_error == "isp.SYSTEM_ERROR: gateway busy"
    with time_machine.travel(start + dt.timedelta(seconds=59), tick=False):
        assert notifications_deliver() == {}  # not yet due
    with time_machine.travel(start + dt.timedelta(seconds=60), tick=False):
        assert notifications_deliver() == {"retry": 1}
    message.refresh_from_db()
    assert message.next_attempt_at == start + dt.timedelta(seconds=60 + 120)
    with time_machine.travel(start + dt.timedelta(seconds=180), tick=False):
        assert notifications_deliver() == {"sent": 1}
    message.refresh_from_db()
    assert (message.state, message.attempts, message.last_error) == (DeliveryState.SENT, 3, "")


def test_after_the_last_attempt_the_message_fails(recording, settings):
    settings.NOTIFICATIONS_MAX_ATTEMPTS = 3
    message = answered()
    recording.failures[:] = [RetryableError("gateway busy")] * 5
    for minutes in (0, 10, 20):
        with time_machine.travel(timezone.now() + dt.timedelta(minutes=minutes), tick=False):
            notifications_deliver()
    message.refresh_from_db()
    assert (message.state, message.attempts, message.next_attempt_at) == (DeliveryState.FAILED, 3, None)
    assert states(message)[-1] == ("sending", "failed")
    assert recording.sent == []


def test_a_permanent_error_fails_the_message_at_once(recording):
    message = answered()
    recording.failures[:] = [PermanentError("invalid number", code="isv.MOBILE_NUMBER_ILLEGAL")]
    assert notifications_deliver() == {"failed": 1}
    message.refresh_from_db()
    assert (message.state, message.attempts) == (DeliveryState.FAILED, 1)
    assert message.last_error.startswith("isv.MOBILE_NUMBER_ILLEGAL")


def test_a_provider_that_crashes_does_not_stop_the_run_and_its_message_is_retried_carefully(recording):
    first, second = answered("FS1"), answered("FS2")
    recording.failures[:] = [KeyError("a bug in the provider")]
    assert notifications_deliver() == {"retry": 1, "sent": 1}
    first.refresh_from_db()
    assert first.state == DeliveryState.QUEUED and first.outcome_unknown  # it may have gone out: ask first
    second.refresh_from_db()
    assert second.state == DeliveryState.SENT


def test_a_text_message_held_for_the_quiet_hours_is_sent_when_they_end(recording):
    with time_machine.travel(dt.datetime(2026, 6, 15, 23, 0, tzinfo=FOSHAN), tick=False):
        message = answered()
        assert notifications_deliver() == {}
    with time_machine.travel(dt.datetime(2026, 6, 16, 7, 59, tzinfo=FOSHAN), tick=False):
        assert notifications_deliver() == {}
    with time_machine.travel(dt.datetime(2026, 6, 16, 8, 0, tzinfo=FOSHAN), tick=False):
        assert notifications_deliver() == {"sent": 1}
    assert [m.out_id for m in recording.sent] == [message.out_id]


def test_a_retry_that_falls_in_the_quiet_hours_waits_for_the_morning(recording, settings):
    settings.NOTIFICATIONS_RETRY_BASE_SECONDS = 3600
    recording.failures[:] = [RetryableError("gateway busy")]
    with time_machine.travel(dt.datetime(2026, 6, 15, 21, 30, tzinfo=FOSHAN), tick=False):
        message = answered()  # queued then, whatever day the suite runs
        notifications_deliver()  # fails; the retry is due at 22:30
    with time_machine.travel(dt.datetime(2026, 6, 15, 22, 30, tzinfo=FOSHAN), tick=False):
        assert notifications_deliver() == {"deferred": 1}
    message.refresh_from_db()
    assert message.next_attempt_at == dt.datetime(2026, 6, 16, 8, 0, tzinfo=FOSHAN)
    assert recording.sent == []


def test_a_recipient_who_opts_out_while_the_message_waits_is_not_sent_to(recording):
    message = answered()
    optout_record(channel=Channel.SMS, recipient="13800138000")
    assert notifications_deliver() == {"opted_out": 1}
    message.refresh_from_db()
    assert message.state == DeliveryState.OPTED_OUT
    assert recording.sent == []


def test_urgent_messages_and_one_time_codes_go_first(recording):
    answered("FS1")
    code = notification_send(event_key="otp:1", template=ONE_TIME_CODE, channel=Channel.SMS,
                             recipient="13900139000", context={"code": "654321", "minutes": 5}, urgent=True)
    notifications_deliver(limit=1)
    assert [m.out_id for m in recording.sent] == [code.out_id]


def test_only_the_messages_asked_for_are_sent_when_ids_are_given(recording):
    first, second = answered("FS1"), answered("FS2")
    notifications_deliver(ids=[second.pk])
    assert [m.out_id for m in recording.sent] == [second.out_id]
    first.refresh_from_db()
    assert first.state == DeliveryState.QUEUED


def test_a_one_time_code_is_masked_in_the_outbox_once_it_is_sent(recording):
    message = notification_send(event_key="otp:1", template=ONE_TIME_CODE, channel=Channel.SMS,
                                recipient="13900139000", context={"code": "654321", "minutes": 5})
    notifications_deliver()
    assert "654321" in recording.sent[0].body  # the handset gets it
    message.refresh_from_db()
    assert "654321" not in message.body and "******" in message.body
    assert message.params["code"] == "******"


# --- a worker that stops between sending and recording ----------------------------------------

def claim_and_die(message: OutboxMessage, provider) -> None:
    """The worst moment: the provider accepted the message, the worker died before recording it."""
    from minsheng.notifications.services.delivery import _claim

    outgoing, _ask_first = _claim(message.pk)
    provider.send(outgoing)


def test_a_message_whose_worker_died_stays_sending_until_its_lease_runs_out(recording, settings):
    settings.NOTIFICATIONS_SEND_LEASE_SECONDS = 300
    settings.NOTIFICATIONS_PROVIDERS = {**settings.NOTIFICATIONS_PROVIDERS, "sms": RECORDING_LOOKUP}
    message = answered()
    start = timezone.now()
    claim_and_die(message, RecordingLookupProvider())
    with time_machine.travel(start + dt.timedelta(seconds=299), tick=False):
        assert notifications_deliver() == {}
    message.refresh_from_db()
    assert message.state == DeliveryState.SENDING


def test_after_the_lease_a_provider_that_can_look_up_is_asked_and_the_message_is_not_sent_twice(recording, settings):
    settings.NOTIFICATIONS_PROVIDERS = {**settings.NOTIFICATIONS_PROVIDERS, "sms": RECORDING_LOOKUP}
    message = answered()
    claim_and_die(message, RecordingLookupProvider())
    with time_machine.travel(timezone.now() + dt.timedelta(seconds=301), tick=False):
        assert notifications_deliver() == {"released": 1, "sent": 1}
    assert len(recording.sent) == 1  # the one the dead worker sent
    assert recording.lookups == [message.out_id]
    message.refresh_from_db()
    assert message.state == DeliveryState.SENT and message.provider_message_id == f"fake-{message.out_id}-1"
    assert states(message)[-3:] == [("sending", "queued"), ("queued", "sending"), ("sending", "sent")]
    assert "not sent again" in message.events.order_by("id").last().detail


def test_after_the_lease_a_message_the_provider_never_got_is_sent(recording, settings):
    settings.NOTIFICATIONS_PROVIDERS = {**settings.NOTIFICATIONS_PROVIDERS, "sms": RECORDING_LOOKUP}
    message = answered()
    from minsheng.notifications.services.delivery import _claim

    _claim(message.pk)  # died before even reaching the provider
    with time_machine.travel(timezone.now() + dt.timedelta(seconds=301), tick=False):
        notifications_deliver()
    assert [m.out_id for m in recording.sent] == [message.out_id]
    assert recording.lookups == [message.out_id]


def test_a_provider_that_cannot_look_up_sends_again_at_least_once(recording):
    message = answered()
    from minsheng.notifications.providers import provider_for

    claim_and_die(message, provider_for(Channel.SMS))
    with time_machine.travel(timezone.now() + dt.timedelta(seconds=301), tick=False):
        notifications_deliver()
    assert [m.out_id for m in recording.sent] == [message.out_id, message.out_id]


def test_a_message_is_claimed_by_one_worker_only(recording):
    message = answered()
    from minsheng.notifications.services.delivery import _claim

    assert not isinstance(_claim(message.pk), str)
    assert _claim(message.pk) == "skipped"


def test_a_late_answer_after_the_lease_is_not_recorded_over_the_next_attempt(recording):
    from minsheng.notifications.services.delivery import _claim, _record_sent

    message = answered()
    outgoing, _ = _claim(message.pk)
    with time_machine.travel(timezone.now() + dt.timedelta(seconds=301), tick=False):
        notifications_deliver()  # released, claimed again (attempt 2) and sent
        assert _record_sent(message.pk, outgoing.attempt, "late", found=False, delivered=False) == "stale"
    message.refresh_from_db()
    assert message.attempts == 2 and message.provider_message_id != "late"


# --- the history, receipts, sending again, the task ------------------------------------------

def test_the_history_cannot_be_changed_or_deleted(recording):
    message = answered()
    event = message.events.get()
    with pytest.raises(DatabaseError), transaction.atomic():
        DeliveryEvent.objects.filter(pk=event.pk).update(detail="rewritten")
    with pytest.raises(DatabaseError), transaction.atomic():
        DeliveryEvent.objects.filter(pk=event.pk).delete()


def test_a_state_change_outside_the_table_is_refused():
    from minsheng.notifications.services.transitions import TransitionRefused, transition

    message = answered()
    with pytest.raises(TransitionRefused):
        transition(message, DeliveryState.DELIVERED)


def test_a_delivery_receipt_marks_a_sent_message_delivered_once(recording):
    message = answered()
    notifications_deliver()
    receipt = Receipt(delivered=True, out_id=message.out_id)
    assert notification_receipts_record(channel=Channel.SMS, receipts=[receipt, receipt]) == 1
    message.refresh_from_db()
    assert message.state == DeliveryState.DELIVERED


def test_a_failed_delivery_receipt_fails_the_message_with_the_carriers_reason(recording):
    message = answered()
    notifications_deliver()
    message.refresh_from_db()
    receipts = [Receipt(delivered=False, provider_message_id=message.provider_message_id, error="MK:0001 空号")]
    notification_receipts_record(channel=Channel.SMS, receipts=receipts)
    message.refresh_from_db()
    assert message.state == DeliveryState.FAILED and "空号" in message.last_error


def test_an_administrator_sends_a_failed_message_again(recording, django_capture_on_commit_callbacks):
    from minsheng.audit.models import AuditEvent
    from minsheng.org.tests.factories import person

    admin = person("admin", superuser=True)
    message = answered()
    recording.failures[:] = [PermanentError("gateway rejected")]
    notifications_deliver()
    with django_capture_on_commit_callbacks(execute=True):
        notification_retry(message=message, actor=admin)
    message.refresh_from_db()
    assert message.state == DeliveryState.SENT and message.attempts == 1
    assert AuditEvent.objects.filter(action="notifications.retry", object_id=str(message.pk)).exists()


def test_a_one_time_code_is_never_sent_again_by_an_administrator(recording):
    from django.core.exceptions import ValidationError

    message = notification_send(event_key="otp:1", template=ONE_TIME_CODE, channel=Channel.SMS,
                                recipient="13900139000", context={"code": "654321", "minutes": 5})
    recording.failures[:] = [PermanentError("gateway rejected")]
    notifications_deliver()
    with pytest.raises(ValidationError):
        notification_retry(message=message, actor=None)


def test_the_task_delivers_and_is_run_every_minute(recording):
    answered()
    result = notifications_send_due.enqueue()
    assert result.return_value == {"sent": 1}
    assert (notifications_send_due, 60) in PERIODIC


def test_an_unconfigured_channel_leaves_its_messages_queued_without_using_an_attempt(settings):
    settings.NOTIFICATIONS_PROVIDERS = {**settings.NOTIFICATIONS_PROVIDERS, "sms": "no.such.Provider"}
    message = answered()
    assert notifications_deliver() == {"unconfigured": 1}
    message.refresh_from_db()
    assert (message.state, message.attempts) == (DeliveryState.QUEUED, 0)


def test_message_deliver_reports_a_message_that_is_not_due(recording):
    with time_machine.travel(dt.datetime(2026, 6, 15, 23, 0, tzinfo=FOSHAN), tick=False):
        message = answered()
        from minsheng.notifications.providers import provider_for

        assert message_deliver(pk=message.pk, provider=provider_for(Channel.SMS)) == "skipped"
