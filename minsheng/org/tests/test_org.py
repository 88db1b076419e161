"""Regions, units, memberships and API keys."""

import time

import pytest
from django.core.exceptions import ValidationError

from minsheng.org.choices import RegionLevel, Role
from minsheng.org.models import ApiKey
from minsheng.org.scope import user_scope
from minsheng.org.selectors import region_ancestors, region_for_point
from minsheng.org.services import (
    api_key_issue,
    api_key_user,
    api_keys_forget,
    membership_grant,
    membership_revoke,
    region_create,
)
from minsheng.org.tests.factories import person, region_tree, unit


def test_regions_form_a_tree_with_paths(db):
    r = region_tree()
    assert r["grid"].path == "/440600/440604/440604012/440604012001/44060401200101/"
    assert r["grid"].is_within(r["chancheng"])
    assert not r["grid"].is_within(r["shunde"])
    assert [x.name for x in region_ancestors(r["grid"])] == [
        "佛山市",
        "禅城区",
        "祖庙街道",
        "东风社区",
        "东风社区第1网格",
    ]


def test_a_region_must_sit_one_level_below_its_parent(db):
    r = region_tree()
    with pytest.raises(ValidationError):
        region_create(code="X1", name="错层", level=RegionLevel.GRID, parent=r["chancheng"])
    with pytest.raises(ValidationError):
        region_create(code="X2", name="无父", level=RegionLevel.DISTRICT)


def test_a_bad_division_code_is_refused(db):
    r = region_tree()
    with pytest.raises(ValidationError) as excinfo:
        region_create(code="X3", division_code="99060", name="坏代码", level=RegionLevel.DISTRICT, parent=r["city"])
    assert "division_code" in excinfo.value.message_dict


def test_the_region_at_a_point_is_the_deepest_one(db):
    r = region_tree()
    assert region_for_point(lng=113.01, lat=22.96) == r["grid"]  # inside the grid
    assert region_for_point(lng=113.10, lat=23.02) == r["zumiao"]  # in the town, outside the community
    assert region_for_point(lng=113.30, lat=22.80) == r["daliang"]
    assert region_for_point(lng=100.0, lat=30.0) is None


def test_unit_roles_need_a_unit_and_public_roles_take_none(db):
    user = person(Role.CITIZEN)
    with pytest.raises(ValidationError):
        membership_grant(user=user, role=Role.UNIT_HANDLER)
    with pytest.raises(ValidationError):
        membership_grant(user=user, role=Role.CITIZEN, unit=unit())
    with pytest.raises(ValidationError):
        membership_grant(user=user, role="mayor")


def test_an_api_key_maps_to_its_user_and_only_its_hash_is_stored(db):
    agent = person(Role.CALL_AGENT)
    key, raw = api_key_issue(user=agent, name="call centre")
    assert raw not in key.key_hash
    assert api_key_user(raw) == agent
    assert api_key_user(raw[:-1] + ("A" if raw[-1] != "A" else "B")) is None
    assert api_key_user("nonsense") is None


def test_api_regions_and_point_lookup(client, db):
    r = region_tree()
    agent = person(Role.CALL_AGENT)
    _, raw = api_key_issue(user=agent, name="t")
    headers = {"Authorization": f"Bearer {raw}"}
    response = client.get("/api/org/regions", {"parent_id": r["city"].pk}, headers=headers)
    assert response.status_code == 200
    assert {x["name"] for x in response.json()} == {"禅城区", "顺德区"}
    response = client.get("/api/org/regions/at", {"lng": 113.01, "lat": 22.96}, headers=headers)
    assert response.json()["name"] == "东风社区第1网格"
    assert client.get("/api/org/regions/at", {"lng": 500, "lat": 1}, headers=headers).status_code == 422
    assert client.get("/api/org/regions/at", {"lng": "abc", "lat": 1}, headers=headers).status_code == 422
    assert client.get("/api/org/regions").status_code == 401


@pytest.fixture
def remembered_keys(settings):
    settings.MINSHENG_API_KEY_CACHE_SECONDS = 60
    api_keys_forget()
    yield
    api_keys_forget()


def test_a_verified_key_is_remembered_with_its_grants_and_read_again_after_its_time(
        db, remembered_keys, django_assert_num_queries, monkeypatch):
    agent = person(Role.CALL_AGENT)
    _key, raw = api_key_issue(user=agent, name="call centre")
    first = api_key_user(raw)
    with django_assert_num_queries(0):
        second = api_key_user(raw)
        assert user_scope(second).has_role(Role.CALL_AGENT)
    assert second == agent and second is not first  # each request gets its own copy
    ApiKey.objects.filter(user=agent).update(is_active=False)  # e.g. straight in the database
    clock = time.monotonic() + 61
    monkeypatch.setattr(time, "monotonic", lambda: clock)
    assert api_key_user(raw) is None


def test_a_grant_revoked_in_this_process_stops_its_key_at_once(db, remembered_keys):
    agent = person(Role.CALL_AGENT)
    _key, raw = api_key_issue(user=agent, name="call centre")
    assert user_scope(api_key_user(raw)).has_role(Role.CALL_AGENT)
    membership_revoke(membership=agent.memberships.get())
    assert api_key_user(raw) is None


def test_without_the_memory_every_request_reads_the_key(db, settings, django_assert_num_queries):
    settings.MINSHENG_API_KEY_CACHE_SECONDS = 0
    agent = person(Role.CALL_AGENT)
    _key, raw = api_key_issue(user=agent, name="call centre")
    api_key_user(raw)
    with django_assert_num_queries(1):
        assert api_key_user(raw) == agent
