"""One-time codes: sent through the outbox, kept hashed, expiring, limited."""

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils import timezone, translation

from minsheng.notifications.choices import Channel, DeliveryState
from minsheng.notifications.defaults import ONE_TIME_CODE
from minsheng.notifications.models import OneTimeCode
from minsheng.notifications.services import notifications_deliver, optout_record, otp_send, otp_verify

pytestmark = pytest.mark.django_db

FOSHAN = ZoneInfo("Asia/Shanghai")
MOBILE = "13800138000"


def sent_code(recording, otp: OneTimeCode) -> str:
    """The code as the handset got it."""
    notifications_deliver(ids=[otp.message_id])
    body = next(m.body for m in reversed(recording.sent) if m.id == otp.message_id)
    return re.search(r"验证码(\d{6})", body).group(1)


def test_a_code_goes_out_as_a_text_message_with_the_one_time_code_template(recording):
    otp = otp_send(purpose="appeal_query", mobile=MOBILE)
    code = sent_code(recording, otp)
    message = otp.message
    assert (message.channel, message.recipient, message.template.code) == (Channel.SMS, MOBILE, ONE_TIME_CODE)
    assert recording.sent[0].body.startswith("【佛山12345】验证码")
    assert "5分钟内有效" in recording.sent[0].body
    assert len(code) == 6


def test_the_code_is_kept_only_as_a_keyed_hash(recording):
    otp = otp_send(purpose="appeal_query", mobile=MOBILE)
    code = sent_code(recording, otp)
    otp.refresh_from_db()
    assert code not in otp.code_hash and len(otp.code_hash) == 64
    otp.message.refresh_from_db()
    assert code not in otp.message.body  # masked in the outbox once sent


def test_the_right_code_verifies_once(recording):
    code = sent_code(recording, otp_send(purpose="appeal_query", mobile=MOBILE))
    assert otp_verify(purpose="appeal_query", mobile=MOBILE, code=code).used_at is not None
    with pytest.raises(ValidationError) as caught:
        otp_verify(purpose="appeal_query", mobile=MOBILE, code=code)
    assert caught.value.code == "none"


def test_a_code_is_for_its_purpose_and_its_number_only(recording):
    code = sent_code(recording, otp_send(purpose="appeal_query", mobile=MOBILE))
    with pytest.raises(ValidationError):
        otp_verify(purpose="login", mobile=MOBILE, code=code)
    with pytest.raises(ValidationError):
        otp_verify(purpose="appeal_query", mobile="13900139000", code=code)


def test_a_wrong_code_counts_even_though_the_refusal_is_raised(recording):
    code = sent_code(recording, otp_send(purpose="appeal_query", mobile=MOBILE))
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    with pytest.raises(ValidationError) as caught:
        otp_verify(purpose="appeal_query", mobile=MOBILE, code=wrong)
    assert caught.value.code == "wrong" and caught.value.params == {"left": 4}
    assert OneTimeCode.objects.get().wrong_attempts == 1


def test_after_five_wrong_codes_even_the_right_one_is_refused(recording):
    code = sent_code(recording, otp_send(purpose="appeal_query", mobile=MOBILE))
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    outcomes = []
    for _ in range(5):
        with pytest.raises(ValidationError) as caught:
            otp_verify(purpose="appeal_query", mobile=MOBILE, code=wrong)
        outcomes.append(caught.value.code)
    assert outcomes == ["wrong", "wrong", "wrong", "wrong", "locked"]
    with pytest.raises(ValidationError) as caught:
        otp_verify(purpose="appeal_query", mobile=MOBILE, code=code)
    assert caught.value.code == "locked"


def test_a_code_expires_after_five_minutes(recording):
    start = timezone.now()
    code = sent_code(recording, otp_send(purpose="appeal_query", mobile=MOBILE))
    later = time_machine.travel(start + dt.timedelta(seconds=301), tick=False)
    with later, pytest.raises(ValidationError) as caught:
        otp_verify(purpose="appeal_query", mobile=MOBILE, code=code)
    assert caught.value.code == "expired"


def test_a_code_still_works_just_before_it_expires(recording):
    start = dt.datetime(2026, 6, 15, 10, 0, tzinfo=FOSHAN)
    with time_machine.travel(start, tick=False):
        code = sent_code(recording, otp_send(purpose="appeal_query", mobile=MOBILE))
    with time_machine.travel(start + dt.timedelta(seconds=299), tick=False):
        assert otp_verify(purpose="appeal_query", mobile=MOBILE, code=code)


