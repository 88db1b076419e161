"""Passwords: change by the holder, reset by a one-time code to the account's mobile, history, expiry."""

import datetime as dt
import re

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.utils import timezone

from minsheng.accounts.models import PasswordRecord
from minsheng.accounts.services import password_change, password_reset_confirm, password_reset_request
from minsheng.audit.models import AuditEvent
from minsheng.notifications.models import OutboxMessage as Message
from minsheng.org.tests.factories import PASSWORD

from .conftest import MOBILE, sent_code

pytestmark = pytest.mark.django_db

NEW = "Lingnan-bridge-2026"
NEWER = "Qiaotou-garden-2027"


def test_the_holder_changes_their_password_on_a_page_in_chinese(client, officer):
    client.force_login(officer)
    page = client.get("/accounts/password/").content.decode()
    assert "修改密码" in page and "当前密码" in page
    response = client.post("/accounts/password/", {"old_password": PASSWORD, "new_password1": NEW,
                                                   "new_password2": NEW})
    assert response.status_code == 302
    officer.refresh_from_db()
    assert officer.check_password(NEW)
    assert client.get("/").status_code == 200  # still signed in
    assert AuditEvent.objects.filter(action="accounts.password_change", object_id=str(officer.pk)).exists()


def test_a_wrong_current_password_is_refused_and_nothing_changes(client, officer):
    client.force_login(officer)
    response = client.post("/accounts/password/", {"old_password": "not-it-at-all", "new_password1": NEW,
                                                   "new_password2": NEW})
    assert response.status_code == 200
    assert "当前密码不正确" in response.content.decode()
    officer.refresh_from_db()
    assert officer.check_password(PASSWORD)
    assert not PasswordRecord.objects.exists()


def test_a_weak_password_is_refused_in_chinese(client, officer):
    client.force_login(officer)
    response = client.post("/accounts/password/", {"old_password": PASSWORD, "new_password1": "12345678",
                                                   "new_password2": "12345678"})
    page = response.content.decode()
    assert response.status_code == 200 and "太短" in page, page.split("<main", 1)[1]


def test_recent_passwords_cannot_be_used_again(officer, settings):
    settings.MINSHENG_PASSWORD_HISTORY = 2
    password_change(user=officer, old_password=PASSWORD, new_password=NEW)
    password_change(user=officer, old_password=NEW, new_password=NEWER)
    for reused in (NEWER, NEW):
        with pytest.raises(ValidationError) as caught:
            password_change(user=officer, old_password=NEWER, new_password=reused)
        assert "最近" in caught.value.message_dict["new_password1"][0]
    officer.refresh_from_db()
    assert officer.check_password(NEWER)


def test_a_password_older_than_the_history_may_come_back(officer, settings):
    settings.MINSHENG_PASSWORD_HISTORY = 1
    password_change(user=officer, old_password=PASSWORD, new_password=NEW)
    password_change(user=officer, old_password=NEW, new_password=NEWER)
    password_change(user=officer, old_password=NEWER, new_password=PASSWORD)  # two back: allowed
    assert PasswordRecord.objects.filter(user=officer).count() == 1  # only what the history needs is kept


def test_an_expired_password_forces_the_change_page_before_any_other(client, officer, settings):
    settings.MINSHENG_PASSWORD_MAX_AGE_DAYS = 90
    client.force_login(officer)
    assert client.get("/").status_code == 200
    with time_machine.travel(timezone.now() + dt.timedelta(days=91)):
        client.force_login(officer)  # a new session
        response = client.get("/projects/")
        assert response.status_code == 302 and response["Location"] == "/accounts/password/expired/"
        page = client.get(response["Location"]).content.decode()
        assert "密码已过期" in page
        assert client.get("/api/projects/lists").status_code == 403
        client.post("/accounts/password/expired/", {"old_password": PASSWORD, "new_password1": NEW,
                                                    "new_password2": NEW})
        assert client.get("/").status_code == 200
    assert PasswordRecord.objects.get(user=officer).set_by == "expired"


