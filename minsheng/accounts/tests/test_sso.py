"""Single sign-on, end to end against a real OpenID Connect provider (npm oidc-provider) that the test
starts on 127.0.0.1; roles come from the ``groups`` claim by MINSHENG_OIDC_ROLE_RULES at every sign-on."""

import datetime as dt
import json
import os
import re
import shutil
import socket
import subprocess
from html import unescape
from pathlib import Path
from urllib.parse import urljoin, urlparse

import pytest
import time_machine
from django.conf import settings as django_settings
from django.test import Client

from minsheng.accounts.models import SsoIdentity
from minsheng.accounts.services import sso_roles_for
from minsheng.audit.models import AuditEvent
from minsheng.org.choices import Role
from minsheng.org.models import Membership
from minsheng.org.services import membership_grant
from minsheng.org.tests.factories import region_tree

HERE = Path(__file__).resolve().parent
PACKAGE = django_settings.BASE_DIR / "node_modules" / "oidc-provider"
CALLBACK = "http://testserver/accounts/sso/callback/"
RULES = [
    {"claim": "groups", "value": "chancheng-dispatch", "role": "dispatcher", "region": "440604"},
    {"claim": "groups", "value": "shunde-callback", "role": "callback_agent", "region": "440606"},
]


def test_rules_give_each_role_whose_claim_holds_the_value():
    claims = {"groups": ["chancheng-dispatch", "other"], "dept": "x"}
    assert sso_roles_for(claims, RULES) == {("dispatcher", "", "440604")}
    assert sso_roles_for({"groups": "shunde-callback"}, RULES) == {("callback_agent", "", "440606")}
    assert sso_roles_for({}, RULES) == set()


needs_node = pytest.mark.skipif(
    shutil.which("node") is None or not PACKAGE.is_dir(),
    reason="needs node and the npm package oidc-provider (bin/setup --test installs them: npm ci)",
)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def provider(tmp_path):
    """The identity provider: its base URL and a function that sets an account's claims."""
    accounts = tmp_path / "accounts.json"
    accounts.write_text("{}")
    port = _free_port()
    env = {**os.environ, "PORT": str(port), "ACCOUNTS_FILE": str(accounts), "CLIENT_ID": "minsheng",
           "CLIENT_SECRET": "end-to-end-secret", "REDIRECT_URI": CALLBACK, "NODE_ENV": "test"}
    process = subprocess.Popen([shutil.which("node"), str(HERE / "oidc_provider.mjs")], env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True)
    try:
        said = []
        while not said or "READY" not in said[-1]:  # past its warnings (a development keystore, the Node version)
            line = process.stdout.readline()
            if not line:
                pytest.fail("the OIDC provider did not start: " + "".join(said))
            said.append(line)

        def set_account(sub: str, **claims):
            data = json.loads(accounts.read_text())
            data[sub] = claims
            accounts.write_text(json.dumps(data, ensure_ascii=False))

        yield f"http://127.0.0.1:{port}", set_account
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture
def real_clock():
    """The provider dates its tokens by the machine's clock: the test runs at that instant too."""
    real = dt.datetime.fromtimestamp(time_machine.escape_hatch.time.time(), tz=dt.UTC)
    with time_machine.travel(real, tick=True):
        yield


@pytest.fixture
def sso_settings(settings, provider, real_clock):
    base, _set_account = provider
    settings.OIDC_RP_CLIENT_ID = "minsheng"
    settings.OIDC_RP_CLIENT_SECRET = "end-to-end-secret"
    settings.OIDC_OP_AUTHORIZATION_ENDPOINT = f"{base}/auth"
    settings.OIDC_OP_TOKEN_ENDPOINT = f"{base}/token"
    settings.OIDC_OP_USER_ENDPOINT = f"{base}/me"
    settings.OIDC_OP_JWKS_ENDPOINT = f"{base}/jwks"
    settings.MINSHENG_OIDC_ROLE_RULES = RULES
    settings.AUTHENTICATION_BACKENDS = [*settings.AUTHENTICATION_BACKENDS, "minsheng.accounts.oidc.CityOidcBackend"]
    return settings