def test_a_new_code_replaces_the_earlier_one(recording):
    start = timezone.now()
    first = sent_code(recording, otp_send(purpose="appeal_query", mobile=MOBILE))
    with time_machine.travel(start + dt.timedelta(seconds=61), tick=False):
        second = sent_code(recording, otp_send(purpose="appeal_query", mobile=MOBILE))
        if first != second:
            with pytest.raises(ValidationError):
                otp_verify(purpose="appeal_query", mobile=MOBILE, code=first)
        assert otp_verify(purpose="appeal_query", mobile=MOBILE, code=second)


def test_one_code_a_minute_per_number_whatever_the_purpose(recording):
    start = dt.datetime(2026, 6, 15, 10, 0, tzinfo=FOSHAN)
    with time_machine.travel(start, tick=False):
        otp_send(purpose="appeal_query", mobile=MOBILE)
    with time_machine.travel(start + dt.timedelta(seconds=45), tick=False):
        with pytest.raises(ValidationError) as caught:
            otp_send(purpose="login", mobile=MOBILE)
        assert caught.value.code == "too_soon" and caught.value.params == {"seconds": 15}
        otp_send(purpose="login", mobile="13900139000")  # another number is not held up
    with time_machine.travel(start + dt.timedelta(seconds=60), tick=False):
        otp_send(purpose="login", mobile=MOBILE)
    assert OneTimeCode.objects.filter(mobile=MOBILE).count() == 2


def test_ten_codes_a_day_per_number_counted_in_city_time(recording):
    morning = dt.datetime(2026, 6, 15, 0, 30, tzinfo=FOSHAN)  # 16:30 UTC the day before
    for n in range(10):
        with time_machine.travel(morning + dt.timedelta(minutes=2 * n), tick=False):
            otp_send(purpose="appeal_query", mobile=MOBILE)
    evening = time_machine.travel(morning + dt.timedelta(hours=23), tick=False)
    with evening, pytest.raises(ValidationError) as caught:
        otp_send(purpose="appeal_query", mobile=MOBILE)
    assert caught.value.code == "daily_limit"
    with time_machine.travel(dt.datetime(2026, 6, 16, 0, 0, tzinfo=FOSHAN), tick=False):
        otp_send(purpose="appeal_query", mobile=MOBILE)


def test_a_code_is_sent_at_night_and_to_a_number_that_opted_out(recording):
    optout_record(channel=Channel.SMS, recipient=MOBILE)
    with time_machine.travel(dt.datetime(2026, 6, 15, 23, 30, tzinfo=FOSHAN), tick=False):
        otp = otp_send(purpose="appeal_query", mobile=MOBILE)
        notifications_deliver()
    otp.message.refresh_from_db()
    assert otp.message.state == DeliveryState.SENT


@pytest.mark.parametrize("code", ["12345", "1234567", "abcdef", ""])
def test_a_code_that_is_not_six_digits_is_refused_without_counting(recording, code):
    otp_send(purpose="appeal_query", mobile=MOBILE)
    with pytest.raises(ValidationError) as caught:
        otp_verify(purpose="appeal_query", mobile=MOBILE, code=code)
    assert caught.value.code == "format"
    assert OneTimeCode.objects.get().wrong_attempts == 0


def test_an_invalid_number_is_refused_on_the_mobile_field():
    with pytest.raises(ValidationError) as caught:
        otp_send(purpose="appeal_query", mobile="1380013800")
    assert "mobile" in caught.value.message_dict
    assert not OneTimeCode.objects.exists()


def test_the_refusals_are_in_chinese(recording):
    otp_send(purpose="appeal_query", mobile=MOBILE)
    with translation.override("zh-hans"):
        with pytest.raises(ValidationError) as too_soon:
            otp_send(purpose="appeal_query", mobile=MOBILE)
        with pytest.raises(ValidationError) as wrong_format:
            otp_verify(purpose="appeal_query", mobile=MOBILE, code="12")
        texts = [too_soon.value.messages[0], wrong_format.value.messages[0]]
    assert "秒" in texts[0] and "6位" in texts[1]
