"""An audit an auditor can use: sign-ins, admin changes and client addresses are recorded; auditors
(and leaders) read their region's events on a page, over the API and in Excel; the system
administrator reads none of it (三员分立)."""

import datetime as dt
import io
import re
from pathlib import Path

import pytest
import time_machine
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.test import Client, RequestFactory
from openpyxl import load_workbook

import minsheng.config.urls  # noqa: F401 - loads every admin and wraps it, as a running server does
from minsheng.audit.admin import AuditedAdminMixin, ReadOnlyAdmin
from minsheng.audit.choices import ACTION_LABELS
from minsheng.audit.models import AuditEvent
from minsheng.audit.services import ClientAddressMiddleware, audit_record, client_ip
from minsheng.org.choices import Role
from minsheng.org.models import Membership, Unit
from minsheng.org.services import membership_grant
from minsheng.org.tests.factories import PASSWORD, person, region_tree, unit


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def regions(db):
    return region_tree()


@pytest.fixture
def superuser(db):
    return person(Role.ADMIN, superuser=True)


# --- sign-in, client address -------------------------------------------------------------------

def test_sign_in_sign_out_and_failed_sign_in_are_audited_with_the_address(db):
    agent = person(Role.CALL_AGENT)
    client = Client(REMOTE_ADDR="10.20.30.40")
    client.post("/accounts/login/", {"username": agent.username, "password": "wrong"})
    client.post("/accounts/login/", {"username": agent.username, "password": PASSWORD})
    client.post("/accounts/logout/")
    events = list(AuditEvent.objects.filter(action__startswith="auth.").order_by("id"))
    assert [e.action for e in events] == ["auth.login_failed", "auth.login", "auth.logout"]
    assert events[0].summary == {"username": agent.username} and events[0].actor_id is None
    assert events[1].actor_id == agent.pk
    assert {e.ip for e in events} == {"10.20.30.40"}
    assert "wrong" not in str(events[0].summary)


def test_an_event_written_while_serving_a_request_records_its_address(db):
    request = RequestFactory().get("/", REMOTE_ADDR="192.0.2.7")
    middleware = ClientAddressMiddleware(lambda r: audit_record(actor=None, action="test.deep_in_a_service"))
    event = middleware(request)
    assert event.ip == "192.0.2.7"
    assert audit_record(actor=None, action="test.outside_a_request").ip is None


