"""Idle sessions end after MINSHENG_SESSION_IDLE_MINUTES; the login lockout (django-axes) holds and lifts."""

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from minsheng.org.tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def test_a_session_unused_for_the_idle_time_ends(client, officer, settings):
    settings.MINSHENG_SESSION_IDLE_MINUTES = 30
    client.post("/accounts/login/", {"username": "liqing", "password": PASSWORD})
    assert client.get("/projects/").status_code == 200
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=31)):
        response = client.get("/projects/")
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
        page = client.get(response["Location"]).content.decode()
        assert "无操作" in page and "已自动退出" in page
        assert client.get("/projects/").status_code == 302


def test_a_session_in_use_stays_open(client, officer, settings):
    settings.MINSHENG_SESSION_IDLE_MINUTES = 30
    client.post("/accounts/login/", {"username": "liqing", "password": PASSWORD})
    start = timezone.now()
    for minutes in (20, 40, 60, 80):
        with time_machine.travel(start + dt.timedelta(minutes=minutes)):
            assert client.get("/projects/").status_code == 200


def test_the_login_lockout_is_in_chinese_and_lifts_after_the_cool_off(client, officer, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post("/accounts/login/", {"username": "liqing", "password": "wrong-password"})
    response = client.post("/accounts/login/", {"username": "liqing", "password": PASSWORD})
    assert response.status_code == 429 and "登录失败次数过多" in response.content.decode()
    later = timezone.now() + dt.timedelta(hours=settings.AXES_COOLOFF_TIME, minutes=1)
    with time_machine.travel(later):
        response = client.post("/accounts/login/", {"username": "liqing", "password": PASSWORD})
        assert response.status_code == 302