def sign_on(client: Client, login: str) -> str:
    """Go through the provider as a browser would; return where minsheng sends the person at the end."""
    import requests

    start = client.get("/accounts/sso/start/")
    assert start.status_code == 302
    browser = requests.Session()
    url = start["Location"]
    for _step in range(12):
        response = browser.get(url, allow_redirects=False, timeout=10)
        while response.is_redirect:
            url = urljoin(url, response.headers["Location"])
            if url.startswith(CALLBACK):
                parts = urlparse(url)
                done = client.get(parts.path, QUERY_STRING=parts.query)
                assert done.status_code == 302, done.content[:500]
                return done["Location"]
            response = browser.get(url, allow_redirects=False, timeout=10)
        page = response.text
        action = urljoin(url, unescape(re.search(r'<form[^>]*action="([^"]+)"', page).group(1)))
        if 'name="prompt" value="consent"' in page:
            response = browser.post(action, data={"prompt": "consent"}, allow_redirects=False, timeout=10)
        else:
            response = browser.post(action, data={"prompt": "login", "login": login, "password": "x"},
                                    allow_redirects=False, timeout=10)
        assert response.is_redirect, response.text[:500]
        url = urljoin(action, response.headers["Location"])
        if url.startswith(CALLBACK):
            parts = urlparse(url)
            done = client.get(parts.path, QUERY_STRING=parts.query)
            return done["Location"]
    pytest.fail("the sign-on did not come back to minsheng")


def active_roles(user) -> set[tuple[str, str | None]]:
    return {(m.role, m.region.code if m.region else None)
            for m in Membership.objects.filter(user=user, is_active=True).select_related("region")}


@needs_node
@pytest.mark.django_db
def test_sign_on_through_the_city_provider_maps_groups_to_roles_at_every_sign_on(client, provider, sso_settings):
    region_tree()
    _base, set_account = provider
    set_account("zhao.min", preferred_username="zhaomin", name="赵敏", email="zhaomin@foshan.example",
                groups=["chancheng-dispatch"])

    assert client.get("/accounts/login/").content.decode().count("/accounts/sso/start/") == 1
    assert sign_on(client, "zhao.min") == "/"
    assert client.get("/").status_code == 200
    identity = SsoIdentity.objects.select_related("user").get(subject="zhao.min")
    user = identity.user
    assert (user.username, user.display_name, user.has_usable_password()) == ("zhaomin", "赵敏", False)
    assert active_roles(user) == {("dispatcher", "440604")}
    assert AuditEvent.objects.filter(action="accounts.sso_sign_in", object_id=str(user.pk)).exists()

    # A role given by hand is not the sign-on's to end.
    membership_grant(user=user, role=Role.LEADER, actor=None)
    set_account("zhao.min", preferred_username="zhaomin", name="赵敏", groups=["shunde-callback"])
    again = Client()
    assert sign_on(again, "zhao.min") == "/"
    assert active_roles(user) == {("callback_agent", "440606"), ("leader", None)}
    assert SsoIdentity.objects.count() == 1


@needs_node
@pytest.mark.django_db
def test_a_sign_on_counts_as_two_factors_when_the_setting_trusts_the_provider(client, provider, sso_settings):
    region_tree()
    sso_settings.MINSHENG_STAFF_2FA_REQUIRED = True
    _base, set_account = provider
    set_account("qian.li", preferred_username="qianli", groups=["chancheng-dispatch"])
    sign_on(client, "qian.li")
    assert client.get("/appeals/dispatch/").status_code == 200
    sso_settings.MINSHENG_2FA_TRUST_SSO = False
    assert client.get("/appeals/dispatch/")["Location"].startswith("/accounts/2fa/enrol/")


@needs_node
@pytest.mark.django_db
def test_a_token_that_does_not_verify_ends_on_the_sign_in_page_with_a_message(client, provider, sso_settings):
    _base, set_account = provider
    set_account("sun.li", preferred_username="sunli")
    with time_machine.travel(dt.datetime.now(tz=dt.UTC) - dt.timedelta(hours=2)):  # the token looks issued later
        assert sign_on(client, "sun.li") == "/accounts/login/"
    page = client.get("/accounts/login/").content.decode()
    assert "统一身份认证登录未成功" in page
    assert not SsoIdentity.objects.exists()


@pytest.mark.django_db
def test_without_a_client_id_there_is_no_sign_on(client):
    assert client.get("/accounts/sso/start/").status_code == 404
    assert "/accounts/sso/start/" not in client.get("/accounts/login/").content.decode()
