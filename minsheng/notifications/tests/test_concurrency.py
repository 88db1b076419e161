"""Several workers and requests racing on one PostgreSQL database: each message is sent once, each event
queued once, and the one-code-a-minute limit holds."""

import contextlib
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction

from minsheng.notifications.choices import Channel, DeliveryState
from minsheng.notifications.defaults import APPEAL_ANSWERED
from minsheng.notifications.models import OneTimeCode, OutboxMessage
from minsheng.notifications.services import notification_send, notifications_deliver, otp_send

pytestmark = [pytest.mark.postgres_only, pytest.mark.django_db(transaction=True)]
WORKERS = 6


@pytest.fixture(autouse=True)
def _workers_only(monkeypatch):
    """Without the test transaction, a commit would hand each message to the (immediate) task backend at
    once; here only the racing workers send."""
    monkeypatch.setattr("minsheng.notifications.services.outbox.deliver_soon", lambda *, ids: None)


def race(calls) -> list:
    """Run the calls on threads released together; each result is a value or the exception."""
    gate = threading.Barrier(min(WORKERS, len(calls)))

    def one(call):
        try:
            with contextlib.suppress(threading.BrokenBarrierError):
                gate.wait(timeout=10)
            return call()
        except Exception as exc:  # the outcome is what the test inspects
            return exc
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        return list(pool.map(one, calls))


def answered(number: str):
    return notification_send(event_key=f"appeal:{number}:answered", template=APPEAL_ANSWERED, channel=Channel.SMS,
                             recipient="13800138000",
                             context={"case_number": number, "rate_url": "https://12345.example/r/1"})


def test_workers_running_at_once_send_each_message_once(recording):
    messages = [answered(f"FS{n}") for n in range(30)]
    race([notifications_deliver] * WORKERS)
    assert sorted(m.id for m in recording.sent) == sorted(m.pk for m in messages)
    assert set(OutboxMessage.objects.values_list("state", flat=True)) == {DeliveryState.SENT}


def test_a_message_another_worker_is_claiming_is_skipped_not_waited_for_or_taken(recording):
    from minsheng.notifications.services.delivery import _claim

    message = answered("FS1")
    holding = threading.Event()

    def other_worker():
        try:
            with transaction.atomic():
                _claim(message.pk)
                holding.set()
                time.sleep(1.0)  # its claim is not committed yet: the row is locked
        finally:
            connection.close()

    thread = threading.Thread(target=other_worker)
    thread.start()
    assert holding.wait(timeout=10)
    result = notifications_deliver(ids=[message.pk])
    thread.join()
    assert result == {"skipped": 1}
    assert recording.sent == []


def test_the_same_event_queued_at_once_is_one_message():
    results = race([lambda: answered("FS1")] * WORKERS)
    assert all(isinstance(r, OutboxMessage) for r in results), results
    assert len({r.pk for r in results}) == 1 and OutboxMessage.objects.count() == 1


def test_code_requests_at_once_for_one_number_send_one_code(recording):
    results = race([lambda: otp_send(purpose="appeal_query", mobile="13800138000")] * WORKERS)
    sent = [r for r in results if isinstance(r, OneTimeCode)]
    refused = [r for r in results if isinstance(r, ValidationError)]
    assert (len(sent), len(refused)) == (1, WORKERS - 1), results
    assert {r.code for r in refused} == {"too_soon"}
