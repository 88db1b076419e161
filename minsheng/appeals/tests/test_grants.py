"""Each action on a case needs ONE grant whose role allows it and whose region or unit covers the case
(issue 10): a person's roles and regions are never mixed across grants."""

import json

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client

from minsheng.org.choices import Role
from minsheng.org.services import membership_grant
from minsheng.org.tests.factories import person

from .. import selectors
from ..models import Appeal, DispatchCatalogue
from ..services import appeal_dispatch, catalogue_remove, catalogue_set, leg_return, return_decide
from .helpers import dispatched, lead_leg, register


@pytest.fixture
def chancheng_dispatcher_and_shunde_callback_agent(world):
    user = person(Role.DISPATCHER, region=world.regions["chancheng"])
    membership_grant(user=user, role=Role.CALLBACK_AGENT, region=world.regions["shunde"])
    return user


def test_a_dispatcher_for_one_district_who_calls_back_in_another_cannot_dispatch_there(
        world, chancheng_dispatcher_and_shunde_callback_agent):
    user = chancheng_dispatcher_and_shunde_callback_agent
    shunde_case = register(world, region=world.regions["daliang"])
    with pytest.raises(PermissionDenied):
        appeal_dispatch(actor=user, appeal=shunde_case, lead_unit=world.daliang_office)
    shunde_case.refresh_from_db()
    assert shunde_case.state == "registered"
    chancheng_case = register(world, region=world.regions["community"])
    appeal_dispatch(actor=user, appeal=chancheng_case, lead_unit=world.cgj)  # their own district: allowed


def test_the_dispatch_queue_lists_only_cases_of_a_dispatcher_grant(
        world, chancheng_dispatcher_and_shunde_callback_agent):
    user = chancheng_dispatcher_and_shunde_callback_agent
    shunde_case = register(world, region=world.regions["daliang"])
    chancheng_case = register(world, region=world.regions["community"])
    queue = selectors.dispatch_queue(user=user)["registered"]
    assert chancheng_case in queue and shunde_case not in queue


def test_a_region_limited_dispatcher_keeps_only_their_regions_catalogue(world):
    with pytest.raises(PermissionDenied):
        catalogue_set(actor=world.shunde_dispatcher, category=world.stalls, region=world.regions["zumiao"],
                      lead_unit=world.zumiao_office)
    with pytest.raises(PermissionDenied):  # a city-wide entry is the city's dispatchers' to keep
        catalogue_set(actor=world.shunde_dispatcher, category=world.stalls, region=None, lead_unit=world.cgj)
    city_entry = catalogue_set(actor=world.dispatcher, category=world.stalls, region=None, lead_unit=world.cgj)
    with pytest.raises(PermissionDenied):
        catalogue_remove(actor=world.shunde_dispatcher, entry=city_entry)
    assert DispatchCatalogue.objects.filter(pk=city_entry.pk).exists()
    own = catalogue_set(actor=world.shunde_dispatcher, category=world.stalls, region=world.regions["daliang"],
                        lead_unit=world.daliang_office)
    catalogue_remove(actor=world.shunde_dispatcher, entry=own)


def test_a_call_agent_for_one_district_cannot_register_a_case_in_another(world):
    agent = person(Role.CALL_AGENT, region=world.regions["chancheng"])
    from ..services import appeal_register

    with pytest.raises(PermissionDenied):
        appeal_register(actor=agent, kind="complaint", channel="hotline_12345", category=world.stalls,
                        region=world.regions["daliang"], content="路口有人占道摆卖，影响通行。",
                        caller_name="陈先生", caller_mobile="13800138000", auto_dispatch=False)
    assert Appeal.objects.count() == 0


