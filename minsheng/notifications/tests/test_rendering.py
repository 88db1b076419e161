"""Filling templates: pure functions, no database."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError

from minsheng.notifications.rendering import (
    params_for,
    placeholders,
    redact,
    render,
    sms_text,
    template_check,
    value_text,
)


def test_placeholders_are_found_once_each_in_order():
    assert placeholders("编号{case_number}，查询码{query_code}，再说一次{case_number}") == ["case_number", "query_code"]


def test_doubled_braces_are_a_literal_brace_not_a_placeholder():
    assert placeholders("{{不是变量}} {code}") == ["code"]
    assert render("{{x}} {code}", {"code": "1"}) == "{x} 1"


@pytest.mark.parametrize("text", ["{case_number", "编号}", "{0}", "{x.__class__}", "{Case}", "{ code }", "{}"])
def test_anything_but_a_plain_name_in_braces_is_refused(text):
    with pytest.raises(ValidationError) as caught:
        placeholders(text)
    assert caught.value.code == "bad_placeholder"


def test_render_replaces_names_and_nothing_else():
    assert render("诉求{case_number}已受理", {"case_number": "FS1"}) == "诉求FS1已受理"


def test_a_missing_value_names_the_template_and_the_value():
    with pytest.raises(ValidationError) as caught:
        params_for(["case_number", "due_date"], {"case_number": "FS1"}, template="appeal_receipt")
    assert caught.value.code == "missing_value"
    assert caught.value.params == {"template": "appeal_receipt", "names": "due_date"}


def test_an_empty_value_counts_as_missing():
    with pytest.raises(ValidationError):
        params_for(["code"], {"code": ""}, template="one_time_code")


def test_only_the_values_the_template_uses_are_kept():
    assert params_for(["case_number"], {"case_number": "FS1", "name": "张三", "address": "某路1号"},
                      template="t") == {"case_number": "FS1"}


def test_a_template_naming_personal_data_is_refused():
    with pytest.raises(ValidationError) as caught:
        template_check("", "{name}您好，您在{address}反映的问题编号{case_number}")
    assert caught.value.code == "personal_data"
    assert caught.value.params == {"names": "address, name"}


def test_times_are_shown_in_the_city_zone_and_dates_as_iso(settings):
    utc_evening = dt.datetime(2026, 6, 30, 15, 59, tzinfo=dt.UTC)  # 23:59 in Foshan
    assert value_text(utc_evening) == "2026-06-30 23:59"
    assert value_text(dt.date(2026, 7, 1)) == "2026-07-01"
    assert value_text(dt.datetime(2026, 7, 1, 8, 0, tzinfo=ZoneInfo("Asia/Shanghai"))) == "2026-07-01 08:00"
    assert value_text(5) == "5"


@pytest.mark.parametrize("value", [None, True, {"a": 1}, ["x"]])
def test_values_that_are_not_text_numbers_or_times_are_a_programming_error(value):
    with pytest.raises(TypeError):
        value_text(value)


def test_a_text_message_begins_with_the_sign_off_once():
    assert sms_text("验证码123456", "佛山12345") == "【佛山12345】验证码123456"
    assert sms_text("【佛山12345】验证码123456", "佛山12345") == "【佛山12345】验证码123456"


def test_redact_masks_each_secret():
    assert redact("验证码123456，5分钟内有效", ["123456"]) == "验证码******，5分钟内有效"
