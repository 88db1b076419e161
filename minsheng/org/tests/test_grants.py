"""Grants, regions and API keys (issue 10): a permission comes from one grant; a region's path is always
computed; a key acts within one grant, expires and can be revoked."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.utils import timezone

from minsheng.audit.models import AuditEvent
from minsheng.org.choices import RegionLevel, Role
from minsheng.org.models import ApiKey, Region
from minsheng.org.scope import user_scope
from minsheng.org.services import (
    api_key_issue,
    api_key_revoke,
    api_key_user,
    api_keys_forget,
    membership_grant,
    region_update,
)
from minsheng.org.tests.factories import person, region_tree


@pytest.fixture
def regions(db):
    return region_tree()


# --- regions ------------------------------------------------------------------------------------------
def _admin():
    return person(Role.ADMIN, superuser=True)


def test_a_region_added_in_the_admin_gets_its_path(regions):
    client = Client()
    client.force_login(_admin())
    response = client.post("/admin/org/region/add/", {
        "code": "440604012002", "name": "莲花社区", "level": RegionLevel.COMMUNITY,
        "parent": regions["zumiao"].pk, "division_code": "", "geometry": "null"})
    assert response.status_code == 302, response.content.decode()[:2000]
    region = Region.objects.get(code="440604012002")
    assert region.path == regions["zumiao"].path + "440604012002/"


def test_a_region_at_the_wrong_level_is_refused_in_the_admin(regions):
    client = Client()
    client.force_login(_admin())
    response = client.post("/admin/org/region/add/", {
        "code": "X1", "name": "错层", "level": RegionLevel.GRID, "parent": regions["chancheng"].pk,
        "division_code": "", "geometry": "null"})
    assert response.status_code == 200  # the form again, with the error
    assert not Region.objects.filter(code="X1").exists()


def test_moving_a_region_moves_its_subtree_and_the_grants_follow(regions):
    zumiao, shunde = regions["zumiao"], regions["shunde"]
    supervisor = person(Role.SUPERVISOR, region=shunde)
    grid = regions["grid"]
    assert not grid.path.startswith(shunde.path)
    region_update(region=zumiao, code=zumiao.code, name=zumiao.name, level=zumiao.level, parent=shunde,
                  actor=_admin())
    grid.refresh_from_db()
    regions["community"].refresh_from_db()
    assert grid.path == f"{shunde.path}{zumiao.code}/{regions['community'].code}/{grid.code}/"
    assert grid.is_within(shunde)
    assert AuditEvent.objects.filter(action="org.region_update").exists()
    assert Region.objects.filter(path__startswith=shunde.path).filter(pk=grid.pk).exists()
    assert user_scope(supervisor).grants[0].region_path == shunde.path


def test_editing_a_regions_code_in_the_admin_moves_the_subtree(regions):
    client = Client()
    client.force_login(_admin())
    zumiao = regions["zumiao"]
    response = client.post(f"/admin/org/region/{zumiao.pk}/change/", {
        "code": "440604099", "name": zumiao.name, "level": zumiao.level, "parent": regions["chancheng"].pk,
        "division_code": "", "geometry": "null"})
    assert response.status_code == 302, response.content.decode()[:2000]
    grid = Region.objects.get(pk=regions["grid"].pk)
    assert grid.path.startswith("/440600/440604/440604099/")
    assert not Region.objects.filter(path__startswith="/440600/440604/440604012/").exists()


def test_a_region_cannot_move_under_its_own_subtree(regions):
    zumiao = regions["zumiao"]
    with pytest.raises(ValidationError):
        region_update(region=regions["chancheng"], code="440604", name="禅城区", level=RegionLevel.DISTRICT,
                      parent=zumiao)


def test_a_grant_on_a_region_without_a_path_reaches_nothing(regions):
    from minsheng.org.scope import ObjectScope, restrict, roles

    broken = Region.objects.create(code="BROKEN", name="坏网格", level=RegionLevel.GRID,
                                   parent=regions["community"], path="")
    supervisor = person(Role.SUPERVISOR, region=broken)
    by_parent = ObjectScope(read_region=roles(Role.SUPERVISOR), region_lookup="parent")
    assert not restrict(Region.objects.all(), user=supervisor, action="read", rules=by_parent).exists()


# --- API keys -----------------------------------------------------------------------------------------
def test_the_admin_cannot_add_a_key_without_its_hash(db):
    client = Client()
    client.force_login(_admin())
    assert client.get("/admin/org/apikey/add/").status_code == 403
    assert client.get("/admin/org/apikey/").status_code == 200


def test_the_key_page_shows_the_key_once_and_it_works_within_its_grant(regions):
    user = person(Role.DISPATCHER, region=regions["chancheng"])
    membership_grant(user=user, role=Role.CALLBACK_AGENT, region=regions["shunde"])
    dispatcher_grant = user.memberships.get(role=Role.DISPATCHER)
    client = Client()
    client.force_login(user)
    response = client.post("/org/api-keys/", {"name": "派单系统", "membership": dispatcher_grant.pk, "days": 30})
    assert response.status_code == 200 and response["Cache-Control"] == "no-store"
    raw = response.context["raw"]
    assert raw and raw in response.content.decode()
    assert raw not in client.get("/org/api-keys/").content.decode()  # never shown again
    key = ApiKey.objects.get()
    assert key.membership == dispatcher_grant and key.prefix and key.key_hash and raw not in key.key_hash
    assert AuditEvent.objects.filter(action="org.api_key_issue").exists()
    acting = api_key_user(raw)
    assert user_scope(acting).roles == {Role.DISPATCHER}  # not the callback agent's grant


def test_two_keys_can_be_issued(regions):
    agent = person(Role.CALL_AGENT)
    first, _ = api_key_issue(user=agent, name="one")
    second, _ = api_key_issue(user=agent, name="two")
    assert first.prefix != second.prefix


def test_a_key_acts_only_within_its_grant_even_for_a_superuser(regions):
    admin = person(Role.CALL_AGENT, region=regions["chancheng"], superuser=True)
    _key, raw = api_key_issue(user=admin, name="intake")
    acting = api_key_user(raw)
    assert not acting.is_superuser and not user_scope(acting).is_superuser
    assert user_scope(acting).grants[0].region_path == regions["chancheng"].path


def test_an_expired_or_revoked_key_stops_working(regions):
    agent = person(Role.CALL_AGENT)
    expiring, raw = api_key_issue(user=agent, name="short", expires_at=timezone.now() + dt.timedelta(hours=1))
    assert api_key_user(raw) is not None
    ApiKey.objects.filter(pk=expiring.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    api_keys_forget()
    assert api_key_user(raw) is None
    revoked, raw2 = api_key_issue(user=agent, name="revoked")
    assert api_key_user(raw2) is not None
    api_key_revoke(key=revoked, actor=agent)
    assert api_key_user(raw2) is None
    assert AuditEvent.objects.filter(action="org.api_key_revoke").exists()
    assert Client(HTTP_AUTHORIZATION=f"Bearer {raw2}").get("/api/org/me").status_code == 401


def test_nobody_issues_or_revokes_a_key_for_someone_elses_grant(regions):
    agent, other = person(Role.CALL_AGENT), person(Role.DISPATCHER)
    with pytest.raises(PermissionDenied):
        api_key_issue(membership=agent.memberships.get(), name="theirs", actor=other)
    key, _raw = api_key_issue(user=agent, name="mine", actor=agent)
    with pytest.raises(PermissionDenied):
        api_key_revoke(key=key, actor=other)
    with pytest.raises(ValidationError):
        api_key_issue(user=agent, name="past", expires_at=timezone.now() - dt.timedelta(days=1))