def _request(remote, forwarded=None):
    meta = {"REMOTE_ADDR": remote}
    if forwarded:
        meta["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **meta)


def test_forwarded_for_from_an_untrusted_address_is_ignored(settings):
    settings.MINSHENG_TRUSTED_PROXIES = ["10.0.0.1"]
    assert client_ip(_request("203.0.113.9", "1.2.3.4")) == "203.0.113.9"


def test_forwarded_for_from_a_trusted_proxy_names_the_client(settings):
    settings.MINSHENG_TRUSTED_PROXIES = ["10.0.0.0/24"]
    assert client_ip(_request("10.0.0.1", "1.2.3.4")) == "1.2.3.4"
    # a client cannot pose as someone else by sending its own header: the right-most untrusted one counts
    assert client_ip(_request("10.0.0.1", "6.6.6.6, 1.2.3.4, 10.0.0.2")) == "1.2.3.4"
    assert client_ip(_request("10.0.0.1", "not-an-address")) == "10.0.0.1"


def test_without_trusted_proxies_forwarded_for_is_never_believed(settings):
    settings.MINSHENG_TRUSTED_PROXIES = []
    assert client_ip(_request("10.0.0.1", "1.2.3.4")) == "10.0.0.1"


# --- the admin ----------------------------------------------------------------------------------

def test_every_writable_admin_mirrors_its_changes_into_the_audit():
    unaudited = [
        model._meta.label for model, model_admin in admin.site._registry.items()
        if not isinstance(model_admin, (AuditedAdminMixin, ReadOnlyAdmin))
    ]
    assert unaudited == []


def test_a_change_in_the_admin_is_audited_with_the_changed_fields(superuser):
    office = unit("佛山市城市管理局", code="CGJ")
    data = {"code": "CGJ", "name": "佛山市城市管理和综合执法局", "short_name": "", "kind": office.kind,
            "contact_person": "", "contact_phone": "", "contact_email": "", "address": "", "is_active": "on"}
    response = client_for(superuser).post(f"/admin/org/unit/{office.pk}/change/", data, REMOTE_ADDR="10.9.8.7")
    assert response.status_code == 302, response.content.decode()[:2000]
    event = AuditEvent.objects.get(action="admin.change", object_type="org.unit")
    assert event.summary["fields"] == {"name": ["佛山市城市管理局", "佛山市城市管理和综合执法局"]}
    assert (event.actor_id, event.object_id, event.ip) == (superuser.pk, str(office.pk), "10.9.8.7")


def test_a_deletion_in_the_admin_is_audited(superuser):
    office = unit("临时单位", code="TMP")
    response = client_for(superuser).post(f"/admin/org/unit/{office.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not Unit.objects.filter(pk=office.pk).exists()
    assert AuditEvent.objects.filter(action="admin.delete", object_type="org.unit", object_id=str(office.pk)).exists()


def test_the_audit_trail_is_not_in_the_admin(superuser):
    assert client_for(superuser).get("/admin/audit/auditevent/").status_code == 404


# --- who reads the trail ------------------------------------------------------------------------

@pytest.fixture
def trail(regions):
    """One event in 禅城, one in 顺德, one city-wide."""
    chancheng_grant = membership_grant(user=person(Role.DISPATCHER), role=Role.CALL_AGENT, region=regions["chancheng"])
    shunde_grant = membership_grant(user=person(Role.DISPATCHER), role=Role.CALL_AGENT, region=regions["shunde"])
    audit_record(actor=None, action="test.citywide")
    return {"chancheng": chancheng_grant, "shunde": shunde_grant}


def _grant_events(user, **params):
    return [e for e in client_for(user).get("/api/audit/events", {"action": "org.membership_grant", **params}).json()]


def test_the_system_administrator_cannot_read_the_audit(trail, superuser):
    admin_role = person(Role.ADMIN)
    for user in (superuser, admin_role, person(Role.SECURITY_ADMIN)):
        client = client_for(user)
        assert client.get("/audit/").status_code == 403
        assert client.get("/audit/export.xlsx").status_code == 403
        assert client.get("/api/audit/events").status_code == 403


def test_a_district_auditor_reads_only_their_district_events(trail, regions):
    auditor = person(Role.AUDITOR, region=regions["chancheng"])
    seen = {e["object_id"] for e in _grant_events(auditor)}
    assert str(trail["chancheng"].pk) in seen and str(trail["shunde"].pk) not in seen
    page = client_for(auditor).get("/audit/").content.decode()
    assert "test.citywide" not in page


def test_a_district_leader_reads_only_their_district_events(trail, regions):
    leader = person(Role.LEADER, region=regions["shunde"])
    seen = {e["object_id"] for e in _grant_events(leader)}
    assert str(trail["shunde"].pk) in seen and str(trail["chancheng"].pk) not in seen


def test_a_city_auditor_reads_every_event(trail):
    auditor = person(Role.AUDITOR)
    assert {e["object_id"] for e in _grant_events(auditor)} >= {str(trail["chancheng"].pk), str(trail["shunde"].pk)}
    assert client_for(auditor).get("/api/audit/events", {"action": "test.citywide"}).json()


def test_the_auditor_filters_by_actor_object_time_and_region(regions):
    auditor = person(Role.AUDITOR)
    actor = person(Role.DISPATCHER, username="dispatcher-zhang")
    with time_machine.travel(dt.datetime(2026, 11, 2, 10, 0, tzinfo=dt.UTC), tick=False):
        audit_record(actor=actor, action="test.early", obj=regions["shunde"])
    with time_machine.travel(dt.datetime(2026, 11, 20, 10, 0, tzinfo=dt.UTC), tick=False):
        late = audit_record(actor=actor, action="test.late", obj=regions["chancheng"])
        audit_record(actor=None, action="test.late")

    def actions(**params):
        return sorted(e["action"] for e in client_for(auditor).get("/api/audit/events", params).json()
                      if e["action"].startswith("test."))

    assert actions(actor="dispatcher-zhang") == ["test.early", "test.late"]
    assert actions(since="2026-11-10", until="2026-11-30") == ["test.late", "test.late"]
    assert actions(until="2026-11-02") == ["test.early"]
    assert actions(object_type="org.region", object_id=str(regions["chancheng"].pk)) == ["test.late"]
    assert actions(region=regions["shunde"].code) == ["test.early"]
    page = client_for(auditor).get("/audit/", {"action": "test.late", "region": regions["chancheng"].pk})
    assert page.status_code == 200 and f"#{late.object_id}" in page.content.decode()


def test_a_bad_filter_is_a_clear_error_not_a_crash(regions):
    auditor = person(Role.AUDITOR, region=regions["chancheng"])
    client = client_for(auditor)
    assert client.get("/api/audit/events", {"since": "2026-12-01", "until": "2026-11-01"}).status_code == 422
    assert client.get("/api/audit/events", {"region": regions["shunde"].code}).status_code == 422
    page = client.get("/audit/", {"since": "2026-12-01", "until": "2026-11-01"}, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert page.status_code == 200


def test_the_export_has_the_filtered_events_and_is_itself_audited(trail, regions):
    auditor = person(Role.AUDITOR, region=regions["chancheng"])
    response = client_for(auditor).get("/audit/export.xlsx", {"action": "org.membership_grant"})
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    exported = {row[5] for row in rows}
    assert str(trail["chancheng"].pk) in exported and str(trail["shunde"].pk) not in exported
    assert AuditEvent.objects.filter(action="audit.export", actor_id=auditor.pk).exists()


def test_one_person_cannot_be_both_system_administrator_and_auditor(db):
    admin_user = person(Role.ADMIN)
    with pytest.raises(ValidationError):
        membership_grant(user=admin_user, role=Role.AUDITOR)
    root = person(Role.CALL_AGENT, superuser=True)
    with pytest.raises(ValidationError):
        membership_grant(user=root, role=Role.AUDITOR)
    auditor = person(Role.AUDITOR)
    with pytest.raises(ValidationError):
        membership_grant(user=auditor, role=Role.SECURITY_ADMIN)
    assert not Membership.objects.filter(user=auditor, role=Role.SECURITY_ADMIN).exists()


def test_every_recorded_action_has_a_label():
    """An action written by a service shows as words on the audit page; add new ones to ACTION_LABELS."""
    package = Path(__file__).resolve().parents[2]
    written = set()
    for source in package.rglob("*.py"):
        if "tests" in source.parts:
            continue
        written |= set(re.findall(r'action="([a-z_]+\.[a-z_.]+)"', source.read_text(encoding="utf-8")))
    written -= {a for a in written if a.startswith("test.")}
    assert written - set(ACTION_LABELS) == set()
