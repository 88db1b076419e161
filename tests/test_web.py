"""The web shell: sign-in with lockout, security headers, the home page per role, the languages."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from minsheng.org.choices import Role
from minsheng.org.tests.factories import PASSWORD, person

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def dispatcher(db):
    return person(Role.DISPATCHER, username="wangpaidan")


def test_home_needs_sign_in(client, db):
    response = client.get("/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_sign_in_and_see_the_roles_work_in_chinese(client, dispatcher):
    response = client.post("/accounts/login/", {"username": "wangpaidan", "password": PASSWORD})
    assert response.status_code == 302
    page = client.get("/").content.decode()
    assert "派单员" in page  # the role, in Chinese by default
    assert "派单队列" in page


def test_the_user_can_switch_to_english(client, dispatcher):
    client.force_login(dispatcher)
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    page = client.get("/").content.decode()
    assert "Dispatch queue" in page


def test_repeated_failures_lock_the_account(client, dispatcher, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post("/accounts/login/", {"username": "wangpaidan", "password": "wrong-password"})
    response = client.post("/accounts/login/", {"username": "wangpaidan", "password": PASSWORD})
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_pages_carry_a_strict_content_security_policy(client, dispatcher):
    client.force_login(dispatcher)
    response = client.get("/")
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
    assert response["X-Frame-Options"] == "DENY"
    assert "<script>" not in response.content.decode()  # no inline scripts


def test_api_docs_are_served_from_our_own_static_files(client, dispatcher):
    client.force_login(dispatcher)
    page = client.get("/api/docs").content.decode()
    assert "/static/ninja/swagger-ui-bundle.js" in page
    assert "cdn" not in page.lower()
    assert client.get("/api/openapi.json").status_code == 200


def test_health_check(client, db):
    assert client.get("/healthz").json()["status"] == "ok"


def _run_manage(args, env):
    dropped = {
        "DEBUG",
        "SECRET_KEY",
        "ALLOWED_HOSTS",
        "DJANGO_SETTINGS_MODULE",
        "SECURE_SSL_REDIRECT",
        "SECURE_COOKIES",
    }
    base = {k: v for k, v in os.environ.items() if k not in dropped}
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env={**base, **env}, capture_output=True, text=True, timeout=120
    )


def test_production_refuses_to_start_without_a_secret_key():
    result = _run_manage(["check"], {"ALLOWED_HOSTS": "gov.example"})
    assert result.returncode != 0 and "SECRET_KEY" in result.stderr


def test_production_refuses_to_start_without_allowed_hosts():
    result = _run_manage(["check"], {"SECRET_KEY": "x" * 60})
    assert result.returncode != 0 and "ALLOWED_HOSTS" in result.stderr


def test_check_deploy_is_clean_in_production_mode(tmp_path):
    env = {
        "SECRET_KEY": "k3y-" + "Qz9#vL2@pX7!mR4$" * 4,
        "ALLOWED_HOSTS": "minsheng.gov.example",
        "MINSHENG_VAR_DIR": str(tmp_path),
    }
    result = _run_manage(["check", "--deploy", "--fail-level", "WARNING", "--tag", "security"], env)
    assert result.returncode == 0, result.stdout + result.stderr
