"""TOTP for staff when MINSHENG_STAFF_2FA_REQUIRED: set-up with a QR code made here, the check at sign-in."""

import datetime as dt

import pytest
import time_machine
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from minsheng.audit.models import AuditEvent
from minsheng.org.choices import Role
from minsheng.org.tests.factories import PASSWORD, person

pytestmark = pytest.mark.django_db


def current_code(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


def sign_in(client, username: str):
    return client.post("/accounts/login/", {"username": username, "password": PASSWORD})


@pytest.fixture
def required(settings):
    settings.MINSHENG_STAFF_2FA_REQUIRED = True


def test_without_the_setting_staff_sign_in_with_a_password_alone(client, officer):
    sign_in(client, "liqing")
    assert client.get("/projects/").status_code == 200


def test_staff_without_an_authenticator_are_sent_to_set_one_up(client, officer, required):
    sign_in(client, "liqing")
    response = client.get("/projects/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/2fa/enrol/")
    page = client.get(response["Location"]).content.decode()
    assert "设置两步验证" in page
    assert 'src="data:image/svg+xml' in page  # the QR code is drawn here, not fetched
    assert client.get("/api/projects/lists").status_code == 403


def test_enrolment_with_the_apps_code_lets_the_officer_in_and_is_audited(client, officer, required):
    sign_in(client, "liqing")
    client.get("/accounts/2fa/enrol/?next=/projects/")
    device = TOTPDevice.objects.get(user=officer, confirmed=False)
    response = client.post("/accounts/2fa/enrol/", {"token": "000000" if current_code(device) != "000000"
                                                    else "111111", "next": "/projects/"})
    assert response.status_code == 200 and "验证码不正确" in response.content.decode()
    response = client.post("/accounts/2fa/enrol/", {"token": current_code(device), "next": "/projects/"})
    assert response.status_code == 302 and response["Location"] == "/projects/"
    assert client.get("/projects/").status_code == 200
    assert AuditEvent.objects.filter(action="accounts.totp_enrol", object_id=str(officer.pk)).exists()


def test_an_enrolled_officer_gives_the_code_at_each_sign_in(client, officer, required):
    device = TOTPDevice.objects.create(user=officer, name="app", confirmed=True)
    sign_in(client, "liqing")
    response = client.get("/projects/")
    assert response["Location"].startswith("/accounts/2fa/verify/")
    page = client.post("/accounts/2fa/verify/", {"token": "12345x"}).content.decode()
    assert "验证码不正确" in page
    assert client.get("/projects/").status_code == 302
    with time_machine.travel(timezone.now() + dt.timedelta(seconds=2)):  # past the throttle after a wrong try
        device.refresh_from_db()
        response = client.post("/accounts/2fa/verify/", {"token": current_code(device), "next": "/projects/"})
        assert response["Location"] == "/projects/"
        assert client.get("/projects/").status_code == 200


def test_citizens_are_not_asked_for_a_second_factor(client, required):
    person(Role.CITIZEN, username="zhangsan")
    sign_in(client, "zhangsan")
    assert client.get("/appeals/my/").status_code == 200


def test_a_password_alone_cannot_replace_the_authenticator_or_change_the_password(client, officer, required):
    TOTPDevice.objects.create(user=officer, name="app", confirmed=True)
    sign_in(client, "liqing")
    response = client.get("/accounts/2fa/enrol/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/2fa/verify/")
    assert not TOTPDevice.objects.filter(user=officer, confirmed=False).exists()
    response = client.post("/accounts/password/", {"old_password": PASSWORD, "new_password1": "Lingnan-bridge-2026",
                                                   "new_password2": "Lingnan-bridge-2026"})
    assert response.status_code == 302 and response["Location"].startswith("/accounts/2fa/verify/")
    officer.refresh_from_db()
    assert officer.check_password(PASSWORD)
