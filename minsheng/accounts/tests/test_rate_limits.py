"""Rate limits (django-ratelimit, in the cache) on what is open without a login: the anonymous API, the
public follow-by-query-code page, password-reset codes. Over the limit: 429, in Chinese or as JSON."""

import pytest

from minsheng.org.choices import Role
from minsheng.org.services import api_key_issue
from minsheng.org.tests.factories import person

pytestmark = pytest.mark.django_db


@pytest.fixture
def limits(settings):
    settings.MINSHENG_RATE_LIMITS = {"public_api": "3/m", "appeal_follow": "2/m", "password_reset": "2/h"}
    return settings.MINSHENG_RATE_LIMITS


def test_open311_answers_429_as_json_over_the_limit(client, limits):
    for _ in range(3):
        assert client.get("/api/open311/v2/services.json").status_code == 200
    response = client.get("/api/open311/v2/services.json")
    assert response.status_code == 429
    assert "请求过于频繁" in response.json()["detail"]


def test_every_anonymous_endpoint_shares_the_public_api_limit(client, limits):
    for path in ("/api/insight/public", "/api/projects/public/lists", "/api/open311/v2/services.json"):
        assert client.get(path).status_code == 200
    assert client.get("/api/insight/public").status_code == 429


def test_the_limit_is_per_caller_address(client, limits):
    for _ in range(4):
        client.get("/api/open311/v2/services.json")
    other = client.get("/api/open311/v2/services.json", REMOTE_ADDR="10.0.0.9")
    assert other.status_code == 200


def test_callers_with_a_key_or_a_session_are_not_counted_as_public(client, limits):
    officer = person(Role.DISPATCHER)
    _key, raw = api_key_issue(user=officer, name="call centre")
    for _ in range(5):
        assert client.get("/api/open311/v2/services.json", HTTP_X_API_KEY=raw).status_code == 200
    client.force_login(officer)
    for _ in range(5):
        assert client.get("/api/open311/v2/services.json").status_code == 200


def test_a_made_up_key_does_not_escape_the_limit(client, limits):
    for _ in range(3):
        client.get("/api/open311/v2/services.json", HTTP_X_API_KEY="ms_made_up")
    assert client.get("/api/open311/v2/services.json", HTTP_X_API_KEY="ms_made_up").status_code == 429


def test_the_follow_page_answers_429_in_chinese_over_the_limit(client, limits):
    for _ in range(2):
        assert client.get("/appeals/follow/", {"number": "FS1", "code": "000000"}).status_code == 200
    response = client.get("/appeals/follow/", {"number": "FS1", "code": "000000"})
    assert response.status_code == 429
    assert "请求过于频繁" in response.content.decode()
    assert client.get("/appeals/follow/").status_code == 200  # the empty form is not a query


def test_password_reset_requests_are_limited(client, limits):
    for _ in range(2):
        assert client.post("/accounts/password/reset/", {"login": "nobody"}).status_code == 302
    assert client.post("/accounts/password/reset/", {"login": "nobody"}).status_code == 429