def test_the_password_is_dated_by_its_last_change(officer, settings):
    from minsheng.accounts.policy import password_expired

    settings.MINSHENG_PASSWORD_MAX_AGE_DAYS = 90
    with time_machine.travel(timezone.now() + dt.timedelta(days=80)):
        password_change(user=officer, old_password=PASSWORD, new_password=NEW)
    with time_machine.travel(timezone.now() + dt.timedelta(days=100)):
        assert not password_expired(officer)
    with time_machine.travel(timezone.now() + dt.timedelta(days=171)):
        assert password_expired(officer)


def test_reset_by_a_code_sent_to_the_accounts_mobile(client, officer, recording):
    response = client.post("/accounts/password/reset/", {"login": "liqing"})
    assert response.status_code == 302
    assert Message.objects.get().recipient == MOBILE
    code = sent_code(recording)
    page = client.get(response["Location"]).content.decode()
    assert "验证码" in page
    response = client.post("/accounts/password/reset/code/", {"code": code, "new_password1": NEW,
                                                               "new_password2": NEW})
    assert response.status_code == 302 and response["Location"] == "/accounts/login/"
    officer.refresh_from_db()
    assert officer.check_password(NEW)
    assert AuditEvent.objects.filter(action="accounts.password_reset", object_id=str(officer.pk)).exists()


def test_reset_by_mobile_number_works_too(officer, recording):
    password_reset_request(login=MOBILE)
    code = sent_code(recording)
    password_reset_confirm(login=MOBILE, code=code, new_password=NEW)
    officer.refresh_from_db()
    assert officer.check_password(NEW)


def test_the_reset_page_does_not_reveal_whether_an_account_exists(client, officer, recording):
    known = client.post("/accounts/password/reset/", {"login": "liqing"}, follow=True).content.decode()
    unknown_client = client.__class__()
    unknown = unknown_client.post("/accounts/password/reset/", {"login": "nobody-here"}, follow=True)
    assert unknown.status_code == 200
    def strip(page: str) -> str:
        main = page.split("<main", 1)[1].split("</main>", 1)[0]
        return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", main)

    assert strip(known).replace("liqing", "") == strip(unknown.content.decode()).replace("nobody-here", "")
    response = unknown_client.post("/accounts/password/reset/code/", {"code": "123456", "new_password1": NEW,
                                                                      "new_password2": NEW})
    assert "验证码不正确或已失效" in response.content.decode()
    assert list(Message.objects.values_list("recipient", flat=True)) == [MOBILE]  # one code, to the account only


def test_a_wrong_code_sets_nothing(officer, recording):
    password_reset_request(login="liqing")
    code = sent_code(recording)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    with pytest.raises(ValidationError):
        password_reset_confirm(login="liqing", code=wrong, new_password=NEW)
    officer.refresh_from_db()
    assert officer.check_password(PASSWORD)


def test_a_weak_new_password_does_not_use_the_code_up(officer, recording):
    password_reset_request(login="liqing")
    code = sent_code(recording)
    with pytest.raises(ValidationError) as caught:
        password_reset_confirm(login="liqing", code=code, new_password="short")
    assert "new_password1" in caught.value.message_dict
    password_reset_confirm(login="liqing", code=code, new_password=NEW)
    officer.refresh_from_db()
    assert officer.check_password(NEW)


def test_a_code_asked_for_too_soon_is_not_shown_to_the_asker(client, officer, recording):
    client.post("/accounts/password/reset/", {"login": "liqing"})
    response = client.post("/accounts/password/reset/", {"login": "liqing"}, follow=True)
    assert response.status_code == 200 and "秒" not in response.content.decode().split("<main", 1)[1]


def test_an_account_without_a_mobile_gets_no_code(officer, recording):
    get_user_model().objects.filter(pk=officer.pk).update(mobile="")
    password_reset_request(login="liqing")
    assert not Message.objects.exists()


def test_a_citizens_password_does_not_expire(client, settings):
    from minsheng.org.choices import Role
    from minsheng.org.tests.factories import person

    settings.MINSHENG_PASSWORD_MAX_AGE_DAYS = 90
    citizen = person(Role.CITIZEN)
    with time_machine.travel(timezone.now() + dt.timedelta(days=365)):
        client.force_login(citizen)
        assert client.get("/appeals/my/").status_code == 200