# --- a unit whose return was approved -----------------------------------------------------------------
@pytest.fixture
def reassigned(world):
    """Dispatched to 城管局, returned by it, the return accepted and the case reassigned to 祖庙街道."""
    appeal = dispatched(world)
    first_leg = lead_leg(appeal)
    leg_return(actor=world.handler, leg=first_leg, reason="不属于本单位职责，应由属地街道处理。",
               legal_basis="《佛山市城市管理职责清单》第3条")
    appeal.refresh_from_db()
    return_decide(actor=world.dispatcher, appeal=appeal, accept=True, reason="同意退回，改派属地。",
                  lead_unit=world.zumiao_office)
    appeal.refresh_from_db()
    return appeal, first_leg


def test_a_unit_whose_return_was_approved_no_longer_opens_the_case(world, reassigned):
    appeal, _first_leg = reassigned
    assert not selectors.appeal_visible(user=world.handler).filter(pk=appeal.pk).exists()
    assert selectors.appeal_visible(user=world.zumiao_handler).filter(pk=appeal.pk).exists()
    client = Client()
    client.force_login(world.handler)
    assert client.get(f"/appeals/case/{appeal.number}/").status_code == 404
    assert client.get(f"/api/appeals/{appeal.number}").status_code == 404


def test_a_former_unit_reads_its_own_legs_history_but_not_the_later_legs(world, reassigned):
    appeal, first_leg = reassigned
    leg, events = selectors.leg_history(user=world.handler, pk=first_leg.pk)
    assert leg.state == "returned" and "不属于本单位职责" in leg.return_reason
    assert "return" in {e.action for e in events}
    assert all(e.leg_id == first_leg.pk for e in events)
    client = Client()
    client.force_login(world.handler)
    data = client.get(f"/api/appeals/legs/{first_leg.pk}/history").json()
    assert data["leg"]["return_reason"] == leg.return_reason and data["number"] == appeal.number
    assert "answer" not in data and "legs" not in data
    new_leg = lead_leg(appeal)
    assert client.get(f"/api/appeals/legs/{new_leg.pk}/history").status_code == 404


# --- what a citizen may send --------------------------------------------------------------------------
CITIZEN_BODY = {"kind": "complaint", "category": "010101", "region": "440604012001",
                "content": "路口有人占道摆卖，影响通行。"}


def _citizen_client(world):
    world.citizen.display_name, world.citizen.mobile = "李女士", "13912345678"
    world.citizen.save()
    client = Client()
    client.force_login(world.citizen)
    return client


def test_a_citizen_cannot_set_the_channel_urgency_or_caller_through_the_api(world):
    client = _citizen_client(world)
    forged = {**CITIZEN_BODY, "channel": "mayor_line", "urgent": True, "urgency": "safety",
              "caller_name": "市长秘书", "caller_mobile": "13800138000"}
    response = client.post("/api/appeals/", data=json.dumps(forged), content_type="application/json")
    assert response.status_code == 422, response.content
    assert set(response.json()["errors"]) >= {"channel", "urgent", "urgency", "caller_name", "caller_mobile"}
    assert Appeal.objects.count() == 0


def test_a_citizens_case_takes_its_channel_and_caller_from_the_account(world):
    client = _citizen_client(world)
    response = client.post("/api/appeals/", data=json.dumps(CITIZEN_BODY), content_type="application/json")
    assert response.status_code == 201, response.content
    appeal = Appeal.objects.get()
    assert (appeal.channel, appeal.caller_name, appeal.caller_mobile, appeal.urgent, appeal.citizen) == (
        "app", "李女士", "13912345678", False, world.citizen)


def test_the_intake_service_refuses_a_citizens_forged_caller(world):
    from django.core.exceptions import ValidationError

    from ..services import appeal_register

    with pytest.raises(ValidationError):
        appeal_register(actor=world.citizen, kind="complaint", channel="mayor_line", category=world.stalls,
                        region=world.regions["community"], content="路口有人占道摆卖，影响通行。",
                        caller_name="市长秘书", caller_mobile="13800138000", urgent=True, urgency="safety")
    assert Appeal.objects.count() == 0
